"""The manager's review of likely duplicates and the merge screen, driven by the keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QRadioButton

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
    # The matcher paired the two entries of the mother: "People after the merge" lists her once.
    combo = dialog.findChild(QComboBox, f"samePerson:{second.members[0].id}")
    assert combo.currentData() == first.members[0].id
    people = [dialog.people.item(i).text() for i in range(dialog.people.count())]
    assert people == ["Aleksandra Wójcik (02/04/1991)", "Jan Wojcik (30/09/2022)"]
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
        assert [m.full_name for m in survivor.members] == ["Aleksandra Wójcik", "Jan Wojcik"]
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


def _keyed_twice(store):  # type: ignore[no-untyped-def]
    """The same mother in two households with her date of birth keyed day-first once, and a consent
    recorded under each entry."""
    from centre_desk.domain.consent import Decision
    from centre_desk.services.consent import record_decision

    w = Wiring(store.data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        first = register_household(session, {
            "address_line1": "14 Locking Road", "town": "Weston-super-Mare", "postcode": "BS23 1AA",
            "members": [{"first_name": "Aleksandra", "last_name": "Wójcik", "date_of_birth": "1991-04-02",
                         "role": "parent", "lives_at_address": True}]})
        second = register_household(session, {
            "address_line1": "14 Locking Road", "town": "Weston-super-Mare", "postcode": "BS23 1AA",
            "members": [{"first_name": "Alexandra", "last_name": "Wojcik", "date_of_birth": "1991-02-04",
                         "role": "parent", "lives_at_address": True},
                        {"first_name": "Jan", "last_name": "Wojcik", "date_of_birth": "2022-09-30", "role": "child",
                         "lives_at_address": True}]})
        record_decision(session, first.id, first.members[0].id, "email-contact", Decision.GIVEN, method="verbal",
                        notice_version="2025-1")
        record_decision(session, second.id, second.members[0].id, "surveys", Decision.GIVEN, method="verbal",
                        notice_version="2026.1")
    finally:
        sign_out(session)
    return first, second


def test_the_merge_screen_folds_her_into_one_person_once_her_date_of_birth_is_chosen(
        qtbot, store, tasks, shell_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.consent import consent_history

    first, second = _keyed_twice(store)
    mum, mum_away = first.members[0].id, second.members[0].id
    main, _ = open_desk(qtbot, store, tasks, shell_factory)
    main.resize(1024, 768)
    page = _show_review(qtbot, main, tasks)
    page.merge_button.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), MergeDialog), timeout=10_000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, MergeDialog)
    combo = dialog.findChild(QComboBox, f"samePerson:{mum_away}")
    assert combo.currentData() == mum  # pre-filled from the matcher
    assert "is the same person as" in combo.accessibleName() and "Alexandra Wojcik" in combo.accessibleName()
    keep_dob = dialog.findChild(QRadioButton, f"fold:{mum_away}:date_of_birth:into")
    take_dob = dialog.findChild(QRadioButton, f"fold:{mum_away}:date_of_birth:folded")
    assert not keep_dob.isChecked() and not take_dob.isChecked()  # two dates of birth: the manager says
    assert "02/04/1991" in keep_dob.text() and "04/02/1991" in take_dob.text()
    take_first = dialog.findChild(QRadioButton, f"fold:{mum_away}:first_name:folded")
    assert "Alexandra" in take_first.accessibleName() and "take" in take_first.accessibleName()
    dialog.grab().save(str(tmp_path / "merge-screen.png"))
    # Merging without choosing is refused in words, the focus put on the choice.
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and "Choose which date of birth" in dialog.problem.text()
    assert focused() is keep_dob
    press(qtbot, Qt.Key.Key_Space)
    assert keep_dob.isChecked()
    people = [dialog.people.item(i).text() for i in range(dialog.people.count())]
    assert people == ["Aleksandra Wójcik (02/04/1991)", "Jan Wojcik (30/09/2022)"]  # her once
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, tasks)
    qtbot.waitUntil(lambda: main.current_page_name() == "household", timeout=10_000)
    view = main.page("household")
    assert view.household.id == first.id
    assert [m.id for m in view.household.members] == [mum, second.members[1].id]
    w = Wiring(store.data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        lines = consent_history(session, first.id)
        assert sorted((line.event.purpose_id, line.person_name, line.event.notice_version) for line in lines) == [
            ("email-contact", "Aleksandra Wójcik", "2025-1"), ("surveys", "Aleksandra Wójcik", "2026.1")]
    finally:
        sign_out(session)


def test_two_entries_in_one_household_are_folded_from_the_people_tab(qtbot, store, tasks, shell_factory) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.ui.duplicates_review import FoldDialog

    w = Wiring(store.data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        h = register_household(session, {
            "address_line1": "14 Locking Road", "town": "Weston-super-Mare", "postcode": "BS23 1AA",
            "members": [{"first_name": "Aleksandra", "last_name": "Wójcik", "date_of_birth": "1991-04-02",
                         "role": "parent", "lives_at_address": True},
                        {"first_name": "Ola", "last_name": "Wojcik", "date_of_birth": "1991-04-02", "role": "parent",
                         "lives_at_address": True, "languages": "Polish"}]})
    finally:
        sign_out(session)
    main, _ = open_desk(qtbot, store, tasks, shell_factory)
    main.households.open_household(h.id)
    settle(qtbot, tasks)
    view = main.page("household")
    assert view.fold_button.isVisibleTo(view)  # a manager, two people: offered in the People tab
    dialog = view.fold()
    assert isinstance(dialog, FoldDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    ola, aleksandra = h.members[1].id, h.members[0].id
    press_target = dialog.findChild(QComboBox, f"samePerson:{ola}")
    assert press_target.findData(ola) == -1  # nobody is offered as the same as themself
    dialog.activateWindow()
    press_target.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is press_target, timeout=5_000)
    press_target.setCurrentIndex(press_target.findData(aleksandra))
    assert dialog.people.count() == 1 and dialog.people.item(0).text() == "Aleksandra Wójcik (02/04/1991)"
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, tasks)
    qtbot.waitUntil(lambda: len(view.household.members) == 1 or view.message.isVisible(), timeout=10_000)
    assert not view.message.isVisible(), view.message.text()
    her = view.household.members[0]
    assert her.id == aleksandra and her.get("languages") == "Polish"  # blank on her, so nothing lost
    history = view.history_model.rows()
    assert any(r.after == "Folded into Aleksandra Wójcik" for r in history)


def test_the_queue_count_updates_after_an_import_and_after_a_sync(qtbot, store, tasks, shell_factory,
                                                                 monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.ui import desk as desk_module

    monkeypatch.setattr(desk_module, "QUEUE_GAP_MS", 0)
    monkeypatch.setattr(desk_module, "QUEUE_SETTLE_MS", 10)
    main, _ = open_desk(qtbot, store, tasks, shell_factory)
    desk = main.households
    qtbot.waitUntil(lambda: desk.queue_count == 0, timeout=10_000)
    button = main.findChild(ActionButton, "start:reviewDuplicatesAction")
    assert "No likely duplicates now." in button.description()
    # Another program (the admin tool's import) adds the same family twice to the store.
    _two_registrations(store)
    desk._check_store_mark()
    qtbot.waitUntil(lambda: desk.queue_count == 1, timeout=10_000)
    assert "1 likely duplicate pair to look at now." in button.description()
    assert "1 likely duplicate pair" in button.accessibleDescription()
    # A sync that pulled records recounts too (here: a third keying arrived).
    w = Wiring(store.data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        register_household(session, {
            "address_line1": "9 Sea View", "town": "Weston-super-Mare", "postcode": "BS23 1AA",
            "members": [{"first_name": "Aleksandra", "last_name": "Wojcik", "date_of_birth": "1991-04-02",
                         "role": "parent"}]})
    finally:
        sign_out(session)
    desk.after_sync(1)
    qtbot.waitUntil(lambda: desk.queue_count == 3, timeout=10_000)
    assert "3 likely duplicate pairs to look at now." in button.description()
