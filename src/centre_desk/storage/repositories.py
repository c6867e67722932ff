"""Repositories over the SQLAlchemy session: domain objects in, domain objects out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from centre_desk.domain.audit import SOURCE_STORE, AuditEntry, Head, entry_after
from centre_desk.domain.errors import Conflict, NotFound
from centre_desk.domain.staff import Role, StaffMember

from .models import AuditRow, SettingRow, StaffRow


def _member(row: StaffRow) -> StaffMember:
    return StaffMember(row.id, row.username, Role(row.role), row.display_name, row.disabled)


class SqlStaffRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, member: StaffMember, created_at: datetime, created_by: str) -> None:
        folded = member.username.casefold()
        if self.s.scalar(select(StaffRow.id).where(StaffRow.username_folded == folded)):
            raise Conflict("a member of staff with that username already exists")
        self.s.add(StaffRow(id=member.id, username=member.username, username_folded=folded,
                            display_name=member.display_name, role=member.role.value,
                            disabled=member.disabled, created_at=created_at.isoformat(),
                            created_by=created_by))
        self.s.flush()

    def get(self, staff_id: str) -> StaffMember | None:
        row = self.s.get(StaffRow, staff_id)
        return _member(row) if row else None

    def by_username(self, username: str) -> StaffMember | None:
        row = self.s.scalar(select(StaffRow).where(StaffRow.username_folded == username.strip().casefold()))
        return _member(row) if row else None

    def all(self) -> list[StaffMember]:
        return [_member(r) for r in self.s.scalars(select(StaffRow).order_by(StaffRow.username_folded))]

    def _row(self, staff_id: str) -> StaffRow:
        row = self.s.get(StaffRow, staff_id)
        if row is None:
            raise NotFound("no such member of staff")
        return row

    def set_disabled(self, staff_id: str, disabled: bool) -> None:
        self._row(staff_id).disabled = disabled
        self.s.flush()

    def set_role(self, staff_id: str, role: Role) -> None:
        self._row(staff_id).role = role.value
        self.s.flush()


class SqlSettingsRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, key: str) -> str | None:
        row = self.s.get(SettingRow, key)
        return row.value if row else None

    def set(self, key: str, value: str) -> None:
        row = self.s.get(SettingRow, key)
        if row is None:
            self.s.add(SettingRow(key=key, value=value))
        else:
            row.value = value
        self.s.flush()


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(row.seq, datetime.fromisoformat(row.at), row.actor, row.action, row.record_ref,
                      row.detail, row.prev_hash, row.hash, row.source)


_LAST_LINK = text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
_INSERT = text("INSERT INTO audit_log (seq, at, actor, action, record_ref, detail, prev_hash, hash, source) "
               "VALUES (:seq, :at, :actor, :action, :ref, :detail, :prev, :hash, :source)")


def append_raw(conn: Any, at: datetime, actor: str, action: str, record_ref: str | None = None,
               detail: str | None = None, source: str = SOURCE_STORE) -> AuditEntry:
    """``SqlAuditLog.append`` on a DB-API connection already inside a write transaction (the
    search path's own connection, which does without SQLAlchemy)."""
    last = conn.execute(_LAST_LINK.text).fetchone()
    entry = entry_after(Head(int(last[0]), str(last[1])) if last else None, at, actor, action, record_ref,
                        detail, source)
    conn.execute(_INSERT_QMARK, (entry.seq, entry.at.isoformat(), entry.actor, entry.action, entry.record_ref,
                                 entry.detail, entry.prev_hash, entry.hash, entry.source))
    return entry


_INSERT_QMARK = ("INSERT INTO audit_log (seq, at, actor, action, record_ref, detail, prev_hash, hash, source) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


class SqlAuditLog:
    """Appends to the hash chain. Writers hold SQLite's write lock (BEGIN IMMEDIATE), so reading
    the last entry and appending the next cannot interleave with another writer."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def _last(self) -> AuditEntry | None:
        row = self.s.scalar(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1))
        return _entry(row) if row else None

    def append(self, at: datetime, actor: str, action: str, record_ref: str | None = None,
               detail: str | None = None, *, source: str = SOURCE_STORE) -> AuditEntry:
        # Two plain statements rather than an ORM load and flush: every search writes an entry,
        # and the ORM's bookkeeping cost more than the statements themselves.
        last = self.s.execute(_LAST_LINK).first()
        entry = entry_after(Head(int(last[0]), str(last[1])) if last else None, at, actor, action, record_ref,
                            detail, source)
        self.s.execute(_INSERT, {"seq": entry.seq, "at": entry.at.isoformat(), "actor": entry.actor,
                                 "action": entry.action, "ref": entry.record_ref, "detail": entry.detail,
                                 "prev": entry.prev_hash, "hash": entry.hash, "source": entry.source})
        return entry

    def head(self) -> AuditEntry | None:
        """The newest entry, or None for an empty chain."""
        return self._last()

    def entries(self) -> Iterator[AuditEntry]:
        for row in self.s.scalars(select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=1000)):
            yield _entry(row)

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(AuditRow)) or 0)

    def newest_first(self, before_seq: int | None, limit: int) -> list[AuditEntry]:
        """Up to ``limit`` entries older than ``before_seq`` (all when None), newest first."""
        query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
        if before_seq is not None:
            query = query.where(AuditRow.seq < before_seq)
        return [_entry(row) for row in self.s.scalars(query)]

    def latest_by_actor(self, action: str) -> dict[str, datetime]:
        """When each actor last wrote ``action`` (e.g. "sign-in")."""
        latest = (select(func.max(AuditRow.seq)).where(AuditRow.action == action)
                  .group_by(AuditRow.actor).scalar_subquery())
        rows = self.s.execute(select(AuditRow.actor, AuditRow.at).where(AuditRow.seq.in_(latest)))
        return {str(actor): datetime.fromisoformat(str(at)) for actor, at in rows}
