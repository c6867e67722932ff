"""Consent events as append-only records (kind ``consent``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre_desk.domain.consent import ConsentEvent, Decision, Method

from .aliases import aliases
from .models import RecordRow

CONSENT = "consent"


def _event(row: RecordRow, alias: Mapping[str, str]) -> ConsentEvent:
    """The event as stored, its person and signer read through the folds (``storage.aliases``):
    the decision, its date, notice version and signer are the record's own."""
    b = json.loads(row.body)
    sig = b.get("signature_png")
    person = b["person_id"]
    given_by = b.get("given_by")
    return ConsentEvent(
        id=row.id, household_id=row.household_id or "", person_id=alias.get(person, person),
        purpose_id=b["purpose_id"],
        partner_id=b.get("partner_id"), decision=Decision(b["decision"]), method=Method(b["method"]),
        recorded_by=row.created_by, recorded_at=datetime.fromisoformat(row.created_at),
        notice_version=b.get("notice_version", ""), given_by=alias.get(given_by, given_by) if given_by else None,
        signature_png=base64.b64decode(sig) if sig else None, note=b.get("note", ""),
        recorded_for=person if person in alias else None,
    )


class SqlConsentRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, e: ConsentEvent) -> None:
        body: dict[str, Any] = {
            "person_id": e.person_id, "purpose_id": e.purpose_id, "partner_id": e.partner_id,
            "decision": e.decision.value, "method": e.method.value, "notice_version": e.notice_version,
            "given_by": e.given_by, "note": e.note,
        }
        if e.signature_png:
            body["signature_png"] = base64.b64encode(e.signature_png).decode("ascii")
        at = e.recorded_at.isoformat()
        self.s.add(RecordRow(id=e.id, kind=CONSENT, household_id=e.household_id, version=1,
                             created_by=e.recorded_by, created_at=at, updated_by=e.recorded_by, updated_at=at,
                             deleted=False, body=json.dumps(body, ensure_ascii=False, sort_keys=True)))
        self.s.flush()

    def for_household(self, household_id: str) -> list[ConsentEvent]:
        rows = self.s.scalars(select(RecordRow).where(
            RecordRow.kind == CONSENT, RecordRow.household_id == household_id, RecordRow.deleted.is_(False)))
        alias = aliases(self.s, household_id)
        return sorted((_event(r, alias) for r in rows), key=lambda e: (e.recorded_at, e.id))

    def for_purpose(self, purpose_id: str) -> list[ConsentEvent]:
        rows = self.s.scalars(select(RecordRow).where(
            RecordRow.kind == CONSENT, RecordRow.deleted.is_(False),
            func.json_extract(RecordRow.body, "$.purpose_id") == purpose_id))
        alias = aliases(self.s)
        return sorted((_event(r, alias) for r in rows), key=lambda e: (e.recorded_at, e.id))
