"""Retention and reach statistics over the records.

Legal holds (kind ``retention-hold``) and destruction certificates (kind
``destruction-certificate``) are ordinary records, so sync carries them like any other. A hold on
one household has that ``household_id``; an organisation-wide hold and every certificate have
none, so erasing a household (which deletes by ``household_id``) never takes its certificate with it.

The facts the review and the statistics need are read with one raw statement each, straight from
the driver: at 100,000 households SQLAlchemy's result machinery would cost more than the reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from centre_desk.domain.retention import DestructionCertificate, Hold, HouseholdFacts, ReferralFacts
from centre_desk.domain.statistics import ReachCounts, consenting

from .aliases import aliases, mapped
from .models import RecordRow
from .reach import ReachRows

HOLD = "retention-hold"
CERTIFICATE = "destruction-certificate"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _hold(row: RecordRow) -> Hold:
    b = json.loads(row.body)
    return Hold(row.id, b.get("household_id"), b.get("reason", ""), row.created_by,
                datetime.fromisoformat(row.created_at), b.get("lifted_by"),
                datetime.fromisoformat(b["lifted_at"]) if b.get("lifted_at") else None, b.get("reference", ""))


def _certificate(row: RecordRow) -> DestructionCertificate:
    b = json.loads(row.body)
    return DestructionCertificate(row.id, b["record_id"], b["category"], b["rule"], date.fromisoformat(b["start"]),
                                  date.fromisoformat(b["due"]), datetime.fromisoformat(b["destroyed_at"]),
                                  row.created_by, b.get("authorised_by_name", ""))


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class SqlRetentionRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _raw(self) -> Any:
        raw = self.s.connection().connection.dbapi_connection
        assert raw is not None
        return raw

    # -- holds ------------------------------------------------------------------------------------
    def add_hold(self, hold: Hold) -> None:
        at = hold.placed_at.isoformat()
        body = {"household_id": hold.household_id, "reason": hold.reason}
        if hold.reference:
            body["reference"] = hold.reference
        self.s.add(RecordRow(id=hold.id, kind=HOLD, household_id=hold.household_id, version=1,
                             created_by=hold.placed_by, created_at=at, updated_by=hold.placed_by, updated_at=at,
                             deleted=False, body=_dumps(body)))
        self.s.flush()

    def lift_hold(self, hold_id: str, by: str, at: datetime) -> None:
        row = self.s.get(RecordRow, hold_id)
        if row is None or row.kind != HOLD:
            return
        body = json.loads(row.body)
        body.update(lifted_by=by, lifted_at=at.isoformat())
        row.body = _dumps(body)
        row.version += 1
        row.updated_by = by
        row.updated_at = at.isoformat()
        self.s.flush()

    def holds(self) -> list[Hold]:
        rows = self.s.scalars(select(RecordRow).where(RecordRow.kind == HOLD, RecordRow.deleted.is_(False)))
        return sorted((_hold(r) for r in rows), key=lambda h: (h.placed_at, h.id))

    # -- certificates --------------------------------------------------------------------------------
    def add_certificate(self, c: DestructionCertificate) -> None:
        at = c.destroyed_at.isoformat()
        body = {"record_id": c.record_id, "category": c.category, "rule": c.rule, "start": c.start.isoformat(),
                "due": c.due.isoformat(), "destroyed_at": at, "authorised_by_name": c.authorised_by_name}
        self.s.add(RecordRow(id=c.id, kind=CERTIFICATE, household_id=None, version=1, created_by=c.authorised_by,
                             created_at=at, updated_by=c.authorised_by, updated_at=at, deleted=False,
                             body=_dumps(body)))
        self.s.flush()

    def certificates(self) -> list[DestructionCertificate]:
        rows = self.s.scalars(select(RecordRow).where(RecordRow.kind == CERTIFICATE, RecordRow.deleted.is_(False)))
        return sorted((_certificate(r) for r in rows), key=lambda c: (c.destroyed_at, c.id))

    # -- facts for the review ----------------------------------------------------------------------
    def household_facts(self, *, contacted_by: date | None = None, with_referrals: bool = True) -> list[HouseholdFacts]:
        """Registration date and last contact of every household (from its search card).

        ``contacted_by``: only households whose last contact (or, with none, registration) is on
        or before that date (the index on ``household_cards.last_contact`` answers it), for a
        schedule whose only rule counts from the last contact. ``with_referrals``: also read each
        household's referrals and the dates of birth the date-of-birth rules need."""
        rows = self.household_dates(contacted_by=contacted_by)
        referrals: dict[str, list[ReferralFacts]] = {}
        births: dict[str, date | None] = {}
        if with_referrals:
            referrals, births = self._referral_facts()
        out = []
        for hid, registered, last in rows:
            out.append(HouseholdFacts(hid, _date(registered), _date(last),
                                      tuple(referrals.get(hid, ())), births.get(hid)))
        return out

    def household_dates(self, *, contacted_by: date | None = None) -> list[tuple[str, str | None, str | None]]:
        """``(household id, registered, last contact)`` as ISO text, straight from the driver:
        every household, or with ``contacted_by`` only those whose last contact (none: whose
        registration) is on or before it."""
        # The registration date from the reach row: joining the records would read every
        # household document's pages.
        sql = ("SELECT c.household_id, h.registered, c.last_contact FROM household_cards c "
               "JOIN reach_households h ON h.household_id = c.household_id")
        params: tuple[str, ...] = ()
        if contacted_by is not None:
            cut = contacted_by.isoformat()
            # Households with a contact need no registration date (the contact decides), so that
            # half reads only the covering index (last_contact, household_id).
            sql = ("SELECT household_id, NULL, last_contact FROM household_cards WHERE last_contact <= ? "
                   f"UNION ALL {sql} WHERE c.last_contact IS NULL AND h.registered <= ?")
            params = (cut, cut)
        return list(self._raw().execute(sql, params).fetchall())

    def _referral_facts(self) -> tuple[dict[str, list[ReferralFacts]], dict[str, date | None]]:
        raw = self._raw()
        steps: dict[str, list[tuple[str, str]]] = {}
        for (body,) in raw.execute("SELECT body FROM records WHERE kind = 'referral-status' AND deleted = 0"):
            b = json.loads(body)
            steps.setdefault(b["referral_id"], []).append((b["date"], b["status"]))
        referral_rows = raw.execute("SELECT id, household_id, body FROM records WHERE kind = 'referral' "
                                    "AND deleted = 0").fetchall()
        households = {hid for _, hid, _ in referral_rows}
        # Dates of birth from the reach rows (``date of birth|kind|ethnicity`` per person, ids
        # beside them): no household document is read or parsed.
        people: dict[str, dict[str, date | None]] = {hid: {} for hid in households}
        if households:
            for hid, text_, pids in raw.execute("SELECT household_id, people, person_ids FROM reach_households"):
                if hid in people and text_:
                    people[hid] = {pid: _date(p.partition("|")[0])
                                   for p, pid in zip(text_.split(";"), pids.split(";"), strict=True)}
        births = {hid: max((d for d in dobs.values() if d), default=None) for hid, dobs in people.items()}
        alias = aliases(self.s) if referral_rows else {}
        out: dict[str, list[ReferralFacts]] = {}
        for rid, hid, body in referral_rows:
            b = json.loads(body)
            events = sorted(steps.get(rid, []))
            closed = next((_date(d) for d, status in events if status == "closed"), None)
            dobs = tuple(d for p in mapped(b.get("person_ids", []), alias) if (d := people.get(hid, {}).get(p)))
            out.setdefault(hid, []).append(ReferralFacts(rid, str(b.get("fields", {}).get("service", "")),
                                                         tuple(s for _, s in events), closed, dobs))
        return out, births

    # -- facts for reach statistics -------------------------------------------------------------------
    def reach_counts(self, start: date | None, end: date, under: int, left_out: Iterable[str]) -> ReachCounts:
        return ReachRows(self.s).counts(start, end, under, left_out)

    def reach_people(self) -> list[tuple[str, str]]:
        """(household id, person id) of everyone the statistics could count."""
        return ReachRows(self.s).everyone()

    def consented(self, purpose_id: str) -> set[tuple[str, str]]:
        """(household, person) pairs whose latest decision for ``purpose_id`` is to consent."""
        alias = aliases(self.s)  # a person folded into another: the newest decision of either counts
        return consenting(((hid, at, _as_survivor(json.loads(body), alias)) for hid, at, body in self.s.execute(text(
            "SELECT household_id, created_at, body FROM records WHERE kind = 'consent' AND deleted = 0"))),
            purpose_id)


def _as_survivor(body: dict[str, Any], alias: Mapping[str, str]) -> dict[str, Any]:
    """A consent as the person it now belongs to (a folded person's decisions are the survivor's)."""
    person = body.get("person_id")
    return {**body, "person_id": alias.get(person, person)} if isinstance(person, str) and person in alias else body
