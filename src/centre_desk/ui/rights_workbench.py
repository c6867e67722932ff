"""The managers' rights workbench in the window: the requests register, recording and moving on
requests, objections, the portability export and "who has seen and who has received".

``RequestsPage`` is the whole register (Rights ▸ Requests register); ``RightsSection`` is the
household page's Data protection tab (this household's requests and objections, and the buttons
for a subject access pack, a portability export and the list of who has seen the record). Every
action runs its service in the background (``ui/tasks.py``); the services check the permission
and write the audit entry.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QDate, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.household import Household
from centre_desk.domain.rights import Objection, RequestStatus, RightKind
from centre_desk.domain.staff import Permission
from centre_desk.files import write_private_file
from centre_desk.services.disclosures import Receipt
from centre_desk.services.profile import profile_of
from centre_desk.services.rights import (
    RegisterEntry,
    add_request,
    close_request,
    extend_request,
    household_objections,
    record_objection,
    request_register,
)
from centre_desk.services.seen import SeenEverywhere, seen_across_devices
from centre_desk.services.session import DeskSession
from centre_desk.services.subject_access import portability_package, verify_package

from .errors import describe
from .forms.fields import SteadyComboBox
from .rights_dialogs import _ActionDialog
from .sessions.models import name_inner_line
from .table_model import ID_ROLE, HeaderedTableModel
from .tasks import TaskRunner
from .widgets import DateBox, MessageLabel, heading, named, note, read_only_table

if TYPE_CHECKING:
    from centre_desk.services.sync import Connect

_Index = QModelIndex | QPersistentModelIndex
D = TypeVar("D", bound=_ActionDialog)
OVERDUE_COLOUR = "#a4161a"
KIND_WORDS = {
    RightKind.ACCESS: "Access (a copy)",
    RightKind.RECTIFICATION: "Rectification",
    RightKind.ERASURE: "Erasure",
    RightKind.RESTRICTION: "Restriction",
    RightKind.OBJECTION: "Objection",
    RightKind.PORTABILITY: "Portability",
}


def uk(on: date | datetime) -> str:
    return f"{on:%d/%m/%Y}"


table = read_only_table


def button(text: str, name: str, accessible: str, description: str = "") -> QPushButton:
    made = named(QPushButton(text), name, accessible, description)
    made.setAutoDefault(True)
    return made


# -- models ----------------------------------------------------------------------------------------
class RegisterModel(HeaderedTableModel):
    """Requests with whose they are: overdue ones say so in words and show in red."""

    KIND, PERSON, HOUSEHOLD, RECEIVED, DUE, STATUS = range(6)
    HEADERS = ("Request", "Person", "Household", "Received", "Due", "Status")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RegisterEntry] = []
        self.today = date.today()

    def set_entries(self, entries: Sequence[RegisterEntry], today: date) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.today = today
        self.endResetModel()

    def entry(self, row: int) -> RegisterEntry:
        return self._rows[row]

    def entries(self) -> list[RegisterEntry]:
        return list(self._rows)

    def _count(self) -> int:
        return len(self._rows)

    def status_words(self, e: RegisterEntry) -> str:
        r = e.request
        if r.status is RequestStatus.CLOSED:
            return f"Closed {uk(r.closed_on) if r.closed_on else ''}: {r.outcome}".replace("  ", " ")
        words = "Extended" if r.status is RequestStatus.EXTENDED else "Open"
        return f"Overdue — {words.lower()}" if r.overdue(self.today) else words

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        e = self._rows[index.row()]
        r = e.request
        if role == Qt.ItemDataRole.ForegroundRole and r.overdue(self.today):
            return QColor(OVERDUE_COLOUR)
        if role == ID_ROLE:
            return r.id
        col = index.column()
        key: Any
        if col == self.KIND:
            text, key = KIND_WORDS[r.kind], r.kind.value
        elif col == self.PERSON:
            text, key = e.person, e.person
        elif col == self.HOUSEHOLD:
            text, key = e.household, e.household
        elif col == self.RECEIVED:
            text, key = uk(r.received), r.received.isoformat()
        elif col == self.DUE:
            text, key = uk(r.due), r.due.isoformat()
        else:
            text, key = self.status_words(e), (not r.overdue(self.today), r.status.value)
        return self._text_roles(index, role, text, key)


class ObjectionsModel(HeaderedTableModel):
    PERSON, PURPOSE, OUTCOME, RECORDED = range(4)
    HEADERS = ("Person", "Purpose objected to", "Outcome", "Recorded")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Objection] = []
        self._names: dict[str, str] = {}
        self._purposes: dict[str, str] = {}

    def set_objections(self, objections: Sequence[Objection], names: dict[str, str], purposes: dict[str, str]) -> None:
        self.beginResetModel()
        self._rows, self._names, self._purposes = list(objections), names, purposes
        self.endResetModel()

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        o = self._rows[index.row()]
        col = index.column()
        if col == self.PERSON:
            text = self._names.get(o.person_id, "a person since erased")
        elif col == self.PURPOSE:
            text = self._purposes.get(o.purpose_id, o.purpose_id)
        elif col == self.OUTCOME:
            text = ("Upheld" if o.upheld else "Not upheld") + (f" — {o.outcome}" if o.outcome else "")
        else:
            text = uk(o.at)
        return self._text_roles(index, role, text, text if col != self.RECORDED else o.at.isoformat())


class ReceiptsModel(HeaderedTableModel):
    WHEN, WHO, DEVICE, WHAT = range(4)
    HEADERS = ("When", "Who", "Where recorded", "What")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Receipt] = []

    def set_receipts(self, receipts: Sequence[Receipt]) -> None:
        self.beginResetModel()
        self._rows = list(receipts)
        self.endResetModel()

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if col == self.WHEN:
            text = _when(r.at)
        elif col == self.WHO:
            text = r.who
        elif col == self.DEVICE:
            text = r.device[:1].upper() + r.device[1:]
        else:
            text = r.what[:1].upper() + r.what[1:]
        return self._text_roles(index, role, text, r.at if col == self.WHEN else text)


def _when(at: str) -> str:
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    return f"{moment:%d/%m/%Y %H:%M}" if "T" in at else f"{moment:%d/%m/%Y}"


# -- dialogs ---------------------------------------------------------------------------------------
def _people_box(name: str, household: Household, chosen: str | None) -> QComboBox:
    box = named(SteadyComboBox(), name, "Person")
    for m in household.members:
        box.addItem(m.full_name, m.id)
    if chosen is not None:
        box.setCurrentIndex(max(box.findData(chosen), 0))
    named(box.view(), f"{name}Choices", "Person: choices")
    return box


class AddRequestDialog(_ActionDialog):
    """Record a rights request received from one of the household's people."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 person_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "Record a data protection request",
                         "It is due one calendar month after it was received; it can be extended once, by two "
                         "further months, with a reason.", "&Record request", "addRequestDialog", parent)
        self.kind = named(SteadyComboBox(), "requestKind", "Type of request")
        for kind, words in KIND_WORDS.items():
            self.kind.addItem(words, kind.value)
        named(self.kind.view(), "requestKindChoices", "Type of request: choices")
        self.person = _people_box("requestPerson", household, person_id)
        today = session().clock.today()
        self.received = named(DateBox(QDate(today.year, today.month, today.day)), "requestReceived", "Received on")
        self.received.setDisplayFormat("dd/MM/yyyy")
        self.received.setMaximumDate(QDate(today.year, today.month, today.day))
        name_inner_line(self.received)
        self.identity = named(QLineEdit(), "requestIdentity", "Identity checked how",
                              "For example: passport seen at the desk; known to staff")
        self.identity.setMaxLength(500)
        self.checked_by = named(QLineEdit(), "requestCheckedBy", "Identity checked by",
                                "A staff username; leave empty if it was you")
        self.checked_by.setMaxLength(64)
        self.detail = named(QLineEdit(), "requestDetail", "What is asked",
                            "In the requester's terms, for example which detail is wrong")
        self.detail.setMaxLength(1000)
        for label, widget in (("&Type of request", self.kind), ("&Person", self.person),
                              ("Re&ceived on", self.received), ("&Identity checked how", self.identity),
                              ("Identity checked &by", self.checked_by), ("&What is asked", self.detail)):
            self.add_row(label, widget)

    def submit(self) -> None:
        session = self._session()
        pid, kind = str(self.person.currentData()), str(self.kind.currentData())
        q = self.received.date()
        received = date(q.year(), q.month(), q.day())
        how, by, what = self.identity.text(), self.checked_by.text().strip() or None, self.detail.text()
        self.run(lambda: add_request(session, pid, kind, received=received, identity_method=how,
                                     identity_checked_by=by, detail=what))


