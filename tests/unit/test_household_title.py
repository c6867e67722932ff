"""The household's title names the adults who live at its address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from centre_desk.domain.household import Household, Member, household_title


def household(*members: dict[str, Any]) -> Household:
    now = datetime(2026, 3, 2, 10, 0)
    return Household("h1", 1, {"postcode": "BS21 7AA"},
                     tuple(Member(f"p{i}", m) for i, m in enumerate(members)), "membership", 1, now, now)


ZOFIA = {"first_name": "Zofia", "last_name": "Wiśniewska", "role": "parent", "lives_at_address": True}
LUKASZ = {"first_name": "Łukasz", "last_name": "Wójcik", "role": "parent", "lives_at_address": False}
ZUZANNA = {"first_name": "Zuzanna", "last_name": "Wójcik", "role": "child", "lives_at_address": True}


def test_a_father_who_lives_elsewhere_is_not_in_the_title() -> None:
    assert household_title(household(ZOFIA, LUKASZ, ZUZANNA)) == "Zofia Wiśniewska"


def test_adults_who_live_there_are_all_named() -> None:
    partner = {"first_name": "Adam", "last_name": "Nowak", "role": "partner"}  # not answered: lives there
    assert household_title(household(ZOFIA, LUKASZ, partner, ZUZANNA)) == "Zofia Wiśniewska and Adam Nowak"


def test_with_no_adult_at_the_address_the_people_who_live_there_are_named() -> None:
    assert household_title(household(LUKASZ, ZUZANNA)) == "Zuzanna Wójcik"
