"""A training store: made by the set-up wizard beside the real one, full of synthetic families."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from centre_desk.app import store_present
from centre_desk.services.training import TRAINING_HOUSEHOLDS, training_data_dir
from centre_desk.ui.main_window import MainWindow
from centre_desk.ui.setup_wizard import SetupWizard

from .conftest import focused, make_context, press, show_and_focus, type_text


def test_ticking_the_training_store_makes_the_real_store_and_a_training_store(qtbot, data_dir, tasks,
                                                                              shell_factory):
    # Changed with the wizard: ticking the box used to make only the training store, so the next
    # start showed the wizard again although the wording promised both.
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.wiring import Wiring

    context = make_context(data_dir, tasks)
    training_dir = training_data_dir(data_dir)
    context.training = make_context(training_dir, tasks)
    shell = shell_factory(context)
    wizard = shell.start(first_run=True)
    assert isinstance(wizard, SetupWizard)
    show_and_focus(qtbot, wizard)

    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "Practice Centre")
    for _ in range(5):  # address, phone, email, opening hours, training desk
        press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "This is a training desk: practice records only"
    press(qtbot, Qt.Key.Key_Tab)
    assert focused().accessibleName() == "Also create a training store with synthetic households"
    press(qtbot, Qt.Key.Key_Space)
    # The real store stays a real desk: only the training store is marked as practice.
    assert not wizard.centre_page.training.isChecked() and wizard.centre_page.training.isEnabled()
    assert wizard.centre_page.training_store_note.text().startswith("The real store is made as usual.")
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "trainer")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "practice makes perfect")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "practice makes perfect")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.key_page, timeout=60_000)
    made = wizard.key_page.training_note
    assert made.isVisible() and made.text().startswith(f"A training store with {TRAINING_HOUSEHOLDS} made-up")
    wizard.key_page.stored.setChecked(True)
    wizard.accept()

    qtbot.waitUntil(lambda: isinstance(shell.window, MainWindow), timeout=5000)
    main = shell.window
    # Both exist, so the next start signs in to the real store instead of showing the wizard again.
    assert store_present(data_dir) and store_present(training_dir)
    assert shell.context is context
    assert not main.windowTitle().startswith("TRAINING")
    assert main.findChild(QLabel, "trainingBanner") is None
    with main.session.store.reader() as uow:
        assert uow.households.count() == 0
        assert uow.settings.get("training") != "1"

    wiring = Wiring(training_dir)
    practice = sign_in(wiring.gate, wiring.throttle, wiring.clock, "trainer", "practice makes perfect")
    try:
        with practice.store.reader() as uow:
            assert uow.households.count() == TRAINING_HOUSEHOLDS
            assert uow.settings.get("training") == "1"
    finally:
        sign_out(practice)
