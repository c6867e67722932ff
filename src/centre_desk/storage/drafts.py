"""Drafts in the ``drafts`` table (revision 0002): one row per unfinished form, replaced as it is typed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from centre_desk.domain.drafts import Draft

from .models import DraftRow


def _draft(row: DraftRow) -> Draft:
    body: dict[str, Any] = json.loads(row.body)
    return Draft(
        id=row.id,
        kind=row.kind,
        form_id=row.form_id,
        form_version=row.form_version,
        household_id=row.household_id,
        staff_id=row.staff_id,
        updated_at=datetime.fromisoformat(row.updated_at),
        data=body.get("data", {}),
        base_version=body.get("base_version"),
        base=body.get("base"),
    )


class SqlDraftRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def put(self, draft: Draft) -> None:
        """Insert the draft, or replace the one with the same id."""
        body = json.dumps({"data": dict(draft.data), "base_version": draft.base_version,
                           "base": dict(draft.base) if draft.base is not None else None},
                          ensure_ascii=False, separators=(",", ":"))
        row = self.s.get(DraftRow, draft.id)
        if row is None:
            row = DraftRow(id=draft.id)
            self.s.add(row)
        row.kind = draft.kind
        row.form_id = draft.form_id
        row.form_version = draft.form_version
        row.household_id = draft.household_id
        row.staff_id = draft.staff_id
        row.updated_at = draft.updated_at.isoformat()
        row.body = body
        self.s.flush()

    def get(self, draft_id: str) -> Draft | None:
        row = self.s.get(DraftRow, draft_id)
        return _draft(row) if row is not None else None

    def for_staff(self, staff_id: str) -> list[Draft]:
        rows = self.s.scalars(
            select(DraftRow).where(DraftRow.staff_id == staff_id).order_by(DraftRow.updated_at.desc())
        )
        return [_draft(r) for r in rows]

    def delete(self, draft_id: str) -> bool:
        result = self.s.execute(delete(DraftRow).where(DraftRow.id == draft_id))
        self.s.flush()
        return bool(getattr(result, "rowcount", 0))