class ExtendRequestDialog(_ActionDialog):
    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], entry: RegisterEntry,
                 parent: QWidget | None = None) -> None:
        r = entry.request
        from centre_desk.domain.rights import due_date

        super().__init__(tasks, session, "Extend a request",
                         f"{KIND_WORDS[r.kind]} request from {entry.person}, received {uk(r.received)}. Extended, "
                         f"it is due on {uk(due_date(r.received, True))} (three months after receipt) instead of "
                         f"{uk(r.due)}. The law allows this once, for a complex request or many from the same "
                         "person; tell them within the first month.", "E&xtend", "extendRequestDialog", parent)
        self._request_id = r.id
        self.reason = named(QLineEdit(), "extendReason", "Reason for extending",
                            "Why more time is needed; no names or other personal details")
        self.reason.setMaxLength(500)
        self.add_row("&Reason for extending", self.reason)

    def submit(self) -> None:
        session, rid, why = self._session(), self._request_id, self.reason.text()
        self.run(lambda: extend_request(session, rid, reason=why))


class CloseRequestDialog(_ActionDialog):
    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], entry: RegisterEntry,
                 parent: QWidget | None = None) -> None:
        r = entry.request
        super().__init__(tasks, session, "Close a request",
                         f"{KIND_WORDS[r.kind]} request from {entry.person}, received {uk(r.received)}, due "
                         f"{uk(r.due)}. Say what was done: it is kept with the request.", "&Close request",
                         "closeRequestDialog", parent)
        self._request_id = r.id
        self.outcome = named(QLineEdit(), "closeOutcome", "Outcome",
                             "For example: copy sent by post on the 3rd; details corrected")
        self.outcome.setMaxLength(500)
        self.add_row("&Outcome", self.outcome)

    def submit(self) -> None:
        session, rid, what = self._session(), self._request_id, self.outcome.text()
        self.run(lambda: close_request(session, rid, outcome=what))


