"""Organisation-wide legal holds on the retention page: the list (the profile's own hold first), the
dialog that places one (reason and reference) and the words each hold is shown with."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from centre_desk.domain.retention import PROFILE_HOLD_ID, Hold
from centre_desk.services.retention import HOLD_REASON_MAX, HOLD_REFERENCE_MAX, place_hold
from centre_desk.services.session import DeskSession

from ..errors import describe
from ..tasks import TaskRunner
from ..widgets import MessageLabel, named


def hold_words(h: Hold) -> str:
    """How a hold is named wherever it keeps a record: whose, its reference, why."""
    if h.id == PROFILE_HOLD_ID:
        return f"Organisation profile: {h.reason}"
    if h.organisation_wide:
        return f"Organisation-wide ({h.reference}): {h.reason}" if h.reference else f"Organisation-wide: {h.reason}"
    return f"This household ({h.reference}): {h.reason}" if h.reference else f"This household: {h.reason}"


def hold_line(h: Hold) -> str:
    """One line of the organisation-wide holds list."""
    if h.id == PROFILE_HOLD_ID:
        return (f"{h.reason} — declared by the organisation profile; only a change to the profile lifts it, "
                "when the council says so")
    return f"{h.reason} — reference {h.reference or 'none'} — placed on {h.placed_at:%d/%m/%Y}"


class OrganisationHoldDialog(QDialog):
    """Asks for the reason and the reference and places the hold; a problem is shown in the dialog,
    which stays open with what was typed. Emits ``placed(Hold)``."""

    placed = Signal(object)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session = tasks, session
        named(self, "organisationHoldDialog", "Place an organisation-wide legal hold")
        self.setWindowTitle("Organisation-wide legal hold")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        intro = QLabel("While this hold is in force no record of the organisation is destroyed, whatever its "
                       "retention date. No names or other personal details.")
        intro.setWordWrap(True)
        self.reason = named(QLineEdit(), "holdReason", "Reason",
                            "Why every record must be kept, for example the inquiry's name")
        self.reason.setMaxLength(HOLD_REASON_MAX)
        self.reason.setPlaceholderText("For example: Independent inquiry into the Sea Road centre")
        self.reference = named(QLineEdit(), "holdReference", "Reference",
                               "The inquiry's, claim's or case's reference")
        self.reference.setMaxLength(HOLD_REFERENCE_MAX)
        self.reference.setPlaceholderText("For example: SRC/2026/14")
        self.message = MessageLabel("organisationHoldMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("organisationHoldButtons")
        self.save_button = named(buttons.button(QDialogButtonBox.StandardButton.Save), "organisationHoldSave",
                                 "Place hold")
        self.save_button.setText("Place hold")
        named(buttons.button(QDialogButtonBox.StandardButton.Cancel), "organisationHoldCancel", "Cancel")
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        for text, widget in (("&Reason", self.reason), ("R&eference", self.reference)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.reason.setFocus()

    def save(self) -> None:
        session, reason, reference = self._session(), self.reason.text(), self.reference.text()
        self.save_button.setEnabled(False)

        def saved(hold: Hold) -> None:
            self.placed.emit(hold)
            self.accept()

        def failed(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.message.show_problem(describe(error))

        self._tasks.run(lambda: place_hold(session, reason, None, reference), saved, failed, owner=self)
