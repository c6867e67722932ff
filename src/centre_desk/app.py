"""``centre-desk``: the desktop application's composition root.

Startup is kept short by importing only what the first window needs (Qt widgets and the light
service modules). SQLAlchemy, SQLCipher and the key-slot code are imported by a background task
once that window is on screen, while the person is still typing their password.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

_IMPORTED_AT = time.perf_counter()

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from centre_desk.services.documents import DocumentRenderer
    from centre_desk.services.ports import SyncServer
    from centre_desk.ui.context import AppContext, StoreParts

APP_NAME = "Centre Desk"
BENCH_ENV = "CENTRE_DESK_BENCH_EXIT"

log = logging.getLogger("centre_desk")

# What the background warm-up imports: everything that signing in and opening the main window
# would otherwise import on the spot, in the order they depend on one another.
WARM_MODULES = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.sqlite",
    "sqlcipher3",
    "argon2",
    "cryptography.hazmat.primitives.ciphers.aead",
    "centre_desk.storage.store",
    "centre_desk.storage.unit_of_work",
    "centre_desk.storage.repositories",
    "centre_desk.storage.search_index",
    "centre_desk.formspec.profiles",
)
# Imported next, while a sign-in pressed at once is deriving its key (Argon2 releases the GIL):
# the main window and the household desk it builds on the GUI thread as soon as the key is there.
WARM_WINDOW_MODULES = (
    "centre_desk.ui.main_window",
    "centre_desk.ui.desk",
    "centre_desk.ui.household_view",
    "centre_desk.ui.household_form",
    "centre_desk.ui.search",
    "centre_desk.formspec.submission",
)


def process_age() -> float:
    """Seconds since this process started (Linux: from /proc), else since this module was imported."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            stat = fh.read()
        # Field 22 is the start time in clock ticks since boot; the command name (field 2) may hold
        # spaces, so count from the closing bracket after it.
        start_ticks = int(stat[stat.rindex(b")") + 2:].split()[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _IMPORTED_AT


def store_present(data_dir: Path) -> bool:
    """Whether set-up has been done here: the same test as ``DataDirectory.exists``.

    Asked before the first window, where importing the storage package (and with it SQLAlchemy
    and SQLCipher) would cost half a second; ``tests/ui/test_app.py`` keeps the two in step.
    """
    return (data_dir / "keyslots.json").exists() or (data_dir / "store.db").exists()


def build_parts(data_dir: Path) -> StoreParts:
    from centre_desk.storage.archive import StoreBackups
    from centre_desk.ui.context import StoreParts
    from centre_desk.wiring import Wiring

    wiring = Wiring(data_dir)
    return StoreParts(wiring.gate, wiring.throttle, wiring.clock, wiring.passwords,
                      release=wiring.release, usernames=wiring.usernames, backups=StoreBackups(data_dir))


def build_renderer() -> DocumentRenderer:
    """The PDF renderer behind ``services.documents``, with its fonts loaded (ReportLab: ~0.5 s)."""
    from centre_desk.printing.renderer import PdfRenderer

    renderer = PdfRenderer()
    renderer.warm_up()
    return renderer


WINDOW_SYNC_TIMEOUT = 20.0  # seconds: a lock or sign-out waits at most this long for a hung server


def connect_sync(config: dict[str, str], username: str) -> SyncServer:
    """The window's way to the sync server (``services.sync.Connect``)."""
    from centre_desk.sync.client import SyncClient

    return SyncClient(config["server_url"], config["token"], username, timeout=WINDOW_SYNC_TIMEOUT,
                      pin=config.get("pin") or None)


def warm_up(context: AppContext) -> None:
    """Import the heavy modules and build the store adapters. Runs as a background task."""
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)
    context.parts()
    for name in WARM_WINDOW_MODULES:
        importlib.import_module(name)


def start_warm_up(context: AppContext, then: Callable[[object], object] | None = None) -> None:
    """Start the warm-up beside the store's queue, not on it: a Sign in pressed the moment the
    window appears then starts at once instead of waiting for every import, and needs only the
    ones it cannot do without (Python's import lock makes it wait for a module the warm-up is
    importing rather than import it twice). It touches no store, so it may run in parallel."""
    context.tasks.run(lambda: warm_up(context), then, on_error=lambda error: log.warning(
        "warm-up failed: %s", type(error).__name__), serial=False)


# -- errors nobody caught ---------------------------------------------------------------------------

_showing_error = threading.Lock()


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    from centre_desk.ui.errors import log_unexpected

    # The type and where, never the message: messages of unexpected errors may hold personal data.
    log_unexpected(exc_type, tb)
    if threading.current_thread() is not threading.main_thread():
        return
    from PySide6.QtWidgets import QApplication, QMessageBox

    from centre_desk.ui.errors import UNEXPECTED

    if QApplication.instance() is None or not _showing_error.acquire(blocking=False):
        return
    try:
        box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, UNEXPECTED, QMessageBox.StandardButton.Ok,
                          QApplication.activeWindow())
        box.setObjectName("unexpectedErrorMessage")
        box.setAccessibleName("Error message")
        box.exec()
    finally:
        _showing_error.release()


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    from centre_desk.ui.errors import log_unexpected

    log_unexpected(args.exc_type, args.exc_traceback)


