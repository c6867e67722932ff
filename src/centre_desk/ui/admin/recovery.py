"""The recovery key in the window (administrators): a warning on the start page when the key is
missing or made before key rotation (``services.keys.recovery_key_state``), and "Make a new
recovery key", shown once with Copy and Print (a recovery sheet through the print preview)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.services.documents import DocumentRenderer
from centre_desk.services.keys import RECOVERY_ADVICE, RECOVERY_OK, recovery_key_state, renew_recovery_key
from centre_desk.services.session import DeskSession

from ..errors import show_error
from ..print_actions import DocumentPrinter
from ..questions import Answer, SafeQuestion
from ..tasks import TaskRunner
from ..widgets import heading, named, note

Session = Callable[[], DeskSession]


class RecoveryKeyPanel(QFrame):
    """Hidden while the recovery key is fine; otherwise says why it needs renewing and offers it."""

    make_requested = Signal()

    def __init__(self, tasks: TaskRunner, session: Session, renderer: Callable[[], DocumentRenderer],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session = tasks, session
        self.setObjectName("recoveryKeyPanel")
        self.setAccessibleName("Recovery key warning")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#recoveryKeyPanel { background: #fff4e0; border: 1px solid #d08a00; }"
                           "#recoveryKeyPanel QLabel { color: #3a2a00; }")
        self.title = heading("The recovery key needs renewing", 14, "recoveryKeyWarningHeading")
        self.words = QLabel()
        self.words.setObjectName("recoveryKeyAdvice")
        self.words.setWordWrap(True)
        self.words.setTextFormat(Qt.TextFormat.PlainText)
        self.button = named(QPushButton("Make a new recovery key…"), "recoveryKeyMake", "Make a new recovery key")
        self.button.clicked.connect(self.make_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.words)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.state = ""
        self.hide()

    def refresh(self) -> None:
        session = self._session()

        def shown(state: str) -> None:
            self.state = state
            advice = RECOVERY_ADVICE.get(state, "")
            self.words.setText(advice)
            self.words.setAccessibleDescription(advice)
            self.setVisible(state != RECOVERY_OK)

        self._tasks.run(lambda: recovery_key_state(session), shown, lambda _error: None, owner=self)


class NewRecoveryKeyDialog(QDialog):
    """Shows the new key once. Copy puts it on the clipboard (cleared again when the dialog closes,
    if it still holds the key); Print makes the recovery sheet."""

    def __init__(self, key: str, printer: DocumentPrinter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = key
        self._printer = printer
        self.setObjectName("newRecoveryKeyDialog")
        self.setAccessibleName("New recovery key")
        self.setWindowTitle("New recovery key")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        warning = QLabel("Write the key down or print it now, and keep it in a locked place away from this "
                         "computer. It is shown only this once. The old recovery key no longer opens the store.")
        warning.setObjectName("newRecoveryKeyWarning")
        warning.setWordWrap(True)
        # A read-only line: focusable with the desk's focus ring, its text read out as its value,
        # selectable with the keyboard (the key is also spelled out letter by letter).
        self.key = named(QLineEdit(key), "newRecoveryKey", "Recovery key", " ".join(key))
        self.key.setReadOnly(True)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(self.font().pointSizeF() * 1.3)
        self.key.setFont(font)
        self.key.setMinimumHeight(self.key.fontMetrics().height() * 2)
        self.copy_button = named(QPushButton("&Copy"), "newRecoveryKeyCopy", "Copy the recovery key")
        self.print_button = named(QPushButton("&Print the recovery sheet…"), "newRecoveryKeyPrint",
                                  "Print the recovery sheet")
        self.stored = named(QCheckBox("I have &stored the recovery key"), "newRecoveryKeyStored",
                            "I have stored the recovery key")
        self.close_button = named(QPushButton("C&lose"), "newRecoveryKeyClose", "Close")
        self.close_button.setEnabled(False)
        self.stored.toggled.connect(self.close_button.setEnabled)
        self.copy_button.clicked.connect(self.copy)
        self.print_button.clicked.connect(lambda: self._printer.recovery_sheet(self._key))
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addWidget(self.key)
        layout.addWidget(note("The key uses only capital letters and the digits 2 to 9, so that it cannot be "
                              "misread from paper.", "newRecoveryKeyNote"))
        layout.addLayout(buttons)
        layout.addWidget(self.stored)
        self.setMinimumWidth(520)
        self.key.setFocus()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self._key)
        self.copy_button.setText("Copied")

    def reject(self) -> None:
        # Esc must not lose a key nobody has written down yet.
        if self.stored.isChecked():
            super().reject()

    def done(self, result: int) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard.text() == self._key:
            clipboard.clear()
        self.key.clear()
        self._key = ""
        super().done(result)


def make_new_recovery_key(parent: QWidget, tasks: TaskRunner, session: Session,
                          renderer: Callable[[], DocumentRenderer],
                          then: Callable[[], object] | None = None) -> SafeQuestion:
    """Ask first (the old key stops working), then make the key in the background and show it once."""
    question = SafeQuestion(
        parent, "newRecoveryKeyQuestion", "Make a new recovery key",
        "Make a new recovery key? The old one will stop opening the store.",
        "The new key is shown once, to write down or print and keep in a locked place.",
        [Answer("Keep the old key", "keep", QMessageBox.ButtonRole.RejectRole),
         Answer("Make a new key", "make", QMessageBox.ButtonRole.AcceptRole, destructive=True)],
        safe="keep", icon=QMessageBox.Icon.Question)
    printer = DocumentPrinter(tasks, session, renderer, parent)

    def answered(_result: int) -> None:
        question.deleteLater()
        if question.answer() != "make":
            return
        current = session()

        def shown(key: str) -> None:
            dialog = NewRecoveryKeyDialog(key, printer, parent)
            dialog.finished.connect(lambda _r: dialog.deleteLater())
            locked_changed = getattr(parent, "locked_changed", None)
            if locked_changed is not None:
                # Locking hides the key (it must not stay on screen beside the lock screen) and
                # unlocking shows it again: closing it would lose a key nobody has written down.
                def locked(is_locked: bool) -> None:
                    if dialog.isVisible() == is_locked:
                        dialog.setVisible(not is_locked)

                locked_changed.connect(locked)
                dialog.finished.connect(lambda _r: locked_changed.disconnect(locked))
            dialog.open()
            if then is not None:
                then()

        tasks.run(lambda: renew_recovery_key(current), shown, lambda error: show_error(parent, error), owner=parent)

    question.finished.connect(answered)
    question.open()
    return question
