"""Small building blocks shared by the windows: named inputs, calm messages, a wait countdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, QObject, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QLineEdit, QTableView, QWidget

APP_NAME = "Centre Desk"
BASE_POINT_SIZE = 11

W = TypeVar("W", bound=QWidget)


def named(widget: W, object_name: str, accessible_name: str, description: str = "") -> W:
    """Give a widget the names tests and screen readers find it by."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def line_edit(object_name: str, accessible_name: str, *, password: bool = False,
              max_length: int = 200) -> QLineEdit:
    edit = named(QLineEdit(), object_name, accessible_name)
    edit.setMaxLength(max_length)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        # No spell-check, no input-method prediction, no "paste into the wrong box" surprises.
        edit.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
                                 | Qt.InputMethodHint.ImhSensitiveData)
    return edit


def heading(text: str, point_size: int = 18, object_name: str = "") -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSize(point_size)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    if object_name:
        label.setObjectName(object_name)
    return label


def note(text: str, object_name: str = "") -> QLabel:
    """Secondary text: smaller and quieter, but still comfortably readable."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    if object_name:
        label.setObjectName(object_name)
    return label


class MessageLabel(QLabel):
    """A calm one-line message under a form. Empty means hidden, so the layout does not jump."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Message")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * 2 + 8)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def show_problem(self, text: str) -> None:
        self.setStyleSheet("color: #8a1c1c; font-weight: bold;")
        self.setText(text)
        self.setAccessibleDescription(text)

    def show_info(self, text: str) -> None:
        self.setStyleSheet("")
        self.setText(text)
        self.setAccessibleDescription(text)

    def clear_message(self) -> None:
        self.setText("")
        self.setAccessibleDescription("")


def throttle_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many attempts. Please wait {seconds} {unit}."


class Countdown(QObject):
    """Counts a wait down once a second: ``tick(remaining)`` each second, ``done()`` at zero."""

    def __init__(self, tick: Callable[[int], None], done: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tick = tick
        self._done = done
        self._remaining = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._step)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self, seconds: int) -> None:
        self._remaining = max(1, int(seconds))
        self._tick(self._remaining)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _step(self) -> None:
        self._remaining -= 1
        if self._remaining <= 0:
            self._timer.stop()
            self._done()
        else:
            self._tick(self._remaining)


def friendly_path(path: Path) -> str:
    """The data folder as a person would read it: the home folder shown as ``~``."""
    try:
        return "~/" + path.expanduser().resolve().relative_to(Path.home().resolve()).as_posix()
    except (ValueError, RuntimeError, OSError):
        return str(path)


def apply_theme(app: QApplication) -> None:
    """A slightly larger base font than Qt's default: the desk is read at arm's length."""
    font = QFont(app.font())
    if font.pointSize() < BASE_POINT_SIZE:
        font.setPointSize(BASE_POINT_SIZE)
        app.setFont(font)


def record_table(parent: QObject, model: QAbstractItemModel, sort_role: int, sort_column: int, object_name: str,
                 accessible_name: str, description: str) -> tuple[QSortFilterProxyModel, QTableView]:
    """A read-only, sortable, one-row-at-a-time table of records, newest first, that Tab leaves."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(sort_role)
    view = named(QTableView(), object_name, accessible_name, description)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(sort_column, Qt.SortOrder.DescendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(True)
    view.verticalHeader().setVisible(False)
    return proxy, view


def select_focused_row(view: QTableView) -> None:
    """The row with the keyboard focus is the row the section's buttons act on, so show it
    selected (a view can give a row focus without selecting it)."""
    index = view.currentIndex()
    if index.isValid() and not view.selectionModel().isRowSelected(index.row(), index.parent()):
        view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                     | QItemSelectionModel.SelectionFlag.Rows)
