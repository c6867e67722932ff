"""Failed sign-in back-off, kept in a sidecar file so that restarting the app does not reset it.

The file holds only opaque username handles, counts and times. Failures that happen while the store
is locked cannot be audited yet (the audit chain lives inside the encrypted store), so they wait
here and the next successful sign-in moves them into the chain.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from centre_desk.domain.signin import remaining_wait

from .files import read_json, write_json_atomic


class FileThrottle:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, Any]:
        try:
            data = read_json(self.path)
        except (FileNotFoundError, ValueError, OSError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data.setdefault("failures", {})
        data.setdefault("pending_audit", [])
        return data

    def wait_seconds(self, handle: str, now: datetime) -> int:
        entry = self._load()["failures"].get(handle)
        if not entry:
            return 0
        last = datetime.fromisoformat(entry["last"])
        return remaining_wait(int(entry["count"]), (now - last).total_seconds())

    def record_failure(self, handle: str, now: datetime) -> None:
        data = self._load()
        entry = data["failures"].get(handle) or {"count": 0}
        entry["count"] = int(entry["count"]) + 1
        entry["last"] = now.isoformat()
        data["failures"][handle] = entry
        data["pending_audit"].append({"at": now.isoformat(), "action": "sign-in.failed",
                                      "ref": handle[:16]})
        write_json_atomic(self.path, data)

    def record_throttled(self, handle: str, now: datetime) -> None:
        data = self._load()
        data["pending_audit"].append({"at": now.isoformat(), "action": "sign-in.throttled",
                                      "ref": handle[:16]})
        write_json_atomic(self.path, data)

    def record_success(self, handle: str) -> None:
        data = self._load()
        if data["failures"].pop(handle, None) is not None:
            write_json_atomic(self.path, data)

    def pending_events(self) -> list[tuple[datetime, str, str]]:
        return [(datetime.fromisoformat(e["at"]), e["action"], e["ref"])
                for e in self._load()["pending_audit"]]

    def clear_pending(self, count: int) -> None:
        data = self._load()
        data["pending_audit"] = data["pending_audit"][count:]
        write_json_atomic(self.path, data)
