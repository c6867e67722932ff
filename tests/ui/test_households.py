"""Households at the desk, driven as reception staff drive it: keys and clicks, not method calls."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QWidget

from centre_desk.services.households import register_household
from centre_desk.ui.contact_dialog import RecordContactDialog
from centre_desk.ui.duplicates_dialog import DuplicateDialog
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.questions import TYPE_AHEAD_MS
from tests.conftest import ADMIN, ADMIN_PASSWORD, STAFF_RULES

from .conftest import choose, focused, make_context, press, show_and_focus, sign_in_directly, type_text

RECEPTION = "rita"
RECEPTION_PASSWORD = "reception desk password"
CTRL = Qt.KeyboardModifier.ControlModifier
TAB = Qt.Key.Key_Tab


@pytest.fixture
def reception(store):  # type: ignore[no-untyped-def]
    """A reception worker's account in the test's store."""
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.staff import add_staff
    from centre_desk.wiring import Wiring

    wiring = Wiring(store.data_dir)
    admin = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    add_staff(admin, RECEPTION, "reception", RECEPTION_PASSWORD, **STAFF_RULES)
    sign_out(admin)
    return RECEPTION


def open_desk(qtbot, store, tasks, shell_factory, username=ADMIN, password=ADMIN_PASSWORD):  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks)
    shell = shell_factory(context)
    main = shell.open_main(sign_in_directly(context, username, password))
    show_and_focus(qtbot, main)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
    return main, shell


def settle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)


def tab_to(qtbot, accessible_name: str, limit: int = 80) -> QWidget:  # type: ignore[no-untyped-def]
    """Press Tab until the focus reaches the input with this accessible name."""
    for _ in range(limit):
        if focused().accessibleName() == accessible_name:
            return focused()
        press(qtbot, TAB)
    raise AssertionError(f"Tab never reached {accessible_name!r}; stuck at {focused().accessibleName()!r}")


def type_any(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type like a keyboard with a Polish or French layout would: QTest.keyClicks only knows ASCII."""
    from PySide6.QtTest import QTest

    for ch in text:
        if ch.isascii():
            type_text(qtbot, ch)
        else:
            QTest.sendKeyEvent(QTest.KeyAction.Click, focused(), Qt.Key.Key_unknown, ch,
                               Qt.KeyboardModifier.NoModifier)


def answer(qtbot, accessible_name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    tab_to(qtbot, accessible_name)
    type_any(qtbot, text)


def modal(qtbot, kind: type[QWidget]) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind), timeout=10_000)
    widget = QApplication.activeModalWidget()
    assert isinstance(widget, kind)
    return widget


def households_in(store) -> int:  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.wiring import Wiring

    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    try:
        with session.store.reader() as uow:
            return uow.households.count()
    finally:
        sign_out(session)


def person(qtbot, n: int, last: str, dob: str, role: str) -> None:  # type: ignore[no-untyped-def]
    """The rest of person ``n``, once their first name is typed."""
    answer(qtbot, f"Person {n} last name", last)
    answer(qtbot, f"Person {n} date of birth", dob)
    answer(qtbot, f"Person {n} role in the household", role)
    answer(qtbot, f"Person {n} lives at this address", "Yes")


