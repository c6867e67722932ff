"""One editor per field type, each made from the field's definition: a label (with * when
required), the input, a problem line that appears under the input, and the help text.

Every input's objectName is its path in the submission (``postcode``, ``members[0].first_name``)
and its accessibleName the words a person would use for it (``Person 1 first name``), so tests and
screen readers find fields the same way.
"""

from __future__ import annotations

import html
import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QFontMetrics, QKeyEvent, QStandardItem, QStandardItemModel, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.text import normalise_postcode
from centre_desk.formspec.model import Choice, FieldDef, FieldType

from ..style import problem_colour
from ..widgets import named
from .values import DATE_FORMAT_HINT, lower_first, tidy_date

QWIDGETSIZE_MAX = (1 << 24) - 1


def required_mark() -> str:
    return f' <span style="color:{problem_colour()}">*</span>'


_IGNORED_FOCUS_REASONS = (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason)
# Characters wide: enough for the longest sensible answer, so short fields look short.
_WIDTH_IN_CHARS = {FieldType.POSTCODE: 12, FieldType.DATE: 14, FieldType.PHONE: 22}


class FieldRow(QFrame):
    """A field on screen. ``changed`` on every edit; ``left`` when the focus leaves the input."""

    changed = Signal()
    left = Signal(object)

    def __init__(self, field: FieldDef, path: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.path = path
        self.accessible_name = accessible_name
        self.problem_text = ""
        # Whether the definition's shown_when lets it be seen; isHidden() also depends on whether
        # the page has been shown yet, so it cannot answer that.
        self.shown = True
        self._required = field.required
        self.setFrameShape(QFrame.Shape.NoFrame)
        # A red bar down the left of a field with a problem, as well as the words under it.
        self.bar = QFrame()
        self.bar.setFixedWidth(4)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 4, 4, 6)
        outer.setSpacing(6)
        outer.addWidget(self.bar)
        layout = QVBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        outer.addLayout(layout, 1)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.input = self.make_input()
        self.label.setBuddy(self.input)
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {problem_colour()}; font-weight: bold;")
        self.problem.setVisible(False)
        layout.addWidget(self.label)
        short = isinstance(self.input, QComboBox) or self.input.maximumWidth() < QWIDGETSIZE_MAX
        # A short input sits on the left without making its label and problem text as narrow as it.
        layout.addWidget(self.input, 0, Qt.AlignmentFlag.AlignLeft if short else Qt.AlignmentFlag(0))
        layout.addWidget(self.problem)
        if field.help:
            self.help = QLabel(field.help)
            self.help.setWordWrap(True)
            self.help.setTextFormat(Qt.TextFormat.PlainText)
            self.help.setStyleSheet("color: palette(placeholder-text);")
            layout.addWidget(self.help)
        self.rename(path, accessible_name)
        self._paint_label()
        self.input.installEventFilter(self)

    # -- for subclasses ---------------------------------------------------------------------------

    def make_input(self) -> QWidget:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_chain(self) -> list[QWidget]:
        """The widgets Tab visits in this row, in order."""
        return [self.input]

    def tidy(self) -> None:
        """Put what was typed into its usual shape once the person moves on."""

    # -- common -----------------------------------------------------------------------------------

    def is_blank(self) -> bool:
        value = self.value()
        return value is None or value == "" or value == [] or value == {}

    def rename(self, path: str, accessible_name: str) -> None:
        self.path = path
        self.accessible_name = accessible_name
        named(self.input, path, accessible_name)
        self._describe()

    def set_required(self, required: bool) -> None:
        if required != self._required:
            self._required = required
            self._paint_label()
            self._describe()

    @property
    def required(self) -> bool:
        return self._required

    def _paint_label(self) -> None:
        text = html.escape(self.field.label)
        self.label.setText(text + required_mark() if self._required else text)

    def _describe(self) -> None:
        parts = [self.problem_text] if self.problem_text else []
        if self._required:
            parts.append("Required.")
        if self.field.help:
            parts.append(self.field.help)
        self.input.setAccessibleDescription(" ".join(parts))

    def show_problem(self, text: str) -> None:
        self.problem_text = text
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.bar.setStyleSheet(f"background: {problem_colour()};" if text else "")
        self._describe()

    def clear_problem(self) -> None:
        if self.problem_text:
            self.show_problem("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.input and event.type() == QEvent.Type.FocusOut
                and isinstance(event, QFocusEvent) and event.reason() not in _IGNORED_FOCUS_REASONS):
            self.tidy()
            self.left.emit(self)
        return super().eventFilter(watched, event)

    def _edited(self, *_args: object) -> None:
        self.clear_problem()
        self.changed.emit()


