"""What the window's background sync asks between syncs: cheap reads, no network, no audit.

``services.sync.sync_status`` computes the digest of every record (a whole-store read); the
window asks every few seconds whether anything is waiting to be pushed, so it needs a read that
costs one count. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from centre_desk.domain.staff import Permission

from .session import DeskSession


@dataclass(frozen=True)
class DeskSyncState:
    enrolled: bool
    pending: int  # records waiting in the outbox
    conflicts: int  # open conflicts as last pulled
    last_sync: str | None  # ISO time of the last successful sync


NOT_ENROLLED = DeskSyncState(False, 0, 0, None)


def desk_sync_state(session: DeskSession) -> DeskSyncState:
    """The store's enrolment, outbox size, open conflicts and last sync; a stand-alone desk, or a
    member whose role may not sync, gets ``NOT_ENROLLED`` (the window then shows nothing of sync)."""
    if not session.actor.may(Permission.SYNC):
        return NOT_ENROLLED
    with session.store.reader() as uow:
        if uow.sync.config() is None:
            return NOT_ENROLLED
        return DeskSyncState(True, uow.sync.pending_count(), len(uow.sync.conflicts()), uow.sync.last_sync())


def pending_changes(session: DeskSession) -> int:
    """Records waiting to be pushed (0 on a stand-alone desk)."""
    with session.store.reader() as uow:
        return uow.sync.pending_count() if uow.sync.config() is not None else 0
