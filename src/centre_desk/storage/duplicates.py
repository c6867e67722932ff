"""Pairs of people a manager said are not the same (kind ``duplicate-dismissal``).

Ordinary records, so sync carries them like any other: a pair dismissed on one laptop is not
offered again on another. The body holds the two person ids (in ``pair_key`` order) and their
households' ids at the time; no name or other personal value.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from centre_desk.domain.duplicates import pair_key
from centre_desk.domain.ids import uuid7

from .aliases import aliases
from .models import RecordRow

DISMISSAL = "duplicate-dismissal"


class SqlDismissalRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def all(self) -> set[tuple[str, str]]:
        rows = self.s.scalars(select(RecordRow.body).where(RecordRow.kind == DISMISSAL,
                                                           RecordRow.deleted.is_(False)))
        out: set[tuple[str, str]] = set()
        pairs = [json.loads(body)["person_ids"] for body in rows]
        alias = aliases(self.s) if pairs else {}
        for a, b in pairs:
            out.add(pair_key(a, b))
            # A pair dismissed before one of them was folded stays dismissed for whom it reads as.
            a2, b2 = alias.get(a, a), alias.get(b, b)
            if a2 != b2:
                out.add(pair_key(a2, b2))
        return out

    def dismiss(self, a: str, b: str, household_ids: tuple[str, str], actor: str, at: datetime) -> bool:
        """Remember the pair; False when it was already remembered (nothing written)."""
        key = pair_key(a, b)
        if key in self.all():
            return False
        households = household_ids if key[0] == a else (household_ids[1], household_ids[0])
        stamp = at.isoformat()
        self.s.add(RecordRow(id=uuid7(), kind=DISMISSAL, household_id=None, version=1, created_by=actor,
                             created_at=stamp, updated_by=actor, updated_at=stamp, deleted=False,
                             body=json.dumps({"person_ids": list(key), "household_ids": list(households)},
                                             sort_keys=True)))
        self.s.flush()
        return True
