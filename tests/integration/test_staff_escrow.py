"""Staff managed centrally (issue 10, part 4): key escrow at enrolment, a member's first sign-in
on a device online, later ones offline, and a central disable or password change that takes the
member's slot away at the next sync and re-encrypts the store.

A real PostgreSQL database, a real ``serve`` process on loopback, devices as real SQLCipher data
directories driven through ``centre-desk-admin`` subprocesses."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.integration.server_harness import (
    GOOD_PASSWORD,
    OTHER_PASSWORD,
    free_port,
    ok,
    postgres_database,
    run,
    serving,
)
from tests.integration.sync_harness import ZOFIA, Device, Org, enrol, new_org

BEA_NEW_PASSWORD = "lantern quilt marmalade"
# About 20 admin processes each (a fresh interpreter, an Argon2id derivation): well inside this on
# an idle machine, but a shared loaded one runs them several times slower.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture
def org() -> Iterator[Org]:
    with postgres_database() as url:
        o = new_org(url)
        o.add_staff("alice", "manager")
        o.add_staff("bea", "outreach")
        o.add_staff("cara", "outreach")
        yield o


def _slot_count(device: Device) -> int:
    return len(json.loads((device.path / "keyslots.json").read_text())["slots"])


def _generation(device: Device) -> int:
    return int(json.loads((device.path / "keyslots.json").read_text())["generation"])


def _store_key(path: Path, username: str) -> bytes:
    """The device's current database key, read the way the device itself unlocks (test only)."""
    from centre_desk.security.kdf import KdfParams
    from centre_desk.storage.store import DataDirectory

    _owner, store = DataDirectory(path, kdf_params=KdfParams).unlock(username, GOOD_PASSWORD)
    try:
        return bytes(store._key._key)  # the test needs the real key bytes to grep for
    finally:
        store.lock()


def _with_slots(tmp: Path, device: Device, slots: Path) -> Path:
    """The device's current store file beside a given key slot file (and no escrow: offline)."""
    where = tmp / f"copy-{len(list(tmp.glob('copy-*')))}"
    where.mkdir()
    for f in device.path.glob("store.db*"):
        if not f.name.endswith(".lock"):
            shutil.copy2(f, where / f.name)
    shutil.copy2(slots, where / "keyslots.json")
    return where


def _server_audit(db: str, org_id: str) -> list[tuple[str, str | None]]:
    with psycopg.connect(db) as conn:
        rows = conn.execute("SELECT action, detail FROM server_audit WHERE org_id = %s ORDER BY seq",
                            (org_id,)).fetchall()
    return [(str(a), d) for a, d in rows]


def test_first_sign_in_online_then_offline_and_central_disable_rotates_the_key(org: Org, tmp_path: Path) -> None:
    port = free_port()
    with serving(org.db, tmp_path / "logs", port=port) as served:
        alice, _device_id = enrol(org, served.url, tmp_path / "desk", "alice")
        alice.register(ZOFIA)
        alice.sync()
        assert _slot_count(alice) == 2  # alice and the recovery key: bea has never signed in here

        # The escrow in the server's database is not the key, in any spelling.
        key = _store_key(alice.path, "alice")
        dump = subprocess.run(["pg_dump", "--data-only", org.db], capture_output=True, text=True, check=True).stdout
        with psycopg.connect(org.db) as conn:
            (escrow,) = conn.execute("SELECT key_escrow FROM devices").fetchone() or (None,)
        assert escrow is not None and json.loads(bytes(escrow))["generation"] == _generation(alice)
        for blob in (dump, dump.lower(), bytes(escrow).decode()):
            for spelling in (key.hex(), key.hex().upper(), base64.b64encode(key).decode(),
                             base64.urlsafe_b64encode(key).decode().rstrip("=")):
                assert spelling not in blob
        assert key not in bytes(escrow)

        # bea's first sign-in on this device goes to the server and writes her slot.
        bea = Device(alice.path, "bea")
        assert len(bea.search("wisniewska")) == 1
        assert _slot_count(alice) == 3
        actions = [a for a, _ in _server_audit(org.db, org.org_id)]
        assert "device.key-escrowed" in actions and actions.count("escrow.released") == 1

        # Wrong password for someone with no slot: refused by the server, like any failed sign-in.
        cara_wrong = Device(alice.path, "cara").run("search", "wisniewska", password=OTHER_PASSWORD)
        assert cara_wrong.returncode != 0 and "sign-in failed" in cara_wrong.stderr
        assert "Traceback" not in cara_wrong.stderr
        assert ("escrow.release-refused", "wrong username or password") in _server_audit(org.db, org.org_id)

    # The server is down: bea signs in offline with her slot; cara cannot sign in for the first time.
    assert len(bea.search("wisniewska")) == 1
    cara = Device(alice.path, "cara").run("search", "wisniewska")
    assert cara.returncode != 0
    assert "first sign-in on this device needs a connection to the server" in cara.stderr
    assert "Traceback" not in cara.stderr

    old_slots = tmp_path / "keyslots-with-bea.json"
    shutil.copy2(alice.path / "keyslots.json", old_slots)
    # Before the disable, that copy opens the store for bea (so the check after it can fail).
    assert len(Device(_with_slots(tmp_path, alice, old_slots), "bea").search("wisniewska")) == 1
    generation = _generation(alice)

    ok(run(org.db, "staff", "disable", "bea", "--org", org.org_id))
    with serving(org.db, tmp_path / "logs", port=port):
        alice.sync()  # the disable reaches the device: bea's slot goes, the store is re-encrypted
        assert _slot_count(alice) == 2 and _generation(alice) == generation + 1
        refused = bea.run("search", "wisniewska")
        assert refused.returncode != 0 and "disabled" in refused.stderr and "Traceback" not in refused.stderr
        # The new key was escrowed again: cara's first sign-in now opens the re-encrypted store.
        assert len(Device(alice.path, "cara").search("wisniewska")) == 1
        with psycopg.connect(org.db) as conn:
            (escrow,) = conn.execute("SELECT key_escrow FROM devices").fetchone() or (None,)
        assert json.loads(bytes(escrow))["generation"] == generation + 1

    # bea's old slot, copied before, opens nothing now; the current slot file still opens it for alice.
    stale = Device(_with_slots(tmp_path, alice, old_slots), "bea").run("search", "wisniewska")
    # (That old file names the old generation, so it hands over the old key, which the store refuses.)
    assert stale.returncode != 0 and stale.stdout == "" and "Traceback" not in stale.stderr
    assert "sign-in failed" in stale.stderr or "could not be unlocked" in stale.stderr
    assert len(Device(_with_slots(tmp_path, alice, alice.path / "keyslots.json"), "alice").search("wisniewska")) == 1
    offline_bea = bea.run("search", "wisniewska")
    assert offline_bea.returncode != 0 and "Traceback" not in offline_bea.stderr