class ObjectionDialog(_ActionDialog):
    """An objection to one purpose, for one person, with its outcome."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 person_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "Record an objection",
                         "An objection to one use of a person's information. Upheld, that purpose stops for "
                         "them: they leave its mailing lists, and sharing for it is refused unless a protective "
                         "or legal basis applies.", "&Record objection", "objectionDialog", parent)
        self.person = _people_box("objectionPerson", household, person_id)
        self.purpose = named(SteadyComboBox(), "objectionPurpose", "Purpose objected to")
        for p in profile_of(session()).purposes:
            self.purpose.addItem(p.name, p.id)
        named(self.purpose.view(), "objectionPurposeChoices", "Purpose objected to: choices")
        self.upheld = named(SteadyComboBox(), "objectionUpheld", "Decision")
        self.upheld.addItem("Upheld: stop this purpose for them", True)
        self.upheld.addItem("Not upheld: compelling grounds to continue", False)
        named(self.upheld.view(), "objectionUpheldChoices", "Decision: choices")
        self.outcome = named(QLineEdit(), "objectionOutcome", "Outcome", "What was decided and why")
        self.outcome.setMaxLength(500)
        for label, widget in (("&Person", self.person), ("P&urpose", self.purpose), ("&Decision", self.upheld),
                              ("&Outcome", self.outcome)):
            self.add_row(label, widget)

    def submit(self) -> None:
        session = self._session()
        pid, purpose, upheld = str(self.person.currentData()), str(self.purpose.currentData()), \
            bool(self.upheld.currentData())
        what = self.outcome.text()
        self.run(lambda: record_objection(session, pid, purpose, upheld=upheld, outcome=what))


def check_folder(text: str) -> Path:
    """The folder a manager chose to write into: it must exist and be writable."""
    if not text.strip():
        raise ValidationFailed.one("folder", "is required: choose where to write the files")
    folder = Path(text.strip()).expanduser()
    if not folder.is_dir():
        raise ValidationFailed.one("folder", "does not exist; choose an existing folder")
    if not os.access(folder, os.W_OK):
        raise ValidationFailed.one("folder", "cannot be written to; choose another")
    return folder


class FolderRow(QWidget):
    """A folder path and a Choose folder… button."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = named(QLineEdit(), f"{name}Folder", "Folder", "Where the files are written")
        self.edit.setMaxLength(1000)
        self.choose = named(QPushButton("Choose folder…"), f"{name}ChooseFolder", "Choose folder")
        self.choose.clicked.connect(self._choose)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.edit, 1)
        box.addWidget(self.choose)
        self.setFocusProxy(self.edit)

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", self.edit.text() or str(Path.home()))
        if chosen:
            self.edit.setText(chosen)


