"""Tombstone horizon and full resync, and a first sync killed half way: a real PostgreSQL, a real
server process on loopback, devices as real data directories driven through ``centre-desk-admin``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.integration.server_harness import GOOD_PASSWORD, Served, ok, postgres_database, run, serving
from tests.integration.sync_harness import IOANA, ZOFIA, Device, Org, enrol, new_org

# Each test runs a score of device commands, each a fresh process: on a loaded shared machine
# that is minutes, on an idle one well under one.
pytestmark = pytest.mark.timeout(1200)

SMALL_PAGES = {"CENTRE_DESK_SYNC_PULL_PAGE": "2"}
THIRD: dict[str, Any] = {
    "address_line1": "9 Station Road", "address_line2": "", "town": "Nailsea", "postcode": "BS48 1AA",
    "phone": "07700 900789", "email": "",
    "members": [{"first_name": "Gabija", "last_name": "Kazlauskienė", "date_of_birth": "1990-02-02",
                 "role": "parent"}],
    "contacts": [{"date": "2026-09-01", "type": "session"}],
}


@pytest.fixture
def org() -> Iterator[Org]:
    with postgres_database() as url:
        o = new_org(url)
        o.add_staff("alice", "manager")
        o.add_staff("bob", "outreach")
        yield o


@pytest.fixture
def served(org: Org, tmp_path: Path) -> Iterator[Served]:
    with serving(org.db, tmp_path / "logs") as s:
        yield s


def _prune(org: Org, days: int) -> dict[str, Any]:
    out = ok(run(org.db, "tombstones", "prune", "--older-than", str(days), "--org", org.org_id, "--json"))
    return dict(json.loads(out))


def _erase(device: Device, household_id: str) -> None:
    from centre_desk.storage.store import DataDirectory

    _owner, store = DataDirectory(device.path).unlock(device.user, GOOD_PASSWORD)
    try:
        with store.unit_of_work() as uow:
            uow.households.delete_everything(household_id)
            uow.commit()
    finally:
        store.lock()


def _query(device: Device, sql: str) -> list[Any]:
    from centre_desk.storage.store import DataDirectory

    _owner, store = DataDirectory(device.path).unlock(device.user, GOOD_PASSWORD)
    try:
        with store.reader() as uow:
            return list(uow.session.execute(text(sql)).all())  # type: ignore[attr-defined]
    finally:
        store.lock()


def _kill_at(path: Path, point: str, args: list[str]) -> None:
    """Run ``centre-desk-admin`` with two-record pull pages until it reaches ``point``; kill -9 it there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")}
    env.update(CENTRE_DESK_KDF_SECONDS="0", CENTRE_DESK_PASSWORD=GOOD_PASSWORD, CENTRE_DESK_CRASH_AT=point,
               **SMALL_PAGES)
    proc = subprocess.Popen([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(path), *args],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith(f"crashpoint {point}"):
            break
    else:
        proc.wait()
        pytest.fail(f"the command ended (exit {proc.returncode}) without reaching {point}")
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _chain_intact(device: Device) -> bool:
    """The device's audit chain verifies (read in-process: outreach staff may not view the audit)."""
    from centre_desk.domain.audit import verify
    from centre_desk.storage.store import DataDirectory

    _owner, store = DataDirectory(device.path).unlock(device.user, GOOD_PASSWORD)
    try:
        with store.reader() as uow:
            return verify(list(uow.audit.entries())).intact
    finally:
        store.lock()


def _actions(device: Device) -> list[str]:
    return [str(r[0]) for r in _query(device, "SELECT action FROM audit_log ORDER BY seq")]


def test_a_device_offline_past_the_horizon_resyncs_without_the_erased_household_and_keeps_its_own_edit(
        org: Org, served: Served, tmp_path: Path) -> None:
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA, IOANA)
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "bob")
    zofia, ioana = b.find("zofia"), b.find("popescu")

    # B goes offline: it edits Ioana's household, and Zofia's too (erased meanwhile elsewhere).
    b.ok("household", "edit", ioana, "--set", "town=Portishead")
    b.ok("household", "edit", zofia, "--set", "town=Yatton")
    _erase(a, zofia)
    a.register(THIRD)
    a.sync()
    pruned = _prune(org, 0)  # past the horizon regardless: B never saw the erasure
    assert pruned["pruned"] == 2 and pruned["horizon"] > 0  # the household and its contact

    # The server tells a device behind the horizon so, with a clear code (also in the OpenAPI document).
    token = _query(b, "SELECT value FROM settings WHERE key = 'sync_device_token'")[0][0]
    cursor = int(_query(b, "SELECT value FROM settings WHERE key = 'sync_cursor'")[0][0])
    assert 0 < cursor < pruned["horizon"]
    answer = httpx.get(f"{served.url}/v1/pull", params={"after": cursor},
                       headers={"Authorization": f"Bearer {token}", "X-Centre-Desk-User": "bob"})
    assert answer.status_code == 410 and answer.json()["error"] == "resync-required"
    assert "410" in httpx.get(f"{served.url}/openapi.json").json()["paths"]["/v1/pull"]["get"]["responses"]

    # The full resync is killed after its first page, then run again: it ends where it should.
    _kill_at(b.path, "sync.pull.applied", ["--user", "bob", "sync"])
    b.sync(extra_env=SMALL_PAGES)
    assert _actions(b).count("sync.resync") == 1  # resumed from its cursor, not started again
    assert "sync.resync" in _actions(b) and "sync.full-pull.done" in _actions(b)
    assert b.search("zofia") == [] and b.search("wisniewska") == []
    assert _query(b, f"SELECT count(*) FROM records WHERE household_id = '{zofia}'")[0][0] == 0
    assert _query(b, "SELECT count(*) FROM sync_full_pull_seen")[0][0] == 0
    assert b.show(ioana)["fields"]["town"] == "Portishead"  # its own offline edit, pushed and kept
    assert b.find("kazlauskiene")
    assert org.digest()["households"] == b.status()["households"] == 2
    a.sync()
    assert a.show(ioana)["fields"]["town"] == "Portishead"
    assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]
    assert "sync.resync" not in _actions(a)  # A had seen the erasure: no resync for it
    assert _chain_intact(b)