def test_password_changed_on_the_server_new_one_works_online_old_one_stops_after_sync(
        org: Org, tmp_path: Path) -> None:
    port = free_port()
    with serving(org.db, tmp_path / "logs", port=port) as served:
        alice, _ = enrol(org, served.url, tmp_path / "desk", "alice")
        bea = Device(alice.path, "bea")
        bea.ok("sync")  # first sign-in online, then a sync as bea
        ok(run(org.db, "staff", "passwd", "bea", "--org", org.org_id, new_password=BEA_NEW_PASSWORD))
        generation = _generation(alice)
        alice.sync()  # the password change reaches the device: bea's old slot goes, the key is rotated
        assert _generation(alice) == generation + 1 and _slot_count(alice) == 2
        old = bea.run("sync", "status")
        assert old.returncode != 0 and "sign-in failed" in old.stderr  # the server refuses the old one too
        bea.ok("sync", "status", password=BEA_NEW_PASSWORD)  # online with the new password: a new slot
        assert _slot_count(alice) == 3
    bea.ok("sync", "status", password=BEA_NEW_PASSWORD)  # and later offline
    offline_old = bea.run("sync", "status")
    assert offline_old.returncode != 0 and "sign-in failed" in offline_old.stderr


def test_a_revoked_device_is_wiped_at_a_first_sign_in(org: Org, tmp_path: Path) -> None:
    with serving(org.db, tmp_path / "logs") as served:
        alice, device_id = enrol(org, served.url, tmp_path / "desk", "alice")
        ok(run(org.db, "device", "revoke", device_id))
        refused = Device(alice.path, "bea").run("sync", "status")
        assert refused.returncode != 0 and "revoked" in refused.stderr and "wiped" in refused.stderr
        assert not (alice.path / "keyslots.json").exists() and not (alice.path / "store.db").exists()
        assert not (alice.path / "escrow.json").exists()


def test_failed_first_sign_ins_are_counted_by_the_device_throttle_and_audited_on_the_server(
        org: Org, tmp_path: Path) -> None:
    """In this process, through the same ``sign_in`` the window and the admin tool call."""
    from centre_desk.domain.errors import SignInFailed, SignInThrottled
    from centre_desk.domain.sync import ServerRefused
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.wiring import Wiring

    with serving(org.db, tmp_path / "logs") as served:
        alice, _ = enrol(org, served.url, tmp_path / "desk", "alice")
        wiring = Wiring(alice.path)
        for _ in range(5):
            with pytest.raises(SignInFailed):
                sign_in(wiring.gate, wiring.throttle, wiring.clock, "cara", OTHER_PASSWORD, release=wiring.release)
        with pytest.raises(SignInThrottled):  # the sixth waits, before the server is even asked
            sign_in(wiring.gate, wiring.throttle, wiring.clock, "cara", GOOD_PASSWORD, release=wiring.release)
        refused = [d for a, d in _server_audit(org.db, org.org_id) if a == "escrow.release-refused"]
        assert refused == ["wrong username or password"] * 5

        ok(run(org.db, "staff", "disable", "bea", "--org", org.org_id))
        with pytest.raises(ServerRefused, match="disabled"):
            sign_in(wiring.gate, wiring.throttle, wiring.clock, "bea", GOOD_PASSWORD, release=wiring.release)
        session = sign_in(wiring.gate, wiring.throttle, wiring.clock, "alice", GOOD_PASSWORD, release=wiring.release)
        with session.store.reader() as uow:
            assert [m.username for m in uow.staff.all()] == ["alice"]  # nobody was added by a refusal
        sign_out(session)
