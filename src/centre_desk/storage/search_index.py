"""The search index: one FTS5 row per person and one search card per household (revision 0005).

A search must cost the same at 100,000 households as at ten, so nothing is computed per search:

- every household has a number (``household_cards.seq``) and its people's FTS rows have rowids
  ``seq << SLOT_BITS | slot``; ``SELECT DISTINCT rowid >> SLOT_BITS ... LIMIT 50`` reads only the
  index's doclists (never its content table) and stops at exactly the 50 households asked for;
- the card holds what a result row shows (names, roles, dates of birth, postcode) and the two
  facts that used to be worked out per search: the last contact date and the safeguarding flag.
  Every write that changes them (a household saved, a contact, a referral with a concern, an
  import, an erasure) updates the card in the same transaction; ``refresh`` recomputes cards from
  the records for anything that arrives another way (a synced change).

Erased and corrected words: FTS5's ``secure-delete`` made a save that changes a name cost 50-100 ms
(it rewrites every index page the old words sit on), so an ordinary save deletes without it and
records that words were removed; ``purge`` then merges the index incrementally, in small steps, which
drops the old words. Erasure (``remove``) uses ``secure-delete`` for its own statements, so an erased
family's words are gone when the erasure commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from centre_desk.domain.household import ADULT_ROLES, Household, Member, SearchHit, age_on, search_terms

from .reach import ReachRows

SLOT_BITS = 8  # up to 256 people per household over its lifetime of edits (the form allows 20 at once)
SLOTS = 1 << SLOT_BITS
PURGE_SETTING = "search.words_removed"
PURGE_PAGES = 64  # pages merged per step: a step holds the write lock for a few milliseconds
CARD_FIELDS = ("first_name", "middle_names", "last_name", "preferred_name", "date_of_birth", "role")
SEARCH_SQL = (
    "WITH found(n) AS MATERIALIZED ("
    f" SELECT DISTINCT rowid >> {SLOT_BITS} FROM search_index WHERE search_index MATCH ? LIMIT ?)"
    " SELECT c.household_id, c.card, c.last_contact, c.flagged FROM found CROSS JOIN household_cards c"
    " ON c.seq = found.n"
)


def _kind(m: Member) -> str:
    """"c" child, "a" adult, or the date of birth when only age decides (on the day of the search)."""
    if m.role == "child":
        return "c"
    if m.role in ADULT_ROLES or not m.fields.get("date_of_birth"):
        return "a"
    return str(m.fields["date_of_birth"])


def card_of(h: Household) -> str:
    members = [{"id": m.id, "f": {k: m.fields[k] for k in CARD_FIELDS if m.fields.get(k)}, "n": m.full_name,
                "k": _kind(m)} for m in h.members]
    card = {"pc": h.postcode, "a1": str(h.fields.get("address_line1") or ""), "m": members}
    return json.dumps(card, ensure_ascii=False, separators=(",", ":"))


def _is_child(kind: str, today: date | None) -> bool:
    if len(kind) == 1:
        return kind == "c"
    return today is not None and age_on(date.fromisoformat(kind), today) < 18


def hit_of(household_id: str, card: str, last_contact: str | None, flagged: Any,
           today: date | None) -> SearchHit:
    data = json.loads(card)
    adults: list[str] = []
    children: list[str] = []
    births: list[date | None] = []
    for m in data["m"]:
        if _is_child(m["k"], today):
            children.append(m["n"])
            births.append(_date(m["f"].get("date_of_birth")))
        else:
            adults.append(m["n"])
    return SearchHit(
        household_id=household_id,
        adults=tuple(adults),
        children=tuple(children),
        postcode=data["pc"],
        last_contact=date.fromisoformat(last_contact) if last_contact else None,
        members=tuple(Member(m["id"], m["f"]) for m in data["m"]),
        safeguarding_concern=bool(flagged),
        address_line=data.get("a1") or "",  # cards written before revision 0019 have none
        child_births=tuple(births),
    )


def _date(dob: object) -> date | None:
    if not isinstance(dob, str):
        return None
    try:
        return date.fromisoformat(dob)
    except ValueError:
        return None


def _range(seq: int) -> dict[str, int]:
    return {"lo": seq << SLOT_BITS, "hi": (seq << SLOT_BITS) | (SLOTS - 1)}


class SearchIndex:
    def __init__(self, session: Session | Connection, *, reach: bool = True) -> None:
        """``reach``: keep the reach facts (``reach.py``) in step with the cards; False only for
        migrations older than the revision that made their tables."""
        self.s = session
        self.reach = ReachRows(session) if reach else None
        self._has_people: bool | None = None

    # -- person -> household (``people``, revision 0008) ---------------------------------------
    def _people(self) -> bool:
        """Whether the ``people`` table exists (not yet while migration 0005 rebuilds the index)."""
        if self._has_people is None:
            self._has_people = self.s.execute(text(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'people'")).first() is not None
        return self._has_people

    def _forget_people(self, where: str, params: dict[str, Any]) -> None:
        if self._people():
            self.s.execute(text(f"DELETE FROM people WHERE {where}"), params)

    # -- cards -------------------------------------------------------------------------------------
    def number(self, household_id: str) -> int | None:
        seq = self.s.execute(text("SELECT seq FROM household_cards WHERE household_id = :h"),
                             {"h": household_id}).scalar()
        return int(seq) if seq is not None else None

    def facts(self, household_id: str) -> tuple[date | None, bool]:
        """Last contact and safeguarding flag, as the card holds them."""
        row = self.s.execute(text("SELECT last_contact, flagged FROM household_cards WHERE household_id = :h"),
                             {"h": household_id}).first()
        if row is None:
            return None, False
        return (date.fromisoformat(row[0]) if row[0] else None), bool(row[1])

    def contacted(self, on: Iterable[tuple[str, date]]) -> None:
        """A contact on ``date`` moves a card's last contact forward (never back)."""
        rows = [{"h": h, "d": d.isoformat()} for h, d in on]
        if rows:
            self.s.execute(text("UPDATE household_cards SET last_contact = :d WHERE household_id = :h "
                                "AND (last_contact IS NULL OR last_contact < :d)"), rows)

    def flag(self, household_id: str) -> None:
        self.s.execute(text("UPDATE household_cards SET flagged = 1 WHERE household_id = :h"), {"h": household_id})

    # -- people --------------------------------------------------------------------------------
    def add(self, households: Sequence[Household]) -> None:
        if not households:
            return
        seq = int(self.s.execute(text("SELECT coalesce(max(seq), 0) FROM household_cards")).scalar() or 0)
        cards, people = [], []
        for h in households:
            seq += 1
            cards.append({"n": seq, "h": h.id, "c": card_of(h)})
            people += [{"r": (seq << SLOT_BITS) | slot, "h": h.id, "p": m.id,
                        "t": search_terms(h.fields, m, h.external_ref)} for slot, m in enumerate(h.members)]
        self.s.execute(text("INSERT INTO household_cards(seq, household_id, card, last_contact, flagged) "
                            "VALUES (:n, :h, :c, NULL, 0)"), cards)
        self._insert(people)
        if self.reach is not None:
            self.reach.put(households)

    def _insert(self, people: list[dict[str, Any]]) -> None:
        if people:
            self.s.execute(text("INSERT INTO search_index(rowid, household_id, person_id, terms) "
                                "VALUES (:r, :h, :p, :t)"), people)
            if self._people():
                self.s.execute(text("INSERT OR REPLACE INTO people(person_id, household_id) VALUES (:p, :h)"),
                               people)

    def replace(self, before: Household, after: Household, *, secure: bool = False) -> bool:
        """Bring a saved household's card and people up to date; True when words were removed.

        Only the people whose words changed are rewritten: most edits (an address line, a GP)
        change no words, and each rewritten row is index work. ``secure`` (erasure of a person):
        the removed words are overwritten before this commits instead of waiting for the purge."""
        seq = self.number(after.id)
        if seq is None:  # a household that predates its card (should not happen after 0005)
            self.add([after])
            return False
        self.s.execute(text("UPDATE household_cards SET card = :c WHERE seq = :n"), {"c": card_of(after), "n": seq})
        if self.reach is not None:
            self.reach.put([after], {after.id: before.created_at.date()})
        old = {m.id: search_terms(before.fields, m, before.external_ref) for m in before.members}
        new = {m.id: search_terms(after.fields, m, after.external_ref) for m in after.members}
        if old == new:
            return False
        rows = self.s.execute(text("SELECT rowid, person_id FROM search_index WHERE rowid BETWEEN :lo AND :hi"),
                              _range(seq)).all()
        slots = {str(pid): int(rowid) for rowid, pid in rows}
        keep = {pid: r for pid, r in slots.items() if pid in new and new[pid] == old.get(pid)}
        stale = {pid: r for pid, r in slots.items() if pid not in keep}
        removed = False
        if secure:
            self.s.execute(text("INSERT INTO search_index(search_index, rank) VALUES ('secure-delete', 1)"))
        for pid, rowid in stale.items():
            self.s.execute(text("DELETE FROM search_index WHERE rowid = :r"), {"r": rowid})
            removed = removed or not set(old.get(pid, "").split()) <= set(new.get(pid, "").split())
            if pid not in new:
                self._forget_people("person_id = :p", {"p": pid})
        if secure:
            self.s.execute(text("INSERT INTO search_index(search_index, rank) VALUES ('secure-delete', 0)"))
            removed = False
        taken = set(slots.values())
        free = (r for r in range(seq << SLOT_BITS, (seq + 1) << SLOT_BITS) if r not in taken)
        people = [{"r": stale[m.id] if m.id in stale else next(free), "h": after.id, "p": m.id, "t": new[m.id]}
                  for m in after.members if m.id not in keep]
        self._insert(people)
        if removed:
            self.s.execute(text("INSERT OR REPLACE INTO settings(key, value) VALUES (:k, '1')"), {"k": PURGE_SETTING})
        return removed

    def remove(self, household_id: str) -> None:
        """Erasure: the household's words are overwritten in the index before this commits."""
        seq = self.number(household_id)
        if seq is None:
            return
        self.s.execute(text("INSERT INTO search_index(search_index, rank) VALUES ('secure-delete', 1)"))
        self.s.execute(text("DELETE FROM search_index WHERE rowid BETWEEN :lo AND :hi"), _range(seq))
        self.s.execute(text("INSERT INTO search_index(search_index, rank) VALUES ('secure-delete', 0)"))
        self.s.execute(text("DELETE FROM household_cards WHERE seq = :n"), {"n": seq})
        if self.reach is not None:
            self.reach.drop(household_id)
        self._forget_people("household_id = :h", {"h": household_id})

    # -- keeping it true -----------------------------------------------------------------------------
    def refresh(self, households: Sequence[Household]) -> None:
        """Recompute cards and people from the records, for changes that arrive other than through
        this repository's own writes (sync). ``households`` are the stored households; an id
        whose household is gone should go through ``remove``."""
        for h in households:
            seq = self.number(h.id)
            if seq is not None:
                self.s.execute(text("DELETE FROM search_index WHERE rowid BETWEEN :lo AND :hi"), _range(seq))
                self.s.execute(text("DELETE FROM household_cards WHERE seq = :n"), {"n": seq})
                self._forget_people("household_id = :h", {"h": h.id})
                # Words deleted without secure-delete (a synced erasure of one person, a synced
                # correction) stay in old segments until the purge merges them away.
                self.s.execute(text("INSERT OR REPLACE INTO settings(key, value) VALUES (:k, '1')"),
                               {"k": PURGE_SETTING})
        self.add(households)
        ids = [h.id for h in households]
        self._recompute_facts(ids)

    def recompute_facts(self, household_ids: Sequence[str]) -> None:
        """Last contact and flag of these cards, from the records (after a corrected contact)."""
        self._recompute_facts(household_ids)

    def _recompute_facts(self, household_ids: Sequence[str] | None) -> None:
        where = "" if household_ids is None else "AND household_id IN (SELECT value FROM json_each(:ids))"
        params = {} if household_ids is None else {"ids": json.dumps(list(household_ids))}
        self.s.execute(text(
            "UPDATE household_cards SET last_contact = (SELECT max(json_extract(r.body, '$.date')) FROM records r "
            "WHERE r.kind = 'contact' AND r.household_id = household_cards.household_id AND r.deleted = 0), "
            "flagged = EXISTS (SELECT 1 FROM records r WHERE r.kind = 'referral' AND r.deleted = 0 "
            "AND r.household_id = household_cards.household_id "
            "AND json_extract(r.body, '$.fields.safeguarding_concern') = 1) "
            f"WHERE 1 {where}"), params)

    def rebuild(self, households: Iterable[Household], batch: int = 2000) -> None:
        """Empty the index and cards and build them again from ``households`` (migration)."""
        self.s.execute(text("DELETE FROM search_index"))
        self.s.execute(text("DELETE FROM household_cards"))
        if self.reach is not None:
            self.reach.clear()
        self._forget_people("1", {})
        chunk: list[Household] = []
        for h in households:
            chunk.append(h)
            if len(chunk) >= batch:
                self.add(chunk)
                chunk = []
        self.add(chunk)
        self._recompute_facts(None)

    # -- reading -------------------------------------------------------------------------------
    def search(self, match: str, limit: int, today: date | None) -> list[SearchHit]:
        # One statement straight to the driver: SQLAlchemy's result machinery cost more than the
        # query itself for 50 small rows.
        conn = self.s.connection() if isinstance(self.s, Session) else self.s
        raw = conn.connection.dbapi_connection
        assert raw is not None
        rows = raw.execute(SEARCH_SQL, (match, limit)).fetchall()
        return [hit_of(h, card, last, flagged, today) for h, card, last, flagged in rows]

    # -- dropping removed words ----------------------------------------------------------------
    def purge_pending(self) -> bool:
        return self.s.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": PURGE_SETTING}).scalar() == "1"

    def purge_step(self, pages: int = PURGE_PAGES) -> bool:
        """One bounded step of merging the whole index into one segment, which is what drops the
        words that ordinary saves removed. True when there is nothing left to do (and the pending
        mark is cleared); call it again, in a new transaction, while it returns False."""
        before = int(self.s.execute(text("SELECT total_changes()")).scalar() or 0)
        self.s.execute(text("INSERT INTO search_index(search_index, rank) VALUES ('merge', :p)"), {"p": -pages})
        after = int(self.s.execute(text("SELECT total_changes()")).scalar() or 0)
        # SQLite's own test of "no more work": the merge changed fewer than two rows.
        if after - before < 2:
            self.s.execute(text("DELETE FROM settings WHERE key = :k"), {"k": PURGE_SETTING})
            return True
        return False
