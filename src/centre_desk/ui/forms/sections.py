"""The pages of a form: one per section, and for a repeated section (the people in a household) a
titled group per entry with "Add" and "Remove" buttons.

Fields sit in two columns in the order the definition gives them, read left to right; long answers
(several lines, lists) take a whole row. Tab follows the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.ids import uuid7
from centre_desk.formspec.model import Choice, FieldType, Section

from ..style import points, problem_colour
from ..widgets import heading, keep_focus_in_view, named
from .conditions import FieldScope
from .fields import FieldRow, ListRow, PerEntryRow, make_row
from .values import child_words, lower_first

_WIDE = (FieldType.MULTILINE, FieldType.LIST, FieldType.MULTICHOICE, FieldType.PER_ENTRY)
MAX_FORM_WIDTH = 1040


class FieldGrid(QGridLayout):
    """Two columns, read across; long answers take a row to themselves.

    Laid out again whenever a field appears or disappears, so that a hidden field leaves no hole
    and the fields after it keep reading left to right.
    """

    def __init__(self, rows: list[FieldRow]) -> None:
        super().__init__()
        self.field_rows = rows
        self.setHorizontalSpacing(18)
        self.setVerticalSpacing(4)
        self.setColumnStretch(0, 1)
        self.setColumnStretch(1, 1)
        self.relayout()

    def relayout(self) -> None:
        for row in self.field_rows:
            self.removeWidget(row)
        r = c = 0
        for row in self.field_rows:
            if not row.shown:
                # Still parented here, so that showing it later needs no re-parenting.
                self.addWidget(row, 1000 + self.field_rows.index(row), 0)
                continue
            if row.field.type in _WIDE:
                if c:
                    r, c = r + 1, 0
                self.addWidget(row, r, 0, 1, 2, Qt.AlignmentFlag.AlignTop)
                r += 1
                continue
            self.addWidget(row, r, c, Qt.AlignmentFlag.AlignTop)
            c += 1
            if c == 2:
                r, c = r + 1, 0


def chain_of(rows: Iterable[FieldRow]) -> list[QWidget]:
    return [w for row in rows for w in row.focus_chain()]


class SectionPage(QScrollArea):
    """A page with a heading, the section's help, its content and a button on to the next section.

    ``structure_changed`` when fields come or go (an entry or a list item added or removed).
    """

    structure_changed = Signal()

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.setObjectName(f"section:{section.id}")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        inner = QWidget()
        inner.setMaximumWidth(MAX_FORM_WIDTH)
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(24, 16, 24, 24)
        self.body.setSpacing(8)
        self.body.addWidget(heading(section.title, 16, f"section:{section.id}:title"))
        if section.help:
            help_text = QLabel(section.help)
            help_text.setWordWrap(True)
            help_text.setStyleSheet("color: palette(placeholder-text);")
            self.body.addWidget(help_text)
        self.next_button: QPushButton | None = None
        outer = QWidget()
        holder = QHBoxLayout(outer)
        holder.setContentsMargins(0, 0, 0, 0)
        holder.addWidget(inner, 1)
        holder.addStretch(0)
        self.setWidget(outer)
        keep_focus_in_view(self)

    def add_next_button(self, title: str, go: Callable[[], None]) -> None:
        button = named(QPushButton(f"Next: {title}"), f"section:{self.section.id}:next", f"Next: {title}",
                       f"Go to the next section, {title}")
        button.setAutoDefault(True)
        button.clicked.connect(go)
        line = QHBoxLayout()
        line.addStretch(1)
        line.addWidget(button)
        self.body.addSpacing(8)
        self.body.addLayout(line)
        self.next_button = button

    def finish(self) -> None:
        self.body.addStretch(1)

    # -- overridden by the two kinds of page ------------------------------------------------------

    def field_rows(self) -> list[FieldRow]:
        raise NotImplementedError

    def focus_chain(self) -> list[QWidget]:
        raise NotImplementedError

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def set_values(self, data: Mapping[str, Any]) -> None:
        raise NotImplementedError


def _all_rows(rows: Iterable[FieldRow]) -> list[FieldRow]:
    out: list[FieldRow] = []
    for row in rows:
        out.append(row)
        if isinstance(row, ListRow | PerEntryRow):
            out += row.item_rows()
    return out


class FieldsPage(SectionPage):
    """A section answered once (the household's address and contact details)."""

    def __init__(self, section: Section, services: tuple[Choice, ...], household: FieldScope,
                 parent: QWidget | None = None) -> None:
        super().__init__(section, parent)
        self.rows = [make_row(f, f.id, f.label, services) for f in section.fields]
        self.grid = FieldGrid(self.rows)
        self.body.addLayout(self.grid)
        # One scope for the household's answers on every page: conditions reach across sections.
        self.scope = household
        household.add_rows(self.rows, self.grid)
        for row in self.rows:
            if isinstance(row, ListRow):
                row.rows_changed.connect(self.structure_changed)
        self.scope.refresh()

    def field_rows(self) -> list[FieldRow]:
        return _all_rows(self.rows)

    def focus_chain(self) -> list[QWidget]:
        chain = chain_of(self.rows)
        return chain + ([self.next_button] if self.next_button else [])

    def values(self) -> dict[str, Any]:
        return {row.field.id: row.value() for row in self.rows}

    def set_values(self, data: Mapping[str, Any]) -> None:
        for row in self.rows:
            row.set_value(data.get(row.field.id))
        self.scope.refresh()


class EntryGroup(QGroupBox):
    """One entry of a repeated section: "Person 2" and that person's fields."""

    remove_requested = Signal(object)

    def __init__(self, section: Section, services: tuple[Choice, ...], household: FieldScope | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.setStyleSheet(
            f"EntryGroup {{ font-weight: bold; font-size: {points(13)}pt; border: 1px solid palette(mid); "
            "border-radius: 6px;"
            " margin-top: 16px; padding-top: 8px; background: palette(base); }"
            " EntryGroup::title { subcontrol-origin: margin; left: 12px; padding: 0 6px; }")
        # A person's record id from the start, so that another person's per-child answers can name
        # someone added on this same form; a new entry's id is sent only once it is filled in
        # (a blank entry is not saved).
        self.entry_id: str = uuid7()
        self.new_entry = True
        self.number = 0
        self.rows = [make_row(f, "", "", services) for f in section.fields]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.grid = FieldGrid(self.rows)
        layout.addLayout(self.grid)
        self.remove_button = QPushButton()
        self.remove_button.setAutoDefault(True)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        line = QHBoxLayout()
        line.addStretch(1)
        line.addWidget(self.remove_button)
        layout.addLayout(line)
        # This person's answers first, then the household's.
        self.scope = FieldScope(self.rows, self.grid, outer=household, parent=self)
        self.scope.refresh()

    @property
    def noun(self) -> str:
        return self.section.entry_label or "Entry"

    def renumber(self, index: int) -> None:
        self.number = index + 1
        title = f"{self.noun} {self.number}"
        self.setTitle(title)
        self.setObjectName(f"{self.section.repeat}[{index}]")
        self.setAccessibleName(title)
        for row in self.rows:
            row.rename(f"{self.section.repeat}[{index}].{row.field.id}", f"{title} {lower_first(row.field.label)}")
        named(self.remove_button, f"{self.section.repeat}[{index}]:remove", f"Remove {lower_first(title)}")
        self.remove_button.setText(f"Remove {lower_first(title)}")

    def values(self) -> dict[str, Any]:
        values = {row.field.id: row.value() for row in self.rows}
        if not (self.new_entry and self.is_blank()):
            values["id"] = self.entry_id
        return values

    def set_values(self, data: Mapping[str, Any]) -> None:
        if data.get("id"):
            self.entry_id, self.new_entry = str(data["id"]), False
        for row in self.rows:
            row.set_value(data.get(row.field.id))
        self.scope.refresh()

    def is_blank(self) -> bool:
        return all(row.is_blank() for row in self.rows)


class EntriesPage(SectionPage):
    """A repeated section: at least ``min_items`` entries, at most ``max_items``."""

    changed = Signal()
    left = Signal(object)
    remove_requested = Signal(object)

    def __init__(self, section: Section, services: tuple[Choice, ...], household: FieldScope | None = None,
                 parent: QWidget | None = None, today: Callable[[], date] = date.today) -> None:
        super().__init__(section, parent)
        self._services = services
        self._household = household
        self._today = today
        self.groups: list[EntryGroup] = []
        self.changed.connect(self.refresh_people)
        self.problem = QLabel()
        self.problem.setObjectName(f"{section.repeat}:problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {problem_colour()}; font-weight: bold;")
        self.problem.setVisible(False)
        self.body.addWidget(self.problem)
        self.entries = QVBoxLayout()
        self.entries.setSpacing(14)
        self.body.addLayout(self.entries)
        noun = lower_first(self.noun)
        self.add_button = named(QPushButton(f"Add {noun}"), f"{section.repeat}:add", f"Add {noun}",
                                "Shortcut: Ctrl+M")
        self.add_button.setToolTip("Ctrl+M")
        self.add_button.setAutoDefault(True)
        self.add_button.clicked.connect(lambda: self.add_entry(focus=True))
        line = QHBoxLayout()
        line.addWidget(self.add_button)
        hint = QLabel("Ctrl+M adds a person; Ctrl+Shift+M removes the one you are in."
                      if noun == "person" else f"Ctrl+M adds a {noun}.")
        hint.setStyleSheet("color: palette(placeholder-text);")
        hint.setWordWrap(True)  # at a large text size it would otherwise be cut off
        line.addWidget(hint, 1)
        self.body.addLayout(line)

    @property
    def noun(self) -> str:
        return self.section.entry_label or "Entry"

    @property
    def full(self) -> bool:
        return self.section.max_items is not None and len(self.groups) >= self.section.max_items

    def add_entry(self, values: Mapping[str, Any] | None = None, *, focus: bool = False) -> EntryGroup | None:
        if self.full:
            return None
        group = EntryGroup(self.section, self._services, self._household)
        group.renumber(len(self.groups))
        if values is not None:
            group.set_values(values)
        for row in group.rows:
            row.changed.connect(self.changed)
            row.left.connect(self.left)
            if isinstance(row, PerEntryRow):
                row.rows_changed.connect(self.structure_changed)
        group.remove_requested.connect(self.remove_requested)
        self.groups.append(group)
        self.entries.addWidget(group)
        # Shown now rather than when the event loop next runs, so that Tab can reach it at once.
        group.show()
        self.add_button.setEnabled(not self.full)
        self.refresh_people()
        self.structure_changed.emit()
        if values is None:
            self.changed.emit()
        if focus:
            group.rows[0].input.setFocus(Qt.FocusReason.OtherFocusReason)
            # The new person's heading at the top of the page, with room below to fill them in.
            QTimer.singleShot(0, lambda: self.scroll_to_top_of(group))
        return group

    def scroll_to_top_of(self, widget: QWidget) -> None:
        content = self.widget()
        if content is not None and content.isAncestorOf(widget):
            self.verticalScrollBar().setValue(widget.mapTo(content, QPoint(0, 0)).y() - 12)

    def reveal(self, widget: QWidget) -> None:
        """Scroll to ``widget`` once the layout has placed it (a new entry has no place yet)."""
        QTimer.singleShot(0, lambda: self.ensureWidgetVisible(widget, 0, 60))

    def remove_entry(self, group: EntryGroup) -> None:
        if group not in self.groups:
            return
        index = self.groups.index(group)
        self.groups.pop(index)
        self.entries.removeWidget(group)
        group.hide()
        group.deleteLater()
        for i, g in enumerate(self.groups):
            g.renumber(i)
        self.add_button.setEnabled(not self.full)
        self.refresh_people()
        self.structure_changed.emit()
        self.changed.emit()
        if self.groups:
            target = self.groups[max(0, index - 1)]
            target.rows[0].input.setFocus(Qt.FocusReason.OtherFocusReason)
            self.reveal(target.rows[0])
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def refresh_people(self) -> None:
        """Give each per-child table its rows: the entries its ``entries`` condition picks (the
        children), named by first name and age, as the form stands now. Called after every edit on
        the page, so the table follows the people as they are typed in."""
        today = self._today()
        for group in self.groups:
            for row in group.rows:
                if not isinstance(row, PerEntryRow) or row.field.entries is None:
                    continue
                condition = row.field.entries
                people = []
                for position, other in enumerate(self.groups):
                    answers = {r.field.id: r for r in other.rows}
                    chooser = answers.get(condition.field)
                    if other is group or chooser is None or not condition.holds(chooser.value()):
                        continue
                    first = answers.get("first_name")
                    born = answers.get("date_of_birth")
                    people.append((other.entry_id, position, child_words(
                        first.value() if first else "", born.value() if born else "", today)))
                row.set_people(people)

    def group_of(self, widget: QWidget | None) -> EntryGroup | None:
        for group in self.groups:
            if widget is not None and (widget is group or group.isAncestorOf(widget)):
                return group
        return None

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def field_rows(self) -> list[FieldRow]:
        return [row for group in self.groups for row in _all_rows(group.rows)]

    def focus_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for group in self.groups:
            chain += chain_of(group.rows)
            chain.append(group.remove_button)
        chain.append(self.add_button)
        return chain + ([self.next_button] if self.next_button else [])

    def values(self) -> dict[str, Any]:
        assert self.section.repeat is not None
        return {self.section.repeat: [g.values() for g in self.groups]}

    def set_values(self, data: Mapping[str, Any]) -> None:
        for group in self.groups:
            self.entries.removeWidget(group)
            group.hide()
            group.deleteLater()
        self.groups = []
        entries = [e for e in data.get(self.section.repeat or "") or [] if isinstance(e, Mapping)]
        for entry in entries:
            self.add_entry(entry)
        while len(self.groups) < max(1, self.section.min_items or 0):
            self.add_entry({})
        self.add_button.setEnabled(not self.full)
        self.refresh_people()
