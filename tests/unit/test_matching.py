"""The duplicate matcher (centre_desk.matching) on each kind of entry error it must forgive, and on
the near misses it must not offer."""

from __future__ import annotations

import pytest

from centre_desk.domain.duplicates import DEFAULT_THRESHOLD, REASONS, PersonRecord
from centre_desk.formspec.resources import resources_dir
from centre_desk.matching import PeopleMatcher, load_nicknames

MATCHER = PeopleMatcher(load_nicknames(resources_dir()))
BASE = PersonRecord("p1", "h1", "Mohammed", "Khan", "2019-03-04", "BS23 1AA", "12 High Street")


def other(**changes: object) -> PersonRecord:
    fields = {"person_id": "p2", "household_id": "h2", "first_name": BASE.first_name, "last_name": BASE.last_name,
              "date_of_birth": BASE.date_of_birth, "postcode": BASE.postcode, "address": BASE.address}
    fields.update(changes)
    return PersonRecord(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("change", "reason"), [
    ({"first_name": "Muhammad"}, "known nickname or other spelling"),
    ({"first_name": "Mohamad", "last_name": "Kahn"}, "name spelt alike"),      # a transposition
    ({"last_name": "Jhan"}, "name spelt alike"),                               # keyboard neighbour
    ({"first_name": "Mohamed"}, "known nickname or other spelling"),           # a dropped letter
    ({"first_name": "Khan", "last_name": "Mohammed"}, "first and last names swapped"),
    ({"last_name": "Khan-Malik"}, "shares part of a double surname"),
    ({"date_of_birth": "2019-04-03"}, "date of birth with day and month swapped"),
    ({"date_of_birth": "2019-03-07"}, "date of birth one digit apart"),
    ({"postcode": "BS23 1AB", "address": ""}, "postcode one character apart"),
    ({"postcode": None}, "same date of birth"),                                # missing postcode
    ({"postcode": "TA1 2XX", "address": "3 Sea Road"}, "different postcode (moved?)"),
])
def test_each_entry_error_is_forgiven_with_its_reason(change: dict[str, object], reason: str) -> None:
    score, reasons = MATCHER.compare(BASE, other(**change))
    assert score >= DEFAULT_THRESHOLD, (score, reasons)
    assert reason in reasons
    assert set(reasons) <= set(REASONS)


@pytest.mark.parametrize(("a", "b"), [
    (("Aleksandra", "Wójcik"), ("Alexandra", "Wojcik")),
    (("Zofia", "Wiśniewska"), ("Sophia", "Wisniewska")),
    (("Liz", "O'Brien"), ("Elizabeth", "OBrien")),
])
def test_transliterations_accents_and_nicknames(a: tuple[str, str], b: tuple[str, str]) -> None:
    one = PersonRecord("x", "h1", a[0], a[1], "1991-04-02", "BS21 6XY", "")
    two = PersonRecord("y", "h2", b[0], b[1], "1991-04-02", None, "")
    score, _ = MATCHER.compare(one, two)
    assert score >= DEFAULT_THRESHOLD


@pytest.mark.parametrize("change", [
    {"first_name": "Bilal"},                                  # a brother: same surname, birthday, home
    {"date_of_birth": "1988-07-21"},                          # same name, someone else at the address
    {"first_name": "Imran", "date_of_birth": "2019-03-05"},
    {"last_name": "Hussain", "postcode": "TA1 2XX"},
])
def test_near_misses_are_not_offered(change: dict[str, object]) -> None:
    score, _ = MATCHER.compare(BASE, other(**change))
    assert score < DEFAULT_THRESHOLD


def test_reasons_hold_no_personal_values() -> None:
    _, reasons = MATCHER.compare(BASE, other(first_name="Muhammad", date_of_birth="2019-04-03"))
    text = " ".join(reasons).lower()
    for value in ("mohammed", "muhammad", "khan", "2019", "bs23", "high street"):
        assert value not in text


def test_whole_store_pairs_are_blocked_best_first_and_skip_one_household() -> None:
    people = [
        BASE,
        other(person_id="p2", first_name="Muhammad", date_of_birth="2019-04-03"),  # same person
        other(person_id="p3", household_id="h1", first_name="Mohammed"),            # same household: never
        PersonRecord("p4", "h3", "Zofia", "Nowak", "1990-01-01", "BS21 7AA", "1 Sea Road"),
        PersonRecord("p5", "h4", "Zofia", "Nowakk", "1990-01-10", "BS21 7AA", "1 Sea Road"),
        PersonRecord("p6", "h5", "Adam", "Nowak", "1960-05-05", "TA1 1AA", ""),
    ]
    pairs = MATCHER.pairs(people, DEFAULT_THRESHOLD)
    found = [p.person_ids for p in pairs]
    assert ("p1", "p2") in found and ("p4", "p5") in found
    assert ("p1", "p3") not in found and ("p2", "p3") in found
    assert all(not {"p6"} & set(p) for p in found)
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)
    one = next(p for p in pairs if p.person_ids == ("p1", "p2"))
    assert one.household_ids == ("h1", "h2")
    assert MATCHER.last_stats["pairs_compared"] < 15  # blocked: not all 15 pairs of six people


def test_oversized_blocks_are_left_out_and_counted() -> None:
    crowd = [PersonRecord(f"p{i}", f"h{i}", "Jack", "Smith", None, "BS23 1AA", "") for i in range(10)]
    small = PeopleMatcher(load_nicknames(resources_dir()), max_block=5)
    assert small.pairs(crowd, DEFAULT_THRESHOLD) == []
    assert small.last_stats["blocks_left_out"] >= 1
    assert len(MATCHER.pairs(crowd, 0.5)) == 45