def install_excepthook() -> None:
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook


# -- start ----------------------------------------------------------------------------------------

def _parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="centre-desk", description="Centre Desk: the desktop application.")
    parser.add_argument("--data-dir", help="the folder holding this desk's encrypted store "
                        "(default: $CENTRE_DESK_DATA, else the per-user data folder)")
    parser.add_argument("--training", action="store_true",
                        help="open this desk's training store (in '<data dir>-training') instead of the real one")
    return parser.parse_known_args(argv)


def when_painted(window: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` once, after the window's first paint: when a person could see it."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                QTimer.singleShot(0, then)
            return False

    watcher = FirstPaint(window)
    window.installEventFilter(watcher)


def main(argv: Sequence[str] | None = None) -> int:
    from centre_desk.security.process import harden

    harden()  # no core dumps, not dumpable: before any password or key is in memory
    args, qt_args = _parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from centre_desk.services.training import training_data_dir
    from centre_desk.wiring import resolve_data_dir

    data_dir = resolve_data_dir(args.data_dir)
    training_dir = training_data_dir(data_dir)
    if args.training:
        data_dir = training_dir

    from centre_desk.ui.platform_libraries import platform_problem

    problem = platform_problem(os.environ, qt_args)
    if problem is not None:
        # Instead of Qt's "could not load the Qt platform plugin ... even though it was found".
        print(f"centre-desk: {problem}", file=sys.stderr)
        return 1

    from PySide6.QtWidgets import QApplication

    from centre_desk.ui.context import AppContext
    from centre_desk.ui.gc_guard import GuiThreadCollector
    from centre_desk.ui.shell import AppShell
    from centre_desk.ui.tasks import TaskRunner
    from centre_desk.ui.widgets import apply_theme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)  # the shell quits, after signing out
    apply_theme(app)
    install_excepthook()
    collector = GuiThreadCollector(app)  # noqa: F841 - lives as long as the application

    tasks = TaskRunner()
    context = AppContext(data_dir, lambda: build_parts(data_dir), tasks, renderer=build_renderer)
    context.sync_connect = connect_sync  # the training store is never enrolled: it gets none
    if training_dir != data_dir:
        # Offered by the set-up wizard: a practice store beside the real one.
        context.training = AppContext(training_dir, lambda: build_parts(training_dir), tasks,
                                      renderer=build_renderer)
    shell = AppShell(context)
    window = shell.start(first_run=not store_present(data_dir))

    bench = os.environ.get(BENCH_ENV, "")

    def shown() -> None:
        if bench == "shown":
            print(json.dumps({
                "window": window.objectName(),
                "since_process_start_s": round(process_age(), 4),
                "since_app_import_s": round(time.perf_counter() - _IMPORTED_AT, 4),
                "storage_imported": "sqlalchemy" in sys.modules or "centre_desk.storage.store" in sys.modules,
            }), flush=True)
            app.quit()
            return
        def warm_printing(_done: object) -> None:
            # ReportLab and the fonts for the first print: after the store's warm-up (so the two do
            # not import side by side) and off the store's queue, so signing in never waits for it.
            tasks.run(context.renderer, on_error=lambda error: log.warning(
                "printing warm-up failed: %s", type(error).__name__), serial=False)

        start_warm_up(context, warm_printing)

    when_painted(window, shown)
    try:
        return app.exec()
    finally:
        shell.shutdown()


if __name__ == "__main__":
    sys.exit(main())
