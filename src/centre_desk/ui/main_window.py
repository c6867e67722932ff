"""The main window: menus, a toolbar, a status bar saying who is signed in, and a stack of pages.

Later features plug their pages in with ``add_page(name, widget)``. While the desk is locked the
whole page stack is swapped for the lock screen and every action that could reach records is
disabled; unlocking swaps the same stack back, so the person returns to exactly where they were.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import CentreDeskError
from centre_desk.domain.staff import Permission, StaffMember
from centre_desk.services import auth
from centre_desk.services.session import DeskSession

from .a11y import expose
from .admin.desk import AdminDesk
from .context import AppContext, SignedIn, Workplace
from .desk import REVIEW_WORDS, HouseholdDesk
from .errors import show_error
from .help import HELP_KEYS, HelpDialog, show_help, topic_of
from .idle_lock import IdleLock, IdleWarning, LockScreen
from .print_actions import NoticePrintActions
from .reports.desk import ReportsDesk
from .rights_desk import RightsDesk
from .sessions.desk import SessionsDesk
from .sync_status import install_sync
from .widgets import APP_NAME, ActionButton, heading, keep_focus_in_view, named

log = logging.getLogger(__name__)

START_PAGE = "start"

# What can be done from a household's own page, in the start page's words, for those allowed.
_RECORDED_ON_A_HOUSEHOLD_PAGE: tuple[tuple[Permission, str], ...] = (
    (Permission.RECORD_CONTACT, "contacts"),
    (Permission.RECORD_REFERRAL, "referrals"),
    (Permission.RECORD_CONSENT, "consent"),
)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def household_page_words(member: StaffMember) -> str:
    """``'Open one to update its details, record contacts, referrals and consent; print its receipts.'``"""
    doing = []
    if member.may(Permission.EDIT_HOUSEHOLD):
        doing.append("update its details")
    recorded = [words for permission, words in _RECORDED_ON_A_HOUSEHOLD_PAGE if member.may(permission)]
    if recorded:
        doing.append("record " + _and(recorded))
    if member.may(Permission.PRINT):
        doing.append("print what the family takes away")
    return f"Open one to {'; '.join(doing)}." if doing else ""


@dataclass(frozen=True)
class StartEntry:
    """One offer on the start page (see ``MainWindow._start_entries``)."""

    action: QAction
    title: str
    description: str
    permission: Permission | None = None
    available: Callable[[], bool] | None = None  # the store's state allows it now (e.g. enrolled)


def _minutes(seconds: float) -> str:
    if seconds < 60:
        whole = max(1, round(seconds))
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class StartPage(QScrollArea):
    """Welcome, and what this person's role lets them do. Feature pages replace it as they land.
    It scrolls, so that at a large text size nothing is squeezed."""

    def __init__(self, member: StaffMember, workplace: Workplace, idle_seconds: float,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        body.setObjectName("startPageBody")
        self.setWidget(body)
        keep_focus_in_view(self)
        layout = QVBoxLayout(body)
        self._layout = layout
        layout.setContentsMargins(40, 32, 40, 24)
        layout.setSpacing(14)
        layout.addWidget(heading(f"Welcome, {member.display_name or member.username}", 22, "welcomeHeading"))
        where = " · ".join(p for p in (workplace.centre_name, workplace.organisation_name) if p)
        if where:
            place = QLabel(where)
            place.setObjectName("welcomeCentre")
            place.setTextFormat(Qt.TextFormat.PlainText)
            place.setWordWrap(True)
            layout.addWidget(place)
        self._panel_index = layout.count()

        layout.addSpacing(6)
        layout.addWidget(heading("What you can do now", 14, "whatYouCanDoHeading"))
        # Only what this person may do and the window really does: each line is a button that
        # does it, added by the feature that owns the action (add_action).
        self._member = member
        self.actions_grid = QGridLayout()
        self.actions_grid.setHorizontalSpacing(16)
        self.actions_grid.setVerticalSpacing(8)
        self.actions_grid.setColumnStretch(0, 1)
        self.actions_grid.setColumnStretch(1, 1)
        self.action_buttons: list[ActionButton] = []  # those offered now, in order
        self._all_buttons: list[tuple[ActionButton, Callable[[], bool] | None]] = []
        layout.addLayout(self.actions_grid)

        layout.addSpacing(6)
        layout.addWidget(heading("Keeping records safe", 14, "safetyHeading"))
        safety = QLabel(
            f"Lock the desk with Ctrl+L whenever you step away; it also locks itself after "
            f"{_minutes(idle_seconds)} without use. Sign out when you finish, so that the next person "
            f"signs in as themselves."
        )
        safety.setObjectName("safetyText")
        safety.setWordWrap(True)
        layout.addWidget(safety)
        layout.addStretch(1)

    def add_panel(self, panel: QWidget) -> None:
        """A feature's panel (unfinished forms...), shown under the welcome, in the order added."""
        self._layout.insertWidget(self._panel_index, panel)
        self._panel_index += 1

    def add_action(self, action: QAction, title: str, description: str,
                   permission: Permission | None = None, *,
                   available: Callable[[], bool] | None = None) -> ActionButton | None:
        """A button that triggers ``action``; none when this person lacks ``permission``. With
        ``available``, the button is offered only while it answers True (``refresh_offers``)."""
        if permission is not None and not self._member.may(permission):
            return None
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        button = ActionButton(title, f"{description} ({keys})" if keys else description)
        named(button, f"start:{action.objectName()}", title, button.description())
        button.clicked.connect(action.trigger)
        self._all_buttons.append((button, available))
        self.refresh_offers()
        return button

    def refresh_offers(self) -> None:
        """Lay out the buttons whose action is available now, two to a row; hide the others."""
        for button, _available in self._all_buttons:
            self.actions_grid.removeWidget(button)
        self.action_buttons = []
        for button, available in self._all_buttons:
            if available is not None and not available():
                button.hide()
                continue
            n = len(self.action_buttons)
            self.actions_grid.addWidget(button, n // 2, n % 2)
            button.show()
            self.action_buttons.append(button)


def _drop_key(session: DeskSession, reason: str, waiters: list[Callable[[], None]] | None = None) -> None:
    """Wait for background work (a sync) to stop, audit the lock, and drop the key even if the
    audit entry cannot be written."""
    for wait in waiters or ():
        wait()
    try:
        auth.lock(session, reason)
    finally:
        if not session.store.locked:
            session.store.lock()


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    quit_requested = Signal()
    session_changed = Signal(object)
    locked_changed = Signal(bool)
    # Before the key is dropped: the last moment to queue a write (a draft) that must not be lost.
    about_to_lock = Signal()

    def __init__(self, context: AppContext, signed_in: SignedIn, idle: IdleLock,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._session = signed_in.session
        self.workplace = signed_in.workplace
        self._idle = idle
        self._locked = False
        self._leaving = False
        self.farewell = ""  # said by the shell on the next window, after a sign-out it was told to do
        self._focus_before: QWidget | None = None
        self._disabled_by_lock: list[QAction] = []
        # Asked before signing out or quitting; calls its argument when it is fine to go.
        self.leave_check: Callable[[Callable[[], None]], None] | None = None
        self.idle_seconds = (context.idle_lock_seconds if context.idle_lock_seconds is not None
                             else self.workplace.idle_lock_seconds)

        self.setObjectName("mainWindow")
        self.setAccessibleName(APP_NAME)
        title = f"{APP_NAME} — {self.workplace.centre_name}" if self.workplace.centre_name else APP_NAME
        self.setWindowTitle(f"TRAINING — {title}" if self.workplace.training else title)

        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self._make_central()
        self._make_status_bar()
        self.start_page = StartPage(self._session.actor, self.workplace, self.idle_seconds)
        self.add_page(START_PAGE, self.start_page)
        self.households = HouseholdDesk(self)
        self.sessions = SessionsDesk(self)
        self.printing = NoticePrintActions(self, context.renderer)
        self.reports = ReportsDesk(self)
        self.rights = RightsDesk(self)
        self.sync = install_sync(self, context.sync_connect)
        self.admin = AdminDesk(self)
        self._fill_start_page()
        self._idle.idle.connect(self._on_idle)
        self._idle.warning.connect(self._idle_warning)
        self._idle.resumed.connect(self.idle_warning.dismiss)
        self._idle.arm(self.idle_seconds)

    # -- building -----------------------------------------------------------------------------

    def _start_entries(self) -> list[StartEntry]:
        """The one table of what the start page offers: each entry a working action, shown only to
        those with its permission and only while ``available`` says the store allows it now."""
        actor, desk, admin = self._session.actor, self.households, self.admin
        return [
            StartEntry(desk.find_action, "Find a household",
                       " ".join(w for w in ("By name, postcode, phone number or date of birth.",
                                            household_page_words(actor)) if w), Permission.VIEW_HOUSEHOLD),
            StartEntry(desk.new_action, "Register a new household", "Fill in the membership form with the family.",
                       Permission.REGISTER_HOUSEHOLD),
            StartEntry(self.sessions.action, "Sessions and registers",
                       "Today's sessions: tick who came, add a session.", Permission.VIEW_HOUSEHOLD),
            StartEntry(desk.review_action, "Review likely duplicates", REVIEW_WORDS, Permission.MERGE_HOUSEHOLDS),
            StartEntry(self.printing.notice_action, "Print the privacy notice",
                       "Preview, print or save the family's copy.", Permission.PRINT),
            StartEntry(admin.blank_form_action, "Print a blank paper form",
                       "Membership or referral form, to fill in by hand.", Permission.PRINT),
            StartEntry(self.sync.action, "Sync now", "Send this desk's changes to the server and fetch others'.",
                       Permission.SYNC, available=lambda: self.sync.enrolled),
            StartEntry(self.reports.statistics_action, "Reach statistics",
                       "Who the centre reaches, as charts; small numbers hidden.", Permission.VIEW_STATISTICS),
            StartEntry(self.reports.retention_action, "Retention review",
                       "Records due for review, and what a legal hold keeps.", Permission.RETENTION_REVIEW),
            StartEntry(self.rights.register_action, "Data protection requests",
                       "Families' requests to see, correct or remove what we hold: due dates, extensions, "
                       "outcomes.", Permission.RIGHTS_REQUESTS),
            StartEntry(admin.import_action, "Import a member list",
                       "Households from a CSV or JSON file: checked first, all or nothing.", Permission.IMPORT),
            StartEntry(admin.audit_action, "Audit trail",
                       "Who looked at or changed what, and when; check that nothing was altered.",
                       Permission.VIEW_AUDIT),
            StartEntry(admin.staff_action, "Staff", "Add staff, reset a password, change a role, disable.",
                       Permission.MANAGE_STAFF, available=admin.staff_action.isEnabled),
            StartEntry(admin.backup_action, "Backups", "Make an encrypted backup of the whole store.",
                       Permission.BACKUP, available=admin.backup_action.isEnabled),
            StartEntry(self.lock_action, "Lock the desk", "Whenever you step away."),
        ]

    def _fill_start_page(self) -> None:
        for entry in self._start_entries():
            self.start_page.add_action(entry.action, entry.title, entry.description, entry.permission,
                                       available=entry.available)
        self.sync.state_changed.connect(lambda _view: self.start_page.refresh_offers())

    def _action(self, text: str, name: str, accessible: str, slot: object,
                shortcut: QKeySequence | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setToolTip(accessible)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        self.lock_action = self._action("&Lock", "lockAction", "Lock the desk (Ctrl+L)",
                                        partial(self.lock, "manual"), QKeySequence("Ctrl+L"))
        self.sign_out_action = self._action("Sign &out", "signOutAction", "Sign out (Ctrl+Shift+O)",
                                            self._ask_sign_out, QKeySequence("Ctrl+Shift+O"))
        self.quit_action = self._action("&Quit", "quitAction", "Quit (Ctrl+Q)", self._ask_quit,
                                        QKeySequence("Ctrl+Q"))
        # F1 is help for the screen in front of you; About has no key of its own (Help menu, Alt+H).
        self.help_action = self._action("&Help for this screen", "helpAction", f"Help for this screen ({HELP_KEYS})",
                                        self.show_help, QKeySequence(HELP_KEYS))
        self.quick_guide_action = self._action("Print &quick guide for reception…", "quickGuideAction",
                                               "Preview, print or save the quick guide for reception",
                                               self.print_quick_guide)
        self.quick_guide_action.setEnabled(self._session.actor.may(Permission.PRINT))
        self.about_action = self._action("&About Centre Desk", "aboutAction", "About Centre Desk", self._about)
        self._always_available = {self.sign_out_action, self.quit_action, self.about_action, self.help_action}
        self.help_dialog: HelpDialog | None = None

    def _make_menus(self) -> None:
        bar = self.menuBar()
        bar.setObjectName("menuBar")
        bar.setAccessibleName("Menu bar")
        file_menu = named(QMenu("&File", self), "fileMenu", "File")
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        help_menu = named(QMenu("&Help", self), "helpMenu", "Help")
        help_menu.addAction(self.help_action)
        help_menu.addAction(self.quick_guide_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        bar.addMenu(file_menu)
        bar.addMenu(help_menu)
        self.file_menu = file_menu

    def _make_toolbar(self) -> None:
        bar = named(QToolBar("Desk", self), "deskToolbar", "Desk toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.toggleViewAction().setObjectName("deskToolbarToggle")
        for action, name, accessible in ((self.lock_action, "lockButton", "Lock"),
                                         (self.sign_out_action, "signOutButton", "Sign out")):
            bar.addAction(action)
            button = bar.widgetForAction(action)
            named(button, name, accessible)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _make_central(self) -> None:
        central = QWidget()
        central.setObjectName("centralArea")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        if self.workplace.training:
            banner = QLabel("TRAINING DESK — practice records only. Do not enter real families' details.")
            banner.setObjectName("trainingBanner")
            expose(banner, "Training desk")
            banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            banner.setStyleSheet("background: #f2b134; color: #222; font-weight: bold; padding: 8px;")
            layout.addWidget(banner)
        self.idle_warning = IdleWarning()
        self.idle_warning.stay_requested.connect(self._stay_signed_in)
        layout.addWidget(self.idle_warning)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        # A passing message belongs to the page it was said on: moving on clears it.
        self.pages.currentChanged.connect(lambda _index: self.statusBar().clearMessage())
        self.lock_screen = LockScreen()
        self.lock_screen.unlock_requested.connect(self._unlock)
        self.lock_screen.sign_out_requested.connect(self._sign_out_from_lock)
        self._outer = QStackedWidget()
        self._outer.setObjectName("workOrLock")
        self._outer.addWidget(self.pages)
        self._outer.addWidget(self.lock_screen)
        layout.addWidget(self._outer, 1)
        self.setCentralWidget(central)

    def _make_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        actor = self._session.actor
        self.user_label = QLabel(f"Signed in as {actor.username} ({actor.role.value})")
        self.user_label.setObjectName("signedInUser")
        self.user_label.setTextFormat(Qt.TextFormat.PlainText)
        self.centre_label = QLabel(self.workplace.centre_name)
        self.centre_label.setObjectName("centreName")
        self.centre_label.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(self.user_label)
        bar.addPermanentWidget(self.centre_label)

    # -- pages --------------------------------------------------------------------------------

    @property
    def session(self) -> DeskSession:
        """The current session. It is a new object after each unlock: ask, do not keep it."""
        return self._session

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def context(self) -> AppContext:
        return self._context

    def add_start_panel(self, panel: QWidget) -> None:
        self.start_page.add_panel(panel)

    def add_page(self, name: str, widget: QWidget) -> None:
        if self.page(name) is not None:
            raise ValueError(f"a page called {name!r} is already there")
        widget.setProperty("pageName", name)
        self.pages.addWidget(widget)

    def page(self, name: str) -> QWidget | None:
        for i in range(self.pages.count()):
            widget = self.pages.widget(i)
            if widget is not None and widget.property("pageName") == name:
                return widget
        return None

    def show_page(self, name: str) -> None:
        widget = self.page(name)
        if widget is None:
            raise KeyError(name)
        self.pages.setCurrentWidget(widget)

    def current_page_name(self) -> str:
        current = self.pages.currentWidget()
        return str(current.property("pageName")) if current is not None else ""


    # -- locking ------------------------------------------------------------------------------

    def _on_idle(self) -> None:
        self.lock("idle")

    def _idle_warning(self, seconds: int) -> None:
        if not self._locked and not self._leaving:
            self.idle_warning.warn(seconds)

    def _stay_signed_in(self) -> None:
        self._idle.stay()
        self.idle_warning.dismiss()

    def lock(self, reason: str = "manual") -> None:
        """Hide everything at once, then drop the key in the background (after any running task)."""
        if self._locked or self._leaving:
            return
        self.about_to_lock.emit()
        self._locked = True
        self._idle.disarm()
        focus = QApplication.focusWidget()
        popup = self.idle_warning.over_dialog
        if focus is self.idle_warning.stay_button or (popup is not None and focus is popup.stay_button):
            focus = self.idle_warning.focus_before
        self.idle_warning.focus_before = None
        self.idle_warning.dismiss()
        self._focus_before = focus if focus is not None and self.pages.isAncestorOf(focus) else None
        self._outer.setCurrentWidget(self.lock_screen)
        self._set_actions_locked(True)
        self.lock_screen.prepare(self._session.actor.username, reason)
        waiters = [self.sync.pause()]
        self._context.tasks.run(partial(_drop_key, self._session, reason, waiters),
                                on_error=self._lock_not_audited, owner=self)
        self.locked_changed.emit(True)

    def _lock_not_audited(self, error: BaseException) -> None:
        # The key is gone whatever happened; only the audit entry for the lock may be missing.
        log.warning("lock was not audited: %s", type(error).__name__)

    def _set_actions_locked(self, locked: bool) -> None:
        if locked:
            menus = {menu.menuAction() for menu in self.findChildren(QMenu)}
            self._disabled_by_lock = [
                action for action in self.findChildren(QAction)
                if action.isEnabled() and action not in self._always_available and action not in menus
            ]
            for action in self._disabled_by_lock:
                action.setEnabled(False)
        else:
            for action in self._disabled_by_lock:
                action.setEnabled(True)
            self._disabled_by_lock = []

    def _unlock(self, password: str) -> None:
        member = self._session.actor
        context = self._context

        def work() -> DeskSession:
            parts = context.parts()
            return auth.unlock_again(parts.gate, parts.throttle, parts.clock, member, password, parts.release)

        context.tasks.run(work, self._unlocked, self.lock_screen.show_failure, owner=self)

    def _unlocked(self, session: DeskSession) -> None:
        self._session = session
        self._locked = False
        self.lock_screen.set_busy(False)
        self._outer.setCurrentWidget(self.pages)
        self._set_actions_locked(False)
        if self._focus_before is not None:
            self._focus_before.setFocus()
        elif (current := self.pages.currentWidget()) is not None:
            current.setFocus()
        self._focus_before = None
        self._idle.arm(self.idle_seconds)
        self.session_changed.emit(session)
        self.locked_changed.emit(False)

    # -- leaving ------------------------------------------------------------------------------

    def _sign_out_from_lock(self) -> None:
        self._leave(self.sign_out_requested)

    def _ask_sign_out(self) -> None:
        self._leave(self.sign_out_requested)

    def _ask_quit(self) -> None:
        self._leave(self.quit_requested)

    def _leave(self, signal: SignalInstance) -> None:
        if self._leaving:
            return
        if self.leave_check is not None and not self._locked:
            # Unsaved work (a half-filled form) is asked about first; the answer may be "stay".
            self.leave_check(partial(self._leave_now, signal))
            return
        self._leave_now(signal)

    def stop_background(self) -> Callable[[], None]:
        """Stop the background sync for good; returns what waits for it, to call off the GUI thread
        before the key goes (the shell does, when signing out or quitting)."""
        return self.sync.stop()

    def leave_saying(self, message: str) -> None:
        """Sign out without asking (the server refused this device or this member): the form's
        draft is kept, and the shell shows ``message`` on the window that comes next."""
        self.farewell = message
        self.households.form_page.save_draft_now()
        self._leave_now(self.sign_out_requested)

    def _leave_now(self, signal: SignalInstance) -> None:
        if self._leaving:
            return
        self._leaving = True
        self.sync.stop()
        self._idle.disarm()
        self._idle.idle.disconnect(self._on_idle)
        self._idle.warning.disconnect(self._idle_warning)
        self._idle.resumed.disconnect(self.idle_warning.dismiss)
        self.idle_warning.dismiss()
        # Hide the records before anything else happens; the shell signs out and closes us.
        self._outer.setCurrentWidget(self.lock_screen)
        self.lock_screen.show_leaving()
        signal.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._leaving:
            # Closing the window is quitting: sign out first, then the shell closes everything.
            event.ignore()
            self._ask_quit()
            return
        super().closeEvent(event)

    def help_topic(self) -> str:
        """The help page for what is on screen: the lock screen, else the page's own."""
        if self._locked or self._leaving:
            return "locked"
        current = self.pages.currentWidget()
        return topic_of(current) or self.current_page_name() or START_PAGE

    def show_help(self) -> None:
        may_print = self.quick_guide_action.isEnabled() and not self._locked
        try:
            self.help_dialog = show_help(self, self.help_topic(), self.print_quick_guide if may_print else None)
        except CentreDeskError as error:
            show_error(self, error)

    def print_quick_guide(self) -> None:
        if self._locked or not self.quick_guide_action.isEnabled():
            return
        self.printing.printer.quick_guide()

    def _about(self) -> None:
        from .about import AboutDialog

        dialog = AboutDialog(self.workplace.organisation_name or None, self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.about_dialog = dialog
