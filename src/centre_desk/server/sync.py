"""Push, pull, conflicts and audit anchoring: the server half of the sync protocol.

- **Push** (one transaction per batch, under ``lock_org("change", org)``): a batch key already
  seen from this device returns the stored answer (or 422 when the body differs); each operation
  id already in ``change_log`` answers ``duplicate`` with its original seq. Every new operation
  takes one change-log seq; the records it changes in ``server_records`` get that seq.
- **Households** merge per field (``domain.sync.merge_edit``); a clash keeps the server's value and
  opens (or adds to) one ``sync_conflicts`` row per household key. Append-only kinds never clash.
- **Tombstones** mark the record, and for a household every record of that household, deleted
  with an empty body. An edit or put for a deleted record is answered ``dropped-erased``.
- **Pull** serves ``server_records`` after the cursor in seq order; asking with ``after=C``
  acknowledges everything up to C (``device_cursors``).
- **Audit**: each push carries the device's entries after the last anchored one; they must
  extend the anchor link by link, else they are kept in ``tamper_alerts`` and not merged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from centre_desk.domain.audit import GENESIS_HASH, canonical, chain_hash, households_shown
from centre_desk.domain.clock import Clock
from centre_desk.domain.ids import uuid7
from centre_desk.domain.rights import KEPT_THROUGH_ERASURE
from centre_desk.domain.staff import Permission, Role, StaffMember, require
from centre_desk.domain.sync import (
    APPEND_ONLY,
    HOUSEHOLD,
    RESYNC_REQUIRED,
    Change,
    FieldStamp,
    apply_change,
    canonical_body,
    current_value,
    digest,
    field_changes,
    merge_edit,
    record_line,
)

from . import audit_log
from .credentials import fold_username
from .db import Database, lock_org
from .enrolment import Identity, Refused
from .models import (
    AuditAnchor,
    ChangeLog,
    Device,
    DeviceAuditEntry,
    DeviceAuditHousehold,
    DeviceCursor,
    ErasedRecord,
    PushBatch,
    ServerRecord,
    Staff,
    SyncConflict,
    TamperAlert,
    TombstoneHorizon,
)

MAX_PULL = 5000


@dataclass(frozen=True)
class Member:
    id: str
    username: str
    role: str


def member(s: Session, who: Identity, username: str | None) -> Member:
    """The signed-in member a device syncs for: must exist in the device's organisation and be active."""
    if not username:
        raise Refused(401, "member-missing", "send the signed-in member's username as X-Centre-Desk-User")
    folded = fold_username(unquote(username))
    row = s.scalar(select(Staff).where(Staff.org_id == who.org_id, Staff.username_folded == folded))
    if row is None:
        raise Refused(403, "member-unknown", "this member of staff is not known to the server")
    if row.disabled:
        raise Refused(403, "member-disabled", "this member of staff has been disabled on the server")
    return Member(row.id, row.username, row.role)


def _body_sha(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_body(payload).encode()).hexdigest()


def push(db: Database, clock: Clock, who: Identity, username: str | None, batch_key: str,
         payload: dict[str, Any]) -> dict[str, Any]:
    sha = _body_sha(payload)
    now = clock.now()
    with db.unit() as s:
        by = member(s, who, username)
        lock_org(s, "change", who.org_id)
        seen = s.get(PushBatch, (who.device_id, batch_key))
        if seen is not None:
            if seen.body_sha256 != sha:
                raise Refused(422, "idempotency-key-reused",
                              "this Idempotency-Key was used before with a different batch")
            return dict(seen.response)
        ops = payload.get("operations") or []
        with s.no_autoflush:
            batch = _Batch(s, who, by, now, ops)
            results = [batch.operation(op) for op in ops]
            s.add_all(batch.log)
        s.flush()
        audit = _anchor(s, who, now, payload.get("audit") or [])
        response = {"results": results, "audit": audit}
        s.add(PushBatch(device_id=who.device_id, batch_key=batch_key, body_sha256=sha, response=response, at=now))
        if any(r["status"] != "duplicate" for r in results):
            audit_log.append(s, who.org_id, now, by.id, "sync.push", who.device_id, f"{len(results)} operations")
    return response


