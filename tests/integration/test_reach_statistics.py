"""Reach statistics from a real store: the CSV and PDF the admin tool writes, and the service."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from centre_desk.domain.clock import FixedClock
from centre_desk.domain.suppression import HIDDEN, SMALL, TOTAL, CrossTab, PublishedTable
from centre_desk.services.demo_data import ORIGINS, make_demo_households
from centre_desk.services.session import DeskSession
from centre_desk.services.statistics import reach_statistics
from tests.integration.test_admin_cli import run
from tests.unit.test_suppression import determined_cells

FULL_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
FULL_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{2}/\d{2}/\d{4}\b")
NAMES = {n for o in ORIGINS for n in (*o.female, *o.male, *(s for pair in o.surnames for s in pair))}


def grids(rows: list[dict[str, str]]) -> dict[str, list[list[str]]]:
    """Each table of the long CSV back as a grid of cell texts, totals included."""
    cells: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    order: dict[str, tuple[list[str], list[str]]] = {}
    for row in rows:
        t = cells[row["table"]]
        t.setdefault(row["row"], {})[row["column"]] = row["value"]
        r_order, c_order = order.setdefault(row["table"], ([], []))
        if row["row"] not in r_order:
            r_order.append(row["row"])
        if row["column"] not in c_order:
            c_order.append(row["column"])
    return {name: [[t[r][c] for c in order[name][1]] for r in order[name][0]] for name, t in cells.items()}


def as_published(grid: list[list[str]]) -> PublishedTable:
    """Enough of a PublishedTable for the independent check: which cells are withheld."""
    small = frozenset((r, c) for r, line in enumerate(grid) for c, v in enumerate(line) if v == SMALL)
    hidden = frozenset((r, c) for r, line in enumerate(grid) for c, v in enumerate(line) if v == HIDDEN)
    values = tuple(tuple(0 if v in (SMALL, HIDDEN) else int(v) for v in line) for line in grid)
    table = CrossTab("t", "r", tuple(str(i) for i in range(len(grid) - 1)),
                     tuple(str(i) for i in range(len(grid[0]) - 1)), ())
    return PublishedTable(table, values, small, hidden)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("reach") / "data"
    assert run(data, "init", "--profile", "north-somerset-children-centres", "--centre-name", "Seaside Centre",
               "--admin", "admin").returncode == 0
    r = run(data, "--user", "admin", "demo-data", "--households", "120", "--seed", "7")
    assert r.returncode == 0, r.stderr
    return data


def test_reach_csv_has_no_small_or_recoverable_cell_and_nothing_personal(demo_store: Path, tmp_path: Path) -> None:
    out, pdf = tmp_path / "reach.csv", tmp_path / "reach.pdf"
    r = run(demo_store, "--user", "admin", "stats", "reach", "--out", str(out), "--pdf", str(pdf))
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    tables = grids(rows)
    assert len(tables) == 6
    withheld = 0
    for name, grid in tables.items():
        for line in grid:
            for v in line:
                assert v in (SMALL, HIDDEN) or not 1 <= int(v) <= 4, (name, v)
        # Totals add up wherever every cell of the line is shown.
        for line in grid:
            if all(v not in (SMALL, HIDDEN) for v in line):
                assert sum(int(v) for v in line[:-1]) == int(line[-1]), name
        p = as_published(grid)
        withheld += len(p.withheld)
        assert determined_cells(p) == [], name
    assert withheld > 0  # 120 households spread over districts and months do make small cells
    people = tables["People reached by ethnic group and age"]
    assert int(people[-1][-1]) > 120  # every person of the 120 households, in the grand total
    assert not FULL_POSTCODE.search(text) and not FULL_DATE.search(text)
    assert not [n for n in NAMES if re.search(rf"\b{re.escape(n)}\b", text)]
    reader = PdfReader(pdf)
    pdf_text = "".join(page.extract_text() for page in reader.pages)
    assert "Who we reach" in pdf_text and "People reached by ethnic group and age" in pdf_text
    assert not FULL_POSTCODE.search(pdf_text)
    assert not [n for n in NAMES if re.search(rf"\b{re.escape(n)}\b", pdf_text)]
    assert TOTAL in pdf_text


def test_period_and_restriction_leave_people_out(admin_session: DeskSession) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    session = DeskSession(admin_session.store, admin_session.actor, clock)
    make_demo_households(session, 40, seed=3)
    full = reach_statistics(session)
    grand = full.households.values[-1][-1]
    assert grand == 40
    # A period that ends before anyone registered reaches nobody.
    empty = reach_statistics(session, date(2020, 1, 1), date(2020, 12, 31))
    assert empty.households.values[-1][-1] == 0
    # Everyone restricted: nobody is counted.
    nobody = reach_statistics(session, restricted=lambda uow, household_id, person_id: True)
    assert nobody.households.values[-1][-1] == 0
    # One household's people restricted: that household is no longer counted.
    with session.store.reader() as uow:
        one = uow.retention.reach_people()[0][0]
    fewer = reach_statistics(session, restricted=lambda uow, household_id, person_id: household_id == one)
    assert fewer.households.values[-1][-1] == 39
    # A restriction of processing recorded with the rights work leaves that household out too.
    from centre_desk.services.rights import set_restriction

    set_restriction(session, one, True, reason="Asked us to stop using their details")
    assert reach_statistics(session).households.values[-1][-1] == 39
    set_restriction(session, one, False, reason="Restriction lifted")
    # The reach facts follow the records: an edit that moves a family moves its district.
    from centre_desk.services.households import open_household, update_household

    h = open_household(session, one)
    moved = {**h.submission(), "postcode": "EX1 1AA"}
    update_household(session, one, moved, h.version)
    after = reach_statistics(session)
    rows = after.households.table.rows
    assert "EX1" in rows  # no demo household lives in Exeter
    assert after.households.values[-1][-1] == 40
    from centre_desk.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="from: is after the end of the period"):
        reach_statistics(session, date(2026, 5, 1), date(2026, 4, 1))


def test_an_upheld_objection_to_statistics_leaves_that_person_out(admin_session: DeskSession) -> None:
    from centre_desk.services.households import open_household
    from centre_desk.services.rights import record_objection

    clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    session = DeskSession(admin_session.store, admin_session.actor, clock)
    make_demo_households(session, 30, seed=5)

    def totals() -> tuple[int, int]:
        report = reach_statistics(session)
        people = next(t for t in report.tables if t.table.title == "People reached by ethnic group and age")
        return report.households.values[-1][-1], people.values[-1][-1]

    homes, people = totals()
    assert homes == 30
    with session.store.reader() as uow:
        pairs = uow.retention.reach_people()
    hid = next(h for h, _ in pairs if sum(1 for x, _ in pairs if x == h) >= 2)
    members = [m.id for m in open_household(session, hid).members]
    # Not upheld, or to another purpose: still counted.
    record_objection(session, members[0], "reach-statistics", upheld=False, outcome="Compelling grounds shown")
    record_objection(session, members[0], "service-delivery", upheld=True, outcome="Stopped")
    assert totals() == (30, people)
    record_objection(session, members[0], "reach-statistics", upheld=True, outcome="Upheld at her request")
    assert totals() == (30, people - 1)
    # Everyone in the household objects: the household is no longer reached either.
    for pid in members[1:]:
        record_objection(session, pid, "reach-statistics", upheld=True, outcome="Upheld")
    assert totals() == (29, people - len(members))
