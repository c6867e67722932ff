"""Checking the audit chain, and reading it back.

A chain whose every link verifies can still have lost its tail, or have been rewritten from some
entry on by someone holding the key. The defence is a head written down elsewhere: ``audit head``
prints one (an administrator keeps it outside the device; the sync service will anchor each
device's head), and ``verify_audit(expect=...)`` fails when the chain no longer extends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from centre_desk.domain.audit import AuditEntry, ChainReport, Head, verify
from centre_desk.domain.staff import Permission

from .session import DeskSession


def verify_audit(session: DeskSession, expect: Head | None = None) -> ChainReport:
    session.require(Permission.VIEW_AUDIT)
    with session.uow() as uow:
        report = verify(list(uow.audit.entries()), expect)
        session.audit(uow, "audit.verified", detail="intact" if report.intact else "broken")
        uow.commit()
    return report


def audit_head(session: DeskSession) -> Head:
    """The head after recording that it was read, so the head printed covers that entry too."""
    session.require(Permission.VIEW_AUDIT)
    with session.uow() as uow:
        entry = session.audit(uow, "audit.head-read")
        uow.commit()
    return Head(entry.seq, entry.hash)


@dataclass(frozen=True)
class AuditQuery:
    """Filters for reading the trail back; every one is optional."""

    record: str | None = None  # a household, person or referral id: in the entry's reference or detail
    actor: str | None = None  # staff id
    action: str | None = None  # exact action, or a prefix ending in "." ("household.")
    since: date | None = None  # entries on or after this day (the entry's own date, as recorded)
    until: date | None = None  # entries on or before this day

    def describe(self) -> str:
        """The filters, for the audit entry that records the reading (ids and dates, no names)."""
        parts = [f"{name} {value}" for name, value in (("record", self.record), ("actor", self.actor),
                                                       ("action", self.action), ("since", self.since),
                                                       ("until", self.until)) if value]
        return "; ".join(parts) or "everything"


def _matches(entry: AuditEntry, q: AuditQuery) -> bool:
    day = entry.at.date()
    if (q.since is not None and day < q.since) or (q.until is not None and day > q.until):
        return False
    if q.actor is not None and entry.actor != q.actor:
        return False
    if q.action is not None:
        if q.action.endswith("."):
            if not entry.action.startswith(q.action):
                return False
        elif entry.action != q.action:
            return False
    if q.record is not None:
        # Search entries list the household ids they returned in their detail, so "who looked at
        # this family" includes everyone whose search showed it.
        in_detail = entry.detail is not None and q.record in entry.detail.replace(",", " ").split()
        if entry.record_ref != q.record and not in_detail:
            return False
    return True


def audit_trail(session: DeskSession, query: AuditQuery) -> list[AuditEntry]:
    session.require(Permission.VIEW_AUDIT)
    with session.uow() as uow:
        found = [e for e in uow.audit.entries() if _matches(e, query)]
        session.audit(uow, "audit.read", query.record, detail=f"{len(found)} entries")
        uow.commit()
    return found


PAGE_SIZE = 200
_SCAN_CHUNK = 2000


@dataclass(frozen=True)
class AuditPage:
    """One page of the trail, newest first. ``next_before`` asks for the next (older) page; None
    when the trail has been read to its start. ``actors`` names the staff ids on the page."""

    entries: tuple[AuditEntry, ...]
    next_before: int | None
    actors: dict[str, str] = field(default_factory=dict)


def audit_actors(session: DeskSession) -> dict[str, str]:
    """Staff id -> username, for choosing whose actions to see (managers and administrators)."""
    session.require(Permission.VIEW_AUDIT)
    with session.uow() as uow:
        return {m.id: m.username for m in uow.staff.all()}


def audit_page(session: DeskSession, query: AuditQuery, before: int | None = None,
               limit: int = PAGE_SIZE) -> AuditPage:
    """Entries matching ``query``, newest first, older than ``before``: at most ``limit`` of them,
    read from the store in chunks so that a long trail is never loaded at once. The first page of
    a query is audited ("audit.read"); the pages after it are the same reading continued."""
    session.require(Permission.VIEW_AUDIT)
    found: list[AuditEntry] = []
    cursor = before
    finished = False
    with session.uow() as uow:
        while len(found) < limit:
            chunk = uow.audit.newest_first(cursor, _SCAN_CHUNK)
            if not chunk:
                finished = True
                break
            for entry in chunk:
                cursor = entry.seq
                if _matches(entry, query):
                    found.append(entry)
                    if len(found) == limit:
                        break
            if len(chunk) < _SCAN_CHUNK and cursor == chunk[-1].seq:
                finished = True
                break
        names = {m.id: m.username for m in uow.staff.all()}
        if before is None:
            session.audit(uow, "audit.read", query.record, detail=query.describe()[:200])
            uow.commit()
    next_before = None if finished or cursor is None or cursor <= 1 else cursor
    return AuditPage(tuple(found), next_before, names)
