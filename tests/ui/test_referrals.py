"""Referrals at the desk: recorded from the referral form by keyboard, problems beside their fields,
moved on a step, and the safeguarding banner raised the moment a concern is recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.referral_models import SAFEGUARDING_YES, ReferralsModel
from centre_desk.ui.referrals_section import NewReferralDialog, NextStepDialog
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import choose, focused, make_context, modal, press, show_and_focus, sign_in_directly, tab_to, type_text

TAB = Qt.Key.Key_Tab
ALT = Qt.KeyboardModifier.AltModifier




def referral_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {"source": "self", "date_received": date.today().isoformat(), "received_via": "phone",
                               "service": "early-help", "reasons": "Sleep and feeding worries", "urgency": "soon",
                               "safeguarding_concern": False}
    answers.update(changes)
    return answers


def settle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=15_000)


def open_referrals(qtbot, store, tasks, shell_factory, household_id: str) -> MainWindow:  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    settle(qtbot, tasks)
    main.households.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    view = main.households.view
    view.tabs.setCurrentWidget(view.referrals)
    view.tabs.tabBar().setFocus()
    return main




def answer(qtbot, accessible_name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    tab_to(qtbot, accessible_name)
    type_text(qtbot, text)


def next_section(qtbot, title: str) -> None:  # type: ignore[no-untyped-def]
    tab_to(qtbot, f"Next: {title}")
    press(qtbot, Qt.Key.Key_Return)


def closed(dialog: QWidget) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def unnamed(window: QWidget) -> list[str]:
    missing = []
    for widget in [window, *window.findChildren(QWidget)]:
        if widget is not window and widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if type(widget).__name__ in {"QScrollBar"} or widget.objectName().startswith("qt_"):
            continue
        if not widget.objectName() or not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.accessibleName()!r}")
    return missing


def stored_referrals(main: MainWindow, household_id: str) -> list[Any]:
    from centre_desk.services.referrals import household_referrals

    return household_referrals(main.session, household_id)


def test_a_safeguarding_concern_recorded_by_keyboard_raises_the_banner_at_once(qtbot, store, tasks, shell_factory,
                                                                               family):
    household_id, _parent, child = family
    main = open_referrals(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    assert not view.banner.isVisible()
    assert view.referrals.empty.isVisible()

    press(qtbot, Qt.Key.Key_N, ALT)
    dialog = modal(qtbot, NewReferralDialog)
    assert focused().accessibleName() == "Who the referral is about"
    press(qtbot, Qt.Key.Key_Right)  # the child
    press(qtbot, Qt.Key.Key_Space)
    answer(qtbot, "Referral made by", "The")
    answer(qtbot, "How the referral reached us", "Tel")
    next_section(qtbot, "What the referral is for")
    assert focused().accessibleName() == "Service"
    type_text(qtbot, "Early")
    answer(qtbot, "Reasons for the referral", "Health visitor worried about sleep")
    answer(qtbot, "How soon is help needed", "Urgent")
    next_section(qtbot, "Safeguarding")
    assert focused().accessibleName() == "Is there a safeguarding concern"
    type_text(qtbot, "Yes")
    answer(qtbot, "Safeguarding details", "Bruise seen; told the safeguarding lead today")
    press(qtbot, Qt.Key.Key_S, ALT)

    qtbot.waitUntil(lambda: closed(dialog), timeout=10_000)
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: view.referrals.model.rowCount() == 1, timeout=10_000)
    model = view.referrals.model
    assert [model.index(0, c).data() for c in range(model.columnCount())] == [
        "Early Help", f"{date.today():%d/%m/%Y}", "Urgent", "Received", SAFEGUARDING_YES, "Zoë Rădulescu"]
    assert view.tabs.tabText(view.referrals_tab) == "Referrals (1)"
    assert "Health visitor worried about sleep" in view.referrals.detail.text()
    assert "flagged" in view.referrals.message.text()
    [saved] = stored_referrals(main, household_id)
    assert saved.person_ids == (child,)
    assert saved.safeguarding_concern


def test_an_agency_referral_is_saved_with_the_familys_agreement_from_the_last_page(qtbot, store, tasks, shell_factory,
                                                                                    family):
    household_id, parent, _child = family
    main = open_referrals(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    press(qtbot, Qt.Key.Key_N, ALT)
    dialog = modal(qtbot, NewReferralDialog)
    press(qtbot, Qt.Key.Key_Space)  # the parent, first in the list
    answer(qtbot, "Referral made by", "Ano")
    answer(qtbot, "Referring organisation", "Clevedon Health Visiting")
    answer(qtbot, "Referrer's name", "Jo Marsh")
    answer(qtbot, "How the referral reached us", "Tel")
    next_section(qtbot, "What the referral is for")
    type_text(qtbot, "Early")
    answer(qtbot, "Reasons for the referral", "Low mood after the birth")
    answer(qtbot, "How soon is help needed", "Soon")
    next_section(qtbot, "Safeguarding")
    type_text(qtbot, "No")
    next_section(qtbot, "The family's knowledge and agreement")
    form = dialog.form  # type: ignore[attr-defined]
    agrees = form.row("family_agrees")
    assert focused().accessibleName() == "The family knows about this referral"
    assert not agrees.isVisible()  # asked only once the family is known to be aware
    type_text(qtbot, "Yes")
    assert agrees.isVisible()
    answer(qtbot, "The family agrees to this referral", "Yes")
    press(qtbot, Qt.Key.Key_S, ALT)

    qtbot.waitUntil(lambda: closed(dialog), timeout=10_000)
    qtbot.waitUntil(lambda: view.referrals.model.rowCount() == 1, timeout=10_000)
    [saved] = stored_referrals(main, household_id)
    assert saved.person_ids == (parent,)
    assert saved.fields["source"] == "agency"
    assert saved.fields["family_aware"] is True and saved.fields["family_agrees"] is True
    assert not view.banner.isVisible()


def test_a_referral_missing_a_required_answer_shows_it_beside_the_field_and_saves_nothing(
        qtbot, store, tasks, shell_factory, family):
    household_id, _parent, _child = family
    main = open_referrals(qtbot, store, tasks, shell_factory, household_id)
    section = main.households.view.referrals
    dialog = section.new_referral()
    assert dialog is modal(qtbot, NewReferralDialog)
    answer(qtbot, "Referral made by", "The")
    answer(qtbot, "How the referral reached us", "Tel")
    next_section(qtbot, "What the referral is for")
    type_text(qtbot, "Early")
    answer(qtbot, "How soon is help needed", "Routine")  # no reasons given
    press(qtbot, Qt.Key.Key_S, ALT)

    row = dialog.form.row("reasons")
    qtbot.waitUntil(lambda: bool(row.problem_text), timeout=5000)
    assert "required" in row.problem_text
    assert row.problem_text in row.input.accessibleDescription()
    assert focused() is row.input
    assert dialog.isVisible()
    settle(qtbot, tasks)
    assert stored_referrals(main, household_id) == []
    assert not main.households.view.banner.isVisible()

    press(qtbot, Qt.Key.Key_Escape)  # something was typed: asked first, and Esc there keeps typing
    qtbot.waitUntil(lambda: dialog.findChild(QWidget, "discardReferralQuestion") is not None, timeout=5000)
    question = dialog.findChild(QWidget, "discardReferralQuestion")
    assert question is not None
    choose(qtbot, question, "Discard")
    qtbot.waitUntil(lambda: closed(dialog), timeout=5000)
    assert stored_referrals(main, household_id) == []


def test_next_step_moves_a_referral_on_to_accepted(qtbot, store, tasks, shell_factory, family):
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.referrals import record_referral
    from centre_desk.wiring import Wiring

    household_id, _parent, child = family
    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    record_referral(session, household_id, referral_answers(), [child])
    sign_out(session)

    main = open_referrals(qtbot, store, tasks, shell_factory, household_id)
    section = main.households.view.referrals
    assert section.model.rowCount() == 1
    assert not main.households.view.banner.isVisible()
    section.view.setFocus()
    press(qtbot, Qt.Key.Key_X, ALT)
    dialog = modal(qtbot, NextStepDialog)
    assert focused().accessibleName() == "Next step"
    steps = dialog.status  # type: ignore[attr-defined]
    assert [steps.itemText(i) for i in range(steps.count())] == ["Accepted", "Allocated", "Closed"]
    press(qtbot, TAB)
    assert focused().text() == f"{date.today():%d/%m/%Y}"
    press(qtbot, TAB)
    type_text(qtbot, "Family worker to call on Monday")
    press(qtbot, TAB)
    press(qtbot, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: closed(dialog), timeout=10_000)
    qtbot.waitUntil(lambda: section.model.index(0, ReferralsModel.STATUS).data() == "Accepted", timeout=10_000)
    assert "Accepted" in section.detail.text() and "Family worker to call on Monday" in section.detail.text()
    [saved] = stored_referrals(main, household_id)
    assert saved.status == "accepted"


def test_every_input_of_the_referral_screens_is_named(qtbot, store, tasks, shell_factory, family):
    from centre_desk.services.referrals import record_referral

    household_id, _parent, child = family
    main = open_referrals(qtbot, store, tasks, shell_factory, household_id)
    record_referral(main.session, household_id, referral_answers(), [child])
    section = main.households.view.referrals
    section.reload()
    settle(qtbot, tasks)
    assert unnamed(section) == []
    dialog = section.new_referral()
    assert dialog is not None
    assert unnamed(dialog) == []
    dialog.reject()
    settle(qtbot, tasks)
    step = section.next_step()
    assert step is not None
    assert unnamed(step) == []
    step.reject()


def test_the_referrals_model_passes_the_model_tester(qtmodeltester, admin_session, family):
    from centre_desk.services.households import open_household
    from centre_desk.services.profile import form, profile_of, service_choices
    from centre_desk.services.referrals import add_status, household_referrals, record_referral

    household_id, parent, child = family
    first = record_referral(admin_session, household_id, referral_answers(), [child])
    add_status(admin_session, first.id, "closed", date.today(), "Family moved away")
    record_referral(admin_session, household_id, referral_answers(
        urgency="urgent", safeguarding_concern=True, safeguarding_details="Told the lead"), [parent, child])
    model = ReferralsModel()
    model.set_referrals(household_referrals(admin_session, household_id), open_household(admin_session, household_id),
                        form("referral"), dict(service_choices(profile_of(admin_session))))
    qtmodeltester.check(model, force_py=True)
    by_status = {model.index(r, ReferralsModel.STATUS).data(): r for r in range(model.rowCount())}
    assert set(by_status) == {"Closed", "Received"}
    concern = by_status["Received"]
    assert model.index(concern, ReferralsModel.SAFEGUARDING).data() == SAFEGUARDING_YES
    assert model.index(concern, ReferralsModel.PEOPLE).data() == "Ioana Rădulescu, Zoë Rădulescu"
    assert model.index(by_status["Closed"], ReferralsModel.SAFEGUARDING).data() == "No"
