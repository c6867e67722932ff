"""A keystroke meant for a text box never answers a question about the person's work (issue 15).

Typing "edward" into the search box while the new-household form had changes used to open the
unsaved-changes question with the focus on Save, and the "d" answered it: Discard. The form and
its draft were gone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from centre_desk.ui.a11y import recent_announcements
from centre_desk.ui.questions import TYPE_AHEAD_MS
from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import choose, focused, make_context, modal, press, show_and_focus, sign_in_directly, type_text

CTRL = Qt.KeyboardModifier.ControlModifier


def _drafts(store) -> list:  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.drafts import list_drafts
    from centre_desk.wiring import Wiring

    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    try:
        return list_drafts(session)
    finally:
        sign_out(session)


def _settle(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=15_000)


def test_typing_a_name_in_the_search_box_keeps_the_changed_form_and_its_draft(qtbot, store, tasks, shell_factory,
                                                                             family):
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    show_and_focus(qtbot, main)
    _settle(qtbot, tasks)
    desk = main.households
    press(qtbot, Qt.Key.Key_N, CTRL)
    type_text(qtbot, "3 Orchard Close")
    qtbot.waitUntil(lambda: desk.form_page.status.text().startswith("Draft saved"), timeout=10_000)

    # Ctrl+F, then a name at an ordinary pace: slower than the search waits for, so every pause
    # runs a search (and the old desk asked its question after the first letter).
    press(qtbot, Qt.Key.Key_F, CTRL)
    assert focused() is desk.box
    for letter in "radulescu":  # its "d" was the Discard
        type_text(qtbot, letter)
        qtbot.wait(200)
        assert QApplication.activeModalWidget() is None, f"a question opened while typing {letter!r}"
    _settle(qtbot, tasks)
    assert main.current_page_name() == "household-form"
    assert desk.form_page.active and desk.form_page.form.dirty
    assert desk.form_page.form.row("address_line1").value() == "3 Orchard Close"
    assert desk.search_page.model.rowCount() == 1  # the search ran meanwhile
    assert "Press Down or Enter" in main.statusBar().currentMessage()
    assert any("Press Down or Enter" in text for _name, text in recent_announcements)
    assert [d.data.get("address_line1") for d in _drafts(store)] == ["3 Orchard Close"]

    # Enter is a decision to look: now the question comes, with Cancel as the safe default, and
    # the letters that follow at once ("edward" typed on) answer nothing.
    press(qtbot, Qt.Key.Key_Return)
    question = modal(qtbot, QMessageBox)
    assert question.objectName() == "unsavedChangesQuestion"
    assert focused().accessibleName() == "Cancel"
    for key in (Qt.Key.Key_D, Qt.Key.Key_Space, Qt.Key.Key_S, Qt.Key.Key_Return):
        qtbot.keyClick(focused(), key)
    assert question.isVisible()
    qtbot.wait(TYPE_AHEAD_MS + 50)
    qtbot.keyClick(focused(), Qt.Key.Key_D)  # a letter alone, even later, is not Discard
    assert question.isVisible()
    for button in question.buttons():
        assert "&" not in button.text() or button.objectName() != "discardChangesButton"

    # Escape (or Enter: the default) is Cancel: back on the form, nothing lost.
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    assert main.current_page_name() == "household-form"
    assert desk.form_page.form.row("address_line1").value() == "3 Orchard Close"
    _settle(qtbot, tasks)
    assert len(_drafts(store)) == 1

    # Keeping the draft on the way to the results is one deliberate choice away.
    show_and_focus(qtbot, main)
    desk.focus_search()
    press(qtbot, Qt.Key.Key_Down)
    choose(qtbot, modal(qtbot, QMessageBox), "Keep as draft")
    qtbot.waitUntil(lambda: main.current_page_name() == "household-search", timeout=5000)
    _settle(qtbot, tasks)
    assert [d.data.get("address_line1") for d in _drafts(store)] == ["3 Orchard Close"]