class TextRow(FieldRow):
    """Text, email, phone, postcode and date fields: one line each."""

    input: QLineEdit

    def make_input(self) -> QWidget:
        edit = QLineEdit()
        rules = self.field.validation
        edit.setMaxLength(rules.max_length or 200)
        kind = self.field.type
        if kind in _WIDTH_IN_CHARS:
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("0") * _WIDTH_IN_CHARS[kind] + 24)
        if kind is FieldType.DATE:
            edit.setPlaceholderText(DATE_FORMAT_HINT)
            edit.setInputMethodHints(Qt.InputMethodHint.ImhDate)
        elif kind is FieldType.EMAIL:
            edit.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly)
        elif kind is FieldType.PHONE:
            edit.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        elif kind is FieldType.POSTCODE:
            edit.setInputMethodHints(Qt.InputMethodHint.ImhPreferUppercase)
        edit.textEdited.connect(self._edited)
        return edit

    def value(self) -> str:
        return self.input.text()

    def set_value(self, value: Any) -> None:
        self.input.setText("" if value is None else str(value))

    def tidy(self) -> None:
        text = self.input.text()
        if self.field.type is FieldType.DATE:
            tidied = tidy_date(text)
        elif self.field.type is FieldType.POSTCODE:
            tidied = normalise_postcode(text) or text
        else:
            return
        if tidied != text:
            self.input.setText(tidied)
            self.changed.emit()


class MultilineRow(FieldRow):
    input: QPlainTextEdit

    def make_input(self) -> QWidget:
        edit = QPlainTextEdit()
        # Tab moves on, as in every other field; a new line is Enter.
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 18)
        edit.textChanged.connect(self._edited)
        return edit

    def value(self) -> str:
        return self.input.toPlainText()

    def set_value(self, value: Any) -> None:
        self.input.setPlainText("" if value is None else str(value))


def _choice_model(choices: tuple[Choice, ...], blank: str = "") -> QStandardItemModel:
    """A blank first entry, then the choices, with any group headings as entries that cannot be
    picked (the ONS ethnic groups are listed under their high-level group)."""
    model = QStandardItemModel()
    first = QStandardItem(blank)
    first.setData("", Qt.ItemDataRole.UserRole)
    first.setData("Not answered", Qt.ItemDataRole.AccessibleTextRole)
    model.appendRow(first)
    group: str | None = None
    for choice in choices:
        if choice.group and choice.group != group:
            heading = QStandardItem(choice.group)
            heading.setFlags(Qt.ItemFlag.NoItemFlags)
            font = QFont()
            font.setBold(True)
            heading.setFont(font)
            model.appendRow(heading)
        group = choice.group
        # Not indented under its heading: typing the first letters of a choice must find it.
        item = QStandardItem(choice.label)
        item.setData(choice.value, Qt.ItemDataRole.UserRole)
        item.setData(choice.label, Qt.ItemDataRole.AccessibleTextRole)
        item.setToolTip(f"{choice.group}: {choice.label}" if choice.group else choice.label)
        model.appendRow(item)
    return model


def widest_entry(view: QAbstractItemView) -> int:
    """The width the widest entry's words need, each in its own font (bold headings are wider)."""
    model, widest = view.model(), 0
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        font = index.data(Qt.ItemDataRole.FontRole)
        metrics = QFontMetrics(font if isinstance(font, QFont) else view.font())
        widest = max(widest, metrics.horizontalAdvance(str(index.data() or "")))
    return widest


