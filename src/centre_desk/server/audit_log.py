"""The server's own audit chain, built with ``centre_desk.domain.audit`` (the device's chain code).

One chain per organisation (see ``models.ServerAuditEntry`` for why). Appends read the last
entry and write the next, so they run under ``lock_org`` and a primary key on (org, seq) that
would turn any race the lock missed into a failed transaction rather than a fork.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from centre_desk.domain.audit import AuditEntry, ChainReport, Head, make_entry, verify

from .db import lock_org
from .models import AuditAnchor, Device, DeviceAuditEntry, ServerAuditEntry

ADMIN_ACTOR = "server-admin"  # the command line; it has no signed-in member


def _entry(row: ServerAuditEntry | DeviceAuditEntry) -> AuditEntry:
    source = row.source if isinstance(row, DeviceAuditEntry) else "store"
    return AuditEntry(row.seq, row.at, row.actor, row.action, row.record_ref, row.detail, row.prev_hash,
                      row.hash, source)


def append(session: Session, org_id: str, at: datetime, actor: str, action: str,
           record_ref: str | None = None, detail: str | None = None) -> AuditEntry:
    lock_org(session, "audit", org_id)
    last = session.scalar(select(ServerAuditEntry).where(ServerAuditEntry.org_id == org_id)
                          .order_by(ServerAuditEntry.seq.desc()).limit(1))
    entry = make_entry(_entry(last) if last else None, at, actor, action, record_ref, detail)
    session.add(ServerAuditEntry(org_id=org_id, seq=entry.seq, at=entry.at, actor=entry.actor,
                                 action=entry.action, record_ref=entry.record_ref, detail=entry.detail,
                                 prev_hash=entry.prev_hash, hash=entry.hash))
    session.flush()
    return entry


def entries(session: Session, org_id: str) -> list[AuditEntry]:
    rows = session.scalars(select(ServerAuditEntry).where(ServerAuditEntry.org_id == org_id)
                           .order_by(ServerAuditEntry.seq))
    return [_entry(r) for r in rows]


def verify_org(session: Session, org_id: str) -> ChainReport:
    return verify(entries(session, org_id))


def verify_devices(session: Session, org_id: str) -> list[tuple[str, ChainReport]]:
    """Every device chain the server holds for this organisation, checked against its anchor."""
    reports = []
    for device in session.scalars(select(Device).where(Device.org_id == org_id).order_by(Device.id)):
        rows = list(session.scalars(select(DeviceAuditEntry).where(DeviceAuditEntry.device_id == device.id)
                                    .order_by(DeviceAuditEntry.seq)))
        anchor = session.get(AuditAnchor, device.id)
        if not rows and anchor is None:
            continue
        expect = Head(anchor.head_count, anchor.head_hash) if anchor else None
        reports.append((device.id, verify([_entry(r) for r in rows], expect)))
    return reports