def _allocate(s: Session, count: int) -> list[int]:
    """``count`` change-log seqs, ascending; the caller holds ``lock_org("change")``."""
    if count == 0:
        return []
    if s.get_bind().dialect.name == "postgresql":
        rows = s.execute(text("SELECT nextval('change_log_seq') FROM generate_series(1, :n)"), {"n": count})
        return sorted(int(r[0]) for r in rows)
    top = int(s.scalar(select(func.coalesce(func.max(ChangeLog.seq), 0))) or 0)
    return list(range(top + 1, top + 1 + count))


def _log_row(who: Identity, op: dict[str, Any], seq: int, status: str, now: datetime) -> ChangeLog:
    return ChangeLog(seq=seq, org_id=who.org_id, record_id=op["record_id"], kind=op["kind"],
                     household_id=op.get("household_id"), operation_id=op["op_id"], body={"status": status},
                     author_device=who.device_id, at=now)


class _Batch:
    """One push's operations, with the rows they touch read up front (three queries, not three
    per operation) and the change-log rows written together at the end."""

    def __init__(self, s: Session, who: Identity, by: Member, now: datetime, ops: list[dict[str, Any]]) -> None:
        self.s, self.who, self.by, self.now = s, who, by, now
        op_ids = [str(op["op_id"]) for op in ops]
        self.done = {row.operation_id: row for row in _in_chunks(
            s, lambda chunk: select(ChangeLog).where(ChangeLog.operation_id.in_(chunk)), op_ids)}
        wanted = {op["record_id"] for op in ops} | {op["household_id"] for op in ops if op.get("household_id")}
        self.records: dict[str, ServerRecord] = {r.id: r for r in _in_chunks(
            s, lambda chunk: select(ServerRecord).where(ServerRecord.org_id == who.org_id,
                                                        ServerRecord.id.in_(chunk)), sorted(wanted))}
        self.erased: set[str] = {str(r) for r in _in_chunks(
            s, lambda chunk: select(ErasedRecord.id).where(ErasedRecord.org_id == who.org_id,
                                                           ErasedRecord.id.in_(chunk)), sorted(wanted))}
        fresh = len({i for i in op_ids if i not in self.done})
        self.seqs = iter(_allocate(s, fresh))
        self.log: list[ChangeLog] = []
        self.taken: set[str] = set()

    def operation(self, op: dict[str, Any]) -> dict[str, Any]:
        s, who = self.s, self.who
        op_id = str(op["op_id"])
        done = self.done.get(op_id)
        if done is not None or op_id in self.taken:
            if done is not None and done.org_id != who.org_id:
                raise Refused(422, "operation-id-taken", "an operation id was reused")
            return {"op_id": op_id, "status": "duplicate", "seq": done.seq if done else None, "conflicts": []}
        self.taken.add(op_id)
        seq = next(self.seqs)
        result: dict[str, Any] = {"op_id": op_id, "status": "applied", "seq": seq, "conflicts": []}
        record = self.records.get(op["record_id"])
        hid = op.get("household_id")
        household = self.records.get(hid) if hid and hid != op["record_id"] else None
        action = op["action"]
        if record is None and op["record_id"] in self.erased:
            # Erased, and its tombstone pruned since: as the tombstone would have answered.
            result["status"] = "unchanged" if action == "tombstone" else "dropped-erased"
        elif (household is None and hid in self.erased and hid != op["record_id"]
              and op["kind"] not in KEPT_THROUGH_ERASURE):
            result["status"] = "dropped-erased"
        elif action == "tombstone":
            self.records[op["record_id"]] = _tombstone(s, who, op, record, seq)
        elif (record is not None and record.deleted) or (household is not None and household.deleted
                                                         and op["kind"] not in KEPT_THROUGH_ERASURE):
            # The proof of an erasure and the family's requests outlive the household, as they do on
            # the device that erased it; anything else for an erased household never brings it back.
            result["status"] = "dropped-erased"
        elif record is None:
            if action == "edit":
                result["status"] = "dropped-unknown"
            else:
                record = ServerRecord(org_id=who.org_id, id=op["record_id"], kind=op["kind"], household_id=hid,
                                      seq=seq, deleted=False, envelope=op.get("envelope") or {},
                                      body=op.get("body") or {}, stamps={})
                s.add(record)
                self.records[record.id] = record
        elif action == "put" and op["kind"] != record.kind:
            # A record that changed kind as a whole: a household merged into another becomes a pointer
            # to it (services.duplicates), with no personal data. Taken as sent; its field stamps go.
            record.kind, record.body, record.envelope = op["kind"], op.get("body") or {}, op.get("envelope") or {}
            record.stamps, record.seq = {}, seq
        elif record.kind == HOUSEHOLD:
            if action == "edit":
                changes = [Change.from_wire(c) for c in op.get("changes") or []]
            else:  # a whole household sent again (its first push was lost, or a second enrolment)
                changes = field_changes(record.body, op.get("body") or {})
            _merge(s, who, self.by, self.now, op, record, seq, changes, result)
        elif record.kind in APPEND_ONLY:
            if hid and hid != record.household_id and (op.get("body") or {}) == record.body:
                # A merge re-pointed it to the surviving household (services.duplicates): the same
                # body under another household of this organisation. Served again, so every device moves it.
                record.household_id, record.seq = hid, seq
                record.envelope = op.get("envelope") or record.envelope
            else:
                result["status"] = "unchanged"  # append-only: the first copy stands
        else:
            record.body, record.envelope, record.seq = op.get("body") or {}, op.get("envelope") or {}, seq
        self.log.append(_log_row(who, op, seq, result["status"], self.now))
        return result