def test_a_reception_worker_registers_a_family_of_four_with_the_keyboard_alone(qtbot, store, reception, tasks,
                                                                               shell_factory):
    main, _shell = open_desk(qtbot, store, tasks, shell_factory, RECEPTION, RECEPTION_PASSWORD)
    desk = main.households

    press(qtbot, Qt.Key.Key_N, CTRL)
    assert main.current_page_name() == "household-form"
    assert focused().objectName() == "address_line1"
    assert focused().accessibleName() == "Address line 1"
    type_text(qtbot, "14 Sea Road")
    press(qtbot, TAB)
    assert focused().objectName() == "address_line2"
    press(qtbot, TAB)
    type_text(qtbot, "Weston-super-Mare")
    press(qtbot, TAB)
    assert focused().accessibleName() == "Postcode"
    type_text(qtbot, "bs23 1aa")
    press(qtbot, TAB)
    assert desk.form_page.form.row("postcode").value() == "BS23 1AA"  # tidied on leaving the field
    type_text(qtbot, "07700 900123")
    # On to the next section with its button, as a person tabbing down the page would.
    tab_to(qtbot, "Next: People in your household")
    press(qtbot, Qt.Key.Key_Return)

    assert focused().accessibleName() == "Person 1 first name"
    type_text(qtbot, "Agnieszka")
    person(qtbot, 1, "Wiśniewska", "12/3/1990", "Parent")
    answer(qtbot, "Person 1 languages spoken", "Polish, English")
    for n, (first, last, dob, role) in enumerate((("Tomasz", "Wiśniewski", "01/07/1988", "Parent"),
                                                  ("Zofia", "Wiśniewska", "03/02/2021", "Child"),
                                                  ("Jan", "Wiśniewski", "15/09/2024", "Child")), start=2):
        press(qtbot, Qt.Key.Key_M, CTRL)
        assert focused().accessibleName() == f"Person {n} first name"
        type_text(qtbot, first)
        person(qtbot, n, last, dob, role)
    # A child has no relationship status to give: the field is not there to tab to.
    assert not desk.form_page.form.row("members[2].relationship_status").shown
    assert desk.form_page.form.row("members[1].relationship_status").shown

    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    # The family is still at the desk, so consent is offered next; that is for another test.
    later = modal(qtbot, QMessageBox)
    assert later.objectName() == "recordConsentQuestion"
    qtbot.keyClick(later, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    # The offscreen platform has no window manager to hand the keyboard back to the window.
    show_and_focus(qtbot, main)
    view = desk.view
    assert view.members_model.rowCount() == 4
    assert view.title.text() == "Agnieszka Wiśniewska and Tomasz Wiśniewski"
    assert view.household is not None
    assert view.household.postcode == "BS23 1AA"
    assert view.household.members[0].get("date_of_birth") == "1990-03-12"
    assert view.household.members[0].get("languages") == "Polish, English"
    household_id = view.household.id
    settle(qtbot, tasks)
    assert desk.drafts.model.rowCount() == 0

    # Then found again: Ctrl+F, type without the accents, Down into the results, Enter.
    desk.home()
    press(qtbot, Qt.Key.Key_F, CTRL)
    assert focused().accessibleName() == "Search households"
    type_text(qtbot, "wisniewska")
    qtbot.waitUntil(lambda: desk.search_page.model.rowCount() == 1, timeout=10_000)
    assert main.current_page_name() == "household-search"
    hit = desk.search_page.model.hit(0)
    assert hit.household_id == household_id
    assert set(hit.children) == {"Zofia Wiśniewska", "Jan Wiśniewski"}
    press(qtbot, Qt.Key.Key_Down)
    assert focused() is desk.search_page.view
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    assert view.household.id == household_id


def test_problems_are_shown_beside_their_fields_and_nothing_is_saved(qtbot, store, tasks, shell_factory):
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    form = main.households.form_page.form
    press(qtbot, Qt.Key.Key_N, CTRL)
    answer(qtbot, "Postcode", "BS23")
    press(qtbot, TAB)
    postcode = form.row("postcode")
    assert postcode.problem.isVisibleTo(main)
    assert postcode.problem.text() == "Postcode is not a UK postcode."
    assert "Postcode is not a UK postcode." in postcode.input.accessibleDescription()
    # Going back and typing takes the message away until the field is left again.
    press(qtbot, TAB, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is postcode.input
    press(qtbot, Qt.Key.Key_End)
    type_text(qtbot, " 1AA")
    assert postcode.problem_text == ""

    form.go_to_section(1, focus=True)
    assert focused().accessibleName() == "Person 1 first name"
    tomorrow = date.today() + timedelta(days=400)
    answer(qtbot, "Person 1 date of birth", tomorrow.strftime("%d/%m/%Y"))
    press(qtbot, TAB)
    dob = form.row("members[0].date_of_birth")
    assert dob.problem.text() == "Date of birth is in the future."

    press(qtbot, Qt.Key.Key_S, CTRL)
    # Whole-form check: every problem beside its field, the first one focused, and a summary.
    assert main.current_page_name() == "household-form"
    assert form.row("address_line1").problem_text == "Address line 1 is required."
    assert form.row("members[0].first_name").problem_text == "First name is required."
    assert dob.problem_text == "Date of birth is in the future."
    assert focused() is form.row("address_line1").input
    assert form.current_section() == 0
    assert form.summary.isVisible()
    assert form.summary.text().startswith("Please check these")
    assert form.sections.problems(0) == 2 and form.sections.problems(1) >= 3
    settle(qtbot, tasks)
    assert households_in(store) == 0


def test_a_draft_survives_the_window_closing_and_is_offered_again(qtbot, store, tasks, shell_factory, quits):
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "3 Orchard Close")
    main.households.form_page.form.go_to_section(1, focus=True)
    type_any(qtbot, "Zoë")
    answer(qtbot, "Person 1 last name", "Brontë")
    # Closing the window asks; keeping the draft lets the window go.
    main.close()
    question = modal(qtbot, QMessageBox)
    assert question.objectName() == "unsavedChangesQuestion"
    qtbot.keyClick(question, Qt.Key.Key_K)  # a letter alone answers nothing (it was typed for a text box)
    assert question.isVisible()
    qtbot.wait(TYPE_AHEAD_MS + 50)
    qtbot.keyClick(question, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # Alt+K: Keep as draft
    qtbot.waitUntil(lambda: quits.count == 1, timeout=10_000)

    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    drafts = main.households.drafts
    assert main.current_page_name() == "start"
    assert drafts.model.rowCount() == 1
    assert drafts.view.isVisibleTo(main)
    assert drafts.model.index(0, drafts.model.PEOPLE).data() == "Zoë Brontë"
    drafts.view.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.current_page_name() == "household-form", timeout=10_000)
    form = main.households.form_page.form
    assert form.row("address_line1").value() == "3 Orchard Close"
    assert form.row("members[0].first_name").value() == "Zoë"
    assert form.dirty


def test_a_lock_in_the_middle_of_typing_still_keeps_the_draft(qtbot, store, tasks, shell_factory):
    main, shell = open_desk(qtbot, store, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "27 Locking Road")
    # Locked straight away, before the autosave's pause is over; then signed out from the lock.
    press(qtbot, Qt.Key.Key_L, CTRL)
    assert main.locked
    main.lock_screen.sign_out_requested.emit()
    qtbot.waitUntil(lambda: not isinstance(shell.window, MainWindow), timeout=10_000)
    settle(qtbot, tasks)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    assert main.households.drafts.model.rowCount() == 1
    assert main.households.drafts.model.draft(0).data["address_line1"] == "27 Locking Road"


def _register_bronte(store) -> str:  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.wiring import Wiring

    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    try:
        return register_household(session, {
            "address_line1": "1 Church Lane", "town": "Clevedon", "postcode": "BS21 7AA",
            "members": [{"first_name": "Zoë", "last_name": "Brontë", "date_of_birth": "2019-02-01", "role": "child"},
                        {"first_name": "Anne", "last_name": "Brontë", "date_of_birth": "1990-05-05",
                         "role": "parent"}],
        }).id
    finally:
        sign_out(session)


def test_a_person_already_registered_is_pointed_out_before_saving(qtbot, store, tasks, shell_factory):
    existing = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "9 Hill Road")
    answer(qtbot, "Town or city", "Nailsea")
    answer(qtbot, "Postcode", "BS48 1AA")
    main.households.form_page.form.go_to_section(1, focus=True)
    type_text(qtbot, "Zoe")
    person(qtbot, 1, "Bronte", "01/02/2019", "Child")
    press(qtbot, Qt.Key.Key_S, CTRL)

    dialog = modal(qtbot, DuplicateDialog)
    assert dialog.model.rowCount() == 1
    row = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert row == ["Zoë Brontë", "01/02/2019", "BS21 7AA", "Same name, same date of birth", "Zoe Bronte"]
    assert focused() is dialog.view
    # Back to the form: nothing saved, the answers still there.
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert main.current_page_name() == "household-form"
    settle(qtbot, tasks)
    assert households_in(store) == 1

    # This time it is the same child: open the household already on the system.
    press(qtbot, Qt.Key.Key_S, CTRL)
    dialog = modal(qtbot, DuplicateDialog)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    assert main.households.view.household.id == existing
    settle(qtbot, tasks)
    assert households_in(store) == 1
    # The same family: what was typed for a second registration does not stay in Unfinished forms.
    qtbot.waitUntil(lambda: main.households.drafts.model.rowCount() == 0, timeout=5000)
    settle(qtbot, tasks)
    from centre_desk.services.drafts import list_drafts

    assert list_drafts(main.session) == []


