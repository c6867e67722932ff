"""Checking the audit chain, and reading it back.

A chain whose every link verifies can still have lost its tail, or have been rewritten from some
entry on by someone holding the key. The defence is a head written down elsewhere: ``audit head``
prints one (an administrator keeps it outside the device; the sync service will anchor each
device's head), and ``verify_audit(expect=...)`` fails when the chain no longer extends it.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def _matches(entry: AuditEntry, q: AuditQuery) -> bool:
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
