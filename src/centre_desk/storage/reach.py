"""Reach facts (revision 0009_retention): a small row per household and per person that the reach
statistics count with SQL instead of parsing every household document.

``reach_households``: registration date and postcode district; ``reach_people``: date of birth,
adult/child from the role, and the ethnicity choice. No names, no full postcode. They follow the
search card's life exactly (``SearchIndex`` calls ``put`` / ``drop`` wherever it writes or removes
a card: saves, imports, demo data, erasure, sync refresh, rebuild), so they never disagree with the
records for longer than a transaction.

Counting: the people of the households reached in a period, grouped in SQL by district, month
registered, ethnicity and age band (age bands are date-of-birth ranges worked out from the
period's end), so at 100,000 households Python sees a few hundred grouped rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from centre_desk.domain.household import ADULT_ROLES, Household
from centre_desk.domain.retention import add_years
from centre_desk.domain.statistics import NOT_RECORDED, ReachCounts, district


def _kind(role: object) -> str:
    return "c" if role == "child" else "a" if role in ADULT_ROLES else ""


class ReachRows:
    def __init__(self, session: Session | Connection) -> None:
        self.s = session

    def put(self, households: Sequence[Household], registered: dict[str, date] | None = None) -> None:
        """Write (or rewrite) the rows of these households; ``registered`` overrides a household's
        ``created_at`` (an update passes the stored one)."""
        if not households:
            return
        ids = json.dumps([h.id for h in households])
        self.s.execute(text("DELETE FROM reach_people WHERE household_id IN (SELECT value FROM json_each(:ids))"),
                       {"ids": ids})
        self.s.execute(text("DELETE FROM reach_households WHERE household_id IN (SELECT value FROM json_each(:ids))"),
                       {"ids": ids})
        homes, people = [], []
        for h in households:
            when = (registered or {}).get(h.id) or h.created_at.date()
            homes.append({"h": h.id, "r": when.isoformat(), "d": district(h.postcode) if h.postcode else NOT_RECORDED})
            people += [{"h": h.id, "p": m.id, "b": m.fields.get("date_of_birth") or None, "k": _kind(m.role),
                        "e": m.fields.get("ethnicity") or None} for m in h.members]
        self.s.execute(text("INSERT INTO reach_households(household_id, registered, district) VALUES (:h, :r, :d)"),
                       homes)
        if people:
            self.s.execute(text("INSERT INTO reach_people(household_id, person_id, date_of_birth, kind, ethnicity) "
                                "VALUES (:h, :p, :b, :k, :e)"), people)

    def drop(self, household_id: str) -> None:
        self.s.execute(text("DELETE FROM reach_people WHERE household_id = :h"), {"h": household_id})
        self.s.execute(text("DELETE FROM reach_households WHERE household_id = :h"), {"h": household_id})

    def clear(self) -> None:
        self.s.execute(text("DELETE FROM reach_people"))
        self.s.execute(text("DELETE FROM reach_households"))

    def counts(self, start: date | None, end: date, under: int, contacted: Iterable[str],
               left_out: Iterable[str]) -> ReachCounts:
        """People and households reached in ``start``..``end`` (registered by its end; registered
        or contacted in it), leaving out the people ids in ``left_out``."""
        params = {
            "start": start.isoformat() if start else "", "end": end.isoformat(),
            "u": add_years(end, -under).isoformat(), "c12": add_years(end, -12).isoformat(),
            "c18": add_years(end, -18).isoformat(),
            "contacted": json.dumps(sorted(set(contacted))), "left_out": json.dumps(sorted(set(left_out))),
        }
        people = (
            "WITH reached AS MATERIALIZED (SELECT household_id, district, substr(registered, 1, 7) AS month, "
            " registered >= :start AS reg_in FROM reach_households WHERE registered <= :end AND "
            " (registered >= :start OR household_id IN (SELECT value FROM json_each(:contacted)))), "
            "people AS (SELECT r.household_id, r.district, r.month, r.reg_in, p.ethnicity, "
            " CASE WHEN p.date_of_birth IS NULL THEN (CASE WHEN p.kind = 'a' THEN 3 ELSE 4 END) "
            "  WHEN p.date_of_birth > :u THEN 0 WHEN p.date_of_birth > :c12 THEN 1 "
            "  WHEN p.date_of_birth > :c18 THEN 2 ELSE 3 END AS band "
            " FROM reached r JOIN reach_people p ON p.household_id = r.household_id "
            " WHERE p.person_id NOT IN (SELECT value FROM json_each(:left_out))) "
        )
        grouped = self.s.execute(text(
            people + "SELECT district, month, reg_in, ethnicity, band, count(*) FROM people "
            "GROUP BY district, month, reg_in, ethnicity, band"), params).all()
        homes = self.s.execute(text(
            people + "SELECT household_id, district, month, reg_in, max(band = 0) FROM people GROUP BY household_id"),
            params).all()
        return ReachCounts(
            people=[(d, m, bool(reg), e, int(b), int(n)) for d, m, reg, e, b, n in grouped],
            households=[(h, d, m, bool(reg), bool(young)) for h, d, m, reg, young in homes],
        )
