"""Households, their change history and contacts as records, plus the FTS5 search index.

Every write keeps the search index in step inside the same transaction, so a crash can never
leave a household that search cannot find, or search entries for one that is gone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from centre_desk.domain.errors import Conflict, NotFound
from centre_desk.domain.household import (
    FieldChange,
    Household,
    Member,
    SearchHit,
    query_terms,
    search_terms,
)
from centre_desk.domain.ids import uuid7
from centre_desk.domain.text import fold, normalise_postcode

from .models import RecordRow
from .referrals import SqlReferralRepository

HOUSEHOLD = "household"
CHANGE = "change"
CONTACT = "contact"
SEARCH_LIMIT_ROWS = 400


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _body(h: Household, synthetic: bool) -> str:
    body: dict[str, Any] = {
        "fields": dict(h.fields),
        "members": [{"id": m.id, "fields": dict(m.fields)} for m in h.members],
    }
    if synthetic:
        body["synthetic"] = True
    return _dumps(body)


def _household(row: RecordRow, last_contact: date | None, flagged: bool) -> Household:
    body = json.loads(row.body)
    members = tuple(Member(m["id"], m["fields"]) for m in body.get("members", []))
    return Household(
        id=row.id,
        version=row.version,
        fields=body.get("fields", {}),
        members=members,
        form_id=row.form_id or "membership",
        form_version=row.form_version or 1,
        created_at=datetime.fromisoformat(row.created_at),
        updated_at=datetime.fromisoformat(row.updated_at),
        last_contact=last_contact,
        safeguarding_concern=flagged,
    )


def fts_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every word as a prefix; a spaced postcode or phone number is
    also tried with its parts joined, because both forms are indexed."""
    words = query_terms(query)
    if not words:
        return None
    quoted = " ".join(f'"{w.replace(chr(34), "")}"*' for w in words)
    if len(words) > 1 and all(w.isalnum() for w in words) and any(c.isdigit() for c in "".join(words)):
        return f'({quoted}) OR "{"".join(words)}"*'
    return quoted


class SqlHouseholdRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- writes ----------------------------------------------------------------------------------
    def add(self, h: Household, actor: str, *, synthetic: bool = False) -> None:
        at = h.created_at.isoformat()
        self.s.add(RecordRow(id=h.id, kind=HOUSEHOLD, household_id=h.id, version=h.version,
                             created_by=actor, created_at=at, updated_by=actor, updated_at=at,
                             form_id=h.form_id, form_version=h.form_version, deleted=False,
                             body=_body(h, synthetic)))
        self.s.flush()
        self._index(h)

    def add_many(self, households: Sequence[Household], actor: str, *, synthetic: bool = False) -> None:
        """Bulk insert for imports and demo data: one executemany per table."""
        rows = [
            {"id": h.id, "kind": HOUSEHOLD, "household_id": h.id, "version": h.version,
             "server_seq": None, "created_by": actor, "created_at": h.created_at.isoformat(),
             "updated_by": actor, "updated_at": h.updated_at.isoformat(), "form_id": h.form_id,
             "form_version": h.form_version, "deleted": False, "body": _body(h, synthetic)}
            for h in households
        ]
        if rows:
            self.s.execute(insert(RecordRow), rows)
        self._index_many(households)

    def update(self, h: Household, expected_version: int, actor: str) -> Household:
        row = self.s.get(RecordRow, h.id)
        if row is None or row.deleted or row.kind != HOUSEHOLD:
            raise NotFound("no such household")
        if row.version != expected_version:
            raise Conflict("this household was changed by someone else since you opened it; "
                           "reopen it to see their changes")
        before = _household(row, None, False)
        row.version = expected_version + 1
        row.body = _body(h, bool(json.loads(row.body).get("synthetic")))
        row.updated_at = h.updated_at.isoformat()
        row.updated_by = actor
        self.s.flush()
        self._reindex(before, h)
        return self.get(h.id) or h

    def _reindex(self, before: Household, after: Household) -> None:
        """Touch only the search rows whose words changed. Deleting from FTS5 with secure-delete
        is the expensive part of a save, and most edits (an address line, a GP) change no words."""
        old = {m.id: search_terms(before.fields, m) for m in before.members}
        new = {m.id: search_terms(after.fields, m) for m in after.members}
        stale = {pid for pid, terms in old.items() if new.get(pid) != terms}
        if stale:
            rows = self.s.execute(
                text("SELECT rowid, person_id FROM search_index WHERE rowid IN "
                     "(SELECT rowid FROM search_rows WHERE household_id = :h)"), {"h": after.id}).all()
            for rowid, person_id in rows:
                if person_id in stale:
                    self.s.execute(text("DELETE FROM search_index WHERE rowid = :r"), {"r": rowid})
                    self.s.execute(text("DELETE FROM search_rows WHERE rowid = :r"), {"r": rowid})
        fresh = [m for m in after.members if old.get(m.id) != new[m.id]]
        if fresh:
            self._index_many([Household(after.id, after.version, after.fields, tuple(fresh), after.form_id,
                                        after.form_version, after.created_at, after.updated_at)])

    def _index(self, h: Household) -> None:
        self._index_many([h])

    def _index_many(self, households: Sequence[Household]) -> None:
        """Search rows and their household map share rowids. Writers hold the write lock (BEGIN
        IMMEDIATE), so numbering from the current maximum cannot collide with another writer."""
        start = int(self.s.scalar(text("SELECT coalesce(max(rowid), 0) FROM search_rows")) or 0)
        rows = []
        for h in households:
            for m in h.members:
                start += 1
                rows.append({"r": start, "h": h.id, "p": m.id, "t": search_terms(h.fields, m)})
        if not rows:
            return
        self.s.execute(text("INSERT INTO search_rows(rowid, household_id) VALUES (:r, :h)"), rows)
        self.s.execute(
            text("INSERT INTO search_index(rowid, household_id, person_id, terms) VALUES (:r, :h, :p, :t)"), rows
        )

    def _unindex(self, household_id: str) -> None:
        params = {"h": household_id}
        self.s.execute(text("DELETE FROM search_index WHERE rowid IN "
                            "(SELECT rowid FROM search_rows WHERE household_id = :h)"), params)
        self.s.execute(text("DELETE FROM search_rows WHERE household_id = :h"), params)

    def add_changes(self, household_id: str, changes: Iterable[FieldChange], actor: str,
                    at: datetime) -> None:
        items = [{"field": c.field, "old": c.old, "new": c.new} for c in changes]
        if not items:
            return
        stamp = at.isoformat()
        self.s.add(RecordRow(id=uuid7(), kind=CHANGE, household_id=household_id, version=1,
                             created_by=actor, created_at=stamp, updated_by=actor, updated_at=stamp,
                             deleted=False, body=_dumps({"changes": items})))
        self.s.flush()

    def add_contact(self, household_id: str, contact_id: str, on: date, kind: str, note: str,
                    actor: str, at: datetime) -> None:
        stamp = at.isoformat()
        self.s.add(RecordRow(id=contact_id, kind=CONTACT, household_id=household_id, version=1,
                             created_by=actor, created_at=stamp, updated_by=actor, updated_at=stamp,
                             deleted=False,
                             body=_dumps({"date": on.isoformat(), "type": kind, "note": note})))
        self.s.flush()

    def add_contacts_many(self, contacts: Sequence[tuple[str, date, str]], actor: str, at: datetime) -> None:
        stamp = at.isoformat()
        rows = [
            {"id": uuid7(), "kind": CONTACT, "household_id": hid, "version": 1, "server_seq": None,
             "created_by": actor, "created_at": stamp, "updated_by": actor, "updated_at": stamp,
             "form_id": None, "form_version": None, "deleted": False,
             "body": _dumps({"date": on.isoformat(), "type": kind, "note": ""})}
            for hid, on, kind in contacts
        ]
        if rows:
            self.s.execute(insert(RecordRow), rows)

    # -- reads -----------------------------------------------------------------------------------
    def exists(self, household_id: str) -> bool:
        row = self.s.get(RecordRow, household_id)
        return row is not None and row.kind == HOUSEHOLD and not row.deleted

    def get(self, household_id: str) -> Household | None:
        row = self.s.get(RecordRow, household_id)
        if row is None or row.kind != HOUSEHOLD or row.deleted:
            return None
        flagged = household_id in SqlReferralRepository(self.s).flagged([household_id])
        return _household(row, self.last_contacts([household_id]).get(household_id), flagged)

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(RecordRow).where(
            RecordRow.kind == HOUSEHOLD, RecordRow.deleted.is_(False))) or 0)

    def last_contacts(self, household_ids: Sequence[str]) -> dict[str, date]:
        if not household_ids:
            return {}
        rows = self.s.execute(
            select(RecordRow.household_id, func.max(func.json_extract(RecordRow.body, "$.date")))
            .where(RecordRow.kind == CONTACT, RecordRow.household_id.in_(household_ids),
                   RecordRow.deleted.is_(False))
            .group_by(RecordRow.household_id)
        ).all()
        return {str(h): date.fromisoformat(d) for h, d in rows if d}

    def contacts(self, household_id: str) -> list[dict[str, Any]]:
        rows = self.s.scalars(
            select(RecordRow).where(RecordRow.kind == CONTACT, RecordRow.household_id == household_id,
                                    RecordRow.deleted.is_(False))
        ).all()
        out = [{**json.loads(r.body), "id": r.id, "recorded_by": r.created_by, "recorded_at": r.created_at}
               for r in rows]
        return sorted(out, key=lambda c: (c["date"], c["recorded_at"]), reverse=True)

    def history(self, household_id: str) -> list[tuple[datetime, str, list[FieldChange]]]:
        rows = self.s.scalars(
            select(RecordRow).where(RecordRow.kind == CHANGE, RecordRow.household_id == household_id)
            .order_by(RecordRow.created_at.desc(), RecordRow.id.desc())
        ).all()
        return [
            (datetime.fromisoformat(r.created_at), r.created_by,
             [FieldChange(c["field"], c["old"], c["new"]) for c in json.loads(r.body)["changes"]])
            for r in rows
        ]

    def search(self, query: str, limit: int = 50, today: date | None = None) -> list[SearchHit]:
        match = fts_query(query)
        if match is None:
            return []
        found = self.s.execute(
            text("SELECT household_id FROM search_index WHERE search_index MATCH :q LIMIT :n"),
            {"q": match, "n": SEARCH_LIMIT_ROWS},
        )
        ids: list[str] = []
        for (hid,) in found:  # streamed: stop reading as soon as there are enough households
            if hid not in ids:
                ids.append(hid)
                if len(ids) >= limit:
                    break
        return self.hits(ids, today)

    def hits(self, household_ids: Sequence[str], today: date | None = None) -> list[SearchHit]:
        if not household_ids:
            return []
        rows = {r.id: r for r in self.s.scalars(
            select(RecordRow).where(RecordRow.id.in_(household_ids), RecordRow.deleted.is_(False)))}
        contacts = self.last_contacts(household_ids)
        flagged = SqlReferralRepository(self.s).flagged(household_ids)
        hits = []
        for hid in household_ids:
            row = rows.get(hid)
            if row is None:
                continue
            h = _household(row, contacts.get(hid), hid in flagged)
            hits.append(SearchHit(
                household_id=hid,
                adults=tuple(m.full_name for m in h.adults(today)),
                children=tuple(m.full_name for m in h.children(today)),
                postcode=h.postcode,
                last_contact=h.last_contact,
                members=h.members,
                safeguarding_concern=h.safeguarding_concern,
            ))
        return hits

    def get_many(self, household_ids: Sequence[str]) -> list[Household]:
        # Filter the kind here, not in SQL: with "kind = 'household'" in the WHERE clause SQLite
        # prefers the kind index and scans every household instead of using the primary key.
        rows = self.s.scalars(select(RecordRow).where(RecordRow.id.in_(household_ids)))
        return [_household(r, None, False) for r in rows if r.kind == HOUSEHOLD and not r.deleted]

    def candidates(self, members: Sequence[Mapping[str, Any]], postcode: str | None,
                   limit: int = 200) -> list[Household]:
        """Households worth comparing with a new registration: same surname, same date of birth,
        same postcode, or surname starting alike with the same first initial."""
        queries: list[str] = []
        for m in members:
            last = "".join(c for c in fold(str(m.get("last_name") or "")) if c.isalnum())
            first = "".join(c for c in fold(str(m.get("first_name") or "")) if c.isalnum())
            if last:
                queries.append(f'"{last}"')
                if first:
                    queries.append(f'"{last[:3]}"* AND "{first[:1]}"*')
            dob = m.get("date_of_birth")
            if dob:
                queries.append(f'"{dob}"')
        pc = normalise_postcode(postcode or "") if postcode else None
        if pc:
            queries.append(f'"{fold(pc.replace(" ", ""))}"')
        ids: list[str] = []
        for q in queries:
            for (hid,) in self.s.execute(
                text("SELECT household_id FROM search_index WHERE search_index MATCH :q LIMIT :n"),
                {"q": q, "n": limit},
            ):
                if hid not in ids:
                    ids.append(hid)
        return self.get_many(ids[:limit])

    def delete_everything(self, household_id: str) -> None:
        """Hard delete of a household and every record that hangs off it (erasure)."""
        self._unindex(household_id)
        self.s.execute(delete(RecordRow).where(RecordRow.household_id == household_id))
        self.s.flush()
