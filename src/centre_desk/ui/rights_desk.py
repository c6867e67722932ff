"""Plugs the managers' rights workbench into the main window: a Rights menu and the requests
register page. The menu's household entries act on the household on screen (they are enabled only
there); each opens the same dialog as the household page's Data protection tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from centre_desk.domain.staff import Permission
from centre_desk.services.session import DeskSession

from .desk import HOUSEHOLD_PAGE
from .rights_workbench import RequestsPage
from .widgets import named

if TYPE_CHECKING:
    from .main_window import MainWindow

REGISTER_PAGE = "rights-register"


class RightsDesk(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        session: Callable[[], DeskSession] = lambda: window.session  # noqa: E731 - asked afresh after unlock
        self.page = RequestsPage(window.context.tasks, session)
        window.add_page(REGISTER_PAGE, self.page)
        self.page.open_household.connect(window.households.open_household)
        view = window.households.view
        actor = window.session.actor

        def action(text: str, name: str, slot: Callable[[], object], keys: str = "") -> QAction:
            made = QAction(text, window)
            made.setObjectName(name)
            if keys:
                made.setShortcut(QKeySequence(keys))
                made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            made.triggered.connect(slot)
            return made

        self.register_action = action("Requests &register", "requestsRegisterAction", self.show_register,
                                      "Ctrl+Shift+R")
        self.add_request_action = action("Record a &request…", "recordRequestAction",
                                         lambda: self._on_household(view.rights.add_request))
        self.objection_action = action("Record an &objection…", "recordObjectionAction",
                                       lambda: self._on_household(view.rights.add_objection))
        self.sar_action = action("&Subject access pack…", "subjectAccessAction",
                                 lambda: self._on_household(view.subject_access))
        self.portability_action = action("&Portability export…", "portabilityAction",
                                         lambda: self._on_household(view.portability))
        self.seen_action = action("&Who has seen and received…", "seenAction",
                                  lambda: self._on_household(view.who_has_seen))
        self.household_actions = [self.add_request_action, self.objection_action, self.sar_action,
                                  self.portability_action, self.seen_action]
        # No mnemonic on the menu: Alt+letters are taken on the household page; Alt or F10 and the
        # arrow keys reach it, as they do the Reports menu.
        self.menu = named(QMenu("Rights", window), "rightsMenu", "Rights")
        if actor.may(Permission.RIGHTS_REQUESTS):
            self.menu.addAction(self.register_action)
            self.menu.addSeparator()
            for item in self.household_actions:
                if item is self.seen_action and not actor.may(Permission.VIEW_AUDIT):
                    continue
                if item is self.portability_action and not actor.may(Permission.EXPORT):
                    continue
                self.menu.addAction(item)
            window.menuBar().insertMenu(window.menuBar().actions()[-1], self.menu)  # before Help
        else:
            for item in (self.register_action, *self.household_actions):
                item.setEnabled(False)
        window.pages.currentChanged.connect(lambda _i: self._page_changed())
        self._page_changed()

    def _page_changed(self) -> None:
        on_household = self.window.current_page_name() == HOUSEHOLD_PAGE
        may = self.window.session.actor.may(Permission.RIGHTS_REQUESTS)
        for item in self.household_actions:
            item.setEnabled(may and on_household)

    def _on_household(self, open_it: Callable[[], object]) -> None:
        if self.window.locked or self.window.current_page_name() != HOUSEHOLD_PAGE:
            return
        view = self.window.households.view
        view.tabs.setCurrentWidget(view.rights)
        open_it()

    def show_register(self) -> None:
        if self.window.locked or not self.register_action.isEnabled():
            return

        def go() -> None:
            self.window.show_page(REGISTER_PAGE)
            self.page.view.setFocus(Qt.FocusReason.OtherFocusReason)
            self.page.refresh()

        self.window.households._leave_page(go)
