"""Idle lock: one application-wide event filter, one single-shot timer, and the unlock prompt.

Any keyboard, mouse, wheel or touch input anywhere in the application restarts the timer; when it
runs out the main window locks (see ``MainWindow.lock``), which drops the store's key and puts the
lock screen in place of the person's work.

Shortly before that (``warning_seconds``: a fifth of the time, at most a minute) ``warning`` is
emitted, so the window can say so and offer "Stay signed in" (WCAG 2.2.1); any input then, or
``stay()``, restarts the timer and emits ``resumed``.
"""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import SignInFailed, SignInThrottled

from .a11y import announce
from .errors import describe
from .style import points
from .widgets import Countdown, MessageLabel, heading, line_edit, named, throttle_message

UNLOCK_FAILED = "Unlock failed. Check your password and try again."

_T = QEvent.Type
ACTIVITY = frozenset({
    _T.KeyPress, _T.KeyRelease, _T.ShortcutOverride,
    _T.MouseButtonPress, _T.MouseButtonRelease, _T.MouseButtonDblClick, _T.MouseMove, _T.HoverMove,
    _T.Wheel, _T.TouchBegin, _T.TouchUpdate, _T.TouchEnd, _T.TabletPress, _T.TabletMove,
    _T.InputMethod,
})
_MOVES = frozenset({_T.MouseMove, _T.HoverMove})


