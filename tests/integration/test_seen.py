"""Who has seen and who has received a household, across devices once synced (issue 13, item 7).

- A real SQLCipher store with a fake server: the merge, the de-duplication of this desk's own
  entries, the notices when the server cannot be asked.
- The server migration 0005 indexes the entries pushed before it (SQLite server database).
- End to end on a real PostgreSQL and a real ``serve``: devices B (outreach) and A (manager) of one
  organisation, a device of a second organisation, and A offline (in-process devices, one CLI run).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from centre_desk.domain.sync import ServerRefused
from centre_desk.services.disclosures import DISCLOSURE_LOG, THIS_DEVICE
from centre_desk.services.seen import device_label, seen_across_devices
from tests.integration.live_device import LiveDevice, ServerOrg, household
from tests.integration.server_harness import postgres_database, serving
from tests.integration.sync_harness import Device, new_org

OTHER_DEVICE = "0192f0a0-2222-7000-8000-00000000bbbb"
OWN_DEVICE = "0192f0a0-1111-7000-8000-00000000aaaa"


class FakeServer:
    """The ``SyncServer`` port as ``seen_across_devices`` uses it: answers one ``seen``."""

    def __init__(self, answer: dict[str, Any] | ServerRefused) -> None:
        self.answer = answer
        self.asked: list[tuple[str, int]] = []
        self.closed = False

    def seen(self, household_id: str, limit: int) -> dict[str, Any]:
        self.asked.append((household_id, limit))
        if isinstance(self.answer, ServerRefused):
            raise self.answer
        return self.answer

    def close(self) -> None:
        self.closed = True


def _enrol(session: Any) -> None:
    with session.uow() as uow:
        uow.sync.enrol("http://127.0.0.1:9", OWN_DEVICE, "token-not-used", "org-1", queue_existing=False)
        uow.commit()


def _entry(device: str, seq: int, at: str, action: str, hash_: str, username: str | None = "bob") -> dict[str, Any]:
    return {"device_id": device, "device_enrolled_by": "alice", "device_enrolled_at": "2026-03-01T09:00:00+00:00",
            "device_revoked": False, "seq": seq, "at": at, "actor_id": "s-bob", "actor_username": username,
            "action": action, "hash": hash_}


def test_the_merge_with_a_fake_server_lists_each_entry_once(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.disclosures import log_disclosure, seen_and_received
    from centre_desk.services.households import open_household, register_household

    h = register_household(admin_session, household(1))
    _enrol(admin_session)
    open_household(admin_session, h.id)
    log_disclosure(admin_session, h.id, recipient="multi-agency-safeguarding", purpose="section 47 enquiry",
                   basis="safeguarding", shared="names", person_ids=[h.members[0].id],
                   justification="risk of harm", not_told_reason="would put the child at risk")
    with admin_session.store.reader() as uow:
        own = uow.households.reads(h.id)
    assert [e.action for e in own] == ["household.viewed"]
    server = FakeServer({"household_id": h.id, "more": False, "limit": 500, "entries": [
        _entry(OTHER_DEVICE, 12, "2099-01-01T12:00:00+00:00", "print.summary", "b" * 64),
        _entry(OTHER_DEVICE, 11, "2099-01-01T11:00:00+00:00", "household.viewed", "c" * 64),
        # This desk's own view, pushed: under its device id and, for good measure, its hash.
        _entry(OWN_DEVICE, own[0].seq, own[0].at.isoformat(), "household.viewed", own[0].hash, "admin"),
    ]})
    connected: list[tuple[dict[str, str], str]] = []

    def connect(cfg: dict[str, str], username: str) -> FakeServer:
        connected.append((cfg, username))
        return server

    found = seen_across_devices(admin_session, h.id, connect)
    assert found.other_devices and found.notice is None and found.from_other_devices == 2
    assert server.asked == [(h.id, 500)] and server.closed
    assert connected[0][0]["device_id"] == OWN_DEVICE and connected[0][1] == admin_session.actor.username
    rows = [(r.device, r.who, r.what) for r in found.receipts]
    assert rows.count((THIS_DEVICE, "admin", "opened the household")) == 1
    label = device_label(server.answer["entries"][0])  # type: ignore[index]
    assert rows[-2:] == [(label, "bob", "opened the household"), (label, "bob", "printed summary")]
    assert any(d == DISCLOSURE_LOG and what.startswith("received") for d, _w, what in rows)
    # The local-only list is what it was: this desk's entries and the log.
    assert len(seen_and_received(admin_session, h.id)) == len(found.receipts) - 2

    # The server holds more than one answer: the notice says only the newest are listed.
    server.answer = {**server.answer, "more": True}  # type: ignore[dict-item]
    assert "Only the newest 500 entries" in (seen_across_devices(admin_session, h.id, connect).notice or "")

    # Offline: the local list, and a plain notice.
    offline = FakeServer(ServerRefused("server-unreachable", "the server at http://127.0.0.1:9 is not answering"))
    found = seen_across_devices(admin_session, h.id, lambda _c, _u: offline)
    assert not found.other_devices and found.from_other_devices == 0
    assert "could not be fetched" in (found.notice or "") and "not answering" in (found.notice or "")
    assert [(r.device, r.what) for r in found.receipts if r.device != DISCLOSURE_LOG] == \
        [(THIS_DEVICE, "opened the household")]
    assert "could not be fetched" in (seen_across_devices(admin_session, h.id, None).notice or "")
    with admin_session.store.reader() as uow:
        details = [e.detail for e in uow.audit.entries() if e.action == "audit.household-recipients"]
    assert details[-1].endswith("other devices not reached") and "2 from other devices" in details[-3]


def test_a_desk_that_is_not_enrolled_says_so(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.households import register_household

    h = register_household(admin_session, household(2))

    def connect(_cfg: dict[str, str], _username: str) -> FakeServer:
        raise AssertionError("a desk that is not enrolled has no server to ask")

    found = seen_across_devices(admin_session, h.id, connect)
    assert not found.other_devices and "not enrolled" in (found.notice or "")


def test_server_migration_0005_indexes_the_entries_already_pushed(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from centre_desk.server.db import MIGRATIONS_DIR, Database

    db = Database(f"sqlite:///{tmp_path / 'server.db'}", create=True)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    at = datetime(2026, 3, 2, 9, tzinfo=UTC).replace(tzinfo=None)
    h1, h2 = "0192f0a0-0000-7000-8000-000000000001", "0192f0a0-0000-7000-8000-000000000002"
    entries = [(1, "sign-in", None, None), (2, "household.viewed", h1, None), (3, "household.searched", None,
               f"2 shown: {h1} {h2}"), (4, "print.summary", h2, None), (5, "household.edited", h1, None)]
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations VALUES ('org', 'p', 'Org', :at)"), {"at": at})
        conn.execute(text("INSERT INTO staff VALUES ('s', 'org', 'a', 'a', 'manager', 'x', 0, :at, :at)"),
                     {"at": at})
        conn.execute(text("INSERT INTO devices (id, org_id, token_hash, enrolled_by, enrolled_at) "
                          "VALUES ('dev', 'org', 't', 's', :at)"), {"at": at})
        for seq, action, ref, detail in entries:
            conn.execute(text("INSERT INTO device_audit VALUES ('dev', :seq, :at, 's', :action, :ref, :detail, "
                              "'store', 'p', 'h')"),
                         {"seq": seq, "at": at + timedelta(minutes=seq), "action": action, "ref": ref,
                          "detail": detail})
    db.upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, household_id, org_id FROM device_audit_households "
                                 "ORDER BY seq, household_id")).all()
    assert [tuple(r) for r in rows] == [(2, h1, "org"), (3, h1, "org"), (3, h2, "org"), (4, h2, "org")]
    db.dispose()


# ---- end to end: real PostgreSQL, a real server process, in-process devices


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def _config(device: LiveDevice) -> dict[str, str]:
    with device.session.store.reader() as uow:
        cfg = uow.sync.config()
    assert cfg is not None
    return cfg


def test_a_manager_sees_what_another_device_viewed_and_printed_once_synced(pg_url: str, tmp_path: Path) -> None:
    from centre_desk.printing.renderer import PdfRenderer
    from centre_desk.services.family_documents import print_household_summary
    from centre_desk.services.households import search_households
    from centre_desk.sync.client import SyncClient, SyncRefused

    org = new_org(pg_url)  # the schema and the first organisation, by init-db
    first = ServerOrg(pg_url, org.org_id)
    second = ServerOrg(pg_url)  # another organisation on the same server
    for name, role in (("alice", "manager"), ("bob", "outreach")):
        first.add_staff(name, role)
    second.add_staff("carol", "manager")
    connect = LiveDevice._connect
    try:
        with serving(pg_url, tmp_path / "logs") as served:
            a = LiveDevice(tmp_path / "a", served.url, first.code(), "alice")
            b = LiveDevice(tmp_path / "b", served.url, first.code(), "bob")
            c = LiveDevice(tmp_path / "c", served.url, second.code(), "carol")
            hid = a.register(household(7))
            a.sync()
            b.sync()
            b.show(hid)  # device B: bob opens the household,
            print_household_summary(b.session, PdfRenderer(), hid)  # prints it
            assert search_households(b.session, household(7)["members"][0]["last_name"])  # and finds it
            b.sync()
            a.show(hid)
            a.sync()  # A's own entries are on the server too now

            found = seen_across_devices(a.session, hid, connect)
            assert found.other_devices and found.notice is None
            rows = [(r.device_id, r.device, r.who, r.what) for r in found.receipts]
            b_label = next(r.device for r in found.receipts if r.device_id == b.device_id)
            assert b_label.startswith(f"device …{b.device_id[-8:]}")
            for what in ("opened the household", "printed summary", "saw it in search results"):
                assert (b.device_id, b_label, "bob", what) in rows, what
            assert found.from_other_devices == 3
            # A's own view once, as this device's, though the server holds it too.
            assert rows.count((a.device_id, THIS_DEVICE, "alice", "opened the household")) == 1
            assert not [r for r in found.receipts if r.device_id == a.device_id and r.device != THIS_DEVICE]
            assert [r.at for r in found.receipts] == sorted(r.at for r in found.receipts)

            # The server's answer, as the API gives it: newest first, bounded, no other organisation.
            cfg_a = _config(a)
            client = SyncClient(served.url, cfg_a["token"], "alice")
            try:
                answer = client.seen(hid, 2)
            finally:
                client.close()
            assert answer["limit"] == 2 and answer["more"] is True and len(answer["entries"]) == 2
            assert [e["at"] for e in answer["entries"]] == sorted((e["at"] for e in answer["entries"]), reverse=True)

            # The second organisation's manager sees none of it, through the service and the API.
            other = seen_across_devices(c.session, hid, connect)
            assert other.other_devices and other.from_other_devices == 0
            assert not [r for r in other.receipts if r.device != THIS_DEVICE]
            cfg_c = _config(c)
            client = SyncClient(served.url, cfg_c["token"], "carol")
            try:
                assert client.seen(hid, 100)["entries"] == []
            finally:
                client.close()

            # Outreach workers may not ask (the device refuses them too: VIEW_AUDIT).
            cfg_b = _config(b)
            client = SyncClient(served.url, cfg_b["token"], "bob")
            try:
                with pytest.raises(SyncRefused) as refused:
                    client.seen(hid, 100)
            finally:
                client.close()
            assert (refused.value.status, refused.value.code) == (403, "not-permitted")
            assert "view audit" in str(refused.value)
            # Unauthenticated, or a household id that is not a UUID: refused, nothing echoed.
            anonymous = httpx.get(f"{served.url}/v1/households/{hid}/seen", headers={"X-Centre-Desk-User": "alice"})
            assert anonymous.status_code == 401
            bad = httpx.get(f"{served.url}/v1/households/not-a-uuid/seen",
                            headers={"Authorization": f"Bearer {cfg_a['token']}", "X-Centre-Desk-User": "alice"})
            assert bad.status_code == 422 and "not-a-uuid" not in bad.text
            spec = httpx.get(f"{served.url}/openapi.json").json()
            operation = spec["paths"]["/v1/households/{household_id}/seen"]["get"]
            assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("SeenList")
            for d in (b, c):
                d.close()

        # The server is stopped: A still has its list, and says what is missing.
        offline = seen_across_devices(a.session, hid, connect)
        assert not offline.other_devices
        assert "could not be fetched" in (offline.notice or "")
        assert (THIS_DEVICE, "alice", "opened the household") in [(r.device, r.who, r.what) for r in offline.receipts]
        assert not [r for r in offline.receipts if r.device_id == b.device_id]
        a.close()
        # The CLI prints the same: the device column, then the notice.
        out = Device(a.path, "alice").ok("seen", hid)
        assert "[this device]  alice: opened the household" in out
        assert out.rstrip().splitlines()[-1].startswith("Note: Other devices' entries could not be fetched")
        lines = [json.loads(line) for line in Device(a.path, "alice").ok("seen", hid, "--json").splitlines()]
        assert {"device", "device_id"} <= set(lines[0]) and all("at" in line for line in lines)
    finally:
        first.close()
        second.close()
