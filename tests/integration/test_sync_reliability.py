"""Sync reliability (issue 10, item 5): a real PostgreSQL, a real ``centre-desk-server serve``
process on loopback, devices as real enrolled SQLCipher stores. Every test ends the same way:
nothing lost, nothing duplicated, and every device's digest (``sync status --json``) equal to the
server's (``centre-desk-server org digest``).

- the connection cut at random byte offsets of requests and responses by a loopback TCP proxy;
- the server killed (-9) while a push transaction is open, started again, the sync rerun;
- a recorded batch replayed byte for byte, and its key reused with another body (422, nothing applied);
- three devices making random offline edits, then syncing in random orders (Hypothesis);
- two server workers with many devices pushing at once;
- the API fuzzed from its OpenAPI document (schemathesis): no 5xx, no error echoing the request.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import psycopg
import pytest

from centre_desk.sync.client import SyncRefused
from tests.integration.live_device import LiveDevice, ServerOrg, household, word
from tests.integration.server_harness import GOOD_PASSWORD, Served, free_port, postgres_database, serving
from tests.integration.sync_harness import Device, Org, admin_run, done
from tests.integration.tcp_proxy import Cut, TcpProxy


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def org(pg_url: str) -> Org:
    from tests.integration.sync_harness import new_org

    return new_org(pg_url)  # the schema and the organisation by ``init-db``


@pytest.fixture
def server_org(org: Org) -> Iterator[ServerOrg]:
    s = ServerOrg(org.db, org.org_id)
    for name, role in (("alice", "manager"), ("bob", "outreach"), ("carol", "outreach")):
        s.add_staff(name, role)  # in-process: a CLI process per member is seconds on a loaded machine
    yield s
    s.close()


def _pg(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True)


def assert_no_duplicates_on_server(url: str, org_id: str) -> None:
    with _pg(url) as conn:
        rows, seqs, ops = conn.execute("SELECT count(*), count(DISTINCT seq), count(DISTINCT operation_id) "
                                       "FROM change_log WHERE org_id = %s", (org_id,)).fetchone() or (0, 0, 0)
        assert rows == seqs == ops, (rows, seqs, ops)
        twice = conn.execute("SELECT id, count(*) FROM server_records WHERE org_id = %s GROUP BY id "
                             "HAVING count(*) > 1", (org_id,)).fetchall()
        assert twice == []


def cli_digests_equal_server(org: Org, devices: list[LiveDevice], households: int) -> str:
    """Sign the in-process devices out, then compare ``sync status --json`` of each (a real CLI
    process) with ``centre-desk-server org digest``."""
    server = org.digest()
    for d in devices:
        d.close()
        status = Device(d.path, d.username).status()
        assert status["pending"] == 0, (d.username, status)
        assert (status["households"], status["digest"]) == (households, server["digest"]), d.username
    assert server["households"] == households
    return str(server["digest"])


# ---- 1. the connection cut at random points


def test_connections_cut_at_random_byte_offsets_lose_and_duplicate_nothing(
        org: Org, server_org: ServerOrg, tmp_path: Path) -> None:
    rng = random.Random(20261201)
    with serving(org.db, tmp_path / "logs") as served, TcpProxy(int(served.url.rsplit(":", 1)[1])) as proxy:
        a = LiveDevice(tmp_path / "a", proxy.url, server_org.code(), "alice")
        b = LiveDevice(tmp_path / "b", proxy.url, server_org.code(), "bob")
        expected_town: dict[str, str] = {}
        expected_phone: dict[str, str] = {}
        contacts: dict[str, int] = {}
        a_households: list[str] = []
        failures: list[str] = []
        for round_no in range(24):
            # A registers and edits towns; B records contacts and edits phones: no field is edited
            # on both, so nothing may end as a conflict and every last value must survive.
            n = round_no + 1
            hid = a.register(household(n))
            a_households.append(hid)
            expected_town[hid], contacts[hid] = household(n)["town"], 0
            if len(a_households) > 1:
                target = rng.choice(a_households[:-1])
                expected_town[target] = word(1000 + round_no, "Town")
                a.edit(target, {"town": expected_town[target]})
            b_known = [h for h in a_households if h in _known(b)]
            for target in rng.sample(b_known, min(2, len(b_known))):
                b.contact(target)
                contacts[target] += 1
                expected_phone[target] = f"07700 9{round_no:02d}{rng.randrange(1000):03d}"
                b.edit(target, {"phone": expected_phone[target]})
            for device in rng.sample([a, b], 2):
                proxy.plan(_random_cut(rng), _random_cut(rng) if rng.random() < 0.5 else None)
                try:
                    device.sync()
                except SyncRefused as exc:
                    assert exc.code == "server-unreachable", exc
                    assert "Traceback" not in str(exc)
                    failures.append(device.username)
        cuts = proxy.cuts_made()
        assert {c.direction for c in cuts} == {"request", "response"}, cuts
        assert failures, "no sync failed: the cuts never hit"
        proxy.plan()  # clean from here
        for device in (a, b, a, b):
            assert device.sync().conflicts == 0
        for device in (a, b):
            assert device.conflicts() == []
            for hid in a_households:
                shown = device.show(hid)
                assert shown["town"] == expected_town[hid], (device.username, hid)
                assert shown.get("phone", "") == expected_phone.get(hid, ""), (device.username, hid)
                assert len(device.contacts(hid)) == contacts[hid], (device.username, hid)
        assert_no_duplicates_on_server(org.db, org.org_id)
        cli_digests_equal_server(org, [a, b], len(a_households))
        assert "Traceback" not in served.log()


def _known(device: LiveDevice) -> set[str]:
    from sqlalchemy import text

    with device.session.store.reader() as uow:
        rows = cast(Any, uow).session.execute(text("SELECT id FROM records WHERE kind = 'household'"))
        return {r[0] for r in rows}


def _random_cut(rng: random.Random) -> Cut:
    if rng.random() < 0.5:
        return Cut("request", rng.randrange(1, 9000))
    return Cut("response", rng.randrange(1, 40000))


# ---- 2. the server killed mid-batch


def _open_push_transaction(conn: psycopg.Connection[Any], dbname: str) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
        "AND xact_start IS NOT NULL AND (query ILIKE %s OR query ILIKE %s)",
        (dbname, "%change_log%", "%server_records%")).fetchone()
    return bool(row and row[0])


@pytest.mark.slow
def test_the_server_killed_during_a_push_transaction_then_restarted_loses_nothing(
        org: Org, server_org: ServerOrg, tmp_path: Path) -> None:
    total = 1100  # batches of 500, 500 and 100; the kill comes during the second or third
    port = free_port()
    dbname = org.db.rsplit("/", 1)[1]
    with serving(org.db, tmp_path / "logs", port=port) as served:
        a = LiveDevice(tmp_path / "a", served.url, server_org.code(), "alice")
        a.import_many([household(i, members=1) for i in range(total)])
        a.close()
        device = Device(a.path, "alice")
        env = {"CENTRE_DESK_KDF_SECONDS": "0", "CENTRE_DESK_PASSWORD": GOOD_PASSWORD}
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")} | env
        sync = subprocess.Popen([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(a.path), "--user",
                                 "alice", "sync", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=full_env)
        killed_with = -1
        with _pg(org.db) as watch:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and sync.poll() is None:
                committed = watch.execute("SELECT count(*) FROM change_log").fetchone()
                if committed and committed[0] >= 500 and _open_push_transaction(watch, dbname):
                    killed_with = int(committed[0])
                    served.process.send_signal(signal.SIGKILL)
                    served.process.wait()
                    break
                time.sleep(0.002)
        out, err = sync.communicate(timeout=120)
        assert 500 <= killed_with < total, f"the push was not caught in flight ({killed_with}): {out} {err}"
        assert sync.returncode == 1 and "server-unreachable" in err and "Traceback" not in err, err
        with _pg(org.db) as conn:  # the open batch rolled back with the dead connection
            time.sleep(0.5)
            (after_kill,) = conn.execute("SELECT count(*) FROM change_log").fetchone() or (0,)
            assert after_kill % 500 == 0 and after_kill < total, after_kill
        assert device.status()["pending"] == total - after_kill
    with serving(org.db, tmp_path / "logs2", port=port):
        result = device.sync()
        assert result["pushed"] == total - after_kill and result["conflicts"] == 0
        assert device.status()["pending"] == 0
        b = LiveDevice(tmp_path / "b", served.url, server_org.code(), "bob")
        assert b.sync().pulled >= total and b.status().households == total
        assert_no_duplicates_on_server(org.db, org.org_id)
        with _pg(org.db) as conn:
            (logged,) = conn.execute("SELECT count(*) FROM change_log").fetchone() or (0,)
        assert logged == total
        a_status = device.status()
        cli_digests_equal_server(org, [b], total)
        assert a_status["digest"] == org.digest()["digest"]


# ---- 3. a replayed batch, and its key reused with another body


def _send(http: httpx.Client, raw: Any, body: bytes | None = None, key: str | None = None) -> httpx.Response:
    headers = {k: v for k, v in raw.headers.items() if k in ("authorization", "x-centre-desk-user",
                                                               "idempotency-key", "content-type")}
    if key is not None:
        headers["idempotency-key"] = key
    return http.post(raw.path, content=raw.body if body is None else body, headers=headers)


def test_a_replayed_batch_answers_as_before_and_a_reused_key_with_another_body_applies_nothing(
        org: Org, server_org: ServerOrg, tmp_path: Path) -> None:
    with serving(org.db, tmp_path / "logs") as served, TcpProxy(int(served.url.rsplit(":", 1)[1])) as proxy:
        a = LiveDevice(tmp_path / "a", proxy.url, server_org.code(), "alice")
        b = LiveDevice(tmp_path / "b", proxy.url, server_org.code(), "bob")
        hid = a.register(household(1))
        a.contact(hid)
        a.sync()
        first = next(r for r in proxy.requests() if r.path == "/v1/push" and json.loads(r.body)["operations"])
        original = json.loads(first.body)
        assert len(original["operations"]) == 2 and original["audit"]

        def log_count() -> int:
            with _pg(org.db) as conn:
                return int((conn.execute("SELECT count(*) FROM change_log").fetchone() or (0,))[0])

        before, digest = log_count(), org.digest()["digest"]
        with httpx.Client(base_url=served.url, timeout=30) as http:
            replay = _send(http, first)
            assert replay.status_code == 200
            assert [r["status"] for r in replay.json()["results"]] == ["applied", "applied"]  # the stored answer
            seqs = [r["seq"] for r in replay.json()["results"]]

            # The same key with another body: the household's town changed and a contact added.
            other = json.loads(first.body)
            hh = next(op for op in other["operations"] if op["kind"] == "household")
            hh["body"]["town"] = "Elsewhere"
            other["operations"].append({**other["operations"][-1], "op_id": "f" * 32, "record_id": "e" * 32})
            refused = _send(http, first, json.dumps(other).encode())
            assert refused.status_code == 422 and refused.json()["error"] == "idempotency-key-reused"
            assert "Elsewhere" not in refused.text

            # The same operations under a new key: every one a duplicate with its first seq.
            again = _send(http, first, key="n" * 40)
            assert again.status_code == 200
            assert [(r["status"], r["seq"]) for r in again.json()["results"]] == [("duplicate", s) for s in seqs]
            assert log_count() == before and org.digest()["digest"] == digest

            # An edit replayed after another device changed the same field: no conflict, no revert.
            b.sync()
            a.edit(hid, {"town": "Nailsea"})
            a.sync()
            edit = [r for r in proxy.requests() if r.path == "/v1/push" and json.loads(r.body)["operations"]][-1]
            assert json.loads(edit.body)["operations"][0]["action"] == "edit"
            b.sync()
            b.edit(hid, {"town": "Yatton"})
            b.sync()
            mid = log_count()
            assert _send(http, edit).json()["results"][0]["status"] == "applied"  # stored answer
            assert _send(http, edit, key="m" * 40).json()["results"][0]["status"] == "duplicate"
            assert log_count() == mid
        for device in (a, b):
            device.sync()
            assert device.show(hid)["town"] == "Yatton"
            assert device.conflicts() == []
        assert_no_duplicates_on_server(org.db, org.org_id)
        cli_digests_equal_server(org, [a, b], 1)


# ---- 5. two workers, many devices at once


@pytest.mark.slow
def test_two_workers_with_many_devices_pushing_at_once_all_succeed_without_duplicate_seqs(
        org: Org, server_org: ServerOrg, tmp_path: Path) -> None:
    devices_n, each = 8, 12
    for i in range(devices_n):
        server_org.add_staff(f"worker{i}", "manager")  # the manager role: households come in by import
    with serving(org.db, tmp_path / "logs", "--workers", "2") as served:
        devices = []
        for i in range(devices_n):
            d = LiveDevice(tmp_path / f"d{i}", served.url, server_org.code(), f"worker{i}")
            d.import_many([{**household(i * 100 + j), "contacts": [{"date": "2026-02-01", "type": "session"}]}
                           for j in range(each)])
            d.close()
            devices.append(Device(d.path, d.username))
        for round_no in range(2):  # the first pushes everything at once; the second pulls everyone's
            procs = [_start_sync(d) for d in devices]
            results = [p.communicate(timeout=240) for p in procs]
            for p, (out, err) in zip(procs, results, strict=True):
                assert p.returncode == 0, err
                if round_no == 0:
                    assert json.loads(out)["pushed"] == 2 * each
        assert served.log().count("Started server process") >= 2
        assert_no_duplicates_on_server(org.db, org.org_id)
        server = org.digest()
        assert server["households"] == devices_n * each
        for device in devices:
            status = device.status()
            assert (status["pending"], status["households"], status["digest"]) == (
                0, devices_n * each, server["digest"])


def _start_sync(device: Device) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")}
    env.update(CENTRE_DESK_KDF_SECONDS="0", CENTRE_DESK_PASSWORD=GOOD_PASSWORD)
    return subprocess.Popen([sys.executable, "-m", "centre_desk.cli", "--data-dir", str(device.path), "--user",
                             device.user, "sync", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


__all__ = ["Served", "admin_run", "done"]


# ---- 4. three devices, random offline edits, random sync orders (Hypothesis)

USERS = (("alice", "manager"), ("bob", "outreach"), ("carol", "reception"))


@dataclass(frozen=True)
class Edit:
    household_id: str
    person_id: str | None
    field: str
    value: str
    seen: str | None  # the value on the editing device just before: what it knowingly replaced
    device: int


@pytest.mark.slow
@pytest.mark.timeout(900)  # ten examples take about two minutes; shrinking a failure takes longer
def test_three_devices_editing_offline_then_syncing_in_random_orders_converge_and_lose_no_edit(
        org: Org, tmp_path: Path) -> None:
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import (
        RuleBasedStateMachine,
        initialize,
        precondition,
        rule,
        run_state_machine_as_test,
    )

    examples = itertools.count()
    tally: Counter[str] = Counter()
    with serving(org.db, tmp_path / "logs") as served:

        class ThreeDevices(RuleBasedStateMachine):
            def __init__(self) -> None:
                super().__init__()
                self.n = next(examples)
                self.org = ServerOrg(org.db)  # a fresh organisation for every example
                for username, role in USERS:
                    self.org.add_staff(username, role)
                self.devices = [LiveDevice(tmp_path / f"ex{self.n}" / username, served.url, self.org.code(),
                                           username) for username, _ in USERS]
                self.registered: list[str] = []
                self.contacts: Counter[str] = Counter()
                self.edits: list[Edit] = []
                self.values = itertools.count()

            @initialize()
            def two_households_everyone_has(self) -> None:
                # Without a shared start most steps would find nothing to edit on two devices.
                for _ in range(2):
                    self.register_household(0)
                for d in self.devices:
                    d.sync()

            def _value(self, prefix: str) -> str:
                return word(self.n * 10_000 + next(self.values), prefix)

            @rule(i=st.integers(0, 2))
            def register_household(self, i: int) -> None:
                self.registered.append(self.devices[i].register(household(self.n * 1000 + len(self.registered))))

            @precondition(lambda self: bool(self.registered))
            @rule(i=st.integers(0, 2), pick=st.integers(0, 2), field=st.sampled_from(["town", "address_line2"]))
            def edit_household_field(self, i: int, pick: int, field: str) -> None:
                d = self.devices[i]
                known = sorted(_known(d))
                if not known:
                    return
                hid = known[pick % len(known)]
                value = self._value("Place")
                seen = d.show(hid).get(field)
                d.edit(hid, {field: value})
                self.edits.append(Edit(hid, None, field, value, seen, i))

            @precondition(lambda self: bool(self.registered))
            @rule(i=st.integers(0, 2), pick=st.integers(0, 2), member=st.integers(0, 1))
            def edit_member_field(self, i: int, pick: int, member: int) -> None:
                d = self.devices[i]
                known = sorted(_known(d))
                if not known:
                    return
                hid = known[pick % len(known)]
                people = d.show(hid)["members"]
                person = people[member % len(people)]
                value = self._value("Name")
                d.edit(hid, {"first_name": value}, person["id"])
                self.edits.append(Edit(hid, person["id"], "first_name", value, person.get("first_name"), i))

            @precondition(lambda self: bool(self.registered))
            @rule(i=st.integers(0, 2), pick=st.integers(0, 999))
            def add_contact(self, i: int, pick: int) -> None:
                d = self.devices[i]
                known = sorted(_known(d))
                if known:
                    hid = known[pick % len(known)]
                    d.contact(hid)
                    self.contacts[hid] += 1

            @rule(i=st.integers(0, 2))
            def sync_device(self, i: int) -> None:
                self.devices[i].sync()

            def teardown(self) -> None:
                try:
                    if hasattr(self, "devices"):
                        self._everyone_syncs_twice_then_check()
                finally:
                    for d in getattr(self, "devices", []):
                        d.close()
                    self.org.close()

            def _everyone_syncs_twice_then_check(self) -> None:
                for _ in range(2):
                    for d in self.devices:
                        d.sync()
                households, server_digest = self.org.digest()
                assert households == len(self.registered)  # none lost, none twice
                conflict_sets = []
                for d in self.devices:
                    st_ = d.status()
                    assert (st_.pending, st_.households, st_.digest) == (0, households, server_digest), d.username
                    conflict_sets.append(sorted(json.dumps(c, sort_keys=True) for c in d.conflicts()))
                    for hid in self.registered:
                        assert len(d.contacts(hid)) == self.contacts[hid], (d.username, hid)
                assert conflict_sets[0] == conflict_sets[1] == conflict_sets[2]
                conflicts = {(c["household_id"], c["person_id"], c["field"]): {v["value"] for v in c["values"]}
                             for c in self.devices[0].conflicts()}
                final: dict[tuple[str, str | None, str], Any] = {}
                for hid in self.registered:
                    shown = self.devices[0].show(hid)
                    for f in ("town", "address_line2"):
                        final[(hid, None, f)] = shown.get(f)
                    for m in shown["members"]:
                        final[(hid, m["id"], "first_name")] = m.get("first_name")
                replaced = {(e.household_id, e.person_id, e.field, e.seen) for e in self.edits}
                tally.update(examples=1, edits=len(self.edits), conflicts=len(conflicts),
                             households=len(self.registered), contacts=sum(self.contacts.values()))
                for e in self.edits:
                    key = (e.household_id, e.person_id, e.field)
                    kept = (final.get(key) == e.value or e.value in conflicts.get(key, set())
                            or (*key, e.value) in replaced)
                    assert kept, f"an edit vanished without a conflict: {e} (now {final.get(key)!r})"

        run_state_machine_as_test(ThreeDevices, settings=settings(
            max_examples=int(os.environ.get("SYNC_STATEFUL_EXAMPLES", "10")), stateful_step_count=14,
            deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
        assert "Traceback" not in served.log()
    print(f"state machine: {dict(tally)}")
    # The examples did what the test is about: edits on several devices, and same-field clashes.
    assert tally["edits"] > 0 and tally["conflicts"] > 0, tally


# ---- 6. the API fuzzed from its OpenAPI document (schemathesis)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():  # values only: a message may name a field, never repeat its value
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _schema_words(document: Any) -> Iterator[str]:
    """The fixed words of the API's own document (enum and literal values such as ``tombstone``):
    a message may list what is allowed, which is not an echo of what was sent."""
    if isinstance(document, dict):
        for key, v in document.items():
            if key in ("enum", "const"):
                yield from _strings(v)
            else:
                yield from _schema_words(v)
    elif isinstance(document, list):
        for v in document:
            yield from _schema_words(v)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_sync_api_fuzzed_from_its_openapi_document_never_fails_or_echoes(
        org: Org, server_org: ServerOrg, tmp_path: Path) -> None:
    import schemathesis
    from schemathesis.core.result import Ok
    from schemathesis.generation import GenerationMode

    with serving(org.db, tmp_path / "logs") as served:
        a = LiveDevice(tmp_path / "a", served.url, server_org.code(), "alice")
        a.register(household(1))
        a.sync()  # something to pull, a conflict id space to miss, an audit anchor to extend
        with a.session.store.reader() as uow:
            token = (uow.sync.config() or {})["token"]
        auth = {"Authorization": f"Bearer {token}", "X-Centre-Desk-User": "alice"}
        schema = schemathesis.openapi.from_url(served.url + "/openapi.json")
        seen: Counter[str] = Counter()
        problems: list[str] = []

        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, served.url, auth, token, seen, problems)
        (tmp_path / "problems.txt").write_text("\n".join(problems), encoding="utf-8")
        assert problems == [], sorted(set(problems))[:10]
        # The fuzzing reached the handlers: authenticated successes on every sync route.
        for route in ("POST /v1/push 200", "GET /v1/pull 200", "GET /v1/conflicts 200", "GET /v1/digest 200"):
            assert seen[route] > 0, sorted(seen.items())
        a.sync()
        assert_no_duplicates_on_server(org.db, org.org_id)
        a_status = a.status()
        assert (a_status.households, a_status.digest) == server_org.digest()
        log = served.log()
        assert "Traceback" not in log and "unexpected" not in log


def _fuzz(operation: Any, mode: Any, url: str, auth: dict[str, str], token: str, seen: Counter[str],
          problems: list[str]) -> None:
    """Hypothesis cases for one operation; every call authenticated as a real device and member
    (except enrolment, which takes none), so the fuzzing reaches the handlers."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable

    name = f"{operation.method.upper()} {operation.path}"
    allowed = set(_schema_words(httpx.get(url + "/openapi.json", timeout=30).json()))

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=int(os.environ.get("SYNC_FUZZ_EXAMPLES", "25")), deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        response = case.call(base_url=url, headers={} if operation.path == "/v1/enrol" else dict(auth))
        seen[f"{name} {response.status_code}"] += 1
        if response.status_code >= 500:
            sent_body = json.dumps(case.body, default=str)[:800] if case.body is not None else ""
            problems.append(f"{name} ({mode}): {response.status_code} {response.text[:200]} for {sent_body}")
        if response.status_code >= 400:
            sent = [*_strings(case.body), *_strings(case.query or {}), *_strings(case.path_parameters or {}), token]
            echoed = [s for s in sent if len(s) >= 8 and s not in allowed and s in response.text]
            if echoed:
                problems.append(f"{name} ({mode}): {response.status_code} echoes {echoed[0][:20]!r}")

    try:
        fuzz()
    except Unsatisfiable:
        # Nothing to make invalid (GET /health, GET /v1/conflicts without parameters): only the
        # negative mode can be empty, and the positive one has covered the operation.
        assert not mode.is_positive, name


