"""The rights commands of ``centre-desk-admin``, run as real subprocesses on a real store."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.integration.test_admin_cli import run
from tests.integration.test_households_cli import IOANA, ZOFIA


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, str]]:
    tmp = tmp_path_factory.mktemp("rights")
    data = tmp / "data"
    assert run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside",
               "--admin", "admin").returncode == 0
    src = tmp / "in.json"
    src.write_text(json.dumps({"households": [ZOFIA, IOANA]}, ensure_ascii=False), encoding="utf-8")
    assert run(data, "--user", "admin", "import", "--form", "membership", str(src)).returncode == 0
    people, households = {}, {}
    for q in ("wisniewska", "radulescu"):
        hit = json.loads(run(data, "--user", "admin", "search", q, "--json").stdout.splitlines()[0])
        households[q] = hit["household_id"]
        people |= {m["first_name"]: m["person_id"] for m in hit["members"]}
    return data, people, households


def admin(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(data, "--user", "admin", *args)


def test_consent_list_json_names_each_person_id(desk) -> None:  # type: ignore[no-untyped-def]
    data, people, households = desk
    assert admin(data, "consent", "give", households["wisniewska"], "--person", people["Zofia"],
                 "--purpose", "email-contact").returncode == 0
    listed = admin(data, "consent", "list", households["wisniewska"], "--json").stdout
    lines = [json.loads(x) for x in listed.splitlines()]
    assert lines and lines[0]["person_id"] == people["Zofia"]


def test_sar_writes_a_pdf_and_json_with_her_details(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, people, _ = desk
    r = admin(data, "sar", people["Zofia"], "--out", str(tmp_path / "pack"))
    assert r.returncode == 0, r.stderr
    [pdf] = list((tmp_path / "pack").glob("*.pdf"))
    [js] = list((tmp_path / "pack").glob("*.json"))
    pack = json.loads(js.read_text(encoding="utf-8"))
    assert pack["person"]["fields"]["last_name"] == "Wiśniewska"
    assert [c["fields"]["first_name"] for c in pack["children"]] == ["Łukasz"]
    text = " ".join((p.extract_text() or "") for p in PdfReader(str(pdf)).pages)
    assert "Wiśniewska" in text and "Łukasz" in text and "Wójcik" in text
    listed = admin(data, "audit", "list", "--record", pack["household"]["id"])
    assert "export.subject-access" in listed.stdout


def test_disclosures_are_logged_and_listed_and_bad_input_is_one_line(desk) -> None:  # type: ignore[no-untyped-def]
    data, people, households = desk
    hid = households["wisniewska"]
    ok = admin(data, "disclosure", "add", hid, "--recipient", "council-safeguarding", "--purpose", "child protection",
               "--basis", "safeguarding", "--shared", "names and address", "--person", people["Łukasz"],
               "--justification", "risk of significant harm", "--not-told", "telling could put the child at risk")
    assert ok.returncode == 0, ok.stderr
    bad = admin(data, "disclosure", "add", hid, "--recipient", "council-safeguarding", "--purpose", "x",
                "--basis", "gut-feeling", "--shared", "names", "--told", "2026-11-01")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "basis" in bad.stderr
    no_reason = admin(data, "disclosure", "add", hid, "--recipient", "nhs", "--purpose", "research",
                      "--basis", "public-task", "--shared", "names", "--told", "2026-11-01")
    assert no_reason.returncode == 1 and "justification" in no_reason.stderr
    [entry] = [json.loads(x) for x in admin(data, "disclosure", "list", hid, "--json").stdout.splitlines()]
    assert entry["recipient"] == "North Somerset Council safeguarding team"
    assert entry["agreement"] == "council-safeguarding" and entry["told_on"] is None


def test_requests_register_add_list_close(desk) -> None:  # type: ignore[no-untyped-def]
    data, people, _ = desk
    r = admin(data, "request", "add", people["Zofia"], "--kind", "access", "--received", "2025-01-31",
              "--identity", "passport seen at the desk")
    assert r.returncode == 0, r.stderr
    assert "due 28/02/2025" in r.stdout
    listed = [json.loads(x) for x in admin(data, "request", "list", "--json").stdout.splitlines()]
    [req] = [x for x in listed if x["received"] == "2025-01-31"]
    assert req["overdue"] and req["status"] == "open"
    assert admin(data, "request", "close", req["id"], "--outcome", "pack released").returncode == 0
    again = [json.loads(x) for x in admin(data, "request", "list", "--open", "--json").stdout.splitlines()]
    assert req["id"] not in [x["id"] for x in again]


def test_a_restricted_person_is_not_on_the_mailing_list(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, people, households = desk
    out = tmp_path / "list.csv"

    def listed() -> list[str]:
        assert admin(data, "mailing-list", "--out", str(out)).returncode == 0
        with out.open(encoding="utf-8") as fh:
            return [row["person_id"] for row in csv.DictReader(fh)]

    assert admin(data, "consent", "give", households["wisniewska"], "--person", people["Zofia"],
                 "--purpose", "email-contact").returncode == 0
    assert people["Zofia"] in listed()
    assert admin(data, "restrict", people["Zofia"], "--reason", "accuracy contested").returncode == 0
    assert people["Zofia"] not in listed()
    assert admin(data, "unrestrict", people["Zofia"]).returncode == 0
    assert people["Zofia"] in listed()


def test_portability_package_checks_out_with_sha256sum(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, _, households = desk
    out = tmp_path / "move"
    assert admin(data, "portability", households["radulescu"], "--out", str(out)).returncode == 0
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["household_id"] == households["radulescu"]


def test_erase_leaves_nothing_findable_and_the_audit_verifies(desk) -> None:  # type: ignore[no-untyped-def]
    data, people, _ = desk
    r = admin(data, "erase", people["Ioana"], "--reason", "erasure request")
    assert r.returncode == 0, r.stderr
    assert "whole household" in r.stdout
    for q in ("radulescu", "bs21 6xy", "900456"):  # name, postcode, phone
        assert admin(data, "search", q, "--json").stdout.strip() == "", q
    assert admin(data, "audit", "verify").returncode == 0
    again = admin(data, "erase", people["Ioana"], "--reason", "erasure request")
    assert again.returncode == 1 and "no such person" in again.stderr
