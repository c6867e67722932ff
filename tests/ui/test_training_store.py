"""A training store: made by the set-up wizard beside the real one, full of synthetic families."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from centre_desk.app import store_present
from centre_desk.services.training import TRAINING_HOUSEHOLDS, training_data_dir
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.setup_wizard import SetupWizard

from .conftest import focused, make_context, press, show_and_focus, type_text


def test_the_wizard_can_make_a_training_store_in_its_own_folder(qtbot, data_dir, tasks, shell_factory):
    context = make_context(data_dir, tasks)
    training_dir = training_data_dir(data_dir)
    context.training = make_context(training_dir, tasks)
    shell = shell_factory(context)
    wizard = shell.start(first_run=True)
    assert isinstance(wizard, SetupWizard)
    show_and_focus(qtbot, wizard)

    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "Practice Centre")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Training desk"
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Create a training store with synthetic households"
    press(qtbot, Qt.Key.Key_Space)
    assert wizard.centre_page.training.isChecked() and not wizard.centre_page.training.isEnabled()
    assert wizard.centre_page.training_store_note.text().startswith("Made in ")
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "trainer")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "practice makes perfect")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "practice makes perfect")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.key_page, timeout=60_000)
    wizard.key_page.stored.setChecked(True)
    wizard.accept()

    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=5000)
    main = shell.window
    assert store_present(training_dir)
    assert not store_present(data_dir)
    assert shell.context is context.training
    assert main.windowTitle().startswith("TRAINING")
    banner = main.findChild(QLabel, "trainingBanner")
    assert banner is not None and banner.isVisible()
    with main.session.store.reader() as uow:
        assert uow.households.count() == TRAINING_HOUSEHOLDS
        assert uow.settings.get("training") == "1"
