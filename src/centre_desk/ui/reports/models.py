"""Table models of the reports area: a published statistics table, and the retention queue."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from centre_desk.domain.retention import QueueEntry
from centre_desk.domain.suppression import HIDDEN, SMALL, PublishedTable

from ..table_model import SORT_ROLE, HeaderedTableModel
from .holds import hold_words

Index = QModelIndex | QPersistentModelIndex


class PublishedTableModel(QAbstractTableModel):
    """One suppressed table exactly as it is published: the chart's numbers, readable as a table."""

    def __init__(self) -> None:
        super().__init__()
        self.table: PublishedTable | None = None
        self._lines: list[list[str]] = []
        self._header: list[str] = []

    def set_table(self, table: PublishedTable | None) -> None:
        self.beginResetModel()
        self.table = table
        self._lines = table.lines() if table else []
        self._header = table.header() if table else []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._header)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and section < len(self._header):
            return self._header[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._lines):
            return None
        value = self._lines[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return value
        if role == Qt.ItemDataRole.AccessibleTextRole:
            row = self._lines[index.row()][0]
            said = {SMALL: "fewer than 5", HIDDEN: "hidden to protect small numbers"}.get(value, value)
            return f"{row}, {self._header[index.column()]}: {said}" if index.column() else row
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column():
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RetentionQueueModel(HeaderedTableModel):
    HEADERS = ("Household", "Category", "Due", "Hold")

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[QueueEntry] = []

    def set_entries(self, entries: list[QueueEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def _count(self) -> int:
        return len(self.entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        e = self.entries[index.row()]
        col = index.column()
        if col == 0:
            return self._text_roles(index, role, e.review.household_id, e.review.household_id)
        if col == 1:
            return self._text_roles(index, role, e.review.rule.name, e.review.rule.name)
        if col == 2:
            return self._text_roles(index, role, f"{e.review.due:%d/%m/%Y}", e.review.due.isoformat())
        why = "; ".join(hold_words(h) for h in e.holds)
        if role == SORT_ROLE:
            return int(e.held)
        return self._text_roles(index, role, why or "Not held", why)