class SteadyComboBox(QComboBox):
    """A drop-down that only changes when someone means it to.

    The mouse wheel over it, and Page Up / Page Down while it has the focus, scroll the form
    instead (the events go on to the page): otherwise scrolling past a Gender box quietly changes
    the answer. Up and Down, typing the first letters, and the open list still choose.
    """

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Handed to the page explicitly: Qt does not pass an ignored wheel event on to the parent
        # when it was synthesised (a touchpad driver's, an accessibility tool's).
        area = self.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is None:
            event.ignore()
            return
        viewport = area.viewport()
        at = QPointF(self.mapTo(viewport, event.position().toPoint()))
        QCoreApplication.sendEvent(viewport, QWheelEvent(
            at, event.globalPosition(), event.pixelDelta(), event.angleDelta(), event.buttons(),
            event.modifiers(), event.phase(), event.inverted(), event.source()))
        event.accept()

    _typed = ""
    _typed_at = 0.0

    def showPopup(self) -> None:
        # The open list as wide as its widest entry, bold group headings included: the census
        # heading "Black, Black British, Black Welsh, Caribbean or African" was cut to "Bl…sh".
        view = self.view()
        need = widest_entry(view) + view.verticalScrollBar().sizeHint().width() + 2 * view.frameWidth() + 16
        view.setMinimumWidth(max(need, self.width()))
        super().showPopup()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            event.ignore()
            return
        text = event.text()
        modifier = Qt.KeyboardModifier
        commands = modifier.ControlModifier | modifier.AltModifier | modifier.MetaModifier
        if (len(text) == 1 and text.isprintable() and not text.isspace() and not event.modifiers() & commands
                and not self.isEditable()):
            self._type_ahead(text)
            event.accept()
            return
        super().keyPressEvent(event)

    def _type_ahead(self, text: str) -> None:
        """Typing chooses by the first letters; the same letter again moves on to the next choice
        that starts with it ("C" reaches Carer, "C" again Child), however quickly it is typed."""
        now = time.monotonic()
        if now - self._typed_at > QApplication.keyboardInputInterval() / 1000:
            self._typed = ""
        self._typed_at = now
        typed = self._typed + text.casefold()
        count = self.count()
        model = self.model()
        # Group headings (the census groups) cannot be chosen: never land on one.
        labels = [self.itemText(i).casefold()
                  if model.flags(model.index(i, self.modelColumn())) & Qt.ItemFlag.ItemIsEnabled else "\0"
                  for i in range(count)]
        start = self.currentIndex()
        if len(typed) > 1 and any(label.startswith(typed) for label in labels):
            order = [*range(max(start, 0), count), *range(0, max(start, 0))]  # the current one still fits
            prefix = typed
        else:
            # One letter, or the same letter again: the next choice after this one that starts with it.
            prefix = typed if len(set(typed)) > 1 else typed[0]
            order = [*range(start + 1, count), *range(0, start + 1)]
        self._typed = typed
        for i in order:
            if labels[i].startswith(prefix):
                self.setCurrentIndex(i)
                return


class ChoiceRow(FieldRow):
    input: QComboBox

    def __init__(self, field: FieldDef, path: str, accessible_name: str, choices: tuple[Choice, ...],
                 parent: QWidget | None = None) -> None:
        self._choices = choices
        super().__init__(field, path, accessible_name, parent)

    def make_input(self) -> QWidget:
        combo = SteadyComboBox()
        combo.setModel(_choice_model(self._choices))
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMinimumContentsLength(12)
        # As wide as its longest choice, not as wide as the column: a short list looks short.
        combo.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        combo.currentIndexChanged.connect(self._edited)
        return combo

    def rename(self, path: str, accessible_name: str) -> None:
        super().rename(path, accessible_name)
        # The drop-down list is a widget of its own that takes the focus while open.
        named(self.input.view(), f"{path}:choices", f"{accessible_name} choices")

    def value(self) -> Any:
        data = self.input.currentData(Qt.ItemDataRole.UserRole)
        return "" if data is None else data

    def set_value(self, value: Any) -> None:
        index = self.input.findData("" if value is None else value, Qt.ItemDataRole.UserRole)
        self.input.setCurrentIndex(max(index, 0))


