"""Data protection actions for managers on the household page: restrict processing (or lift it),
erase one person, log a disclosure. Each runs its service in the background and stays open to show a refusal
or a problem in plain words."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.household import Household
from centre_desk.domain.rights import BASIS_NAMES
from centre_desk.services.disclosures import log_disclosure
from centre_desk.services.erasure import CONTACT_FIELDS, SharedFields, erase_person, erasure_effect
from centre_desk.services.profile import form as form_definition
from centre_desk.services.profile import profile_of
from centre_desk.services.rights import set_restriction
from centre_desk.services.session import DeskSession

from .errors import describe
from .style import problem_colour
from .tasks import TaskRunner
from .widgets import heading, named


class _ActionDialog(QDialog):
    """A title, an explanation, a form, a problem line and two buttons."""

    completed = Signal()

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], title: str, explain: str,
                 action: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._session = session
        self.setObjectName(name)
        self.setAccessibleName(title)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.form = QFormLayout()
        self.form.setVerticalSpacing(10)
        self.problem = QLabel()
        self.problem.setObjectName(f"{name}Problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {problem_colour()}; font-weight: bold;")
        self.ok_button = named(QPushButton(action), f"{name}OkButton", action.replace("&", ""))
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        cancel = named(QPushButton("Cancel"), f"{name}CancelButton", "Cancel")
        cancel.clicked.connect(self.reject)
        text = QLabel(explain)
        text.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading(title, 15))
        layout.addWidget(text)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        first = self.form.itemAt(0, QFormLayout.ItemRole.FieldRole)
        widget = first.widget() if first is not None else None
        if widget is not None:
            widget.setFocus()

    def add_row(self, label: str, widget: QWidget) -> None:
        caption = QLabel(label)
        caption.setBuddy(widget)
        self.form.addRow(caption, widget)

    def submit(self) -> None:
        raise NotImplementedError

    def run(self, work: Callable[[], object]) -> None:
        self.ok_button.setEnabled(False)
        self.problem.clear()
        self._tasks.run(work, lambda _result: self._finished(), self._failed, owner=self)

    def _finished(self) -> None:
        self.completed.emit()
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.problem.setText(describe(error))
        self.problem.setAccessibleName(self.problem.text())
        self.ok_button.setFocus()


class RestrictDialog(_ActionDialog):
    """Restrict processing of the whole household, or lift the restriction."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 restricted: bool, parent: QWidget | None = None) -> None:
        self._household_id = household.id
        self._restrict = not restricted
        if self._restrict:
            title, action = "Restrict processing", "&Restrict"
            explain = ("While restricted, this household can be read but not changed, shared, merged or mailed. "
                       "Use it while a correction or an objection is being looked at.")
        else:
            title, action = "Lift the restriction", "&Lift restriction"
            explain = "The household can be changed, shared and mailed again as usual."
        super().__init__(tasks, session, title, explain, action, "restrictDialog", parent)
        self.reason = named(QLineEdit(), "restrictReason", "Reason", "Why; no names or other personal details")
        self.reason.setMaxLength(500)
        self.add_row("&Reason", self.reason)

    def submit(self) -> None:
        session, hid, on, why = self._session(), self._household_id, self._restrict, self.reason.text()
        self.run(lambda: set_restriction(session, hid, on, reason=why))


