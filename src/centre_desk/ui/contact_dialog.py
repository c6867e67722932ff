"""Recording a contact with a household: a session attended, a phone call, a home visit, a drop-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import ValidationFailed
from centre_desk.services.households import CONTACT_TYPE_LABELS, CONTACT_TYPES, Contact, record_contact
from centre_desk.services.session import DeskSession

from .errors import describe
from .forms.values import DATE_FORMAT_HINT, tidy_date
from .help import install_help
from .style import problem_colour
from .tasks import TaskRunner
from .widgets import heading, minimum_width, named

NOTE_MAX = 2000


def parse_uk_date(text: str) -> date | None:
    tidied = tidy_date(text)
    try:
        day, month, year = (int(p) for p in tidied.split("/"))
        return date(year, month, day)
    except ValueError:
        return None


class RecordContactDialog(QDialog):
    """Emits ``recorded(Contact)`` once the contact is saved; stays open to show a problem."""

    recorded = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_help(self, "contact")
        self._tasks = tasks
        self._session = session
        self._household_id = household_id
        self.setObjectName("recordContactDialog")
        self.setAccessibleName("Record contact")
        self.setWindowTitle("Record contact")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.kind = named(QComboBox(), "contactType", "Type of contact")
        for value in CONTACT_TYPES:
            self.kind.addItem(CONTACT_TYPE_LABELS[value], value)
        today = session().clock.today()
        self.on = named(QLineEdit(today.strftime("%d/%m/%Y")), "contactDate", "Date of contact",
                        "Today unless you change it, as dd/mm/yyyy")
        self.on.setPlaceholderText(DATE_FORMAT_HINT)
        self.on.setMaximumWidth(self.on.fontMetrics().horizontalAdvance("0") * 14 + 24)
        self.note = named(QPlainTextEdit(), "contactNote", "Note", "Optional. Press Tab to move on.")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 4 + 18)
        self.problem = QLabel()
        self.problem.setObjectName("contactProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {problem_colour()}; font-weight: bold;")
        self.record_button = named(QPushButton("&Record contact"), "recordContactButton", "Record contact")
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self.submit)
        cancel = named(QPushButton("Cancel"), "cancelContactButton", "Cancel")
        cancel.clicked.connect(self.reject)

        form = QFormLayout()
        form.setVerticalSpacing(10)
        for text, widget in (("&Type", self.kind), ("&Date", self.on), ("&Note", self.note)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading("Record contact", 15))
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        minimum_width(layout, 520)
        self.kind.setFocus()

    def submit(self) -> None:
        on = parse_uk_date(self.on.text())
        if on is None:
            self._show_problem("The date is not a date: use dd/mm/yyyy.", self.on)
            return
        note = self.note.toPlainText()
        if len(note) > NOTE_MAX:
            self._show_problem(f"The note is longer than {NOTE_MAX} characters.", self.note)
            return
        session, household_id, kind = self._session(), self._household_id, str(self.kind.currentData())
        self.record_button.setEnabled(False)
        self._tasks.run(lambda: record_contact(session, household_id, kind, on, note), self._done, self._failed,
                        owner=self)

    def _show_problem(self, text: str, widget: QWidget) -> None:
        self.problem.setText(text)
        widget.setAccessibleDescription(text)
        widget.setFocus()

    def _done(self, contact: Contact) -> None:
        self.recorded.emit(contact)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.record_button.setEnabled(True)
        if isinstance(error, ValidationFailed):
            field = error.problems[0].field if error.problems else ""
            words = {"date": "The date", "type": "The type of contact"}.get(field, "The contact")
            self._show_problem(f"{words} {error.problems[0].problem}." if error.problems else describe(error),
                               self.on if field == "date" else self.kind)
        else:
            self._show_problem(describe(error), self.record_button)
