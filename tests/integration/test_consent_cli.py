"""Consent through ``centre-desk-admin``: giving, withdrawing, history, and the mailing list."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.integration.test_admin_cli import run
from tests.integration.test_households_cli import IOANA, ZOFIA


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("consent")
    data = tmp / "data"
    assert run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside",
               "--admin", "admin").returncode == 0
    src = tmp / "in.json"
    src.write_text(json.dumps({"households": [ZOFIA, IOANA]}, ensure_ascii=False), encoding="utf-8")
    assert run(data, "--user", "admin", "import", "--form", "membership", str(src)).returncode == 0
    hit = json.loads(run(data, "--user", "admin", "search", "wisniewska", "--json").stdout.splitlines()[0])
    people = {m["first_name"]: m["person_id"] for m in hit["members"]}
    return data, hit["household_id"], people


def mailing(data: Path, tmp: Path) -> list[dict[str, str]]:
    out = tmp / "list.csv"
    r = run(data, "--user", "admin", "mailing-list", "--out", str(out))
    assert r.returncode == 0, r.stderr
    with out.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_withdrawal_leaves_the_mailing_list_and_giving_again_returns(family, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, hid, people = family
    zofia = people["Zofia"]
    give = run(data, "--user", "admin", "consent", "give", hid, "--person", zofia, "--purpose", "email-contact")
    assert give.returncode == 0, give.stderr
    assert [r["first_name"] for r in mailing(data, tmp_path)] == ["Zofia"]

    withdraw = run(data, "--user", "admin", "consent", "withdraw", hid, "--person", zofia,
                   "--purpose", "email-contact", "--method", "verbal")
    assert withdraw.returncode == 0, withdraw.stderr
    assert mailing(data, tmp_path) == []

    again = run(data, "--user", "admin", "consent", "give", hid, "--person", zofia, "--purpose", "email-contact",
                "--method", "signed")
    assert again.returncode == 0
    assert [r["email"] for r in mailing(data, tmp_path)] == ["zofia@example.org"]

    history = [json.loads(line) for line in
               run(data, "--user", "admin", "consent", "list", hid, "--json").stdout.splitlines()]
    email = [h for h in history if h["purpose"] == "email-contact"]
    assert [h["decision"] for h in email] == ["given", "withdrawn", "given"]
    assert [h["current"] for h in email] == [False, False, True]
    assert all(h["notice_version"] for h in email)


def test_children_never_reach_the_mailing_list_and_need_an_adult_to_decide(family, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, hid, people = family
    child = people["Łukasz"]
    alone = run(data, "--user", "admin", "consent", "give", hid, "--person", child, "--purpose", "email-contact")
    assert alone.returncode == 1 and "given by" in alone.stderr
    ok = run(data, "--user", "admin", "consent", "give", hid, "--person", child, "--purpose", "email-contact",
             "--given-by", people["Zofia"])
    assert ok.returncode == 0, ok.stderr
    assert "Łukasz" not in [r["first_name"] for r in mailing(data, tmp_path)]


def test_per_service_sharing_needs_a_service_and_public_task_needs_no_consent(family) -> None:  # type: ignore[no-untyped-def]
    data, hid, people = family
    zofia = people["Zofia"]
    no_service = run(data, "--user", "admin", "consent", "give", hid, "--person", zofia,
                     "--purpose", "coordinated-support")
    assert no_service.returncode == 1 and "service" in no_service.stderr
    shared = run(data, "--user", "admin", "consent", "give", hid, "--person", zofia,
                 "--purpose", "coordinated-support", "--service", "public-health-teams")
    assert shared.returncode == 0, shared.stderr
    public = run(data, "--user", "admin", "consent", "give", hid, "--person", zofia, "--purpose", "service-delivery")
    assert public.returncode == 1 and "not consent" in public.stderr
    unknown = run(data, "--user", "admin", "consent", "give", hid, "--person", zofia, "--purpose", "marketing")
    assert unknown.returncode == 1 and "purpose" in unknown.stderr


def test_receipt_and_summary_read_back_with_exact_spellings(tmp_path: Path) -> None:
    from pypdf import PdfReader

    data = tmp_path / "data"
    assert run(data, "init", "--profile", "somerset-childrens-services", "--centre-name", "Taunton Family Centre",
               "--admin", "admin").returncode == 0
    family = json.loads(json.dumps(ZOFIA))
    family["members"].append({"first_name": "Ioana", "last_name": "Rădulescu", "date_of_birth": "1987-07-07",
                              "role": "carer"})
    src = tmp_path / "in.json"
    src.write_text(json.dumps({"households": [family]}, ensure_ascii=False), encoding="utf-8")
    assert run(data, "--user", "admin", "import", "--form", "membership", str(src)).returncode == 0
    hit = json.loads(run(data, "--user", "admin", "search", "radulescu", "--json").stdout.splitlines()[0])
    people = {m["first_name"]: m["person_id"] for m in hit["members"]}
    hid = hit["household_id"]
    assert run(data, "--user", "admin", "consent", "give", hid, "--person", people["Zofia"],
               "--purpose", "email-contact", "--method", "signed").returncode == 0
    assert run(data, "--user", "admin", "consent", "give", hid, "--person", people["Łukasz"],
               "--purpose", "surveys", "--given-by", people["Ioana"]).returncode == 0

    for command in ("receipt", "summary"):
        out = tmp_path / f"{command}.pdf"
        r = run(data, "--user", "admin", command, hid, "--out", str(out))
        assert r.returncode == 0, r.stderr
        text = " ".join(page.extract_text() for page in PdfReader(out).pages)
        for name in ("Zofia Wiśniewska", "Łukasz Wójcik", "Ioana Rădulescu"):
            assert name in text, (command, name)
        assert "2026.1" in text  # the notice version the family was given
    missing = run(data, "--user", "admin", "receipt", "no-such-household", "--out", str(tmp_path / "x.pdf"))
    assert missing.returncode == 1 and "no such household" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()
