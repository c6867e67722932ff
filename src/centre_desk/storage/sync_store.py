"""The device's side of sync in the local store: reading the outbox, applying pulled pages.

The outbox is filled by triggers (migration ``0006_sync``). Pushing coalesces a record's outbox
rows into one operation: its id is the id of the record's newest outbox row, so a push rerun
after a crash carries the same ids (the server answers ``duplicate``), while an edit made in
between makes a new operation. A household edit carries, per field, the value before the first
unpushed write and the value now, and the server seq the device last pulled for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from centre_desk.domain.audit import AuditEntry
from centre_desk.domain.rights import KEPT_THROUGH_ERASURE
from centre_desk.domain.sync import HOUSEHOLD, apply_change, canonical_body, digest, field_changes, record_line

from .households import SqlHouseholdRepository, household_of_document

SETTING_DEVICE = "sync_device_id"
SETTING_SERVER = "sync_server_url"
SETTING_TOKEN = "sync_device_token"  # noqa: S105 - a settings key; the value lives in the encrypted store
SETTING_ORG = "sync_org_id"
SETTING_CURSOR = "sync_cursor"
SETTING_AUDIT = "sync_audit_pushed"
SETTING_LAST = "sync_last"
SETTING_PIN = "sync_server_pin"
# While a full pull from cursor 0 is under way: "fresh" (the store held no records when it began,
# so nothing can be left over) or "sweep" (records it held and the pull does not return go at the end).
SETTING_FULL = "sync_full_pull"
FULL_FRESH, FULL_SWEEP = "fresh", "sweep"

_PENDING = text("""
SELECT o.record_id, o.last_seq, f.action, f.before, l.op_id, l.kind, l.household_id,
       r.kind, r.household_id, r.server_seq, r.deleted, r.body, r.created_by, r.created_at, r.updated_by,
       r.updated_at, r.form_id, r.form_version
FROM (SELECT record_id, min(seq) AS first_seq, max(seq) AS last_seq FROM sync_outbox
      GROUP BY record_id ORDER BY first_seq LIMIT :n) o
