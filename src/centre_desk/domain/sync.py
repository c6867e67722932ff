"""The sync protocol's rules, shared by the device (``sync/``, ``storage/``) and the server.

A household body is ``{"fields": {...}, "members": [{"id": PERSON_ID, "fields": {...}}, ...]}``.
An edit travels as a list of :class:`Change`: a household field (``person_id`` None), one field of
one member (addressed by person id, never by position), or a whole member added or removed
(``field`` ``"*"``). Every other kind of record is append-only and travels whole.

The merge rule (``merge_edit``): a change applies unless the same key was last changed on the
server *after the edit's base sequence* by *another* device and the server's value is neither the
edit's old nor its new value; then the server keeps its value and the pair is a conflict. Keys
changed by nobody else merge, so two devices changing different fields of one household both win.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CentreDeskError

HOUSEHOLD = "household"
APPEND_ONLY = frozenset({"contact", "consent", "referral", "referral-status", "change"})
WHOLE_MEMBER = "*"
SYNTHETIC = "synthetic"
DEVICE_REVOKED = "device-revoked"
RESYNC_REQUIRED = "resync-required"  # the device's cursor is below the server's tombstone horizon


class ServerRefused(CentreDeskError):
    """The sync server turned a request down (its stable ``code``), or could not be reached
    (``server-unreachable``)."""

    def __init__(self, code: str, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Change:
    field: str
    person_id: str | None
    old: Any
    new: Any

    @property
    def key(self) -> str:
        return f"{self.person_id or ''}:{self.field}"

    def wire(self) -> dict[str, Any]:
        return {"field": self.field, "person_id": self.person_id, "old": self.old, "new": self.new}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Change:
        return cls(str(data["field"]), data.get("person_id"), data.get("old"), data.get("new"))


def _members(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(m["id"]): dict(m.get("fields") or {}) for m in body.get("members") or []}


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """What an edit changed, household fields first, then members in the order ``after`` lists them."""
    out: list[Change] = []
    bf, af = dict(before.get("fields") or {}), dict(after.get("fields") or {})
    for name in sorted(set(bf) | set(af)):
        if bf.get(name) != af.get(name):
            out.append(Change(name, None, bf.get(name), af.get(name)))
    bm, am = _members(before), _members(after)
    for pid, fields in am.items():
        if pid not in bm:
            out.append(Change(WHOLE_MEMBER, pid, None, fields))
            continue
        old = bm[pid]
        for name in sorted(set(old) | set(fields)):
            if old.get(name) != fields.get(name):
                out.append(Change(name, pid, old.get(name), fields.get(name)))
    for pid, fields in bm.items():
        if pid not in am:
            out.append(Change(WHOLE_MEMBER, pid, fields, None))
    return out


def current_value(body: Mapping[str, Any], change: Change) -> Any:
    if change.person_id is None:
        return (body.get("fields") or {}).get(change.field)
    member = _members(body).get(change.person_id)
    if change.field == WHOLE_MEMBER:
        return member
    return None if member is None else member.get(change.field)


def apply_change(body: dict[str, Any], change: Change) -> bool:
    """Apply one change to ``body`` in place; False when it addresses a member that is not there."""
    if change.person_id is None:
        fields = body.setdefault("fields", {})
        if change.new is None:
            fields.pop(change.field, None)
        else:
            fields[change.field] = change.new
        return True
    members: list[dict[str, Any]] = body.setdefault("members", [])
    index = next((i for i, m in enumerate(members) if m.get("id") == change.person_id), None)
    if change.field == WHOLE_MEMBER:
        if change.new is None:
            if index is not None:
                members.pop(index)
        elif index is None:
            members.append({"id": change.person_id, "fields": dict(change.new)})
        else:
            members[index]["fields"] = dict(change.new)
        return True
    if index is None:
        return False
    fields = members[index].setdefault("fields", {})
    if change.new is None:
        fields.pop(change.field, None)
    else:
        fields[change.field] = change.new
    return True


@dataclass(frozen=True)
class FieldStamp:
    """Who last changed one key of a household on the server, and at which sequence."""

    seq: int
    device: str
    by: str
    at: str

    def wire(self) -> list[Any]:
        return [self.seq, self.device, self.by, self.at]

    @classmethod
    def from_wire(cls, data: Iterable[Any]) -> FieldStamp:
        seq, device, by, at = data
        return cls(int(seq), str(device), str(by), str(at))


@dataclass(frozen=True)
class Clash:
    change: Change
    server_value: Any
    server_stamp: FieldStamp | None


@dataclass
class MergeResult:
    body: dict[str, Any]
    applied: list[Change]
    clashes: list[Clash]
    dropped: list[Change]


def merge_edit(body: Mapping[str, Any], stamps: Mapping[str, FieldStamp], base_seq: int | None,
               device: str, changes: Iterable[Change]) -> MergeResult:
    """The server's merge of one edit into its copy of a household (see the module docstring)."""
    merged = json.loads(json.dumps(body))
    applied: list[Change] = []
    clashes: list[Clash] = []
    dropped: list[Change] = []
    base = base_seq or 0
    for change in changes:
        now = current_value(merged, change)
        if now == change.new:
            continue  # already so (a replay, or both devices made the same change)
        stamp = stamps.get(change.key)
        if stamp is not None and stamp.seq > base and stamp.device != device and now != change.old:
            clashes.append(Clash(change, now, stamp))
            continue
        if apply_change(merged, change):
            applied.append(change)
        else:
            dropped.append(change)
    return MergeResult(merged, applied, clashes, dropped)


# ---- digest: equal on two devices (and the server) exactly when they hold the same records


def canonical_body(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_line(record_id: str, kind: str, household_id: str | None, body: Any) -> bytes:
    return f"{record_id}\x1f{kind}\x1f{household_id or ''}\x1f{canonical_body(body)}\n".encode()


def digest(lines: Iterable[bytes]) -> str:
    """SHA-256 over the records' lines, which the caller gives in record id order."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line)
    return h.hexdigest()


def batch_key(operation_ids: Iterable[str]) -> str:
    """The Idempotency-Key of a push: derived from its operations, so a rerun after a crash sends
    the same key with the same body."""
    return hashlib.sha256("\n".join(operation_ids).encode()).hexdigest()
