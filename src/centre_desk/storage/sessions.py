"""Sessions (kind ``session``, no household) and attendance (kind ``attendance``, one record per
person, kept under the person's household so erasure takes it too). Both are append-only."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from centre_desk.domain.sessions import Attendance, CentreSession

from .aliases import aliases
from .models import RecordRow

SESSION = "session"
ATTENDANCE = "attendance"


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _session(row: RecordRow) -> CentreSession:
    b = json.loads(row.body)
    return CentreSession(row.id, b["type"], b.get("type_name", b["type"]), date.fromisoformat(b["date"]),
                         time.fromisoformat(b["starts"]), time.fromisoformat(b["ends"]), b.get("place", ""),
                         row.created_by, datetime.fromisoformat(row.created_at))


def _attendance(row: RecordRow, alias: Mapping[str, str]) -> Attendance:
    b = json.loads(row.body)
    return Attendance(row.id, b["session_id"], row.household_id or "", alias.get(b["person_id"], b["person_id"]),
                      date.fromisoformat(b["date"]), b["contact_id"], row.created_by,
                      datetime.fromisoformat(row.created_at))


class SqlSessionRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, cs: CentreSession) -> None:
        at = cs.created_at.isoformat()
        self.s.add(RecordRow(id=cs.id, kind=SESSION, household_id=None, version=1, created_by=cs.created_by,
                             created_at=at, updated_by=cs.created_by, updated_at=at, deleted=False,
                             body=_dumps({"type": cs.type_id, "type_name": cs.type_name, "date": cs.on.isoformat(),
                                          "starts": cs.starts.isoformat("minutes"),
                                          "ends": cs.ends.isoformat("minutes"), "place": cs.place})))
        self.s.flush()

    def get(self, session_id: str) -> CentreSession | None:
        row = self.s.get(RecordRow, session_id)
        if row is None or row.kind != SESSION or row.deleted:
            return None
        return _session(row)

    def between(self, first: date, last: date) -> list[CentreSession]:
        rows = self.s.scalars(select(RecordRow).where(
            RecordRow.kind == SESSION, RecordRow.deleted.is_(False),
            text("json_extract(records.body, '$.date') BETWEEN :a AND :b")).params(
                a=first.isoformat(), b=last.isoformat()))
        return sorted((_session(r) for r in rows), key=lambda s: (s.on, s.starts, s.type_name, s.id))

    def add_attendance(self, items: Sequence[Attendance]) -> None:
        for a in items:
            at = a.recorded_at.isoformat()
            self.s.add(RecordRow(id=a.id, kind=ATTENDANCE, household_id=a.household_id, version=1,
                                 created_by=a.recorded_by, created_at=at, updated_by=a.recorded_by, updated_at=at,
                                 deleted=False, body=_dumps({"session_id": a.session_id, "person_id": a.person_id,
                                                             "date": a.on.isoformat(), "contact_id": a.contact_id})))
        self.s.flush()

    def attendance(self, session_id: str) -> list[Attendance]:
        # Written exactly as the partial index of revision 0010_sessions is, so SQLite uses it.
        rows = self.s.scalars(select(RecordRow).from_statement(text(
            "SELECT * FROM records WHERE kind = 'attendance' AND json_extract(body, '$.session_id') = :sid "
            "AND deleted = 0")).params(sid=session_id)).all()
        alias = aliases(self.s) if rows else {}
        return sorted((_attendance(r, alias) for r in rows), key=lambda a: (a.recorded_at, a.id))

    def for_household(self, household_id: str) -> list[Attendance]:
        rows = self.s.scalars(select(RecordRow).where(
            RecordRow.household_id == household_id, RecordRow.kind == ATTENDANCE, RecordRow.deleted.is_(False)))
        alias = aliases(self.s, household_id)
        return sorted((_attendance(r, alias) for r in rows), key=lambda a: (a.on, a.recorded_at), reverse=True)

    def households_of(self, person_ids: Sequence[str]) -> dict[str, str]:
        """Person id -> household id, for people named by id alone (the admin tool). One pass over
        the households' members."""
        if not person_ids:
            return {}
        rows = self.s.execute(text(
            "SELECT json_extract(m.value, '$.id'), r.id FROM records r, json_each(r.body, '$.members') m "
            "WHERE r.kind = 'household' AND r.deleted = 0 "
            "AND json_extract(m.value, '$.id') IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(list(person_ids))}).all()
        return {str(pid): str(hid) for pid, hid in rows}
