"""Backup and restore on real SQLCipher files, through ``centre-desk-admin`` run as a process."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

from centre_desk.domain.errors import Conflict, PermissionDenied
from centre_desk.services.audit import verify_audit
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.backup import create_backup
from centre_desk.services.staff import add_staff, change_password, disable_staff
from centre_desk.storage.archive import StoreBackups, inspect_archive
from centre_desk.wiring import Wiring
from tests.cli_runner import run_module
from tests.conftest import ADMIN, ADMIN_PASSWORD, CENTRE, POLICY, STAFF_RULES

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from centre_desk.wiring import Wiring
    from centre_desk.services.auth import sign_in
    w = Wiring(Path(sys.argv[1]))
    s = sign_in(w.gate, w.throttle, w.clock, sys.argv[2], sys.argv[3])
    i = 0
    while True:
        i += 1
        with s.uow() as uow:
            uow.settings.set("backup-test-counter", str(i))
            s.audit(uow, "test.write", detail=str(i))
            uow.commit()
        print(i, flush=True)
    """
)

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from centre_desk.wiring import Wiring
    from centre_desk.services.auth import sign_in
    w = Wiring(Path(sys.argv[1]))
    s = sign_in(w.gate, w.throttle, w.clock, sys.argv[2], sys.argv[3])
    with s.uow() as uow:
        uow.settings.get("centre_name")
    print("open", flush=True)
    time.sleep(120)
    """
)


def admin(data_dir: Path, *args: str, user: str | None = ADMIN, password: str | None = ADMIN_PASSWORD,
          timeout: float = 120, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_") or k == "CENTRE_DESK_KDF_SECONDS"}
    env.update(extra_env or {})
    if password is not None:
        env["CENTRE_DESK_PASSWORD"] = password
    user_args = ["--user", user] if user else []
    return run_module([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(data_dir), *user_args, *args],
                      env, timeout=timeout)


def snapshot(data_dir: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(data_dir)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(data_dir.rglob("*")) if p.is_file()}


@pytest.fixture
def archive(store, wiring, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A backup of a store with an administrator and a receptionist; signed out again, so that
    nothing in this process holds the store open."""
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    add_staff(session, "rita", "reception", "rita's first password", **STAFF_RULES)
    dest = tmp_path / "desk.cdbackup"
    create_backup(session, StoreBackups(store.data_dir), dest)
    sign_out(session)
    return dest


def _rewrite(src: Path, dest: Path, change: dict[str, bytes]) -> None:
    """Copy an archive member by member, replacing some members' contents."""
    with tarfile.open(src) as tin, tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tout:
        for info in tin.getmembers():
            fh = tin.extractfile(info)
            assert fh is not None
            data = change.get(info.name, fh.read())
            info.size = len(data)
            tout.addfile(info, io.BytesIO(data))


