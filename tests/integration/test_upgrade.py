"""A store written by an older version of Centre Desk opens with today's code and loses nothing.

For every schema revision older than head (and always 0001), a real keyed store is built the way an
older release left it: its tables created by Alembic up to 0001, filled with staff, settings, a
household with its search entries, contacts and an audit chain, then migrated up to that older
revision. It is then opened exactly as the app opens it (``DataDirectory.unlock`` through sign-in),
which must bring it to head, keep every row, and first leave an encrypted copy in ``backups/`` that
opens with the same key.
"""

from __future__ import annotations

import json
import stat
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text

from centre_desk.domain.audit import make_entry
from centre_desk.domain.errors import StoreError
from centre_desk.domain.household import Member, search_terms
from centre_desk.domain.ids import uuid7
from centre_desk.security.keyslots import KeySlots, new_database_key
from centre_desk.services.audit import verify_audit
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.households import open_household, search_households
from centre_desk.services.staff import list_staff
from centre_desk.storage import migrate
from centre_desk.storage.engine import KeyHolder, connect_raw, make_engine
from centre_desk.storage.migrations import HEAD
from centre_desk.wiring import Wiring

ADMIN, ADMIN_PASSWORD = "admin", "an old admin password"
RITA, RITA_PASSWORD = "rita", "rita's old password"
CENTRE = "Weston Children's Centre"
OLDER = sorted({r for r in migrate.revisions() if r != HEAD} | {"0001"})
T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def _upgrade(conn: Connection, revision: str) -> None:
    cfg = migrate._alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def _fill_0001(conn: Connection, store_id: str, admin_id: str, rita_id: str) -> dict[str, Any]:
    """Rows in the shape revision 0001 defines, written with plain SQL so that later changes to
    the models cannot change what an old store looked like."""
    settings = {"store_id": store_id, "profile_id": "north-somerset-children-centres",
                "centre_name": CENTRE, "centre_address": "2 Old Road", "created_at": T0.isoformat(),
                "training": "0"}
    for key, value in settings.items():
        conn.execute(text("INSERT INTO settings(key, value) VALUES (:k, :v)"), {"k": key, "v": value})
    for sid, name, role in ((admin_id, ADMIN, "administrator"), (rita_id, RITA, "reception")):
        conn.execute(text(
            "INSERT INTO staff(id, username, username_folded, display_name, role, disabled, created_at, "
            "created_by) VALUES (:id, :u, :f, '', :r, 0, :at, 'system')"),
            {"id": sid, "u": name, "f": name.casefold(), "r": role, "at": T0.isoformat()})
    household_id = uuid7()
    member = Member(uuid7(), {"first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent",
                              "date_of_birth": "1991-04-12"})
    child = Member(uuid7(), {"first_name": "Łukasz", "last_name": "Wiśniewski", "role": "child",
                             "date_of_birth": "2022-08-30"})
    fields = {"postcode": "BS23 1AA", "address_line_1": "14 Quay Street", "town": "Weston-super-Mare",
              "phone": "07700 900123"}
    body = {"fields": fields, "members": [{"id": m.id, "fields": dict(m.fields)} for m in (member, child)]}
    record = ("INSERT INTO records(id, kind, household_id, version, server_seq, created_by, created_at, "
              "updated_by, updated_at, form_id, form_version, deleted, body) VALUES "
              "(:id, :kind, :h, 1, NULL, :by, :at, :by, :at, :form, :fv, 0, :body)")
    conn.execute(text(record), {"id": household_id, "kind": "household", "h": household_id, "by": rita_id,
                                "at": T0.isoformat(), "form": "membership", "fv": 1,
                                "body": json.dumps(body, ensure_ascii=False)})
    conn.execute(text(record), {"id": uuid7(), "kind": "contact", "h": household_id, "by": rita_id,
                                "at": T0.isoformat(), "form": None, "fv": None,
                                "body": json.dumps({"date": "2025-03-01", "type": "drop-in", "note": ""})})
    for m in (member, child):
        conn.execute(text("INSERT INTO search_index(household_id, person_id, terms) VALUES (:h, :p, :t)"),
                     {"h": household_id, "p": m.id, "t": search_terms(fields, m)})
    prev = None
    for action, actor, ref in (("store.created", "system", None), ("staff.added", "system", admin_id),
                               ("staff.added", admin_id, rita_id), ("household.created", rita_id,
                                                                    household_id)):
        prev = make_entry(prev, T0, actor, action, ref)
        conn.execute(text(
            "INSERT INTO audit_log(seq, at, actor, action, record_ref, detail, prev_hash, hash) "
            "VALUES (:seq, :at, :actor, :action, :ref, NULL, :prev, :hash)"),
            {"seq": prev.seq, "at": prev.at.isoformat(), "actor": prev.actor, "action": prev.action,
             "ref": prev.record_ref, "prev": prev.prev_hash, "hash": prev.hash})
    return {"household_id": household_id, "member_id": member.id, "audit_entries": prev.seq if prev else 0}