def _in_chunks(s: Session, query: Any, values: list[str], size: int = 500) -> list[Any]:
    out: list[Any] = []
    for i in range(0, len(values), size):
        out += list(s.scalars(query(values[i:i + size])))
    return out


def _merge(s: Session, who: Identity, by: Member, now: datetime, op: dict[str, Any], record: ServerRecord,
           seq: int, changes: list[Change], result: dict[str, Any]) -> None:
    stamps = {k: FieldStamp.from_wire(v) for k, v in (record.stamps or {}).items()}
    merged = merge_edit(record.body, stamps, op.get("base_seq"), who.device_id, changes)
    at = str((op.get("envelope") or {}).get("updated_at") or now.isoformat())
    if merged.applied:
        new_stamps = dict(record.stamps or {})
        for change in merged.applied:
            new_stamps[change.key] = FieldStamp(seq, who.device_id, by.username, at).wire()
        envelope = dict(record.envelope or {})
        envelope.update({k: v for k, v in (op.get("envelope") or {}).items() if k in ("updated_at", "updated_by")})
        record.body, record.stamps, record.envelope, record.seq = merged.body, new_stamps, envelope, seq
    for clash in merged.clashes:
        result["conflicts"].append(_open_conflict(s, who, record.id, clash.change, clash.server_value,
                                                  clash.server_stamp, by.username, at, seq))
    if merged.clashes:
        result["status"] = "conflict" if not merged.applied else "merged-with-conflicts"
    elif not merged.applied:
        result["status"] = "unchanged"
    if merged.dropped:
        result["dropped"] = len(merged.dropped)


def _open_conflict(s: Session, who: Identity, household_id: str, change: Change, server_value: Any,
                   stamp: FieldStamp | None, by: str, at: str, seq: int) -> str:
    existing = s.scalar(select(SyncConflict).where(
        SyncConflict.org_id == who.org_id, SyncConflict.household_id == household_id,
        SyncConflict.field == change.field, SyncConflict.resolved_seq.is_(None),
        (SyncConflict.person_id == change.person_id) if change.person_id else SyncConflict.person_id.is_(None)))
    theirs = {"value": change.new, "by": by, "at": at}
    if existing is not None:
        if all(c["value"] != change.new for c in existing.candidates):
            existing.candidates = [*existing.candidates, theirs]
        return existing.id
    ours = {"value": server_value, "by": stamp.by if stamp else None, "at": stamp.at if stamp else None}
    conflict = SyncConflict(id=uuid7(), org_id=who.org_id, household_id=household_id, field=change.field,
                            person_id=change.person_id, candidates=[ours, theirs], opened_seq=seq)
    s.add(conflict)
    s.flush()
    return conflict.id


