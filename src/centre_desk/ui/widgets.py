"""Small building blocks shared by the windows: named inputs, calm messages, a wait countdown."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QDate,
    QEvent,
    QItemSelectionModel,
    QObject,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QBoxLayout,
    QDateEdit,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from . import style
from .a11y import announce, mark_heading

APP_NAME = "Centre Desk"
BASE_POINT_SIZE = style.BASE_POINT_SIZE

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


def heading(text: str, point_size: int = 18, object_name: str = "", level: int = 0) -> QLabel:
    """A visual heading, exposed to screen readers as one (level 1 for page titles)."""
    label = QLabel(text)
    mark_heading(label, level or (1 if point_size >= 18 else 2))
    font = QFont(label.font())
    font.setPointSizeF(style.points(point_size))  # grows with the person's text size
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
        self.setStyleSheet(f"color: {style.problem_colour()}; font-weight: bold;")
        self.setText(text)
        self.setAccessibleDescription(text)
        announce(self, text, urgent=True)

    def show_info(self, text: str) -> None:
        self.setStyleSheet("")
        self.setText(text)
        self.setAccessibleDescription(text)
        announce(self, text)

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


def apply_theme(app: QApplication, *, text_scale: float = 1.0) -> None:
    """The one application style (``ui/style.py``): contrast-checked palette and style sheet."""
    style.apply_theme(app, text_scale=text_scale)


def read_only_table(name: str, accessible: str, description: str = "") -> QTableView:
    """A read-only table of rows chosen one at a time, columns sized to their contents (the last
    one stretched), that Tab leaves; sorting is the caller's choice (``record_table`` sorts)."""
    view = named(QTableView(), name, accessible, description)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    comfortable_rows(view)
    return view


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
    comfortable_rows(view)
    add_keyboard_sorting(view)
    return proxy, view


MIN_ROW_HEIGHT = 28  # WCAG 2.5.8 asks for 24 px targets; a little more reads better
SORT_KEYS = ("Shift+F10", "Menu")


def comfortable_rows(view: QTableView) -> None:
    """Rows at least ``MIN_ROW_HEIGHT`` high, and as high as a line of text at any text size;
    column headings never cut off (``HeaderFit``)."""
    rows = view.verticalHeader()
    height = max(MIN_ROW_HEIGHT, view.fontMetrics().height() + 10)
    rows.setMinimumSectionSize(height)
    rows.setDefaultSectionSize(height)
    HeaderFit(view)


class HeaderFit(QObject):
    """Widens a column the person may resize (and that nothing else sizes) to at least its
    heading's width, whenever the columns, their headings or the text size change: at 200 % text
    "Household" in a 100 px column reads "useh". Columns the view stretches or sizes to their
    contents are left to Qt; a wider column is never narrowed."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self._header = view.horizontalHeader()
        self._model: QAbstractItemModel | None = None
        self._header.sectionCountChanged.connect(lambda _old, _new: self.fit())
        self._header.installEventFilter(self)
        self.fit()

    def _watch(self) -> None:
        model = self._header.model()
        if model is self._model or model is None:
            return
        self._model = model
        model.headerDataChanged.connect(lambda *_: self.fit())
        model.modelReset.connect(self.fit)
        model.layoutChanged.connect(lambda *_: self.fit())

    def fit(self) -> None:
        header = self._header
        if not shiboken6.isValid(header):
            return
        self._watch()
        interactive = QHeaderView.ResizeMode.Interactive
        for section in range(header.count()):
            if header.isSectionHidden(section) or header.sectionResizeMode(section) != interactive:
                continue
            if header.stretchLastSection() and section == header.count() - 1:
                continue
            need = header.sectionSizeHint(section)
            if header.sectionSize(section) < need:
                header.resizeSection(section, need)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.Show,
                            QEvent.Type.ApplicationFontChange):
            QTimer.singleShot(0, self.fit)
        return False


def add_keyboard_sorting(view: QTableView) -> QMenu:
    """Sorting without a mouse: Shift+F10 or the Menu key on the table opens "Sort by…", one entry
    per column; choosing the column already sorted reverses it. The header's click still works."""
    menu = QMenu(view)
    named(menu, f"{view.objectName()}:sortMenu", f"Sort {view.accessibleName().lower()}")

    def fill() -> None:
        menu.clear()
        model = view.model()
        header = view.horizontalHeader()
        if model is None:
            return
        for column in range(model.columnCount()):
            if view.isColumnHidden(column):
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
            current = header.sortIndicatorSection() == column
            ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            order = Qt.SortOrder.DescendingOrder if current and ascending else Qt.SortOrder.AscendingOrder
            words = "reverse the order" if current else "A to Z, oldest first"
            action = menu.addAction(f"Sort by {title} ({words})")
            action.setObjectName(f"sortBy:{column}")
            action.triggered.connect(lambda _checked=False, c=column, o=order: view.sortByColumn(c, o))

    def open_menu() -> None:
        fill()
        index = view.currentIndex()
        where = view.visualRect(index).bottomLeft() if index.isValid() else view.viewport().rect().topLeft()
        menu.popup(view.viewport().mapToGlobal(where))
        if menu.actions():
            menu.setActiveAction(menu.actions()[0])  # Enter chooses at once; Down moves on

    for keys in SORT_KEYS:
        shortcut = QShortcut(QKeySequence(keys), view)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(open_menu)
    hint = "Shift+F10 sorts the table."
    if hint not in view.accessibleDescription():
        view.setAccessibleDescription(" ".join(p for p in (view.accessibleDescription(), hint) if p))
    view.setProperty("keyboardSorting", True)
    return menu


