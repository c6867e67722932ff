"""Sync use cases: enrol a device, push then pull, status, conflicts.

No Qt and no blocking on anything but the network: the window can run ``sync_now`` in a
background task and pass ``progress`` (called with a stage name, done, total) to drive its status
bar. The server is reached through the ``SyncServer`` port; ``connect`` builds one from the
store's enrolment (server URL, device token) and the signed-in member's username.

Crash safety: each pushed batch is marked done in the outbox in one unit of work after the
server's answer (a rerun re-sends the same operation ids, which the server answers as
duplicates); each pulled page is applied with its cursor in one unit of work.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from centre_desk.domain.audit import AuditEntry
from centre_desk.domain.clock import Clock
from centre_desk.domain.crashpoints import reached
from centre_desk.domain.errors import CentreDeskError, Conflict, NotFound, ValidationFailed
from centre_desk.domain.staff import Permission, Role, StaffMember
from centre_desk.domain.sync import DEVICE_REVOKED, RESYNC_REQUIRED, ServerRefused, batch_key

from .auth import SLOT_CREDENTIALS_SETTING
from .ports import StoreGate, SyncServer, UnitOfWork
from .session import DeskSession

PUSH_BATCH = 500
AUDIT_BATCH = 5000
PULL_PAGE = 5000  # the server's most: a first sync of 200,000 records is 40 transactions
PULL_PAGE_ENV = "CENTRE_DESK_SYNC_PULL_PAGE"  # smaller pages, for the crash tests (1..5000)
MAX_RESYNC_RESTARTS = 3

Progress = Callable[[str, int, int], None]
Connect = Callable[[dict[str, str], str], SyncServer]  # (enrolment config, username) -> server


class NotEnrolled(CentreDeskError):
    """The store has no sync server."""


@dataclass(frozen=True)
class SyncResult:
    pushed: int
    pulled: int
    conflicts: int
    dropped: int = 0
    tamper: bool = False


@dataclass(frozen=True)
class SyncStatus:
    last_sync: str | None
    pending: int
    conflicts: int
    households: int
    digest: str
    enrolled: bool
    device_id: str | None


def _audit_wire(e: AuditEntry) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "ref": e.record_ref,
            "detail": e.detail, "source": e.source, "prev_hash": e.prev_hash, "hash": e.hash}


def _config(session: DeskSession) -> dict[str, str]:
    with session.store.reader() as uow:
        cfg = uow.sync.config()
    if cfg is None:
        raise NotEnrolled("this store is not enrolled with a sync server: run 'centre-desk-admin enrol' first")
    return cfg


def is_enrolled(uow: UnitOfWork) -> bool:
    return uow.sync.config() is not None


def sync_now(session: DeskSession, connect: Connect, progress: Progress | None = None,
             wipe: Callable[[], None] | None = None) -> SyncResult:
    """Push everything waiting, then pull every page after the cursor, then refresh the conflicts.

    ``wipe`` (the data directory's): called, after locking the store, when the server says this
    device has been revoked, so a lost or stolen laptop loses its copy at its next contact."""
    session.require(Permission.SYNC)
    try:
        return _sync(session, connect, progress)
    except ServerRefused as exc:
        if exc.code != DEVICE_REVOKED or wipe is None:
            raise
        session.store.lock()
        wipe()
        raise ServerRefused(exc.code, "this device has been revoked on the server; its local store has been wiped",
                            exc.status) from None


def _sync(session: DeskSession, connect: Connect, progress: Progress | None) -> SyncResult:
    cfg = _config(session)
    server = connect(cfg, session.actor.username)
    note = progress or (lambda _stage, _done, _total: None)
    try:
        _escrow_if_due(session, server, cfg)
        pushed, dropped, tamper = _push(session, server, note)
        pulled, disabled, listed, credentials = _pull(session, server, note)
        conflicts = server.conflicts() if listed is None else listed
        with session.store.reader() as uow:
            same = uow.sync.conflicts() == conflicts
        # Nothing moved: only the time of the last sync is written, in a relaxed unit of work
        # (no fsync of its own), and no audit entry, so a sync with nothing to do stays cheap.
        quiet = same and not pushed and not pulled
        with session.store.unit_of_work(relaxed=quiet) as uow:
            if not same:
                uow.sync.replace_conflicts(conflicts)
            uow.sync.set_last_sync(session.clock.now().isoformat())
            if not quiet:
                session.audit(uow, "sync.done", None,
                              f"pushed {pushed}, pulled {pulled}, conflicts {len(conflicts)}")
            uow.commit()
    finally:
        server.close()
    if _apply_staff_directory(session, disabled, credentials):
        # Re-encrypted: the server's escrow holds the old key, which opens nothing now. A fresh
        # connection (the re-encryption may have outlasted the kept-alive one); if it fails, the
        # next sync sends it.
        server = connect(cfg, session.actor.username)
        try:
            _escrow_if_due(session, server, cfg)
        except ServerRefused:
            pass
        finally:
            server.close()
    return SyncResult(pushed, pulled, len(conflicts), dropped, tamper)


ESCROW_SENT_SETTING = "escrow_sent"


def _escrow_if_due(session: DeskSession, server: SyncServer, cfg: dict[str, str]) -> bool:
    """Send the store's sealed key (``OpenStore.escrow_box``) when the server does not hold the
    current one: after enrolment, after each re-encryption. The box is not the key (DESIGN §4)."""
    box = session.store.escrow_box(cfg["server_url"], cfg.get("pin") or None, cfg["device_id"])
    sent = f"{box['generation']}:{box['release_hash']}"
    with session.store.reader() as uow:
        if uow.settings.get(ESCROW_SENT_SETTING) == sent:
            return False
    server.put_escrow(box)
    with session.uow() as uow:
        uow.settings.set(ESCROW_SENT_SETTING, sent)
        session.audit(uow, "device.key-escrowed", None, f"generation {box['generation']}")
        uow.commit()
    return True


def _apply_staff_directory(session: DeskSession, usernames: list[str], credentials: dict[str, str]) -> bool:
    """Members disabled on the server lose their slot here; a member whose password was changed
    on the server loses the slot made with the old one (their next sign-in is online, with the new
    password). Either way the store key is rotated, so an old copy of the key slots opens nothing
    current. Returns whether it was."""
    from .keys import rotate_store_key

    removed: list[str] = []
    with session.uow() as uow:
        for username in usernames:
            member = uow.staff.by_username(username)
            if member is None or member.disabled or member.id == session.actor.id:
                continue
            uow.staff.set_disabled(member.id, True)
            session.audit(uow, "staff.disabled", member.id, "disabled on the server")
            removed.append(member.id)
        for member in uow.staff.all():
            made_at = uow.settings.get(SLOT_CREDENTIALS_SETTING + member.id)
            now_at = credentials.get(member.username)
            if member.disabled or not made_at or now_at is None or now_at == made_at:
                continue
            if not session.store.vault.has_slot(member.id):
                continue
            uow.settings.set(SLOT_CREDENTIALS_SETTING + member.id, "")
            session.audit(uow, "key-slot.removed", member.id, "password changed on the server")
            removed.append(member.id)
        uow.commit()
    for staff_id in removed:
        session.store.vault.remove_member(staff_id)
    if removed:
        return rotate_store_key(session)
    return False


def _push(session: DeskSession, server: SyncServer, note: Progress) -> tuple[int, int, bool]:
    with session.store.reader() as uow:
        total = uow.sync.pending_count()
    pushed = dropped = 0
    send_audit, tamper = True, False
    while True:
        with session.store.reader() as uow:
            ops = list(uow.sync.pending(PUSH_BATCH))
            audit = [_audit_wire(e) for e in uow.sync.audit_after(AUDIT_BATCH)] if send_audit else []
        if not ops and not audit:
            return pushed, dropped, tamper
        key = batch_key([str(o.wire["op_id"]) for o in ops] + [f"audit:{a['seq']}:{a['hash']}" for a in audit])
        answer = server.push(key, [o.wire for o in ops], audit)
        reached("sync.push.answered")
        results = {r["op_id"]: r for r in answer["results"]}
        with session.uow() as uow:
            uow.sync.pushed([(o, results[o.wire["op_id"]]["status"], results[o.wire["op_id"]]["seq"]) for o in ops])
            if answer["audit"]["status"] == "ok":
                uow.sync.audit_anchored(int(answer["audit"]["head"]))
            else:
                send_audit, tamper = False, True
            if ops:
                session.audit(uow, "sync.pushed", None, f"{len(ops)} operations")
            uow.commit()
        pushed += len(ops)
        dropped += sum(1 for r in results.values() if str(r["status"]).startswith("dropped"))
        note("push", pushed, max(total, pushed))
        if not ops and answer["audit"]["status"] == "ok" and len(audit) < AUDIT_BATCH:
            return pushed, dropped, tamper


def _pull(session: DeskSession, server: SyncServer,
          note: Progress) -> tuple[int, list[str], list[dict[str, Any]] | None, dict[str, str]]:
    """Every page after the cursor, each applied with its cursor in one unit of work.

    The next page is asked for while the current one is applied (the server works on it in its
    own process meanwhile); that request carries ``ack`` = the cursor committed so far, so the
    server never counts a page as acknowledged before it is in the store; the last page is
    acknowledged on its own once committed. A pull from cursor 0
    is a full pull: on a store that held records, whatever it does not bring is dropped at the
    end (``finish_full_pull``). The server answers ``resync-required`` when the cursor is below
    its tombstone horizon: the push is already done, so the device starts a full pull. A full
    pull says so (``full``), so one killed half way resumes from its cursor."""
    pulled = 0
    restarts = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as fetcher:
        while True:
            with session.store.reader() as uow:
                cursor, full = uow.sync.cursor(), uow.sync.full_pull()
            if cursor == 0 and full is None:
                with session.uow() as uow:
                    full = uow.sync.begin_full_pull()
                    uow.commit()
            try:
                return _pages(session, server, note, fetcher, cursor, pulled, full is not None)
            except ServerRefused as exc:
                if exc.code != RESYNC_REQUIRED or restarts >= MAX_RESYNC_RESTARTS:
                    raise
                restarts += 1
                with session.uow() as uow:
                    mode = uow.sync.begin_full_pull()
                    session.audit(uow, "sync.resync", None, f"full pull from the start ({mode})")
                    uow.commit()
                note("resync", 0, 0)


def _page_size() -> int:
    try:
        return max(1, min(PULL_PAGE, int(os.environ.get(PULL_PAGE_ENV) or PULL_PAGE)))
    except ValueError:
        return PULL_PAGE


def _pages(session: DeskSession, server: SyncServer, note: Progress, fetcher: ThreadPoolExecutor, cursor: int,
           pulled: int, full: bool) -> tuple[int, list[str], list[dict[str, Any]] | None, dict[str, str]]:
    size = _page_size()
    started = cursor
    pending: Future[dict[str, Any]] = fetcher.submit(server.pull, cursor, size, None, full)
    try:
        while True:
            page = pending.result()
            reached("sync.pull.fetched")
            changes = page["changes"]
            after = int(page["cursor"])
            if page["more"]:
                pending = fetcher.submit(server.pull, after, size, cursor, full)
            last = not page["more"]
            if changes or after != cursor or (last and full):
                with session.uow() as uow:
                    if changes or after != cursor:
                        uow.sync.apply(changes, after)
                        session.audit(uow, "sync.pulled", None, f"{len(changes)} records")
                    if last and full:
                        removed = uow.sync.finish_full_pull()
                        session.audit(uow, "sync.full-pull.done", None, f"{removed} records the server no longer holds")
                    uow.commit()
                if changes or after != cursor:
                    reached("sync.pull.applied")
            cursor = after
            pulled += len(changes)
            note("pull", pulled, pulled + (size if page["more"] else 0))
            if last:
                if cursor != started:
                    # The requests acknowledged up to the page before this one; say the last is in
                    # too, so the tombstone horizon counts this device as having seen it.
                    server.ack(cursor)
                credentials = {str(k): str(v) for k, v in (page.get("staff_credentials") or {}).items()}
                return pulled, [str(u) for u in page.get("disabled_staff") or []], page.get("conflicts"), credentials
    finally:
        if not pending.done():
            pending.cancel()
            wait([pending])  # never leave a request in flight on the connection the caller closes


def sync_status(session: DeskSession) -> SyncStatus:
    session.require(Permission.SYNC)
    with session.store.reader() as uow:
        cfg = uow.sync.config()
        households, digest = uow.sync.digest()
        return SyncStatus(uow.sync.last_sync(), uow.sync.pending_count(), len(uow.sync.conflicts()), households,
                          digest, cfg is not None, cfg["device_id"] if cfg else None)


def list_conflicts(session: DeskSession) -> list[dict[str, Any]]:
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        return uow.sync.conflicts()


def resolve_conflict(session: DeskSession, connect: Connect, conflict_id: str, value: str) -> Any:
    """A manager picks the value; the server applies it as a change and every device pulls it.
    Needs the server (the resolution must be ordered with everyone's edits), then syncs."""
    session.require(Permission.RESOLVE_CONFLICT)
    with session.store.reader() as uow:
        known = {c["conflict_id"]: c for c in uow.sync.conflicts()}
    if conflict_id not in known:
        raise NotFound("no such conflict (run 'sync' to fetch the latest list)")
    chosen: Any = value
    for candidate in known[conflict_id]["values"]:
        if candidate.get("value") is not None and str(candidate["value"]) == value:
            chosen = candidate["value"]  # keep a candidate's own type (a number, true/false)
    server = connect(_config(session), session.actor.username)
    try:
        server.resolve(conflict_id, chosen)
    finally:
        server.close()
    with session.uow() as uow:
        session.audit(uow, "conflict.resolved", known[conflict_id]["household_id"], known[conflict_id]["field"][:100])
        uow.commit()
    return chosen


# ---- enrolment


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    token: str
    org_id: str
    org_name: str
    profile_id: str
    member: StaffMember
    pin: str | None = None  # the server certificate's SHA-256, from the enrolment code
    credentials_at: str = ""  # when the member's password last changed on the server


def parse_enrolment(answer: dict[str, Any], pin: str | None = None) -> Enrolment:
    try:
        role = Role(answer["member_role"])
    except (KeyError, ValueError):
        raise ValidationFailed.one("server", "answered enrolment without a known role") from None
    member = StaffMember(str(answer["member_id"]), str(answer["member_username"]), role)
    return Enrolment(str(answer["device_id"]), str(answer["device_token"]), str(answer["organisation_id"]),
                     str(answer.get("organisation_name") or ""), str(answer.get("profile_id") or ""), member,
                     pin, str(answer.get("member_credentials_at") or ""))


def create_enrolled_store(gate: StoreGate, clock: Clock, server_url: str, enrolment: Enrolment,
                          password: str) -> tuple[DeskSession, str]:
    """An empty data directory becomes an enrolled store for the member who enrolled it, with a
    key slot for their (server-checked) password. Returns the session and the recovery key."""
    if gate.exists():
        raise Conflict("a store already exists in this data directory")
    now = clock.now()
    member = enrolment.member

    def populate(uow: UnitOfWork) -> None:
        uow.settings.set("profile_id", enrolment.profile_id)
        uow.settings.set("centre_name", enrolment.org_name)
        uow.settings.set("centre_address", "")
        uow.settings.set("created_at", now.isoformat())
        uow.settings.set("training", "0")
        uow.staff.add(member, now, "system")
        uow.audit.append(now, "system", "store.created", detail=enrolment.profile_id)
        uow.audit.append(now, "system", "staff.added", member.id, member.role.value)
        uow.audit.append(now, "system", "recovery-key.issued")
        uow.audit.append(now, member.id, "device.enrolled", enrolment.device_id)
        uow.sync.enrol(server_url, enrolment.device_id, enrolment.token, enrolment.org_id, queue_existing=False,
                       pin=enrolment.pin)
        uow.settings.set(SLOT_CREDENTIALS_SETTING + member.id, enrolment.credentials_at)

    store, recovery_key = gate.create(member.id, member.username, password, populate)
    return DeskSession(store, member, clock), recovery_key


def enrol_existing_store(session: DeskSession, server_url: str, enrolment: Enrolment) -> int:
    """A store set up before the server existed: enrol it and queue everything it holds."""
    session.require(Permission.MANAGE_STAFF)
    with session.uow() as uow:
        if uow.sync.config() is not None:
            raise Conflict("this store is already enrolled with a sync server")
        uow.sync.enrol(server_url, enrolment.device_id, enrolment.token, enrolment.org_id, queue_existing=True,
                       pin=enrolment.pin)
        queued = uow.sync.pending_count()
        if uow.staff.get(enrolment.member.id) is not None:  # the same id here and on the server
            uow.settings.set(SLOT_CREDENTIALS_SETTING + enrolment.member.id, enrolment.credentials_at)
        session.audit(uow, "device.enrolled", enrolment.device_id, f"{queued} records queued")
        uow.commit()
    return queued


def refuse_if_enrolled(uow: UnitOfWork) -> None:
    """Once enrolled, staff are managed on the server."""
    if uow.sync.config() is not None:
        raise Conflict("staff are managed on the server for this enrolled device: "
                       "use 'centre-desk-server staff' there")
