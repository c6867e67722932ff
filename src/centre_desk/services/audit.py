"""Checking the audit chain."""

from __future__ import annotations

from centre_desk.domain.audit import ChainReport, verify
from centre_desk.domain.staff import Permission

from .session import DeskSession


def verify_audit(session: DeskSession) -> ChainReport:
    session.require(Permission.VIEW_AUDIT)
    with session.uow() as uow:
        report = verify(list(uow.audit.entries()))
        session.audit(uow, "audit.verified", detail="intact" if report.intact else "broken")
        uow.commit()
    return report
