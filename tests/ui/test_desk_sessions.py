"""Today at the desk and each person properly, driven as staff drive the window: keys, not calls."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import text

from centre_desk.services.households import open_household, register_household
from centre_desk.services.sessions import add_session
from centre_desk.ui.person_details import PersonDialog
from centre_desk.ui.sessions.add_dialog import AddSessionDialog
from centre_desk.ui.sessions.models import RegisterModel, SessionsModel, TodayModel
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import focused, make_context, modal, press, show_and_focus, sign_in_directly, type_text

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def signed_in(store):  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in
    from centre_desk.wiring import Wiring

    wiring = Wiring(store.data_dir)
    return sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)


def wojcik_family(session) -> str:  # type: ignore[no-untyped-def]
    return register_household(session, {
        "address_line1": "4 Marine Parade", "town": "Clevedon", "postcode": "BS21 7QS",
        "members": [
            {"first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent", "lives_at_address": True,
             "own_phone": "07700 900777", "parental_responsibility": True,
             "relationship_to_children": "birth-parent"},
            {"first_name": "Zuzanna", "last_name": "Wójcik", "role": "child", "lives_at_address": True,
             "date_of_birth": "2023-05-03", "nursery_school": "Little Acorns Nursery",
             "medical_alert": "Peanut allergy: EpiPen in her bag"},
        ],
    }).id


def open_desk(qtbot, store, tasks, shell_factory):  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    return main


def settle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)


def test_a_register_ticked_with_the_keyboard_moves_last_contact_on(qtbot, store, tasks, shell_factory):
    from centre_desk.services.auth import sign_out

    session = signed_in(store)
    household_id = wojcik_family(session)
    today = session.clock.today()
    cs = add_session(session, "stay-and-play", today, "10:00", "11:30", "Main hall")
    sign_out(session)

    main = open_desk(qtbot, store, tasks, shell_factory)
    panel = main.sessions.today
    assert panel.model.rowCount() == 1
    assert panel.model.index(0, TodayModel.CAME).data() == "nobody yet"

    press(qtbot, Qt.Key.Key_R, CTRL)  # Sessions and registers
    assert main.current_page_name() == "sessions"
    page = main.sessions.page
    settle(qtbot, tasks)
    assert page.sessions_model.index(0, SessionsModel.SESSION).data() == "Stay and play"
    assert page.current is not None and page.current.id == cs.id
    assert focused() is page.sessions_view

    # Find the family, Enter puts its people on the register, Space ticks them.
    press(qtbot, Qt.Key.Key_M, ALT)  # Find a family
    assert focused() is page.find_box
    type_text(qtbot, "wisniewska")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.families_model.rowCount() == 1, timeout=10_000)
    assert focused() is page.families_view
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.register_model.rowCount() == 2, timeout=10_000)
    settle(qtbot, tasks)
    assert focused() is page.register_view
    names = [page.register_model.index(r, RegisterModel.NAME).data() for r in range(2)]
    assert names == ["Zofia Wiśniewska", "Zuzanna Wójcik"]
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Space)  # untick her again: only Zofia came
    checked = [page.register_model.index(r, 0).data(Qt.ItemDataRole.CheckStateRole) for r in range(2)]
    assert checked == [Qt.CheckState.Checked, Qt.CheckState.Unchecked]
    press(qtbot, Qt.Key.Key_Down)  # stays on the last row
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_S, ALT)  # Save who came
    qtbot.waitUntil(lambda: "Saved: 2 people" in page.message.text(), timeout=10_000)
    settle(qtbot, tasks)
    assert page.message.text() == "Saved: 2 people; last contact moved on for 1 household."
    assert page.register_title.text().endswith("2 came")
    recorded = [page.register_model.index(r, RegisterModel.WHO).data() for r in range(2)]
    assert recorded == ["Adult · recorded", "Child · recorded"]

    # The household's card and record both moved on, and the start page lists who came.
    session = signed_in(store)
    try:
        assert open_household(session, household_id).last_contact == today
        with session.store.reader() as uow:
            [hit] = uow.households.hits([household_id], today)
        assert hit.last_contact == today
    finally:
        sign_out(session)
    assert panel.model.index(0, TodayModel.CAME).data() == "Zofia Wiśniewska, Zuzanna Wójcik"

    # Locking takes the names off the screen.
    main.lock("manual")
    assert page.register_model.rowCount() == 0 and panel.model.rowCount() == 0


def test_a_session_is_added_from_the_window(qtbot, store, tasks, shell_factory):
    from .test_names import _unnamed

    main = open_desk(qtbot, store, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_R, CTRL)
    page = main.sessions.page
    settle(qtbot, tasks)
    assert page.no_sessions.isVisibleTo(page)
    press(qtbot, Qt.Key.Key_A, ALT)
    dialog = modal(qtbot, AddSessionDialog)
    assert _unnamed(dialog) == []
    assert focused().accessibleName() == "Type of session"
    press(qtbot, Qt.Key.Key_Down)  # Baby clinic
    press(qtbot, Qt.Key.Key_P, ALT)
    assert focused().accessibleName() == "Place"
    press(qtbot, Qt.Key.Key_Return)  # no place yet: refused, the dialog stays
    qtbot.waitUntil(lambda: dialog.message.text() != "", timeout=10_000)
    assert dialog.message.text() == "Place is required."
    type_text(qtbot, "Clinic room")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.sessions_model.rowCount() == 1, timeout=10_000)
    assert page.sessions_model.index(0, SessionsModel.SESSION).data() == "Baby clinic"
    assert page.sessions_model.index(0, SessionsModel.PLACE).data() == "Clinic room"
    settle(qtbot, tasks)
    assert main.sessions.today.model.rowCount() == 1
    assert _unnamed(main) == []


def test_a_persons_details_show_on_the_household_page_and_enter_opens_them(qtbot, store, tasks, shell_factory):
    from centre_desk.services.auth import sign_out

    session = signed_in(store)
    household_id = wojcik_family(session)
    sign_out(session)
    main = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = desk.view
    assert view.person_details.title.text() == "Zofia Wiśniewska"
    shown = view.person_details.texts()
    assert shown["own_phone"] == "07700 900777"
    # Registered in version 2's shape (one answer for all the children): shown for each child.
    child = next(m for m in desk.view.household.members if m.role == "child")
    assert shown[f"children[{child.id}]"] == "Birth parent, parental responsibility: yes"

    view.members_view.setFocus()
    press(qtbot, Qt.Key.Key_Down)
    assert view.person_details.title.text() == "Zuzanna Wójcik"
    shown = view.person_details.texts()
    assert next(iter(shown)) == "medical_alert"  # first, where nobody misses it
    assert shown["medical_alert"] == "Peanut allergy: EpiPen in her bag"
    assert shown["nursery_school"] == "Little Acorns Nursery"

    press(qtbot, Qt.Key.Key_Return)
    dialog = modal(qtbot, PersonDialog)
    assert dialog.windowTitle() == "Zuzanna Wójcik"
    assert dialog.details.texts()["nursery_school"] == "Little Acorns Nursery"
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert main.findChild(QLabel, "householdTitle").text() == "Zofia Wiśniewska"


def test_a_household_stored_under_form_version_1_opens_shows_and_saves(qtbot, store, tasks, shell_factory):
    from centre_desk.services.auth import sign_out

    session = signed_in(store)
    household_id = register_household(session, {
        "address_line1": "1 Church Lane", "town": "Clevedon", "postcode": "BS21 7AA",
        "members": [{"first_name": "Anne", "last_name": "Brontë", "date_of_birth": "1990-05-05", "role": "parent",
                     "languages": "English"}]}).id
    with session.store.unit_of_work() as uow:  # as version 1 of the form left it
        uow.session.execute(text("UPDATE records SET form_version = 1 WHERE id = :h"), {"h": household_id})
        uow.commit()
    assert open_household(session, household_id).form_version == 1
    sign_out(session)

    main = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    assert desk.view.person_details.texts()["languages"] == "English"
    press(qtbot, Qt.Key.Key_E, CTRL)
    assert main.current_page_name() == "household-form"
    form = desk.form_page.form
    assert form.row("members[0].languages").value() == "English"
    assert form.row("members[0].own_phone").value() == ""
    form.go_to_section(1)
    form.row("members[0].own_phone").input.setFocus()
    type_text(qtbot, "07700 900123")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    assert desk.view.person_details.texts()["own_phone"] == "07700 900123"
    assert desk.view.household.form_version == 3


def test_register_models_pass_the_model_tester(qtmodeltester):  # type: ignore[no-untyped-def]
    from datetime import datetime, time

    from centre_desk.domain.sessions import Attendee, CentreSession

    cs = CentreSession("s1", "drop-in", "Drop-in", date(2026, 12, 1), time(10), time(11), "Hall", "a",
                       datetime(2026, 12, 1, 9))
    sessions = SessionsModel()
    sessions.set_sessions([cs])
    qtmodeltester.check(sessions)
    register = RegisterModel()
    register.set_register([Attendee("h1", "p1", "Zofia Wiśniewska", False, True),
                           Attendee("h1", "p2", "Zuzanna Wójcik", True, False)])
    qtmodeltester.check(register)
    assert register.flags(register.index(0, 0)) & Qt.ItemFlag.ItemIsUserCheckable == Qt.ItemFlag.NoItemFlags
    assert register.setData(register.index(1, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert [a.person_id for a in register.ticked()] == ["p2"]
    assert not register.setData(register.index(0, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)


def test_a_contact_is_corrected_from_the_window_and_the_change_is_in_the_history(qtbot, store, tasks,
                                                                                  shell_factory):
    from datetime import timedelta

    from centre_desk.services.auth import sign_out
    from centre_desk.services.households import record_contact
    from centre_desk.ui.correct_contact_dialog import CorrectContactDialog

    session = signed_in(store)
    household_id = wojcik_family(session)
    today = session.clock.today()
    record_contact(session, household_id, "drop-in", today)
    sign_out(session)
    main = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = desk.view
    view.tabs.setCurrentIndex(1)
    view.contacts_view.setFocus()
    press(qtbot, Qt.Key.Key_L, ALT)
    dialog = modal(qtbot, CorrectContactDialog)
    assert dialog.on.text() == today.strftime("%d/%m/%Y")
    yesterday = today - timedelta(days=1)
    dialog.on.setFocus()
    dialog.on.selectAll()
    type_text(qtbot, yesterday.strftime("%d/%m/%Y"))
    press(qtbot, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: view.contacts_model.index(0, 0).data() == yesterday.strftime("%d/%m/%Y"),
                    timeout=10_000)
    settle(qtbot, tasks)
    assert view.last_contact.text().startswith(f"Last contact: {yesterday:%d/%m/%Y} (yesterday)")
    rows = {(r.what, r.before, r.after) for r in view.history_model.rows()}
    assert ("Contact: date", today.strftime("%d/%m/%Y"), yesterday.strftime("%d/%m/%Y")) in rows
