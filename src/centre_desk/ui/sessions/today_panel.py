"""Today's sessions on the start page, with who has come so far."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.services.session import DeskSession
from centre_desk.services.sessions import TodaysSession, todays_sessions

from ..tasks import TaskRunner
from ..widgets import heading, named
from .models import TodayModel

VISIBLE_ROWS = 3


class TodayPanel(QFrame):
    """``open_requested(session id)`` on Enter or a double-click on a session."""

    open_requested = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("todayPanel")
        self._tasks, self._session = tasks, session
        self.model = TodayModel(self)
        self.view = named(QTableView(), "todaySessions", "Today's sessions",
                          "Enter opens the session's register")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.activated.connect(lambda index: self.open_requested.emit(str(self.model.data(
            index.siblingAtColumn(0), Qt.ItemDataRole.UserRole + 2))))
        row = self.view.verticalHeader().defaultSectionSize()
        self.view.setMaximumHeight(self.view.horizontalHeader().sizeHint().height() + row * VISIBLE_ROWS + 4)
        self.none = QLabel("No sessions today.")
        self.none.setObjectName("noSessionsToday")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(heading("Today's sessions", 14, "todayHeading"))
        layout.addWidget(self.none)
        layout.addWidget(self.view)
        self._show([])

    def refresh(self) -> None:
        session = self._session()
        if session.store.locked:
            return
        self._tasks.run(lambda: todays_sessions(session), self._show, lambda _e: self._show([]), owner=self)

    def _show(self, rows: list[TodaysSession]) -> None:
        self.model.set_today(rows)
        self.none.setVisible(not rows)
        self.view.setVisible(bool(rows))

    def clear(self) -> None:
        self._show([])
