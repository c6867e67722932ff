"""Rights requests on a manager's start page: open requests soonest due first, overdue ones in red."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from centre_desk.domain.rights import RightsRequest
from centre_desk.domain.staff import Permission
from centre_desk.services.rights import list_requests
from centre_desk.services.session import DeskSession

from .table_model import HeaderedTableModel
from .tasks import TaskRunner
from .widgets import heading, named

_Index = QModelIndex | QPersistentModelIndex
OVERDUE_COLOUR = "#a4161a"


class RequestsModel(HeaderedTableModel):
    KIND, RECEIVED, DUE, STATUS = range(4)
    HEADERS = ("Request", "Received", "Due", "Status")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RightsRequest] = []
        self.today = date.today()

    def set_requests(self, requests: Sequence[RightsRequest], today: date) -> None:
        self.beginResetModel()
        self._rows = list(requests)
        self.today = today
        self.endResetModel()

    def request(self, row: int) -> RightsRequest:
        return self._rows[row]

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        r = self._rows[index.row()]
        overdue = r.overdue(self.today)
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return QColor(OVERDUE_COLOUR)
        col = index.column()
        key: Any
        if col == self.KIND:
            text, key = r.kind.value.capitalize(), r.kind.value
        elif col == self.RECEIVED:
            text, key = f"{r.received:%d/%m/%Y}", r.received.isoformat()
        elif col == self.DUE:
            text, key = f"{r.due:%d/%m/%Y}", r.due.isoformat()
        else:
            text = ("Overdue, " if overdue else "") + r.status.value
            key = (not overdue, r.status.value)
        return self._text_roles(index, role, text, key)


class RequestsPanel(QFrame):
    """Shown only to staff who handle rights requests."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestsPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._tasks = tasks
        self._session = session
        self.model = RequestsModel(self)
        self.view = named(QTableView(), "requestList", "Open data protection requests",
                          "Soonest due first; overdue requests are marked Overdue")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("No open requests.")
        self.summary.setObjectName("requestsSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 14)
        layout.addWidget(heading("Data protection requests", 12, "requestsHeading"))
        layout.addWidget(self.summary)
        layout.addWidget(self.view)
        self.setVisible(False)

    def refresh(self) -> None:
        session = self._session()
        if session.store.locked or not session.actor.may(Permission.RIGHTS_REQUESTS):
            self.setVisible(False)
            return
        today = session.clock.today()
        self._tasks.run(lambda: list_requests(session, open_only=True),
                        lambda found: self._listed(found, today), lambda _error: None, owner=self)

    def _listed(self, requests: list[RightsRequest], today: date) -> None:
        self.model.set_requests(requests, today)
        overdue = sum(r.overdue(today) for r in requests)
        if not requests:
            self.summary.setText("No open requests.")
        else:
            self.summary.setText(f"{len(requests)} open; {overdue} overdue." if overdue else f"{len(requests)} open.")
        self.summary.setStyleSheet(f"color: {OVERDUE_COLOUR}; font-weight: bold;" if overdue else "")
        self.summary.setAccessibleName(self.summary.text())
        self.view.setVisible(bool(requests))
        self.setVisible(True)
