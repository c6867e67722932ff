"""Shared by the sync tests: an organisation on a real server process, and devices as real data
directories driven through ``centre-desk-admin`` subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.cli_runner import run_module
from tests.integration.server_harness import GOOD_PASSWORD, init, ok, run, value

ZOFIA: dict[str, Any] = {
    "address_line1": "12 Marine Parade", "address_line2": "", "town": "Weston-super-Mare", "postcode": "BS23 1AL",
    "phone": "07700 900123", "email": "zofia.w@example.org",
    "members": [
        {"first_name": "Zofia", "last_name": "Wiśniewska", "date_of_birth": "1991-04-12", "role": "parent"},
        {"first_name": "Kacper", "last_name": "Wiśniewski", "date_of_birth": "2022-01-30", "role": "child"},
    ],
    "contacts": [{"date": "2026-10-01", "type": "drop-in"}],
}
IOANA: dict[str, Any] = {
    "address_line1": "3 Hill Road", "address_line2": "", "town": "Clevedon", "postcode": "BS21 7NE",
    "phone": "07700 900456", "email": "",
    "members": [{"first_name": "Ioana", "last_name": "Popescu", "date_of_birth": "1988-09-01", "role": "parent"}],
}


def admin_run(data_dir: Path, *args: str, user: str | None = None, password: str = GOOD_PASSWORD,
              extra_env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_") or k == "CENTRE_DESK_KDF_SECONDS"}
    env.setdefault("CENTRE_DESK_KDF_SECONDS", "0")
    env["CENTRE_DESK_PASSWORD"] = password
    env.update(extra_env or {})
    user_args = ["--user", user] if user else []
    return run_module([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(data_dir), *user_args, *args],
                      env, timeout=timeout)


def done(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@dataclass
class Org:
    db: str
    org_id: str

    def add_staff(self, username: str, role: str, password: str = GOOD_PASSWORD) -> str:
        return value(ok(run(self.db, "staff", "add", username, "--role", role, "--org", self.org_id,
                            new_password=password)), "Staff")

    def code(self) -> str:
        return value(ok(run(self.db, "enrolment-code", "--org", self.org_id)), "Enrolment code")

    def digest(self) -> dict[str, Any]:
        return dict(json.loads(ok(run(self.db, "org", "digest", "--org", self.org_id, "--json"))))


def new_org(db: str, profile: str | None = None) -> Org:
    return Org(db, init(db) if profile is None else value(ok(run(db, "org", "add", "--profile", profile)),
                                                          "Organisation"))


@dataclass
class Device:
    path: Path
    user: str

    def run(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return admin_run(self.path, *args, user=self.user, **kw)

    def ok(self, *args: str, **kw: Any) -> str:
        return done(self.run(*args, **kw))

    def sync(self, **kw: Any) -> dict[str, Any]:
        return dict(json.loads(self.ok("sync", "--json", **kw)))

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.ok("sync", "status", "--json")))

    def register(self, *households: dict[str, Any]) -> None:
        src = self.path.parent / f"import-{self.path.name}-{len(list(self.path.parent.glob('import-*')))}.json"
        src.write_text(json.dumps({"households": list(households)}, ensure_ascii=False), encoding="utf-8")
        self.ok("import", "--form", "membership", str(src))

    def find(self, query: str) -> str:
        hits = self.search(query)
        assert len(hits) == 1, hits
        return str(hits[0]["household_id"])

    def search(self, query: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.ok("search", "--json", query).splitlines() if line.strip()]

    def show(self, household_id: str) -> dict[str, Any]:
        return dict(json.loads(self.ok("household", "show", household_id, "--json")))

    def conflicts(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.ok("conflicts", "list", "--json").splitlines() if line.strip()]


def enrol(org: Org, url: str, path: Path, user: str, **kw: Any) -> tuple[Device, str]:
    out = done(admin_run(path, "enrol", "--server", url, "--code", org.code(), "--user", user, **kw))
    return Device(path, user), value(out, "Device")
