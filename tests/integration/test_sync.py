"""Sync end to end: a real server process on loopback (PostgreSQL, and SQLite where said), devices
as real data directories driven through ``centre-desk-admin`` subprocesses."""

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

from tests.integration.server_harness import (
    GOOD_PASSWORD,
    OTHER_PROFILE,
    Served,
    db_url_fixture,  # noqa: F401 - the parametrised fixture
    ok,
    postgres_database,
    run,
    serving,
)
from tests.integration.sync_harness import IOANA, ZOFIA, Device, Org, admin_run, done, enrol, new_org

PERSONAL = ["Wiśniewska", "Zofia", "Marine Parade", "07700 900123", "zofia.w@example.org", "Popescu", "1991-04-12"]


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def org(pg_url: str) -> Org:
    o = new_org(pg_url)
    o.add_staff("alice", "manager")
    o.add_staff("bob", "outreach")
    return o


@pytest.fixture
def served(org: Org, tmp_path: Path) -> Iterator[Served]:
    with serving(org.db, tmp_path / "logs") as s:
        yield s


def test_a_household_registered_on_a_reaches_b_by_search_with_equal_digests(
        org: Org, served: Served, tmp_path: Path) -> None:
    a, a_id = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA)
    assert a.status()["pending"] == 2  # the household and its contact, captured by the outbox
    assert a.sync()["pushed"] == 2
    assert a.status()["pending"] == 0

    b, b_id = enrol(org, served.url, tmp_path / "b", "bob")
    assert a_id != b_id
    hits = b.search("wisniewska")
    assert len(hits) == 1 and hits[0]["last_contact"] == "2026-10-01"
    shown = b.show(hits[0]["household_id"])
    assert [m["first_name"] for m in shown["members"]] == ["Zofia", "Kacper"]
    assert all(m["person_id"] for m in shown["members"])

    sa, sb, server = a.status(), b.status(), org.digest()
    assert sa["digest"] == sb["digest"] == server["digest"]
    assert sa["households"] == sb["households"] == server["households"] == 1

    log = served.log()
    for word in PERSONAL:
        assert word not in log
        for device in (a, b):
            for f in device.path.rglob("*"):
                if f.is_file():
                    assert word.encode() not in f.read_bytes(), f.name


def test_different_fields_merge_and_the_same_field_is_one_conflict_a_manager_resolves(
        org: Org, served: Served, tmp_path: Path) -> None:
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA)
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "bob")
    hid = b.find("zofia")
    kacper = next(m["person_id"] for m in b.show(hid)["members"] if m["first_name"] == "Kacper")

    # Offline on both: different fields (one a member's, addressed by person id) merge.
    a.ok("household", "edit", hid, "--set", "phone=07700 900999")
    b.ok("household", "edit", hid, "--set", "town=Clevedon")
    b.ok("household", "edit", hid, "--person", kacper, "--set", "first_name=Kacperek")
    for _ in range(2):
        assert a.sync()["conflicts"] == 0
        assert b.sync()["conflicts"] == 0
    for device in (a, b):
        h = device.show(hid)
        assert (h["fields"]["phone"], h["fields"]["town"]) == ("07700 900999", "Clevedon")
        assert [m["first_name"] for m in h["members"]] == ["Zofia", "Kacperek"]
    assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]

    # The same field on both: one conflict, on both devices, with both values; the server keeps its own.
    a.ok("household", "edit", hid, "--set", "email=alice.edit@example.org")
    b.ok("household", "edit", hid, "--set", "email=bob.edit@example.org")
    a.sync()
    assert b.sync()["conflicts"] == 1
    a.sync()
    for device in (a, b):
        (conflict,) = device.conflicts()
        assert (conflict["household_id"], conflict["field"], conflict["person_id"]) == (hid, "email", None)
        assert {v["value"] for v in conflict["values"]} == {"alice.edit@example.org", "bob.edit@example.org"}
        assert {v["by"] for v in conflict["values"]} == {"alice", "bob"}
        assert device.show(hid)["fields"]["email"] == "alice.edit@example.org"

    refused = b.run("conflicts", "resolve", conflict["conflict_id"], "--value", "bob.edit@example.org")
    assert refused.returncode == 1 and "may not resolve" in refused.stderr and "Traceback" not in refused.stderr

    a.ok("conflicts", "resolve", conflict["conflict_id"], "--value", "bob.edit@example.org")
    b.sync()
    for device in (a, b):
        assert device.conflicts() == []
        assert device.show(hid)["fields"]["email"] == "bob.edit@example.org"
    assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]


