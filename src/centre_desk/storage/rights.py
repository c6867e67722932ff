"""Rights records (requests, restrictions, objections, disclosures, erasures) and erasure itself.

Rights records are ordinary records (``records`` table, kinds in ``domain.rights``), so they sync
like everything else. Erasure never hard-deletes a synced record: it leaves a *tombstone*, the same
row with ``deleted = 1``, a new version and the body ``{"erased": true}`` (no personal data), which
sync carries to every device. The search index loses the words with FTS5 ``secure-delete`` on for
those statements, so they are overwritten before the erasure commits; drafts of the household go.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from centre_desk.domain.folds import FOLDED
from centre_desk.domain.household import Household
from centre_desk.domain.rights import KEPT_THROUGH_ERASURE, RIGHTS_REQUEST

from .aliases import aliases, folded_ids, mapped, resolve
from .consents import CONSENT
from .households import CHANGE, HOUSEHOLD, _body
from .models import DraftRow, RecordRow
from .referrals import REFERRAL, STATUS
from .search_index import SearchIndex

TOMBSTONE = '{"erased":true}'
KEPT_KINDS = KEPT_THROUGH_ERASURE  # see domain.rights


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class RightsRecord:
    """A rights record as read: its ``person_id`` / ``person_ids`` through the folds (a person
    entered twice and folded into one reads as the surviving person; ``storage.aliases``)."""

    __slots__ = ("body", "created_at", "created_by", "household_id", "id", "kind")

    def __init__(self, row: RecordRow, alias: Mapping[str, str] | None = None) -> None:
        self.id = row.id
        self.kind = row.kind
        self.household_id = row.household_id or ""
        self.body: dict[str, Any] = json.loads(row.body)
        if alias:
            pid = self.body.get("person_id")
            if isinstance(pid, str) and pid in alias:
                self.body["person_id"] = alias[pid]
            if isinstance(self.body.get("person_ids"), list):
                self.body["person_ids"] = mapped(self.body["person_ids"], alias)
        self.created_by = row.created_by
        self.created_at = datetime.fromisoformat(row.created_at)


class SqlRightsRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- ordinary rights records -------------------------------------------------------------------
    def add(self, kind: str, record_id: str, household_id: str | None, body: dict[str, Any], actor: str,
            at: datetime) -> None:
        stamp = at.isoformat()
        self.s.add(RecordRow(id=record_id, kind=kind, household_id=household_id, version=1, created_by=actor,
                             created_at=stamp, updated_by=actor, updated_at=stamp, deleted=False,
                             body=_dumps(body)))
        self.s.flush()

    def of_kind(self, kind: str, household_id: str | None = None) -> list[RightsRecord]:
        q = select(RecordRow).where(RecordRow.kind == kind, RecordRow.deleted.is_(False))
        if household_id is not None:
            q = q.where(RecordRow.household_id == household_id)
        rows = list(self.s.scalars(q))
        alias = aliases(self.s, household_id) if rows else {}
        return sorted((RightsRecord(r, alias) for r in rows), key=lambda r: (r.created_at, r.id))

    def household_of(self, person_id: str) -> str | None:
        """The household a person belongs to now (``people``, kept by the search index). A folded
        person's id leads to the household of the person it was folded into."""
        person_id = resolve(self.s, person_id)
        hid = self.s.execute(text("SELECT household_id FROM people WHERE person_id = :p"), {"p": person_id}).scalar()
        return str(hid) if hid else None

    def resolve_person(self, person_id: str) -> str:
        """The person an id reads as now (itself, or whom it was folded into)."""
        return resolve(self.s, person_id)

    # -- erasure -------------------------------------------------------------------------------------
    def _tombstone(self, ids: list[str], actor: str, at: datetime) -> int:
        if not ids:
            return 0
        self.s.execute(update(RecordRow).where(RecordRow.id.in_(ids)).values(
            deleted=True, body=TOMBSTONE, version=RecordRow.version + 1, updated_by=actor,
            updated_at=at.isoformat()).execution_options(synchronize_session=False))
        return len(ids)

    def _rewrite(self, row: RecordRow, body: dict[str, Any], actor: str, at: datetime) -> None:
        row.body = _dumps(body)
        row.version += 1
        row.updated_by = actor
        row.updated_at = at.isoformat()

    def _scrub_requests(self, household_id: str, person_id: str | None, actor: str, at: datetime) -> None:
        for r in self.s.scalars(select(RecordRow).where(RecordRow.household_id == household_id,
                                                        RecordRow.kind == RIGHTS_REQUEST,
                                                        RecordRow.deleted.is_(False))):
            body = json.loads(r.body)
            if (person_id is None or body.get("person_id") == person_id) and body.get("detail"):
                self._rewrite(r, {**body, "detail": ""}, actor, at)

    def drop_drafts(self, household_id: str) -> int:
        result = self.s.execute(delete(DraftRow).where(DraftRow.household_id == household_id))
        return int(getattr(result, "rowcount", 0) or 0)

    def erase_household(self, household_id: str, actor: str, at: datetime) -> dict[str, int]:
        """Tombstone every record of the household (rights requests and erasure proofs excepted),
        overwrite its search words, drop its card and drafts. Counts per kind, for the audit."""
        rows = self.s.execute(select(RecordRow.id, RecordRow.kind).where(
            RecordRow.household_id == household_id, RecordRow.deleted.is_(False))).all()
        counts: dict[str, int] = {}
        ids = []
        for rid, kind in rows:
            if kind in KEPT_KINDS:
                continue
            ids.append(rid)
            counts[kind] = counts.get(kind, 0) + 1
        self._tombstone(ids, actor, at)
        self._scrub_requests(household_id, None, actor, at)
        SearchIndex(self.s).remove(household_id)
        counts["drafts"] = self.drop_drafts(household_id)
        self.s.flush()
        return counts

    def erase_person(self, before: Household, after: Household, person_id: str, actor: str,
                     at: datetime, cleared: Sequence[str] = ()) -> dict[str, int]:
        """Take one person out of a household that stays: the household record loses them (its
        search words overwritten), and every record about them alone becomes a tombstone; records
        about them and others lose the mention; ``cleared`` household fields (her phone or email
        on the household) lose their history too (consents they gave for a child keep the decision
        but lose the signature, which is the erased adult's)."""
        hid = before.id
        counts: dict[str, int] = {}
        row = self.s.get(RecordRow, hid)
        assert row is not None and row.kind == HOUSEHOLD
        synthetic = bool(json.loads(row.body).get("synthetic"))
        row.body = _body(after, synthetic)
        row.version += 1
        row.updated_by = actor
        row.updated_at = at.isoformat()
        self.s.flush()
        SearchIndex(self.s).replace(before, after, secure=True)
        counts["household"] = 1

        tomb: list[str] = []
        # The person and every entry of them folded into this one (storage.aliases).
        ids = folded_ids(self.s, person_id, hid)
        prefixes = tuple(f"member:{p}" for p in ids)
        for r in self.s.scalars(select(RecordRow).where(RecordRow.household_id == hid, RecordRow.deleted.is_(False),
                                                        RecordRow.kind != HOUSEHOLD)):
            body = json.loads(r.body)
            if r.kind in KEPT_KINDS:
                continue
            if r.kind == FOLDED:
                if r.id in ids or body.get("folded_into") in ids:
                    tomb.append(r.id)
                continue
            if r.kind == CONSENT:
                if body.get("person_id") in ids:
                    tomb.append(r.id)
                elif body.get("given_by") in ids and body.get("signature_png"):
                    body.pop("signature_png")
                    body["signature_removed"] = "the signer's details were erased"
                    self._rewrite(r, body, actor, at)
                    counts["consent signatures"] = counts.get("consent signatures", 0) + 1
                else:
                    continue
            elif r.kind == CHANGE:
                items = body.get("changes", [])
                kept = [c for c in items if not (c["field"] in prefixes
                                                 or c["field"].startswith(tuple(p + "." for p in prefixes))
                                                 or c["field"] in cleared)]
                # Another adult's per-child answers (form v3 ``children``: child id -> answers)
                # about the erased child go from that adult's history too.
                kept, about_them = _without_answers_about(kept, ids)
                if len(kept) == len(items) and not about_them:
                    continue
                if kept:
                    self._rewrite(r, {**body, "changes": kept}, actor, at)
                    counts["change"] = counts.get("change", 0) + 1
                else:
                    tomb.append(r.id)
            elif r.kind == REFERRAL:
                people = body.get("person_ids", [])
                if not ids.intersection(people):
                    continue
                if not set(people) - ids:
                    tomb.append(r.id)
                    tomb += [s.id for s in self.s.scalars(select(RecordRow).where(
                        RecordRow.household_id == hid, RecordRow.kind == STATUS, RecordRow.deleted.is_(False),
                        text("json_extract(records.body, '$.referral_id') = :ref")).params(ref=r.id))]
                else:
                    self._rewrite(r, {**body, "person_ids": [p for p in people if p not in ids]}, actor, at)
                    counts["referral"] = counts.get("referral", 0) + 1
            elif body.get("person_id") in ids:  # restrictions, objections, attendance about this person
                tomb.append(r.id)
            elif ids.intersection(body.get("person_ids", [])):  # disclosures
                others = [p for p in body["person_ids"] if p not in ids]
                if others:  # the share stays on the log for the others
                    self._rewrite(r, {**body, "person_ids": others}, actor, at)
                    counts[r.kind] = counts.get(r.kind, 0) + 1
                else:
                    tomb.append(r.id)
        kinds = dict(self.s.execute(select(RecordRow.id, RecordRow.kind).where(RecordRow.id.in_(tomb))).all())
        for rid in set(tomb):
            counts[kinds[rid]] = counts.get(kinds[rid], 0) + 1
        self._tombstone(sorted(set(tomb)), actor, at)
        for pid in sorted(ids):
            self._scrub_requests(hid, pid, actor, at)
        counts["drafts"] = self.drop_drafts(hid)
        self.s.flush()
        return counts


def _without_answers_about(items: list[dict[str, Any]], ids: set[str]) -> tuple[list[dict[str, Any]], bool]:
    """Change items with the per-child answers about ``ids`` taken out of their old and new values
    (an item left with no difference goes); whether any was touched."""
    out: list[dict[str, Any]] = []
    touched = False
    for c in items:
        old, new = c.get("old"), c.get("new")
        if not (c["field"].endswith(".children") and (isinstance(old, dict) or isinstance(new, dict))):
            out.append(c)
            continue
        trimmed = [({k: v for k, v in x.items() if k not in ids} if isinstance(x, dict) else x) for x in (old, new)]
        if trimmed == [old, new]:
            out.append(c)
            continue
        touched = True
        if trimmed[0] != trimmed[1]:
            out.append({**c, "old": trimmed[0], "new": trimmed[1]})
    return out, touched