class EraseDialog(_ActionDialog):
    """Erase one person of the household, once no ground to keep their details applies."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 person_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "Erase a person",
                         "Their details, consents and signatures, referrals about them alone, sharing records "
                         "and change history are erased from this desk and, after sync, from every device. "
                         "This cannot be undone. It is refused, with the reason, if the law requires keeping "
                         "them (a legal hold, an open request, a record that must be kept).",
                         "&Erase", "eraseDialog", parent)
        self.person = named(QComboBox(), "erasePerson", "Person to erase")
        for m in household.members:
            self.person.addItem(m.full_name, m.id)
        if person_id is not None:
            self.person.setCurrentIndex(max(self.person.findData(person_id), 0))
        self.reason = named(QLineEdit(), "eraseReason", "Reason", "Why; no names or other personal details")
        self.reason.setMaxLength(500)
        self.add_row("&Person", self.person)
        self.add_row("&Reason", self.reason)
        # The household's own fields: the address goes with the last person living there; a phone
        # or email that was only theirs is cleared when ticked.
        self.shared = QLabel("")
        self.shared.setObjectName("eraseSharedFields")
        self.shared.setWordWrap(True)
        self.form.addRow(self.shared)
        labels = {f.id: f.label for f in form_definition("membership").all_fields()}
        self.clear_boxes: dict[str, QCheckBox] = {}
        for field_id in CONTACT_FIELDS:
            value = household.fields.get(field_id)
            words = f"Also clear the household's {labels.get(field_id, field_id).lower()} ({value}): it was theirs"
            box = named(QCheckBox(words), f"eraseClear_{field_id}", words)
            box.setVisible(False)
            self.clear_boxes[field_id] = box
            self.form.addRow(box)
        self.person.currentIndexChanged.connect(lambda _i: self._effect())
        self._effect()

    def _effect(self) -> None:
        session, pid = self._session(), self.person.currentData()
        if pid is None:
            return
        self._tasks.run(lambda: erasure_effect(session, str(pid)), self._show_effect, lambda _e: None, owner=self)

    def _show_effect(self, effect: SharedFields) -> None:
        self.shared.setText("Nobody else recorded in the household lives at the address, so the address and the "
                            "household's phone and email go too." if effect.cleared else
                            "The household's address stays: others live there." if self.person.count() > 1 else
                            "They are the only person in the household: the whole household is erased.")
        self.shared.setAccessibleName(self.shared.text())
        for field_id, box in self.clear_boxes.items():
            box.setVisible(field_id in effect.offered)
            if field_id not in effect.offered:
                box.setChecked(False)

    def submit(self) -> None:
        session, pid, why = self._session(), str(self.person.currentData()), self.reason.text()
        clear = [f for f, box in self.clear_boxes.items() if box.isVisible() and box.isChecked()]
        self.run(lambda: erase_person(session, pid, reason=why, clear_fields=clear))


class DisclosureDialog(_ActionDialog):
    """Log a share of the household's information with another organisation."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "Log a disclosure",
                         "Record what was shared, with whom, why and on what lawful basis. A share without "
                         "consent needs a manager and a justification; one for a purpose the family has not "
                         "consented to is refused unless another basis applies.", "&Log disclosure",
                         "disclosureDialog", parent)
        self._household_id = household.id
        org = profile_of(session())
        self.recipient = named(QComboBox(), "disclosureRecipient", "Shared with",
                               "An agreement or partner, or type another organisation's name")
        self.recipient.setEditable(True)
        for a in org.agreements:
            self.recipient.addItem(a.name, a.id)
        for p in org.partners:
            self.recipient.addItem(p.name, p.id)
        self.recipient.setCurrentIndex(-1)
        self.purpose = named(QLineEdit(), "disclosurePurpose", "Purpose")
        self.basis = named(QComboBox(), "disclosureBasis", "Lawful basis")
        for b, words in BASIS_NAMES.items():
            self.basis.addItem(words, b.value)
        self.about = named(QComboBox(), "disclosureAbout", "About")
        self.about.addItem("The whole household", None)
        for m in household.members:
            self.about.addItem(m.full_name, m.id)
        self.shared = named(QLineEdit(), "disclosureShared", "What was shared")
        self.justification = named(QLineEdit(), "disclosureJustification", "Justification",
                                   "Why it was necessary, for a share without consent")
        self.told = named(QLineEdit(), "disclosureTold", "Family told on", "dd/mm/yyyy; leave empty if not told")
        self.not_told = named(QLineEdit(), "disclosureNotTold", "Why the family was not told")
        for label, widget in (("Shared &with", self.recipient), ("&Purpose", self.purpose),
                              ("Lawful &basis", self.basis), ("&About", self.about),
                              ("What was &shared", self.shared), ("&Justification", self.justification),
                              ("Family &told on", self.told), ("&Not told because", self.not_told)):
            self.add_row(label, widget)

    def submit(self) -> None:
        from .contact_dialog import parse_uk_date

        told_text = self.told.text().strip()
        told = parse_uk_date(told_text) if told_text else None
        if told_text and told is None:
            self.problem.setText("Family told on is not a date: use dd/mm/yyyy.")
            self.told.setFocus()
            return
        index = self.recipient.currentIndex()
        typed = self.recipient.currentText().strip()
        recipient = str(self.recipient.itemData(index)) if index >= 0 and self.recipient.itemText(index) == typed \
            else typed
        about = self.about.currentData()
        session, hid = self._session(), self._household_id
        purpose, basis, shared = self.purpose.text(), str(self.basis.currentData()), self.shared.text()
        why, not_told = self.justification.text(), self.not_told.text()
        self.run(lambda: log_disclosure(session, hid, recipient=recipient, purpose=purpose, basis=basis,
                                        shared=shared, person_ids=[about] if about else [], justification=why,
                                        told_on=told, not_told_reason=not_told))
