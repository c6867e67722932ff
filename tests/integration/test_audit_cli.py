"""``centre-desk-admin audit ...`` as a real process: heads, tampering an insider could do with the key,
entries forged into the sign-in sidecar, and reading the trail back for one family."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from centre_desk.storage.repositories import SqlAuditLog
from centre_desk.storage.store import DataDirectory
from tests.cli_runner import run_module

ADMIN = "admin"
PASSWORD = "Tawny-owl lantern 93 quarry"


def run(data: Path, *args: str, password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")}
    if password is not None:
        env["CENTRE_DESK_PASSWORD"] = password
    return run_module([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(data), *args], env)


def admin(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(data, "--user", ADMIN, *args)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    r = run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
            "--admin", ADMIN)
    assert r.returncode == 0, r.stderr
    made = admin(data, "demo-data", "--households", "3", "--seed", "7")
    assert made.returncode == 0, made.stderr
    return data


def head_of(data: Path) -> str:
    r = admin(data, "audit", "head")
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("Head: "))
    return line.removeprefix("Head: ")


def tamper(data: Path, statements: list[str]) -> None:
    """What an insider holding a password could do with the store's own key."""
    _, store = DataDirectory(data).unlock(ADMIN, PASSWORD)
    try:
        with store.engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))
    finally:
        store.lock()


def recompute_chain(data: Path) -> None:
    """Renumber the remaining entries and recompute every hash, so every link verifies again."""
    _, store = DataDirectory(data).unlock(ADMIN, PASSWORD)
    try:
        with store.unit_of_work() as uow:
            entries = list(uow.audit.entries())
            assert uow.session is not None
            uow.session.execute(text("DELETE FROM audit_log"))
            log = SqlAuditLog(uow.session)
            for e in entries:
                log.append(e.at, e.actor, e.action, e.record_ref, e.detail, source=e.source)
            uow.commit()
    finally:
        store.lock()


def test_head_then_verify_against_it_passes_while_the_chain_grows(store_dir: Path) -> None:
    head = head_of(store_dir)
    count = int(head.split(":")[0])
    assert count > 3
    for _ in range(3):
        assert admin(store_dir, "staff", "list").returncode == 0
    ok = admin(store_dir, "audit", "verify", "--expect-head", head)
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout and "extends the expected head" in ok.stdout


def test_a_truncated_tail_is_detected_against_the_head_written_down(store_dir: Path) -> None:
    head = head_of(store_dir)
    count = int(head.split(":")[0])
    tamper(store_dir, [f"DELETE FROM audit_log WHERE seq > {count - 3}"])
    # The command's own sign-in adds one entry, so the chain is still two short of the head.
    checked = admin(store_dir, "audit", "verify", "--expect-head", head)
    assert checked.returncode == 1
    assert f"broken at entry {count - 1}" in checked.stderr and "removed from its end" in checked.stderr
    plain = admin(store_dir, "audit", "verify")
    assert plain.returncode == 0  # every remaining link verifies: without the head this cannot tell
    # Once the chain has grown past the old count, the entry at the head's place is a different one.
    again = admin(store_dir, "audit", "verify", "--expect-head", head)
    assert again.returncode == 1 and "removed or rewritten" in again.stderr


def test_entries_deleted_and_the_chain_recomputed_are_detected(store_dir: Path) -> None:
    head = head_of(store_dir)
    tamper(store_dir, ["DELETE FROM audit_log WHERE seq IN (2, 3)"])
    recompute_chain(store_dir)
    # Pad the chain past the old count so it is not simply shorter.
    for _ in range(4):
        assert admin(store_dir, "staff", "list").returncode == 0
    assert admin(store_dir, "audit", "verify").returncode == 0
    checked = admin(store_dir, "audit", "verify", "--expect-head", head)
    assert checked.returncode == 1
    assert "removed or rewritten" in checked.stderr and "Traceback" not in checked.stderr


