"""Withdrawing one current consent. It takes effect at once: the next share check or mailing list no
longer sees it. Nothing is edited; the withdrawal is a new line in the household's history."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.consent import ConsentEvent, Method
from centre_desk.domain.household import Household
from centre_desk.services.consent import ConsentLine, withdraw_consent
from centre_desk.services.session import DeskSession

from .errors import describe
from .household_models import uk_date
from .style import points
from .tasks import TaskRunner
from .widgets import MessageLabel, heading, minimum_width, named

NOTE_MAX = 500


def describe_line(line: ConsentLine) -> str:
    what = line.purpose_name + (f" — {line.partner_name}" if line.partner_name else "")
    return f"{line.person_name}: {what}"


class WithdrawConsentDialog(QDialog):
    """``withdrawn(ConsentEvent)`` once the withdrawal is recorded."""

    withdrawn = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 line: ConsentLine, notice_version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("withdrawConsentDialog")
        self.setAccessibleName("Withdraw consent")
        self.setWindowTitle("Withdraw consent")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._tasks = tasks
        self._session = session
        self._household = household
        self._line = line
        self._notice_version = notice_version
        event = line.event
        today = session().clock.today()
        try:
            child = household.member(event.person_id).is_child(today)
        except KeyError:
            child = False

        what = QLabel(describe_line(line))
        what.setObjectName("withdrawWhat")
        what.setTextFormat(Qt.TextFormat.PlainText)
        what.setWordWrap(True)
        what.setStyleSheet(f"font-weight: bold; font-size: {points(12)}pt;")
        given = QLabel(f"Given on {uk_date(event.recorded_at)}, recorded by {line.recorded_by}. Withdrawing takes "
                       "effect at once: nothing more is shared or sent on the strength of this consent.")
        given.setObjectName("withdrawGiven")
        given.setTextFormat(Qt.TextFormat.PlainText)
        given.setWordWrap(True)

        self.verbal = named(QRadioButton("&Verbal (told a member of staff)"), "withdrawVerbal", "Verbal")
        self.written = named(QRadioButton("In w&riting (a signed letter, form or email)"), "withdrawWritten",
                             "In writing")
        group = QButtonGroup(self)
        group.addButton(self.verbal)
        group.addButton(self.written)
        self.verbal.setChecked(True)
        self.by = named(QComboBox(), "withdrawnByChoice", "Withdrawn by",
                        "The parent or carer withdrawing for the child")
        for adult in household.adults(today):
            self.by.addItem(adult.full_name, adult.id)
        if event.given_by:
            found = self.by.findData(event.given_by)
            if found >= 0:
                self.by.setCurrentIndex(found)
        named(self.by.view(), "withdrawnByChoiceList", "Withdrawn by: choices")
        self.note = named(QLineEdit(), "withdrawNote", "Note", "Optional, for example the reason the family gave")
        self.note.setMaxLength(NOTE_MAX)
        self.message = MessageLabel("withdrawMessage", self)
        self.withdraw_button = named(QPushButton("&Withdraw consent"), "confirmWithdrawButton", "Withdraw consent")
        self.withdraw_button.setDefault(True)
        self.withdraw_button.clicked.connect(self.submit)
        cancel = named(QPushButton("Cancel"), "cancelWithdrawButton", "Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)

        form = QFormLayout()
        form.setVerticalSpacing(10)
        how_group = named(QGroupBox("How the family withdrew consent"), "withdrawHow",
                          "How the family withdrew consent")
        how = QVBoxLayout(how_group)
        how.addWidget(self.verbal)
        how.addWidget(self.written)
        form.addRow(how_group)
        if child:
            by_label = QLabel("Withdrawn &by:")
            by_label.setBuddy(self.by)
            form.addRow(by_label, self.by)
        else:
            self.by.setVisible(False)
        note_label = QLabel("&Note:")
        note_label.setBuddy(self.note)
        form.addRow(note_label, self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.withdraw_button, 0, Qt.AlignmentFlag.AlignBottom)
        buttons.addWidget(cancel, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading("Withdraw consent", 15))
        layout.addWidget(what)
        layout.addWidget(given)
        layout.addLayout(form)
        layout.addLayout(buttons)
        minimum_width(layout, 620)
        self._child = child
        self.verbal.setFocus()

    def submit(self) -> None:
        if not self.withdraw_button.isEnabled():
            return
        event = self._line.event
        method = Method.VERBAL if self.verbal.isChecked() else Method.SIGNED
        given_by = str(self.by.currentData()) if self._child and self.by.currentData() else None
        session, household_id, note = self._session(), self._household.id, self.note.text()
        notice = self._notice_version or event.notice_version
        self.withdraw_button.setEnabled(False)
        self.message.show_info("Withdrawing…")
        self._tasks.run(lambda: withdraw_consent(session, household_id, event.person_id, event.purpose_id,
                                                 method=method, notice_version=notice, partner_id=event.partner_id,
                                                 given_by=given_by, note=note),
                        self._done, self._failed, owner=self)

    def _done(self, event: ConsentEvent) -> None:
        self.withdrawn.emit(event)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.withdraw_button.setEnabled(True)
        self.message.show_problem(describe(error))
