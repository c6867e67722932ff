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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .household import ADULT_ROLES, Household
from .retention import add_years
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


# -- the compact facts per household, and counting them -----------------------------------------------
# One row per household, ``(household id, registered YYYY-MM-DD, district, people, person ids,
# youngest date of birth)``: its people as ``date of birth|kind|ethnicity`` joined by ``;`` (kind
# ``c`` child, ``a`` adult, empty when the role does not say), their ids in the same order. The
# device keeps these rows in ``reach_households``; the server makes them from its records. Both
# count them with ``count_reach``, so the two give the same answers for the same records.
ReachRow = tuple[str, str, str, str, str, str]


def _kind(role: object) -> str:
    return "c" if role == "child" else "a" if role in ADULT_ROLES else ""


def reach_row(h: Household, registered: date | None = None) -> ReachRow:
    """The row for one household; ``registered`` defaults to the day it was created."""
    return (h.id, (registered or h.created_at.date()).isoformat(),
            district(h.postcode) if h.postcode else NOT_RECORDED,
            ";".join(f"{m.fields.get('date_of_birth') or ''}|{_kind(m.role)}|{m.fields.get('ethnicity') or ''}"
                     for m in h.members),
            ";".join(m.id for m in h.members),
            max((str(m.fields.get("date_of_birth") or "") for m in h.members), default=""))


def count_reach(rows: Iterable[ReachRow], contacts: Iterable[tuple[str, str, str]], start: date | None, end: date,
                under: int, left_out: Iterable[str]) -> ReachCounts:
    """People and households reached in ``start``..``end`` (registered by its end; registered or
    contacted in it) and their contacts in it (``(household id, date, type)``), leaving out the
    person ids in ``left_out``. Age bands are ranges of dates of birth worked out from the
    period's end (ISO dates compare as text).

    Each group's people texts are joined and counted at once (``Counter`` over a list runs in
    C); a band is worked out once per distinct ``date of birth|kind``. Per-person work in Python
    only when someone is left out."""
    lo, hi = (start.isoformat() if start else ""), end.isoformat()
    dated = [(hid, on, kind) for hid, on, kind in contacts if lo <= on <= hi]
    seen = {hid for hid, _, _ in dated}
    u, c12, c18 = (add_years(end, -years).isoformat() for years in (under, 12, 18))
    skip = set(left_out)
    groups: dict[tuple[str, str, bool], list[str]] = {}
    homes: Counter[tuple[str, str, bool, bool]] = Counter()
    reached: set[str] = set()
    for hid, registered, where, text_, pids, youngest in rows:
        if registered > hi or not text_:
            continue
        registered_in = registered >= lo
        if not registered_in and hid not in seen:
            continue
        if skip:
            kept = [p for p, i in zip(text_.split(";"), pids.split(";"), strict=True) if i not in skip]
            if not kept:
                continue
            text_ = ";".join(kept)
            youngest = max(p.partition("|")[0] for p in kept)
        key = (where, registered[:7], registered_in)
        texts = groups.get(key)
        if texts is None:
            texts = groups[key] = []
        texts.append(text_)
        reached.add(hid)
        homes[where, key[1], registered_in, youngest > u] += 1
    bands: dict[str, int] = {}
    people: list[tuple[str, str, bool, str | None, int, int]] = []
    for (where, month, registered_in), texts in groups.items():
        by_band: Counter[tuple[str, int]] = Counter()
        for person, n in Counter(";".join(texts).split(";")).items():
            head, _, eth = person.rpartition("|")
            band = bands.get(head)
            if band is None:
                band = bands[head] = _band(head, u, c12, c18)
            by_band[eth, band] += n
        people += [(where, month, registered_in, eth or None, band, n) for (eth, band), n in by_band.items()]
    attendance: Counter[tuple[str, str]] = Counter()
    for hid, on, kind in dated:
        if hid in reached:
            attendance[on[:7], kind] += 1
    return ReachCounts(people=people, households=[(*k, n) for k, n in homes.items()],
                       attendance=[(*k, n) for k, n in attendance.items()])


def _band(head: str, u: str, c12: str, c18: str) -> int:
    """``head`` is ``date of birth|kind``."""
    dob, _, kind = head.partition("|")
    if not dob:
        return 3 if kind == "a" else 4
    if dob > u:
        return 0
    if dob > c12:
        return 1
    if dob > c18:
        return 2
    return 3


def consenting(decisions: Iterable[tuple[str, str, Mapping[str, Any]]], purpose_id: str) -> set[tuple[str, str]]:
    """(household, person) pairs whose latest decision for ``purpose_id`` (not a partner's) is to
    consent, from ``(household id, recorded at, consent body)``."""
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    for hid, at, b in decisions:
        if b.get("purpose_id") != purpose_id or b.get("partner_id"):
            continue
        key = (hid, str(b["person_id"]))
        if key not in latest or latest[key][0] <= at:
            latest[key] = (at, str(b["decision"]))
    return {k for k, (_, decision) in latest.items() if decision == "given"}


def reach_csv_rows(report: ReachReport) -> list[list[str]]:
    """One row per published cell: table, row heading, row, column, value (``<5``, ``*`` or a count)."""
    rows: list[list[str]] = []
    for t in report.tables:
        header = t.header()
        for line in t.lines():
            rows += [[t.table.title, line[0], header[i], cell] for i, cell in enumerate(line[1:], start=1)]
    return rows


REACH_CSV_COLUMNS = ("table", "row", "column", "value")


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