def test_a_malformed_expected_head_is_a_usage_error(store_dir: Path) -> None:
    r = admin(store_dir, "audit", "verify", "--expect-head", "seven:abc")
    assert r.returncode == 2
    assert "--expect-head" in r.stderr and "N:HASH" in r.stderr


def test_an_entry_forged_into_the_sign_in_sidecar_is_kept_as_reported(store_dir: Path) -> None:
    # The newest entry before the forgery (the last command's sign-out).
    before = json.loads(admin(store_dir, "audit", "list", "--json").stdout.splitlines()[-1])
    state_path = store_dir / "signin-state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    state.setdefault("failures", {})
    state.setdefault("pending_audit", []).append(
        {"id": "forged-entry", "at": "2020-01-01T00:00:00+00:00", "action": "sign-in.failed", "ref": "forged"})
    state.setdefault("pending_audit", []).append(
        {"id": "forged-admin", "at": "2020-01-01T00:00:00+00:00", "action": "staff.add", "ref": "forged2"})
    state_path.write_text(json.dumps(state))
    assert admin(store_dir, "staff", "list").returncode == 0  # the next sign-in flushes it
    listed = admin(store_dir, "audit", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    forged = [e for e in entries if e["record"] == "forged"]
    assert len(forged) == 1
    assert forged[0]["source"] == "reported" and forged[0]["actor"] == "unknown"
    # Not back-dated into the store's past: no earlier than the newest entry before it was flushed.
    assert forged[0]["at"] >= before["at"] and not forged[0]["at"].startswith("2020")
    # An action that never comes from the sidecar is not written into the chain at all.
    assert not [e for e in entries if e["record"] == "forged2"]
    assert any(e["action"] == "sign-in-state.entries-dropped" for e in entries)
    # Every entry a signed-in session wrote is a store entry.
    store_written = [e for e in entries if e["source"] == "store"]
    assert all(e["actor"] != "unknown" for e in store_written)
    text_out = admin(store_dir, "audit", "list").stdout
    assert "[reported, unauthenticated]" in text_out
    verified = admin(store_dir, "audit", "verify")
    # The forged entry and the note that one entry was dropped.
    assert verified.returncode == 0 and "2 reported from outside the store" in verified.stdout


def test_relabelling_a_reported_entry_as_a_store_entry_breaks_the_chain(store_dir: Path) -> None:
    test_an_entry_forged_into_the_sign_in_sidecar_is_kept_as_reported(store_dir)
    tamper(store_dir, ["UPDATE audit_log SET source = 'store' WHERE record_ref = 'forged'"])
    r = admin(store_dir, "audit", "verify")
    assert r.returncode == 1 and "does not match its hash" in r.stderr


def test_the_trail_for_one_household_lists_who_touched_it(store_dir: Path) -> None:
    _, store = DataDirectory(store_dir).unlock(ADMIN, PASSWORD)
    try:
        with store.engine.connect() as conn:
            household_id, body = conn.execute(
                text("SELECT id, body FROM records WHERE kind = 'household' LIMIT 1")).one()
    finally:
        store.lock()
    surname = json.loads(body)["members"][0]["fields"]["last_name"]
    assert admin(store_dir, "search", surname).returncode == 0
    added = admin(store_dir, "contact", "add", household_id, "--type", "drop-in", "--date", "2026-11-20")
    assert added.returncode == 0, added.stderr
    trail = admin(store_dir, "audit", "list", "--record", household_id, "--json")
    assert trail.returncode == 0, trail.stderr
    actions = [json.loads(line)["action"] for line in trail.stdout.splitlines()]
    assert any(a.startswith("contact.") for a in actions), actions
    assert "household.searched" in actions  # the search that showed it counts as looking at it
    assert all(json.loads(line)["record"] == household_id or household_id in (json.loads(line)["detail"] or "")
               for line in trail.stdout.splitlines())
    other = admin(store_dir, "audit", "list", "--record", "no-such-record", "--json")
    assert other.stdout.strip() == ""


