"""The one background-task helper: run a callable off the GUI thread, hear back on the GUI thread.

Database work goes through a pool of one thread, so two tasks never use the store at once and a
lock or sign-out queued behind a save waits for it. Work that does not touch the store (network,
later) may ask for the parallel pool.

Callbacks run on the GUI thread. If ``owner`` (usually the window that asked) has been deleted by
the time the work finishes, the callbacks are skipped: a window that closed does not want them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from centre_desk.domain.errors import CentreDeskError

ResultCallback = Callable[[Any], object]
ErrorCallback = Callable[[BaseException], object]


class _Call(QObject):
    """Lives on the GUI thread; the worker emits ``done`` and Qt queues the delivery back here."""

    done = Signal(object, object)

    def __init__(self, runner: TaskRunner, fn: Callable[[], Any], on_result: ResultCallback | None,
                 on_error: ErrorCallback | None, owner: QObject | None) -> None:
        super().__init__()
        self.runner = runner
        self.fn = fn
        self.on_result = on_result
        self.on_error = on_error
        self.owner = owner
        self.done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def _deliver(self, result: Any, error: BaseException | None) -> None:
        self.runner._finished(self)
        if self.owner is not None and not shiboken6.isValid(self.owner):
            return
        if error is None:
            if self.on_result is not None:
                self.on_result(result)
        elif self.on_error is not None:
            self.on_error(error)
        else:
            sys.excepthook(type(error), error, error.__traceback__)


class _Runnable(QRunnable):
    def __init__(self, call: _Call) -> None:
        super().__init__()
        self.call = call

    def run(self) -> None:
        try:
            result, error = self.call.fn(), None
        except Exception as exc:
            if isinstance(exc, CentreDeskError):
                # Expected errors are shown as messages; their frames (which may hold a password
                # the person typed) need not outlive the task.
                exc.__traceback__ = None
            result, error = None, exc
        self.call.done.emit(result, error)


class TaskRunner(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serial = QThreadPool(self)
        self._serial.setMaxThreadCount(1)
        self._parallel = QThreadPool(self)
        self._parallel.setMaxThreadCount(4)
        self._live: set[_Call] = set()

    def run(self, fn: Callable[[], Any], on_result: ResultCallback | None = None,
            on_error: ErrorCallback | None = None, *, owner: QObject | None = None,
            serial: bool = True) -> None:
        """Run ``fn()`` in the background; then ``on_result(value)`` or ``on_error(exc)`` here.

        Without ``on_error`` an exception goes to ``sys.excepthook`` (the app shows a generic
        message). ``serial=False`` is only for work that never touches the store.
        """
        call = _Call(self, fn, on_result, on_error, owner)
        self._live.add(call)
        (self._serial if serial else self._parallel).start(_Runnable(call))

    def _finished(self, call: _Call) -> None:
        self._live.discard(call)
        call.deleteLater()

    @property
    def busy(self) -> bool:
        """True until every task's callbacks have run."""
        return bool(self._live)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the background work is done (at shutdown), then deliver what is pending."""
        done = self._serial.waitForDone(timeout_ms) and self._parallel.waitForDone(timeout_ms)
        QCoreApplication.sendPostedEvents()
        return done