def test_acknowledged_tombstones_are_pruned_and_unacknowledged_young_ones_are_kept(
        org: Org, served: Served, tmp_path: Path) -> None:
    refused = run(org.db, "tombstones", "prune", "--older-than", "-1")
    assert refused.returncode == 2 and "--older-than" in refused.stderr
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA, IOANA)
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "bob")
    _erase(a, a.find("zofia"))
    a.sync()
    a.sync()  # A's pull after its own tombstone acknowledges it; B has not pulled since
    assert _prune(org, 365)["pruned"] == 0  # young, and B has not seen it
    b.sync()
    b.sync()
    assert b.search("zofia") == []
    kept = _prune(org, 365)
    assert kept["pruned"] == 2  # every active device has it now
    for device in (a, b):
        device.sync()
        assert "sync.resync" not in _actions(device)
    c, _ = enrol(org, served.url, tmp_path / "c", "alice")  # a new device needs no tombstone
    assert a.status()["digest"] == b.status()["digest"] == c.status()["digest"] == org.digest()["digest"]
    assert c.search("zofia") == [] and c.status()["households"] == 1


def test_a_first_sync_killed_after_a_page_resumes_and_ends_equal_to_the_server(
        org: Org, served: Served, tmp_path: Path) -> None:
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA, IOANA, THIRD)
    a.sync()
    path = tmp_path / "b"
    # ``enrol`` on an empty data directory runs the first sync: kill it after its first page.
    _kill_at(path, "sync.pull.applied", ["enrol", "--server", served.url, "--code", org.code(), "--user", "bob"])
    b = Device(path, "bob")
    held = _query(b, "SELECT count(*) FROM records")[0][0]
    assert held == 2  # the first page (two records) and its cursor are in; the rest is not
    assert b.sync(extra_env=SMALL_PAGES)["pulled"] == 3  # the rest: no page fetched twice
    assert b.status()["digest"] == org.digest()["digest"] and b.status()["households"] == 3
    assert b.find("kazlauskiene") and b.find("popescu") and b.find("zofia")
    assert _query(b, "SELECT value FROM settings WHERE key = 'sync_full_pull'") == []
