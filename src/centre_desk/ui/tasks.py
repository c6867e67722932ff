"""The one background-task helper: run a callable off the GUI thread, hear back on the GUI thread.

Database work goes through a pool of one thread, so two tasks never use the store at once and a
lock or sign-out queued behind a save waits for it. Work that does not touch the store may ask for
the parallel pool; so does the background sync (``ui/sync_status.py``), which waits on the network
between its short units of work and stops, and is waited for, before a lock drops the key.

Callbacks run on the GUI thread. If ``owner`` (usually the window that asked) has been deleted by
the time the work finishes, the callbacks are skipped: a window that closed does not want them.

Why no Qt on the worker side: with PySide6 6.12.0, emitting a queued signal (or calling
``QMetaObject.invokeMethod``) from a non-GUI thread corrupts reference counts of Python's
singletons; a process dies with "Fatal Python error: bool_dealloc/none_dealloc" within some
thousands of tasks, i.e. within a day at a busy desk (reproduced in 20 lines of plain PySide6;
6.11.3 does not do it, but QtPdf is only published for 6.12). So workers are plain Python threads
(``concurrent.futures``); they put the answer on a queue and write one byte to a socket pair, and
a ``QSocketNotifier`` on the GUI thread wakes up and delivers. Nothing here calls Qt off the GUI
thread. A socket pair rather than a pipe because Qt's notifier on Windows watches sockets only.
"""

from __future__ import annotations

import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier

from centre_desk.domain.errors import CentreDeskError

ResultCallback = Callable[[Any], object]
ErrorCallback = Callable[[BaseException], object]


@dataclass(eq=False)
class _Call:
    fn: Callable[[], Any]
    on_result: ResultCallback | None
    on_error: ErrorCallback | None
    owner: QObject | None
    result: Any = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)


class TaskRunner(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serial = ThreadPoolExecutor(max_workers=1, thread_name_prefix="centre-desk-store")
        self._parallel = ThreadPoolExecutor(max_workers=4, thread_name_prefix="centre-desk-work")
        self._live: set[_Call] = set()
        self._answers: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._notifier = QSocketNotifier(self._wake_read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._deliver_ready)
        self.destroyed.connect(self._close_sockets)

    def run(self, fn: Callable[[], Any], on_result: ResultCallback | None = None,
            on_error: ErrorCallback | None = None, *, owner: QObject | None = None,
            serial: bool = True) -> None:
        """Run ``fn()`` in the background; then ``on_result(value)`` or ``on_error(exc)`` here.

        Without ``on_error`` an exception goes to ``sys.excepthook`` (the app shows a generic
        message). ``serial=False`` is only for work that never touches the store.
        """
        call = _Call(fn, on_result, on_error, owner)
        self._live.add(call)
        (self._serial if serial else self._parallel).submit(self._work, call)

    # -- worker threads: plain Python, no Qt ------------------------------------------------------
    def _work(self, call: _Call) -> None:
        try:
            call.result = call.fn()
        except Exception as exc:
            if isinstance(exc, CentreDeskError):
                # Expected errors are shown as messages; their frames (which may hold a password
                # the person typed) need not outlive the task.
                exc.__traceback__ = None
            call.error = exc
        call.finished.set()
        self._answers.put(call)
        try:
            self._wake_write.send(b"\0")
        except (BlockingIOError, InterruptedError):
            pass  # the socket's buffer is full of wake-ups already: the GUI thread will drain the queue
        except OSError:
            pass  # closed at shutdown; wait() delivers what is left

    # -- GUI thread -------------------------------------------------------------------------------
    def _deliver_ready(self) -> None:
        try:
            while self._wake_read.recv(4096):
                pass
        except (BlockingIOError, InterruptedError, OSError):
            pass
        while True:
            try:
                call = self._answers.get_nowait()
            except queue.Empty:
                return
            self._deliver(call)

    def _deliver(self, call: _Call) -> None:
        self._live.discard(call)
        if call.owner is not None and not shiboken6.isValid(call.owner):
            return
        if call.error is None:
            if call.on_result is not None:
                call.on_result(call.result)
        elif call.on_error is not None:
            call.on_error(call.error)
        else:
            sys.excepthook(type(call.error), call.error, call.error.__traceback__)

    def _close_sockets(self) -> None:
        self._serial.shutdown(wait=False)
        self._parallel.shutdown(wait=False)
        for s in (self._wake_read, self._wake_write):
            s.close()

    @property
    def busy(self) -> bool:
        """True until every task's callbacks have run."""
        return bool(self._live)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the background work is done (at shutdown), then deliver what is pending."""
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        done = True
        for call in list(self._live):
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not call.finished.wait(remaining):
                done = False
                break
        self._deliver_ready()
        return done
