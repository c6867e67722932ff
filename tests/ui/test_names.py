"""Every widget that takes the keyboard focus has an objectName and an accessibleName."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from tests.conftest import ADMIN, ADMIN_PASSWORD

from .conftest import make_context, sign_in_directly


def _unnamed(window: QWidget) -> list[str]:
    missing = []
    for widget in [window, *window.findChildren(QWidget)]:
        if widget is not window and widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if widget.parent() is not None and type(widget).__name__ in {"QScrollBar"}:
            continue
        if not widget.objectName() or widget.objectName().startswith("qt_") or not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.accessibleName()!r}")
    return missing


def test_the_set_up_wizard_names_its_inputs(qtbot, data_dir, tasks, shell_factory):
    wizard = shell_factory(make_context(data_dir, tasks)).start(first_run=True)
    assert _unnamed(wizard) == []


def test_the_sign_in_window_names_its_inputs(qtbot, store, tasks, shell_factory):
    window = shell_factory(make_context(store.data_dir, tasks)).start(first_run=False)
    assert _unnamed(window) == []


def test_the_main_window_and_lock_screen_name_their_inputs(qtbot, store, tasks, shell_factory):
    context = make_context(store.data_dir, tasks)
    main = shell_factory(context).open_main(sign_in_directly(context, ADMIN, ADMIN_PASSWORD))
    assert _unnamed(main) == []
    main.lock("manual")
    assert _unnamed(main) == []
