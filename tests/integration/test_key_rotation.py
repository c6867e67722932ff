"""Key rotation (issue 8, findings 1 and 2): disabling someone or changing a password re-encrypts the
store under a fresh key sealed to the remaining slots; key-slot changes never lose each other."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from centre_desk.domain.errors import SignInFailed, StoreError
from centre_desk.security.keyslots import KeySlots
from centre_desk.services.auth import lock, recover, sign_in, sign_out, unlock_again
from centre_desk.services.staff import add_staff, change_password, disable_staff
from centre_desk.storage.engine import KeyHolder, connect_raw
from centre_desk.wiring import Wiring
from tests.cli_runner import run_module
from tests.conftest import ADMIN, ADMIN_PASSWORD, POLICY, STAFF_RULES

VICTIM, VICTIM_PW = "victim", "victim's own passphrase"
BOB, BOB_PW = "bob", "bob rides a tandem bicycle"
CAROL, CAROL_PW = "carol", "carol sings in the choir loft"


def _opens_current(store_db: Path, slots_file: Path, username: str, password: str) -> bool:
    """Whether ``password`` in ``slots_file`` yields any key that opens the store file as it is now."""
    try:
        opening = KeySlots.load(slots_file).open(username, password)
    except SignInFailed:
        return False
    try:
        for key in opening.keys.values():
            try:
                connect_raw(store_db, KeyHolder(key)).close()
                return True
            except StoreError:
                continue
        return False
    finally:
        opening.wipe()


def _sign_in(w: Wiring, username: str, password: str):  # type: ignore[no-untyped-def]
    return sign_in(w.gate, w.throttle, w.clock, username, password)


def test_a_disabled_member_with_any_earlier_slot_file_opens_nothing_current(store, wiring, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slots = store.data_dir / "keyslots.json"
    db = store.data_dir / "store.db"
    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    add_staff(session, VICTIM, "reception", VICTIM_PW, **STAFF_RULES)
    copies = [tmp_path / "slots-1.json"]
    shutil.copy(slots, copies[0])
    add_staff(session, BOB, "outreach", BOB_PW, **STAFF_RULES)
    copies.append(tmp_path / "slots-2.json")
    shutil.copy(slots, copies[1])
    assert all(_opens_current(db, c, VICTIM, VICTIM_PW) for c in copies)  # the attack, before the fix
    disable_staff(session, VICTIM)
    sign_out(session)

    assert KeySlots.load(slots).generation == KeySlots.load(copies[0]).generation + 1
    if os.name == "posix":
        assert (db.stat().st_mode & 0o777) == 0o600  # the re-encrypted file is as private as the old
    for copy in copies:
        assert not _opens_current(db, copy, VICTIM, VICTIM_PW)
        # Even with the whole data directory put back together around the old slot file.
        other = tmp_path / f"attack-{copy.stem}"
        other.mkdir()
        shutil.copy(db, other / "store.db")
        shutil.copy(copy, other / "keyslots.json")
        attacker = Wiring(other)
        with pytest.raises((SignInFailed, StoreError)):
            _sign_in(attacker, VICTIM, VICTIM_PW)
    # Everyone else signs in with just their own password, and is moved onto the new key.
    for username, password in ((ADMIN, ADMIN_PASSWORD), (BOB, BOB_PW)):
        s = _sign_in(wiring, username, password)
        with s.uow() as uow:
            assert [e.action for e in uow.audit.entries()].count("store.re-encrypted") == 1
        sign_out(s)
    current = KeySlots.load(slots)
    assert all(s.get("wrapped") and s["generation"] == current.generation
               for s in current._data["slots"] if s["owner"] != "recovery")
    # The recovery key still works after the rotation: its slot was sealed too.
    recover(wiring.gate, wiring.throttle, wiring.clock, store.recovery_key, BOB, "bob found a new passphrase", POLICY)
    sign_out(_sign_in(wiring, BOB, "bob found a new passphrase"))


def test_after_a_password_change_the_old_password_with_the_old_file_opens_nothing(store, wiring, tmp_path) -> None:  # type: ignore[no-untyped-def]
    slots, db = store.data_dir / "keyslots.json", store.data_dir / "store.db"
    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    add_staff(session, BOB, "outreach", BOB_PW, **STAFF_RULES)
    old = tmp_path / "old.json"
    shutil.copy(slots, old)
    change_password(session, BOB, "bob's brand new passphrase", policy=POLICY)
    sign_out(session)
    assert not _opens_current(db, old, BOB, BOB_PW)
    assert _opens_current(db, slots, BOB, "bob's brand new passphrase")
    sign_out(_sign_in(wiring, ADMIN, ADMIN_PASSWORD))


def test_while_another_session_has_the_store_open_the_rotation_waits_and_is_done_later(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    add_staff(session, VICTIM, "reception", VICTIM_PW, **STAFF_RULES)
    other = _sign_in(Wiring(store.data_dir), ADMIN, ADMIN_PASSWORD)  # e.g. the window, still open
    generation = KeySlots.load(store.data_dir / "keyslots.json").generation
    disable_staff(session, VICTIM)
    assert session.store.rotation_due()
    assert KeySlots.load(store.data_dir / "keyslots.json").generation == generation
    sign_out(session)
    sign_out(other)
    later = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)  # nobody else in: the rotation happens now
    assert not later.store.rotation_due()
    assert KeySlots.load(store.data_dir / "keyslots.json").generation == generation + 1
    sign_out(later)


def test_writes_made_while_the_store_is_re_encrypted_are_not_lost(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    add_staff(session, VICTIM, "reception", VICTIM_PW, **STAFF_RULES)
    done: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 400:
            n += 1
            with session.uow() as uow:
                uow.settings.set(f"w{n}", str(n))
                uow.commit()
            done.append(n)

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(done) < 20:
            pass
        disable_staff(session, VICTIM)
    finally:
        stop.set()
        t.join(60)
    assert not session.store.rotation_due()
    written = len(done)
    sign_out(session)
    s = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    with s.store.reader() as uow:
        assert all(uow.settings.get(f"w{i}") == str(i) for i in range(1, written + 1))
    sign_out(s)


def test_concurrent_slot_changes_from_two_processes_lose_nothing(store, wiring) -> None:  # type: ignore[no-untyped-def]
    # Finding 2: the app (this process) holds the slots it read at sign-in; meanwhile the admin
    # tool (another process) adds bob and disables the victim; then the app adds carol.
    app = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    add_staff(app, VICTIM, "reception", VICTIM_PW, **STAFF_RULES)
    victim_app = _sign_in(Wiring(store.data_dir), VICTIM, VICTIM_PW)  # the victim's own window
    env = {**os.environ, "CENTRE_DESK_PASSWORD": ADMIN_PASSWORD, "CENTRE_DESK_NEW_PASSWORD": BOB_PW}
    cli = [sys.executable, "-m", "centre_desk.cli", "--data-dir", str(store.data_dir), "--user", ADMIN]
    added = subprocess.run([*cli, "staff", "add", BOB, "--role", "outreach"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    disabled = subprocess.run([*cli, "staff", "disable", VICTIM], env=env, capture_output=True, text=True,
                              timeout=120)
    assert disabled.returncode == 0, disabled.stderr
    add_staff(app, CAROL, "reception", CAROL_PW, **STAFF_RULES)
    lock(victim_app)
    with pytest.raises(SignInFailed):  # disabled elsewhere: cannot unlock again
        unlock_again(wiring.gate, wiring.throttle, wiring.clock, victim_app.actor, VICTIM_PW)
    sign_out(app)
    for username, password in ((BOB, BOB_PW), (CAROL, CAROL_PW), (ADMIN, ADMIN_PASSWORD)):
        sign_out(_sign_in(wiring, username, password))
    slots = KeySlots.load(store.data_dir / "keyslots.json")
    assert not slots.has_user(VICTIM)  # the removed slot did not come back
    assert not _opens_current(store.data_dir / "store.db", store.data_dir / "keyslots.json", VICTIM, VICTIM_PW)
    with pytest.raises(SignInFailed):
        _sign_in(wiring, VICTIM, VICTIM_PW)


CRASH_POINTS = ["rekey.exported", "rekey.sealed", "rekey.renamed", "rekey.finished"]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_kill_9_at_any_point_of_the_re_encryption_leaves_a_store_the_others_open(
        store, wiring, tmp_path, point: str) -> None:  # type: ignore[no-untyped-def]
    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    add_staff(session, VICTIM, "reception", VICTIM_PW, **STAFF_RULES)
    add_staff(session, BOB, "outreach", BOB_PW, **STAFF_RULES)
    with session.uow() as uow:
        uow.settings.set("committed-before", "yes")
        uow.commit()
    sign_out(session)
    old_slots = tmp_path / "old.json"
    shutil.copy(store.data_dir / "keyslots.json", old_slots)

    env = {**os.environ, "CENTRE_DESK_PASSWORD": ADMIN_PASSWORD, "CENTRE_DESK_CRASH_AT": point}
    proc = subprocess.Popen([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(store.data_dir),
                             "--user", ADMIN, "staff", "disable", VICTIM],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.strip() == f"crashpoint {point}", line
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)

    # The others still sign in; nothing committed is lost; the victim is disabled.
    for username, password in ((BOB, BOB_PW), (ADMIN, ADMIN_PASSWORD)):
        s = _sign_in(wiring, username, password)
        with s.store.reader() as uow:
            assert uow.settings.get("committed-before") == "yes"
            assert uow.staff.by_username(VICTIM).disabled  # type: ignore[union-attr]
        sign_out(s)
    assert not (store.data_dir / "store.db.rekey").exists()
    # The rotation was finished (or redone at the sign-in above): old slots open nothing current.
    assert not KeySlots.load(store.data_dir / "keyslots.json").rotation_due
    assert not _opens_current(store.data_dir / "store.db", old_slots, VICTIM, VICTIM_PW)
    with pytest.raises(SignInFailed):
        _sign_in(wiring, VICTIM, VICTIM_PW)


@pytest.mark.parametrize("point", ["password.audited", "password.slot-written"])
def test_a_kill_around_a_password_change_never_leaves_it_unaudited(store, wiring, point: str) -> None:  # type: ignore[no-untyped-def]
    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    add_staff(session, BOB, "outreach", BOB_PW, **STAFF_RULES)
    sign_out(session)
    new = "bob's changed passphrase here"
    env = {**os.environ, "CENTRE_DESK_PASSWORD": ADMIN_PASSWORD, "CENTRE_DESK_NEW_PASSWORD": new,
           "CENTRE_DESK_CRASH_AT": point}
    proc = subprocess.Popen([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(store.data_dir),
                             "--user", ADMIN, "staff", "passwd", BOB],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().strip() == f"crashpoint {point}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    try:
        s = _sign_in(wiring, BOB, new)
        changed = True
    except SignInFailed:
        s = _sign_in(wiring, BOB, BOB_PW)
        changed = False
    assert changed == (point == "password.slot-written")
    with s.store.reader() as uow:
        audited = [e for e in uow.audit.entries() if e.action == "staff.password-changed"]
    assert len(audited) == 1  # written before the slot, so never a change without an entry
    sign_out(s)


def _write_v1_slots(path: Path, recovery_key: str | None = None) -> None:
    """Rewrite the slot file in the format before key rotation (one wrapped key per slot, nothing
    else): the administrator's slot and, if ``recovery_key`` is given, the recovery slot."""
    import base64
    import json
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from centre_desk.security.kdf import FLOOR, derive
    from centre_desk.security.keyslots import RECOVERY_OWNER, normalise_recovery_key

    current = KeySlots.load(path)
    opening = current.open(ADMIN, ADMIN_PASSWORD)
    key = bytes(opening.keys[current.generation])
    opening.wipe()
    data = json.loads(path.read_text())
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731

    def v1_slot(old: dict, secret: str) -> dict:  # type: ignore[type-arg]
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        wrapped = AESGCM(bytes(derive(secret, salt, FLOOR))).encrypt(
            nonce, key, f"{data['store_id']}|{old['owner']}".encode())
        return {"owner": old["owner"], "lookup": old["lookup"],
                "kdf": {"name": "argon2id", "salt": b64(salt), **FLOOR.to_json()},
                "nonce": b64(nonce), "wrapped": b64(wrapped)}

    slots = [v1_slot(next(s for s in data["slots"] if s["owner"] != RECOVERY_OWNER), ADMIN_PASSWORD)]
    if recovery_key is not None:
        slots.append(v1_slot(next(s for s in data["slots"] if s["owner"] == RECOVERY_OWNER),
                             normalise_recovery_key(recovery_key)))
    path.write_text(json.dumps({"format": "centre-desk-keyslots/1", "store_id": data["store_id"],
                                "lookup_salt": data["lookup_salt"], "slots": slots}))


