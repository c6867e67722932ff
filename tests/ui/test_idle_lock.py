"""The idle lock: the key is dropped, the records are hidden, and unlocking returns to the same place."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from centre_desk.ui.idle_lock import UNLOCK_FAILED
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.signin import SignInWindow
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import focused, make_context, press, show_and_focus, sign_in_directly, type_text


def _search_page() -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    edit = QLineEdit()
    edit.setObjectName("searchBox")
    edit.setAccessibleName("Search")
    layout.addWidget(QLabel("Pretend this lists a family"))
    layout.addWidget(edit)
    return page


def _main_window(qtbot, store, tasks, shell_factory, idle_seconds: float):  # type: ignore[no-untyped-def]
    context = make_context(store.data_dir, tasks, idle_lock_seconds=idle_seconds)
    shell = shell_factory(context)
    main = shell.open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    assert isinstance(main, MainWindow)
    main.add_page("search", _search_page())
    main.show_page("search")
    show_and_focus(qtbot, main)
    main.findChild(QLineEdit, "searchBox").setFocus()
    return main, shell


def test_inactivity_locks_the_store_hides_the_records_and_unlocking_returns_to_the_same_page(
        qtbot, store, tasks, shell_factory):
    main, _shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=1)
    type_text(qtbot, "Smith")
    session = main.session

    qtbot.waitUntil(lambda: session.store.locked, timeout=5000)
    assert main.locked
    assert not main.pages.isVisible()
    assert not main.findChild(QLineEdit, "searchBox").isVisible()
    assert main.lock_screen.isVisible()
    assert not main.lock_action.isEnabled()
    assert focused().accessibleName() == "Password"
    assert ADMIN in main.lock_screen.who.text()

    # A wrong password: a calm message, still locked.
    type_text(qtbot, "not the password")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.lock_screen.message.text() == UNLOCK_FAILED, timeout=10_000)
    assert main.locked and main.session.store.locked

    type_text(qtbot, ADMIN_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not main.locked, timeout=10_000)
    assert main.current_page_name() == "search"
    assert main.pages.isVisible()
    assert focused().objectName() == "searchBox"
    assert focused().text() == "Smith"
    assert main.session is not session
    assert not main.session.store.locked
    assert main.lock_action.isEnabled()


def test_control_l_locks_at_once(qtbot, store, tasks, shell_factory):
    main, _shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=600)
    session = main.session
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert main.locked
    assert not main.pages.isVisible()
    qtbot.waitUntil(lambda: session.store.locked, timeout=5000)
    assert "You locked it" in main.lock_screen.reason.text()


def test_activity_keeps_the_desk_unlocked(qtbot, store, tasks, shell_factory):
    main, _shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=1)
    for _ in range(6):
        qtbot.wait(300)
        type_text(qtbot, "a")
    assert not main.locked
    qtbot.waitUntil(lambda: main.locked, timeout=5000)


def test_sign_out_instead_goes_back_to_sign_in(qtbot, store, tasks, shell_factory):
    main, shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=600)
    session = main.session
    main.lock("manual")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Sign out instead"
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: isinstance(shell.window, SignInWindow), timeout=5000)
    assert session.store.locked
    assert not shell.idle.armed


def test_sign_out_from_the_menu_locks_the_store(qtbot, store, tasks, shell_factory):
    main, shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=600)
    session = main.session
    main.findChild(QAction, "signOutAction").trigger()
    assert not main.pages.isVisible()
    qtbot.waitUntil(lambda: isinstance(shell.window, SignInWindow), timeout=5000)
    assert session.store.locked


def test_closing_the_main_window_signs_out_and_quits(qtbot, store, tasks, shell_factory, quits):
    main, _shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=600)
    session = main.session
    main.close()
    qtbot.waitUntil(lambda: quits.count == 1, timeout=5000)
    assert session.store.locked


def test_a_warning_comes_before_the_lock_and_stay_signed_in_keeps_the_desk_open(qtbot, store, tasks,
                                                                                   shell_factory):
    from PySide6.QtWidgets import QPushButton

    from centre_desk.ui.a11y import recent_announcements

    main, _shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=3)
    box = main.findChild(QLineEdit, "searchBox")
    type_text(qtbot, "Smith")
    warning = main.idle_warning
    # A fifth of the time before the lock: the bar, said aloud. The person was typing, so the
    # focus stays in their text box, and the key they press on their return lands there.
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    assert not main.locked
    assert "will lock in" in warning.text.text() and "Press a key" in warning.text.text()
    assert any("will lock in" in text for _name, text in recent_announcements)
    assert focused() is box
    type_text(qtbot, "on")
    assert not warning.isVisible()
    assert box.text() == "Smithon"
    qtbot.wait(1500)  # past the moment the desk would have locked without the key
    assert not main.locked and not main.session.store.locked

    # Elsewhere (on a button) the bar takes the focus: Space on Stay signed in, and the focus is
    # given back.
    page = box.parentWidget()
    button = QPushButton("Print")
    button.setObjectName("printSomething")
    button.setAccessibleName("Print")
    page.layout().addWidget(button)
    button.setFocus()
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    assert focused() is warning.stay_button and focused().accessibleName() == "Stay signed in"
    press(qtbot, Qt.Key.Key_Space)
    assert not warning.isVisible()
    assert focused() is button
    qtbot.wait(1500)
    assert not main.locked

    # Unanswered, the lock follows; unlocking returns to the button, not to the warning.
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: main.locked, timeout=5000)
    assert not warning.isVisible()
    type_text(qtbot, ADMIN_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not main.locked, timeout=10_000)
    assert focused() is button


def test_the_warning_reaches_a_person_working_in_a_modal_dialog(qtbot, store, tasks, shell_factory):
    """The bar in the main window cannot take the focus while a dialog is modal: the warning is
    shown over the dialog, its Stay signed in works from the keyboard, and the focus goes back into
    the dialog."""
    from PySide6.QtWidgets import QApplication, QDialog, QPushButton

    from centre_desk.ui.a11y import recent_announcements

    main, _shell = _main_window(qtbot, store, tasks, shell_factory, idle_seconds=3)
    dialog = QDialog(main)
    dialog.setObjectName("someDialog")
    dialog.setAccessibleName("Record a contact")
    layout = QVBoxLayout(dialog)
    note = QLineEdit()
    note.setObjectName("noteBox")
    note.setAccessibleName("Note")
    button = QPushButton("Choose a date")
    button.setObjectName("chooseDate")
    button.setAccessibleName("Choose a date")
    layout.addWidget(note)
    layout.addWidget(button)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is button, timeout=3000)
    warning = main.idle_warning

    qtbot.waitUntil(lambda: warning.over_dialog is not None, timeout=5000)
    popup = warning.over_dialog
    assert popup is not None and popup.isVisible() and popup.parentWidget() is dialog
    assert "will lock in" in popup.text.text()
    assert any("will lock in" in text for _name, text in recent_announcements)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is popup.stay_button, timeout=3000)
    press(qtbot, Qt.Key.Key_Space)
    assert warning.over_dialog is None and not popup.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is button, timeout=3000)
    qtbot.wait(1500)  # past the moment the desk would have locked
    assert not main.locked and dialog.isVisible()

    # Unanswered, the lock closes the dialog (nothing left on screen) and the warning with it.
    qtbot.waitUntil(lambda: warning.over_dialog is not None, timeout=5000)
    qtbot.waitUntil(lambda: main.locked, timeout=5000)
    assert warning.over_dialog is None and not dialog.isVisible()
