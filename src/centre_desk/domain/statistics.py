"""Reach statistics: who the centres reach, as counts that identify nobody.

Counted over a period ``start``..``end``: a household is *reached* when it was registered by the
end of the period and was registered or had a contact during it. People are counted in the
households reached, by age on the last day of the period (the store groups them: see
``storage/reach.py``). Contacts (attendance) are those dated in the period. People left out
(restricted, or without consent where the purpose needs it) are not counted at all; a household
all of whose people are left out is left out with its contacts.

Output is only ever counts by ethnic group (the census's high-level groups, not the 19 detailed
ones: fewer, bigger cells), age band, postcode district (the part before the space, never the
full postcode), month, and contact type; every table goes through ``suppression.publish``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .suppression import CrossTab, PublishedTable, publish, publish_linked

NOT_RECORDED = "Not recorded"
PREFER_NOT = "Prefer not to say"
CONTACT_TYPE_NAMES = {"session": "Session", "phone-call": "Phone call", "home-visit": "Home visit",
                      "drop-in": "Drop-in"}


@dataclass(frozen=True)
class ReachCounts:
    """What the store counted for a period (``storage/reach.py``), before any table is made."""

    # (district, month registered, registered in the period, ethnicity choice or None, age band, people)
    people: list[tuple[str, str, bool, str | None, int, int]]
    # (district, month registered, registered in the period, has a child under the limit, households)
    households: list[tuple[str, str, bool, bool, int]]
    # (month, contact type, contacts) of the households reached, dated in the period
    attendance: list[tuple[str, str, int]]


@dataclass(frozen=True)
class ReachReport:
    start: date | None
    end: date
    tables: tuple[PublishedTable, ...]
    households: PublishedTable  # also in ``tables``; the headline the window and PDF chart first


def age_bands(under: int) -> tuple[str, ...]:
    return (f"Under {under}", f"{under}\u201311", "12\u201317", "18 and over", "Age not recorded")


def district(postcode: str) -> str:
    """The outward code (``BS23`` of ``BS23 1AA``): a district of thousands of homes."""
    parts = postcode.strip().upper().split()
    if len(parts) == 2:
        return parts[0]
    compact = "".join(parts)
    return compact[:-3] if len(compact) > 4 else NOT_RECORDED


def _table(title: str, heading: str, rows: Sequence[str], columns: Sequence[str],
           counts: Mapping[tuple[str, int], int]) -> CrossTab:
    return CrossTab(title, heading, tuple(rows), tuple(columns),
                    tuple(tuple(counts.get((r, c), 0) for c in range(len(columns))) for r in rows))


def reach_report(counts: ReachCounts, start: date | None, end: date, *, ethnic_groups: Mapping[str, str],
                 under: int = 5) -> ReachReport:
    """The published tables. ``ethnic_groups``: choice value → high-level census group."""
    bands = age_bands(under)
    by_ethnicity: Counter[tuple[str, int]] = Counter()
    by_district: Counter[tuple[str, int]] = Counter()
    by_month: Counter[tuple[str, int]] = Counter()
    for where, month, registered_in, eth, band, n in counts.people:
        group = PREFER_NOT if eth == "prefer-not-to-say" else ethnic_groups.get(str(eth), NOT_RECORDED)
        by_ethnicity[group, band] += n
        by_district[where, band] += n
        if registered_in:
            by_month[month, band] += n
    homes_district: Counter[tuple[str, int]] = Counter()
    homes_month: Counter[tuple[str, int]] = Counter()
    for where, month, registered_in, young, n in counts.households:
        col = 0 if young else 1
        homes_district[where, col] += n
        if registered_in:
            homes_month[month, col] += n
    attendance: Counter[tuple[str, int]] = Counter()
    kinds = list(CONTACT_TYPE_NAMES)
    for month, kind, n in counts.attendance:
        if kind in CONTACT_TYPE_NAMES:
            attendance[month, kinds.index(kind)] += n

    group_order = [*dict.fromkeys(ethnic_groups.values()), PREFER_NOT, NOT_RECORDED]
    districts = sorted({d for d, _ in by_district}, key=lambda d: (d == NOT_RECORDED, d))
    months = sorted({m for m, _ in by_month} | {m for m, _ in homes_month})
    home_cols = (f"With a child under {under}", "Other households")
    people_tables = publish_linked([
        _table("People reached by ethnic group and age", "Ethnic group", group_order, bands, by_ethnicity),
        _table("People reached by postcode district and age", "Postcode district", districts, bands, by_district),
    ])
    registered_people = publish(
        _table("People registered by month and age", "Month registered", months, bands, by_month))
    home_tables = publish_linked([
        _table("Households reached by postcode district", "Postcode district",
               sorted({d for d, _ in homes_district}, key=lambda d: (d == NOT_RECORDED, d)), home_cols,
               homes_district),
    ])
    registered_homes = publish(_table("Households registered by month", "Month registered", months, home_cols,
                                      homes_month))
    contact_months = sorted({m for m, _ in attendance})
    attendance_table = publish(_table("Attendance (contacts) by month and type", "Month", contact_months,
                                      [CONTACT_TYPE_NAMES[k] for k in kinds], attendance))
    tables = (*home_tables, registered_homes, *people_tables, registered_people, attendance_table)
    return ReachReport(start, end, tables, home_tables[0])