def _tombstone(s: Session, who: Identity, op: dict[str, Any], record: ServerRecord | None,
               seq: int) -> ServerRecord:
    envelope = {"deleted_at": (op.get("envelope") or {}).get("updated_at")}
    if record is None:
        record = ServerRecord(org_id=who.org_id, id=op["record_id"], kind=op["kind"],
                              household_id=op.get("household_id"), seq=seq, deleted=True, envelope=envelope,
                              body={}, stamps={})
        s.add(record)
    targets = [record]
    if record.kind == HOUSEHOLD:
        s.flush()  # records of this household added earlier in the same batch
        # The proof that the family's requests were answered and that the erasure happened stays.
        targets += list(s.scalars(select(ServerRecord).where(ServerRecord.org_id == who.org_id,
                                                             ServerRecord.household_id == record.id,
                                                             ServerRecord.id != record.id,
                                                             ServerRecord.kind.not_in(KEPT_THROUGH_ERASURE))))
        s.execute(update(SyncConflict).where(SyncConflict.org_id == who.org_id,
                                             SyncConflict.household_id == record.id,
                                             SyncConflict.resolved_seq.is_(None)).values(resolved_seq=seq))
    for target in targets:
        target.deleted, target.body, target.stamps, target.envelope, target.seq = True, {}, {}, envelope, seq
    return record


# ---- audit anchoring


def _anchor(s: Session, who: Identity, now: datetime, entries: list[dict[str, Any]]) -> dict[str, Any]:
    if not entries:
        anchor = s.get(AuditAnchor, who.device_id)
        return {"status": "ok", "head": anchor.head_count if anchor else 0}
    entries = sorted(entries, key=lambda e: int(e["seq"]))
    anchor = s.get(AuditAnchor, who.device_id)
    count, head = (anchor.head_count, anchor.head_hash) if anchor else (0, GENESIS_HASH)
    problem = None
    fresh = []
    for e in entries:
        seq = int(e["seq"])
        if seq <= count:
            held = s.get(DeviceAuditEntry, (who.device_id, seq))
            if held is None or held.hash != e["hash"]:
                problem = f"entry {seq} differs from the one anchored earlier"
                break
            continue
        if seq != count + 1 or e["prev_hash"] != head:
            problem = f"entry {seq} does not extend the anchored head {count}"
            break
        at = datetime.fromisoformat(e["at"])
        content = canonical(seq, at, e["actor"], e["action"], e.get("ref"), e.get("detail"), e.get("source", "store"))
        if chain_hash(head, content) != e["hash"]:
            problem = f"entry {seq} does not match its hash"
            break
        fresh.append((seq, at, e))
        count, head = seq, e["hash"]
    if problem is not None:
        s.add(TamperAlert(id=uuid7(), org_id=who.org_id, device_id=who.device_id, at=now, reason=problem,
                          received=entries))
        audit_log.append(s, who.org_id, now, "server", "tamper.alert", who.device_id, problem[:200])
        return {"status": "tamper", "reason": problem, "head": anchor.head_count if anchor else 0}
    for seq, at, e in fresh:
        s.add(DeviceAuditEntry(device_id=who.device_id, seq=seq, at=at, actor=e["actor"], action=e["action"],
                               record_ref=e.get("ref"), detail=e.get("detail"), source=e.get("source", "store"),
                               prev_hash=e["prev_hash"], hash=e["hash"]))
    shown = [DeviceAuditHousehold(device_id=who.device_id, seq=seq, household_id=hid, org_id=who.org_id, at=at)
             for seq, at, e in fresh for hid in households_shown(e["action"], e.get("ref"), e.get("detail"))]
    if shown:
        s.flush()  # the entries first: each row refers to its entry
        s.add_all(shown)
    if fresh:
        if anchor is None:
            s.add(AuditAnchor(device_id=who.device_id, head_count=count, head_hash=head, anchored_at=now))
        else:
            anchor.head_count, anchor.head_hash, anchor.anchored_at = count, head, now
    return {"status": "ok", "head": count}


# ---- pull


def _wire(r: ServerRecord) -> dict[str, Any]:
    return {"seq": r.seq, "record_id": r.id, "kind": r.kind, "household_id": r.household_id,
            "deleted": r.deleted, "envelope": r.envelope, "body": r.body}


