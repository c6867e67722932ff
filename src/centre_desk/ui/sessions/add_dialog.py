"""Putting a session on the list: one of the profile's session types, a day, times and a place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.sessions import PLACE_MAX_LENGTH, CentreSession
from centre_desk.services.session import DeskSession
from centre_desk.services.sessions import add_session

from ..errors import describe
from ..forms.fields import SteadyComboBox
from ..tasks import TaskRunner
from ..widgets import DateBox, MessageLabel, TimeBox, named
from .models import name_inner_line


class AddSessionDialog(QDialog):
    """Emits ``added(CentreSession)`` once saved; a problem is shown in the dialog, which stays."""

    added = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], types: list[tuple[str, str]],
                 on: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session = tasks, session
        self.setObjectName("addSessionDialog")
        self.setAccessibleName("Add a session")
        self.setWindowTitle("Add a session")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.kind = named(SteadyComboBox(), "sessionType", "Type of session")
        for type_id, name in types:
            self.kind.addItem(name, type_id)
        self.day = named(DateBox(QDate(on.year, on.month, on.day)), "sessionDate", "Day of the session")
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.starts = named(TimeBox(QTime(10, 0)), "sessionStart", "Starts at")
        self.ends = named(TimeBox(QTime(11, 30)), "sessionEnd", "Ends at")
        for time_edit in (self.starts, self.ends):
            time_edit.setDisplayFormat("HH:mm")
        named(self.kind.view(), "sessionTypeChoices", "Type of session: choices")
        for box in (self.day, self.starts, self.ends):
            name_inner_line(box)
        self.place = named(QLineEdit(), "sessionPlace", "Place")
        self.place.setMaxLength(PLACE_MAX_LENGTH)
        self.place.setPlaceholderText("For example: Main hall")
        self.message = MessageLabel("addSessionMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("addSessionButtons")
        self.save_button = named(buttons.button(QDialogButtonBox.StandardButton.Save), "addSessionSave", "Save")
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "addSessionCancel", "Cancel")
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        for text, widget in (("&Type", self.kind), ("&Day", self.day), ("&Starts", self.starts),
                             ("&Ends", self.ends), ("&Place", self.place)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        self.kind.setFocus()

    def save(self) -> None:
        session = self._session()
        type_id = str(self.kind.currentData() or "")
        picked = self.day.date()
        day = date(picked.year(), picked.month(), picked.day())
        starts, ends = self.starts.time().toString("HH:mm"), self.ends.time().toString("HH:mm")
        place = self.place.text()
        self.save_button.setEnabled(False)

        def saved(cs: CentreSession) -> None:
            self.added.emit(cs)
            self.accept()

        def failed(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.message.show_problem(describe(error))

        self._tasks.run(lambda: add_session(session, type_id, day, starts, ends, place), saved, failed, owner=self)