class BooleanRow(ChoiceRow):
    """Yes, No, or left blank (not known): a tick box cannot say "not known"."""

    def __init__(self, field: FieldDef, path: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(field, path, accessible_name, (), parent)

    def make_input(self) -> QWidget:
        combo = SteadyComboBox()
        for text, value in (("", None), ("Yes", True), ("No", False)):
            combo.addItem(text, value)
        combo.setItemData(0, "Not answered", Qt.ItemDataRole.AccessibleTextRole)
        combo.setMinimumContentsLength(6)
        combo.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        combo.currentIndexChanged.connect(self._edited)
        return combo

    def value(self) -> bool | None:
        data = self.input.currentData(Qt.ItemDataRole.UserRole)
        return data if isinstance(data, bool) else None

    def set_value(self, value: Any) -> None:
        if isinstance(value, str):
            value = {"yes": True, "true": True, "no": False, "false": False}.get(value.strip().lower())
        self.input.setCurrentIndex({True: 1, False: 2}.get(value, 0) if isinstance(value, bool) else 0)


class MultiChoiceRow(FieldRow):
    """Several choices: a list of tick boxes (Space ticks the one with the focus)."""

    input: QListView

    def __init__(self, field: FieldDef, path: str, accessible_name: str, choices: tuple[Choice, ...],
                 parent: QWidget | None = None) -> None:
        self._choices = choices
        self._model = QStandardItemModel()
        super().__init__(field, path, accessible_name, parent)

    def make_input(self) -> QWidget:
        for choice in self._choices:
            item = QStandardItem(choice.label)
            item.setData(choice.value, Qt.ItemDataRole.UserRole)
            item.setCheckable(True)
            item.setEditable(False)
            self._model.appendRow(item)
        view = QListView()
        view.setModel(self._model)
        rows = max(1, min(len(self._choices), 8))
        view.setFixedHeight(view.sizeHintForRow(0) * rows + 8 if self._choices else 40)
        self._model.itemChanged.connect(self._edited)
        return view

    def value(self) -> list[str]:
        return [str(self._model.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self._model.rowCount())
                if self._model.item(i).checkState() == Qt.CheckState.Checked]

    def set_value(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list | tuple) else set()
        for i in range(self._model.rowCount()):
            item = self._model.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in chosen
                               else Qt.CheckState.Unchecked)


class ListRow(FieldRow):
    """A list of small groups inside one field (other services: a name and a contact each).

    Items are FieldRows of their own, so their problems (``other_services[0].service``) appear
    beside them like any other field's. ``rows_changed`` tells the form to find them again.
    """

    rows_changed = Signal()

    def make_input(self) -> QWidget:
        box = QWidget()
        self._items_layout = QVBoxLayout(box)
        self._items_layout.setContentsMargins(0, 0, 0, 0)
        self._items_layout.setSpacing(2)
        self._items: list[tuple[QWidget, list[FieldRow], QPushButton]] = []
        self.empty = QLabel("None added.")
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        self._items_layout.addWidget(self.empty)
        noun = lower_first(self.field.item_fields[0].label) if self.field.item_fields else "item"
        self.add_button = QPushButton(f"Add {noun}")
        self.add_button.setAutoDefault(True)
        self.add_button.clicked.connect(lambda: self.add_item(focus=True))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        self._items_layout.addLayout(buttons)
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return box

    def rename(self, path: str, accessible_name: str) -> None:
        self.path = path
        self.accessible_name = accessible_name
        self.input.setObjectName(f"{path}:items")
        self.input.setAccessibleName(accessible_name)
        noun = lower_first(self.field.item_fields[0].label) if self.field.item_fields else "item"
        named(self.add_button, f"{path}:add", f"Add {noun} to {lower_first(accessible_name)}")
        self._renumber()

    def item_rows(self) -> list[FieldRow]:
        return [row for _box, rows, _button in self._items for row in rows]

    def focus_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for _box, rows, button in self._items:
            chain += [r.input for r in rows]
            chain.append(button)
        chain.append(self.add_button)
        return chain

    def add_item(self, values: dict[str, Any] | None = None, *, focus: bool = False) -> None:
        if self.field.validation.max_items is not None and len(self._items) >= self.field.validation.max_items:
            return
        box = QWidget()
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        rows: list[FieldRow] = []
        for item_field in self.field.item_fields:
            row = make_row(item_field, "", "", ())
            row.set_value((values or {}).get(item_field.id))
            row.changed.connect(self.changed)
            row.left.connect(self.left)
            line.addWidget(row, 1)
            rows.append(row)
        remove = QPushButton("Remove")
        remove.setAutoDefault(True)
        remove.clicked.connect(lambda: self.remove_item(box))
        line.addWidget(remove, 0, Qt.AlignmentFlag.AlignBottom)
        self._items.append((box, rows, remove))
        self._items_layout.insertWidget(len(self._items), box)
        box.show()  # at once, so that Tab reaches it straight away
        self._renumber()
        self.rows_changed.emit()
        if focus and rows:
            rows[0].input.setFocus(Qt.FocusReason.OtherFocusReason)
        if values is None:
            self.changed.emit()

    def remove_item(self, box: QWidget) -> None:
        index = next((i for i, (b, _r, _x) in enumerate(self._items) if b is box), None)
        if index is None:
            return
        self._items.pop(index)
        box.hide()
        box.deleteLater()
        self._renumber()
        self.rows_changed.emit()
        self.changed.emit()
        if self._items:
            self._items[min(index, len(self._items) - 1)][1][0].input.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _renumber(self) -> None:
        self.empty.setVisible(not self._items)
        for n, (box, rows, remove) in enumerate(self._items):
            first = self.field.item_fields[0].label if self.field.item_fields else "Item"
            prefix = f"{first} {n + 1}"
            box.setObjectName(f"{self.path}[{n}]")
            for row in rows:
                words = prefix if row is rows[0] else f"{prefix} {lower_first(row.field.label)}"
                row.rename(f"{self.path}[{n}].{row.field.id}", words)
            named(remove, f"{self.path}[{n}]:remove", f"Remove {lower_first(prefix)}")

    def value(self) -> list[dict[str, Any]]:
        return [{row.field.id: row.value() for row in rows} for _box, rows, _button in self._items]

    def set_value(self, value: Any) -> None:
        for box, _rows, _button in self._items:
            box.hide()
            box.deleteLater()
        self._items = []
        for item in value if isinstance(value, list) else []:
            if isinstance(item, dict):
                self.add_item(item)
        self._renumber()
        self.rows_changed.emit()

    def is_blank(self) -> bool:
        return all(row.is_blank() for row in self.item_rows())


