"""Plugs the sessions area into the main window: the Sessions page, its menu entry and shortcut,
and today's list on the start page. Reaches the window only through the hooks it offers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from centre_desk.domain.staff import Permission
from centre_desk.services.session import DeskSession

from ..widgets import named
from .page import SessionsPage
from .today_panel import TodayPanel

if TYPE_CHECKING:
    from ..main_window import MainWindow

SESSIONS_PAGE = "sessions"


class SessionsDesk(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        tasks = window.context.tasks
        session: Callable[[], DeskSession] = lambda: window.session  # noqa: E731 - asked afresh after each unlock
        self.page = SessionsPage(tasks, session)
        window.add_page(SESSIONS_PAGE, self.page)
        self.today = TodayPanel(tasks, session)
        may_view = window.session.actor.may(Permission.VIEW_HOUSEHOLD)
        self.today.setVisible(may_view)
        window.add_start_panel(self.today)

        self.action = QAction("&Sessions and registers", window)
        self.action.setObjectName("sessionsAction")
        self.action.setShortcut(QKeySequence("Ctrl+R"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip("Sessions and registers (Ctrl+R)")
        self.action.triggered.connect(self.open_today)
        self.action.setEnabled(may_view)
        menu = named(QMenu("Sess&ions", window), "sessionsMenu", "Sessions")
        menu.addAction(self.action)
        bar = window.menuBar()
        bar.insertMenu(bar.actions()[-1], menu)  # before Help

        self.today.open_requested.connect(self.open_session)
        self.page.attendance_saved.connect(self.today.refresh)
        self.page.session_added.connect(self.today.refresh)
        window.locked_changed.connect(self._locked)
        if may_view:
            self.today.refresh()

    def open_today(self) -> None:
        self.window.show_page(SESSIONS_PAGE)
        self.page.open_day(self.window.session.clock.today())
        self.page.sessions_view.setFocus()

    def open_session(self, session_id: str) -> None:
        self.window.show_page(SESSIONS_PAGE)
        self.page.day.blockSignals(True)
        today = self.window.session.clock.today()
        self.page.day.setDate(QDate(today.year, today.month, today.day))
        self.page.day.blockSignals(False)
        self.page.load(select=session_id)
        self.page.sessions_view.setFocus()

    def _locked(self, locked: bool) -> None:
        if locked:
            self.page.clear()
            self.today.clear()
        else:
            self.today.refresh()
            if self.window.current_page_name() == SESSIONS_PAGE and self.page.current is not None:
                self.page.load(select=self.page.current.id)
