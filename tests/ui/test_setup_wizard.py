"""First run: setting the desk up with the keyboard alone."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWizard

from centre_desk.app import store_present
from centre_desk.domain.organisation import CentreContact
from centre_desk.services.centre import centre_contact
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.setup_wizard import SetupWizard

from .conftest import focused, make_context, press, show_and_focus, type_text

KEY_SHAPE = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){7}$")


def _wizard(qtbot, data_dir, tasks, shell_factory):  # type: ignore[no-untyped-def]
    shell = shell_factory(make_context(data_dir, tasks))
    wizard = shell.start(first_run=True)
    assert isinstance(wizard, SetupWizard)
    show_and_focus(qtbot, wizard)
    return wizard, shell


def test_setting_up_with_the_keyboard_alone_shows_the_recovery_key_once(qtbot, data_dir, tasks,
                                                                        shell_factory):
    wizard, shell = _wizard(qtbot, data_dir, tasks, shell_factory)

    # 1. The organisation: the list has the focus; Down picks the second profile, Enter moves on.
    assert focused().accessibleName() == "Organisation"
    press(qtbot, Qt.Key.Key_Down)
    assert wizard.profile_page.profile_id() == "somerset-childrens-services"
    press(qtbot, Qt.Key.Key_Up)
    assert wizard.profile_page.profile_id() == "north-somerset-children-centres"
    press(qtbot, Qt.Key.Key_Return)

    # 2. The centre: Enter on an empty name does nothing.
    assert wizard.currentPage() is wizard.centre_page
    assert focused().accessibleName() == "Centre name"
    press(qtbot, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.centre_page
    type_text(qtbot, "Hillside Children's Centre")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Centre address"
    type_text(qtbot, "1 High Street")
    # How families reach the centre (printed on receipts and notices), checked before moving on.
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Centre phone number"
    type_text(qtbot, "01275 88")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Centre email address"
    type_text(qtbot, "hillside@example.org")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Opening hours"
    type_text(qtbot, "Monday to Friday, 9am to 4pm")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "This is a training desk: practice records only"
    press(qtbot, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.centre_page
    problem = wizard.findChild(QLabel, "centreContactProblem")
    assert problem.text() == "The centre phone is not a phone number."
    assert focused().accessibleName() == "Centre phone number"
    type_text(qtbot, "01275 888123")
    press(qtbot, Qt.Key.Key_Return)

    # 3. The first administrator; a mismatched confirmation is pointed out beside the field.
    assert wizard.currentPage() is wizard.admin_page
    assert focused().accessibleName() == "Username"
    type_text(qtbot, "admin")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Password"
    type_text(qtbot, "correct horse battery")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Confirm password"
    type_text(qtbot, "correct horse batter")
    mismatch = wizard.findChild(QLabel, "adminPasswordMismatch")
    assert mismatch.text() == "The passwords do not match."
    press(qtbot, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.admin_page
    assert not store_present(data_dir)
    type_text(qtbot, "y")
    assert mismatch.text() == ""
    press(qtbot, Qt.Key.Key_Return)

    # The store is made in the background; then the key is shown, once, and Back is gone.
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.key_page, timeout=20_000)
    assert store_present(data_dir)
    key = wizard.findChild(QLabel, "recoveryKey").text()
    assert KEY_SHAPE.match(key)
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled() or \
        not wizard.button(QWizard.WizardButton.BackButton).isVisible()
    assert wizard.admin_page.password.text() == ""

    # Finish stays out of reach until the person says the key is stored; Esc cannot lose it.
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Escape)
    assert wizard.isVisible()
    assert wizard.currentPage() is wizard.key_page
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "I have stored the recovery key"
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=5000)
    main = shell.window
    assert main.windowTitle() == "Centre Desk — Hillside Children's Centre"
    assert main.session.actor.username == "admin"
    assert not main.session.store.locked
    assert main.workplace.organisation is not None
    assert main.workplace.organisation.id == "north-somerset-children-centres"
    assert centre_contact(main.session) == CentreContact("01275 888123", "hillside@example.org",
                                                         "Monday to Friday, 9am to 4pm")


def test_a_training_desk_says_so_everywhere(qtbot, data_dir, tasks, shell_factory):
    wizard, shell = _wizard(qtbot, data_dir, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "Practice Centre")
    for _ in range(5):  # address, phone, email, opening hours, training desk
        press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Space)
    assert wizard.centre_page.training.isChecked()
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "trainer")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "practice makes perfect")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "practice makes perfect")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.key_page, timeout=20_000)
    wizard.key_page.stored.setChecked(True)
    wizard.accept()
    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=5000)
    main = shell.window
    assert main.windowTitle().startswith("TRAINING — ")
    banner = main.findChild(QLabel, "trainingBanner")
    assert banner is not None and banner.isVisible()


def test_cancelling_before_the_store_exists_quits_and_leaves_nothing(qtbot, data_dir, tasks, shell_factory,
                                                                     quits):
    _wizard(qtbot, data_dir, tasks, shell_factory)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: quits.count == 1, timeout=2000)
    assert not store_present(data_dir)


def test_a_short_password_is_explained_and_blocks_creation(qtbot, data_dir, tasks, shell_factory):
    wizard, _shell = _wizard(qtbot, data_dir, tasks, shell_factory)
    wizard.next()
    wizard.centre_page.name.setText("Hillside")
    wizard.next()
    page = wizard.admin_page
    page.username.setText("admin")
    page.password.setText("short")
    page.confirm.setText("short")
    assert "at least 10 characters" in wizard.findChild(QLabel, "adminPasswordHint").text()
    assert not page.isComplete()
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()


def test_a_common_password_is_refused_with_the_reason_and_no_store_is_made(qtbot, data_dir, tasks, shell_factory):
    # Issue 8, finding 4: length alone let "password12" through.
    wizard, _shell = _wizard(qtbot, data_dir, tasks, shell_factory)
    wizard.next()
    wizard.centre_page.name.setText("Hillside")
    wizard.next()
    page = wizard.admin_page
    page.username.setText("admin")
    page.password.setText("password12")
    page.confirm.setText("password12")
    wizard.button(QWizard.WizardButton.CommitButton).click()
    message = wizard.findChild(QLabel, "adminMessage")
    qtbot.waitUntil(lambda: "too common" in message.text(), timeout=20_000)
    assert "password" in message.text().lower()
    assert wizard.currentPage() is page
    assert not store_present(data_dir)
    assert focused() is page.password
