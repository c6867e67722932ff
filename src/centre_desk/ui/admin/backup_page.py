"""Backups from the window (administrators), and restoring one from the sign-in window.

A backup is written while the desk stays in use (``services.backup.create_backup``). A restore
replaces the store in this data directory, which cannot be done while it is open here: the page
says so, and the sign-in window offers "Restore from a backup…" (``RestoreDialog``), with the same
safeguards as ``centre-desk-admin restore --replace``: only an active administrator of the store
that is there (or its recovery key) may replace it, the backup is opened with a password valid
when it was taken, and a confirmation that no stray key can answer comes first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import ValidationFailed
from centre_desk.services.backup import RestoreResult, create_backup, restore_backup
from centre_desk.services.ports import BackupArchives, BackupManifest
from centre_desk.services.session import DeskSession

from ..errors import describe
from ..questions import Answer, SafeQuestion
from ..tasks import TaskRunner
from ..widgets import MessageLabel, heading, line_edit, named, note

if TYPE_CHECKING:
    from ..context import AppContext

BACKUP_SUFFIX = ".cdbackup"
RESTORE_HOW = ("Restoring replaces the records on this desk with those in the backup, so it cannot be done while "
               "the desk is open. Sign out, then choose “Restore from a backup…” on the sign-in window. Only an "
               "administrator of this desk (or its recovery key) can do it, and the records there now are moved "
               "aside into the backups folder first, not deleted.")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _path(text: str) -> Path | None:
    text = text.strip()
    return Path(text).expanduser() if text else None


class BackupPage(QWidget):
    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], archives: BackupArchives | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session, self._archives = tasks, session, archives
        self.setObjectName("backupPage")
        self.setAccessibleName("Backups")
        self.destination = line_edit("backupDestination", "Backup file", max_length=1000)
        self.destination.setPlaceholderText(f"For example /media/usb/centre-desk{BACKUP_SUFFIX}")
        self.choose_button = named(QPushButton("&Choose…"), "backupChoose", "Choose where to save the backup")
        self.choose_button.clicked.connect(self.choose)
        self.backup_button = named(QPushButton("&Make the backup"), "backupMake", "Make the backup")
        self.backup_button.setDefault(True)
        self.backup_button.clicked.connect(self.back_up)
        self.destination.returnPressed.connect(self.back_up)
        self.progress = named(QProgressBar(), "backupProgress", "Backup progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.result = MessageLabel("backupResult")
        where = QHBoxLayout()
        label = QLabel("Save the backup &to")
        label.setBuddy(self.destination)
        where.addWidget(label)
        where.addWidget(self.destination, 1)
        where.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(heading("Backups", 18, "backupHeading"))
        layout.addWidget(note("A backup is one file holding the whole store, still encrypted: it can be kept on a "
                              "USB stick or a network drive. Restoring it needs the password of a member of staff "
                              "who could sign in when it was taken, or the recovery key. The desk stays usable "
                              "while the backup is written.", "backupIntro"))
        layout.addLayout(where)
        layout.addWidget(self.backup_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)
        layout.addSpacing(12)
        layout.addWidget(heading("Restoring a backup", 14, "restoreHeading"))
        layout.addWidget(note(RESTORE_HOW, "restoreHow"))
        layout.addStretch(1)
        self.backup_button.setEnabled(archives is not None)

    def choose(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(self, "Save the backup as", self.destination.text(),
                                                      f"Centre Desk backups (*{BACKUP_SUFFIX})")
        if chosen:
            if not chosen.endswith(BACKUP_SUFFIX):
                chosen += BACKUP_SUFFIX
            self.destination.setText(chosen)
            self.backup_button.setFocus()

    def back_up(self) -> None:
        dest = _path(self.destination.text())
        if dest is None:
            self.result.show_problem("Backup file: choose where to save the backup (a new file).")
            self.destination.setFocus()
            return
        if dest.exists():
            self.result.show_problem(f"Backup file: {dest.name} already exists; choose a new file name. "
                                     "Nothing was written.")
            self.destination.setFocus()
            return
        if not dest.parent.is_dir():
            self.result.show_problem("Backup file: that folder does not exist. Nothing was written.")
            self.destination.setFocus()
            return
        session, archives = self._session(), self._archives
        assert archives is not None
        self.backup_button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy: the archive does not report how far it has got
        self.progress.show()
        self.result.show_info(f"Writing the backup to {dest.name}…")

        def done(manifest: BackupManifest) -> None:
            self._finish()
            self.progress.setRange(0, 1)
            self.progress.setValue(1)
            size = dest.stat().st_size if dest.exists() else manifest.size
            self.result.show_info(f"Backup written to {dest} ({_megabytes(size)}). It is encrypted; keep it "
                                  "somewhere safe, away from this computer.")

        def failed(error: BaseException) -> None:
            self._finish()
            self.progress.hide()
            self.result.show_problem(f"The backup was not made: {describe(error)}")

        self._tasks.run(lambda: create_backup(session, archives, dest), done, failed, owner=self)

    def _finish(self) -> None:
        self.backup_button.setEnabled(True)


class RestoreDialog(QDialog):
    """From the sign-in window: restore a backup over (or into) this data directory.

    ``restored(RestoreResult)`` once it is in place."""

    restored = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setObjectName("restoreDialog")
        self.setAccessibleName("Restore from a backup")
        self.setWindowTitle("Restore from a backup")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.archive = line_edit("restoreFile", "Backup file", max_length=1000)
        self.choose_button = named(QPushButton("&Choose…"), "restoreChoose", "Choose the backup file")
        self.choose_button.clicked.connect(self.choose)
        self.username = line_edit("restoreUsername", "Administrator's username", max_length=64)
        self.password = line_edit("restorePassword", "Password", password=True, max_length=256)
        self.backup_password = line_edit("restoreBackupPassword", "Password when the backup was taken, if different",
                                         password=True, max_length=256)
        self.backup_password.setPlaceholderText("Only if it was different when the backup was taken")
        self.use_key = named(QCheckBox("Use the &recovery key instead"), "restoreUseKey",
                             "Use the recovery key instead")
        self.recovery_key = line_edit("restoreRecoveryKey", "Recovery key", password=True, max_length=200)
        self.recovery_key.setEnabled(False)
        self.use_key.toggled.connect(self._key_toggled)
        self.message = MessageLabel("restoreMessage")
        file_row = QHBoxLayout()
        file_row.addWidget(self.archive, 1)
        file_row.addWidget(self.choose_button)
        form = QFormLayout()
        file_label = QLabel("Backup &file")
        file_label.setBuddy(self.archive)
        form.addRow(file_label, file_row)
        for text, widget in (("&Username", self.username), ("&Password", self.password),
                             ("Password when &taken", self.backup_password), ("", self.use_key),
                             ("Recovery &key", self.recovery_key)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("restoreButtons")
        self.ok = named(buttons.button(QDialogButtonBox.StandardButton.Ok), "restoreOk", "Restore…")
        self.ok.setText("Restore…")
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "restoreCancel", "Cancel")
        buttons.accepted.connect(self.ask)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note("The records on this desk now are replaced by those in the backup. They are moved "
                              "aside into the backups folder first, not deleted. Sign in as an administrator of "
                              "this desk, or use its recovery key.", "restoreIntro"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.question: SafeQuestion | None = None
        self.archive.setFocus()

    def _key_toggled(self, on: bool) -> None:
        self.recovery_key.setEnabled(on)
        for widget in (self.username, self.password, self.backup_password):
            widget.setEnabled(not on)

    def choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, "Choose the backup", self.archive.text(),
                                                      f"Centre Desk backups (*{BACKUP_SUFFIX});;All files (*)")
        if chosen:
            self.archive.setText(chosen)
            self.username.setFocus()

    def _check(self) -> Path:
        archive = _path(self.archive.text())
        if archive is None or not archive.is_file():
            raise ValidationFailed.one("backup file", "choose the backup file to restore (there is no file there)")
        if self.use_key.isChecked():
            if not self.recovery_key.text().strip():
                raise ValidationFailed.one("recovery key", "is required")
        elif not self.username.text().strip() or not self.password.text():
            raise ValidationFailed.one("sign-in", "give an administrator's username and password")
        return archive

    def ask(self) -> SafeQuestion | None:
        try:
            archive = self._check()
        except ValidationFailed as problem:
            self.message.show_problem(describe(problem))
            return None
        exists = self._context.parts().backups is not None and self._context.parts().gate.exists()
        text = (f"Replace the records on this desk with the backup {archive.name}?" if exists
                else f"Restore the backup {archive.name} onto this desk?")
        question = SafeQuestion(
            self, "restoreQuestion", "Restore from a backup", text,
            "Anything recorded since the backup was taken will not be in the restored records (the records "
            "there now are kept aside in the backups folder). Staff sign in with the passwords they had then.",
            [Answer("Do not restore", "keep", QMessageBox.ButtonRole.RejectRole),
             Answer("Replace with the backup", "restore", QMessageBox.ButtonRole.DestructiveRole, destructive=True)],
            safe="keep")

        def answered(_result: int) -> None:
            if question.answer() == "restore":
                self.restore(archive, replace=exists)
            question.deleteLater()
            self.question = None

        question.finished.connect(answered)
        question.open()
        self.question = question
        return question

    def restore(self, archive: Path, *, replace: bool) -> None:
        context = self._context
        use_key = self.use_key.isChecked()
        username, password = self.username.text().strip(), self.password.text()
        backup_password = self.backup_password.text() or None
        key = self.recovery_key.text().strip()
        self.ok.setEnabled(False)
        self.message.show_info("Checking the backup and restoring it…")

        def work() -> RestoreResult:
            parts = context.parts()
            assert parts.backups is not None
            if use_key:
                return restore_backup(parts.backups, parts.clock, archive, gate=parts.gate, throttle=parts.throttle,
                                      recovery_key=key, replace=replace)
            return restore_backup(parts.backups, parts.clock, archive, gate=parts.gate, throttle=parts.throttle,
                                  username=username, password=password, backup_password=backup_password,
                                  replace=replace)

        def done(result: RestoreResult) -> None:
            self.password.clear()
            self.backup_password.clear()
            self.recovery_key.clear()
            self.restored.emit(result)
            self.accept()

        def failed(error: BaseException) -> None:
            self.ok.setEnabled(True)
            self.message.show_problem(f"Nothing was restored: {describe(error)}")

        context.tasks.run(work, done, failed, owner=self)


def restored_words(result: RestoreResult) -> str:
    aside = f" The records that were here are kept in {result.moved_aside}." if result.moved_aside else ""
    return (f"Restored the backup taken {result.manifest.created_at[:16].replace('T', ' ')} (UTC).{aside} "
            "Staff sign in with the passwords they had when it was taken.")
