"""Sync in the window: the background sync, its status-bar indicator and the ``Sync now`` action.

``BackgroundSync`` runs ``services.sync.sync_now`` whenever the server may have something or the
desk has something to send: every few minutes, a few seconds after anything is saved (it watches
the outbox, which every writer fills through the store's triggers, so no save can forget to ask),
and at once on ``Sync now``. Only on an enrolled store; a stand-alone desk gets no indicator, no
action and no timers.

Where it runs: on the task helper's parallel pool, not the store's one-thread queue. A sync waits
on the network (up to the client's timeout when the server hangs); on the store's queue every
save, search and lock would wait behind it. The store is safe for concurrent units of work (its
use gate counts them; SQLite serialises the writes, each a short transaction), and each pushed
batch and pulled page is its own unit of work, so nothing is half-applied whatever happens next.
Only one sync runs at a time (a request while one runs is remembered and run after it).

Stopping: before the key is dropped (lock, sign-out, quit) the window calls ``stop()``; the sync
stops at its next step (its progress callback raises ``SyncStopped``) and the key drop, on the
store's queue, waits for it (bounded by the client's timeout). A locked desk never syncs.

Nothing Qt is touched off the GUI thread: progress is written to a plain attribute by the worker
and read by a GUI timer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAction, QKeySequence
from PySide6.QtWidgets import QPushButton, QWidget

from centre_desk.domain.errors import CentreDeskError
from centre_desk.domain.staff import Permission
from centre_desk.domain.sync import DEVICE_REVOKED, ServerRefused
from centre_desk.services.session import DeskSession
from centre_desk.services.sync import Connect, SyncResult, resolve_conflict, sync_now
from centre_desk.services.sync_watch import DeskSyncState, desk_sync_state, pending_changes

from .errors import describe

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

PERIOD_MS = 180_000  # a sync every three minutes when nothing else asks
SOON_MS = 3_000  # this long after a save is noticed
WATCH_MS = 4_000  # how often the outbox is looked at
RETRY_MS = 30_000  # after the server did not answer; doubles up to PERIOD_MS
PROGRESS_MS = 250
STOP_WAIT_SECONDS = 30.0  # the most a lock or sign-out waits for a running sync to stop

UNREACHABLE = "server-unreachable"
REVOKED = DEVICE_REVOKED
DISABLED = "member-disabled"

SYNC_NOW_KEYS = "F5"
REVOKED_MESSAGE = ("This device has been removed from your organisation's sync server, so the records "
                   "kept on it have been removed from this device. Nothing is lost: they are on the "
                   "server. Ask your administrator to enrol the device again if it should be used.")
DISABLED_MESSAGE = ("Your account has been disabled on your organisation's sync server, so you have been "
                    "signed out of this device. Ask your manager or administrator if this is unexpected.")


Job = tuple[Callable[[DeskSession, Callable[[str, int, int], None]], Any], Callable[[Any], object],
            Callable[[BaseException], object]]


class SyncStopped(Exception):
    """Raised from the progress callback when the window asked the sync to stop."""


def refusal_code(error: BaseException) -> str | None:
    """The server's stable code of a sync refusal (``device-revoked`` ...), None for anything else."""
    return error.code if isinstance(error, ServerRefused) else None


def _clock_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if at.tzinfo is not None:
        at = at.astimezone()
    return at.strftime("%H:%M") if at.date() == datetime.now(at.tzinfo).date() else at.strftime("%d/%m/%Y %H:%M")


@dataclass(frozen=True)
class SyncView:
    """What the indicator shows."""

    kind: str  # "starting", "offline", "syncing", "up-to-date", "conflicts", "problem"
    text: str
    conflicts: int = 0


def describe_state(kind: str, *, last_sync: str | None = None, conflicts: int = 0,
                   progress: tuple[str, int, int] | None = None, problem: str = "") -> SyncView:
    when = _clock_time(last_sync)
    if kind == "syncing":
        stage, done, total = progress or ("", 0, 0)
        if stage == "push" and total:
            return SyncView(kind, f"Syncing: sent {done} of {total} changes…", conflicts)
        if stage == "resync":
            return SyncView(kind, "Syncing: away longer than the server keeps erasures, fetching everything again…",
                            conflicts)
        if stage == "pull" and done:
            # Pages arrive until the server says there are no more: the total is not known ahead.
            return SyncView(kind, f"Syncing: received {done} record{'s' if done != 1 else ''}…", conflicts)
        return SyncView(kind, "Syncing…", conflicts)
    if kind == "offline":
        since = f" (last synced {when})" if when else " (not synced yet)"
        return SyncView(kind, f"Offline{since}", conflicts)
    if kind == "problem":
        return SyncView(kind, f"Sync failed: {problem}", conflicts)
    if conflicts:
        return SyncView("conflicts", f"{conflicts} conflict{'s' if conflicts != 1 else ''} to resolve"
                        + (f" (synced {when})" if when else ""), conflicts)
    if kind == "up-to-date":
        return SyncView(kind, f"Up to date (synced {when})" if when else "Up to date", 0)
    return SyncView(kind, "Sync: checking…", conflicts)


