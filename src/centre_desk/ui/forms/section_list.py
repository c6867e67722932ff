"""The list of a form's sections beside its pages, each with how many of its answers need checking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ..style import problem_colour

_Index = QModelIndex | QPersistentModelIndex


class SectionListModel(QAbstractListModel):
    """The sections' titles, each with how many of its answers need checking."""

    def __init__(self, titles: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._titles = list(titles)
        self._problems = [0] * len(self._titles)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._titles)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._titles):
            return None
        title, problems = self._titles[index.row()], self._problems[index.row()]
        note = f"{problems} to check" if problems else ""
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{title}\n{note}" if note else title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{title}, {note}" if note else title
        if role == Qt.ItemDataRole.ForegroundRole and problems:
            return QBrush(QColor(problem_colour()))
        return None

    def set_problems(self, counts: Sequence[int]) -> None:
        if list(counts) != self._problems:
            self._problems = list(counts)
            self.dataChanged.emit(self.index(0), self.index(len(self._titles) - 1))

    def problems(self, row: int) -> int:
        return self._problems[row]
