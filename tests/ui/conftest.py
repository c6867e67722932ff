"""UI fixtures: a context around the test's own data directory, and a shell that does not quit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from centre_desk.ui.context import AppContext, SignedIn, StoreParts, read_workplace
from centre_desk.ui.shell import AppShell
from centre_desk.ui.tasks import TaskRunner


def make_context(data_dir: Path, tasks: TaskRunner, *, online_sign_in: bool = False, **options: float) -> AppContext:
    """``online_sign_in``: as the app, a member with no key slot on an enrolled desk signs in online."""
    from centre_desk.printing.renderer import PdfRenderer
    from centre_desk.storage.archive import StoreBackups
    from centre_desk.wiring import Wiring

    wiring = Wiring(data_dir)
    parts = StoreParts(wiring.gate, wiring.throttle, wiring.clock, wiring.passwords,
                       release=wiring.release if online_sign_in else None,
                       usernames=wiring.usernames, backups=StoreBackups(data_dir))
    return AppContext(data_dir, parts, tasks,
                      idle_lock_seconds=options.get("idle_lock_seconds"), renderer=PdfRenderer)


@pytest.fixture(scope="session", autouse=True)
def desk_theme(qapp):  # type: ignore[no-untyped-def]
    """The application style the app sets (``ui/style.py``): tests see what a person sees."""
    from centre_desk.ui.style import apply_theme

    apply_theme(qapp)
    return qapp


@pytest.fixture(autouse=True)
def gui_thread_gc(qapp):  # type: ignore[no-untyped-def]
    """As in the app: cycles (which may hold Qt objects) are collected on the GUI thread only."""
    from centre_desk.ui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector()
    yield
    collector.stop()
    import gc

    gc.collect()


@pytest.fixture
def tasks(qtbot) -> Iterator[TaskRunner]:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    yield runner
    runner.wait(20_000)


class QuitRecorder:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def quits() -> QuitRecorder:
    return QuitRecorder()


@pytest.fixture
def shell_factory(qtbot, quits: QuitRecorder) -> Iterator:  # type: ignore[no-untyped-def]
    shells: list[AppShell] = []

    def make(context: AppContext) -> AppShell:
        shell = AppShell(context, quit_app=quits)
        shells.append(shell)
        return shell

    yield make
    for shell in shells:
        shell.shutdown()
        if shell.window is not None:
            shell.window.hide()
            shell.window.deleteLater()
    QApplication.processEvents()


def sign_in_directly(context: AppContext, username: str, password: str) -> SignedIn:
    from centre_desk.services.auth import sign_in

    parts = context.parts()
    session = sign_in(parts.gate, parts.throttle, parts.clock, username, password)
    return SignedIn(session, read_workplace(session, context.profiles))


# -- driving the app as a person would: keys go to whatever has the focus -------------------------

def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def _await_focus(qtbot) -> QWidget:  # type: ignore[no-untyped-def]
    # A person waits for the cursor to come back after a dialog closes; on a loaded machine the
    # window's activation (and with it the focus) can arrive a moment after the dialog has gone.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    return focused()


def type_text(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(_await_focus(qtbot), text)


def press(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(_await_focus(qtbot), key, modifier)


def show_and_focus(qtbot, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


@pytest.fixture
def family(store):  # type: ignore[no-untyped-def]
    """A parent and a young child, registered before the desk opens: (household id, parent id, child id)."""
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.households import register_household
    from centre_desk.wiring import Wiring
    from tests.conftest import ADMIN, ADMIN_PASSWORD

    wiring = Wiring(store.data_dir)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    household = register_household(session, {
        "address_line1": "1 Sea Road", "town": "Clevedon", "postcode": "BS21 7AA",
        "members": [
            {"first_name": "Ioana", "last_name": "Rădulescu", "role": "parent", "date_of_birth": "1990-01-01"},
            {"first_name": "Zoë", "last_name": "Rădulescu", "role": "child", "date_of_birth": "2023-05-03"},
        ],
    })
    sign_out(session)
    parent, child = household.members
    return household.id, parent.id, child.id


def modal(qtbot, kind: type[QWidget]) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), kind), timeout=10_000)
    widget = QApplication.activeModalWidget()
    assert isinstance(widget, kind)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=5000)
    return widget


def tab_to(qtbot, accessible_name: str, limit: int = 60) -> QWidget:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        if focused().accessibleName() == accessible_name:
            return focused()
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {accessible_name!r}; stuck at {focused().accessibleName()!r}")


def choose(qtbot, question: QWidget, accessible_name: str) -> None:  # type: ignore[no-untyped-def]
    """Answer a question about the person's work as the keyboard does: after the moment in which
    keys are ignored, Tab to the button and press Space (no letter alone answers one)."""
    from centre_desk.ui.questions import TYPE_AHEAD_MS

    qtbot.waitUntil(lambda: QApplication.activeWindow() is question, timeout=5000)
    qtbot.wait(TYPE_AHEAD_MS + 50)
    tab_to(qtbot, accessible_name, limit=10)
    press(qtbot, Qt.Key.Key_Space)
