"""Putting a contact right (the wrong day, the wrong kind, a note to mend): the record contact
dialog filled in with what the contact says now, saved through ``correct_contact``; the old
details go into the household's history of changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from centre_desk.domain.household import FieldChange
from centre_desk.services.session import DeskSession
from centre_desk.services.sessions import correct_contact

from .contact_dialog import RecordContactDialog, parse_uk_date
from .tasks import TaskRunner
from .widgets import named


class CorrectContactDialog(RecordContactDialog):
    """Emits ``recorded(list[FieldChange])`` once the correction is saved."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household_id: str,
                 contact: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, household_id, parent)
        self._contact_id = str(contact["id"])
        self.setObjectName("correctContactDialog")
        self.setAccessibleName("Correct contact")
        self.setWindowTitle("Correct contact")
        for label in self.findChildren(QLabel):
            if label.text() == "Record contact":
                label.setText("Correct contact")
        index = self.kind.findData(str(contact.get("type")))
        if index >= 0:
            self.kind.setCurrentIndex(index)
        self.on.setText(date.fromisoformat(str(contact["date"])).strftime("%d/%m/%Y"))
        self.note.setPlainText(str(contact.get("note") or ""))
        self.record_button.setText("&Save correction")
        named(self.record_button, "saveCorrectionButton", "Save correction")

    def submit(self) -> None:
        on = parse_uk_date(self.on.text())
        if on is None:
            self._show_problem("The date is not a date: use dd/mm/yyyy.", self.on)
            return
        session, household_id, contact_id = self._session(), self._household_id, self._contact_id
        kind, note = str(self.kind.currentData()), self.note.toPlainText()
        self.record_button.setEnabled(False)

        def done(changes: list[FieldChange]) -> None:
            self.recorded.emit(changes)
            self.accept()

        self._tasks.run(lambda: correct_contact(session, household_id, contact_id, kind, on, note), done,
                        self._failed, owner=self)
