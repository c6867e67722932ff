"""Folded people: one person recorded twice, the second entry folded into the first.

A fold (``services.duplicates.fold_person``) writes one record of kind ``person-folded`` whose id
is the folded person's id and whose body is only ``{"folded_into": <surviving person id>}``, under
the surviving household (so a later merge moves it, an erasure of the household takes it, and sync
carries it like any other record). Records that name the folded id (consents, referrals,
attendance, rights records, disclosures) are never rewritten: every reader maps their person ids
through :func:`aliases` (or :func:`resolve` for one id), so they read as the surviving person.

Chains are followed (A folded into B, later B into C: A reads as C), up to ``MAX_HOPS``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from centre_desk.domain.folds import FOLDED, MAX_HOPS, aliases_of

from .models import RecordRow


def aliases(session: Session, household_id: str | None = None) -> dict[str, str]:
    """Folded person id -> the person it reads as now, for one household (or the whole store).

    Indexed (``ix_records_household`` / ``ix_records_kind``); a store has few folds."""
    if household_id is None:
        rows = session.execute(text("SELECT id, body FROM records WHERE kind = :k AND deleted = 0"), {"k": FOLDED})
    else:
        rows = session.execute(text("SELECT id, body FROM records WHERE household_id = :h AND kind = :k "
                                    "AND deleted = 0"), {"h": household_id, "k": FOLDED})
    direct = {str(rid): str(json.loads(body)["folded_into"]) for rid, body in rows}
    if household_id is not None and direct:
        # A chain may pass through a fold recorded before a merge moved it: look those up too.
        for target in set(direct.values()) - set(direct):
            row = session.get(RecordRow, target)
            if row is not None and row.kind == FOLDED and not row.deleted:
                direct[target] = str(json.loads(row.body)["folded_into"])
    return aliases_of(direct)


def resolve(session: Session, person_id: str) -> str:
    """The person this id reads as now: itself, or the person it was folded into (every hop)."""
    current = person_id
    for _ in range(MAX_HOPS):
        row = session.get(RecordRow, current)
        if row is None or row.kind != FOLDED or row.deleted:
            return current
        current = str(json.loads(row.body)["folded_into"])
    return current


def folded_into(session: Session, person_id: str) -> str | None:
    """The surviving person when ``person_id`` was folded, else None."""
    target = resolve(session, person_id)
    return None if target == person_id else target


def mapped(ids: Iterable[str], alias: Mapping[str, str]) -> list[str]:
    """Person ids through the aliases, each once, in their first order."""
    return list(dict.fromkeys(alias.get(p, p) for p in ids))


def add_fold(session: Session, folded_id: str, into_id: str, household_id: str, actor: str, at: datetime) -> None:
    stamp = at.isoformat()
    session.add(RecordRow(id=folded_id, kind=FOLDED, household_id=household_id, version=1, created_by=actor,
                          created_at=stamp, updated_by=actor, updated_at=stamp, deleted=False,
                          body=json.dumps({"folded_into": into_id}, sort_keys=True)))
    session.flush()


def folded_ids(session: Session, person_id: str, household_id: str) -> set[str]:
    """Every id that reads as ``person_id`` in this household (itself included)."""
    return {person_id} | {p for p, to in aliases(session, household_id).items() if to == person_id}
