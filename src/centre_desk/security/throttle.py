"""Failed sign-in back-off, kept in a sidecar file so that restarting the app does not reset it.

The file holds only opaque username handles, counts and times. Failures that happen while the store
is locked cannot be audited yet (the audit chain lives inside the encrypted store), so they wait
here and the next successful sign-in moves them into the chain, marked as *reported*.

The file is outside the encryption, so it is treated as hostile: anything unreadable is rebuilt
(with a note for the audit chain), malformed entries are dropped (with one note), times are clamped
to now, and it never stops anyone signing in. Its ``epoch`` is also remembered inside the store, so
deleting or replacing the file is noticed at the next sign-in.

An attempt is counted *before* the slow key derivation, under an exclusive lock, so parallel
attempts all count; success takes the count back.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from centre_desk.domain.signin import MAX_COUNTED, PENDING_ACTIONS, PendingEvent, remaining_wait

from . import filelock
from .files import read_json, write_json_atomic

MAX_PENDING = 1000  # a flood of failures is summarised, not queued for ever
_REF = re.compile(r"^[0-9a-z-]{1,64}$")


def _new_state() -> dict[str, Any]:
    return {"epoch": uuid.uuid4().hex, "failures": {}, "pending_audit": []}


def _time(value: object, now: datetime) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return min(at, now)


class FileThrottle:
    def __init__(self, path: Path) -> None:
        self.path = path

    # -- reading, defensively --------------------------------------------------------------------
    def _load(self, now: datetime) -> dict[str, Any]:
        try:
            data = read_json(self.path)
        except FileNotFoundError:
            return _new_state()
        except (ValueError, OSError, RecursionError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("epoch"), str) \
                or not re.fullmatch(r"[0-9a-f]{32}", data["epoch"]):
            fresh = _new_state()
            fresh["pending_audit"].append(self._event(now, "sign-in-state.rebuilt", "damaged"))
            return fresh
        dropped = 0
        failures: dict[str, Any] = {}
        raw_failures = data.get("failures")
        for handle, entry in (raw_failures.items() if isinstance(raw_failures, dict) else []):
            last = _time(entry.get("last"), now) if isinstance(entry, dict) else None
            count = entry.get("count") if isinstance(entry, dict) else None
            if not _REF.match(str(handle)) or last is None or not isinstance(count, int) or count < 0:
                dropped += 1
                continue
            failures[handle] = {"count": min(count, MAX_COUNTED), "last": last.isoformat()}
        pending = []
        raw_pending = data.get("pending_audit")
        for e in (raw_pending if isinstance(raw_pending, list) else []):
            at = _time(e.get("at"), now) if isinstance(e, dict) else None
            if (at is None or e.get("action") not in PENDING_ACTIONS or not isinstance(e.get("ref"), str)
                    or not _REF.match(e["ref"]) or not isinstance(e.get("id"), str) or not _REF.match(e["id"])):
                dropped += 1
                continue
            pending.append({"id": e["id"], "at": at.isoformat(), "action": e["action"], "ref": e["ref"]})
        if not isinstance(raw_failures, dict) or not isinstance(raw_pending, list):
            dropped += 1
        if dropped:
            pending.append(self._event(now, "sign-in-state.entries-dropped", str(min(dropped, 10**6))))
        return {"epoch": data["epoch"], "failures": failures, "pending_audit": pending[-MAX_PENDING:]}

    @staticmethod
    def _event(now: datetime, action: str, ref: str) -> dict[str, str]:
        return {"id": uuid.uuid4().hex, "at": now.isoformat(), "action": action, "ref": ref}

    def _write(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.path, data)

    # -- the port --------------------------------------------------------------------------------
    def begin_attempt(self, handle: str, now: datetime, kind: str = "sign-in") -> tuple[int, str]:
        """Count one attempt before the password is checked. Returns (wait, attempt id): a wait
        above zero means the attempt is refused (and recorded as throttled); otherwise it stands
        as a failure until ``record_success`` takes it back."""
        with filelock.exclusive(self.path):
            data = self._load(now)
            entry = data["failures"].get(handle) or {"count": 0, "last": now.isoformat()}
            last = _time(entry["last"], now) or now
            wait = remaining_wait(int(entry["count"]), (now - last).total_seconds())
            ref = handle[:16]
            if wait > 0:
                data["pending_audit"].append(self._event(now, f"{kind}.throttled", ref))
                attempt = ""
            else:
                entry = {"count": min(int(entry["count"]) + 1, MAX_COUNTED), "last": now.isoformat()}
                data["failures"][handle] = entry
                event = self._event(now, f"{kind}.failed", ref)
                data["pending_audit"].append(event)
                attempt = event["id"]
            data["pending_audit"] = data["pending_audit"][-MAX_PENDING:]
            self._write(data)
        return wait, attempt

    def record_success(self, handle: str, attempt: str, now: datetime) -> None:
        with filelock.exclusive(self.path):
            data = self._load(now)
            data["failures"].pop(handle, None)
            data["pending_audit"] = [e for e in data["pending_audit"] if e["id"] != attempt]
            self._write(data)

    def epoch(self, now: datetime) -> str:
        with filelock.exclusive(self.path):
            data = self._load(now)
            if not self.path.exists():
                self._write(data)
        return str(data["epoch"])

    def pending_events(self, now: datetime) -> list[PendingEvent]:
        with filelock.exclusive(self.path):
            data = self._load(now)
        return [PendingEvent(e["id"], datetime.fromisoformat(e["at"]), e["action"], e["ref"])
                for e in data["pending_audit"]]

    def clear_pending(self, ids: list[str], now: datetime) -> None:
        gone = set(ids)
        with filelock.exclusive(self.path):
            data = self._load(now)
            data["pending_audit"] = [e for e in data["pending_audit"] if e["id"] not in gone]
            self._write(data)
