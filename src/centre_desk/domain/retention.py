"""Retention: when a household's records are due for review, what holds them, and the certificate
left behind when they are destroyed.

Nothing here is stored: a review date is worked out from the facts each time it is asked for, so
a new contact, a case closing or a corrected date of birth moves it at once, with no stored date
to fall out of step (and none to sync). The organisation profile gives the rules
(``RetentionRule``: start event, period in years, the services and condition it covers).

Which rule covers a household:

- a rule with no services covers every household (North Somerset: six years from last contact;
  a household with no contact recorded counts from its registration);
- each referral is covered by the rule for its service; where a service has "referral only" and
  "assessment" variants, a referral that reached ``allocated`` (someone worked the case) counts as
  assessed; a service whose variants cannot be told apart from the record gets its longest rule;
- a referral still open is never due, and neither is its household: the case is not over;
- the household is due when every rule that covers it is due, i.e. on the latest of its dates.
  A household no rule covers is never due (nothing says it may go).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .organisation import LegalHold, RetentionRule, StartEvent

ASSESSED_STATUS = "allocated"
REFERRAL_ONLY = "referral-only"
ASSESSMENT = "assessment"
UPCOMING_DAYS = 90


def add_years(start: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True)
class ReferralFacts:
    referral_id: str
    service: str
    statuses: tuple[str, ...]
    closed_on: date | None  # None while the case is open
    dates_of_birth: tuple[date, ...]  # of the people it is about


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: str
    registered: date | None  # may be left out when there is a last contact (it decides)
    last_contact: date | None
    referrals: tuple[ReferralFacts, ...] = ()
    youngest_birth: date | None = None  # for a referral that names nobody


@dataclass(frozen=True)
class Review:
    """One household's retention: the rule that decides it and the date it is due."""

    household_id: str
    rule: RetentionRule
    start: date
    due: date

    def is_due(self, as_of: date) -> bool:
        return self.due <= as_of


def rule_for_referral(rules: Sequence[RetentionRule], r: ReferralFacts) -> RetentionRule | None:
    candidates = [rule for rule in rules if r.service in rule.services]
    if not candidates:
        return None
    condition = ASSESSMENT if ASSESSED_STATUS in r.statuses else REFERRAL_ONLY
    exact = [rule for rule in candidates if rule.condition == condition]
    if exact:
        return exact[0]
    plain = [rule for rule in candidates if not rule.condition]
    if plain:
        return plain[0]
    return max(candidates, key=lambda rule: rule.period_years)


def _start(rule: RetentionRule, facts: HouseholdFacts, r: ReferralFacts | None) -> date | None:
    if rule.start_event is StartEvent.LAST_CONTACT:
        return facts.last_contact or facts.registered
    if rule.start_event is StartEvent.CASE_CLOSED:
        return r.closed_on if r is not None else None
    births = r.dates_of_birth if r is not None and r.dates_of_birth else (
        (facts.youngest_birth,) if facts.youngest_birth else ())
    # The youngest person's date of birth keeps the record longest.
    return max(births) if births else None


def review_of(facts: HouseholdFacts, rules: Sequence[RetentionRule]) -> Review | None:
    """When this household is due, under which rule; None when it is never due (an open case, a
    missing date, or no rule that covers it)."""
    found: list[Review] = []
    for rule in rules:
        if not rule.services:
            start = _start(rule, facts, None)
            if start is None:
                return None
            found.append(Review(facts.household_id, rule, start, add_years(start, rule.period_years)))
    for r in facts.referrals:
        covering = rule_for_referral(rules, r)
        if covering is None:
            continue
        start = _start(covering, facts, r)
        if start is None:
            return None
        found.append(Review(facts.household_id, covering, start, add_years(start, covering.period_years)))
    if not found:
        return None
    return max(found, key=lambda review: (review.due, review.rule.period_years))


@dataclass(frozen=True)
class Hold:
    """A legal hold: on one household's records or (``household_id`` None) on everything."""

    id: str
    household_id: str | None
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_by: str | None = None
    lifted_at: datetime | None = None
    reference: str = ""  # the inquiry's or case's reference (required on an organisation-wide hold)

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    @property
    def organisation_wide(self) -> bool:
        return self.household_id is None


PROFILE_HOLD_ID = "profile"


