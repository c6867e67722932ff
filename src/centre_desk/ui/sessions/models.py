"""Qt models of the sessions area: a day's sessions, a session's register (checkable), and the
start page's today list (tested with ``qtmodeltester``); and one naming helper for its inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit

from centre_desk.domain.sessions import Attendee, CentreSession
from centre_desk.services.sessions import TodaysSession

from ..table_model import ID_ROLE, HeaderedTableModel
from ..table_model import Index as _Index


def name_inner_line(edit: QAbstractSpinBox) -> None:
    """A date or time box's own line edit gets the box's names (screen readers land on it)."""
    inner = edit.findChild(QLineEdit)
    if inner is not None:
        inner.setObjectName(f"{edit.objectName()}Text")
        inner.setAccessibleName(edit.accessibleName())


def _times(cs: CentreSession) -> str:
    return f"{cs.starts:%H:%M}–{cs.ends:%H:%M}"


class SessionsModel(HeaderedTableModel):
    TIME, SESSION, PLACE = range(3)
    HEADERS = ("Time", "Session", "Place")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CentreSession] = []

    def set_sessions(self, sessions: Sequence[CentreSession]) -> None:
        self.beginResetModel()
        self._rows = list(sessions)
        self.endResetModel()

    def session(self, row: int) -> CentreSession:
        return self._rows[row]

    def row_of(self, session_id: str) -> int:
        return next((i for i, s in enumerate(self._rows) if s.id == session_id), -1)

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        cs = self._rows[index.row()]
        if role == ID_ROLE:
            return cs.id
        text = (_times(cs), cs.type_name, cs.place)[index.column()]
        key = cs.starts.isoformat() if index.column() == self.TIME else text.casefold()
        return self._text_roles(index, role, text, key)


class RegisterModel(HeaderedTableModel):
    """Who came: one row per person, the first column ticked for those who came. People already
    recorded as having come stay ticked (attendance is kept, not taken back here); the others
    tick and untick with Space or a click until the register is saved."""

    NAME, WHO = range(2)
    HEADERS = ("Name (Space ticks who came)", "Adult or child")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Attendee] = []
        self._ticked: set[str] = set()

    def set_register(self, rows: Sequence[Attendee]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._ticked = set()
        self.endResetModel()

    def clear(self) -> None:
        self.set_register([])

    def add(self, rows: Sequence[Attendee]) -> int:
        """Add people not yet on the register (a family looked up at the desk); how many were new."""
        known = {r.person_id for r in self._rows}
        new = [r for r in rows if r.person_id not in known]
        if new:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(new) - 1)
            self._rows.extend(new)
            self.endInsertRows()
        return len(new)

    def attendee(self, row: int) -> Attendee:
        return self._rows[row]

    def ticked(self) -> list[Attendee]:
        """People ticked now and not recorded before: what Save records."""
        return [r for r in self._rows if r.person_id in self._ticked and not r.came]

    def _count(self) -> int:
        return len(self._rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not self._valid(index):
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.NAME and not self._rows[index.row()].came:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        r = self._rows[index.row()]
        came = r.came or r.person_id in self._ticked
        if role == ID_ROLE:
            return r.person_id
        if index.column() == self.NAME:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if came else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.AccessibleTextRole:
                state = "recorded as came" if r.came else ("ticked" if came else "not ticked")
                return f"{r.name}: {state}"
            return self._text_roles(index, role, r.name, r.name.casefold())
        who = "Child" if r.child else "Adult"
        if r.came and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return f"{who} · recorded"
        return self._text_roles(index, role, who, who)

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (role != Qt.ItemDataRole.CheckStateRole or not self._valid(index) or index.column() != self.NAME
                or self._rows[index.row()].came):
            return False
        person = self._rows[index.row()].person_id
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        (self._ticked.add if checked else self._ticked.discard)(person)
        self.dataChanged.emit(index, self.index(index.row(), self.WHO),
                              [Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.AccessibleTextRole])
        return True


class TodayModel(HeaderedTableModel):
    """The start page's list: today's sessions and who has come so far."""

    TIME, SESSION, PLACE, CAME = range(4)
    HEADERS = ("Time", "Session", "Place", "Who came")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TodaysSession] = []

    def set_today(self, rows: Sequence[TodaysSession]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_today([])

    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        t = self._rows[index.row()]
        if role == ID_ROLE:
            return t.session.id
        came = ", ".join(t.attendees) if t.attendees else "nobody yet"
        text = (_times(t.session), t.session.type_name, t.session.place, came)[index.column()]
        return self._text_roles(index, role, text, text.casefold())