@dataclass(frozen=True)
class Written:
    folder: Path
    names: list[str]
    intact: bool


def write_portability(session: DeskSession, household_id: str, folder_text: str) -> Written:
    """Make the package and write it into a new folder inside the one chosen, then read it back
    and check every checksum."""
    base = check_folder(folder_text)
    stamp = f"{session.clock.today():%Y-%m-%d}"
    out = base / f"portability-{household_id[:8]}-{stamp}"
    n = 1
    while out.exists():
        n += 1
        out = base / f"portability-{household_id[:8]}-{stamp}-{n}"
    files = portability_package(session, household_id)
    out.mkdir(mode=0o700)
    for name, body in files.items():
        write_private_file(out / name, lambda body=body: body)  # type: ignore[misc]
    back = {name: (out / name).read_bytes() for name in files}
    return Written(out, sorted(files), not verify_package(back))


class PortabilityDialog(_ActionDialog):
    """Export the household for another local authority; the result stays on screen."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, session, "Portability export",
                         "The household's details, people, consents, contacts and referrals as JSON and CSV, with "
                         "a manifest and SHA-256 checksums, in a new folder inside the one you choose. Centre Desk "
                         "reads household.json back with the import command. The files hold the family's "
                         "details: keep them only as long as the transfer needs.", "&Export",
                         "portabilityDialog", parent)
        self._household_id = household.id
        self.folder = FolderRow("portability")
        self.add_row("&Folder", self.folder)
        self.outcome = MessageLabel("portabilityResult")
        self.form.addRow(self.outcome)
        self.written: Written | None = None

    def submit(self) -> None:
        session, hid, folder = self._session(), self._household_id, self.folder.edit.text()
        self.ok_button.setEnabled(False)
        self.problem.clear()
        self._tasks.run(lambda: write_portability(session, hid, folder), self._written, self._failed, owner=self)

    def _written(self, written: Written) -> None:
        self.written = written
        self.ok_button.setEnabled(True)
        checked = "every checksum matches" if written.intact else "A CHECKSUM DOES NOT MATCH: do not send it"
        self.outcome.show_info(f"Wrote {len(written.names)} files to {written.folder} ({checked}): "
                              f"{', '.join(written.names)}.")
        self.completed.emit()


class SeenDialog(QDialog):
    """Who has seen and who has received this household's information: this desk's audit trail,
    the disclosure log and, when the server answers, the other devices' synced audit entries."""

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], household: Household,
                 title: str, parent: QWidget | None = None, *, connect: Connect | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seenDialog")
        self.setAccessibleName("Who has seen and who has received")
        self.setWindowTitle("Who has seen and who has received")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.model = ReceiptsModel(self)
        self.view = table("seenList", "Who has seen and who has received", "Oldest first")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel("Reading the audit trail and the disclosure log, and asking the server…")
        self.summary.setObjectName("seenSummary")
        self.summary.setWordWrap(True)
        # What could not be included (offline, not enrolled, the newest entries only): plain words.
        self.notice = MessageLabel("seenNotice")
        self.notice.setAccessibleName("What is not included")
        self.problem = MessageLabel("seenProblem")
        close = button("Close", "seenCloseButton", "Close")
        close.setDefault(True)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.addWidget(heading(f"Who has seen and who has received: {title}", 15, "seenHeading"))
        layout.addWidget(note("Every time this household was opened, listed in search results or on a register, "
                              "printed or exported, on this desk and on the organisation's other devices as far "
                              "as they have synced, and every share with another organisation from the "
                              "disclosure log. \u201cWhere recorded\u201d names the device.", "seenExplain"))
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(900, 560)
        self.found: SeenEverywhere | None = None
        hid = household.id
        s = session()
        tasks.run(lambda: seen_across_devices(s, hid, connect), self._listed, self._failed, owner=self)

    def _listed(self, found: SeenEverywhere) -> None:
        self.found = found
        receipts = found.receipts
        self.model.set_receipts(receipts)
        received = sum(1 for r in receipts if r.what.startswith("received"))
        entries = "1 entry" if len(receipts) == 1 else f"{len(receipts)} entries"
        shares = "1 share" if received == 1 else f"{received} shares"
        others = (f", {found.from_other_devices} from other devices" if found.other_devices else "")
        self.summary.setText(f"{entries}{others}, of which {shares} with other organisations.")
        self.summary.setAccessibleName(self.summary.text())
        if found.notice:
            self.notice.show_info(found.notice)
        else:
            self.notice.clear_message()
        if receipts:
            self.view.selectRow(0)
        self.view.setFocus()

    def _failed(self, error: BaseException) -> None:
        self.problem.show_problem(describe(error))


