"""Before a new household is saved: "these people may already be registered".

Registering a family twice splits its history, its consents and its contacts across two records,
so staff are shown who looks the same and why, and decide: open the existing household, save as
new anyway (a different family with the same name), or go back to the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.duplicates import LikelyDuplicate

from .household_models import ID_ROLE, SORT_ROLE, uk_date
from .table_model import HeaderedTableModel
from .widgets import comfortable_rows, heading, minimum_width, named

_Index = QModelIndex | QPersistentModelIndex


class DuplicateChoice(Enum):
    OPEN_EXISTING = "open"
    SAVE_ANYWAY = "save"
    BACK = "back"


class DuplicatesModel(HeaderedTableModel):
    NAME, DATE_OF_BIRTH, POSTCODE, REASONS, LIKE = range(5)
    HEADERS = ("Name", "Date of birth", "Postcode", "Why it looks the same", "Person on this form")

    def __init__(self, duplicates: Sequence[LikelyDuplicate], entry_names: Sequence[str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows = list(duplicates)
        self._entry_names = list(entry_names)

    def _count(self) -> int:
        return len(self._rows)

    def _text(self, d: LikelyDuplicate, column: int) -> str:
        if column == self.NAME:
            return d.name
        if column == self.DATE_OF_BIRTH:
            return uk_date(d.date_of_birth) or "Not recorded"
        if column == self.POSTCODE:
            return d.postcode
        if column == self.REASONS:
            text = ", ".join(d.reasons)
            return text[:1].upper() + text[1:]
        if 0 <= d.new_member_index < len(self._entry_names):
            return self._entry_names[d.new_member_index]
        return ""

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        d = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(d, index.column())
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.HEADERS[index.column()]}: {self._text(d, index.column())}"
        if role == SORT_ROLE:
            return d.score
        if role == ID_ROLE:
            return d.household_id
        return None

    def household_id(self, row: int) -> str:
        return self._rows[row].household_id


class DuplicateDialog(QDialog):
    """Window-modal; ``choice`` and ``household_id`` say what the person decided once it is done."""

    def __init__(self, duplicates: Sequence[LikelyDuplicate], entry_names: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choice = DuplicateChoice.BACK
        self.household_id: str | None = None
        self.setObjectName("duplicateDialog")
        self.setAccessibleName("Possible duplicates")
        self.setWindowTitle("Already registered?")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        people = len({(d.household_id, d.person_id) for d in duplicates})
        title = heading("This person may already be registered" if people == 1
                        else "These people may already be registered", 15, "duplicateHeading")
        explain = QLabel("Check with the family before saving. If it is the same person, open the existing "
                         "household and update it there, so that the family's history stays in one place; "
                         "what you typed on this form is then not kept.")
        explain.setWordWrap(True)
        self.model = DuplicatesModel(duplicates, entry_names, self)
        self.view = named(QTableView(), "duplicateList", "People already registered",
                          "Up and Down choose a person; Enter opens their household")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().setVisible(False)
        self.view.setWordWrap(False)
        comfortable_rows(self.view)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DuplicatesModel.REASONS, QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(lambda _index: self._choose(DuplicateChoice.OPEN_EXISTING))
        if self.model.rowCount():
            self.view.selectRow(0)

        self.open_button = named(QPushButton("&Open existing household"), "openExistingButton",
                                 "Open existing household")
        self.save_button = named(QPushButton("&Save as new anyway"), "saveAnywayButton", "Save as new anyway")
        self.back_button = named(QPushButton("&Back to form"), "backToFormButton", "Back to form")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(lambda: self._choose(DuplicateChoice.OPEN_EXISTING))
        self.save_button.clicked.connect(lambda: self._choose(DuplicateChoice.SAVE_ANYWAY))
        self.back_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(explain)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        rows = min(max(self.model.rowCount(), 2), 8)
        self.view.setMinimumHeight(header.sizeHint().height() + self.view.sizeHintForRow(0) * rows + 6)
        minimum_width(layout, 820)
        self.setTabOrder(self.view, self.open_button)
        self.setTabOrder(self.open_button, self.save_button)
        self.setTabOrder(self.save_button, self.back_button)
        self.view.setFocus()

    def _choose(self, choice: DuplicateChoice) -> None:
        self.choice = choice
        if choice is DuplicateChoice.OPEN_EXISTING:
            row = max(self.view.currentIndex().row(), 0)
            self.household_id = self.model.household_id(row) if self.model.rowCount() else None
        self.accept()

    def reject(self) -> None:
        self.choice = DuplicateChoice.BACK
        super().reject()