class SyncIndicator(QPushButton):
    """The status-bar indicator. Clicking it opens the conflicts (a manager, when there are some)
    or syncs now; every change of its text is announced to a screen reader."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAccessibleName("Sync status")
        self.setFlat(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.view = SyncView("starting", "")
        self.announced: list[str] = []  # what was announced, newest last (tests and diagnostics)

    def show_view(self, view: SyncView, manager: bool) -> None:
        changed = view.text != self.view.text
        self.view = view
        self.setText(view.text)
        # The name holds the words shown (WCAG 2.5.3), so "click 1 conflict to resolve" works too.
        self.setAccessibleName(f"Sync status: {view.text}" if view.text else "Sync status")
        self.setAccessibleDescription(view.text)
        self.setToolTip("Open the conflicts to resolve them" if view.conflicts and manager
                        else f"{view.text}. Click to sync now ({SYNC_NOW_KEYS}).")
        if changed and view.text:
            self.announced.append(view.text)
            del self.announced[:-20]
            event = QAccessibleAnnouncementEvent(self, view.text)
            event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
            QAccessible.updateAccessibility(event)


class BackgroundSync(QObject):
    """One per main window; dormant (and invisible) unless the store is enrolled."""

    state_changed = Signal(object)  # SyncView
    synced = Signal(object)  # SyncResult of every sync that finished
    revoked = Signal()
    member_disabled = Signal()

    def __init__(self, window: MainWindow, connect: Connect | None, *, period_ms: int = PERIOD_MS,
                 soon_ms: int = SOON_MS, watch_ms: int = WATCH_MS, retry_ms: int = RETRY_MS) -> None:
        super().__init__(window)
        self.window = window
        self._connect = connect
        self._tasks = window.context.tasks
        self.enrolled = False
        self.state = DeskSyncState(False, 0, 0, None)
        self.running = False
        self.synced_count = 0  # syncs finished by this window
        self._again = False
        self._stopped = False
        self._ended = False  # revoked or disabled: no more syncs from this window
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._progress: tuple[str, int, int] | None = None
        self._after: list[Job] = []
        self._retry_ms = retry_ms
        self._backoff_ms = retry_ms
        self._offline = False
        self._period_ms = period_ms
        self.view = SyncView("starting", "")

        self.period = QTimer(self)
        self.period.setInterval(period_ms)
        self.period.timeout.connect(self.request)
        self.soon = QTimer(self)
        self.soon.setSingleShot(True)
        self.soon.setInterval(soon_ms)
        self.soon.timeout.connect(self.request)
        self.watch = QTimer(self)
        self.watch.setInterval(watch_ms)
        self.watch.timeout.connect(self._look_at_outbox)
        self.retry = QTimer(self)
        self.retry.setSingleShot(True)
        self.retry.timeout.connect(self.request)
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._show_progress)

        self.action = QAction("S&ync now", window)
        self.action.setObjectName("syncNowAction")
        self.action.setShortcut(QKeySequence(SYNC_NOW_KEYS))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip(f"Sync now ({SYNC_NOW_KEYS})")
        self.action.triggered.connect(self.sync_now)
        self.action.setVisible(False)
        self.action.setEnabled(False)
        self.indicator = SyncIndicator()
        self.indicator.setVisible(False)
        self.indicator.clicked.connect(self._indicator_clicked)
        self.open_conflicts: Callable[[], object] | None = None  # set by whoever owns the dialog
        self.conflicts_action: QAction | None = None
        self.dialog: QWidget | None = None  # the conflicts dialog while it is open

        window.locked_changed.connect(self._locked)

    # -- starting and stopping --------------------------------------------------------------------

    @property
    def manager(self) -> bool:
        return self.window.session.actor.may(Permission.RESOLVE_CONFLICT)

    def start(self) -> None:
        """Ask (in the background) whether this store is enrolled; if so, show up and sync."""
        if self._connect is None:
            return
        session = self.window.session
        self._tasks.run(lambda: desk_sync_state(session), self._started, self._not_started, owner=self)

    def _started(self, state: DeskSyncState) -> None:
        if not state.enrolled or self._stopped:
            return
        self.enrolled = True
        self.state = state
        self.action.setVisible(True)
        self.action.setEnabled(not self.window.locked)
        self.indicator.setVisible(True)
        self._set_view(describe_state("starting", last_sync=state.last_sync, conflicts=state.conflicts))
        self._arm()
        self.request()

    def _not_started(self, error: BaseException) -> None:
        log.warning("could not read the sync state: %s", type(error).__name__)

    def _arm(self) -> None:
        if self.enrolled and not self._ended and not self.window.locked and not self._stopped:
            self.period.start()
            self.watch.start()

    def _disarm(self) -> None:
        for timer in (self.period, self.soon, self.watch, self.retry, self._progress_timer):
            timer.stop()

    def stop(self) -> Callable[[], None]:
        """Stop for good (sign-out, quit): no new sync; the running one stops at its next step.
        Returns what to call off the GUI thread, before the key goes, to wait for it."""
        self._stopped = True
        return self.pause()

    def pause(self) -> Callable[[], None]:
        self._disarm()
        self._after.clear()
        self._again = False
        self._stop.set()
        idle = self._idle
        return lambda: None if idle.wait(STOP_WAIT_SECONDS) else log.warning("sync did not stop in time")

    def _locked(self, locked: bool) -> None:
        if not self.enrolled:
            return
        if locked:
            self.pause()
        elif not self._ended and not self._stopped:
            self.action.setEnabled(True)  # it may have become visible while the desk was locked
            self._arm()
            self.soon.start()

    # -- asking for a sync ------------------------------------------------------------------------

    def sync_now(self) -> None:
        """The ``Sync now`` action: at once, even while offline (that is how one finds out)."""
        self.retry.stop()
        self._backoff_ms = self._retry_ms
        self.request(force=True)

    def request(self, force: bool = False) -> None:
        if not self.enrolled or self._ended or self._stopped or self.window.locked or self._connect is None:
            return
        if self.retry.isActive() and not force:
            return  # offline: wait for the retry
        if self.running:
            self._again = True
            return
        self._run(None)

    def _look_at_outbox(self) -> None:
        if self.running or self.soon.isActive() or self.window.locked or self.retry.isActive():
            return
        session = self.window.session
        self._tasks.run(lambda: pending_changes(session), self._outbox, lambda _e: None, owner=self)

    def _outbox(self, pending: int) -> None:
        if pending and not self.running and not self.soon.isActive():
            self.soon.start()

    def resolve(self, conflict_id: str, value: Any, on_done: Callable[[Any], object],
                on_error: Callable[[BaseException], object]) -> None:
        """Resolve a conflict on the server and sync at once, in the sync's own lane."""
        if self._connect is None or self.window.locked:
            return
        connect, wipe = self._connect, self.window.context.parts().gate.wipe

        def work(session: DeskSession, progress: Callable[[str, int, int], None]) -> SyncResult:
            resolve_conflict(session, connect, conflict_id, value)
            return sync_now(session, connect, progress, wipe=wipe)

        job = (work, on_done, on_error)
        if self.running:
            self._after.append(job)
        else:
            self._run(job)

    # -- running ----------------------------------------------------------------------------------

    def _run(self, job: Job | None) -> None:
        assert self._connect is not None
        connect, session = self._connect, self.window.session
        # A device revoked on the server loses its store at this contact (services.sync).
        wipe = self.window.context.parts().gate.wipe
        stop, idle = threading.Event(), self._idle
        self._stop = stop
        self.running = True
        self._again = False
        idle.clear()
        self._progress = None

        def progress(stage: str, done: int, total: int) -> None:
            self._progress = (stage, done, total)  # a plain attribute: read by a GUI timer
            if stop.is_set():
                raise SyncStopped

        def work() -> Any:
            try:
                if stop.is_set() or session.store.locked:
                    raise SyncStopped
                if job is not None:
                    return job[0](session, progress)
                return sync_now(session, connect, progress, wipe=wipe)
            finally:
                idle.set()

        self._set_view(describe_state("syncing", conflicts=self.state.conflicts))
        self._progress_timer.start()
        self._tasks.run(work, lambda result: self._finished(result, job), lambda error: self._failed(error, job),
                        owner=self, serial=False)

    def _show_progress(self) -> None:
        if self.running and self._progress is not None:
            self._set_view(describe_state("syncing", progress=self._progress, conflicts=self.state.conflicts))

    def _done_running(self) -> None:
        self.running = False
        self._progress_timer.stop()

    def _finished(self, result: SyncResult, job: Any) -> None:
        self._done_running()
        self._offline = False
        self.retry.stop()
        self._backoff_ms = self._retry_ms
        now = self.window.session.clock.now().isoformat()
        self.state = DeskSyncState(True, 0, result.conflicts, now)
        self.synced_count += 1
        self._set_view(describe_state("up-to-date", last_sync=now, conflicts=result.conflicts))
        self.synced.emit(result)
        if job is not None:
            job[1](result)
        self._next()

    def _failed(self, error: BaseException, job: Any) -> None:
        self._done_running()
        if isinstance(error, SyncStopped):
            if job is not None:
                job[2](error)
            self._next()
            return
        code = refusal_code(error)
        if job is not None:
            job[2](error)
        if code == REVOKED:
            self._end()
            self.revoked.emit()
            return
        if code == DISABLED:
            self._end()
            self.member_disabled.emit()
            return
        if code == UNREACHABLE:
            self._offline = True
            self._set_view(describe_state("offline", last_sync=self.state.last_sync, conflicts=self.state.conflicts))
            if not self._stopped and not self.window.locked:
                self.retry.start(self._backoff_ms)
                self._backoff_ms = min(self._backoff_ms * 2, self._period_ms)
        elif not isinstance(error, CentreDeskError):
            log.warning("background sync failed: %s", type(error).__name__)
            self._set_view(describe_state("problem", problem="an unexpected error (see the log)",
                                          conflicts=self.state.conflicts))
        else:
            self._set_view(describe_state("problem", problem=describe(error).rstrip("."),
                                          conflicts=self.state.conflicts))
        self._next()

    def _next(self) -> None:
        if self._stopped or self._ended or self.window.locked:
            return
        if self._after:
            self._run(self._after.pop(0))
        elif self._again:
            self.request()

    def _end(self) -> None:
        self._ended = True
        self._disarm()
        self.action.setEnabled(False)

    def _set_view(self, view: SyncView) -> None:
        self.view = view
        self.indicator.show_view(view, self.manager)
        self.state_changed.emit(view)

    def _indicator_clicked(self) -> None:
        if self.view.conflicts and self.manager and self.open_conflicts is not None:
            self.open_conflicts()
        else:
            self.sync_now()