def test_saving_as_new_anyway_registers_a_second_household(qtbot, store, tasks, shell_factory):
    _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "2 Moor Lane")
    answer(qtbot, "Town or city", "Frome")
    answer(qtbot, "Postcode", "BA11 1AA")
    main.households.form_page.form.go_to_section(1, focus=True)
    type_text(qtbot, "Anne")
    person(qtbot, 1, "Brontë", "05/05/1990", "Parent")
    press(qtbot, Qt.Key.Key_S, CTRL)
    dialog = modal(qtbot, DuplicateDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)
    assert households_in(store) == 2


def test_the_household_view_shows_history_after_an_edit(qtbot, store, tasks, shell_factory):
    household_id = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = desk.view
    assert view.history_model.rowCount() == 0
    assert view.no_history.text().startswith("No changes since the household was registered")
    assert view.last_contact.text() == "Last contact: none recorded yet"
    assert not view.banner.isVisible()

    press(qtbot, Qt.Key.Key_E, CTRL)
    assert main.current_page_name() == "household-form"
    form = desk.form_page.form
    assert form.row("postcode").value() == "BS21 7AA"
    assert form.row("members[0].date_of_birth").value() == "01/02/2019"
    tab_to(qtbot, "Postcode")
    type_text(qtbot, "BS21 6ZZ")  # Tab into a line selects what is there, so typing replaces it
    form.go_to_section(1)
    tab_to(qtbot, "Person 2 first name")
    type_text(qtbot, "Charlotte")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    settle(qtbot, tasks)

    rows = {(r.what, r.before, r.after) for r in view.history_model.rows()}
    assert ("Postcode", "BS21 7AA", "BS21 6ZZ") in rows
    assert ("Charlotte Brontë: First name", "Anne", "Charlotte") in rows
    assert all(r.who == ADMIN for r in view.history_model.rows())
    assert view.tabs.tabText(3) == "Changes (2)"
    assert not view.history_view.isHidden() and view.no_history.isHidden()


