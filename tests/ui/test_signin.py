"""Signing in at the desk, with the keyboard alone."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from centre_desk.ui.errors import SIGN_IN_FAILED
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.signin import SignInWindow
from tests.conftest import ADMIN, ADMIN_PASSWORD, CENTRE

from .conftest import focused, make_context, press, show_and_focus, type_text


def _sign_in_window(qtbot, store, tasks, shell_factory) -> tuple[SignInWindow, object]:  # type: ignore[no-untyped-def]
    shell = shell_factory(make_context(store.data_dir, tasks))
    window = shell.start(first_run=False)
    assert isinstance(window, SignInWindow)
    show_and_focus(qtbot, window)
    return window, shell


def test_signing_in_with_the_keyboard_alone_opens_the_main_window(qtbot, store, tasks, shell_factory):
    window, shell = _sign_in_window(qtbot, store, tasks, shell_factory)
    assert focused().accessibleName() == "Username"
    type_text(qtbot, ADMIN)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Password"
    type_text(qtbot, ADMIN_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=10_000)
    main = shell.window
    assert main.isVisible()
    assert not shiboken6.isValid(window) or not window.isVisible()
    assert main.findChild(QLabel, "signedInUser").text() == f"Signed in as {ADMIN} (administrator)"
    assert main.findChild(QLabel, "centreName").text() == CENTRE
    assert main.windowTitle() == f"Centre Desk — {CENTRE}"
    assert main.current_page_name() == "start"


def test_the_sign_in_fields_are_found_by_their_accessible_names(qtbot, store, tasks, shell_factory):
    window, _shell = _sign_in_window(qtbot, store, tasks, shell_factory)
    names = {w.accessibleName(): w for w in window.findChildren(QLineEdit) + window.findChildren(QPushButton)}
    assert isinstance(names["Username"], QLineEdit)
    assert names["Password"].echoMode() == QLineEdit.EchoMode.Password
    button = names["Sign in"]
    assert button.text() == "Sign in"
    assert button.isDefault()


def test_a_wrong_password_or_username_gives_the_same_calm_message(qtbot, store, tasks, shell_factory):
    window, shell = _sign_in_window(qtbot, store, tasks, shell_factory)
    message = window.findChild(QLabel, "signInMessage")
    for username in (ADMIN, "nobody-here"):
        window.username.clear()
        window.username.setFocus()
        type_text(qtbot, username)
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, "not the password")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not tasks.busy, timeout=10_000)
        assert message.text() == SIGN_IN_FAILED
        assert window.password.text() == ""
        assert focused() is window.password
        assert shell.window is window
        message.clear()


def test_too_many_attempts_make_the_person_wait(qtbot, store, tasks, shell_factory):
    window, _shell = _sign_in_window(qtbot, store, tasks, shell_factory)
    message = window.findChild(QLabel, "signInMessage")
    type_text(qtbot, ADMIN)
    for _ in range(5):
        window.password.setFocus()
        type_text(qtbot, "not the password")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: message.text() == SIGN_IN_FAILED, timeout=10_000)
        message.clear()
    window.password.setFocus()
    type_text(qtbot, ADMIN_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: message.text().startswith("Too many attempts"), timeout=10_000)
    assert message.text() == "Too many attempts. Please wait 30 seconds."
    assert not window.sign_in_button.isEnabled()
    # The count goes down while the person waits.
    qtbot.waitUntil(lambda: message.text() == "Too many attempts. Please wait 29 seconds.", timeout=3000)


def test_escape_clears_the_password_without_closing(qtbot, store, tasks, shell_factory, quits):
    window, _shell = _sign_in_window(qtbot, store, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "half typed")
    press(qtbot, Qt.Key.Key_Escape)
    assert window.password.text() == ""
    assert window.isVisible()
    assert quits.count == 0