def install_sync(window: MainWindow, connect: Connect | None) -> BackgroundSync:
    """Give the window its background sync: ``Sync now`` in the File menu and on the toolbar, the
    indicator in the status bar, the conflicts dialog for managers, and the household page kept
    fresh after a pull. All of it stays hidden until the store turns out to be enrolled."""
    sync = BackgroundSync(window, connect)
    file_menu = window.file_menu
    file_menu.insertAction(file_menu.actions()[0], sync.action)
    conflicts = QAction("Resolve sync &conflicts…", window)
    conflicts.setObjectName("syncConflictsAction")
    conflicts.setToolTip("Open conflicts: choose which value to keep")
    conflicts.setVisible(False)
    file_menu.insertAction(file_menu.actions()[1], conflicts)
    toolbar = window.toolbar
    toolbar.insertAction(window.lock_action, sync.action)  # with the desk's own buttons, at the far end
    button = toolbar.widgetForAction(sync.action)
    if button is not None:
        button.setObjectName("syncNowButton")
        button.setAccessibleName("Sync now")
    window.statusBar().addPermanentWidget(sync.indicator)

    def open_conflicts() -> None:
        from .conflicts_dialog import ConflictsDialog

        if window.locked or not sync.manager:
            return
        dialog = ConflictsDialog(window, sync)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        sync.dialog = dialog

    def shown(view: SyncView) -> None:
        conflicts.setVisible(sync.enrolled and sync.manager)
        conflicts.setEnabled(bool(view.conflicts) and not window.locked)

    sync.open_conflicts = open_conflicts
    conflicts.triggered.connect(open_conflicts)
    sync.state_changed.connect(shown)
    sync.revoked.connect(lambda: window.leave_saying(REVOKED_MESSAGE))
    sync.member_disabled.connect(lambda: window.leave_saying(DISABLED_MESSAGE))
    sync.synced.connect(lambda result: window.households.after_sync(result.pulled))
    sync.conflicts_action = conflicts
    # Started once the window's first event-loop turn has run, so the enrolment read queues
    # behind whatever the window asked for while it was being built.
    QTimer.singleShot(0, sync.start)
    return sync
