"""Retention and statistics across an organisation: a real server process on loopback (PostgreSQL),
devices as real data directories driven through ``centre-desk-admin`` subprocesses."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from centre_desk.domain.retention import add_years
from tests.integration.server_harness import GOOD_PASSWORD, Served, ok, postgres_database, run, serving
from tests.integration.sync_harness import IOANA, ZOFIA, Device, Org, enrol, new_org

# About 20 admin-tool runs each (every one opens an encrypted store in a new process): on the
# shared 2-core machine under load a run takes up to 15 s, so more than the default 300 s.
pytestmark = pytest.mark.timeout(900)

TODAY = date.today()
OLD = {**IOANA, "contacts": [{"date": add_years(TODAY, -7).isoformat(), "type": "drop-in"}]}
RECENT = {**ZOFIA, "contacts": [{"date": TODAY.isoformat(), "type": "session"}]}


@pytest.fixture
def org() -> Iterator[Org]:
    with postgres_database() as url:
        o = new_org(url)
        o.add_staff("alice", "manager")
        o.add_staff("mary", "manager")
        yield o


@pytest.fixture
def served(org: Org, tmp_path: Path) -> Iterator[Served]:
    with serving(org.db, tmp_path / "logs") as s:
        yield s


def certificates(device: Device, out: Path) -> list[dict[str, str]]:
    device.ok("retention", "certificates", "--out", str(out))
    return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))


def test_retention_destroy_on_one_device_removes_the_household_everywhere_and_the_certificate_syncs(
        org: Org, served: Served, tmp_path: Path) -> None:
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.register(OLD, RECENT)
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "mary")
    old_id = b.find("popescu")
    assert b.find("wisniewska") != old_id

    due = [json.loads(line) for line in a.ok("retention", "review", "--json").splitlines()]
    assert [(d["household_id"], d["held"]) for d in due] == [(old_id, False)]
    assert "Destroyed 1 records" in a.ok("retention", "destroy", "--confirm")
    assert a.sync()["pushed"] >= 1
    b.sync()

    for device in (a, b):
        assert device.search("popescu") == []
    assert a.ok("retention", "review", "--json").strip() == ""
    sa, sb, server = a.status(), b.status(), org.digest()
    assert sa["digest"] == sb["digest"] == server["digest"]
    assert sa["households"] == sb["households"] == server["households"] == 1

    # The certificate is a record (kind destruction-certificate, no household id, so no erasure
    # takes it): it is on A, and sync carries it to B; nothing personal in it.
    made = certificates(a, tmp_path / "a.csv")
    assert [(c["record_id"], c["category"], c["authorised_by_username"]) for c in made] == [
        (old_id, "family-records", "alice")]
    assert certificates(b, tmp_path / "b.csv") == made
    text = (tmp_path / "b.csv").read_text(encoding="utf-8")
    assert "Popescu" not in text and "Ioana" not in text and "BS21" not in text


def reach_csv(path: Path) -> dict[tuple[str, str, str], str]:
    return {(r["table"], r["row"], r["column"]): r["value"]
            for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}


HOMES = ("Households reached by postcode district", "Total", "Total")
PEOPLE = ("People reached by ethnic group and age", "Total", "Total")


def test_statistics_on_an_enrolled_device_and_on_the_server_cover_the_whole_organisation(
        org: Org, served: Served, tmp_path: Path) -> None:
    a, _ = enrol(org, served.url, tmp_path / "a", "alice")
    a.ok("demo-data", "--households", "24", "--seed", "11")
    a.sync()
    b, _ = enrol(org, served.url, tmp_path / "b", "mary")
    b.register(ZOFIA)
    b.sync()
    a.sync()
    period = ["--from", "2000-01-01", "--to", TODAY.isoformat()]

    def all_three(name: str) -> dict[tuple[str, str, str], str]:
        on_a, on_b, on_server = (tmp_path / f"{name}-{w}.csv" for w in ("a", "b", "server"))
        a.ok("stats", "reach", *period, "--out", str(on_a))
        b.ok("stats", "reach", *period, "--out", str(on_b))
        out = ok(run(org.db, "stats", "reach", "--org", org.org_id, *period, "--out", str(on_server)))
        assert "Wrote 6 tables" in out
        tables = reach_csv(on_server)
        # The same records, the same domain code and suppression: the same file on all three.
        assert on_server.read_bytes() == on_a.read_bytes() == on_b.read_bytes()
        return tables

    first = all_three("first")
    assert first[HOMES] == "25"  # 24 registered on A, 1 on B: each counts all 25
    people = int(first[PEOPLE])
    assert people > 25

    # An objection and a restriction recorded on A reach B's and the server's counts: an upheld
    # objection to statistics for one demo person, and a restriction of the household B registered.
    from centre_desk.storage.store import DataDirectory

    _owner, store = DataDirectory(a.path).unlock("alice", GOOD_PASSWORD)
    try:
        with store.reader() as uow:
            pairs = uow.retention.reach_people()  # type: ignore[attr-defined]
    finally:
        store.lock()
    # The demo data has Wiśniewskas too: B's family is the one with Zofia's date of birth.
    zofia = next(h["household_id"] for h in a.search("wisniewska")
                 if any(m["date_of_birth"] == "1991-04-12" for m in h["members"]))
    objector = next(pid for hid, pid in pairs if hid != zofia)
    a.ok("object", objector, "--purpose", "reach-statistics", "--upheld", "--outcome", "Upheld at her request")
    a.ok("restrict", zofia, "--reason", "Asked us to stop using their details")
    a.sync()
    b.sync()
    second = all_three("second")
    assert second[HOMES] == "24"
    assert int(second[PEOPLE]) == people - 1 - len(ZOFIA["members"])


def test_server_stats_refuses_a_pdf_and_bad_input_in_one_line(org: Org, tmp_path: Path) -> None:
    out = str(tmp_path / "reach.csv")
    r = run(org.db, "stats", "reach", "--org", org.org_id, "--out", out, "--pdf", str(tmp_path / "r.pdf"))
    assert r.returncode == 1 and "--pdf: the server makes the CSV only" in r.stderr
    assert "enrolled device" in r.stderr and not Path(out).exists()
    r = run(org.db, "stats", "reach", "--org", org.org_id, "--out", out, "--from", "01/01/2026")
    assert r.returncode == 1 and r.stderr.strip() == "centre-desk-server: --from: must be a date as YYYY-MM-DD"
    r = run(org.db, "stats", "reach", "--org", org.org_id, "--out", str(tmp_path / "reach.txt"))
    assert r.returncode == 1 and "--out: must end in .csv" in r.stderr
    r = run(org.db, "stats", "reach", "--org", "0190aaaa-0000-7000-8000-000000000000", "--out", out)
    assert r.returncode == 1 and "no such organisation" in r.stderr
    assert not Path(out).exists()
