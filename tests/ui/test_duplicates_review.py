"""The manager's review of likely duplicates and the merge screen, driven by the keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QRadioButton

from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.households import household_contacts, open_household, record_contact, register_household
from centre_desk.ui.duplicates_review import DuplicatesReviewPage, MergeDialog
from centre_desk.ui.widgets import ActionButton
from centre_desk.wiring import Wiring
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import focused, press
from .test_households import open_desk, settle

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _two_registrations(store):  # type: ignore[no-untyped-def]
    w = Wiring(store.data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        first = register_household(session, {
            "address_line1": "14 Locking Road", "town": "Weston-super-Mare", "postcode": "BS23 1AA",
            "phone": "07700 900123",
            "members": [{"first_name": "Aleksandra", "last_name": "Wójcik", "date_of_birth": "1991-04-02",
                         "role": "parent"}]})
        second = register_household(session, {
            "address_line1": "14 Locking Rd", "town": "Weston", "postcode": "BS23 1AA", "phone": "07700 900999",
            "members": [{"first_name": "Alexandra", "last_name": "Wojcik", "date_of_birth": "1991-04-02",
                         "role": "parent"},
                        {"first_name": "Jan", "last_name": "Wojcik", "date_of_birth": "2022-09-30", "role": "child"}]})
        record_contact(session, second.id, "drop-in", session.clock.today(), "")
    finally:
        sign_out(session)
    return first, second


def _show_review(qtbot, main, tasks) -> DuplicatesReviewPage:  # type: ignore[no-untyped-def]
    press(qtbot, Qt.Key.Key_D, CTRL_SHIFT)
    settle(qtbot, tasks)
    page = main.page("duplicates-review")
    assert main.current_page_name() == "duplicates-review"
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 or "No likely" in page.status.text(), timeout=10_000)
    return page


def test_the_start_page_offers_the_review_to_managers(qtbot, store, tasks, shell_factory) -> None:  # type: ignore[no-untyped-def]
    main, _ = open_desk(qtbot, store, tasks, shell_factory)
    titles = [b.title_label.text() for b in main.findChildren(ActionButton)]
    assert "Review likely duplicates" in titles
    menu = main.findChild(object, "householdsMenu")
    assert any(a.objectName() == "reviewDuplicatesAction" for a in menu.actions())


def test_not_the_same_removes_the_pair_and_it_stays_gone(qtbot, store, tasks, shell_factory) -> None:  # type: ignore[no-untyped-def]
    _two_registrations(store)
    main, _ = open_desk(qtbot, store, tasks, shell_factory)
    page = _show_review(qtbot, main, tasks)
    assert page.model.rowCount() == 1
    row = [page.model.index(0, c).data() for c in range(4)]
    assert "Aleksandra Wójcik" in row[1] + row[2] and "Alexandra Wojcik" in row[1] + row[2]
    assert "same date of birth" in row[3] and row[0].endswith("%")
    page.dismiss_button.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    settle(qtbot, tasks)
    assert page.model.rowCount() == 0
    page.refresh()
    settle(qtbot, tasks)
    assert page.model.rowCount() == 0 and "No likely duplicates" in page.status.text()


def test_merge_screen_shows_both_households_and_the_chosen_values_are_kept(qtbot, store, tasks,
                                                                           shell_factory) -> None:  # type: ignore[no-untyped-def]
    first, second = _two_registrations(store)
    main, _ = open_desk(qtbot, store, tasks, shell_factory)
    page = _show_review(qtbot, main, tasks)
    page.merge_button.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), MergeDialog), timeout=10_000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, MergeDialog)
    assert dialog.into.id == first.id and dialog.merged.id == second.id  # the older one stays
    assert set(dialog.differing) == {"address_line1", "town", "phone"}
    # Each differing field offers both values side by side; the one that stays is chosen by default.
    keep_phone = dialog.findChild(QRadioButton, "merge:phone:into")
    take_phone = dialog.findChild(QRadioButton, "merge:phone:merged")
    assert keep_phone.isChecked() and "07700 900999" in take_phone.text()
    assert "keep" in keep_phone.accessibleName() and "take" in take_phone.accessibleName()
    # Keyboard: Space on the other value chooses it.
    take_phone.setFocus()
    assert focused() is take_phone
    press(qtbot, Qt.Key.Key_Space)
    assert take_phone.isChecked() and not keep_phone.isChecked()
    assert dialog.people.count() == 3
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, tasks)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = main.page("household")
    assert view.household.id == first.id
    history = view.history_model.rows()
    assert any(r.what == "Merged with another household (its old id)" and r.after == second.id for r in history)
    assert any(r.what == "Main phone number" and "900999" in r.after for r in history)

    w = Wiring(store.data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        survivor = open_household(session, second.id)
        assert survivor.id == first.id
        assert survivor.fields["phone"] == "07700 900999"        # chosen on the merge screen
        assert survivor.fields["address_line1"] == "14 Locking Road"  # kept by default
        assert len(survivor.members) == 3
        assert len(household_contacts(session, first.id)) == 1
    finally:
        sign_out(session)


def test_locking_leaves_no_names_on_the_review_page(qtbot, store, tasks, shell_factory) -> None:  # type: ignore[no-untyped-def]
    _two_registrations(store)
    main, _ = open_desk(qtbot, store, tasks, shell_factory)
    page = _show_review(qtbot, main, tasks)
    assert page.model.rowCount() == 1
    main.lock_action.trigger()
    settle(qtbot, tasks)
    assert main.locked and page.model.rowCount() == 0