def profile_hold(hold: LegalHold) -> Hold | None:
    """The organisation-wide hold an organisation profile declares, as a hold."""
    if not hold.active:
        return None
    return Hold(PROFILE_HOLD_ID, None, " ".join(hold.reason.split()), "organisation profile",
                datetime.min)


def holds_on(household_id: str, holds: Iterable[Hold]) -> list[Hold]:
    return [h for h in holds if h.active and (h.household_id is None or h.household_id == household_id)]


@dataclass(frozen=True)
class QueueEntry:
    review: Review
    holds: tuple[Hold, ...]

    @property
    def held(self) -> bool:
        return bool(self.holds)


def review_queue(facts: Iterable[HouseholdFacts], rules: Sequence[RetentionRule], holds: Sequence[Hold],
                 as_of: date, within_days: int = 0) -> list[QueueEntry]:
    """Households due on ``as_of`` (and, with ``within_days``, in the days after), earliest first."""
    horizon = as_of + timedelta(days=within_days)
    org = tuple(h for h in holds if h.active and h.organisation_wide)
    by_household: dict[str, list[Hold]] = {}
    for h in holds:
        if h.active and h.household_id is not None:
            by_household.setdefault(h.household_id, []).append(h)
    out = []
    for f in facts:
        review = review_of(f, rules)
        if review is not None and review.due <= horizon:
            out.append(QueueEntry(review, org + tuple(by_household.get(f.household_id, ()))))
    return sorted(out, key=lambda e: (e.review.due, e.review.household_id))


def last_contact_rule(rules: Sequence[RetentionRule]) -> RetentionRule | None:
    """For a schedule whose every rule covers every household from its last contact: the rule
    that decides (the longest, the first of equals: what ``review_of`` picks from the same start);
    None for any other schedule."""
    if not rules or any(r.services or r.start_event is not StartEvent.LAST_CONTACT for r in rules):
        return None
    longest = max(r.period_years for r in rules)
    return next(r for r in rules if r.period_years == longest)


def review_by_last_contact(rows: Iterable[tuple[str, str | None, str | None]], rule: RetentionRule,
                           holds: Sequence[Hold], as_of: date, within_days: int = 0) -> list[QueueEntry]:
    """``review_queue`` for a schedule of last-contact rules (``last_contact_rule``), straight from
    ``(household id, registered, last contact)`` rows of ISO dates: the same entries, without a
    ``HouseholdFacts`` per household, and each distinct date parsed and moved on once (a store
    has a few thousand distinct dates for 100,000 households)."""
    horizon = as_of + timedelta(days=within_days)
    org = tuple(h for h in holds if h.active and h.organisation_wide)
    by_household: dict[str, tuple[Hold, ...]] = {}
    for h in holds:
        if h.active and h.household_id is not None:
            by_household[h.household_id] = (*by_household.get(h.household_id, ()), h)
    years = rule.period_years
    moved: dict[str, tuple[date, date] | None] = {}

    def dates(text: str) -> tuple[date, date] | None:
        try:
            start = date.fromisoformat(text)
        except ValueError:
            return None
        return start, add_years(start, years)

    out: list[QueueEntry] = []
    append = out.append
    for hid, registered, last in rows:
        found: tuple[date, date] | None = None
        if last:
            if last not in moved:
                moved[last] = dates(last)
            found = moved[last]
        if found is None and registered:
            if registered not in moved:
                moved[registered] = dates(registered)
            found = moved[registered]
        if found is None or found[1] > horizon:
            continue
        append(QueueEntry(Review(hid, rule, found[0], found[1]), org + by_household.get(hid, ()) if by_household
                          else org))
    out.sort(key=lambda e: (e.review.due, e.review.household_id))
    return out


@dataclass(frozen=True)
class DestructionCertificate:
    """What is left of a household destroyed at the end of its retention: no personal data."""

    id: str
    record_id: str
    category: str  # the rule's id
    rule: str  # the rule in words: "Family details and contact records: 6 years from last contact"
    start: date
    due: date
    destroyed_at: datetime
    authorised_by: str  # staff id
    authorised_by_name: str  # the staff member's username

    def as_row(self) -> list[str]:
        return [self.id, self.record_id, self.category, self.rule, self.start.isoformat(), self.due.isoformat(),
                self.destroyed_at.isoformat(timespec="seconds"), self.authorised_by, self.authorised_by_name]


CERTIFICATE_COLUMNS = ("certificate", "record_id", "category", "rule", "retention_started", "due",
                       "destroyed_at", "authorised_by", "authorised_by_username")
