"""Referrals (kind ``referral``) and their append-only status events (kind ``referral-status``)."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from centre_desk.domain.referral import Referral, StatusEvent

from .aliases import aliases, mapped
from .models import RecordRow
from .search_index import SearchIndex

REFERRAL = "referral"
STATUS = "referral-status"


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class SqlReferralRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, r: Referral) -> None:
        at = r.recorded_at.isoformat()
        self.s.add(RecordRow(id=r.id, kind=REFERRAL, household_id=r.household_id, version=1,
                             created_by=r.recorded_by, created_at=at, updated_by=r.recorded_by, updated_at=at,
                             form_id="referral", form_version=r.form_version, deleted=False,
                             body=_dumps({"fields": dict(r.fields), "person_ids": list(r.person_ids)})))
        self.s.flush()
        if r.safeguarding_concern:
            # The flag never clears: a concern stays on the household through every status step.
            SearchIndex(self.s).flag(r.household_id)

    def add_event(self, household_id: str, e: StatusEvent) -> None:
        at = e.recorded_at.isoformat()
        self.s.add(RecordRow(id=e.id, kind=STATUS, household_id=household_id, version=1,
                             created_by=e.recorded_by, created_at=at, updated_by=e.recorded_by, updated_at=at,
                             deleted=False, body=_dumps({"referral_id": e.referral_id, "status": e.status,
                                                         "date": e.on.isoformat(), "note": e.note})))
        self.s.flush()

    def for_household(self, household_id: str) -> list[Referral]:
        rows = self.s.scalars(select(RecordRow).where(
            RecordRow.household_id == household_id, RecordRow.kind.in_((REFERRAL, STATUS)),
            RecordRow.deleted.is_(False)))
        referrals, events = [], []
        for row in rows:
            body = json.loads(row.body)
            if row.kind == REFERRAL:
                referrals.append((row, body))
            else:
                events.append(StatusEvent(row.id, body["referral_id"], body["status"], date.fromisoformat(body["date"]),
                                          row.created_by, datetime.fromisoformat(row.created_at), body.get("note", "")))
        events.sort(key=lambda e: (e.on, e.recorded_at, e.id))
        alias = aliases(self.s, household_id)  # people folded into another read as that person
        out = [
            Referral(row.id, household_id, tuple(mapped(body.get("person_ids", []), alias)), body["fields"],
                     row.form_version or 1,
                     row.created_by, datetime.fromisoformat(row.created_at),
                     tuple(e for e in events if e.referral_id == row.id))
            for row, body in referrals
        ]
        return sorted(out, key=lambda r: (r.recorded_at, r.id), reverse=True)

    def get(self, referral_id: str) -> Referral | None:
        row = self.s.get(RecordRow, referral_id)
        if row is None or row.kind != REFERRAL or row.deleted or row.household_id is None:
            return None
        return next((r for r in self.for_household(row.household_id) if r.id == referral_id), None)
