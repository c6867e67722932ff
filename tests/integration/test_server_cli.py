"""``centre-desk-server`` administration as real processes, on PostgreSQL and on SQLite."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from centre_desk.server.migrations import HEAD

from .server_harness import (
    GOOD_PASSWORD,
    OTHER_PROFILE,
    PROFILE,
    db_url_fixture,  # noqa: F401 - the db_url fixture
    init,
    ok,
    postgres_database,
    run,
    value,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _engine(url: str):  # type: ignore[no-untyped-def]
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def _count(url: str, table: str) -> int:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_init_db_creates_the_schema_and_one_organisation_then_refuses_a_second_init(db_url: str) -> None:
    org = init(db_url)
    assert UUID.match(org)
    again = run(db_url, "init-db", "--profile", PROFILE)
    assert again.returncode == 1 and "already set up" in again.stderr and "org add" in again.stderr
    other = value(ok(run(db_url, "org", "add", "--profile", OTHER_PROFILE, "--org-name", "Taunton Early Help")),
                  "Organisation")
    assert other != org and UUID.match(other)
    assert _count(db_url, "organisations") == 2
    engine = _engine(db_url)
    with engine.connect() as conn:
        names = dict(conn.execute(text("SELECT id, name FROM organisations")).all())  # type: ignore[arg-type]
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert names[other] == "Taunton Early Help"
    assert names[org]  # the profile's own name when --org-name is not given
    assert revision == HEAD


def test_init_db_with_an_unknown_profile_creates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'srv' / 'server.db'}"
    bad = run(url, "init-db", "--profile", "no-such-council")
    assert bad.returncode == 1
    assert "no-such-council" in bad.stderr and "available profiles" in bad.stderr
    assert not (tmp_path / "srv").exists()
    later = run(url, "staff", "list", "--org", "x")
    assert later.returncode == 1 and "init-db" in later.stderr


def test_the_database_comes_from_the_option_after_the_command_or_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    org = value(ok(run(None, "init-db", "--db", url, "--profile", PROFILE)), "Organisation")
    ok(run(url, "staff", "add", "kim", "--role", "reception", "--org", org, new_password=GOOD_PASSWORD,
           env_db=True))
    listed = ok(run(None, "staff", "list", "--org", org, "--db", url, "--json"))
    assert [json.loads(line)["username"] for line in listed.splitlines()] == ["kim"]


def test_staff_lifecycle(db_url: str) -> None:
    org = init(db_url)
    staff_id = value(ok(run(db_url, "staff", "add", "Amira", "--role", "manager", "--org", org,
                            new_password=GOOD_PASSWORD)), "Staff")
    assert UUID.match(staff_id)
    ok(run(db_url, "staff", "add", "bo", "--role", "outreach", "--org", org, stdin=GOOD_PASSWORD + "\n"))

    # Usernames are unique per organisation after NFKC and case folding.
    for clash in ("amira", "AMIRA", "ＡＭＩＲＡ"):
        dup = run(db_url, "staff", "add", clash, "--role", "reception", "--org", org, new_password=GOOD_PASSWORD)
        assert dup.returncode == 1 and "username" in dup.stderr and "already exists" in dup.stderr

    weak = run(db_url, "staff", "add", "cy", "--role", "reception", "--org", org, new_password="Password123!")
    assert weak.returncode == 1 and weak.stderr.startswith("centre-desk-server: password: ")
    assert "Password123!" not in weak.stderr
    short = run(db_url, "staff", "add", "cy", "--role", "reception", "--org", org, new_password="abc")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    role = run(db_url, "staff", "add", "cy", "--role", "chief", "--org", org, new_password=GOOD_PASSWORD)
    assert role.returncode == 1 and "role: must be one of" in role.stderr
    assert len(role.stderr.strip().splitlines()) == 1
    no_org = run(db_url, "staff", "add", "cy", "--role", "reception", "--org", "nope", new_password=GOOD_PASSWORD)
    assert no_org.returncode == 1 and "--org" in no_org.stderr
    usage = run(db_url, "staff", "add", "cy", "--org", org)
    assert usage.returncode == 2 and "--role" in usage.stderr

    rows = [json.loads(line) for line in ok(run(db_url, "staff", "list", "--org", org, "--json")).splitlines()]
    assert [(r["username"], r["role"], r["disabled"]) for r in rows] == [("Amira", "manager", False),
                                                                         ("bo", "outreach", False)]
    assert rows[0]["staff_id"] == staff_id
    assert all(GOOD_PASSWORD not in json.dumps(r) and "argon2" not in json.dumps(r) for r in rows)

    weak_change = run(db_url, "staff", "passwd", "amira", "--org", org, new_password="amira12345")
    assert weak_change.returncode == 1 and "password" in weak_change.stderr
    ok(run(db_url, "staff", "passwd", "AMIRA", "--org", org, new_password="glacier pepper harmonica"))
    missing = run(db_url, "staff", "passwd", "zed", "--org", org, new_password="glacier pepper harmonica")
    assert missing.returncode == 1 and "no member of staff" in missing.stderr

    ok(run(db_url, "staff", "disable", "bo", "--org", org))
    twice = run(db_url, "staff", "disable", "bo", "--org", org)
    assert twice.returncode == 1 and "already disabled" in twice.stderr
    table = ok(run(db_url, "staff", "list", "--org", org))
    assert re.search(r"^bo\s+outreach\s+disabled", table, re.M)
    assert re.search(r"^Amira\s+manager\s+active", table, re.M)

    # Every change is in the organisation's chain, by id, with no username or password in it.
    verified = ok(run(db_url, "audit", "verify"))
    assert "server chain: 5 entries, intact" in verified  # org, 2 staff, password, disable
    engine = _engine(db_url)
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT actor, action, record_ref, detail FROM server_audit ORDER BY seq")).all()
        hashes = [h for (h,) in conn.execute(text("SELECT password_hash FROM staff"))]
    engine.dispose()
    assert [a.action for a in audit] == ["org.add", "staff.add", "staff.add", "staff.password", "staff.disable"]
    assert audit[1].record_ref == staff_id
    assert not any(word in str(audit).lower() for word in ("amira", "bo'", "purple", "glacier"))
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_enrolment_codes_are_one_time_secrets_stored_hashed(db_url: str) -> None:
    from centre_desk.server.codes import parse_code
    from centre_desk.server.credentials import digest

    org = init(db_url)
    out = ok(run(db_url, "enrolment-code", "--org", org))
    code = value(out, "Enrolment code")
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{1,5})+", code)
    expires = value(out, "Expires")
    assert expires == "2026-03-03T09:00:00+00:00"  # 24 h after the injected clock
    second = value(ok(run(db_url, "enrolment-code", "--org", org)), "Enrolment code")
    assert second != code
    engine = _engine(db_url)
    with engine.connect() as conn:
        stored = [h for (h,) in conn.execute(text("SELECT secret_hash FROM enrolment_codes"))]
        dump = str(conn.execute(text("SELECT * FROM enrolment_codes")).all())
    engine.dispose()
    assert sorted(stored) == sorted(digest(parse_code(c).secret) for c in (code, second))
    assert code.replace("-", "") not in dump.upper().replace("-", "")
    assert parse_code(code).fingerprint is None
    no_org = run(db_url, "enrolment-code", "--org", "elsewhere")
    assert no_org.returncode == 1 and "--org" in no_org.stderr


def test_audit_verify_names_the_first_broken_entry(db_url: str) -> None:
    org = init(db_url)
    for name in ("ann", "ben", "cal"):
        ok(run(db_url, "staff", "add", name, "--role", "reception", "--org", org, new_password=GOOD_PASSWORD))
    assert "4 entries, intact" in ok(run(db_url, "audit", "verify", "--org", org))
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE server_audit SET detail = 'administrator' WHERE seq = 3"))
    engine.dispose()
    broken = run(db_url, "audit", "verify")
    assert broken.returncode == 1
    assert f"organisation {org}, server chain is broken at entry 3" in broken.stderr
    assert "content does not match" in broken.stderr


def test_a_database_password_never_appears_in_an_error() -> None:
    with postgres_database() as url:
        secret_url = url.replace("postgresql://root@", "postgresql://root:Sekrit-Pa55@").replace(
            "postgresql://postgres@", "postgresql://postgres:Sekrit-Pa55@")
        missing_db = secret_url.rsplit("/", 1)[0] + "/cd_no_such_database"
        for target in (missing_db, "postgresql://root:Sekrit-Pa55@127.0.0.1:9/x"):
            result = run(target, "staff", "list", "--org", "x")
            assert result.returncode == 1
            assert "Sekrit-Pa55" not in result.stderr + result.stdout
            assert "***" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2_with_one_line() -> None:
    result = run(None, "device", "frobnicate")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert run(None, "serve", "--port", "x").returncode == 2


def test_serve_refuses_plain_http_off_loopback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    init(url)
    refused = run(url, "serve", "--host", "0.0.0.0", "--port", "18999")  # noqa: S104
    assert refused.returncode == 1 and "--host" in refused.stderr and "loopback" in refused.stderr
    half = run(url, "serve", "--tls-cert", str(tmp_path / "c.pem"))
    assert half.returncode == 1 and "--tls-key" in half.stderr


def test_expiry_uses_the_injected_clock(db_url: str) -> None:
    org = init(db_url)
    from .server_harness import NOW

    later = NOW + timedelta(hours=5)
    expires = value(ok(run(db_url, "enrolment-code", "--org", org, now=later)), "Expires")
    assert expires == (later + timedelta(hours=24)).isoformat(timespec="seconds")


def test_audit_verify_checks_each_device_chain_against_its_anchor(db_url: str) -> None:
    from datetime import UTC, datetime

    from centre_desk.domain.audit import make_entry
    from centre_desk.server.db import Database
    from centre_desk.server.models import AuditAnchor, Device, DeviceAuditEntry, Staff

    org = init(db_url)
    ok(run(db_url, "staff", "add", "ivy", "--role", "outreach", "--org", org, new_password=GOOD_PASSWORD))
    at = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    db = Database(db_url)
    entries = []
    for action in ("sign-in", "household.view", "sign-out"):
        entries.append(make_entry(entries[-1] if entries else None, at, "staff-x", action))
    with db.unit() as s:
        staff_id = s.query(Staff.id).scalar()
        s.add(Device(id="device-1", org_id=org, token_hash="0" * 64, enrolled_by=staff_id, enrolled_at=at))
        s.flush()
        for e in entries:
            s.add(DeviceAuditEntry(device_id="device-1", seq=e.seq, at=e.at, actor=e.actor, action=e.action,
                                   record_ref=e.record_ref, detail=e.detail, source=e.source,
                                   prev_hash=e.prev_hash, hash=e.hash))
        s.add(AuditAnchor(device_id="device-1", head_count=3, head_hash=entries[-1].hash, anchored_at=at))
    assert f"organisation {org}, device device-1 chain: 3 entries, intact, head 3:{entries[-1].hash}" in ok(
        run(db_url, "audit", "verify"))
    # Dropping the last entry leaves links that all verify, but the anchor no longer matches.
    with db.unit() as s:
        s.query(DeviceAuditEntry).filter(DeviceAuditEntry.seq == 3).delete()
    db.dispose()
    truncated = run(db_url, "audit", "verify")
    assert truncated.returncode == 1
    assert "device device-1 chain is broken at entry 3" in truncated.stderr and "removed" in truncated.stderr