class FocusRing(QFrame):
    """A frame around a widget that draws no focus indicator of its own (QPdfView paints its
    pages over any style sheet border): 3 px in the focus colour while the widget has the focus,
    the plain boundary colour otherwise."""

    def __init__(self, inner: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{inner.objectName()}_ring")
        self.inner = inner
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.addWidget(inner)
        inner.installEventFilter(self)
        self._paint(False)

    def _paint(self, focused: bool) -> None:
        palette = self.palette()
        colour = style.focus_colour(palette) if focused else style.boundary_colour(palette)
        width = 3 if focused else 1
        # The frame's margin stays 3 px, so the widget inside does not move when the ring thickens.
        self.setStyleSheet(f"#{self.objectName()} {{ border: {width}px solid {colour.name()}; "
                           f"padding: {3 - width}px; }}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.inner and event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._paint(event.type() == QEvent.Type.FocusIn)
        return False


def minimum_width(layout: QBoxLayout, width: int) -> None:
    """A window at least ``width`` wide that still takes its layout's minimum height.

    ``QWidget.setMinimumWidth`` on a window switches the layout's own minimum size off (Qt
    applies it only to windows with none of their own), so at 200 % text its labels were
    squeezed to slivers. A strut in the window's vertical layout asks for the width instead."""
    margins = layout.contentsMargins()
    layout.addStrut(max(0, width - margins.left() - margins.right()))


class ActionButton(QPushButton):
    """A big button with a title and a line of description, both at the person's text size
    (QCommandLinkButton draws them at a fixed 9 pt, and does not grow for 200 % text)."""

    def __init__(self, title: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._description = description
        self.title_label = QLabel(title)
        font = QFont(self.title_label.font())
        font.setBold(True)
        self.title_label.setFont(font)
        self.description_label = QLabel(description)
        self.description_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(2)
        for label in (self.title_label, self.description_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        self.setAccessibleDescription(description)

    def text(self) -> str:  # the title, as QPushButton.text() would be
        return self._title

    def description(self) -> str:
        return self._description

    def set_description(self, description: str) -> None:
        """New words under the title (a count that changed), spoken too."""
        self._description = description
        self.description_label.setText(description)
        self.setAccessibleDescription(description)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        return layout.totalHeightForWidth(width) if layout is not None else super().heightForWidth(width)


def keep_focus_in_view(area: QScrollArea, margin: int = 0) -> None:
    """Whatever takes the focus inside ``area`` is scrolled into view, with its label: Qt only
    does that for Tab pressed inside the area, not for focus arriving from outside it (from the
    sections list, a shortcut, a problem being focused), which left the field out of sight."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    pad = margin or area.fontMetrics().lineSpacing() * 2 + 12

    def changed(_old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not shiboken6.isValid(area):
            return
        content = area.widget()
        if content is None or not content.isAncestorOf(new):
            return
        target = new

        def reveal() -> None:
            if shiboken6.isValid(area) and shiboken6.isValid(target) and target.hasFocus():
                area.ensureWidgetVisible(target, 20, pad)

        reveal()
        QTimer.singleShot(0, reveal)  # again once a layout caused by the focus change is done

    app.focusChanged.connect(changed)
    area.destroyed.connect(lambda _obj=None: _disconnect(app, changed))


def _disconnect(app: QApplication, slot: Callable[[QWidget | None, QWidget | None], None]) -> None:
    with contextlib.suppress(RuntimeError, TypeError):
        app.focusChanged.disconnect(slot)


def select_focused_row(view: QTableView) -> None:
    """The row with the keyboard focus is the row the section's buttons act on, so show it
    selected (a view can give a row focus without selecting it)."""
    index = view.currentIndex()
    if index.isValid() and not view.selectionModel().isRowSelected(index.row(), index.parent()):
        view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                     | QItemSelectionModel.SelectionFlag.Rows)


class DateBox(QDateEdit):
    """A date edit that Tab leaves: QDateTimeEdit keeps Tab for moving between its day, month and
    year, so a row of them traps the keyboard. The arrow keys still move between the parts."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


def calendar_date_box(name: str, accessible: str, value: QDate) -> DateBox:
    """A dd/mm/yyyy date with a calendar to pick from. Its text part takes the focus, so it is
    named too: a screen reader names the date by it (and an unnamed input fails the checks)."""
    edit = named(DateBox(value), name, accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    inner = edit.findChild(QLineEdit)
    if inner is not None:
        named(inner, f"{name}Text", f"{accessible} (dd/mm/yyyy)")
    return edit


class TimeBox(QTimeEdit):
    """A time edit that Tab leaves (see ``DateBox``)."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)
