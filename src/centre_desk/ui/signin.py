"""The sign-in window: the first thing staff see on a desk that has been set up.

Nothing inside the store can be read before sign-in, so this window shows only the application's
name and which data folder it will open; it never says whether the username or the password was
wrong.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import SignInThrottled
from centre_desk.services.auth import sign_in
from centre_desk.services.backup import RestoreResult

from .context import AppContext, SignedIn, read_workplace, remember_centre_name, remembered_centre_name
from .errors import describe
from .help import install_help
from .widgets import (
    APP_NAME,
    Countdown,
    MessageLabel,
    friendly_path,
    heading,
    line_edit,
    named,
    note,
    throttle_message,
)


class SignInWindow(QDialog):
    """Emits ``signed_in(SignedIn)``; closing it (or Esc twice) emits ``rejected``."""

    signed_in = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_help(self, "signin")
        self._context = context
        self._busy = False
        self.setObjectName("signInWindow")
        self.setAccessibleName("Sign in")
        # Which centre's desk this is, before anyone signs in (the name is kept outside the store).
        self.centre_name = remembered_centre_name(context.data_dir)
        self.setWindowTitle(f"{APP_NAME} — {self.centre_name} — Sign in" if self.centre_name
                            else f"{APP_NAME} — Sign in")
        self.setModal(False)

        self.username = line_edit("username", "Username", max_length=64)
        self.password = line_edit("password", "Password", password=True, max_length=1024)
        self.message = MessageLabel("signInMessage")
        self.sign_in_button = named(QPushButton("Sign in"), "signInButton", "Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAutoDefault(True)
        self.sign_in_button.setMinimumHeight(36)
        self.sign_in_button.clicked.connect(self.submit)
        self.busy = QProgressBar()
        self.busy.setObjectName("signInBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setVisible(False)
        self._countdown = Countdown(self._tick, self._wait_over, self)

        # IT's way back after a lost or broken store: never the default button (Enter signs in).
        self.restore_button = named(QPushButton("Restore from a backup…"), "restoreBackupButton",
                                    "Restore from a backup", "Administrators: put a backup of this desk's "
                                    "records in place of the ones here")
        self.restore_button.setAutoDefault(False)
        self.restore_button.clicked.connect(self.open_restore)
        self.restore_dialog: QDialog | None = None

        self._build()
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.sign_in_button)
        self.setTabOrder(self.sign_in_button, self.restore_button)
        self.username.setFocus()

    def _build(self) -> None:
        card = QFrame()
        card.setObjectName("signInCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)
        inner.addWidget(heading(APP_NAME, 22, "appTitle"))
        if self.centre_name:
            centre = heading(self.centre_name, 15, "signInCentre", level=2)
            centre.setTextFormat(Qt.TextFormat.PlainText)
            centre.setWordWrap(True)
            inner.addWidget(centre)
        intro = QLabel("Sign in to open this desk's records.")
        intro.setWordWrap(True)
        inner.addWidget(intro)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setVerticalSpacing(6)
        user_label = QLabel("&Username")
        user_label.setBuddy(self.username)
        pass_label = QLabel("&Password")
        pass_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(pass_label, self.password)
        inner.addLayout(form)
        inner.addWidget(self.busy)
        inner.addWidget(self.message)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)
        inner.addLayout(buttons)
        more = QHBoxLayout()
        more.addStretch(1)
        more.addWidget(self.restore_button)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 32, 32, 20)
        outer.addWidget(card)
        outer.addLayout(more)
        outer.addStretch(1)
        folder = note(f"Data folder: {friendly_path(self._context.data_dir)}", "dataFolderLabel")
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        outer.addWidget(folder)
        # On the card, not the window: a window given a minimum size of its own no longer takes
        # its layout's, and at a large text size the labels were squeezed to slivers.
        card.setMinimumWidth(456)

    # -- restoring ----------------------------------------------------------------------------

    def open_restore(self) -> QDialog | None:
        if self._busy:
            return None
        from .admin.backup_page import RestoreDialog, restored_words

        dialog = RestoreDialog(self._context, self)

        def restored(result: RestoreResult) -> None:
            self.message.show_info(restored_words(result))
            self.username.setFocus()

        dialog.restored.connect(restored)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.restore_dialog = dialog
        return dialog

    # -- signing in ---------------------------------------------------------------------------

    def submit(self) -> None:
        if self._busy or self._countdown.running:
            return
        username = self.username.text().strip()
        password = self.password.text()
        if not username:
            self.message.show_problem("Enter your username.")
            self.username.setFocus()
            return
        if not password:
            self.message.show_problem("Enter your password.")
            self.password.setFocus()
            return
        # The field is emptied at once: the password lives on only in the task that needs it.
        self.password.clear()
        self._set_busy(True)
        context = self._context

        def work() -> SignedIn:
            parts = context.parts()
            session = sign_in(parts.gate, parts.throttle, parts.clock, username, password, release=parts.release)
            try:
                signed_in = SignedIn(session, read_workplace(session, context.profiles))
            except BaseException:
                session.store.lock()
                raise
            remember_centre_name(context.data_dir, signed_in.workplace.centre_name)
            return signed_in

        context.tasks.run(work, self._succeeded, self._failed, owner=self)

    def _succeeded(self, result: SignedIn) -> None:
        self._set_busy(False)
        self.message.clear_message()
        self.signed_in.emit(result)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, SignInThrottled):
            self._countdown.start(error.wait_seconds)
        else:
            # SignInFailed reads the same whichever detail was wrong; anything else is described
            # in plain words without its own message if it was unexpected.
            self.message.show_problem(describe(error))
        self.password.setFocus()

    def _tick(self, remaining: int) -> None:
        self.message.show_problem(throttle_message(remaining))
        self.sign_in_button.setEnabled(False)

    def _wait_over(self) -> None:
        self.message.clear_message()
        self.sign_in_button.setEnabled(True)
        self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.username.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy and not self._countdown.running)
        self.sign_in_button.setDefault(True)
        if busy:
            self.message.show_info("Signing in…")

    # -- keys ---------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Esc empties the password rather than closing the window: a stray Esc at a busy desk
        # should not quit the app. Closing the window (or Esc on empty fields) does.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Handled here rather than left to QDialog's default-button search, which loses track
            # of the default button after it has been disabled and enabled again during a sign-in.
            self.submit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and (self.password.text() or self.message.text()):
            self.password.clear()
            if not self._countdown.running:
                self.message.clear_message()
            self.password.setFocus()
            event.accept()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self._busy:
            return  # a sign-in is under way; it finishes in a moment
        super().reject()
