"""Table models for the administration pages. The audit trail's model fetches page by page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTableView

from centre_desk.domain.audit import AuditEntry
from centre_desk.domain.errors import FieldProblem
from centre_desk.domain.staff import StaffMember
from centre_desk.services.audit import AuditPage
from centre_desk.services.importing import ImportedRecord

from ..table_model import ID_ROLE, HeaderedTableModel

Index = QModelIndex | QPersistentModelIndex
ROLE_WORDS = {"reception": "Reception", "outreach": "Outreach", "manager": "Manager",
              "administrator": "Administrator"}


def fit_columns(view: QTableView, characters: Sequence[int], stretch: int) -> None:
    """Columns about ``characters[i]`` wide (in average characters of the view's font), still
    resizable; column ``stretch`` takes the rest of the width so nothing wide is cut short."""
    header = view.horizontalHeader()
    unit = view.fontMetrics().averageCharWidth()
    for column, width in enumerate(characters):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, width * unit + 24)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def when(at: datetime | None) -> str:
    return at.astimezone().strftime("%d/%m/%Y %H:%M") if at is not None else "Not known"


class StaffModel(HeaderedTableModel):
    HEADERS = ("Username", "Name", "Role", "Status", "Last signed in")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[StaffMember] = []
        self._last: dict[str, datetime] = {}

    def _count(self) -> int:
        return len(self._rows)

    def set_staff(self, members: Sequence[StaffMember], last: dict[str, datetime]) -> None:
        self.beginResetModel()
        self._rows = sorted(members, key=lambda m: (m.disabled, m.username.casefold()))
        self._last = dict(last)
        self.endResetModel()

    def member(self, row: int) -> StaffMember | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, username: str) -> int:
        return next((i for i, m in enumerate(self._rows) if m.username == username), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        m = self._rows[index.row()]
        if role == ID_ROLE:
            return m.username
        last = self._last.get(m.id)
        column = index.column()
        if column == 0:
            return self._text_roles(index, role, m.username, m.username.casefold())
        if column == 1:
            return self._text_roles(index, role, m.display_name, m.display_name.casefold())
        if column == 2:
            return self._text_roles(index, role, ROLE_WORDS[m.role.value], m.role.value)
        if column == 3:
            return self._text_roles(index, role, "Disabled" if m.disabled else "Active", m.disabled)
        return self._text_roles(index, role, when(last), last.isoformat() if last else "")


class AuditModel(HeaderedTableModel):
    """The trail, newest first, a page at a time: ``fetchMore`` asks ``load_more(before)`` for the
    next (older) page, which comes back through ``add_page``; nothing is held but what was shown."""

    HEADERS = ("#", "When", "Who", "Action", "Record", "Detail")
    more_wanted = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[AuditEntry] = []
        self._names: dict[str, str] = {}
        self._next: int | None = None
        self._waiting = False

    def _count(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._names, self._next, self._waiting = [], {}, None, False
        self.endResetModel()

    def add_page(self, page: AuditPage) -> None:
        self._waiting = False
        self._names.update(page.actors)
        self._next = page.next_before
        if page.entries:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.entries) - 1)
            self._rows.extend(page.entries)
            self.endInsertRows()

    @property
    def complete(self) -> bool:
        return self._next is None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and self._next is not None and not self._waiting

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 (Qt's signature)
        if self.canFetchMore(parent) and self._next is not None:
            self._waiting = True
            self.more_wanted.emit(self._next)

    def who(self, actor: str) -> str:
        return self._names.get(actor, actor)

    def entry(self, row: int) -> AuditEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        e = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return self._text_roles(index, role, str(e.seq), e.seq)
        if column == 1:
            return self._text_roles(index, role, when(e.at), e.seq)
        if column == 2:
            return self._text_roles(index, role, self.who(e.actor), self.who(e.actor).casefold())
        if column == 3:
            words = e.action if e.authenticated else f"{e.action} (reported, unauthenticated)"
            return self._text_roles(index, role, words, e.action)
        if column == 4:
            return self._text_roles(index, role, e.record_ref or "", e.record_ref or "")
        return self._text_roles(index, role, e.detail or "", e.detail or "")


_MEMBER_FIELD = re.compile(r"^members\[(\d+)\]\.(.+)$")


def field_words(field: str) -> str:
    """``members[0].date_of_birth`` -> ``person 1: date_of_birth`` (the file's own column name kept)."""
    found = _MEMBER_FIELD.match(field)
    return f"person {int(found.group(1)) + 1}: {found.group(2)}" if found else field


class ProblemsModel(HeaderedTableModel):
    HEADERS = ("Record", "Field", "Problem")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[FieldProblem] = []

    def _count(self) -> int:
        return len(self._rows)

    def set_problems(self, problems: Sequence[FieldProblem]) -> None:
        self.beginResetModel()
        self._rows = list(problems)
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        p = self._rows[index.row()]
        column = index.column()
        if column == 0:
            words = str(p.record) if p.record is not None else "The file"
            return self._text_roles(index, role, words, p.record or 0)
        if column == 1:
            return self._text_roles(index, role, field_words(p.field), p.field)
        return self._text_roles(index, role, p.problem, p.problem)


class ImportedModel(HeaderedTableModel):
    """What the import saved (or would save): each record of the file, its old reference, the new id."""

    HEADERS = ("Record", "Old reference", "New household id", "People")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ImportedRecord] = []

    def _count(self) -> int:
        return len(self._rows)

    def set_records(self, records: Sequence[ImportedRecord]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def records(self) -> list[ImportedRecord]:
        return list(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        r = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return self._text_roles(index, role, str(r.record), r.record)
        if column == 1:
            return self._text_roles(index, role, r.ref or "", r.ref or "")
        if column == 2:
            return self._text_roles(index, role, r.household_id or "Given when imported", r.household_id)
        return self._text_roles(index, role, str(len(r.person_ids)) if r.person_ids else "", len(r.person_ids))


