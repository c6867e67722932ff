"""The sessions page: a day's sessions on the left, the chosen session's register on the right.

Staff find a family (the same audited search as the toolbar), press Enter to put its people on
the register, tick who came with Space, and save: each household's contact is recorded and its
last contact moves on. Everything works from the keyboard: Tab between the parts, Space to tick,
Alt+S to save.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from centre_desk.domain.household import SearchHit
from centre_desk.domain.sessions import AttendanceResult, Attendee, CentreSession
from centre_desk.domain.staff import Permission
from centre_desk.services.households import search_households
from centre_desk.services.profile import profile_of
from centre_desk.services.session import DeskSession
from centre_desk.services.sessions import list_sessions, record_attendance, session_register

from ..errors import describe
from ..table_model import HeaderedTableModel
from ..table_model import Index as _Index
from ..tasks import TaskRunner
from ..widgets import DateBox, MessageLabel, heading, named
from .add_dialog import AddSessionDialog
from .models import RegisterModel, SessionsModel, name_inner_line

FAMILIES_SHOWN = 10


def qdate_to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class FamiliesModel(HeaderedTableModel):
    """Families found to add to the register."""

    ADULTS, CHILDREN, POSTCODE = range(3)
    HEADERS = ("Adults", "Children", "Postcode")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> SearchHit:
        return self._hits[row]

    def _count(self) -> int:
        return len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        h = self._hits[index.row()]
        text = (", ".join(h.adults), ", ".join(h.children), h.postcode)[index.column()]
        return self._text_roles(index, role, text, text.casefold())


def _table(name: str, accessible: str, description: str = "") -> QTableView:
    view = named(QTableView(), name, accessible, description)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class _EnterFilter(QObject):
    """Enter on a table calls ``then`` (Qt's ``activated`` does not fire on every platform)."""

    def __init__(self, view: QTableView, then: Callable[[], object]) -> None:
        super().__init__(view)
        self._then = then
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self._then()
            return True
        return False


class SessionsPage(QWidget):
    """``attendance_saved`` after a register is saved (the start page's list refreshes)."""

    attendance_saved = Signal()
    session_added = Signal()

    def __init__(self, tasks: TaskRunner, session: Callable[[], DeskSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionsPage")
        self._tasks, self._session = tasks, session
        self.current: CentreSession | None = None
        self._households: dict[str, str] = {}

        self.day = named(DateBox(), "sessionsDay", "Day", "The sessions of this day are listed")
        self.day.setDisplayFormat("dd/MM/yyyy")
        name_inner_line(self.day)
        self.day.dateChanged.connect(lambda _d: self.load())
        day_label = QLabel("&Day")
        day_label.setBuddy(self.day)
        self.add_button = named(QPushButton("&Add session…"), "addSessionButton", "Add session")
        self.add_button.clicked.connect(self.add_session)

        self.sessions_model = SessionsModel(self)
        self.sessions_view = _table("sessionsList", "Sessions of the day", "Choose a session to see its register")
        self.sessions_view.setModel(self.sessions_model)
        self.sessions_view.selectionModel().currentRowChanged.connect(lambda *_: self._session_chosen())
        self.no_sessions = QLabel("No sessions on this day.")
        self.no_sessions.setObjectName("noSessions")

        self.register_title = heading("", 14, "registerTitle")
        self.register_title.setTextFormat(Qt.TextFormat.PlainText)
        self.find_box = named(QLineEdit(), "registerFind", "Find a family to add to the register",
                          "Type a name, postcode or phone number and press Enter")
        self.find_box.setPlaceholderText("Find a family: name, postcode or phone, then Enter")
        self.find_box.setMaxLength(200)
        self.find_box.returnPressed.connect(self.find_families)
        find_label = QLabel("Find a fa&mily")
        find_label.setBuddy(self.find_box)
        self.families_model = FamiliesModel(self)
        self.families_view = _table("registerFamilies", "Families found",
                                    "Enter puts the family's people on the register")
        self.families_view.setModel(self.families_model)
        self.families_view.doubleClicked.connect(lambda _i: self.add_family())
        _EnterFilter(self.families_view, self.add_family)
        self.families_view.setVisible(False)
        self.register_model = RegisterModel(self)
        self.register_view = _table("registerTable", "Register", "Space ticks or unticks the person")
        self.register_view.setModel(self.register_model)
        self.save_button = named(QPushButton("&Save who came"), "saveRegisterButton", "Save who came")
        self.save_button.setAutoDefault(True)
        self.save_button.clicked.connect(self.save)
        self.message = MessageLabel("registerMessage")

        top = QHBoxLayout()
        top.addWidget(heading("Sessions", 18, "sessionsHeading"), 1)
        top.addWidget(day_label)
        top.addWidget(self.day)
        top.addWidget(self.add_button)
        left = QVBoxLayout()
        left.addWidget(self.no_sessions)
        left.addWidget(self.sessions_view, 1)
        right = QVBoxLayout()
        right.addWidget(self.register_title)
        find_row = QHBoxLayout()
        find_row.addWidget(find_label)
        find_row.addWidget(self.find_box, 1)
        right.addLayout(find_row)
        right.addWidget(self.families_view)
        right.addWidget(self.register_view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.save_button)
        right.addLayout(bottom)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 14, 24, 14)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        self.setTabOrder(self.day, self.add_button)
        self.setTabOrder(self.add_button, self.sessions_view)
        self.setTabOrder(self.sessions_view, self.find_box)
        self.setTabOrder(self.find_box, self.families_view)
        self.setTabOrder(self.families_view, self.register_view)
        self.setTabOrder(self.register_view, self.save_button)
        self._show_register(None, [])

    # -- loading --------------------------------------------------------------------------------

    def open_day(self, on: date) -> None:
        """Show this day (today from the start page); loads even when the date is already it."""
        wanted = QDate(on.year, on.month, on.day)
        if self.day.date() != wanted:
            self.day.setDate(wanted)  # loads through dateChanged
        else:
            self.load()

    def load(self, select: str | None = None) -> None:
        session = self._session()
        self.add_button.setEnabled(session.actor.may(Permission.PLAN_SESSIONS))
        on = qdate_to_date(self.day.date())
        keep = select or (self.current.id if self.current else None)

        def shown(sessions: list[CentreSession]) -> None:
            self.sessions_model.set_sessions(sessions)
            self.no_sessions.setVisible(not sessions)
            row = self.sessions_model.row_of(keep) if keep else -1
            if sessions:
                self.sessions_view.setCurrentIndex(self.sessions_model.index(max(row, 0), 0))
            else:
                self._show_register(None, [])

        self._tasks.run(lambda: list_sessions(session, on), shown, self._failed, owner=self)

    def _session_chosen(self) -> None:
        index = self.sessions_view.currentIndex()
        if not index.isValid():
            self._show_register(None, [])
            return
        cs = self.sessions_model.session(index.row())
        self._load_register(cs.id)

    def _load_register(self, session_id: str, add: Sequence[str] = (),
                       then: Callable[[], object] | None = None) -> None:
        session = self._session()

        def shown(found: tuple[CentreSession, list[Attendee]]) -> None:
            cs, rows = found
            if add and self.current is not None and self.current.id == cs.id:
                first_new = self.register_model.rowCount()
                self.register_model.add(rows)
                self._remember(rows)
                if self.register_model.rowCount() > first_new:
                    self.register_view.setCurrentIndex(self.register_model.index(first_new, RegisterModel.NAME))
            else:
                self._show_register(cs, rows)
            if then is not None:
                then()

        self._tasks.run(lambda: session_register(session, session_id, add), shown, self._failed, owner=self)

    def _remember(self, rows: Sequence[Attendee]) -> None:
        self._households.update({r.person_id: r.household_id for r in rows})

    def _show_register(self, cs: CentreSession | None, rows: list[Attendee]) -> None:
        self.current = cs
        self.register_model.set_register(rows)
        self._households = {}
        self._remember(rows)
        may_record = self._session().actor.may(Permission.RECORD_CONTACT)
        for widget in (self.find_box, self.register_view, self.save_button):
            widget.setEnabled(cs is not None)
        self.save_button.setEnabled(cs is not None and may_record)
        if cs is None:
            self.register_title.setText("Register")
            return
        came = sum(1 for r in rows if r.came)
        self.register_title.setText(f"{cs.type_name}, {cs.when}, {cs.place}: {came} came")
        self.register_title.setAccessibleName(self.register_title.text())
        if rows:
            self.register_view.setCurrentIndex(self.register_model.index(0, RegisterModel.NAME))

    def clear(self) -> None:
        """Names off the screen (the desk is locking)."""
        self.register_model.clear()
        self.families_model.set_hits([])
        self.families_view.setVisible(False)
        self.find_box.clear()
        self.message.clear_message()

    def _failed(self, error: BaseException) -> None:
        self.message.show_problem(describe(error))

    # -- adding people ------------------------------------------------------------------------------

    def find_families(self) -> None:
        query = self.find_box.text().strip()
        if not query or self.current is None:
            return
        session = self._session()

        def shown(hits: list[SearchHit]) -> None:
            self.families_model.set_hits(hits)
            self.families_view.setVisible(bool(hits))
            if hits:
                self.families_view.setCurrentIndex(self.families_model.index(0, 0))
                self.families_view.setFocus()
                self.message.clear_message()
            else:
                self.message.show_info("No family matches. Check the spelling, or try the postcode.")

        self._tasks.run(lambda: search_households(session, query, FAMILIES_SHOWN), shown, self._failed, owner=self)

    def add_family(self) -> None:
        index = self.families_view.currentIndex()
        if not index.isValid() or self.current is None:
            return
        hit = self.families_model.hit(index.row())
        self.families_model.set_hits([])
        self.families_view.setVisible(False)
        self.find_box.clear()
        self._load_register(self.current.id, [hit.household_id], then=self.register_view.setFocus)

    # -- saving ---------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.current is None:
            return
        ticked = self.register_model.ticked()
        if not ticked:
            self.message.show_info("Tick who came with Space first.")
            return
        session, session_id = self._session(), self.current.id
        people = [r.person_id for r in ticked]
        households = {p: self._households[p] for p in people}
        self.save_button.setEnabled(False)

        def saved(result: AttendanceResult) -> None:
            self.save_button.setEnabled(True)
            self.message.show_info(f"Saved: {result.recorded} {'person' if result.recorded == 1 else 'people'}; "
                                   f"last contact moved on for {result.households} "
                                   f"{'household' if result.households == 1 else 'households'}.")
            self._load_register(session_id)
            self.attendance_saved.emit()

        def failed(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self._failed(error)

        self._tasks.run(lambda: record_attendance(session, session_id, people, households), saved, failed,
                        owner=self)

    def add_session(self) -> AddSessionDialog | None:
        session = self._session()
        if not session.actor.may(Permission.PLAN_SESSIONS):
            return None
        types = list(profile_of(session).session_types)
        dialog = AddSessionDialog(self._tasks, self._session, types, qdate_to_date(self.day.date()), self)
        dialog.added.connect(self._added)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        self.dialog = dialog
        return dialog

    def _added(self, cs: CentreSession) -> None:
        self.session_added.emit()
        self.day.blockSignals(True)  # one load, choosing the new session
        self.day.setDate(QDate(cs.on.year, cs.on.month, cs.on.day))
        self.day.blockSignals(False)
        self.load(select=cs.id)
