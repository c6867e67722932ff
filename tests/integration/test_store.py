"""The encrypted store on real SQLCipher files: what a thief with the laptop could and could not read."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from centre_desk.domain.clock import FixedClock
from centre_desk.domain.errors import SignInFailed, SignInThrottled, StoreError
from centre_desk.security.keyslots import KeySlots
from centre_desk.services.audit import verify_audit
from centre_desk.services.auth import recover, sign_in, sign_out
from centre_desk.services.staff import add_staff, change_password, disable_staff
from centre_desk.storage.engine import KeyHolder, connect_raw
from centre_desk.wiring import Wiring
from tests.conftest import ADMIN, ADMIN_PASSWORD, CENTRE, POLICY, STAFF_RULES


def _all_bytes(data_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}


def test_no_file_is_plain_sqlite_or_holds_names(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    add_staff(session, "rosalind.quayle", "reception", "a long enough password", **STAFF_RULES)
    # Leave the store open so the WAL is on disk too while we look.
    files = _all_bytes(store.data_dir)
    assert any(p.name.endswith("-wal") for p in files), "expected a WAL file while the store is open"
    for path, data in files.items():
        assert not data.startswith(b"SQLite format 3"), path.name
        for secret in ("rosalind.quayle", "Hillside", CENTRE, ADMIN_PASSWORD, "reception pass"):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert secret.encode(encoding) not in data, (path.name, secret, encoding)
    sign_out(session)


def test_plain_sqlite_cannot_read_the_store(store) -> None:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(store.data_dir / "store.db")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def test_wrong_password_or_unknown_user_gives_the_same_failure(store, wiring) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SignInFailed) as wrong_password:
        sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, "not the password")
    with pytest.raises(SignInFailed) as unknown_user:
        sign_in(wiring.gate, wiring.throttle, wiring.clock, "nobody", ADMIN_PASSWORD)
    assert str(wrong_password.value) == str(unknown_user.value) == "sign-in failed"


def test_a_wrong_key_never_yields_data(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError) as err:
        connect_raw(store.data_dir / "store.db", KeyHolder(b"\x01" * 32))
    assert "01" * 8 not in str(err.value)


def test_failed_sign_ins_back_off_across_restarts_and_are_audited(store) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    w = Wiring(store.data_dir, clock)
    for _ in range(5):
        with pytest.raises(SignInFailed):
            sign_in(w.gate, w.throttle, w.clock, ADMIN, "wrong password!")
    restarted = Wiring(store.data_dir, clock)  # a new process: state comes from disk
    with pytest.raises(SignInThrottled) as throttled:
        sign_in(restarted.gate, restarted.throttle, clock, ADMIN, ADMIN_PASSWORD)
    assert throttled.value.wait_seconds == 30
    clock.advance(31)
    with pytest.raises(SignInFailed):  # a sixth failure doubles the wait
        sign_in(restarted.gate, restarted.throttle, clock, ADMIN, "wrong again!!")
    with pytest.raises(SignInThrottled) as doubled:
        sign_in(restarted.gate, restarted.throttle, clock, ADMIN, ADMIN_PASSWORD)
    assert doubled.value.wait_seconds == 60
    clock.advance(61)
    session = sign_in(restarted.gate, restarted.throttle, clock, ADMIN, ADMIN_PASSWORD)
    with session.uow() as uow:
        actions = [e.action for e in uow.audit.entries()]
    assert actions.count("sign-in.failed") == 6
    assert actions.count("sign-in.throttled") == 2
    assert verify_audit(session).intact
    sign_out(session)


def test_edited_audit_entry_is_named_by_verify(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    add_staff(session, "olga", "outreach", "outreach password", **STAFF_RULES)
    assert verify_audit(session).intact
    with session.uow() as uow:
        assert uow.session is not None
        uow.session.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4"))
        uow.commit()
    report = verify_audit(session)
    assert not report.intact
    assert report.first_broken == 4
    sign_out(session)


def test_password_change_re_encrypts_and_everyone_still_signs_in(store, wiring) -> None:  # type: ignore[no-untyped-def]
    # This test used to pin "the database key never changes" (a password change rewrapped one
    # slot); issue 8, finding 1, showed that is what lets an old password with an old slot file in.
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    add_staff(session, "rita", "reception", "reception password", **STAFF_RULES)
    before = KeySlots.load(store.data_dir / "keyslots.json")
    change_password(session, "rita", "a brand new password", policy=POLICY)
    after = KeySlots.load(store.data_dir / "keyslots.json")
    assert after.generation == before.generation + 1 and len(after.owners()) == len(before.owners())
    sign_out(session)
    with pytest.raises(SignInFailed):
        sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", "reception password")
    sign_out(sign_in(wiring.gate, wiring.throttle, wiring.clock, "rita", "a brand new password"))
    sign_out(sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD))


def test_disabled_staff_lose_their_slot_and_cannot_sign_in(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    member = add_staff(session, "leaver", "outreach", "leaver password", **STAFF_RULES)
    disable_staff(session, "leaver")
    sign_out(session)
    assert member.id not in KeySlots.load(store.data_dir / "keyslots.json").owners()
    with pytest.raises(SignInFailed):
        sign_in(wiring.gate, wiring.throttle, wiring.clock, "leaver", "leaver password")


def test_recovery_key_sets_a_new_password(store, wiring) -> None:  # type: ignore[no-untyped-def]
    recover(wiring.gate, wiring.throttle, wiring.clock, store.recovery_key.lower(), ADMIN, "recovered password",
            POLICY)
    with pytest.raises(SignInFailed):
        sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, "recovered password")
    with session.uow() as uow:
        assert "staff.password-recovered" in [e.action for e in uow.audit.entries()]
    sign_out(session)
    with pytest.raises(SignInFailed):
        recover(wiring.gate, wiring.throttle, wiring.clock, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", ADMIN,
                "whatever password", POLICY)


def test_lock_wipes_the_key_and_refuses_further_work(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    sign_out(session)
    assert session.store.locked
    with pytest.raises(StoreError):
        session.uow()


def test_store_reports_sqlcipher(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    with session.store.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.exec_driver_sql("PRAGMA cipher_version").scalar()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    sign_out(session)


MEMORY_SECURITY_PROBE = """
import sys
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.wiring import Wiring
w = Wiring(sys.argv[1])
session = sign_in(w.gate, w.throttle, w.clock, sys.argv[2], sys.argv[3])
with session.store.engine.connect() as conn:
    print(conn.exec_driver_sql("PRAGMA cipher_memory_security").scalar())
sign_out(session)
"""


@pytest.mark.parametrize(("setting", "expected"), [(None, "0"), ("on", "1")])
def test_memory_security_is_off_unless_the_machine_turns_it_on(store, setting, expected) -> None:  # type: ignore[no-untyped-def]
    # A process of its own: once on, SQLCipher keeps it on for the rest of the process.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CENTRE_DESK_MEMORY_SECURITY"}
    if setting:
        env["CENTRE_DESK_MEMORY_SECURITY"] = setting
    probe = subprocess.run([sys.executable, "-c", MEMORY_SECURITY_PROBE, str(store.data_dir), ADMIN, ADMIN_PASSWORD],
                           capture_output=True, text=True, env=env, timeout=120)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == expected