def pull(db: Database, clock: Clock, who: Identity, username: str | None, after: int, limit: int,
         ack: int | None = None, full: bool = False) -> dict[str, Any]:
    """Records after ``after``. ``ack`` (at most ``after``): the cursor the device has committed,
    when it asks for the next page before applying the one it holds; otherwise ``after`` is it.
    ``full``: the device is in a full pull (begun at 0; it drops at the end whatever it was not
    sent), so a missed tombstone cannot matter and the horizon is not checked."""
    limit = max(1, min(limit, MAX_PULL))
    acknowledged = after if ack is None else min(ack, after)
    with db.unit() as s:
        member(s, who, username)
        horizon = s.get(TombstoneHorizon, who.org_id)
        if horizon is not None and not full and 0 < after < horizon.horizon_seq:
            raise Refused(410, RESYNC_REQUIRED,
                          "this device was away longer than the server keeps erasures (the tombstone horizon): "
                          "push what it holds, then pull everything again from cursor 0")
        rows = list(s.scalars(select(ServerRecord).where(ServerRecord.org_id == who.org_id, ServerRecord.seq > after)
                              .order_by(ServerRecord.seq).limit(limit + 1)))
        cursor = s.get(DeviceCursor, who.device_id)
        if cursor is None:
            s.add(DeviceCursor(device_id=who.device_id, cursor=acknowledged, updated_at=clock.now()))
        elif cursor.cursor != acknowledged:
            cursor.cursor, cursor.updated_at = acknowledged, clock.now()
        more = len(rows) > limit
        disabled: list[str] = []
        credentials: dict[str, str] = {}
        if not more:
            from .escrow import stamp

            for name, off, changed in s.execute(select(Staff.username, Staff.disabled, Staff.password_hash)
                                                .where(Staff.org_id == who.org_id)):
                if off:
                    disabled.append(name)
                else:
                    credentials[name] = stamp(changed)
        open_conflicts = None if more else _open_conflicts(s, who.org_id)
    rows = rows[:limit]
    return {"changes": [_wire(r) for r in rows], "cursor": rows[-1].seq if rows else after, "more": more,
            "disabled_staff": disabled, "staff_credentials": credentials, "conflicts": open_conflicts}


def acknowledge(db: Database, clock: Clock, who: Identity, username: str | None, cursor: int) -> dict[str, Any]:
    """The device has committed every page up to ``cursor`` (sent after it applied the last page of a
    pull, which the pull requests themselves cannot say). Never beyond what the server holds."""
    with db.unit() as s:
        member(s, who, username)
        top = int(s.scalar(select(func.coalesce(func.max(ServerRecord.seq), 0))
                           .where(ServerRecord.org_id == who.org_id)) or 0)
        acknowledged = max(0, min(cursor, top))
        row = s.get(DeviceCursor, who.device_id)
        if row is None:
            s.add(DeviceCursor(device_id=who.device_id, cursor=acknowledged, updated_at=clock.now()))
        elif row.cursor != acknowledged:
            row.cursor, row.updated_at = acknowledged, clock.now()
    return {"cursor": acknowledged}


# ---- tombstone horizon


@dataclass(frozen=True)
class Pruned:
    org_id: str
    pruned: int
    horizon: int  # the organisation's horizon seq after this prune (0: never pruned)
    acknowledged: int  # the seq every active device has acknowledged