def _killed_at(device: Device, point: str, *args: str) -> None:
    """Run a command until it reaches ``point``, then kill -9 it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")}
    env.update(CENTRE_DESK_KDF_SECONDS="0", CENTRE_DESK_PASSWORD=GOOD_PASSWORD, CENTRE_DESK_CRASH_AT=point)
    cmd = [sys.executable, "-m", "centre_desk.cli", "--data-dir", str(device.path), *args]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith(f"crashpoint {point}"):
            break
    else:
        proc.wait()
        pytest.fail(f"the command ended (exit {proc.returncode}) without reaching {point}")
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_a_sync_killed_mid_push_and_mid_pull_loses_and_duplicates_nothing(
        db_url: str, tmp_path: Path) -> None:  # SQLite and PostgreSQL servers
    org = new_org(db_url)
    org.add_staff("alice", "manager")
    org.add_staff("bob", "outreach")
    with serving(org.db, tmp_path / "logs") as served:
        a, _ = enrol(org, served.url, tmp_path / "a", "alice")
        a.register(ZOFIA, IOANA)
        _killed_at(a, "sync.push.answered", "--user", "alice", "sync")  # the server has it, A does not know
        assert a.status()["pending"] == 3  # two households and Zofia's contact
        first = a.sync()
        assert first["pushed"] == 3 and a.status()["pending"] == 0
        assert org.digest()["households"] == 2

        b, _ = enrol(org, served.url, tmp_path / "b", "bob")
        b.ok("household", "edit", b.find("popescu"), "--set", "town=Portishead")
        _killed_at(b, "sync.pull.fetched", "--user", "bob", "sync")
        a.ok("household", "edit", a.find("zofia"), "--set", "town=Nailsea")
        a.sync()
        _killed_at(b, "sync.pull.applied", "--user", "bob", "sync")
        b.sync()
        a.sync()
        assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]
        assert org.digest()["households"] == a.status()["households"] == 2
        assert a.show(a.find("popescu"))["fields"]["town"] == "Portishead"
        assert b.show(b.find("zofia"))["fields"]["town"] == "Nailsea"


def test_two_organisations_on_one_server_never_see_each_other(org: Org, served: Served, tmp_path: Path) -> None:
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA)
    a.sync()
    other = new_org(org.db, OTHER_PROFILE)
    other.add_staff("carol", "manager")
    c, _ = enrol(other, served.url, tmp_path / "c", "carol")
    assert c.status()["households"] == 0 and c.search("zofia") == []
    assert other.digest()["households"] == 0
    c.register(IOANA)
    c.sync()
    a.sync()
    assert a.search("popescu") == [] and a.status()["households"] == 1
    # alice's username means nothing in the other organisation
    wrong = admin_run(tmp_path / "x", "enrol", "--server", served.url, "--code", other.code(), "--user", "alice")
    assert wrong.returncode == 1 and "sign-in-failed" in wrong.stderr


def test_revoked_device_and_disabled_member_are_refused_with_a_clear_message(
        org: Org, served: Served, tmp_path: Path) -> None:
    a, a_id = enrol(org, served.url, tmp_path / "a", "alice")
    b, _ = enrol(org, served.url, tmp_path / "b", "bob")
    ok(run(org.db, "staff", "disable", "bob", "--org", org.org_id))
    refused = b.run("sync")
    assert refused.returncode == 1 and "disabled" in refused.stderr and "Traceback" not in refused.stderr
    a.register(IOANA)
    ok(run(org.db, "device", "revoke", a_id))
    refused = a.run("sync", "--json")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "revoked" in refused.stderr and "wiped" in refused.stderr and "Traceback" not in refused.stderr
    assert not (a.path / "keyslots.json").exists() and not (a.path / "store.db").exists()
    assert org.digest()["households"] == 0  # nothing it held after revocation reached the server


def test_unreachable_server_is_a_clear_error_and_the_outbox_keeps_everything(
        org: Org, tmp_path: Path) -> None:
    with serving(org.db, tmp_path / "logs") as served:
        a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(IOANA)
    failed = a.run("sync")
    assert failed.returncode == 1 and "not answering" in failed.stderr and "Traceback" not in failed.stderr
    assert a.status()["pending"] == 1


def test_an_existing_store_is_enrolled_and_pushes_what_it_holds(org: Org, served: Served, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    done(admin_run(desk, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside",
                   "--admin", "alice"))
    d = Device(desk, "alice")
    d.register(ZOFIA, IOANA)
    d.ok("enrol", "--server", served.url, "--code", org.code())
    assert d.status()["pending"] == 0
    assert d.status()["digest"] == org.digest()["digest"] and org.digest()["households"] == 2
    refused = d.run("staff", "add", "newbie", "--role", "reception", extra_env={
        "CENTRE_DESK_NEW_PASSWORD": "another good long password"})
    assert refused.returncode == 1 and "managed on the server" in refused.stderr


def test_an_erased_household_leaves_every_device_and_a_late_edit_does_not_bring_it_back(
        org: Org, served: Served, tmp_path: Path) -> None:
    from centre_desk.storage.store import DataDirectory

    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA, IOANA)
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "bob")
    hid = a.find("zofia")
    b.ok("household", "edit", hid, "--set", "town=Yatton")  # offline on B, after the erasure below

    # Erasure (another feature) deletes through the record repositories; the outbox captures it.
    _owner, store = DataDirectory(a.path).unlock("alice", GOOD_PASSWORD)
    try:
        with store.unit_of_work() as uow:
            uow.households.delete_everything(hid)
            uow.commit()
    finally:
        store.lock()
    a.sync()
    result = b.sync()
    assert result["dropped"] == 2  # the edit, and its change-history record
    for device in (a, b):
        assert device.search("zofia") == [] and device.status()["households"] == 1
    assert org.digest()["households"] == 1
    assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]


def test_a_replayed_batch_answers_the_same_and_a_reused_key_with_another_body_is_refused(
        org: Org, served: Served) -> None:
    with served.client() as http:
        token = http.post("/v1/enrol", json={"code": org.code(), "username": "alice",
                                             "password": GOOD_PASSWORD}).json()["device_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Centre-Desk-User": "alice", "Idempotency-Key": "k" * 16}
        op = {"op_id": "op-1", "record_id": "r-1", "kind": "contact", "household_id": "h-1", "action": "put",
              "body": {"date": "2026-01-01", "type": "session", "note": ""}}
        first = http.post("/v1/push", json={"operations": [op]}, headers=headers)
        again = http.post("/v1/push", json={"operations": [op]}, headers=headers)
        assert first.status_code == again.status_code == 200 and first.json() == again.json()
        assert first.json()["results"][0]["status"] == "applied"
        other = http.post("/v1/push", json={"operations": [{**op, "body": {"date": "2026-01-02"}}]},
                          headers=headers)
        assert other.status_code == 422 and other.json()["error"] == "idempotency-key-reused"
        same_op = http.post("/v1/push", json={"operations": [op]}, headers={**headers, "Idempotency-Key": "z" * 16})
        assert same_op.json()["results"][0]["status"] == "duplicate"
        pulled = http.get("/v1/pull", params={"after": 0}, headers=headers).json()
        assert [c["record_id"] for c in pulled["changes"]] == ["r-1"]
        no_user = http.get("/v1/pull", headers={"Authorization": f"Bearer {token}"})
        assert no_user.status_code == 401
    assert json.dumps(first.json())
    assert httpx is not None


def _entries(n: int, actor: str = "staff-1") -> list[dict[str, object]]:
    from datetime import UTC, datetime

    from centre_desk.domain.audit import Head, entry_after

    out: list[dict[str, object]] = []
    head = None
    for i in range(n):
        e = entry_after(head, datetime(2026, 3, 2, 9, i, tzinfo=UTC), actor, "household.viewed", f"h-{i}")
        head = Head(e.seq, e.hash)
        out.append({"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "ref": e.record_ref,
                    "detail": e.detail, "source": e.source, "prev_hash": e.prev_hash, "hash": e.hash})
    return out


def test_a_device_chain_that_does_not_extend_its_anchor_is_kept_aside_as_a_tamper_alert(
        org: Org, served: Served) -> None:
    with served.client() as http:
        token = http.post("/v1/enrol", json={"code": org.code(), "username": "alice",
                                             "password": GOOD_PASSWORD}).json()["device_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Centre-Desk-User": "alice"}
        chain = _entries(3)
        first = http.post("/v1/push", json={"audit": chain[:2]}, headers={**headers, "Idempotency-Key": "a" * 16})
        assert first.json()["audit"] == {"status": "ok", "head": 2, "reason": None}
        again = http.post("/v1/push", json={"audit": chain}, headers={**headers, "Idempotency-Key": "b" * 16})
        assert again.json()["audit"]["head"] == 3  # entries already anchored are checked, then skipped
        rewritten = _entries(4, actor="someone-else")  # a chain recomputed from the start: links all verify
        bad = http.post("/v1/push", json={"audit": rewritten}, headers={**headers, "Idempotency-Key": "c" * 16})
        assert bad.status_code == 200 and bad.json()["audit"]["status"] == "tamper"
    verify = run(org.db, "audit", "verify", "--org", org.org_id)
    assert verify.returncode == 0 and "3 entries, intact" in verify.stdout  # the anchored chain, not the rewrite
    from sqlalchemy import create_engine, text

    engine = create_engine(org.db.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tamper_alerts")).scalar_one() == 1
        assert conn.execute(text("SELECT max(seq) FROM device_audit")).scalar_one() == 3
    engine.dispose()


def test_over_tls_the_device_pins_the_certificate_named_in_its_enrolment_code(tmp_path: Path) -> None:
    from tests.integration.test_server_api import _self_signed

    org = new_org(f"sqlite:///{tmp_path / 'server.db'}")
    org.add_staff("alice", "manager")
    (tmp_path / "real").mkdir()
    (tmp_path / "other").mkdir()
    cert, key = _self_signed(tmp_path / "real")
    impostor, _ = _self_signed(tmp_path / "other")
    code = ok(run(org.db, "enrolment-code", "--org", org.org_id, "--tls-cert", str(cert)))
    code = code.splitlines()[0].removeprefix("Enrolment code: ")
    wrong = ok(run(org.db, "enrolment-code", "--org", org.org_id, "--tls-cert", str(impostor)))
    wrong = wrong.splitlines()[0].removeprefix("Enrolment code: ")
    with serving(org.db, tmp_path / "logs", "--tls-cert", str(cert), "--tls-key", str(key), scheme="https",
                 verify=False) as served:
        refused = admin_run(tmp_path / "b", "enrol", "--server", served.url, "--code", wrong, "--user", "alice")
        assert refused.returncode == 1 and "certificate-mismatch" in refused.stderr
        assert not (tmp_path / "b" / "store.db").exists()
        done(admin_run(tmp_path / "a", "enrol", "--server", served.url, "--code", code, "--user", "alice"))
        a = Device(tmp_path / "a", "alice")
        a.register(IOANA)
        assert a.sync()["pushed"] == 1
        assert a.status()["digest"] == org.digest()["digest"]


def test_an_erasure_reaches_every_device_and_its_proof_stays_on_each(org: Org, served: Served, tmp_path: Path) -> None:
    """The real erasure (a rights request, then ``erase_household``): the family's data leaves every
    device, while the request and the erasure record, which hold no personal data, stay on each."""
    from sqlalchemy import text

    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.erasure import erase_household
    from centre_desk.storage.store import DataDirectory
    from centre_desk.wiring import Wiring

    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(ZOFIA, IOANA)
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "bob")
    hid = a.find("zofia")
    person = json.loads(a.ok("household", "show", hid, "--json"))["members"][0]["person_id"]
    a.ok("request", "add", person, "--kind", "erasure", "--received", "2026-03-01", "--identity", "passport")
    w = Wiring(a.path)
    session = sign_in(w.gate, w.throttle, w.clock, "alice", GOOD_PASSWORD)
    try:
        erase_household(session, hid, reason="asked for at the desk", authority="erasure request")
    finally:
        sign_out(session)
    a.sync()
    b.sync()

    def kinds(device: Device, user: str) -> set[str]:
        _owner, store = DataDirectory(device.path).unlock(user, GOOD_PASSWORD)
        try:
            with store.reader() as uow:
                return {r[0] for r in uow.session.execute(  # type: ignore[attr-defined]
                    text("SELECT kind FROM records WHERE household_id = :h AND deleted = 0"), {"h": hid})}
        finally:
            store.lock()

    for device, user in ((a, "alice"), (b, "bob")):
        assert device.search("zofia") == [] and device.search("wisniewska") == []
        left = kinds(device, user)
        assert {"rights-request", "erasure"} <= left  # the proof stays
        assert left <= {"rights-request", "rights-request-step", "erasure", "sar-release"}  # nothing else does
        raw = b"".join(p.read_bytes() for p in device.path.rglob("*") if p.is_file())
        for value in PERSONAL[:3]:
            assert value.encode() not in raw  # the files are encrypted, and hold none of it in the clear
    assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]


def test_a_merge_and_a_dismissal_made_on_one_device_reach_the_other(org: Org, served: Served, tmp_path: Path) -> None:
    from tests.integration.test_duplicates_cli import FIRST, OTHER, SECOND

    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(FIRST, SECOND, OTHER, {**OTHER, "ref": "OLD-0004", "postcode": "BS21 6XZ"})
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "alice")

    def review(device: Device) -> list[dict[str, Any]]:
        return [json.loads(line) for line in device.ok("duplicates", "review", "--json").splitlines() if line]

    keep, away = a.find("OLD-0001"), a.find("OLD-0002")
    pairs = review(b)
    assert len(pairs) == 3  # Aleksandra, Jan, and Ioana keyed twice
    ioana = next(p for p in pairs if not {keep, away} & set(p["household_ids"]))
    a.ok("duplicates", "dismiss", *ioana["person_ids"])
    a.ok("duplicates", "merge", away, "--into", keep)
    a.sync()
    b.sync()
    for device in (a, b):
        assert review(device) == []  # the merged pair is one household now, the dismissed one stays dismissed
        shown = device.show(away)  # the old id opens the household it joined
        assert shown["household_id"] == keep and len(shown["members"]) == 4
        assert [h["household_id"] for h in device.search("wojcik")] == [keep]
    assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]


def test_a_search_that_shows_many_households_is_audited_and_the_device_still_syncs(
        org: Org, served: Served, tmp_path: Path) -> None:
    """A search's audit entry lists every household it showed; one that showed 130 was longer than
    the server took (4,000 characters), and the server then refused that device's every push."""
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(*({**ZOFIA, "address_line1": f"{n} Marine Parade", "phone": f"07700 9{n:05d}",
                  "email": f"z{n}@example.org"} for n in range(1, 131)))
    shown = [json.loads(line) for line in a.ok("search", "--json", "--limit", "200", "wisniewska").splitlines()
             if line.strip()]
    assert len(shown) == 130
    assert a.sync()["pushed"] == 260  # the households and their contacts
    assert a.status()["pending"] == 0
    assert a.status()["digest"] == org.digest()["digest"]
    ok(run(org.db, "audit", "verify"))
    refused = a.run("search", "--limit", "5000", "wisniewska")
    assert refused.returncode != 0 and "limit" in refused.stderr and "1000" in refused.stderr