JOIN sync_outbox f ON f.seq = o.first_seq
JOIN sync_outbox l ON l.seq = o.last_seq
LEFT JOIN records r ON r.id = o.record_id
ORDER BY o.first_seq
""")


BULK_ROWS = 100  # a pulled page with at least this many new records takes the bulk insert
OUTBOX_INSERT_TRIGGER = "records_outbox_insert"  # migration 0006_sync

_INSERT_RECORD = text(
    "INSERT INTO records (id, kind, household_id, version, server_seq, created_by, created_at, updated_by, "
    "updated_at, form_id, form_version, deleted, body) VALUES (:id, :kind, :hid, 1, :seq, :cb, :ca, :ub, "
    ":ua, :fid, :fv, 0, :body)")


def _row(c: dict[str, Any]) -> dict[str, Any]:
    env = c.get("envelope") or {}
    return {"id": c["record_id"], "kind": c["kind"], "hid": c.get("household_id"), "seq": c["seq"],
            "cb": env.get("created_by") or "", "ca": env.get("created_at") or "",
            "ub": env.get("updated_by") or "", "ua": env.get("updated_at") or env.get("created_at") or "",
            "fid": env.get("form_id"), "fv": env.get("form_version"), "body": canonical_body(c["body"])}


@dataclass(frozen=True)
class PendingOperation:
    record_id: str
    outbox_seq: int  # the newest outbox row it covers
    wire: dict[str, Any]


@dataclass(frozen=True)
class Applied:
    records: int
    households: list[str]


class SqlSyncRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- settings ------------------------------------------------------------------------------
    def _get(self, key: str) -> str | None:
        value = self.s.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).scalar()
        return None if value is None else str(value)

    def _set(self, key: str, value: str) -> None:
        self.s.execute(text("INSERT OR REPLACE INTO settings(key, value) VALUES (:k, :v)"), {"k": key, "v": value})

    def config(self) -> dict[str, str] | None:
        """Server URL, device id, token and organisation, or None when the store is not enrolled."""
        device = self._get(SETTING_DEVICE)
        if device is None:
            return None
        return {"device_id": device, "server_url": self._get(SETTING_SERVER) or "",
                "token": self._get(SETTING_TOKEN) or "", "org_id": self._get(SETTING_ORG) or "",
                "pin": self._get(SETTING_PIN) or ""}

    def enrol(self, server_url: str, device_id: str, token: str, org_id: str, *, queue_existing: bool,
              pin: str | None = None) -> None:
        """Record the enrolment; with ``queue_existing`` every live record goes into the outbox."""
        for key, value in ((SETTING_SERVER, server_url), (SETTING_TOKEN, token), (SETTING_ORG, org_id),
                           (SETTING_CURSOR, "0"), (SETTING_AUDIT, "0"), (SETTING_PIN, pin or "")):
            self._set(key, value)
        if queue_existing:
            self.s.execute(text(
                "INSERT INTO sync_outbox (op_id, record_id, household_id, kind, action, before) "
                "SELECT lower(hex(randomblob(16))), id, household_id, kind, 'insert', NULL FROM records "
                "WHERE deleted = 0 ORDER BY CASE kind WHEN 'household' THEN 0 ELSE 1 END, rowid"))
        self._set(SETTING_DEVICE, device_id)  # last: the triggers capture from here on

    def cursor(self) -> int:
        return int(self._get(SETTING_CURSOR) or 0)

    def last_sync(self) -> str | None:
        return self._get(SETTING_LAST)

    def set_last_sync(self, at: str) -> None:
        self._set(SETTING_LAST, at)

    def pending_count(self) -> int:
        return int(self.s.execute(text("SELECT count(DISTINCT record_id) FROM sync_outbox")).scalar() or 0)

    # -- push ------------------------------------------------------------------------------------
    def pending(self, limit: int) -> list[PendingOperation]:
        out = []
        for (record_id, last_seq, first_action, before, op_id, o_kind, o_household, kind, household_id, server_seq,
             deleted, body, created_by, created_at, updated_by, updated_at, form_id, form_version) in self.s.execute(
                _PENDING, {"n": limit}):
            envelope = {"created_by": created_by, "created_at": created_at, "updated_by": updated_by,
                        "updated_at": updated_at, "form_id": form_id, "form_version": form_version}
            wire: dict[str, Any] = {"op_id": op_id, "record_id": record_id, "kind": kind or o_kind,
                                    "household_id": household_id if kind else o_household, "base_seq": server_seq}
            if kind is None or deleted:
                wire.update(action="tombstone", envelope={"updated_at": updated_at})
            elif kind == HOUSEHOLD and first_action == "update" and server_seq is not None and before is not None:
                changes = field_changes(json.loads(before), json.loads(body))
                wire.update(action="edit", envelope=envelope, changes=[c.wire() for c in changes])
            else:
                wire.update(action="put", envelope=envelope, body=json.loads(body))
            out.append(PendingOperation(record_id, int(last_seq), wire))
        return out

    def pushed(self, done: Sequence[tuple[PendingOperation, str, int | None]]) -> None:
        """The server answered these operations (status, seq): drop the outbox rows they covered.
        A record created here learns the seq it was created at, the base of its next edit."""
        self._applying(True)
        for op, status, seq in done:
            self.s.execute(text("DELETE FROM sync_outbox WHERE record_id = :r AND seq <= :s"),
                           {"r": op.record_id, "s": op.outbox_seq})
            if op.wire["action"] == "put" and seq is not None and status in ("applied", "duplicate"):
                self.s.execute(text("UPDATE records SET server_seq = :q WHERE id = :r AND server_seq IS NULL"),
                               {"q": seq, "r": op.record_id})
        self._applying(False)

    def audit_after(self, limit: int) -> list[AuditEntry]:
        pushed = int(self._get(SETTING_AUDIT) or 0)
        rows = self.s.execute(text(
            "SELECT seq, at, actor, action, record_ref, detail, prev_hash, hash, source FROM audit_log "
            "WHERE seq > :n ORDER BY seq LIMIT :l"), {"n": pushed, "l": limit}).all()
        return [AuditEntry(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]

    def audit_anchored(self, count: int) -> None:
        if count > int(self._get(SETTING_AUDIT) or 0):
            self._set(SETTING_AUDIT, str(count))

    # -- pull --------------------------------------------------------------------------------------
    def _applying(self, on: bool) -> None:
        if on:
            self.s.execute(text("INSERT OR IGNORE INTO sync_applying(id) VALUES (1)"))
        else:
            self.s.execute(text("DELETE FROM sync_applying"))

    def apply(self, changes: Sequence[dict[str, Any]], cursor: int) -> Applied:
        """One pulled page and its cursor, in the caller's transaction; search rows refreshed.

        Records this device does not hold yet (all of them on a first sync) go in with one
        executemany, and new households into the index in one batch straight from the pulled
        documents (``SearchIndex.add``, the same rows a save writes); records it holds take the
        per-record path (keep a local unpushed edit on top). A household touched only through
        its other records (a contact, a referral) keeps its search rows: only its card's facts
        (last contact, safeguarding flag) depend on them, and those are recomputed."""
        self._applying(True)
        touched: set[str] = set()
        rewritten: set[str] = set()  # households whose own record changed here
        erased: set[str] = set()
        fresh: dict[str, dict[str, Any]] = {}  # new households: their pulled document
        ids = [c["record_id"] for c in changes if not c["deleted"]]
        held = {r[0]: r[1] for r in self.s.execute(
            text("SELECT id, body FROM records WHERE id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(ids)})}
        held_in = {r[0]: r[1] for r in self.s.execute(
            text("SELECT id, household_id FROM records WHERE id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(ids)})}
        new_rows: list[dict[str, Any]] = []
        seq_only: list[dict[str, Any]] = []
        for c in changes:
            rid, kind, hid = c["record_id"], c["kind"], c.get("household_id")
            if c["deleted"]:
                if kind == HOUSEHOLD:
                    self._erase_household(rid)
                    erased.add(rid)
                    fresh.pop(rid, None)
                else:
                    self.s.execute(text("DELETE FROM records WHERE id = :r"), {"r": rid})
                    self.s.execute(text("DELETE FROM sync_outbox WHERE record_id = :r"), {"r": rid})
                    if hid:
                        touched.add(hid)
                continue
            own = rid in held and kind != HOUSEHOLD
            moved = own and hid is not None and held_in.get(rid) != hid
            if moved:  # re-pointed by a merge on another device: it now hangs off the surviving household
                if held_in.get(rid):
                    touched.add(str(held_in[rid]))
                self.s.execute(text("UPDATE records SET household_id = :h WHERE id = :r"), {"h": hid, "r": rid})
            if own and canonical_body(json.loads(held[rid])) == canonical_body(c["body"]):
                seq_only.append({"seq": c["seq"], "id": rid})  # our own record coming back
            elif rid in held:
                self._put(c, held[rid])
                if rid == hid or kind == HOUSEHOLD:
                    rewritten.add(rid)
            else:
                new_rows.append(_row(c))
                if kind == HOUSEHOLD and rid == hid:
                    fresh[rid] = c
                elif rid == hid:
                    rewritten.add(rid)
            if hid:
                touched.add(hid)
        if new_rows:
            self._insert_records(new_rows)
        if seq_only:
            self.s.execute(text("UPDATE records SET server_seq = :seq WHERE id = :id"), seq_only)
        if self._get(SETTING_FULL) == FULL_SWEEP:
            self.s.execute(text("INSERT OR IGNORE INTO sync_full_pull_seen(id) SELECT value FROM json_each(:ids)"),
                           {"ids": json.dumps(ids)})
        self._set(SETTING_CURSOR, str(cursor))
        self._applying(False)
        live = sorted(touched - erased)
        self._index(live, fresh, rewritten)
        return Applied(len(changes), live)

    def _insert_records(self, rows: list[dict[str, Any]]) -> None:
        """New records in one executemany. For a large batch the outbox insert trigger is dropped
        and re-created around it, in this same transaction (SQLite DDL is transactional, so a
        crash leaves the trigger as it was): it would not fire anyway while a pull is applied
        (``sync_applying``), but evaluating it cost about four times the insert itself per row
        (each trigger run allocates a frame, and every allocation under
        ``cipher_memory_security`` is locked and wiped)."""
        trigger = None
        if len(rows) >= BULK_ROWS:
            trigger = self.s.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                                     {"n": OUTBOX_INSERT_TRIGGER}).scalar()
        if trigger:
            self.s.execute(text(f"DROP TRIGGER {OUTBOX_INSERT_TRIGGER}"))
        self.s.execute(_INSERT_RECORD, rows)
        if trigger:
            self.s.execute(text(str(trigger)))

    def _index(self, live: list[str], fresh: dict[str, dict[str, Any]], rewritten: set[str]) -> None:
        carded = {r[0] for r in self.s.execute(
            text("SELECT household_id FROM household_cards WHERE household_id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(live)})}
        repo = SqlHouseholdRepository(self.s)
        new = [household_of_document(h, fresh[h].get("envelope") or {}, fresh[h]["body"])
               for h in live if h in fresh and h not in carded]
        # A household the index does not know yet that was not in this page as a new document
        # (its record came earlier without a card, or changed kind) is read back from the store.
        new += repo.get_many([h for h in live if h not in carded and h not in fresh])
        repo.index.add(new)
        repo.refresh_search([h for h in live if h in carded and (h in rewritten or h in fresh)])
        repo.index.recompute_facts(live)

    # -- full pull (first sync, and full resync past the tombstone horizon) ------------------------
    def full_pull(self) -> str | None:
        """``fresh`` or ``sweep`` while a full pull is under way, else None."""
        return self._get(SETTING_FULL)

    def begin_full_pull(self) -> str:
        """Start (or start again) pulling everything from cursor 0. On a store that holds records
        (a full resync) the ids each page brings are kept, so that the end can drop the rest."""
        mode = FULL_SWEEP if self.s.execute(text("SELECT 1 FROM records LIMIT 1")).first() else FULL_FRESH
        self.s.execute(text("DELETE FROM sync_full_pull_seen"))
        self._set(SETTING_FULL, mode)
        self._set(SETTING_CURSOR, "0")
        return mode

    def finish_full_pull(self) -> int:
        """The last page is in: every record the full pull did not bring, other than one created
        here and not pushed yet, is one the server no longer holds (erased elsewhere and its
        tombstone pruned) and goes, an erased household as a pulled tombstone would take it
        (records, search rows and card, drafts, outbox rows, conflicts). Returns how many."""
        mode = self._get(SETTING_FULL)
        if mode is None:
            return 0
        removed = 0
        if mode == FULL_SWEEP:
            gone = self.s.execute(text(
                "SELECT r.id, r.kind, r.household_id FROM records r "
                "WHERE NOT EXISTS (SELECT 1 FROM sync_full_pull_seen s WHERE s.id = r.id) "
                "AND NOT (r.server_seq IS NULL AND EXISTS (SELECT 1 FROM sync_outbox o WHERE o.record_id = r.id))"
            )).all()
            households = {str(r[0]) for r in gone if r[1] == HOUSEHOLD}
            self._applying(True)
            touched: set[str] = set()
            for hid in sorted(households):
                self._erase_household(hid)
            for rid, _kind, hid in gone:
                if rid in households:
                    continue
                self.s.execute(text("DELETE FROM records WHERE id = :r"), {"r": rid})
                self.s.execute(text("DELETE FROM sync_outbox WHERE record_id = :r"), {"r": rid})
                if hid and hid not in households:
                    touched.add(str(hid))
            self._applying(False)
            if touched:
                SqlHouseholdRepository(self.s).refresh_search(sorted(touched))
            removed = len(gone)
        self.s.execute(text("DELETE FROM sync_full_pull_seen"))
        self.s.execute(text("DELETE FROM settings WHERE key = :k"), {"k": SETTING_FULL})
        return removed

    def _erase_household(self, household_id: str) -> None:
        SqlHouseholdRepository(self.s).index.remove(household_id)
        for table in ("drafts", "sync_outbox", "sync_conflicts"):
            self.s.execute(text(f"DELETE FROM {table} WHERE household_id = :h"), {"h": household_id})
        # Rights requests and erasure proofs stay, as they do where the erasure was made (domain.rights).
        self.s.execute(text("DELETE FROM records WHERE household_id = :h AND kind NOT IN "
                            "(SELECT value FROM json_each(:kept))"),
                       {"h": household_id, "kept": json.dumps(KEPT_THROUGH_ERASURE)})
        self.s.execute(text("DELETE FROM records WHERE id = :h"), {"h": household_id})

    def _put(self, c: dict[str, Any], held_body: str) -> None:
        env = c.get("envelope") or {}
        body = c["body"]
        if c["kind"] == HOUSEHOLD:
            body = self._rebase(c["record_id"], body, json.loads(held_body))
        stored = canonical_body(body)
        same = canonical_body(json.loads(held_body)) == stored
        self.s.execute(text(
            "UPDATE records SET server_seq = :seq, body = :body, kind = :kind, version = version + :bump, "
            "updated_at = coalesce(:ua, updated_at), updated_by = coalesce(:ub, updated_by) WHERE id = :id"),
            {"seq": c["seq"], "body": held_body if same else stored, "bump": 0 if same else 1, "kind": c["kind"],
             "ua": env.get("updated_at"), "ub": env.get("updated_by"), "id": c["record_id"]})

    def _rebase(self, record_id: str, server_body: dict[str, Any], local_body: dict[str, Any]) -> dict[str, Any]:
        """A household edited here since the push: keep the local edits on top of the server's copy
        (they are still in the outbox and will be pushed, and merged, next time)."""
        first = self.s.execute(text("SELECT seq, action, before FROM sync_outbox WHERE record_id = :r "
                                    "ORDER BY seq LIMIT 1"), {"r": record_id}).first()
        if first is None or first[1] != "update" or first[2] is None:
            return server_body
        merged: dict[str, Any] = json.loads(json.dumps(server_body))
        for change in field_changes(json.loads(first[2]), local_body):
            apply_change(merged, change)
        self.s.execute(text("UPDATE sync_outbox SET before = :b WHERE seq = :s"),
                       {"b": canonical_body(server_body), "s": first[0]})
        return merged

    # -- conflicts -------------------------------------------------------------------------------
    def replace_conflicts(self, conflicts: Sequence[dict[str, Any]]) -> None:
        self.s.execute(text("DELETE FROM sync_conflicts"))
        for c in conflicts:
            self.s.execute(text("INSERT INTO sync_conflicts (conflict_id, household_id, field, person_id, candidates) "
                                "VALUES (:i, :h, :f, :p, :c)"),
                           {"i": c["conflict_id"], "h": c["household_id"], "f": c["field"], "p": c.get("person_id"),
                            "c": canonical_body(c["values"])})

    def conflicts(self) -> list[dict[str, Any]]:
        rows = self.s.execute(text("SELECT conflict_id, household_id, field, person_id, candidates "
                                   "FROM sync_conflicts ORDER BY conflict_id")).all()
        return [{"conflict_id": r[0], "household_id": r[1], "field": r[2], "person_id": r[3],
                 "values": json.loads(r[4])} for r in rows]

    # -- status ----------------------------------------------------------------------------------
    def digest(self) -> tuple[int, str]:
        rows = list(self.s.execute(text("SELECT id, kind, household_id, body FROM records WHERE deleted = 0")))
        rows.sort(key=lambda r: r[0])
        households = sum(1 for r in rows if r[1] == HOUSEHOLD)
        return households, digest(_lines(rows))


def _lines(rows: Sequence[Any]) -> Iterator[bytes]:
    for rid, kind, hid, body in rows:
        yield record_line(rid, kind, hid, json.loads(body))