def prune_tombstones(db: Database, clock: Clock, org_id: str, older_than_days: int) -> Pruned:
    """Drop the organisation's tombstones that every active device has acknowledged (their cursor
    is at or past them), and those made ``older_than_days`` days ago or earlier whatever the devices
    have seen (0: every tombstone).

    Acknowledgement: a device that pulls after cursor C has applied everything up to C. Devices
    at cursor 0 (enrolled, never pulled, or restarting a full pull) are not waited for: a pull
    from 0 is a full pull that drops whatever the server no longer holds. The horizon rises to
    the highest pruned seq; a device whose cursor is below it is told ``resync-required``.
    Records kept through an erasure (rights requests, erasure proofs) are never tombstones."""
    if older_than_days < 0:
        raise ValueError("older_than_days must be 0 or more")
    now = clock.now()
    cutoff = now - timedelta(days=older_than_days)
    with db.unit() as s:
        lock_org(s, "change", org_id)
        cursors = [int(c) for c in s.scalars(
            select(DeviceCursor.cursor).join(Device, Device.id == DeviceCursor.device_id)
            .where(Device.org_id == org_id, Device.revoked_at.is_(None), DeviceCursor.cursor > 0))]
        top = int(s.scalar(select(func.coalesce(func.max(ServerRecord.seq), 0))
                           .where(ServerRecord.org_id == org_id)) or 0)
        acknowledged = min(cursors) if cursors else top
        victims = select(ServerRecord.id, ServerRecord.seq).where(
            ServerRecord.org_id == org_id, ServerRecord.deleted.is_(True),
            or_(ServerRecord.seq <= acknowledged,
                ServerRecord.seq.in_(select(ChangeLog.seq).where(ChangeLog.org_id == org_id,
                                                                 ChangeLog.at <= cutoff))))
        rows = list(s.execute(victims))
        horizon = s.get(TombstoneHorizon, org_id)
        if rows:
            for i in range(0, len(rows), 500):
                ids = [str(r[0]) for r in rows[i:i + 500]]
                s.execute(delete(ServerRecord).where(ServerRecord.org_id == org_id, ServerRecord.id.in_(ids)))
                s.execute(delete(ErasedRecord).where(ErasedRecord.org_id == org_id, ErasedRecord.id.in_(ids)))
                s.add_all([ErasedRecord(org_id=org_id, id=i_) for i_ in ids])
            highest = max(int(r[1]) for r in rows)
            if horizon is None:
                horizon = TombstoneHorizon(org_id=org_id, horizon_seq=highest, pruned=len(rows), pruned_at=now)
                s.add(horizon)
            else:
                horizon.horizon_seq = max(horizon.horizon_seq, highest)
                horizon.pruned, horizon.pruned_at = horizon.pruned + len(rows), now
            audit_log.append(s, org_id, now, "server", "tombstones.pruned", None,
                             f"{len(rows)} tombstones, horizon {horizon.horizon_seq}")
        return Pruned(org_id, len(rows), horizon.horizon_seq if horizon else 0, acknowledged)


# ---- conflicts


def _conflict_wire(c: SyncConflict) -> dict[str, Any]:
    return {"conflict_id": c.id, "household_id": c.household_id, "field": c.field, "person_id": c.person_id,
            "values": list(c.candidates)}


def conflicts(db: Database, who: Identity, username: str | None) -> list[dict[str, Any]]:
    with db.unit() as s:
        member(s, who, username)
        return _open_conflicts(s, who.org_id)


def _open_conflicts(s: Session, org_id: str) -> list[dict[str, Any]]:
    rows = s.scalars(select(SyncConflict).where(SyncConflict.org_id == org_id, SyncConflict.resolved_seq.is_(None))
                     .order_by(SyncConflict.opened_seq, SyncConflict.id))
    return [_conflict_wire(c) for c in rows]


def _permitted(by: Member, permission: Permission, refusal: str) -> None:
    """403 ``not-permitted`` with ``refusal`` unless the member's role has ``permission``."""
    try:
        require(StaffMember(by.id, by.username, Role(by.role)), permission)
    except Exception:
        raise Refused(403, "not-permitted", refusal) from None


def resolve(db: Database, clock: Clock, who: Identity, username: str | None, conflict_id: str,
            value: Any) -> dict[str, Any]:
    """A manager's choice: the value becomes the household's, as a change every device pulls."""
    now = clock.now()
    with db.unit() as s:
        by = member(s, who, username)
        _permitted(by, Permission.RESOLVE_CONFLICT, "resolving conflicts needs the manager role")
        lock_org(s, "change", who.org_id)
        conflict = s.get(SyncConflict, conflict_id)
        if conflict is None or conflict.org_id != who.org_id:
            raise Refused(404, "conflict-unknown", "no such conflict")
        if conflict.resolved_seq is not None:
            raise Refused(409, "conflict-resolved", "this conflict has already been resolved")
        record = s.get(ServerRecord, (who.org_id, conflict.household_id))
        if record is None or record.deleted:
            raise Refused(409, "household-erased", "the household has been erased")
        op = {"op_id": uuid7(), "record_id": record.id, "kind": HOUSEHOLD, "household_id": record.id}
        (seq,) = _allocate(s, 1)
        s.add(_log_row(who, op, seq, "resolved", now))
        body = json.loads(json.dumps(record.body))
        change = Change(conflict.field, conflict.person_id, None, value)
        change = Change(change.field, change.person_id, current_value(body, change), value)
        if not apply_change(body, change):
            raise Refused(409, "member-gone", "that member is no longer in the household")
        stamps = dict(record.stamps or {})
        stamps[change.key] = FieldStamp(seq, who.device_id, by.username, now.isoformat()).wire()
        envelope = dict(record.envelope or {})
        envelope["updated_at"] = now.isoformat()
        record.body, record.stamps, record.envelope, record.seq = body, stamps, envelope, seq
        conflict.resolved_seq = seq
        audit_log.append(s, who.org_id, now, by.id, "conflict.resolved", conflict.id, conflict.field[:100])
        return {"conflict_id": conflict.id, "seq": seq}


