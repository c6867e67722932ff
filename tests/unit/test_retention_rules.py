"""Which retention rule covers a household and when it falls due, under both shipped profiles."""

from __future__ import annotations

from datetime import date

import pytest

from centre_desk.domain.retention import HouseholdFacts, ReferralFacts, add_years, review_of
from centre_desk.formspec.profiles import load_profile

NS = load_profile("north-somerset-children-centres").retention
SOMERSET = load_profile("somerset-childrens-services").retention


def test_six_years_from_last_contact_or_registration() -> None:
    seen = HouseholdFacts("h", date(2015, 5, 1), date(2019, 11, 20))
    review = review_of(seen, NS)
    assert review is not None and (review.rule.id, review.due) == ("family-records", date(2025, 11, 20))
    never_seen = review_of(HouseholdFacts("h", date(2015, 5, 1), None), NS)
    assert never_seen is not None and never_seen.due == date(2021, 5, 1)


def test_leap_day_falls_due_on_28_february() -> None:
    assert add_years(date(2020, 2, 29), 6) == date(2026, 2, 28)


def referral(service: str, statuses: tuple[str, ...], closed: date | None, born: date | None) -> ReferralFacts:
    return ReferralFacts("r", service, statuses, closed, (born,) if born else ())


@pytest.mark.parametrize(("service", "statuses", "rule", "due"), [
    ("contact-and-referral", ("received", "closed"), "contact-and-referral-only", date(2028, 3, 1)),
    ("contact-and-referral", ("received", "accepted", "allocated", "closed"), "contact-and-referral-assessment",
     date(2040, 6, 10)),
    ("early-support", ("received", "closed"), "early-support", date(2049, 6, 10)),
    ("children-looked-after", ("received", "closed"), "children-looked-after", date(2115, 6, 10)),
    ("early-help", ("received", "accepted", "allocated", "closed"), "early-help-assessment", date(2040, 6, 10)),
])
def test_somerset_categories(service: str, statuses: tuple[str, ...], rule: str, due: date) -> None:
    facts = HouseholdFacts("h", date(2020, 1, 1), None,
                           (referral(service, statuses, date(2022, 3, 1), date(2015, 6, 10)),))
    review = review_of(facts, SOMERSET)
    assert review is not None and (review.rule.id, review.due) == (rule, due)


def test_an_open_case_is_never_due_and_the_longest_referral_decides() -> None:
    open_case = HouseholdFacts("h", date(2000, 1, 1), None,
                               (referral("contact-and-referral", ("received",), None, date(1999, 1, 1)),))
    assert review_of(open_case, SOMERSET) is None
    two = HouseholdFacts("h", date(2000, 1, 1), None, (
        referral("contact-and-referral", ("received", "closed"), date(2001, 1, 1), date(1999, 1, 1)),
        referral("adoption", ("received", "closed"), date(2001, 1, 1), date(1999, 1, 1)),
    ))
    review = review_of(two, SOMERSET)
    assert review is not None and review.rule.id == "adoption" and review.due == date(2099, 1, 1)


def test_a_household_no_rule_covers_is_never_due() -> None:
    assert review_of(HouseholdFacts("h", date(1990, 1, 1), date(1991, 1, 1)), SOMERSET) is None


def _rows(seed: int) -> list[tuple[str, str | None, str | None]]:
    import random

    rng = random.Random(seed)
    days = [date(2012, 1, 1).toordinal() + rng.randrange(5000) for _ in range(60)]
    texts = [date.fromordinal(d).isoformat() for d in days] + ["2016-02-29", "2020-02-29", "not a date", "", None]
    return [(f"h{i:04d}", rng.choice(texts), rng.choice([*texts, None, None])) for i in range(800)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_last_contact_review_gives_the_general_reviews_answers(seed: int) -> None:
    """``review_by_last_contact`` (rows of ISO text, each date parsed once) against ``review_queue``
    (one HouseholdFacts per household): the same entries, in the same order, holds included,
    for one rule and for a schedule of several last-contact rules of which the longest decides."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from centre_desk.domain.retention import (
        Hold,
        last_contact_rule,
        review_by_last_contact,
        review_queue,
    )

    def parsed(text: str | None) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    rows = _rows(seed)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    holds = [Hold("o", None, "inquiry", "s", at, reference="R1"), Hold("x", "h0003", "complaint", "s", at),
             Hold("y", "h0005", "lifted", "s", at, "s", at), Hold("z", "h0003", "second", "s", at)]
    longer = replace(NS[0], id="longer", period_years=NS[0].period_years + 2)
    for rules in (NS, (*NS, longer, replace(longer, id="equal"))):
        rule = last_contact_rule(rules)
        assert rule is not None and rule.id == ("family-records" if rules is NS else "longer")
        facts = [HouseholdFacts(hid, parsed(registered), parsed(last)) for hid, registered, last in rows]
        for as_of, within in ((date(2021, 3, 1), 0), (date(2024, 2, 28), 90), (date(2040, 1, 1), 0)):
            for hold_set in ([], holds):
                general = review_queue(facts, rules, hold_set, as_of, within)
                assert review_by_last_contact(rows, rule, hold_set, as_of, within) == general
                assert general  # each case finds some due
    assert last_contact_rule(SOMERSET) is None and last_contact_rule(()) is None
