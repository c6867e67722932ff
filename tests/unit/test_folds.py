"""Folded people read as the survivor: the pure chain rule, and the server's reach statistics
leaving out a person whose restriction, objection or missing consent was recorded under the entry
later folded into them (as a device does through ``storage.aliases``)."""

from __future__ import annotations

from centre_desk.domain.folds import aliases_of, fold_target, follow
from centre_desk.server.stats import _left_out

AT = "2026-03-02T09:00:00+00:00"


def test_chains_are_followed_and_a_loop_ends() -> None:
    direct = {"a": "b", "b": "c", "x": "y", "y": "x"}
    assert follow(direct, "a") == "c" and follow(direct, "c") == "c"
    assert aliases_of(direct)["a"] == "c"
    assert follow(direct, "x") in {"x", "y"}  # a loop (never written) still ends
    assert fold_target({"folded_into": "c"}) == "c" and fold_target({}) is None


def test_server_statistics_leave_out_the_survivor_of_a_restricted_or_objecting_folded_entry() -> None:
    everyone = [("h1", "ann"), ("h1", "kid"), ("h2", "bob")]
    restriction = ("restriction", "h1", {"created_at": AT}, {"person_id": "ann-twice", "restricted": True})
    objection = ("objection", "h2", {"created_at": AT},
                 {"person_id": "bob-twice", "upheld": True, "purpose_id": "reach-statistics"})
    without = _left_out([restriction, objection], everyone, needs_consent=False)
    assert without == {"ann-twice", "bob-twice"}  # nobody counted is left out: the defect
    folded = _left_out([restriction, objection], everyone, needs_consent=False,
                       alias={"ann-twice": "ann", "bob-twice": "bob"})
    assert folded == {"ann", "bob"}


def test_a_consent_given_under_a_folded_entry_counts_for_the_survivor() -> None:
    everyone = [("h1", "ann")]
    consent = ("consent", "h1", {"created_at": AT},
               {"person_id": "ann-twice", "purpose_id": "reach-statistics", "decision": "given"})
    assert _left_out([consent], everyone, needs_consent=True) == {"ann"}
    assert _left_out([consent], everyone, needs_consent=True, alias={"ann-twice": "ann"}) == set()