def test_someone_elses_save_meanwhile_is_merged_calmly(qtbot, store, tasks, shell_factory):
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.households import open_household, update_household
    from centre_desk.wiring import Wiring

    household_id = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    press(qtbot, Qt.Key.Key_E, CTRL)
    answer(qtbot, "Main phone number", "07700 900456")

    # Meanwhile, at another desk, the town is corrected.
    wiring = Wiring(store.data_dir)
    other = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    before = open_household(other, household_id)
    update_household(other, household_id, {**before.submission(), "town": "Clevedon North"}, before.version)
    sign_out(other)

    press(qtbot, Qt.Key.Key_S, CTRL)
    box = modal(qtbot, QMessageBox)
    assert box.objectName() == "conflictMessage"
    press(qtbot, Qt.Key.Key_Return)  # Reload
    qtbot.waitUntil(lambda: desk.form_page.form.row("town").value() == "Clevedon North", timeout=10_000)
    assert desk.form_page.form.row("phone").value() == "07700 900456"
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    assert desk.view.household.fields["town"] == "Clevedon North"
    assert desk.view.household.fields["phone"] == "07700 900456"


def test_recording_a_contact_shows_it_as_the_last_contact(qtbot, store, tasks, shell_factory):
    household_id = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    qtbot.keyClick(focused(), Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    modal(qtbot, RecordContactDialog)
    qtbot.waitUntil(lambda: focused().accessibleName() == "Type of contact", timeout=5000)
    type_text(qtbot, "Home")
    press(qtbot, TAB)
    assert focused().text() == date.today().strftime("%d/%m/%Y")
    press(qtbot, TAB)
    type_text(qtbot, "Brought the baby book")
    press(qtbot, TAB)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.view.contacts_model.rowCount() == 1, timeout=10_000)
    assert desk.view.last_contact.text() == f"Last contact: {date.today():%d/%m/%Y} (today) — Home visit"
    assert desk.view.contacts_model.index(0, 2).data() == "Brought the baby book"


