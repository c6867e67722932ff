"""The automated accessibility check (``ui/a11y_check.py``) over every screen and dialog of the
journeys in ../shared/JOURNEYS.md, as a person would reach them; each test fails on any finding.

The figures (screens, widgets checked, failures) are printed at the end of the module (``-s``)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from centre_desk.ui.a11y_check import Checker
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.questions import TYPE_AHEAD_MS
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import make_context, modal, show_and_focus, sign_in_directly
from .test_consent import notice_version

CHECKER = Checker(Path(os.environ["A11Y_SHOTS"]) if os.environ.get("A11Y_SHOTS") else None)


@pytest.fixture(scope="module", autouse=True)
def figures() -> Iterator[Checker]:
    yield CHECKER
    print("\naccessibility check:", json.dumps(CHECKER.report.summary()))


def check(qtbot, screen: str, window: QWidget, *, tab: bool = True) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(30)
    found = CHECKER.check(screen, window, tab=tab)
    assert not found, "\n".join(map(str, found))


def activate(qtbot, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def settle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=15_000)


def open_main(qtbot, store, tasks, shell_factory) -> MainWindow:  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    settle(qtbot, tasks)
    return main


def test_set_up_wizard(qtbot, data_dir, tasks, shell_factory):
    from centre_desk.ui.setup_wizard import SetupWizard

    wizard = shell_factory(make_context(data_dir, tasks)).start(first_run=True)
    assert isinstance(wizard, SetupWizard)
    show_and_focus(qtbot, wizard)
    check(qtbot, "set-up: organisation", wizard)
    wizard.next()
    check(qtbot, "set-up: centre", wizard)
    wizard.centre_page.name.setText("Hillside Children's Centre")
    wizard.next()
    check(qtbot, "set-up: administrator", wizard)
    wizard.key_page.show_key("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789")
    wizard.key_page.show_training("")


def test_sign_in_and_lock_screen(qtbot, store, tasks, shell_factory):
    from centre_desk.ui.signin import SignInWindow

    window = shell_factory(make_context(store.data_dir, tasks)).start(first_run=False)
    assert isinstance(window, SignInWindow)
    show_and_focus(qtbot, window)
    check(qtbot, "sign-in", window)


def test_start_page_and_lock_screen(qtbot, store, tasks, shell_factory):
    main = open_main(qtbot, store, tasks, shell_factory)
    check(qtbot, "start page", main)
    main.lock("manual")
    qtbot.waitUntil(lambda: main.session.store.locked, timeout=10_000)
    check(qtbot, "lock screen", main)


def test_the_unsaved_changes_question(qtbot, store, tasks, shell_factory):
    main = open_main(qtbot, store, tasks, shell_factory)
    main.households.new_household()
    main.households.form_page.form.row("address_line1").input.setFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "3 Orchard Close")
    main.households.home()
    question = modal(qtbot, QMessageBox)
    qtbot.wait(TYPE_AHEAD_MS + 50)  # keys in the first moments are ignored on purpose
    check(qtbot, "unsaved changes", question)
    question.buttons_by_key["cancelChanges"].click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    assert main.current_page_name() == "household-form"
    _ = Qt


def open_household(qtbot, store, tasks, shell_factory, household_id: str) -> MainWindow:  # type: ignore[no-untyped-def]
    main = open_main(qtbot, store, tasks, shell_factory)
    main.households.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    return main


def test_search_results(qtbot, store, tasks, shell_factory, family):
    main = open_main(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.focus_search()
    qtbot.keyClicks(desk.box, "radulescu")
    qtbot.waitUntil(lambda: desk.search_page.model.rowCount() == 1, timeout=10_000)
    assert main.current_page_name() == "household-search"
    check(qtbot, "search results", main)


def test_household_form_every_section(qtbot, store, tasks, shell_factory):
    main = open_main(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.new_household()
    form = desk.form_page.form
    for index, section in enumerate(form.form.sections):
        form.go_to_section(index, focus=True)
        check(qtbot, f"household form: {section.title}", main)
    form.add_entry()
    check(qtbot, "household form: a second person", main)
    desk.form_page.save()
    qtbot.waitUntil(lambda: form.summary.isVisible(), timeout=5000)
    check(qtbot, "household form: problems shown", main)


def test_household_view_and_its_tabs(qtbot, store, tasks, shell_factory, family):
    from centre_desk.services.referrals import record_referral

    household_id, _parent, child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    record_referral(main.session, household_id, {
        "source": "self", "date_received": "2026-01-05", "received_via": "phone", "service": "early-help",
        "reasons": "Sleep worries", "urgency": "soon", "safeguarding_concern": True,
        "safeguarding_details": "Told the health visitor"}, [child])
    main.households.show_household(household_id)
    settle(qtbot, tasks)
    view = main.households.view
    assert view.banner.isVisible()
    for index in range(view.tabs.count()):
        view.tabs.setCurrentIndex(index)
        view.tabs.tabBar().setFocus()
        check(qtbot, f"household: {view.tabs.tabText(index)}", main)


def test_consent_dialog_both_tabs_and_withdraw(qtbot, store, tasks, shell_factory, family):
    from centre_desk.services.consent import give_consent
    from centre_desk.ui.withdraw_dialog import WithdrawConsentDialog

    household_id, parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    give_consent(main.session, household_id, parent, "email-contact", method="verbal",
                 notice_version=notice_version())
    view = main.households.view
    view.tabs.setCurrentWidget(view.consent)
    view.consent.reload()
    settle(qtbot, tasks)
    dialog = view.consent.record_consent()
    assert dialog is not None
    settle(qtbot, tasks)
    show_and_focus(qtbot, dialog)
    check(qtbot, "consent: decisions", dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.tabs.tabBar().setFocus()
    check(qtbot, "consent: lawful basis", dialog)
    dialog.reject()
    settle(qtbot, tasks)
    view.consent.view.setFocus()
    view.consent.view.selectRow(0)
    withdraw = view.consent.withdraw()
    assert isinstance(withdraw, WithdrawConsentDialog)
    show_and_focus(qtbot, withdraw)
    check(qtbot, "withdraw consent", withdraw)
    withdraw.reject()


def test_contact_referral_and_next_step_dialogs(qtbot, store, tasks, shell_factory, family):
    from centre_desk.services.referrals import record_referral

    household_id, _parent, child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    contact = view.record_contact()
    assert contact is not None
    show_and_focus(qtbot, contact)
    check(qtbot, "record contact", contact)
    contact.reject()
    record_referral(main.session, household_id, {
        "source": "self", "date_received": "2026-01-05", "received_via": "phone", "service": "early-help",
        "reasons": "Sleep worries", "urgency": "soon", "safeguarding_concern": False}, [child])
    view.tabs.setCurrentWidget(view.referrals)
    view.referrals.reload()
    settle(qtbot, tasks)
    referral = view.referrals.new_referral()
    assert referral is not None
    show_and_focus(qtbot, referral)
    for index, section in enumerate(referral.form.form.sections):
        referral.form.go_to_section(index, focus=True)
        check(qtbot, f"new referral: {section.title}", referral)
    referral.reject()
    settle(qtbot, tasks)
    view.referrals.view.setFocus()
    step = view.referrals.next_step()
    assert step is not None
    show_and_focus(qtbot, step)
    check(qtbot, "next step", step)
    step.reject()


def test_person_and_correct_contact_dialogs(qtbot, store, tasks, shell_factory, family):
    from datetime import date

    from centre_desk.services.households import record_contact

    household_id, _parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    record_contact(main.session, household_id, "phone-call", date(2026, 1, 6), "Rang about the group")
    main.households.show_household(household_id)
    settle(qtbot, tasks)
    view = main.households.view
    view.members_view.setFocus()
    view.members_view.selectRow(1)
    person = view.people.open_current()
    assert person is not None
    show_and_focus(qtbot, person)
    check(qtbot, "person details", person)
    person.reject()
    settle(qtbot, tasks)
    view.tabs.setCurrentIndex(1)
    settle(qtbot, tasks)
    correct = view.correct_contact()
    assert correct is not None, "no contact to correct"
    show_and_focus(qtbot, correct)
    check(qtbot, "correct a contact", correct)
    correct.reject()


def test_start_page_with_open_requests(qtbot, store, tasks, shell_factory, family):
    from datetime import date

    from centre_desk.services.rights import add_request

    _household_id, parent, _child = family
    main = open_main(qtbot, store, tasks, shell_factory)
    add_request(main.session, parent, "access", received=date(2026, 1, 5), identity_method="passport seen")
    main.households.home()
    settle(qtbot, tasks)
    panel = main.households.requests
    qtbot.waitUntil(lambda: panel.isVisible() and panel.model.rowCount() == 1, timeout=10_000)
    check(qtbot, "start page with open requests", main)


def test_duplicates_dialog(qtbot, store, tasks, shell_factory, family):
    from centre_desk.ui.duplicates_dialog import DuplicateDialog

    main = open_main(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.new_household()
    form = desk.form_page.form
    form.set_values({"address_line1": "9 Hill Road", "town": "Nailsea", "postcode": "BS48 1AA",
                     "members": [{"first_name": "Zoe", "last_name": "Radulescu", "date_of_birth": "03/05/2023",
                                  "role": "child", "lives_here": "yes"}]})
    form.mark_dirty()
    desk.form_page.save()
    dialog = modal(qtbot, DuplicateDialog)
    check(qtbot, "possible duplicates", dialog)
    dialog.reject()


@pytest.mark.parametrize("page", ["sessions", "duplicates-review", "reach-statistics", "retention-review"])
def test_the_pages_added_for_the_desk_reports_and_duplicates(qtbot, store, tasks, shell_factory, family, page):
    main = open_main(qtbot, store, tasks, shell_factory)
    action = {"sessions": main.sessions.action, "duplicates-review": main.households.review_action,
              "reach-statistics": main.reports.statistics_action,
              "retention-review": main.reports.retention_action}[page]
    action.trigger()
    settle(qtbot, tasks)
    assert main.current_page_name() == page
    check(qtbot, page, main)


@pytest.mark.parametrize("which", ["log_disclosure", "restrict", "erase"])
def test_the_rights_dialogs(qtbot, store, tasks, shell_factory, family, which):
    household_id, _parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    tab = next(i for i in range(view.tabs.count()) if view.tabs.tabText(i).startswith("Sharing")) \
        if which == "log_disclosure" else 0
    view.tabs.setCurrentIndex(tab)
    settle(qtbot, tasks)
    dialog = getattr(view, which)()
    assert dialog is not None, f"{which} is not offered to an administrator"
    qtbot.waitExposed(dialog)
    settle(qtbot, tasks)
    check(qtbot, which.replace("_", " "), dialog)
    dialog.reject()


def test_the_requests_register(qtbot, store, tasks, shell_factory, family):
    from datetime import date

    from centre_desk.services.rights import add_request

    _household_id, parent, _child = family
    add_request(open_main(qtbot, store, tasks, shell_factory).session, parent, "access", received=date(2025, 1, 10),
                identity_method="known to staff")
    main = QApplication.activeWindow()
    assert isinstance(main, MainWindow)
    main.rights.register_action.trigger()
    settle(qtbot, tasks)
    assert main.current_page_name() == "rights-register"
    check(qtbot, "requests register", main)


@pytest.mark.parametrize("which", ["add_request", "extend", "close_chosen", "add_objection", "subject_access",
                                   "portability", "who_has_seen"])
def test_the_rights_workbench_dialogs(qtbot, store, tasks, shell_factory, family, which):
    from datetime import date

    from centre_desk.services.referrals import record_referral
    from centre_desk.services.rights import add_request
    from tests.integration.test_referrals import REFERRAL

    household_id, parent, child = family
    main = open_main(qtbot, store, tasks, shell_factory)
    add_request(main.session, parent, "access", received=date(2026, 1, 10), identity_method="known to staff")
    record_referral(main.session, household_id, dict(REFERRAL), [child])
    main.households.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    view = main.households.view
    view.tabs.setCurrentWidget(view.rights)
    settle(qtbot, tasks)
    owner = view.rights if which in ("add_request", "extend", "close_chosen", "add_objection") else view
    dialog = getattr(owner, which)()
    assert dialog is not None, f"{which} is not offered to an administrator"
    qtbot.waitExposed(dialog)
    settle(qtbot, tasks)
    if which == "subject_access":
        dialog.build()
        qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=15_000)
        settle(qtbot, tasks)
    check(qtbot, which.replace("_", " "), dialog)
    dialog.model.reasons.clear() if which == "subject_access" else None
    dialog.reject()


def test_the_merge_screen(qtbot, store, tasks, shell_factory):
    from centre_desk.ui.duplicates_review import MergeDialog

    from .test_duplicates_review import _show_review, _two_registrations

    _two_registrations(store)
    main = open_main(qtbot, store, tasks, shell_factory)
    page = _show_review(qtbot, main, tasks)
    page.merge_button.click()
    dialog = modal(qtbot, MergeDialog)
    check(qtbot, "merge households", dialog)
    dialog.reject()


@pytest.mark.parametrize("which", ["place", "lift"])
def test_the_organisation_hold_dialogs(qtbot, store, tasks, shell_factory, which):
    from centre_desk.ui.reports.holds import OrganisationHoldDialog

    main = open_main(qtbot, store, tasks, shell_factory)
    main.reports.retention_action.trigger()
    settle(qtbot, tasks)
    page = main.reports.retention
    if which == "place":
        page.add_org_hold_button.click()
        dialog = modal(qtbot, OrganisationHoldDialog)
        check(qtbot, "organisation-wide hold", dialog)
        dialog.reject()
        return
    from centre_desk.services.retention import place_hold
    from centre_desk.ui.questions import SafeQuestion

    place_hold(main.session, "Public inquiry", reference="INQ-1")
    page.refresh()
    settle(qtbot, tasks)
    page.holds_list.setCurrentRow(0)
    page.lift_org_hold_button.click()
    box = modal(qtbot, SafeQuestion)
    qtbot.wait(TYPE_AHEAD_MS + 50)  # keys in the first moments are ignored on purpose
    check(qtbot, "lift organisation-wide hold", box)
    box.reject()


def test_the_merge_screen_with_a_person_to_fold(qtbot, store, tasks, shell_factory, tmp_path):
    from centre_desk.ui.duplicates_review import MergeDialog

    from .test_duplicates_review import _keyed_twice, _show_review

    _keyed_twice(store)
    main = open_main(qtbot, store, tasks, shell_factory)
    main.resize(1024, 768)
    page = _show_review(qtbot, main, tasks)
    page.merge_button.click()
    dialog = modal(qtbot, MergeDialog)
    check(qtbot, "merge households, folding a person", dialog)
    dialog.grab().save(str(tmp_path / "merge-screen.png"))
    dialog.reject()


def test_the_fold_dialog(qtbot, store, tasks, shell_factory, family, tmp_path):
    from centre_desk.ui.duplicates_review import FoldDialog

    main = open_main(qtbot, store, tasks, shell_factory)
    main.resize(1024, 768)
    main.households.open_household(family[0])
    settle(qtbot, tasks)
    dialog = main.page("household").fold()
    assert isinstance(dialog, FoldDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    check(qtbot, "one person entered twice", dialog)
    dialog.grab().save(str(tmp_path / "fold-dialog.png"))
    dialog.reject()


def test_the_add_session_dialog(qtbot, store, tasks, shell_factory):
    main = open_main(qtbot, store, tasks, shell_factory)
    main.sessions.action.trigger()
    settle(qtbot, tasks)
    dialog = main.sessions.page.add_session()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    check(qtbot, "add session", dialog)
    dialog.reject()


def test_print_preview(qtbot, store, tasks, shell_factory, family):
    from centre_desk.ui.print_preview import PrintPreviewDialog

    household_id, _parent, _child = family
    main = open_household(qtbot, store, tasks, shell_factory, household_id)
    view = main.households.view
    view.tabs.setCurrentWidget(view.consent)
    view.consent.print_receipt()
    preview = modal(qtbot, PrintPreviewDialog)
    settle(qtbot, tasks)
    check(qtbot, "print preview", preview)
    preview.reject()


def test_about_and_licences(qtbot):
    from centre_desk.ui.about import AboutDialog

    dialog = AboutDialog("North Somerset Early Help and Children's Centres")
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    check(qtbot, "about", dialog)
    licences = dialog.show_licences()
    qtbot.waitExposed(licences)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is licences, timeout=5000)
    licences.activateWindow()
    qtbot.wait(50)
    check(qtbot, "licences", licences)
    licences.reject()


def test_the_help_window_and_the_consent_dialog_with_several_people_signing(qtbot, store, tasks, shell_factory):
    from centre_desk.ui.help import HelpDialog

    from .test_consent_signers import two_parents

    main = open_main(qtbot, store, tasks, shell_factory)
    main.help_action.trigger()
    dialog = modal(qtbot, HelpDialog)
    check(qtbot, "help", dialog)
    dialog.reject()
    household_id, *_ = two_parents(store)
    main.households.show_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    view = main.households.view
    view.tabs.setCurrentWidget(view.consent)
    consent = view.consent.record_consent()
    assert consent is not None
    settle(qtbot, tasks)
    show_and_focus(qtbot, consent)
    assert consent.signer_choice.isVisible()
    check(qtbot, "consent: two people signing", consent)
    consent.reject()


def test_idle_warning(qtbot, store, tasks, shell_factory):
    main = open_main(qtbot, store, tasks, shell_factory)
    main.idle_warning.warn(60)
    check(qtbot, "idle lock warning", main)
    main.idle_warning.dismiss()
    main.sessions.action.trigger()
    settle(qtbot, tasks)
    dialog = main.sessions.page.add_session()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    main.idle_warning.warn(60)
    popup = main.idle_warning.over_dialog
    assert popup is not None
    qtbot.waitExposed(popup)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is popup, timeout=3000)
    check(qtbot, "idle lock warning over a dialog", popup)
    main.idle_warning.dismiss()
    dialog.reject()


def test_the_checker_finds_each_kind_of_defect(qtbot):
    """The check can fail: a window with one of each defect the issue lists gives each finding."""
    from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableWidget, QVBoxLayout

    from centre_desk.ui.widgets import named

    window = QWidget()
    window.setObjectName("badWindow")
    layout = QVBoxLayout(window)
    grey = QLabel("If a child is in immediate danger, call 999 first")
    grey.setStyleSheet("color: #777777;")
    key = QLabel("ABCD-EFGH")
    key.setAccessibleName("Recovery key")  # replaces the text: the key is never spoken
    big = QLabel("Looks like a heading")
    font = big.font()
    font.setPointSize(20)
    font.setBold(True)
    big.setFont(font)
    field = named(QLineEdit(), "field", "Field")
    faint = named(QLineEdit(), "faint", "Faint border")
    faint.setStyleSheet("QLineEdit { border: 1px solid #e0e0e0; } QLineEdit:focus { border: 1px solid #e0e0e0; }")
    unnamed = QPushButton("X")
    tick = named(QCheckBox("Tick"), "tick", "Tick")
    trap = named(QPlainTextEdit(), "trap", "Notes")  # Tab types a tab instead of moving on
    after = named(QPushButton("After"), "after", "After")
    table = named(QTableWidget(3, 2), "table", "Table")
    table.setSortingEnabled(True)
    table.verticalHeader().setMinimumSectionSize(18)
    table.verticalHeader().setDefaultSectionSize(18)
    for widget in (grey, key, big, field, faint, unnamed, tick, trap, after, table):
        layout.addWidget(widget)
    qtbot.addWidget(window)
    activate(qtbot, window)
    field.setFocus()
    found = Checker().check("defects", window)
    rules = {(f.rule, f.widget.split("'")[1] if "'" in f.widget else "") for f in found}
    expected = {("contrast", ""), ("label", ""), ("heading", ""), ("name", "(no objectName)"), ("boundary", "faint"),
                ("focus", "faint"), ("tab-trap", "trap"), ("tab-reach", "after"), ("target", "table"),
                ("sorting", "table")}
    assert expected <= {(rule, name if rule in {"boundary", "focus", "tab-trap", "tab-reach", "target", "sorting",
                                                  "name"} else "") for rule, name in rules}, found


@pytest.mark.parametrize("page", ["staff", "backups", "import", "audit-trail"])
def test_the_administration_pages(qtbot, store, tasks, shell_factory, family, tmp_path, page):
    main = open_main(qtbot, store, tasks, shell_factory)
    admin = main.admin
    {"staff": admin.staff_action, "backups": admin.backup_action, "import": admin.import_action,
     "audit-trail": admin.audit_action}[page].trigger()
    settle(qtbot, tasks)
    assert main.current_page_name() == page
    if page == "import":  # with its problems table showing
        bad = tmp_path / "list.csv"
        bad.write_text("household,first_name,last_name,date_of_birth,role,address_line1,town,postcode\n"
                       "A,Zofia,Nowak,1990-13-01,parent,1 Sea Road,Clevedon,BS21 7AA\n", encoding="utf-8")
        admin.import_page.file.setText(str(bad))
        admin.import_page.check()
        qtbot.waitUntil(lambda: admin.import_page.problems.rowCount() > 0, timeout=15_000)
    if page == "audit-trail":
        qtbot.waitUntil(lambda: admin.audit_page.model.rowCount() > 0, timeout=15_000)
        admin.audit_page.verify()
        qtbot.waitUntil(lambda: "intact" in admin.audit_page.chain.text(), timeout=15_000)
    settle(qtbot, tasks)
    check(qtbot, page, main)


@pytest.mark.parametrize("which", ["add", "reset", "role", "disable"])
def test_the_staff_dialogs(qtbot, store, tasks, shell_factory, which):
    from centre_desk.domain.staff import Role
    from centre_desk.services.staff import add_staff
    from tests.conftest import STAFF_RULES

    main = open_main(qtbot, store, tasks, shell_factory)
    add_staff(main.session, "sam", Role.RECEPTION, "a long desk password", **STAFF_RULES)
    main.admin.show_staff()
    page = main.admin.staff_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10_000)
    page.select("sam")
    dialog = {"add": page.add, "reset": page.reset_password, "role": page.change_role, "disable": page.disable}[which]()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    if which == "disable":
        qtbot.wait(TYPE_AHEAD_MS + 50)
    check(qtbot, f"staff: {which}", dialog)
    dialog.reject()


def test_the_blank_form_recovery_key_and_restore_dialogs(qtbot, store, tasks, shell_factory):
    from centre_desk.services.keys import RECOVERY_ADVICE
    from centre_desk.ui.admin.recovery import NewRecoveryKeyDialog
    from centre_desk.ui.signin import SignInWindow

    main = open_main(qtbot, store, tasks, shell_factory)
    blank = main.admin.blank_form()
    assert blank is not None
    qtbot.waitExposed(blank)
    check(qtbot, "blank paper form", blank)
    blank.reject()
    panel = main.admin.recovery_panel
    assert panel is not None
    panel.words.setText(RECOVERY_ADVICE["missing"])  # as shown when the store has no working key
    panel.show()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    activate(qtbot, main)
    check(qtbot, "start page: recovery key warning", main)
    key = NewRecoveryKeyDialog("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789", main.printing.printer, main)
    key.open()
    qtbot.waitExposed(key)
    check(qtbot, "new recovery key", key)
    key.stored.setChecked(True)
    key.accept()
    main.sign_out_action.trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), SignInWindow), timeout=20_000)
    window = QApplication.activeWindow()
    assert isinstance(window, SignInWindow)
    dialog = window.open_restore()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    check(qtbot, "restore from a backup", dialog)
    dialog.reject()