# -- the register page -----------------------------------------------------------------------------
class RequestsPage(QWidget):
    """Rights ▸ Requests register: every request, open ones soonest due first.
    ``open_household(str)`` when the manager asks to open the request's household."""

    open_household = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestsRegisterPage")
        self._tasks = tasks
        self._session = session
        self.model = RegisterModel(self)
        self.view = table("requestsRegister", "Data protection requests",
                          "Open requests soonest due first, then closed ones; overdue requests say Overdue")
        self.view.setModel(self.model)
        self.view.doubleClicked.connect(lambda _index: self.open_selected())
        self.view.activated.connect(lambda _index: self.open_selected())
        self.summary = QLabel("")
        self.summary.setObjectName("registerSummary")
        self.summary.setWordWrap(True)
        self.show_closed = named(QCheckBox("Show &closed requests too"), "registerShowClosed",
                                 "Show closed requests too")
        self.show_closed.toggled.connect(lambda _on: self.refresh())
        self.detail = QLabel("")
        self.detail.setObjectName("registerDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.open_button = button("&Open household", "registerOpenHousehold", "Open household",
                                  "Open the household of the chosen request (Enter)")
        self.open_button.clicked.connect(self.open_selected)
        self.extend_button = button("E&xtend…", "registerExtend", "Extend", "Extend the chosen request")
        self.extend_button.clicked.connect(self.extend)
        self.close_button = button("Clos&e…", "registerClose", "Close", "Close the chosen request")
        self.close_button.clicked.connect(self.close_chosen)
        self.message = MessageLabel("registerMessage")
        buttons = QHBoxLayout()
        for b in (self.open_button, self.extend_button, self.close_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 14, 24, 14)
        layout.setSpacing(10)
        layout.addWidget(heading("Data protection requests", 18, "registerHeading"))
        layout.addWidget(note("To record a new request, find the family's household (Ctrl+F) and use its Data "
                              "protection tab. Requests are due one calendar month after receipt, three when "
                              "extended.", "registerHowToAdd"))
        layout.addWidget(self.summary)
        layout.addWidget(self.show_closed)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.view.selectionModel().currentRowChanged.connect(lambda _now, _before: self._chosen_changed())
        self.dialog: QDialog | None = None
        self._chosen_changed()

    def refresh(self) -> None:
        session = self._session()
        if session.store.locked or not session.actor.may(Permission.RIGHTS_REQUESTS):
            return
        closed = self.show_closed.isChecked()
        today = session.clock.today()
        self._tasks.run(lambda: request_register(session, open_only=not closed),
                        lambda found: self._listed(found, today), self._failed, owner=self)

    def _listed(self, entries: list[RegisterEntry], today: date) -> None:
        chosen = self.chosen()
        self.model.set_entries(entries, today)
        open_ = [e for e in entries if e.request.status is not RequestStatus.CLOSED]
        overdue = sum(e.request.overdue(today) for e in open_)
        text = f"{len(open_)} open" + (f"; {overdue} overdue" if overdue else "") + "."
        if not entries:
            text = "No requests recorded." if self.show_closed.isChecked() else "No open requests."
        self.summary.setText(text)
        self.summary.setStyleSheet(f"color: {OVERDUE_COLOUR}; font-weight: bold;" if overdue else "")
        self.summary.setAccessibleName(text)
        rows = [i for i, e in enumerate(entries) if chosen is not None and e.request.id == chosen.request.id]
        if entries:
            self.view.selectRow(rows[0] if rows else 0)
        self._chosen_changed()

    def _failed(self, error: BaseException) -> None:
        self.message.show_problem(describe(error))

    def chosen(self) -> RegisterEntry | None:
        row = self.view.currentIndex().row()
        return self.model.entry(row) if 0 <= row < self.model.rowCount() else None

    def _chosen_changed(self) -> None:
        e = self.chosen()
        is_open = e is not None and e.request.status is not RequestStatus.CLOSED
        self.open_button.setEnabled(e is not None and bool(e.household))
        self.extend_button.setEnabled(is_open and e is not None and e.request.status is RequestStatus.OPEN)
        self.close_button.setEnabled(is_open)
        self.detail.setText(describe_request(e, self._session) if e is not None else "")
        self.detail.setAccessibleName(self.detail.text() or "No request chosen")

    def open_selected(self) -> None:
        e = self.chosen()
        if e is not None and e.household:
            self.open_household.emit(e.request.household_id)

    def extend(self) -> ExtendRequestDialog | None:
        e = self.chosen()
        if e is None or not self.extend_button.isEnabled():
            return None
        return self._open(ExtendRequestDialog(self._tasks, self._session, e, self))

    def close_chosen(self) -> CloseRequestDialog | None:
        e = self.chosen()
        if e is None or not self.close_button.isEnabled():
            return None
        return self._open(CloseRequestDialog(self._tasks, self._session, e, self))

    def _open(self, dialog: D) -> D:
        dialog.completed.connect(self.refresh)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.finished.connect(lambda _r: self.view.setFocus())
        dialog.open()
        self.dialog = dialog
        return dialog