def test_every_input_on_the_household_pages_is_named(qtbot, store, tasks, shell_factory):
    from .test_names import _unnamed

    household_id = _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    press(qtbot, Qt.Key.Key_N, CTRL)
    press(qtbot, Qt.Key.Key_M, CTRL)
    assert _unnamed(main) == []
    names = {w.objectName(): w.accessibleName() for w in desk.form_page.findChildren(QWidget)
             if w.objectName().startswith("members[1].")}
    assert names["members[1].first_name"] == "Person 2 first name"
    assert names["members[1].date_of_birth"] == "Person 2 date of birth"
    desk.form_page.ask_to_leave(lambda: None)
    choose(qtbot, modal(qtbot, QMessageBox), "Discard changes")
    qtbot.waitUntil(lambda: not desk.form_page.active, timeout=5000)
    desk.open_household(household_id)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    assert _unnamed(main) == []
    assert main.findChild(QLineEdit, "householdSearchBox").accessibleName() == "Search households"
    assert main.findChild(QLabel, "safeguardingBanner") is not None


def test_leaving_a_changed_form_asks_first(qtbot, store, tasks, shell_factory):
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "5 Meadow Way")
    # Cancel stays on the form with the answer still there.
    press(qtbot, Qt.Key.Key_Home, Qt.KeyboardModifier.AltModifier)
    question = modal(qtbot, QMessageBox)
    assert question.objectName() == "unsavedChangesQuestion"
    qtbot.keyClick(question, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    assert main.current_page_name() == "household-form"
    assert desk.form_page.form.row("address_line1").value() == "5 Meadow Way"
    # Discard leaves, and no draft is kept.
    show_and_focus(qtbot, main)
    press(qtbot, Qt.Key.Key_Home, Qt.KeyboardModifier.AltModifier)
    choose(qtbot, modal(qtbot, QMessageBox), "Discard changes")
    qtbot.waitUntil(lambda: main.current_page_name() == "start", timeout=5000)
    settle(qtbot, tasks)
    assert desk.drafts.model.rowCount() == 0


def test_people_are_added_and_removed_with_the_keyboard(qtbot, store, tasks, shell_factory):
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    form = main.households.form_page.form
    press(qtbot, Qt.Key.Key_N, CTRL)
    press(qtbot, Qt.Key.Key_M, CTRL)
    press(qtbot, Qt.Key.Key_M, CTRL)
    assert focused().accessibleName() == "Person 3 first name"
    # An empty person goes at once; one with answers is asked about first.
    press(qtbot, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert len(form.entries_page().groups) == 2
    assert focused().accessibleName() == "Person 2 first name"
    type_text(qtbot, "Arthur")
    press(qtbot, Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier)
    choose(qtbot, modal(qtbot, QMessageBox), "Remove person 2")
    qtbot.waitUntil(lambda: len(form.entries_page().groups) == 1, timeout=5000)
    assert "members[1].first_name" not in form.rows()


def test_locking_closes_a_dialog_that_names_people(qtbot, store, tasks, shell_factory):
    _register_bronte(store)
    main, _shell = open_desk(qtbot, store, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "9 Hill Road")
    answer(qtbot, "Town or city", "Nailsea")
    answer(qtbot, "Postcode", "BS48 1AA")
    main.households.form_page.form.go_to_section(1, focus=True)
    type_text(qtbot, "Zoe")
    person(qtbot, 1, "Bronte", "01/02/2019", "Child")
    press(qtbot, Qt.Key.Key_S, CTRL)
    dialog = modal(qtbot, DuplicateDialog)
    main.lock("manual")
    assert not dialog.isVisible()
    settle(qtbot, tasks)
    assert main.session.store.locked