# -- backup -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_backup_while_another_process_writes_restores_everything_committed_before_it(
        store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store.data_dir), ADMIN, ADMIN_PASSWORD],
                              stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert writer.stdout is not None
    try:
        before = 0
        for line in writer.stdout:
            before = int(line)
            if before >= 100:
                break
        # Every number printed so far was committed before the backup began.
        out = tmp_path / "live.cdbackup"
        made = admin(store.data_dir, "backup", "--out", str(out))
        assert made.returncode == 0, made.stderr
        assert "Backup written to" in made.stdout
        after = before
        for line in writer.stdout:
            after = int(line)
            if after >= before + 50:
                break
        assert after >= before + 50, "the writer must still be writing after the backup"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)

    target = tmp_path / "restored"
    restored = admin(target, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert "Restored the backup taken" in restored.stdout

    w = Wiring(target)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        with session.uow() as uow:
            counter = int(uow.settings.get("backup-test-counter") or 0)
            entries = list(uow.audit.entries())
            assert uow.settings.get("centre_name") == CENTRE
        writes = [int(e.detail or 0) for e in entries if e.action == "test.write"]
        assert counter >= before
        assert writes == list(range(1, counter + 1))  # a consistent snapshot: no half transaction
        assert [e.action for e in entries][-2:] == ["backup.restored", "sign-in"]
        report = verify_audit(session)
        assert report.intact, report
    finally:
        sign_out(session)
    with sign_in(*_gate(store.data_dir), ADMIN, ADMIN_PASSWORD).uow() as uow:
        assert "backup.created" in [e.action for e in uow.audit.entries()]


def _gate(data_dir: Path):  # type: ignore[no-untyped-def]
    w = Wiring(data_dir)
    return w.gate, w.throttle, w.clock


def test_archive_holds_no_plaintext_and_only_the_expected_members(archive: Path, store) -> None:  # type: ignore[no-untyped-def]
    data = archive.read_bytes()
    for secret in (CENTRE, "Hillside", ADMIN_PASSWORD, "rita", "administrator", "SQLite format 3"):
        assert secret.encode() not in data, secret
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["manifest.json", "manifest.hmac", "keyslots.json", "store.db"]
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["format"] == "centre-desk-backup/1"
    assert manifest["schema_revision"] and manifest["store_id"] and manifest["created_at"]
    assert set(manifest["members"]) == {"keyslots.json", "store.db"}
    assert all(len(m["sha256"]) == 64 for m in manifest["members"].values())
    assert inspect_archive(archive).store_id == manifest["store_id"]


def test_backup_needs_the_backup_permission_and_never_overwrites(archive: Path, store, wiring,
                                                                 tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rita = sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", "rita's first password")
    with pytest.raises(PermissionDenied):
        create_backup(rita, StoreBackups(store.data_dir), tmp_path / "rita.cdbackup")
    sign_out(rita)
    assert not (tmp_path / "rita.cdbackup").exists()
    denied = admin(store.data_dir, "backup", "--out", str(tmp_path / "r2.cdbackup"), user="rita",
                   password="rita's first password")
    assert denied.returncode == 1 and "may not backup" in denied.stderr
    before = archive.read_bytes()
    again = admin(store.data_dir, "backup", "--out", str(archive))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert archive.read_bytes() == before
    nofolder = admin(store.data_dir, "backup", "--out", str(tmp_path / "no" / "such" / "x.cdbackup"))
    assert nofolder.returncode == 1 and "does not exist" in nofolder.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


# -- restore ----------------------------------------------------------------------------------------


def test_restore_without_replace_onto_an_existing_store_refuses_and_changes_nothing(
        archive: Path, store) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(store.data_dir)
    r = admin(store.data_dir, "restore", str(archive))
    assert r.returncode == 1
    assert "already exists" in r.stderr and "--replace" in r.stderr and "Traceback" not in r.stderr
    assert snapshot(store.data_dir) == before
    # The service refuses too, before it asks for the archive or a password.
    with pytest.raises(Conflict):
        from centre_desk.services.backup import restore_backup

        w = Wiring(store.data_dir)
        restore_backup(StoreBackups(store.data_dir), w.clock, archive, gate=w.gate, throttle=w.throttle,
                       username=ADMIN, password=ADMIN_PASSWORD)
    assert snapshot(store.data_dir) == before


def test_replace_moves_the_current_store_aside_and_restores_the_backup_passwords(
        archive: Path, store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    change_password(session, "rita", "rita's second password", policy=POLICY)
    with session.uow() as uow:
        uow.settings.set("after-backup", "yes")
        uow.commit()
    sign_out(session)

    r = admin(store.data_dir, "restore", "--replace", str(archive))
    assert r.returncode == 0, r.stderr
    moved = [p for p in (store.data_dir / "backups").iterdir() if p.name.startswith("replaced-")]
    assert len(moved) == 1 and str(moved[0]) in r.stdout
    assert {p.name for p in moved[0].iterdir()} >= {"store.db", "keyslots.json"}

    # The restored store: the passwords of the time of the backup, without later changes.
    w = Wiring(store.data_dir)
    sign_out(sign_in(w.gate, w.throttle, w.clock, "rita", "rita's first password"))
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    with session.uow() as uow:
        assert uow.settings.get("after-backup") is None
        restored = [e for e in uow.audit.entries() if e.action == "backup.restored"]
    assert len(restored) == 1 and restored[0].actor == session.actor.id
    assert restored[0].detail and "replaced a store" in restored[0].detail
    assert verify_audit(session).intact
    sign_out(session)

    # What was there before is kept whole and still opens with the later password.
    aside = Wiring(moved[0])
    old = sign_in(aside.gate, aside.throttle, aside.clock, "rita", "rita's second password")
    with old.uow() as uow:
        assert uow.settings.get("after-backup") == "yes"
    sign_out(old)


def test_restore_with_the_recovery_key(archive: Path, store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "by-recovery"
    refused = admin(target, "restore", str(archive), "--recovery-key", store.recovery_key, user=None,
                    password=None)
    assert refused.returncode == 2 and "standard input or in CENTRE_DESK_RECOVERY_KEY" in refused.stderr
    assert store.recovery_key not in refused.stderr and not target.exists()
    r = admin(target, "restore", str(archive), "--use-recovery-key", user=None, password=None,
              extra_env={"CENTRE_DESK_RECOVERY_KEY": store.recovery_key})
    assert r.returncode == 0, r.stderr
    w = Wiring(target)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    with session.uow() as uow:
        assert [e.actor for e in uow.audit.entries() if e.action == "backup.restored"] == ["recovery"]
    sign_out(session)


def test_a_tampered_archive_is_refused_and_nothing_is_written(archive: Path, tmp_path: Path) -> None:
    # One byte of the encrypted database changed.
    flipped = tmp_path / "flipped.cdbackup"
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = tar.getmember("store.db")
        offset = member.offset_data + member.size // 2
    data[offset] ^= 0x01
    flipped.write_bytes(bytes(data))
    # The manifest edited and its hashes still right: only the HMAC (needs the key) catches it.
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    manifest["created_at"] = "2020-01-01T00:00:00+00:00"
    edited = tmp_path / "edited.cdbackup"
    _rewrite(archive, edited, {"manifest.json": json.dumps(manifest, indent=2, sort_keys=True).encode()})
    # Cut short, and not an archive at all.
    truncated = tmp_path / "truncated.cdbackup"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    junk = tmp_path / "junk.cdbackup"
    junk.write_bytes(b"this is not a backup\n" * 100)

    cases = {flipped: "store.db does not match its manifest", edited: "its manifest was changed",
             truncated: "damaged", junk: "not a Centre Desk backup"}
    for path, reason in cases.items():
        target = tmp_path / f"target-{path.stem}"
        r = admin(target, "restore", str(path))
        assert r.returncode == 1, (path.name, r.stdout, r.stderr)
        line = r.stderr.strip()
        assert line.startswith("centre-desk-admin: ") and reason in line, (path.name, line)
        assert "\n" not in line and "Traceback" not in r.stderr
        leftovers = [p for p in target.rglob("*")] if target.exists() else []
        assert leftovers == [], (path.name, leftovers)


def test_restore_needs_a_password_and_role_from_the_backup(archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "t"
    wrong = admin(target, "restore", str(archive), password="not the password")
    assert wrong.returncode == 3 and wrong.stderr.strip() == "centre-desk-admin: sign-in failed"
    reception = admin(target, "restore", str(archive), user="rita", password="rita's first password")
    assert reception.returncode == 1 and "may not backup" in reception.stderr
    assert not target.exists() or list(target.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX lock probe; Windows refuses the rename instead")
def test_replace_refuses_while_the_app_has_the_store_open(archive: Path, store) -> None:  # type: ignore[no-untyped-def]
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store.data_dir), ADMIN, ADMIN_PASSWORD],
                              stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        before = {k: v for k, v in snapshot(store.data_dir).items() if not k.endswith(("-wal", "-shm"))}
        r = admin(store.data_dir, "restore", "--replace", str(archive))
        assert r.returncode == 1 and "open in Centre Desk" in r.stderr, r.stderr
        after = {k: v for k, v in snapshot(store.data_dir).items() if not k.endswith(("-wal", "-shm"))}
        assert after == before
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_a_disabled_administrator_cannot_roll_the_store_back(store, wiring, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Issue 8, finding 6: `restore --replace` checked the password against the backup's staff
    # list, so a disabled administrator could restore an old backup and be active again.
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    add_staff(session, "boss", "administrator", "the old boss passphrase", **STAFF_RULES)
    add_staff(session, "rita", "reception", "rita's first password", **STAFF_RULES)
    backup = tmp_path / "before.cdbackup"
    create_backup(session, StoreBackups(store.data_dir), backup)
    disable_staff(session, "boss")
    sign_out(session)
    before = snapshot(store.data_dir)

    boss = admin(store.data_dir, "restore", "--replace", str(backup), user="boss",
                 password="the old boss passphrase")
    assert boss.returncode == 3 and boss.stderr.strip() == "centre-desk-admin: sign-in failed"
    rita = admin(store.data_dir, "restore", "--replace", str(backup), user="rita", password="rita's first password")
    assert rita.returncode == 1 and "may not backup" in rita.stderr
    assert not (store.data_dir / "backups").exists()
    assert {k for k in before if k.startswith("store.db")} <= set(snapshot(store.data_dir))

    # Both refusals are in the current store's audit chain.
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    with session.store.reader() as uow:
        actions = [(e.action, e.source) for e in uow.audit.entries()]
        boss_member = uow.staff.by_username("boss")
    assert ("restore.failed", "reported") in actions
    assert ("backup.restore-refused", "store") in actions
    assert boss_member is not None and boss_member.disabled
    sign_out(session)

    # An active administrator may, and the store being replaced records it before it is moved aside.
    ok = admin(store.data_dir, "restore", "--replace", str(backup))
    assert ok.returncode == 0, ok.stderr
    [aside] = [p for p in (store.data_dir / "backups").iterdir() if p.name.startswith("replaced-")]
    old = Wiring(aside)
    s = sign_in(old.gate, old.throttle, old.clock, ADMIN, ADMIN_PASSWORD)
    with s.store.reader() as uow:
        assert "backup.restoring-over" in [e.action for e in uow.audit.entries()]
    sign_out(s)
