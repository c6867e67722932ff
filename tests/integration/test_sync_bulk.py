"""A store built from pulled pages (the bulk path of a first sync) holds exactly what the store
whose staff saved those records holds: the same records, search rows, cards, people and reach
rows, and every search finds the same households. Real SQLCipher stores on both sides."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from centre_desk.services.auth import sign_out
from centre_desk.services.demo_data import make_demo_households
from centre_desk.services.setup import CentreDetails, initialise_store
from centre_desk.wiring import Wiring

PROFILE = "north-somerset-children-centres"
PASSWORD = "purple elephant trombone"


def _store(path: Path) -> Any:
    w = Wiring(path)
    return initialise_store(w.gate, CentreDetails(PROFILE, "Test Centre"), "alice", PASSWORD, w.clock,
                            w.passwords).session


def _documents(session: Any) -> list[dict[str, Any]]:
    with session.store.reader() as uow:
        rows = uow.session.execute(text(
            "SELECT id, kind, household_id, body, created_by, created_at, updated_by, updated_at, form_id, "
            "form_version FROM records WHERE deleted = 0 ORDER BY rowid")).all()
    return [{"record_id": r[0], "kind": r[1], "household_id": r[2], "deleted": False, "body": json.loads(r[3]),
             "envelope": {"created_by": r[4], "created_at": r[5], "updated_by": r[6], "updated_at": r[7],
                          "form_id": r[8], "form_version": r[9]}} for r in rows]


def _index_state(session: Any) -> dict[str, Any]:
    with session.store.reader() as uow:
        s = uow.session
        return {
            "cards": {r[0]: (r[1], r[2], bool(r[3])) for r in s.execute(text(
                "SELECT household_id, card, last_contact, flagged FROM household_cards"))},
            "rows": sorted(tuple(r) for r in s.execute(text(
                "SELECT household_id, person_id, terms FROM search_index"))),
            "people": sorted(tuple(r) for r in s.execute(text("SELECT person_id, household_id FROM people"))),
            "reach": sorted(tuple(r) for r in s.execute(text("SELECT * FROM reach_households"))),
            "digest": uow.sync.digest(),
        }


def _found(session: Any, queries: list[str]) -> dict[str, set[str]]:
    from centre_desk.services.households import search_households

    return {q: {h.household_id for h in search_households(session, q, limit=500)} for q in queries}


@pytest.mark.parametrize("page", [7, 5000])
def test_a_store_built_from_pulled_pages_equals_the_one_that_saved_them(tmp_path: Path, page: int) -> None:
    source = _store(tmp_path / "source")
    make_demo_households(source, 60, seed=11)
    docs = _documents(source)
    # The server serves each record at the seq of its last change: some contacts come before
    # their household (edited later), so facts must be right whichever arrives first.
    rng = random.Random(5)
    rng.shuffle(docs)
    for i, d in enumerate(docs):
        d["seq"] = i + 1

    built = _store(tmp_path / "built")
    for i in range(0, len(docs), page):
        chunk = docs[i:i + page]
        with built.store.unit_of_work() as uow:
            uow.sync.apply(chunk, chunk[-1]["seq"])
            uow.commit()

    want, got = _index_state(source), _index_state(built)
    assert got["digest"] == want["digest"] and got["digest"][0] == 60
    assert got["cards"] == want["cards"]
    assert got["rows"] == want["rows"] and len(got["rows"]) > 60
    assert got["people"] == want["people"]
    assert got["reach"] == want["reach"]
    assert any(last for last, _c, _f in [(v[1], v[0], v[2]) for v in got["cards"].values()])

    with source.store.reader() as uow:
        names = [json.loads(r[0])["members"][0]["fields"] for r in uow.session.execute(text(
            "SELECT body FROM records WHERE kind = 'household' ORDER BY id LIMIT 12"))]
    queries = sorted({f["last_name"] for f in names} | {f["first_name"] for f in names}
                     | {f.get("date_of_birth", "") for f in names if f.get("date_of_birth")})
    found = _found(built, queries)
    assert found == _found(source, queries)
    assert all(found[q] for q in queries)
    sign_out(source)
    sign_out(built)
