"""A signed-in member of staff working on an unlocked store."""

from __future__ import annotations

from dataclasses import dataclass

from centre_desk.domain.audit import RECEIPT_ACTIONS, AuditEntry
from centre_desk.domain.clock import Clock
from centre_desk.domain.staff import Permission, StaffMember, require

from .ports import OpenStore, UnitOfWork


@dataclass
class DeskSession:
    store: OpenStore
    actor: StaffMember
    clock: Clock

    def uow(self) -> UnitOfWork:
        return self.store.unit_of_work()

    def require(self, permission: Permission) -> None:
        require(self.actor, permission)

    def audit(self, uow: UnitOfWork, action: str, record_ref: str | None = None,
              detail: str | None = None) -> AuditEntry:
        entry = uow.audit.append(self.clock.now(), self.actor.id, action, record_ref, detail)
        if record_ref and action.startswith(RECEIPT_ACTIONS):
            # A print or an export of a household's information: indexed with the views, so "who
            # has seen and who has received" is one index look-up, not a scan of the audit chain.
            uow.households.note_read(entry.seq, [record_ref])
        return entry
