"""Who has seen and who has received a household's information, on every device of the organisation.

This desk's own list (``disclosures.local_receipts``: its audit trail's household index and the
disclosure log) is merged with what the server holds of the other devices' audit entries
(``GET /v1/households/{id}/seen``, through the ``SyncServer`` port), once those devices have
synced. The server also holds this desk's pushed entries: they are recognised by device id and by
their chain hash (the same entry after a re-enrolment has the same hash) and listed once, as this
desk's. Without an answer from the server — offline, not enrolled, refused — the local list comes
back with a notice that says plainly what is missing; nothing is cached from an earlier answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from centre_desk.domain.staff import Permission
from centre_desk.domain.sync import ServerRefused

from .disclosures import Receipt, local_receipts, receipt_words
from .session import DeskSession

if TYPE_CHECKING:
    from .sync import Connect

REMOTE_LIMIT = 500  # the newest entries from other devices in one answer (the server allows up to 2,000)

LOCAL_ONLY = ("only this device's audit trail and the disclosure log (shares logged on any device, once "
              "synced) are listed")


@dataclass(frozen=True)
class SeenEverywhere:
    receipts: list[Receipt]  # oldest first
    other_devices: bool  # the server answered: other devices' synced entries are included
    notice: str | None  # what is missing, in words for the window and the CLI; None when nothing is
    from_other_devices: int = 0


def device_label(entry: Mapping[str, Any]) -> str:
    """How the window names another device: the end of its id (the random part of a UUIDv7) and
    who enrolled it, since devices have no names of their own."""
    label = f"device …{str(entry['device_id'])[-8:]}"
    if entry.get("device_enrolled_by"):
        label += f", enrolled by {entry['device_enrolled_by']}"
    return label + (" (revoked)" if entry.get("device_revoked") else "")


def _iso(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(UTC).isoformat()


def merge_receipts(local: Iterable[Receipt], local_hashes: frozenset[str], remote: Iterable[Mapping[str, Any]],
                   own_device_id: str | None, names: Mapping[str, str]) -> tuple[list[Receipt], int]:
    """This desk's receipts and the server's entries, each once, oldest first. A server entry from
    this device (by id, or by hash: the chain is this desk's even after a re-enrolment) is already in
    the local list, which also has whatever was not pushed yet. Returns (receipts, how many came
    from other devices)."""
    out = list(local)
    added = 0
    for e in remote:
        if e["device_id"] == own_device_id or e.get("hash") in local_hashes:
            continue
        who = e.get("actor_username") or names.get(str(e["actor_id"])) or str(e["actor_id"])
        out.append(Receipt(_iso(str(e["at"])), who, receipt_words(str(e["action"])), device_label(e),
                           str(e["device_id"])))
        added += 1
    return sorted(out, key=lambda r: r.at), added


def seen_across_devices(session: DeskSession, household_id: str, connect: Connect | None) -> SeenEverywhere:
    """``disclosures.seen_and_received`` with the other devices' entries from the server when this
    desk is enrolled and the server answers; otherwise the local list and a notice saying so."""
    session.require(Permission.VIEW_AUDIT)
    with session.store.reader() as uow:
        cfg = uow.sync.config()
        own_device = cfg["device_id"] if cfg else None
        local = local_receipts(uow, household_id, own_device)
    notice: str | None
    answer: dict[str, Any] | None = None
    if cfg is None:
        notice = f"This desk is not enrolled with a sync server, so {LOCAL_ONLY}."
    elif connect is None:
        notice = f"Other devices' entries could not be fetched (no connection to the sync server here): {LOCAL_ONLY}."
    else:
        # Outside any unit of work: a slow server holds no lock on the store.
        try:
            server = connect(cfg, session.actor.username)
            try:
                answer = server.seen(household_id, REMOTE_LIMIT)
            finally:
                server.close()
            notice = None
        except ServerRefused as exc:
            notice = f"Other devices' entries could not be fetched from the server ({exc}): {LOCAL_ONLY}."
    receipts, added = merge_receipts(local.receipts, local.hashes, (answer or {}).get("entries") or [], own_device,
                                     local.names)
    if answer is not None and answer.get("more"):
        notice = (f"Only the newest {answer.get('limit', REMOTE_LIMIT)} entries from other devices are listed; "
                  "older ones are on the server.")
    with session.uow() as uow:
        reached = f"{added} from other devices" if answer is not None else "other devices not reached"
        session.audit(uow, "audit.household-recipients", household_id, f"{len(receipts)} entries, {reached}")
        uow.commit()
    return SeenEverywhere(receipts, answer is not None, notice, added)