def test_a_slot_file_from_before_key_rotation_still_opens_and_is_upgraded(store, wiring) -> None:  # type: ignore[no-untyped-def]
    path = store.data_dir / "keyslots.json"
    _write_v1_slots(path)

    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    upgraded = KeySlots.load(path)
    assert upgraded._data["format"] == "centre-desk-keyslots/2"
    assert "public" in upgraded._data["slots"][0]  # given its key pair at this sign-in
    add_staff(session, VICTIM, "reception", VICTIM_PW, **STAFF_RULES)
    disable_staff(session, VICTIM)
    assert session.store.left_out == []  # every remaining slot could be given the new key
    sign_out(session)
    sign_out(_sign_in(wiring, ADMIN, ADMIN_PASSWORD))


def _admin_cli(data_dir: Path, *args: str, password: str | None = ADMIN_PASSWORD, new_password: str | None = None,
               stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_") or k == "CENTRE_DESK_KDF_SECONDS"}
    if password is not None:
        env["CENTRE_DESK_PASSWORD"] = password
    if new_password is not None:
        env["CENTRE_DESK_NEW_PASSWORD"] = new_password
    return run_module([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(data_dir), *args], env, stdin)


def test_a_recovery_key_from_before_key_rotation_is_flagged_and_can_be_renewed(store) -> None:  # type: ignore[no-untyped-def]
    """An upgraded store's recovery slot has no key pair, so a re-encryption cannot carry it: the
    administrator is told before that happens, is told again once it has, and can make a new key."""
    data = store.data_dir
    _write_v1_slots(data / "keyslots.json", recovery_key=store.recovery_key)

    listed = _admin_cli(data, "--user", ADMIN, "staff", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Warning:" in listed.stderr and "recovery-key new" in listed.stderr
    status = _admin_cli(data, "--user", ADMIN, "recovery-key", "status")
    assert status.returncode == 1 and "Recovery key state: legacy" in status.stdout
    assert "would stop it working" in status.stdout

    # Disabling someone re-encrypts the store; the old recovery slot cannot be carried across.
    assert _admin_cli(data, "--user", ADMIN, "staff", "add", VICTIM, "--role", "reception",
                      new_password=VICTIM_PW).returncode == 0
    assert _admin_cli(data, "--user", ADMIN, "staff", "disable", VICTIM).returncode == 0
    status = _admin_cli(data, "--user", ADMIN, "recovery-key", "status")
    assert status.returncode == 1 and "Recovery key state: missing" in status.stdout
    audit = _admin_cli(data, "--user", ADMIN, "audit", "list", "--action", "store.re-encrypted", "--json")
    assert "the recovery key no longer opens the store" in audit.stdout
    old = _admin_cli(data, "recover", "--user", ADMIN, password=None, new_password="a recovered passphrase",
                     stdin=store.recovery_key + "\n")
    assert old.returncode == 3  # sign-in failed: the old key opens nothing now

    new = _admin_cli(data, "--user", ADMIN, "recovery-key", "new")
    assert new.returncode == 0, new.stderr
    assert "Warning:" not in new.stderr  # the command that renews it does not warn about it
    key = next(line.removeprefix("Recovery key: ") for line in new.stdout.splitlines()
               if line.startswith("Recovery key: "))
    assert key != store.recovery_key
    status = _admin_cli(data, "--user", ADMIN, "recovery-key", "status")
    assert status.returncode == 0 and "Recovery key state: ok" in status.stdout and not status.stderr
    assert "recovery-key.renewed" in _admin_cli(data, "--user", ADMIN, "audit", "list").stdout
    rec = _admin_cli(data, "recover", "--user", ADMIN, password=None, new_password="a recovered passphrase",
                     stdin=key + "\n")
    assert rec.returncode == 0, rec.stderr
    assert _admin_cli(data, "--user", ADMIN, "staff", "list", password="a recovered passphrase").returncode == 0


def test_a_renewed_recovery_key_retires_the_old_one_and_needs_an_administrator(store, wiring) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.domain.errors import PermissionDenied
    from centre_desk.services.keys import recovery_key_state, renew_recovery_key

    session = _sign_in(wiring, ADMIN, ADMIN_PASSWORD)
    assert recovery_key_state(session) == "ok"
    add_staff(session, BOB, "manager", BOB_PW, **STAFF_RULES)
    manager = _sign_in(wiring, BOB, BOB_PW)
    with pytest.raises(PermissionDenied):
        renew_recovery_key(manager)
    sign_out(manager)
    key = renew_recovery_key(session)
    assert recovery_key_state(session) == "ok"
    sign_out(session)
    slots, db = store.data_dir / "keyslots.json", store.data_dir / "store.db"
    assert not KeySlots.load(slots).rotation_due  # nobody else had it open: re-encrypted at once
    with pytest.raises(SignInFailed):
        KeySlots.load(slots).open_recovery(store.recovery_key)
    opening = KeySlots.load(slots).open_recovery(key)
    try:
        connect_raw(db, KeyHolder(opening.keys[max(opening.keys)])).close()
    finally:
        opening.wipe()