# ---- who has seen a household, on every device of the organisation

SEEN_LIMIT = 500  # entries in one answer unless the device asks for fewer
SEEN_MAX = 2000


def seen(db: Database, clock: Clock, who: Identity, username: str | None, household_id: str,
         limit: int = SEEN_LIMIT) -> dict[str, Any]:
    """The organisation's pushed audit entries that showed or handed on this household (views,
    search and register listings, prints, exports, subject access previews), newest first, at most
    ``limit``, each with its device and the actor's username. Only the caller's organisation's
    devices; ids, action names and times only, as the entries hold. Needs ``VIEW_AUDIT`` (the
    device's "who has seen and who has received" permission); the request itself goes into the
    server's chain."""
    limit = max(1, min(limit, SEEN_MAX))
    now = clock.now()
    with db.unit() as s:
        by = member(s, who, username)
        _permitted(by, Permission.VIEW_AUDIT, "who has seen a household needs the view audit permission "
                   "(manager or administrator role)")
        actor = aliased(Staff)
        enroller = aliased(Staff)
        rows = list(s.execute(
            select(DeviceAuditEntry, Device.enrolled_at, Device.revoked_at, actor.username, enroller.username)
            .join(DeviceAuditHousehold, (DeviceAuditHousehold.device_id == DeviceAuditEntry.device_id)
                  & (DeviceAuditHousehold.seq == DeviceAuditEntry.seq))
            .join(Device, Device.id == DeviceAuditEntry.device_id)
            .outerjoin(actor, (actor.id == DeviceAuditEntry.actor) & (actor.org_id == who.org_id))
            .outerjoin(enroller, enroller.id == Device.enrolled_by)
            .where(DeviceAuditHousehold.org_id == who.org_id, DeviceAuditHousehold.household_id == household_id,
                   Device.org_id == who.org_id)
            .order_by(DeviceAuditHousehold.at.desc(), DeviceAuditHousehold.device_id.desc(),
                      DeviceAuditHousehold.seq.desc())
            .limit(limit + 1)))
        more = len(rows) > limit
        entries = [{"device_id": e.device_id, "device_enrolled_by": enrolled_by, "device_enrolled_at":
                    enrolled_at.isoformat(), "device_revoked": revoked_at is not None, "seq": e.seq,
                    "at": e.at.isoformat(), "actor_id": e.actor, "actor_username": username_of, "action": e.action,
                    "hash": e.hash}
                   for e, enrolled_at, revoked_at, username_of, enrolled_by in rows[:limit]]
        audit_log.append(s, who.org_id, now, by.id, "audit.household-recipients", household_id,
                         f"{len(entries)} entries{' (more)' if more else ''}")
    return {"household_id": household_id, "entries": entries, "more": more, "limit": limit}


# ---- digest


def org_digest(db: Database, org_id: str) -> tuple[int, str]:
    """(households, digest) over the organisation's live records, as a device computes it."""
    with db.unit() as s:
        rows = list(s.execute(select(ServerRecord.id, ServerRecord.kind, ServerRecord.household_id, ServerRecord.body)
                              .where(ServerRecord.org_id == org_id, ServerRecord.deleted.is_(False))))
    rows.sort(key=lambda r: r.id)  # in Python: a database collation may order text differently
    households = sum(1 for r in rows if r.kind == HOUSEHOLD)
    return households, digest(record_line(r.id, r.kind, r.household_id, r.body) for r in rows)