def test_values_postgresql_cannot_store_are_refused_with_the_field_named_not_a_503(
        org: Org, server_org: ServerOrg, tmp_path: Path) -> None:
    """What the fuzzing found: a NUL in any text, a \\u0000 in a JSON body, a cursor past bigint."""
    with serving(org.db, tmp_path / "logs") as served, served.client() as http:
        token = http.post("/v1/enrol", json={"code": server_org.code(), "username": "alice",
                                             "password": GOOD_PASSWORD}).json()["device_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Centre-Desk-User": "alice", "Idempotency-Key": "k" * 16}
        op = {"op_id": "op-1", "record_id": "r-1", "kind": "contact", "household_id": "h-1", "action": "put",
              "body": {"date": "2026-01-01", "type": "session", "note": "secret\u0000note"}}
        for bad, where in (({**op}, "operations.0"), ({**op, "body": {}, "record_id": "r\u00001"}, "operations.0")):
            answer = http.post("/v1/push", json={"operations": [bad]}, headers=headers)
            assert answer.status_code == 422 and answer.json()["error"] == "invalid-request", answer.text
            assert answer.json()["message"].startswith(where) and "secret" not in answer.text
        far = http.get("/v1/pull", params={"after": 2**63}, headers=headers)
        assert far.status_code == 422 and far.json()["error"] == "invalid-request"
        edit = {**op, "action": "edit", "body": None, "base_seq": 2**64}
        assert http.post("/v1/push", json={"operations": [edit]}, headers=headers).status_code == 422
        resolve = http.post("/v1/conflicts/x%00y/resolve", json={"value": "a"}, headers=headers)
        assert resolve.status_code == 422
        assert http.get("/v1/pull", params={"after": 0}, headers=headers).json()["changes"] == []
        assert "unavailable" not in served.log()
