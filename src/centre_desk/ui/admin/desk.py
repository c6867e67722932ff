"""Plugs the administration pages into the main window: an Administration menu (for those with
any of its permissions), the pages, and the actions the start page offers (see
``MainWindow._start_entries``, the one table of what the start page offers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from centre_desk.domain.staff import Permission
from centre_desk.services.session import DeskSession

from ..widgets import named
from .audit_page import AuditPageWidget
from .backup_page import BackupPage
from .blank_forms import BlankFormDialog
from .import_page import ImportPage
from .recovery import RecoveryKeyPanel, make_new_recovery_key
from .staff_page import StaffPage

if TYPE_CHECKING:
    from ..main_window import MainWindow

STAFF_PAGE = "staff"
BACKUP_PAGE = "backups"
IMPORT_PAGE = "import"
AUDIT_PAGE = "audit-trail"


class AdminDesk(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        context = window.context
        tasks = context.tasks
        session: Callable[[], DeskSession] = lambda: window.session  # noqa: E731 - asked afresh after unlock
        actor = window.session.actor
        parts = context.parts()  # built at sign-in already: no wait here
        self.staff_page = StaffPage(tasks, session, parts.passwords, parts.usernames)
        self.backup_page = BackupPage(tasks, session, parts.backups)
        self.import_page = ImportPage(tasks, session)
        self.audit_page = AuditPageWidget(tasks, session)
        for name, page in ((STAFF_PAGE, self.staff_page), (BACKUP_PAGE, self.backup_page),
                           (IMPORT_PAGE, self.import_page), (AUDIT_PAGE, self.audit_page)):
            window.add_page(name, page)

        def action(text: str, name: str, slot: Callable[[], object], tip: str, keys: str = "") -> QAction:
            made = QAction(text, window)
            made.setObjectName(name)
            made.setToolTip(f"{tip} ({keys})" if keys else tip)
            if keys:
                made.setShortcut(QKeySequence(keys))
                made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            made.triggered.connect(slot)
            return made

        self.staff_action = action("&Staff…", "staffAction", self.show_staff, "Manage staff")
        self.backup_action = action("&Backups…", "backupAction", self.show_backups, "Make a backup")
        self.import_action = action("&Import a member list…", "importAction", self.show_import,
                                    "Import households from a CSV or JSON file")
        self.audit_action = action("&Audit trail…", "auditAction", self.show_audit, "Who did what, and when")
        self.blank_form_action = action("Print a &blank paper form…", "blankFormAction", self.blank_form,
                                        "Membership or referral form, to fill in by hand")
        self.recovery_action = action("Make a new &recovery key…", "recoveryKeyAction", self.new_recovery_key,
                                      "Replace the store's recovery key")
        self.permissions = {
            self.staff_action: Permission.MANAGE_STAFF,
            self.backup_action: Permission.BACKUP,
            self.import_action: Permission.IMPORT,
            self.audit_action: Permission.VIEW_AUDIT,
            self.blank_form_action: Permission.PRINT,
            self.recovery_action: Permission.MANAGE_STAFF,
        }
        for item, permission in self.permissions.items():
            item.setEnabled(actor.may(permission))
        # A desk built without the adapters for these (some tests) does not offer them.
        self.staff_action.setEnabled(actor.may(Permission.MANAGE_STAFF) and parts.usernames is not None)
        self.backup_action.setEnabled(actor.may(Permission.BACKUP) and parts.backups is not None)

        # No mnemonic on the menu itself: Alt+letters are taken by the household pages; it is
        # reached with Alt or F10 and the arrow keys, like Reports.
        menu = named(QMenu("Administration", window), "adminMenu", "Administration")
        for item in (self.staff_action, self.backup_action, self.recovery_action, self.import_action,
                     self.audit_action):
            if actor.may(self.permissions[item]):
                menu.addAction(item)
        if not menu.isEmpty():
            window.menuBar().insertMenu(window.menuBar().actions()[-1], menu)
        self.menu = menu
        if actor.may(Permission.PRINT):
            file_menu = window.file_menu
            file_menu.insertAction(file_menu.actions()[0], self.blank_form_action)

        self.recovery_panel: RecoveryKeyPanel | None = None
        if actor.may(Permission.MANAGE_STAFF):
            self.recovery_panel = RecoveryKeyPanel(tasks, session, context.renderer, window)
            self.recovery_panel.make_requested.connect(self.new_recovery_key)
            window.add_start_panel(self.recovery_panel)
            self.recovery_panel.refresh()
        window.locked_changed.connect(self._locked)

    # -- going places -------------------------------------------------------------------------------

    def _go(self, name: str, then: Callable[[], object]) -> None:
        def go() -> None:
            self.window.show_page(name)
            then()

        self.window.households._leave_page(go)

    def show_staff(self) -> None:
        if self.window.locked or not self.staff_action.isEnabled():
            return
        def then() -> None:
            self.staff_page.refresh()
            self.staff_page.table.setFocus()

        self._go(STAFF_PAGE, then)

    def show_backups(self) -> None:
        if self.window.locked or not self.backup_action.isEnabled():
            return
        self._go(BACKUP_PAGE, self.backup_page.destination.setFocus)

    def show_import(self) -> None:
        if self.window.locked or not self.import_action.isEnabled():
            return
        self._go(IMPORT_PAGE, self.import_page.file.setFocus)

    def show_audit(self) -> None:
        if self.window.locked or not self.audit_action.isEnabled():
            return
        def then() -> None:
            self.audit_page.open()
            self.audit_page.record.setFocus()

        self._go(AUDIT_PAGE, then)

    def blank_form(self) -> BlankFormDialog | None:
        if self.window.locked or not self.blank_form_action.isEnabled():
            return None
        dialog = BlankFormDialog(self.window.printing.printer, self.window)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def new_recovery_key(self) -> None:
        if self.window.locked or not self.recovery_action.isEnabled():
            return
        make_new_recovery_key(self.window, self.window.context.tasks, lambda: self.window.session,
                              self.window.context.renderer,
                              then=self.recovery_panel.refresh if self.recovery_panel else None)

    def _locked(self, locked: bool) -> None:
        if locked:
            self.audit_page.clear()
            self.import_page.clear()
        elif self.recovery_panel is not None:
            self.recovery_panel.refresh()