class IdleLock(QObject):
    """Emits ``idle`` once when no input has arrived for the armed number of seconds."""

    idle = Signal()
    warning = Signal(int)  # whole seconds left before the lock
    resumed = Signal()  # input arrived after a warning

    def __init__(self, app: QCoreApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.timeout.connect(self._timed_out)
        self._warn_timer = QTimer(self)
        self._warn_timer.setSingleShot(True)
        self._warn_timer.timeout.connect(self._warn)
        self._warned = False
        self._armed = False
        self._last_restart = 0.0
        self._granularity = 1.0
        app.installEventFilter(self)

    @property
    def armed(self) -> bool:
        return self._armed

    @property
    def timeout_seconds(self) -> float:
        return self._timer.interval() / 1000.0

    @property
    def warning_seconds(self) -> float:
        return min(60.0, self.timeout_seconds / 5)

    @property
    def warned(self) -> bool:
        return self._warned

    def arm(self, seconds: float) -> None:
        self._timer.setInterval(max(1, round(seconds * 1000)))
        self._warn_timer.setInterval(max(1, round((self.timeout_seconds - self.warning_seconds) * 1000)))
        # Restarting a timer on every mouse move is wasted work; restarting at most a few times
        # per timeout keeps the lock within a few percent of its nominal time.
        self._granularity = min(1.0, seconds / 20.0)
        self._armed = True
        self._restart()

    def disarm(self) -> None:
        self._armed = False
        self._timer.stop()
        self._warn_timer.stop()
        self._warned = False

    def stay(self) -> None:
        """Restart the wait at once (the warning's "Stay signed in")."""
        if self._armed:
            self._restart()

    def remove(self) -> None:
        self.disarm()
        self._app.removeEventFilter(self)

    def _restart(self) -> None:
        self._last_restart = time.monotonic()
        self._timer.start()
        self._warn_timer.start()
        if self._warned:
            self._warned = False
            self.resumed.emit()

    def _warn(self) -> None:
        if self._armed and self._timer.isActive():
            self._warned = True
            self.warning.emit(max(1, round(self._timer.remainingTime() / 1000)))

    def _timed_out(self) -> None:
        if self._armed:
            self._armed = False
            self._warn_timer.stop()
            self._warned = False
            self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (self._armed and event.type() in ACTIVITY
                and time.monotonic() - self._last_restart >= self._granularity
                # A warning bar appearing under a still mouse makes Qt send hover events of its own.
                and (event.spontaneous() or event.type() not in _MOVES)):
            self._restart()
        return False


def _warning_row(owner: QWidget, text_name: str, button_name: str, stay: SignalInstance) -> tuple[QLabel, QPushButton]:
    """The warning's words and its Stay signed in button, side by side in ``owner``."""
    text = QLabel()
    text.setObjectName(text_name)
    text.setWordWrap(True)
    button = named(QPushButton("Stay signed in"), button_name, "Stay signed in",
                   "Any key or mouse movement also keeps the desk unlocked")
    button.setAutoDefault(True)
    button.clicked.connect(stay)
    layout = QHBoxLayout(owner)
    layout.setContentsMargins(14, 8, 14, 8)
    layout.addWidget(text, 1)
    layout.addWidget(button)
    return text, button


class _WarningOverDialog(QFrame):
    """The same warning, over a modal dialog: the bar in the main window cannot take the focus
    while a dialog is modal, and may be hidden behind it. A child of that dialog, not modal itself,
    so its button takes clicks and keys while the dialog stays open. A frame, not a QDialog: a
    dialog gives its default button the focus as it shows, which would take a typist's keys."""

    def __init__(self, bar: IdleWarning, over: QWidget, *, take_focus: bool = True) -> None:
        flags = Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint
        if not take_focus:  # someone typing: the window system must not give it their keys
            flags |= Qt.WindowType.WindowDoesNotAcceptFocus
        super().__init__(over, flags)
        self.setObjectName("idleWarningOverDialog")
        self.setWindowTitle("The desk is about to lock")
        self.setAccessibleName("The desk is about to lock")
        self.setStyleSheet(bar.styleSheet().replace("#idleWarning ", "#idleWarningOverDialog "))
        self.text, self.stay_button = _warning_row(self, "idleWarningOverDialogText",
                                                   "staySignedInOverDialogButton", bar.stay_requested)
        self.text.setText(bar.text.text())
        self.text.setMinimumWidth(round(points(300)))
        self.stay_button.setDefault(True)

    def place(self) -> None:
        """Across the top of the dialog it warns about, so it is seen where the person looks."""
        owner = self.parentWidget()
        if owner is None:
            return
        self.adjustSize()
        width = max(self.sizeHint().width(), min(owner.width(), round(points(520))))
        self.resize(width, self.sizeHint().height())
        top = owner.mapToGlobal(owner.rect().topLeft())
        self.move(top.x() + (owner.width() - width) // 2, top.y() + 8)


class IdleWarning(QFrame):
    """"The desk locks in N seconds": a bar across the top of the window, with Stay signed in.

    The bar takes the focus (and gives it back after) unless the person was in a text box: the
    first key they type on their return must land in their text, not on the bar's button (any
    key keeps the desk unlocked anyway, and the bar says so)."""

    stay_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idleWarning")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#idleWarning { background: #fff4e0; border: 2px solid #8a5a00; }"
                           "#idleWarning QLabel { color: #3a2a00; font-weight: bold; }")
        self.text, self.stay_button = _warning_row(self, "idleWarningText", "staySignedInButton",
                                                   self.stay_requested)
        self._countdown = Countdown(self._tick, lambda: None, self)
        self.focus_before: QWidget | None = None
        self.over_dialog: _WarningOverDialog | None = None
        self.setVisible(False)

    @property
    def showing(self) -> bool:
        """The warning is up: as the bar, or over a modal dialog."""
        return self.isVisible() or self.over_dialog is not None

    def _tick(self, remaining: int) -> None:
        unit = "second" if remaining == 1 else "seconds"
        self.text.setText(f"The desk will lock in {remaining} {unit} because it has not been used. "
                          "Press a key or choose Stay signed in to keep working.")
        self.text.setAccessibleDescription(self.text.text())
        if self.over_dialog is not None:
            self.over_dialog.text.setText(self.text.text())
            self.over_dialog.text.setAccessibleDescription(self.text.text())

    def warn(self, seconds: int) -> None:
        focus = QApplication.focusWidget()
        typing = focus is not None and focus.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
        modal = QApplication.activeModalWidget()
        over = modal if modal is not None and not modal.isAncestorOf(self) else None
        self.focus_before = focus if focus is not None and focus is not self.stay_button else None
        self._countdown.start(seconds)
        self.setVisible(True)
        if over is not None:
            popup = self.over_dialog = _WarningOverDialog(self, over, take_focus=not typing)
            popup.text.setAccessibleDescription(self.text.text())
            # Typing in the dialog: the warning shows without taking the focus from their text.
            popup.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, typing)
            popup.place()
            popup.show()
            button = popup.stay_button
        else:
            button = self.stay_button
        announce(button, self.text.text(), urgent=True)
        if typing and over is not None and focus is not None:
            # Some window systems activate a new window all the same: give the text box back.
            self._keep_typing(focus)
            QTimer.singleShot(0, lambda: self._keep_typing(focus))
        if not typing:
            if over is not None:
                button.window().activateWindow()
            button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _keep_typing(self, focus: QWidget) -> None:
        if shiboken6.isValid(focus) and focus.isVisible() and QApplication.focusWidget() is not focus:
            focus.window().activateWindow()
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def dismiss(self) -> None:
        """Hide, and give the focus back to where it was."""
        if not self.showing:
            return
        self._countdown.stop()
        popup, self.over_dialog = self.over_dialog, None
        had_focus = self.stay_button.hasFocus() or (popup is not None and popup.stay_button.hasFocus())
        self.setVisible(False)
        if popup is not None:
            popup.hide()
            popup.deleteLater()
        before, self.focus_before = self.focus_before, None
        if had_focus and before is not None and shiboken6.isValid(before) and before.isVisible():
            before.window().activateWindow()
            before.setFocus(Qt.FocusReason.OtherFocusReason)


