"""Import, search and contacts through ``centre-desk-admin``, against a real encrypted store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_admin_cli import run

ZOFIA = {
    "address_line1": "14 Locking Road", "address_line2": "Flat 2", "town": "Weston-super-Mare",
    "postcode": "BS23 1AA", "phone": "07700 900123", "email": "zofia@example.org",
    "members": [
        {"first_name": "Zofia", "last_name": "Wiśniewska", "date_of_birth": "1991-04-02", "role": "parent"},
        {"first_name": "Łukasz", "last_name": "Wójcik", "date_of_birth": "2022-09-30", "role": "child"},
    ],
    "contacts": [{"date": "2026-10-01", "type": "drop-in"}],
}
IOANA = {
    "address_line1": "3 Moor Lane", "address_line2": "", "town": "Clevedon", "postcode": "BS21 6XY",
    "phone": "07700 900456", "email": "", "members": [
        {"first_name": "Ioana", "last_name": "Rădulescu", "date_of_birth": "1988-12-24", "role": "carer"},
    ],
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("households")
    data = tmp_path / "data"
    assert run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
               "--admin", "admin").returncode == 0
    src = tmp_path / "members.json"
    src.write_text(json.dumps({"households": [ZOFIA, IOANA]}, ensure_ascii=False), encoding="utf-8")
    r = run(data, "--user", "admin", "import", "--form", "membership", str(src))
    assert r.returncode == 0, r.stderr
    assert "Imported 2 households (3 people, 1 contacts)" in r.stdout
    src.unlink()
    return data


def search(data: Path, query: str) -> list[dict]:  # type: ignore[type-arg]
    r = run(data, "--user", "admin", "search", query, "--json")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


@pytest.mark.parametrize("query", ["wisniewska", "Wiśniewska", "WIŚNIEWSKA", "bs231aa", "BS23 1AA", "bs23 1aa",
                                   "zofia wis", "02/04/1991", "07700 900123"])
def test_searches_find_zofia(imported: Path, query: str) -> None:
    hits = search(imported, query)
    assert len(hits) == 1
    names = {(m["first_name"], m["last_name"], m["date_of_birth"]) for m in hits[0]["members"]}
    assert ("Zofia", "Wiśniewska", "1991-04-02") in names
    assert all(m["person_id"] for m in hits[0]["members"])
    assert hits[0]["household_id"]


def test_no_file_holds_names_or_postcode_in_plain_text(imported: Path) -> None:
    secrets = ["Wiśniewska", "Wisniewska", "wisniewska", "Zofia", "BS23 1AA", "bs231aa", "Rădulescu",
               "radulescu", "07700900123", "Seaside Centre"]
    for path in imported.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert not data.startswith(b"SQLite format 3")
        for secret in secrets:
            for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                assert secret.encode(enc) not in data, (path.name, secret, enc)


def test_bad_import_is_refused_whole_with_every_problem_named(imported: Path, tmp_path: Path) -> None:
    bad_dob = json.loads(json.dumps(IOANA))
    bad_dob["members"][0]["date_of_birth"] = "2099-01-01"
    bad_postcode = json.loads(json.dumps(IOANA))
    bad_postcode["postcode"] = "NOT A CODE"
    bad_choice = json.loads(json.dumps(IOANA))
    bad_choice["members"][0]["role"] = "uncle"
    good = json.loads(json.dumps(IOANA))
    good["members"][0]["first_name"] = "Ana-Maria"
    src = tmp_path / "bad.json"
    src.write_text(json.dumps({"households": [good, bad_dob, bad_postcode, bad_choice]}), encoding="utf-8")
    r = run(imported, "--user", "admin", "import", "--form", "membership", str(src))
    assert r.returncode == 1
    assert "nothing was imported" in r.stderr
    assert "record 2: members[0].date_of_birth:" in r.stderr and "future" in r.stderr
    assert "record 3: postcode:" in r.stderr
    assert "record 4: members[0].role:" in r.stderr
    assert "NOT A CODE" not in r.stderr  # problems never repeat the personal value
    assert search(imported, "Ana-Maria") == []


def test_csv_import_groups_members_by_household(imported: Path, tmp_path: Path) -> None:
    src = tmp_path / "members.csv"
    src.write_text(
        "household,address_line1,address_line2,town,postcode,phone,email,first_name,last_name,date_of_birth,role,"
        "contact_date,contact_type\n"
        "A1,5 Church Lane,,Nailsea,BS48 1AB,07700 900789,,Hodan,Warsame,1993-05-06,parent,2026-09-09,session\n"
        "A1,,,,,,,Mahad,Warsame,2023-02-01,child,,\n",
        encoding="utf-8",
    )
    r = run(imported, "--user", "admin", "import", "--form", "membership", str(src))
    assert r.returncode == 0, r.stderr
    hits = search(imported, "warsame")
    assert len(hits) == 1 and len(hits[0]["members"]) == 2
    assert hits[0]["last_contact"] == "2026-09-09"


def test_contact_add_updates_last_contact(imported: Path) -> None:
    hid = search(imported, "radulescu")[0]["household_id"]
    r = run(imported, "--user", "admin", "contact", "add", hid, "--type", "home-visit", "--date", "2026-11-02")
    assert r.returncode == 0, r.stderr
    assert search(imported, "radulescu")[0]["last_contact"] == "2026-11-02"
    bad = run(imported, "--user", "admin", "contact", "add", hid, "--type", "party", "--date", "2026-11-02")
    assert bad.returncode == 2
    future = run(imported, "--user", "admin", "contact", "add", hid, "--type", "session", "--date", "2099-01-01")
    assert future.returncode == 1 and "date: is in the future" in future.stderr


def test_demo_data_is_marked_synthetic_and_searchable(imported: Path) -> None:
    r = run(imported, "--user", "admin", "demo-data", "--households", "30", "--seed", "7")
    assert r.returncode == 0 and "30 synthetic" in r.stdout
    assert len(search(imported, "07700 900")) >= 1


def test_edits_keep_search_in_step(admin_session) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.services.households import register_household, search_households, update_household

    h = register_household(admin_session, {
        "address_line1": "1 Sea Road", "town": "Clevedon", "postcode": "BS21 7AA",
        "members": [{"first_name": "Ioana", "last_name": "Rădulescu", "role": "parent"},
                    {"first_name": "Mihai", "last_name": "Rădulescu", "role": "child", "date_of_birth": "2021-01-01"}],
    })
    data = h.submission()
    data["address_line2"] = "Flat 3"  # changes no searchable word
    h2, _ = update_household(admin_session, h.id, data, h.version)
    assert [x.household_id for x in search_households(admin_session, "radulescu")] == [h.id]
    data = h2.submission()
    data["members"][0]["last_name"] = "Popescu"
    data["postcode"] = "BS21 9ZZ"
    data["members"] = data["members"][:1]  # Mihai leaves the household
    update_household(admin_session, h.id, data, h2.version)
    assert search_households(admin_session, "radulescu") == []
    assert search_households(admin_session, "mihai") == []
    assert [x.household_id for x in search_households(admin_session, "ioana popescu")] == [h.id]
    assert search_households(admin_session, "bs21 7aa") == []
    assert [x.household_id for x in search_households(admin_session, "bs219zz")] == [h.id]
