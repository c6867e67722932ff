"""Unfinished forms on the start page: the drafts this member of staff can pick up again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.drafts import EDIT, Draft
from centre_desk.services.drafts import discard_draft, list_drafts
from centre_desk.services.session import DeskSession

from .household_models import ID_ROLE, SORT_ROLE
from .questions import Answer, SafeQuestion
from .table_model import HeaderedTableModel
from .tasks import TaskRunner
from .widgets import heading, named

_Index = QModelIndex | QPersistentModelIndex
# More scroll: the start page has the welcome and the role cards to fit on a laptop screen too.
VISIBLE_ROWS = 3


def draft_title(draft: Draft) -> str:
    if draft.form_id == "membership":
        return "Changes to a household" if draft.kind == EDIT else "New household"
    return draft.form_id.replace("-", " ").capitalize()


class DraftsModel(HeaderedTableModel):
    WHAT, PEOPLE, POSTCODE, SAVED = range(4)
    HEADERS = ("Form", "People", "Postcode", "Last changed")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._drafts: list[Draft] = []

    def set_drafts(self, drafts: Sequence[Draft]) -> None:
        self.beginResetModel()
        self._drafts = list(drafts)
        self.endResetModel()

    def draft(self, row: int) -> Draft:
        return self._drafts[row]

    def _count(self) -> int:
        return len(self._drafts)

    def _text(self, d: Draft, column: int) -> str:
        if column == self.WHAT:
            return draft_title(d)
        if column == self.PEOPLE:
            return ", ".join(d.people()) or "No names yet"
        if column == self.POSTCODE:
            return d.postcode
        return f"{d.updated_at.astimezone():%d/%m/%Y %H:%M}"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        d = self._drafts[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(d, index.column())
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.HEADERS[index.column()]}: {self._text(d, index.column())}"
        if role == SORT_ROLE:
            return d.updated_at.isoformat() if index.column() == self.SAVED else self._text(d, index.column())
        if role == ID_ROLE:
            return d.id
        return None


class _DraftsView(QTableView):
    resume = Signal()
    discard = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.resume.emit()
            return
        if event.key() == Qt.Key.Key_Delete:
            self.discard.emit()
            return
        super().keyPressEvent(event)


class DraftsPanel(QFrame):
    """``resume_requested(draft id)`` on Enter, a double click or Resume."""

    resume_requested = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draftsPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._tasks = tasks
        self._session = session
        self.model = DraftsModel(self)
        self.view = named(_DraftsView(), "draftList", "Unfinished forms",
                          "Enter carries on with the form; Delete discards it")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DraftsModel.PEOPLE, QHeaderView.ResizeMode.Stretch)
        self.view.doubleClicked.connect(lambda _index: self._resume())
        self.view.resume.connect(self._resume)
        self.view.discard.connect(self._ask_discard)
        self.empty = QLabel("No unfinished forms.")
        self.empty.setObjectName("noDrafts")
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        self.resume_button = named(QPushButton("&Carry on with this form"), "resumeDraftButton",
                                   "Carry on with this form")
        self.resume_button.clicked.connect(self._resume)
        self.discard_button = named(QPushButton("Discard…"), "discardDraftButton", "Discard…",
                                     "Discard the chosen form")
        self.discard_button.clicked.connect(self._ask_discard)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 14)
        layout.addWidget(heading("Unfinished forms", 12, "draftsHeading"))
        explain = QLabel("Forms you started and have not saved yet. Only you can see them.")
        explain.setWordWrap(True)
        explain.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(explain)
        layout.addWidget(self.empty)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        self._show_count()

    def refresh(self) -> None:
        session = self._session()
        if session.store.locked:
            return
        self._tasks.run(lambda: list_drafts(session), self._listed, lambda _error: None, owner=self)

    def _listed(self, drafts: list[Draft]) -> None:
        self.model.set_drafts(drafts)
        if drafts:
            self.view.selectRow(0)
        self._show_count()

    def _show_count(self) -> None:
        rows = self.model.rowCount()
        self.empty.setVisible(rows == 0)
        self.view.setVisible(rows > 0)
        self.resume_button.setVisible(rows > 0)
        self.discard_button.setVisible(rows > 0)
        self.view.setFixedHeight(self.view.horizontalHeader().sizeHint().height()
                                 + max(self.view.sizeHintForRow(0), 24) * min(max(rows, 1), VISIBLE_ROWS) + 6)

    def _current(self) -> Draft | None:
        row = self.view.currentIndex().row()
        return self.model.draft(row) if 0 <= row < self.model.rowCount() else None

    def _resume(self) -> None:
        draft = self._current()
        if draft is not None:
            self.resume_requested.emit(draft.id)

    def _ask_discard(self) -> None:
        draft = self._current()
        if draft is None:
            return
        box = SafeQuestion(self, "discardDraftQuestion", "Discard this form?",
                           f"Discard the unfinished form “{draft_title(draft)}” "
                           f"({', '.join(draft.people()) or 'no names yet'})? It cannot be brought back.", "",
                           [Answer("Discard", "confirmDiscardDraft", QMessageBox.ButtonRole.DestructiveRole,
                                   destructive=True),
                            Answer("Keep", "keepDraft", QMessageBox.ButtonRole.RejectRole)],
                           safe="keepDraft", icon=QMessageBox.Icon.Question)
        discard = box.buttons_by_key["confirmDiscardDraft"]

        def done(_result: int) -> None:
            if box.clickedButton() is discard:
                session, draft_id = self._session(), draft.id
                self._tasks.run(lambda: discard_draft(session, draft_id), lambda _gone: self.refresh(),
                                lambda _error: self.refresh(), owner=self)

        box.finished.connect(done)
        box.finished.connect(lambda _result: box.deleteLater())
        box.open()
