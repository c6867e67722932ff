"""The Qt form renderer: any form definition on screen, with no widget written by hand per field.

On the left, the sections (a list: arrow keys or a click choose one, Enter goes into it); on the
right, the chosen section's page. Each answer is checked when the person moves on from it, using
the same validator that checks the whole form on saving; problems appear in red under the field,
are read out through its accessible description, and are counted beside the section's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from itertools import pairwise
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import FieldProblem
from centre_desk.formspec.model import Choice, FormDefinition
from centre_desk.formspec.submission import validate_field

from ..questions import Answer, SafeQuestion
from ..style import problem_colour
from ..widgets import named
from .conditions import FieldScope
from .fields import FieldRow
from .section_list import SectionListModel
from .sections import EntriesPage, EntryGroup, FieldsPage, SectionPage
from .values import problem_sentence

_Index = QModelIndex | QPersistentModelIndex
NAV_WIDTH = 250
ADD_ENTRY_KEYS = "Ctrl+M"
REMOVE_ENTRY_KEYS = "Ctrl+Shift+M"


class FormView(QWidget):
    """``changed`` after every edit. ``values()`` gives the answers as typed, in the shape
    ``validate_submission`` takes; ``show_problems`` puts its problems beside their fields."""

    changed = Signal()

    def __init__(self, form: FormDefinition, *, today: Callable[[], date],
                 services: Sequence[tuple[str, str]] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self._today = today
        self._services = list(services) if services is not None else None
        self._loading = False
        self._dirty = False
        self._tail: list[QWidget] = []
        self._loose: list[str] = []  # problems with no field on screen to show them beside
        self._summary_wanted = False  # the summary appears on saving, not while typing
        self.setObjectName(f"form:{form.id}")
        self.setAccessibleName(form.title)
        choices = tuple(Choice(sid, name) for sid, name in self._services or [])

        self.summary = QLabel()
        self.summary.setObjectName("formProblems")
        self.summary.setAccessibleName("Problems to check")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setStyleSheet(f"border: 2px solid {problem_colour()}; color: {problem_colour()}; "
                                   "padding: 8px; font-weight: bold;")
        self.summary.setVisible(False)

        self.household = FieldScope(parent=self)
        self.pages: list[SectionPage] = []
        self.stack = QStackedWidget()
        self.stack.setObjectName("formSectionPages")
        for section in form.sections:
            page: SectionPage
            if section.repeated:
                entries = EntriesPage(section, choices, self.household, today=today)
                entries.changed.connect(self._edited)
                entries.structure_changed.connect(partial(self._entries_changed, entries))
                entries.changed.connect(partial(self._entries_changed, entries))
                entries.left.connect(self._check_row)
                entries.remove_requested.connect(self.ask_remove_entry)
                page = entries
            else:
                fields = FieldsPage(section, choices, self.household)
                for row in fields.rows:
                    row.changed.connect(self._edited)
                    row.left.connect(self._check_row)
                page = fields
            page.structure_changed.connect(self._retab)
            self.pages.append(page)
            self.stack.addWidget(page)
        for i, page in enumerate(self.pages[:-1]):
            page.add_next_button(form.sections[i + 1].title, partial(self.go_to_section, i + 1, focus=True))
        for page in self.pages:
            page.finish()
        self.household.refresh()

        self.sections = SectionListModel([s.title for s in form.sections], self)
        self.nav = named(QListView(), "formSections", "Sections of the form",
                         "Up and Down choose a section; Enter goes into it")
        self.nav.setModel(self.sections)
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setSpacing(3)
        self.nav.setWordWrap(True)
        self.nav.setStyleSheet("QListView { padding: 6px; } QListView::item { padding: 8px 6px; }")
        self.nav.selectionModel().currentChanged.connect(lambda current, _previous: self._show(current.row()))
        self.nav.installEventFilter(self)
        self.nav.setCurrentIndex(self.sections.index(0))

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.summary)
        right.addWidget(self.stack, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)

        for keys, slot in ((ADD_ENTRY_KEYS, self.add_entry), (REMOVE_ENTRY_KEYS, self.remove_focused_entry),
                           ("Ctrl+PgDown", lambda: self.go_to_section(self.current_section() + 1, focus=True)),
                           ("Ctrl+PgUp", lambda: self.go_to_section(self.current_section() - 1, focus=True))):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.set_values({})

    # -- values -------------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    def mark_clean(self) -> None:
        self._dirty = False

    def mark_dirty(self) -> None:
        """For answers that were never saved, such as a resumed draft."""
        self._dirty = True

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for page in self.pages:
            data.update(page.values())
        return data

    def set_values(self, data: Mapping[str, Any]) -> None:
        """Fill the form (answers as the editors take them: see ``values.display_values``)."""
        self._loading = True
        try:
            for page in self.pages:
                page.set_values(data)
        finally:
            self._loading = False
        self._dirty = False
        self.clear_problems()
        self._retab()
        self.go_to_section(0)

    def _edited(self) -> None:
        if not self._loading:
            self._dirty = True
            # An edit takes that field's problem away (or hides a field), and the summary follows.
            self._count_problems()
            self.changed.emit()

    def _entries_changed(self, page: EntriesPage) -> None:
        # "Needs at least one person" goes once someone is filled in (a blank entry is not
        # saved, so it does not count); saving checks again anyway.
        if not self._loading and page.problem.text():
            filled = sum(1 for group in page.groups if not group.is_blank())
            low, high = page.section.min_items or 0, page.section.max_items
            if filled >= low and (high is None or filled <= high):
                page.show_problem("")
        self._count_problems()

    def set_tail(self, widgets: Sequence[QWidget]) -> None:
        """Widgets after the form (the Save button) that Tab should reach after the last field."""
        self._tail = list(widgets)
        self._retab()

    # -- finding fields -----------------------------------------------------------------------------

    def rows(self) -> dict[str, FieldRow]:
        return {row.path: row for page in self.pages for row in page.field_rows()}

    def row(self, path: str) -> FieldRow:
        return self.rows()[path]

    def entries_page(self) -> EntriesPage | None:
        return next((p for p in self.pages if isinstance(p, EntriesPage)), None)

    def current_section(self) -> int:
        return self.stack.currentIndex()

    def _page_of(self, widget: QWidget) -> int:
        for i, page in enumerate(self.pages):
            if page.isAncestorOf(widget):
                return i
        return -1

    # -- moving around ------------------------------------------------------------------------------

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.stack.setCurrentIndex(index)

    def go_to_section(self, index: int, *, focus: bool = False) -> None:
        if not 0 <= index < len(self.pages):
            return
        self.nav.setCurrentIndex(self.sections.index(index))
        self._show(index)
        if focus:
            self.focus_section(index)

    def focus_section(self, index: int) -> None:
        """The section from its top: its heading and help in view, the focus on its first input.
        (Focusing the first input alone scrolled only as far as the input, so a page left scrolled
        down, or a form opened for editing, showed its fields with the heading above out of sight.)"""
        page = self.pages[index]
        if isinstance(page, SectionPage):
            page.verticalScrollBar().setValue(0)
        chain = [w for w in page.focus_chain() if w.isEnabled() and w.isVisibleTo(page)]
        if chain:
            chain[0].setFocus(Qt.FocusReason.TabFocusReason)

    def focus_first(self) -> None:
        self.go_to_section(0, focus=True)

    def focus_row(self, row: FieldRow) -> None:
        index = self._page_of(row)
        if index >= 0:
            self.go_to_section(index)
            self.pages[index].ensureWidgetVisible(row)
        row.input.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.nav and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.focus_section(self.current_section())
            return True
        return super().eventFilter(watched, event)

    def _retab(self) -> None:
        """Tab follows what the eye follows: sections list, then each page top to bottom, then the
        buttons after the form. Entries added later would otherwise be visited last of all."""
        chain: list[QWidget] = [self.nav]
        for page in self.pages:
            chain += page.focus_chain()
        chain += self._tail
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- entries (people in the household) ----------------------------------------------------------

    def add_entry(self) -> None:
        page = self.entries_page()
        if page is None:
            return
        self.go_to_section(self.pages.index(page))
        page.add_entry(focus=True)

    def remove_focused_entry(self) -> None:
        page = self.entries_page()
        group = page.group_of(self.focusWidget()) if page is not None else None
        if group is not None:
            self.ask_remove_entry(group)

    def ask_remove_entry(self, group: EntryGroup) -> None:
        page = self.entries_page()
        if page is None:
            return
        if group.is_blank():
            page.remove_entry(group)
            return
        name = " ".join(str(group.values().get(k) or "") for k in ("first_name", "last_name")).strip()
        title = group.title()
        box = SafeQuestion(self, "removeEntryQuestion", f"Remove {title.lower()}?",
                           f"Remove {title.lower()}{f' ({name})' if name else ''} and everything entered for "
                           "them from this form?", "",
                           [Answer(f"Remove {title.lower()}", "removeEntry", QMessageBox.ButtonRole.DestructiveRole,
                                   destructive=True),
                            Answer("&Keep", "keepEntry", QMessageBox.ButtonRole.RejectRole)],
                           safe="keepEntry", icon=QMessageBox.Icon.Question)
        remove = box.buttons_by_key["removeEntry"]

        def done(_result: int) -> None:
            self.window().activateWindow()
            if box.clickedButton() is remove:
                page.remove_entry(group)
            else:
                group.rows[0].input.setFocus(Qt.FocusReason.OtherFocusReason)

        box.finished.connect(done)
        box.finished.connect(lambda _result: box.deleteLater())
        box.open()

    # -- problems -----------------------------------------------------------------------------------

    def check_row(self, row: FieldRow) -> str | None:
        """Check one answer as the person leaves it. A blank answer is left until saving: being
        told "is required" while tabbing past a field is noise."""
        if not row.shown or row.is_blank():
            return None
        try:
            problem = validate_field(self.form, row.path, row.value(), today=self._today(),
                                     services=self._services)
        except (KeyError, ValueError):
            return None
        if problem:
            row.show_problem(problem_sentence(row.field.label, problem))
        else:
            row.clear_problem()
        self._count_problems()
        return problem

    def _check_row(self, row: object) -> None:
        if isinstance(row, FieldRow):
            self.check_row(row)

    def clear_problems(self) -> None:
        for row in self.rows().values():
            row.clear_problem()
        for page in self.pages:
            if isinstance(page, EntriesPage):
                page.show_problem("")
        self._loose = []
        self._summary_wanted = False
        self._count_problems()

    def _count_problems(self) -> None:
        counts = []
        for page in self.pages:
            n = sum(1 for row in page.field_rows() if row.problem_text)
            if isinstance(page, EntriesPage) and page.problem.text():
                n += 1
            counts.append(n)
        self.sections.set_problems(counts)
        self._refresh_summary()

    def _problem_lines(self) -> list[str]:
        """The problems still showing, in the order the pages show them."""
        lines: list[str] = []
        for page in self.pages:
            if isinstance(page, EntriesPage) and page.problem.text():
                lines.append(page.problem.text())
            for row in page.field_rows():
                if row.problem_text and row.shown:
                    group = row.parentWidget()
                    while group is not None and not isinstance(group, EntryGroup):
                        group = group.parentWidget()
                    where = f"{group.title()}: " if isinstance(group, EntryGroup) else ""
                    lines.append(where + row.problem_text)
        return lines + self._loose

    def _refresh_summary(self) -> None:
        """The red summary says what is still wrong, so it shrinks as answers are put right and
        goes once nothing is left; it never lists a problem the fields no longer show."""
        lines = self._problem_lines() if self._summary_wanted else []
        if not lines:
            self._summary_wanted = False
            self.summary.setVisible(False)
            self.summary.clear()
            self.summary.setAccessibleDescription("")
            return
        shown = lines[:4] + ([f"…and {len(lines) - 4} more."] if len(lines) > 4 else [])
        heading = "Please check this answer before saving:" if len(lines) == 1 else \
            f"Please check these {len(lines)} answers before saving:"
        self.summary.setText("\n".join([heading, *shown]))
        self.summary.setAccessibleDescription(self.summary.text())
        self.summary.setVisible(True)

    def show_problems(self, problems: Sequence[FieldProblem]) -> None:
        """Put each problem beside its field, list them above the form, focus the first."""
        self.clear_problems()
        rows = self.rows()
        for problem in problems:
            row = rows.get(problem.field)
            if row is not None:
                row.show_problem(problem_sentence(row.field.label, problem.problem))
                continue
            page = next((p for p in self.pages if isinstance(p, EntriesPage)
                         and problem.field.split("[")[0] == p.section.repeat), None)
            if page is not None:
                page.show_problem(problem_sentence(page.section.title, problem.problem))
            else:
                self._loose.append(problem_sentence(problem.field.replace("_", " ").capitalize(), problem.problem))
        self._summary_wanted = True
        self._count_problems()
        self.focus_first_problem()

    def focus_first_problem(self) -> bool:
        for page in self.pages:
            for row in page.field_rows():
                if row.problem_text:
                    self.focus_row(row)
                    return True
            if isinstance(page, EntriesPage) and page.problem.text():
                self.go_to_section(self.pages.index(page))
                page.add_button.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        return False
