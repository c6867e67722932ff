"""Which household fields need a choice when two households are merged, and what a choice keeps."""

from __future__ import annotations

from datetime import datetime

import pytest

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.household import Household, Member
from centre_desk.services.duplicates import KEEP, TAKE, differing_fields, merged_fields

NOW = datetime(2026, 11, 1, 9, 0)


def household(hid: str, **fields: object) -> Household:
    return Household(hid, 1, fields, (Member(f"{hid}-p", {"first_name": "A", "last_name": "B"}),), "membership", 1,
                     NOW, NOW)


INTO = household("h1", phone="07700 900123", town="Weston-super-Mare", email="", postcode="BS23 1AA")
MERGED = household("h2", phone="07700 900999", town="Weston-super-Mare", email="ola@example.org",
                   postcode="BS23 1AA", address_line2="Flat 2")


def test_only_filled_values_that_differ_need_a_choice() -> None:
    assert differing_fields(MERGED, INTO) == ["address_line2", "email", "phone"]
    assert differing_fields(INTO, INTO) == []


def test_with_no_choice_the_survivor_keeps_its_values_and_fills_its_blanks() -> None:
    out = merged_fields(MERGED, INTO, {})
    assert out["phone"] == "07700 900123"
    assert out["email"] == "ola@example.org" and out["address_line2"] == "Flat 2"


def test_each_choice_is_applied() -> None:
    out = merged_fields(MERGED, INTO, {"phone": TAKE, "email": KEEP})
    assert out["phone"] == "07700 900999" and out["email"] == ""


@pytest.mark.parametrize(("choices", "field"), [({"town": TAKE}, "choices.town"), ({"phone": "both"}, "choices.phone")])
def test_a_choice_for_a_field_that_does_not_differ_or_an_unknown_choice_is_refused(
        choices: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        merged_fields(MERGED, INTO, choices)
    assert refused.value.problems[0].field == field
