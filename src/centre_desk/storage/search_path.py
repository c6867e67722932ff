"""Search as you type on one kept connection: the query and its audit entry without SQLAlchemy.

A search is asked for at every pause in typing, and at 100,000 households the query itself takes
about a millisecond; what used to cost more was around it: a new ORM session and pooled
connection for the read, another for the audit entry, SQLAlchemy's statement and result
machinery for each, and an FTS5 segment per search for the reading index. Here one DB-API
connection is kept open for the life of the unlocked store and used by one search at a time:

1. the search is one statement in autocommit (its own snapshot; it never waits for a writer);
2. when it found households, one short write transaction appends the audit entry (the same hash
   chain as every other entry, ``repositories.append_raw``) and notes the households shown
   (``households.note_read``), then commits with ``synchronous = NORMAL``: no fsync of its own;
   in WAL mode the next ordinary commit makes it durable, and a power cut can lose the last few
   search entries, never corrupt the chain. Nothing is returned before that commit, so nothing
   is shown unaudited.

The connection is closed when the store locks or is re-encrypted (``close``), and reopened on
the next search.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlcipher3

from centre_desk.domain.errors import StoreError
from centre_desk.domain.household import SearchHit

from .engine import KeyHolder, connect_raw
from .households import fts_query, note_read
from .repositories import append_raw
from .search_index import SEARCH_SQL, hit_of

# What the audit entry of a search says: (when, who, action, detail from the household ids shown).
SearchAudit = tuple[datetime, str, str, Callable[[Sequence[str]], str]]


class SearchPath:
    def __init__(self, path: Path, key: KeyHolder) -> None:
        self._path = path
        self._key = key
        self._conn: Any = None
        self._lock = threading.Lock()

    def _connection(self) -> Any:
        if self._conn is None:
            conn = connect_raw(self._path, self._key)
            conn.execute("PRAGMA synchronous = NORMAL")
            self._conn = conn
        return self._conn

    def search(self, query: str, limit: int, today: date | None, audit: SearchAudit) -> list[SearchHit]:
        match = fts_query(query)
        if match is None:
            return []
        with self._lock:
            conn = self._connection()
            try:
                rows = conn.execute(SEARCH_SQL, (match, limit)).fetchall()
            except sqlcipher3.Error:
                raise StoreError("the store could not be searched; try again") from None
            hits = [hit_of(h, card, last, flagged, today) for h, card, last, flagged in rows]
            if hits:
                at, actor, action, detail = audit
                ids = [h.household_id for h in hits]
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    entry = append_raw(conn, at, actor, action, None, detail(ids))
                    note_read(conn, entry.seq, ids)
                    conn.execute("COMMIT")
                except BaseException as e:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    if isinstance(e, sqlcipher3.Error):
                        # Nothing is shown unaudited: no entry, no results.
                        raise StoreError("the search could not be recorded in the audit log; try again") from None
                    raise
            return hits

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