def test_a_fold_made_on_one_device_reaches_the_other_as_one_person(org: Org, served: Served, tmp_path: Path) -> None:
    from tests.integration.test_duplicates_cli import FIRST, SECOND

    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(FIRST, SECOND)
    keep, away = a.find("OLD-0001"), a.find("OLD-0002")
    mum = a.show(keep)["members"][0]["person_id"]
    mum_away = a.show(away)["members"][0]["person_id"]
    a.ok("consent", "give", away, "--person", mum_away, "--purpose", "email-contact")
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "alice")
    a.ok("duplicates", "merge", away, "--into", keep)
    a.ok("duplicates", "fold", mum_away, "--into", mum, "--take", "date_of_birth=into")
    a.sync()
    b.sync()
    for device in (a, b):
        people = [m["person_id"] for m in device.show(keep)["members"]]
        assert people.count(mum) == 1 and mum_away not in people and len(people) == 3
        (consent,) = [json.loads(x) for x in device.ok("consent", "list", keep, "--json").splitlines()]
        assert (consent["person_id"], consent["recorded_for"], consent["current"]) == (mum, mum_away, True)
        found = device.search("wojcik")
        assert [h["household_id"] for h in found] == [keep]
        assert [m["person_id"] for m in found[0]["members"]].count(mum) == 1
        assert device.ok("duplicates", "review", "--json").strip() == ""
    # The folded id is still known on B: folding it again is refused there in words.
    again = b.run("duplicates", "fold", mum_away, "--into", mum, "--take", "date_of_birth=into")
    assert again.returncode == 1 and "already folded" in again.stderr
    assert a.status()["digest"] == b.status()["digest"] == org.digest()["digest"]