class PerEntryRow(FieldRow):
    """A small table with a row for each other entry the field asks about (each child of the
    household, named by first name and age) and the field's item fields as its columns (the
    relationship drop-down, the parental responsibility Yes / No / not known drop-down).

    The rows follow the form: ``set_people`` is called whenever the people in it change, so a child
    added, renamed, aged or removed on the same page shows at once. Answers are kept by person id,
    so they survive a reorder or a rename; a child taken off and put back keeps hers until the
    form is left. Each cell is a FieldRow of its own (``members[0].children[members[2]].relationship``)
    whose problem appears under it, and whose label for problems names the child.
    ``rows_changed`` tells the form to find the cells again (for Tab and problems).
    """

    rows_changed = Signal()

    def make_input(self) -> QWidget:
        box = QWidget()
        self._grid = QGridLayout(box)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(2)
        self._people: list[tuple[str, int, str]] = []  # (person id, position in the entries, words)
        self._answers: dict[str, dict[str, Any]] = {}  # person id -> answers, also of rows not shown
        self._cells: list[tuple[str, QLabel, list[FieldRow]]] = []
        self.empty = QLabel("Nobody in the household has the role Child yet.")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        self._headings: list[QLabel] = []
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._build()
        return box

    def rename(self, path: str, accessible_name: str) -> None:
        self.path = path
        self.accessible_name = accessible_name
        self.input.setObjectName(f"{path}:rows")
        self.input.setAccessibleName(accessible_name)
        self._describe()
        self._name_cells()

    def _describe(self) -> None:
        if self.field.help:
            self.input.setAccessibleDescription(self.field.help)

    def set_people(self, people: list[tuple[str, int, str]]) -> None:
        """(person id, position among the entries, "Zuzanna, 2 years") of each row, in order."""
        if [(p, i) for p, i, _w in people] == [(p, i) for p, i, _w in self._people]:
            if [w for *_x, w in people] != [w for *_x, w in self._people]:
                self._people = list(people)
                self._name_cells()
            return
        self._keep_answers()
        self._people = list(people)
        self._build()
        self.rows_changed.emit()

    def _keep_answers(self) -> None:
        for person_id, _label, rows in self._cells:
            self._answers[person_id] = {row.field.id: row.value() for row in rows}

    def _build(self) -> None:
        for _pid, label, old_rows in self._cells:
            for widget in (label, *old_rows):
                self._grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
        self._cells = []
        for heading_label in self._headings:
            self._grid.removeWidget(heading_label)
            heading_label.deleteLater()
        self._headings = []
        self._grid.removeWidget(self.empty)
        if not self._people:
            self._grid.addWidget(self.empty, 0, 0, 1, 1 + len(self.field.item_fields))
            self.empty.show()
            return
        self.empty.hide()
        for col, words in enumerate(["Child", *(f.label for f in self.field.item_fields)]):
            head = QLabel(words)
            head.setStyleSheet("font-weight: bold;")
            self._headings.append(head)
            self._grid.addWidget(head, 0, col)
        for r, (person_id, _position, words) in enumerate(self._people, 1):
            name = QLabel(words)
            name.setTextFormat(Qt.TextFormat.PlainText)
            rows: list[FieldRow] = []
            saved = self._answers.get(person_id, {})
            for col, item in enumerate(self.field.item_fields, 1):
                cell = make_row(item, "", "", ())
                cell.label.setVisible(False)
                cell.set_value(saved.get(item.id))
                cell.changed.connect(self.changed)
                cell.left.connect(self.left)
                self._grid.addWidget(cell, r, col, Qt.AlignmentFlag.AlignTop)
                rows.append(cell)
            self._grid.addWidget(name, r, 0, Qt.AlignmentFlag.AlignVCenter)
            self._cells.append((person_id, name, rows))
            name.show()
            for cell in rows:
                cell.show()
        self._name_cells()

    def _name_cells(self) -> None:
        words_of = {person_id: (position, words) for person_id, position, words in self._people}
        repeat = self.path.partition("[")[0]
        for person_id, label, rows in self._cells:
            position, words = words_of.get(person_id, (0, ""))
            label.setText(words)
            label.setObjectName(f"{self.path}[{repeat}[{position}]]:name")
            for row in rows:
                item = next(f for f in self.field.item_fields if f.id == row.field.id)
                first = words.split(",")[0]
                # The label problems are worded with: "Relationship for Zuzanna is not one of the choices."
                row.field = replace(item, label=f"{item.label} for {first}")
                row.rename(f"{self.path}[{repeat}[{position}]].{item.id}",
                           f"{self.accessible_name}: {words}: {lower_first(item.label)}")

    def item_rows(self) -> list[FieldRow]:
        return [row for _pid, _label, rows in self._cells for row in rows]

    def focus_chain(self) -> list[QWidget]:
        return [row.input for row in self.item_rows()]

    def value(self) -> dict[str, dict[str, Any]]:
        out = {}
        for person_id, _label, rows in self._cells:
            answers = {row.field.id: row.value() for row in rows}
            answers = {k: v for k, v in answers.items() if v is not None and v != ""}
            if answers:
                out[person_id] = answers
        return out

    def set_value(self, value: Any) -> None:
        self._answers = {str(k): dict(v) for k, v in value.items() if isinstance(v, dict)} \
            if isinstance(value, dict) else {}
        for person_id, _label, rows in self._cells:
            for row in rows:
                row.set_value(self._answers.get(person_id, {}).get(row.field.id))

    def is_blank(self) -> bool:
        return not self.value()


def make_row(field: FieldDef, path: str, accessible_name: str, services: tuple[Choice, ...]) -> FieldRow:
    """The editor for ``field``; ``services`` are the choices of a ``choices_from: services`` field."""
    match field.type:
        case FieldType.MULTILINE:
            return MultilineRow(field, path, accessible_name)
        case FieldType.CHOICE:
            return ChoiceRow(field, path, accessible_name, services if field.choices_from else field.choices)
        case FieldType.MULTICHOICE:
            return MultiChoiceRow(field, path, accessible_name, services if field.choices_from else field.choices)
        case FieldType.BOOLEAN:
            return BooleanRow(field, path, accessible_name)
        case FieldType.LIST:
            return ListRow(field, path, accessible_name)
        case FieldType.PER_ENTRY:
            return PerEntryRow(field, path, accessible_name)
        case _:
            return TextRow(field, path, accessible_name)