def build_store_at(data_dir: Path, revision: str) -> tuple[bytes, dict[str, Any]]:
    """A keyed store at ``revision`` with its key slots, as an older release would have left it."""
    data_dir.mkdir(parents=True)
    key = new_database_key()
    slots = KeySlots.create(data_dir / "keyslots.json")
    admin_id, rita_id = str(uuid.uuid4()), str(uuid.uuid4())
    slots.set_user(admin_id, ADMIN, ADMIN_PASSWORD, key)
    slots.set_user(rita_id, RITA, RITA_PASSWORD, key)
    slots.set_recovery(key)
    slots.save()
    raw = bytes(key)
    engine = make_engine(data_dir / "store.db", KeyHolder(key))
    try:
        with engine.begin() as conn:
            _upgrade(conn, "0001")
            facts = _fill_0001(conn, slots.store_id, admin_id, rita_id)
        if revision != "0001":
            with engine.begin() as conn:
                _upgrade(conn, revision)
        assert migrate.current_revision(engine) == revision
    finally:
        engine.dispose()
    return raw, facts


def _schema(engine_or_path: Any, key: bytes) -> dict[str, list[str]]:
    conn = connect_raw(engine_or_path, KeyHolder(key))
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name").fetchall()]
        return {n: [c[1] for c in conn.execute(f"PRAGMA table_info('{n}')").fetchall()] for n in names}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def head_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The schema of a store created today, which every upgraded store must end up with."""
    d = tmp_path_factory.mktemp("fresh")
    key = bytes(new_database_key())
    engine = make_engine(d / "store.db", KeyHolder(key))
    with engine.begin() as conn:
        _upgrade(conn, "head")
    engine.dispose()
    return _schema(d / "store.db", key)


@pytest.mark.parametrize("revision", OLDER)
def test_an_older_store_opens_at_head_with_its_data_and_a_backup(tmp_path: Path, revision: str,
                                                                 head_schema: dict[str, list[str]]) -> None:
    data_dir = tmp_path / "data"
    key, facts = build_store_at(data_dir, revision)
    before = _schema(data_dir / "store.db", key)

    w = Wiring(data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    try:
        # At head, in number and in fact.
        assert migrate.current_revision(session.store.engine) == HEAD == migrate.head_revision()  # type: ignore[attr-defined]
        # Staff, settings, the household, its search entries and the audit chain survived.
        assert {(m.username, m.role.value) for m in list_staff(session)} == {
            (ADMIN, "administrator"), (RITA, "reception")}
        with session.uow() as uow:
            assert uow.settings.get("centre_name") == CENTRE
        hits = search_households(session, "wisniewska")
        assert [h.household_id for h in hits] == [facts["household_id"]]
        household = open_household(session, facts["household_id"])
        assert household.member(facts["member_id"]).last_name == "Wiśniewska"
        assert household.postcode == "BS23 1AA"
        report = verify_audit(session)
        assert report.intact, report
        assert report.count > facts["audit_entries"]
    finally:
        sign_out(session)
    assert _schema(data_dir / "store.db", key) == head_schema

    backups = sorted((data_dir / "backups").glob("*.db")) if (data_dir / "backups").exists() else []
    if revision == HEAD:
        assert backups == []
        return
    # One pre-migration copy: still encrypted, opens with the same key, holds the old schema.
    assert len(backups) == 1, backups
    assert backups[0].name.startswith(f"store-before-{HEAD}-from-{revision}-")
    assert not backups[0].read_bytes().startswith(b"SQLite format 3")
    if sys.platform != "win32":  # issue 8: files written for the user are private
        assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert _schema(backups[0], key) == before
    conn = connect_raw(backups[0], KeyHolder(key))
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision
        assert conn.execute("SELECT value FROM settings WHERE key = 'centre_name'").fetchone()[0] == CENTRE
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == facts["audit_entries"]
    finally:
        conn.close()

    # Opening again does not migrate (or copy) a second time; other staff's passwords still work.
    sign_out(sign_in(w.gate, w.throttle, w.clock, RITA, RITA_PASSWORD))
    assert len(list((data_dir / "backups").glob("*.db"))) == 1


def test_a_store_at_head_is_opened_without_a_copy(store, wiring) -> None:  # type: ignore[no-untyped-def]
    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, store.admin, store.password)
    assert migrate.current_revision(session.store.engine) == HEAD
    sign_out(session)
    assert not (store.data_dir / "backups").exists() or not list((store.data_dir / "backups").iterdir())


def test_a_store_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key, _ = build_store_at(data_dir, HEAD)
    conn = connect_raw(data_dir / "store.db", KeyHolder(key))
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    before = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
    w = Wiring(data_dir)
    with pytest.raises(StoreError, match=r"newer version of Centre Desk \(schema 9999\)"):
        sign_in(w.gate, w.throttle, w.clock, ADMIN, ADMIN_PASSWORD)
    after = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file() and p.name != "signin-state.json"
             and not p.name.endswith(".lock")}  # empty lock files, new since issue 8
    assert after == {k: v for k, v in before.items() if k != "signin-state.json"}
    assert not (data_dir / "backups").exists()
