"""Households, their change history and contacts as records.

Every write keeps the search index and the household's search card (``search_index.py``) in step
inside the same transaction, so a crash can never leave a household that search cannot find, a
card that disagrees with the records, or search entries for one that is gone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from centre_desk.domain.audit import AuditEntry
from centre_desk.domain.duplicates import PersonRecord
from centre_desk.domain.errors import Conflict, NotFound
from centre_desk.domain.household import (
    TAIL_MIN_DIGITS,
    FieldChange,
    Household,
    Member,
    SearchHit,
    phone_tail,
    query_terms,
)
from centre_desk.domain.ids import uuid7
from centre_desk.domain.text import fold, normalise_postcode

from . import aliases
from .models import AuditRow, RecordRow
from .repositories import _entry
from .search_index import SearchIndex, hit_of

HOUSEHOLD = "household"
CHANGE = "change"
CONTACT = "contact"
# A household merged into another (``duplicates merge``) keeps its id as a pointer: a record of
# this kind whose body is only ``{"merged_into": <surviving household id>}``.
MERGED = "household-merged"
MAX_POINTER_HOPS = 32


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _body(h: Household, synthetic: bool) -> str:
    body: dict[str, Any] = {
        "fields": dict(h.fields),
        "members": [{"id": m.id, "fields": dict(m.fields)} for m in h.members],
    }
    if synthetic:
        body["synthetic"] = True
    if h.external_ref:
        body["ref"] = h.external_ref
    return _dumps(body)


def _household(row: RecordRow, last_contact: date | None, flagged: bool,
               body: dict[str, Any] | None = None) -> Household:
    body = json.loads(row.body) if body is None else body
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
        external_ref=body.get("ref"),
    )


def household_rows(households: Sequence[Household], actor: str, *, synthetic: bool = False) -> list[dict[str, Any]]:
    """The ``records`` rows a bulk add of these households writes (also what the sync benchmark
    puts on its server, so it serves exactly what a device would push)."""
    return [
        {"id": h.id, "kind": HOUSEHOLD, "household_id": h.id, "version": h.version,
         "server_seq": None, "created_by": actor, "created_at": h.created_at.isoformat(),
         "updated_by": actor, "updated_at": h.updated_at.isoformat(), "form_id": h.form_id,
         "form_version": h.form_version, "deleted": False, "body": _body(h, synthetic)}
        for h in households
    ]


def contact_rows(contacts: Sequence[tuple[str, date, str]], actor: str, at: datetime) -> list[dict[str, Any]]:
    """The ``records`` rows of contacts (household id, date, type) added in bulk."""
    stamp = at.isoformat()
    return [
        {"id": uuid7(), "kind": CONTACT, "household_id": hid, "version": 1, "server_seq": None,
         "created_by": actor, "created_at": stamp, "updated_by": actor, "updated_at": stamp,
         "form_id": None, "form_version": None, "deleted": False,
         "body": _dumps({"date": on.isoformat(), "type": kind, "note": ""})}
        for hid, on, kind in contacts
    ]


def household_of_document(record_id: str, envelope: Mapping[str, Any], body: Mapping[str, Any],
                          version: int = 1) -> Household:
    """The household a synced document describes, as ``get_many`` would read it back once stored
    (``sync_store`` indexes a pulled page's new households from this without re-reading them)."""
    members = tuple(Member(m["id"], m["fields"]) for m in body.get("members", []))
    created = str(envelope.get("created_at") or "")
    return Household(
        id=record_id,
        version=version,
        fields=body.get("fields", {}),
        members=members,
        form_id=envelope.get("form_id") or "membership",
        form_version=envelope.get("form_version") or 1,
        created_at=datetime.fromisoformat(created),
        updated_at=datetime.fromisoformat(str(envelope.get("updated_at") or created)),
        last_contact=None,
        safeguarding_concern=False,
        external_ref=body.get("ref"),
    )


def fts_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every word as a prefix; a spaced postcode or phone number is
    also tried with its parts joined, because both forms are indexed."""
    words = [w.replace('"', "") for w in query_terms(query)]
    words = [w for w in words if w]
    if not words:
        return None
    every = " AND ".join(_word(w) for w in words)
    joined = "".join(words)
    if len(words) > 1 and all(w.isalnum() for w in words) and any(c.isdigit() for c in joined):
        return f"({every}) OR {_word(joined)}"
    return every


def _word(word: str) -> str:
    """One typed word as a prefix; a run of six or more digits is also tried as a phone
    number's last digits."""
    if word.isdigit() and len(word) >= TAIL_MIN_DIGITS:
        return f'("{word}"* OR "{phone_tail(word)}"*)'
    return f'"{word}"*'


# Reading audits wait in ``household_reads_pending`` (revision 0011_speed) and move into the FTS5
# index ``household_reads`` in batches of about this many audit entries: one FTS5 segment per batch
# instead of one per search (a segment per search, and the automerge it set off, was most of a
# search's cost).
READS_BATCH = 256


def _dbapi(s: Session) -> Any:
    raw = s.connection().connection.dbapi_connection
    assert raw is not None
    return raw


def note_read(conn: Any, audit_seq: int, household_ids: Sequence[str]) -> None:
    """Note on a DB-API connection, inside the caller's transaction, that audit entry ``audit_seq``
    showed these households; every ``READS_BATCH`` entries the waiting notes move into the index."""
    if not household_ids:
        return
    conn.execute("INSERT INTO household_reads_pending(seq, ids) VALUES (?, ?)",
                 (audit_seq, " ".join(h.replace("-", "") for h in household_ids)))
    first = conn.execute("SELECT min(seq) FROM household_reads_pending").fetchone()[0]
    if first is not None and audit_seq - int(first) >= READS_BATCH - 1:
        conn.execute("INSERT INTO household_reads(rowid, ids) SELECT seq, ids FROM household_reads_pending")
        conn.execute("DELETE FROM household_reads_pending")


class SqlHouseholdRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- writes ----------------------------------------------------------------------------------
    @property
    def index(self) -> SearchIndex:
        return SearchIndex(self.s)

    def add(self, h: Household, actor: str, *, synthetic: bool = False) -> None:
        at = h.created_at.isoformat()
        self.s.add(RecordRow(id=h.id, kind=HOUSEHOLD, household_id=h.id, version=h.version,
                             created_by=actor, created_at=at, updated_by=actor, updated_at=at,
                             form_id=h.form_id, form_version=h.form_version, deleted=False,
                             body=_body(h, synthetic)))
        self.s.flush()
        self.index.add([h])

    def add_many(self, households: Sequence[Household], actor: str, *, synthetic: bool = False) -> None:
        """Bulk insert for imports and demo data: one executemany per table."""
        rows = household_rows(households, actor, synthetic=synthetic)
        if rows:
            self.s.execute(insert(RecordRow), rows)
        self.index.add(households)

    def update(self, h: Household, expected_version: int, actor: str) -> Household:
        row = self.s.get(RecordRow, h.id)
        if row is None or row.deleted or row.kind != HOUSEHOLD:
            raise NotFound("no such household")
        if row.version != expected_version:
            raise Conflict("this household was changed by someone else since you opened it; "
                           "reopen it to see their changes")
        body = json.loads(row.body)
        before = _household(row, None, False, body)
        last_contact, flagged = self.index.facts(h.id)
        if h.external_ref is None and before.external_ref:
            h = replace(h, external_ref=before.external_ref)  # an edit on the form never drops it
        row.version = expected_version + 1
        row.body = _body(h, bool(body.get("synthetic")))
        # Saved through the current form: the record says so (a version 1 household saved now is v2).
        row.form_id, row.form_version = h.form_id, h.form_version
        row.updated_at = h.updated_at.isoformat()
        row.updated_by = actor
        self.s.flush()
        self.index.replace(before, h)
        return Household(h.id, row.version, h.fields, h.members, h.form_id, h.form_version,
                         datetime.fromisoformat(row.created_at), h.updated_at, last_contact, flagged,
                         h.external_ref)

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
        self.index.contacted([(household_id, on)])

    def update_contact(self, household_id: str, contact_id: str, on: date, kind: str, note: str,
                       actor: str, at: datetime) -> dict[str, Any]:
        """Correct a contact in place (a new version); returns what it said before. The card's last
        contact is recomputed, since a corrected date can move it back as well as on."""
        row = self.s.get(RecordRow, contact_id)
        if row is None or row.kind != CONTACT or row.household_id != household_id or row.deleted:
            raise NotFound("no such contact")
        before = json.loads(row.body)
        row.body = _dumps({**before, "date": on.isoformat(), "type": kind, "note": note})
        row.version += 1
        row.updated_by, row.updated_at = actor, at.isoformat()
        self.s.flush()
        self.index.recompute_facts([household_id])
        return dict(before)

    def add_contacts_many(self, contacts: Sequence[tuple[str, date, str]], actor: str, at: datetime) -> None:
        rows = contact_rows(contacts, actor, at)
        if rows:
            self.s.execute(insert(RecordRow), rows)
        latest: dict[str, date] = {}
        for hid, on, _kind in contacts:
            latest[hid] = max(on, latest.get(hid, on))
        self.index.contacted(latest.items())

    # -- reads -----------------------------------------------------------------------------------
    def exists(self, household_id: str) -> bool:
        row = self.s.get(RecordRow, household_id)
        return row is not None and row.kind == HOUSEHOLD and not row.deleted

    def get(self, household_id: str) -> Household | None:
        row = self.s.get(RecordRow, household_id)
        if row is None or row.kind != HOUSEHOLD or row.deleted:
            return None
        last_contact, flagged = self.index.facts(household_id)
        return _household(row, last_contact, flagged)

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(RecordRow).where(
            RecordRow.kind == HOUSEHOLD, RecordRow.deleted.is_(False))) or 0)

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
        return self.index.search(match, limit, today)

    def hits(self, household_ids: Sequence[str], today: date | None = None) -> list[SearchHit]:
        """Result rows for known households, in the order given."""
        if not household_ids:
            return []
        rows = self.s.execute(
            text("SELECT household_id, card, last_contact, flagged FROM household_cards "
                 "WHERE household_id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(list(household_ids))}).all()
        found = {hid: hit_of(hid, card, last, flagged, today) for hid, card, last, flagged in rows}
        return [found[h] for h in household_ids if h in found]

    # -- audit of reading ----------------------------------------------------------------------------
    def note_read(self, audit_seq: int, household_ids: Sequence[str]) -> None:
        """Index an audit entry that showed these households (the entry itself names them)."""
        note_read(_dbapi(self.s), audit_seq, household_ids)

    def reads(self, household_id: str) -> list[AuditEntry]:
        """Audit entries that showed this household to someone: opened it or listed it in results
        (indexed in ``household_reads``, or still waiting in ``household_reads_pending``)."""
        word = "".join(c for c in household_id if c.isalnum())
        if not word:
            return []
        indexed = select(text("rowid")).select_from(text("household_reads")).where(text("household_reads MATCH :q"))
        waiting = (select(text("seq")).select_from(text("household_reads_pending"))
                   .where(text("instr(' ' || ids || ' ', :w) > 0")))
        rows = self.s.scalars(
            select(AuditRow).where(AuditRow.seq.in_(indexed.union(waiting))).order_by(AuditRow.seq),
            {"q": f'"{word}"', "w": f" {word} "})
        return [_entry(r) for r in rows]

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

    # -- duplicates and merging ---------------------------------------------------------------------
    def people(self) -> list[PersonRecord]:
        """What the duplicate matcher compares: every person of every household, in one scan."""
        out: list[PersonRecord] = []
        rows = self.s.execute(select(RecordRow.id, RecordRow.body).where(
            RecordRow.kind == HOUSEHOLD, RecordRow.deleted.is_(False)))
        for hid, raw in rows:
            body = json.loads(raw)
            fields = body.get("fields", {})
            postcode = normalise_postcode(str(fields.get("postcode") or ""))
            address = str(fields.get("address_line1") or "")
            for m in body.get("members", []):
                f = m["fields"]
                out.append(PersonRecord(m["id"], hid, str(f.get("first_name") or ""), str(f.get("last_name") or ""),
                                        f.get("date_of_birth") or None, postcode, address))
        return out

    def merged_into(self, household_id: str) -> str | None:
        """The household this id now leads to when it was merged away (following every hop), else None."""
        target: str | None = None
        current = household_id
        for _ in range(MAX_POINTER_HOPS):
            row = self.s.get(RecordRow, current)
            if row is None or row.kind != MERGED:
                return target
            current = json.loads(row.body)["merged_into"]
            target = current
        return target

    def move_records(self, from_id: str, to_id: str, actor: str, at: datetime) -> dict[str, int]:
        """Every record hanging off ``from_id`` (contacts, consents, referrals and their steps, field
        history, and any kind added later such as disclosures) now hangs off ``to_id``. Only the
        envelope changes (household id, version, who and when): bodies keep their dates and notice
        versions. Counts by kind."""
        rows = self.s.scalars(select(RecordRow).where(RecordRow.household_id == from_id,
                                                      RecordRow.id != from_id))
        counts: dict[str, int] = {}
        stamp = at.isoformat()
        moved: list[str] = []
        for row in rows:
            row.household_id = to_id
            row.version += 1
            row.updated_by = actor
            row.updated_at = stamp
            counts[row.kind] = counts.get(row.kind, 0) + 1
            moved.append(row.id)
        self.s.flush()
        # The outbox triggers (0006_sync) fire on a changed body only, and a move changes the
        # envelope alone: queue the moved records here, so sync carries them to the survivor on
        # every device (the server moves an append-only record sent again under another household).
        if moved:
            self.s.execute(text(
                "INSERT INTO sync_outbox (op_id, record_id, household_id, kind, action, before) "
                "SELECT lower(hex(randomblob(16))), id, household_id, kind, 'update', body FROM records "
                "WHERE id IN (SELECT value FROM json_each(:ids)) AND NOT EXISTS (SELECT 1 FROM sync_applying) "
                "AND EXISTS (SELECT 1 FROM settings WHERE key = 'sync_device_id')"), {"ids": json.dumps(moved)})
        return counts

    def make_pointer(self, household_id: str, into_id: str, expected_version: int, actor: str,
                     at: datetime) -> None:
        """Turn a household into a pointer to ``into_id``: its personal data leaves the record (the
        people now live in the surviving household) and its words leave the search index."""
        row = self.s.get(RecordRow, household_id)
        if row is None or row.deleted or row.kind != HOUSEHOLD:
            raise NotFound("no such household")
        if row.version != expected_version:
            raise Conflict("this household was changed by someone else since you opened it; "
                           "reopen it to see their changes")
        self.index.remove(household_id)
        row.kind = MERGED
        row.version += 1
        row.body = _dumps({"merged_into": into_id})
        row.updated_by = actor
        row.updated_at = at.isoformat()
        self.s.flush()

    def records_mark(self) -> int:
        """The newest record's row number plus the number of households: it moves when records
        arrive (an import, a sync) or go, in a couple of index lookups."""
        top = self.s.execute(text("SELECT coalesce(max(rowid), 0) FROM records")).scalar() or 0
        return int(top) * 1_000_003 + self.count()

    # -- one person entered twice, folded into one (storage.aliases) ------------------------------
    def add_fold(self, folded_id: str, into_id: str, household_id: str, actor: str, at: datetime) -> None:
        aliases.add_fold(self.s, folded_id, into_id, household_id, actor, at)

    def folded_into(self, person_id: str) -> str | None:
        return aliases.folded_into(self.s, person_id)

    def aliases(self, household_id: str | None = None) -> dict[str, str]:
        return aliases.aliases(self.s, household_id)

    def delete_everything(self, household_id: str) -> None:
        """Hard delete of a household and every record that hangs off it (erasure)."""
        self.index.remove(household_id)
        self.s.execute(delete(RecordRow).where(RecordRow.household_id == household_id))
        self.s.flush()

    def refresh_search(self, household_ids: Sequence[str]) -> None:
        """Rebuild the search rows and cards of these households from their records (for changes
        that arrive other than through this repository, such as sync)."""
        stored = {h.id: h for h in self.get_many(household_ids)}
        for hid in household_ids:
            if hid not in stored:
                self.index.remove(hid)
        self.index.refresh(list(stored.values()))

    def purge_step(self) -> bool:
        return self.index.purge_step()

    def purge_pending(self) -> bool:
        return self.index.purge_pending()