def describe_request(e: RegisterEntry, session: Callable[[], DeskSession]) -> str:
    r = e.request
    parts = [f"{KIND_WORDS[r.kind]} request from {e.person}, received {uk(r.received)}, due {uk(r.due)}.",
             f"Identity checked: {r.identity_method}."]
    if r.detail:
        parts.append(f"Asked: {r.detail}")
    for step in r.steps:
        if step.status is RequestStatus.EXTENDED:
            parts.append(f"Extended on {uk(step.at)}: {step.note}")
    if r.status is RequestStatus.CLOSED:
        parts.append(f"Outcome: {r.outcome}")
    return " ".join(parts)


# -- the household page's Data protection tab ------------------------------------------------------
@dataclass(frozen=True)
class RightsRecord:
    entries: list[RegisterEntry]
    objections: list[Objection]


def load_rights(session: DeskSession, household_id: str) -> RightsRecord:
    return RightsRecord(request_register(session, household_id), household_objections(session, household_id))


TAB_TITLE = "Rights"  # the household page's tab, as the Rights menu


class RightsSection(QWidget):
    """This household's requests and objections, and the managers' rights actions.
    ``changed()`` after anything is recorded (the page reloads: an upheld objection shows at the top);
    ``subject_access_wanted()``, ``portability_wanted()`` and ``seen_wanted()`` for the page."""

    changed = Signal()
    subject_access_wanted = Signal()
    portability_wanted = Signal()
    seen_wanted = Signal()
    summary_changed = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rightsSection")
        self._tasks = tasks
        self._session = session
        self.household: Household | None = None
        self.chosen_person: Callable[[], str | None] = lambda: None
        self.requests_model = RegisterModel(self)
        self.requests_view = table("householdRequests", "This household's data protection requests",
                                   "Overdue requests say Overdue")
        self.requests_view.setModel(self.requests_model)
        self.requests_view.hideColumn(RegisterModel.HOUSEHOLD)
        self.objections_model = ObjectionsModel(self)
        self.objections_view = table("householdObjections", "Objections")
        self.objections_view.setModel(self.objections_model)
        self.objections_view.horizontalHeader().setStretchLastSection(False)
        self.objections_view.horizontalHeader().setSectionResizeMode(ObjectionsModel.OUTCOME,
                                                                     QHeaderView.ResizeMode.Stretch)
        self.add_request_button = button("Record &request…", "addRequestButton", "Record request")
        self.add_request_button.clicked.connect(self.add_request)
        self.extend_button = button("E&xtend…", "extendRequestButton", "Extend", "Extend the chosen request")
        self.extend_button.clicked.connect(self.extend)
        self.close_button = button("Close re&quest…", "closeRequestButton", "Close request", "Close the chosen request")
        self.close_button.clicked.connect(self.close_chosen)
        self.objection_button = button("Record o&bjection…", "addObjectionButton", "Record objection")
        self.objection_button.clicked.connect(self.add_objection)
        self.sar_button = button("Subject &access pack…", "subjectAccessButton", "Subject access pack",
                                 "Build, review and release a person's copy of their information")
        self.sar_button.clicked.connect(self.subject_access_wanted)
        self.portability_button = button("&Portability export…", "portabilityButton", "Portability export")
        self.portability_button.clicked.connect(self.portability_wanted)
        self.seen_button = button("&Who has seen and received…", "seenButton", "Who has seen and received")
        self.seen_button.clicked.connect(self.seen_wanted)
        self.requests_empty = note("No data protection requests from this household.", "noRequests")
        self.objections_empty = note("No objections recorded.", "noObjections")
        self.message = MessageLabel("rightsMessage")
        request_buttons = QHBoxLayout()
        for b in (self.add_request_button, self.extend_button, self.close_button):
            request_buttons.addWidget(b)
        request_buttons.addStretch(1)
        objection_buttons = QHBoxLayout()
        objection_buttons.addWidget(self.objection_button)
        objection_buttons.addStretch(1)
        copies = QHBoxLayout()
        for b in (self.sar_button, self.portability_button, self.seen_button):
            copies.addWidget(b)
        copies.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(heading("Requests", 12, "rightsRequestsHeading"))
        layout.addWidget(self.requests_empty)
        layout.addWidget(self.requests_view, 2)
        layout.addLayout(request_buttons)
        layout.addWidget(heading("Objections", 12, "rightsObjectionsHeading"))
        layout.addWidget(self.objections_empty)
        layout.addWidget(self.objections_view, 1)
        layout.addLayout(objection_buttons)
        layout.addWidget(heading("Copies and who has seen the record", 12, "rightsCopiesHeading"))
        layout.addLayout(copies)
        layout.addWidget(self.message)
        self.requests_view.selectionModel().currentRowChanged.connect(lambda _a, _b: self._chosen_changed())
        self.dialog: QDialog | None = None
        # Empty until a household is shown: the tables would otherwise ask the window for room
        # (two tables' height) it does not need, and at 1024x768 the window grew past the screen.
        for view, empty in ((self.requests_view, self.requests_empty), (self.objections_view, self.objections_empty)):
            view.setVisible(False)
            empty.setVisible(True)
        self._chosen_changed()

    def show_household(self, household: Household) -> None:
        self.household = household
        session = self._session()
        if not session.actor.may(Permission.RIGHTS_REQUESTS):
            return
        self.reload()

    def reload(self) -> None:
        if self.household is None:
            return
        session, hid = self._session(), self.household.id
        today = session.clock.today()
        self._tasks.run(lambda: load_rights(session, hid), lambda found: self._shown(found, today),
                        lambda error: self.message.show_problem(describe(error)), owner=self)

    def _shown(self, record: RightsRecord, today: date) -> None:
        household = self.household
        self.requests_model.set_entries(record.entries, today)
        names = {m.id: m.full_name for m in household.members} if household else {}
        purposes = {p.id: p.name for p in profile_of(self._session()).purposes}
        self.objections_model.set_objections(record.objections, names, purposes)
        for view, empty, rows in ((self.requests_view, self.requests_empty, record.entries),
                                  (self.objections_view, self.objections_empty, record.objections)):
            view.setVisible(bool(rows))
            empty.setVisible(not rows)
        if record.entries:
            self.requests_view.selectRow(0)
        self._chosen_changed()
        open_ = [e for e in record.entries if e.request.status is not RequestStatus.CLOSED]
        # Short, as every tab is (at 1024 px all seven must fit): the open count, as the other
        # tabs give theirs; the tab itself says which are overdue, in red and in words.
        self.summary_changed.emit(f"{TAB_TITLE} ({len(open_)})" if open_ else TAB_TITLE)

    def chosen(self) -> RegisterEntry | None:
        row = self.requests_view.currentIndex().row()
        return self.requests_model.entry(row) if 0 <= row < self.requests_model.rowCount() else None

    def _chosen_changed(self) -> None:
        e = self.chosen()
        self.extend_button.setEnabled(e is not None and e.request.status is RequestStatus.OPEN)
        self.close_button.setEnabled(e is not None and e.request.status is not RequestStatus.CLOSED)

    def add_request(self) -> AddRequestDialog | None:
        if self.household is None:
            return None
        return self._open(AddRequestDialog(self._tasks, self._session, self.household, self.chosen_person(), self))

    def extend(self) -> ExtendRequestDialog | None:
        e = self.chosen()
        if e is None or not self.extend_button.isEnabled():
            return None
        return self._open(ExtendRequestDialog(self._tasks, self._session, e, self))

    def close_chosen(self) -> CloseRequestDialog | None:
        e = self.chosen()
        if e is None or not self.close_button.isEnabled():
            return None
        return self._open(CloseRequestDialog(self._tasks, self._session, e, self))

    def add_objection(self) -> ObjectionDialog | None:
        if self.household is None:
            return None
        return self._open(ObjectionDialog(self._tasks, self._session, self.household, self.chosen_person(), self))

    def _open(self, dialog: D) -> D:
        dialog.completed.connect(self.changed)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.finished.connect(lambda _r: self.requests_view.setFocus()
                                if self.requests_view.isVisible() else self.add_request_button.setFocus())
        dialog.open()
        self.dialog = dialog
        return dialog
