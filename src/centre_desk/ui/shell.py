"""Which window is up: set-up on first run, else sign-in; the main window once signed in; back to
sign-in after signing out. The shell owns the one idle-lock filter and hands it to each main window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from centre_desk.services import auth
from centre_desk.services.session import DeskSession

from .context import AppContext, SignedIn
from .idle_lock import IdleLock
from .setup_wizard import SetupWizard
from .signin import SignInWindow
from .widgets import APP_NAME

if TYPE_CHECKING:
    # Imported when someone signs in (the app's warm-up imports it in the background first): the
    # main window pulls in the household desk, forms and JSON Schema, about 0.6 s that would
    # otherwise come before the sign-in window could show.
    from .main_window import MainWindow

MAIN_WINDOW_SIZE = (1280, 780)


def _end_session(session: DeskSession) -> None:
    """Sign out (audited), and drop the key even if the audit entry cannot be written."""
    try:
        auth.sign_out(session)
    finally:
        if not session.store.locked:
            session.store.lock()


def place(window: QWidget, size: tuple[int, int] | None = None) -> None:
    """Size the window to fit the screen it will appear on, and centre it there."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    if size is not None:
        window.resize(min(size[0], area.width() - 24), min(size[1], area.height() - 48))
    else:
        window.adjustSize()
    layout = window.layout()
    if layout is not None and layout.hasHeightForWidth():
        # Qt sizes a window by its layout's minimum for no particular width; wrapped text at a
        # large text size needs more height at the width the window has, or it is squeezed.
        need = layout.totalHeightForWidth(window.width())
        if need > window.height():
            window.resize(window.width(), min(need, area.height()))
    frame = window.frameGeometry()
    frame.moveCenter(area.center())
    window.move(frame.topLeft())


def tell(window: QWidget, message: str) -> QMessageBox:
    """Why the person is back at the start (the sync server refused this device or them)."""
    box = QMessageBox(QMessageBox.Icon.Information, APP_NAME, message, QMessageBox.StandardButton.Ok, window)
    box.setObjectName("farewellMessage")
    box.setAccessibleName("Signed out")
    box.setAccessibleDescription(message)
    box.finished.connect(lambda _r: box.deleteLater())
    box.open()
    return box


class AppShell(QObject):
    window_changed = Signal(QWidget)

    def __init__(self, context: AppContext, *, idle: IdleLock | None = None,
                 quit_app: Callable[[], None] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QApplication.instance()
        assert isinstance(app, QApplication), "create the QApplication first"
        self.context = context
        self.idle = idle or IdleLock(app, self)
        self._quit_app = quit_app or app.quit
        self.window: QWidget | None = None
        self.main_window: MainWindow | None = None
        self._quitting = False

    def start(self, first_run: bool) -> QWidget:
        return self.show_setup() if first_run else self.show_sign_in()

    def show_setup(self) -> SetupWizard:
        wizard = SetupWizard(self.context)
        wizard.completed.connect(lambda signed_in: self._set_up(wizard, signed_in))
        wizard.rejected.connect(self.quit)
        self._switch_to(wizard)
        return wizard

    def _set_up(self, wizard: SetupWizard, signed_in: SignedIn) -> None:
        # A training store lives in its own data directory: from now on the shell works there
        # (unlocking after an idle lock, signing in again).
        self.context = wizard.context
        self.open_main(signed_in)

    def show_sign_in(self) -> SignInWindow:
        window = SignInWindow(self.context)
        window.signed_in.connect(self.open_main)
        window.rejected.connect(self.quit)
        self._switch_to(window)
        return window

    def open_main(self, signed_in: SignedIn) -> MainWindow:
        from .main_window import MainWindow

        window = MainWindow(self.context, signed_in, self.idle)
        window.sign_out_requested.connect(self._sign_out)
        window.quit_requested.connect(self.quit)
        self.main_window = window
        self._switch_to(window, MAIN_WINDOW_SIZE)
        return window

    def _switch_to(self, window: QWidget, size: tuple[int, int] | None = None) -> None:
        old, self.window = self.window, window
        place(window, size)
        window.show()
        if QGuiApplication.platformName() not in ("offscreen", "minimal"):
            window.raise_()
        window.activateWindow()
        if old is not None:
            # Shown before the old one goes, so there is never a moment with no window at all.
            old.blockSignals(True)
            old.hide()
            old.deleteLater()
        self.window_changed.emit(window)

    def _finish_session(self, then: Callable[[], object]) -> None:
        main, self.main_window = self.main_window, None
        if main is None:
            then()
            return
        session = main.session
        wait_for_sync = main.stop_background()

        def end() -> None:
            wait_for_sync()
            _end_session(session)

        self.context.tasks.run(end, lambda _none: then(), lambda _error: then())

    def _sign_out(self) -> None:
        farewell = self.main_window.farewell if self.main_window is not None else ""

        def next_window() -> None:
            # A device revoked on the sync server has no store any more: back to set-up.
            window = self.start(first_run=not self.context.parts().gate.exists())
            if farewell:
                tell(window, farewell)

        self._finish_session(next_window)

    def quit(self) -> None:
        if self._quitting:
            return
        self._quitting = True
        self._finish_session(self._quit_app)

    def shutdown(self) -> None:
        """At exit: let running work finish, and make sure no session is left unlocked."""
        if self.main_window is not None:
            self.main_window.stop_background()
        self.context.tasks.wait()
        main, self.main_window = self.main_window, None
        if main is not None:
            _end_session(main.session)
        self.idle.remove()