class LockScreen(QWidget):
    """Password only, for the person who was signed in; or sign out and let someone else in."""

    unlock_requested = Signal(str)
    sign_out_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAccessibleName("Locked")
        self._busy = False

        self.title = heading("Centre Desk is locked", 20, "lockTitle")
        self.reason = QLabel()
        self.reason.setObjectName("lockReason")
        self.reason.setWordWrap(True)
        self.who = QLabel()
        self.who.setObjectName("lockUser")
        self.who.setTextFormat(Qt.TextFormat.PlainText)
        self.who.setWordWrap(True)
        self.password = line_edit("unlockPassword", "Password", password=True, max_length=1024)
        self.password.returnPressed.connect(self._submit)
        self.message = MessageLabel("unlockMessage")
        self.busy = QProgressBar()
        self.busy.setObjectName("unlockBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setVisible(False)
        self.unlock_button = named(QPushButton("Unlock"), "unlockButton", "Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        self.sign_out_button = named(QPushButton("Sign out instead"), "signOutInsteadButton",
                                     "Sign out instead",
                                     "Sign out so that someone else can sign in at this desk")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        for button in (self.unlock_button, self.sign_out_button):
            button.setMinimumHeight(36)
        self._countdown = Countdown(self._tick, self._wait_over, self)
        self._build()
        self.setTabOrder(self.password, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.sign_out_button)

    def _build(self) -> None:
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(round(points(520)))  # wider with larger text, so the words fit
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)
        inner.addWidget(self.title)
        inner.addWidget(self.reason)
        inner.addWidget(self.who)
        label = QLabel("&Password")
        label.setBuddy(self.password)
        inner.addWidget(label)
        inner.addWidget(self.password)
        inner.addWidget(self.busy)
        inner.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner.addLayout(buttons)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def prepare(self, username: str, reason: str) -> None:
        """Reset for a new lock: empty password, the right words, focus in the password field."""
        self.who.setText(f"Signed in as {username}. Enter your password to carry on where you left off.")
        self.reason.setText(
            "It locked itself after a time without use, so that nobody passing can read the records."
            if reason == "idle" else "You locked it. The records stay hidden until you unlock."
        )
        self.password.clear()
        if not self._countdown.running:
            self.message.clear_message()
        self.set_busy(False)
        self.password.setFocus()

    def _submit(self) -> None:
        if self._busy or self._countdown.running:
            return
        password = self.password.text()
        if not password:
            self.message.show_problem("Enter your password.")
            return
        self.password.clear()
        self.set_busy(True)
        self.unlock_requested.emit(password)

    def set_busy(self, busy: bool, doing: str = "Unlocking…") -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.password.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy and not self._countdown.running)
        self.sign_out_button.setEnabled(not busy)
        if busy:
            self.message.show_info(doing)

    def show_leaving(self) -> None:
        self.title.setText("Signing out…")
        self.reason.clear()
        self.who.clear()
        self._countdown.stop()
        self.set_busy(True, "Signing out…")

    def show_failure(self, error: BaseException) -> None:
        self.set_busy(False)
        if isinstance(error, SignInThrottled):
            self._countdown.start(error.wait_seconds)
        elif isinstance(error, SignInFailed):
            self.message.show_problem(UNLOCK_FAILED)
        else:
            self.message.show_problem(describe(error))
        self.password.setFocus()

    def _tick(self, remaining: int) -> None:
        self.message.show_problem(throttle_message(remaining))
        self.unlock_button.setEnabled(False)

    def _wait_over(self) -> None:
        self.message.clear_message()
        self.unlock_button.setEnabled(not self._busy)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.password.clear()
            event.accept()
            return
        super().keyPressEvent(event)
