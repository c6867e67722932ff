"""Plugs the reports area into the main window: a Reports menu, two pages, start-page actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from centre_desk.domain.staff import Permission
from centre_desk.services.session import DeskSession

from ..widgets import named
from .pages import RetentionPage, StatisticsPage

if TYPE_CHECKING:
    from ..main_window import MainWindow

STATISTICS_PAGE = "reach-statistics"
RETENTION_PAGE = "retention-review"


class ReportsDesk(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        session: Callable[[], DeskSession] = lambda: window.session  # noqa: E731 - asked afresh after unlock
        self.statistics = StatisticsPage(window.context.tasks, session, window.context.renderer)
        self.retention = RetentionPage(window.context.tasks, session, window.context.renderer)
        window.add_page(STATISTICS_PAGE, self.statistics)
        window.add_page(RETENTION_PAGE, self.retention)
        self.statistics_action = QAction("Reach &statistics", window)
        self.statistics_action.setObjectName("statisticsAction")
        self.statistics_action.triggered.connect(self.show_statistics)
        self.retention_action = QAction("&Retention review", window)
        self.retention_action.setObjectName("retentionAction")
        self.retention_action.triggered.connect(self.show_retention)
        actor = window.session.actor
        # No mnemonic: every letter of "Reports" already opens something on the household pages
        # (Alt+R records a contact); the menu is reached with Alt or F10 and the arrow keys.
        menu = named(QMenu("Reports", window), "reportsMenu", "Reports")
        if actor.may(Permission.VIEW_STATISTICS):
            menu.addAction(self.statistics_action)
        if actor.may(Permission.RETENTION_REVIEW):
            menu.addAction(self.retention_action)
        if not menu.isEmpty():
            window.menuBar().insertMenu(window.menuBar().actions()[-1], menu)
        self.menu = menu

    def show_statistics(self) -> None:
        self.window.show_page(STATISTICS_PAGE)
        self.statistics.refresh()
        self.statistics.start.setFocus()

    def show_retention(self) -> None:
        self.window.show_page(RETENTION_PAGE)
        self.retention.refresh()
        self.retention.view.setFocus()
