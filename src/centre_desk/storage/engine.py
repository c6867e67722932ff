"""The SQLCipher engine.

The raw 256-bit key is handed to SQLCipher as the very first statement on every new connection,
inside our own ``creator``: it never appears in a URL, in SQLAlchemy's statement log or in an
exception. A build of the driver without SQLCipher would silently ignore the key and write
plaintext, so every connection proves ``cipher_version`` is present before anything else happens.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from centre_desk.domain.errors import StoreError

BUSY_TIMEOUT_MS = 10_000


class KeyHolder:
    """Owns the database key for as long as the store is unlocked; ``wipe`` forgets it.

    Python cannot promise that no copy of a bytes object survives in memory, but keeping the key
    in one mutable buffer that is overwritten on lock, and disposing every pooled connection
    (SQLCipher wipes its own copy of the key whatever ``cipher_memory_security`` says), is as far as it can be taken.
    """

    def __init__(self, key: bytes | bytearray) -> None:
        self._key = bytearray(key)

    def pragma(self) -> str:
        if not self._key:
            raise StoreError("the store is locked")
        return f"PRAGMA key = \"x'{self._key.hex()}'\";"

    def apply(self, conn: Any) -> None:
        """Key one connection. The statement is the only text copy of the key: it is run outside
        the driver's statement cache (``executescript``) and overwritten straight after."""
        statement = self.pragma()
        try:
            conn.executescript(statement)
        finally:
            wipe_text(statement)

    def attach_value(self) -> str:
        """The key as SQLCipher's ``ATTACH ... KEY ?`` parameter; the caller wipes it with ``wipe_text``."""
        if not self._key:
            raise StoreError("the store is locked")
        return f"x'{self._key.hex()}'"

    def replace(self, key: bytes | bytearray) -> None:
        """Swap in a new key (after re-encryption); the old one is overwritten."""
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray(key)

    def copy(self) -> bytearray:
        return bytearray(self._key)

    def wipe(self) -> None:
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray()

    @property
    def wiped(self) -> bool:
        return not self._key


def wipe_text(text: str) -> None:
    """Overwrite an ASCII ``str`` in place (CPython): best effort, for the key's hex text only.

    Python strings are immutable and may be copied, so this cannot promise that no copy survives;
    it does stop the one copy we made from lingering until its memory happens to be reused.
    """
    if sys.implementation.name != "cpython" or not text.isascii() or sys.getrefcount(text) > 3:
        return
    header = sys.getsizeof("") - 1  # size of the compact ASCII header before the characters
    ctypes.memset(id(text) + header, ord("0"), len(text))


MEMORY_SECURITY_ENV = "CENTRE_DESK_MEMORY_SECURITY"


def memory_security() -> bool:
    """SQLCipher's ``cipher_memory_security`` (lock and wipe every allocation SQLite makes), off
    unless ``CENTRE_DESK_MEMORY_SECURITY=on``: measured and decided in docs/ARCHITECTURE.md
    ("Memory security"). SQLCipher wipes and locks its own key material either way. Once on in a
    process it stays on for that process (SQLCipher ignores turning it off)."""
    return os.environ.get(MEMORY_SECURITY_ENV, "").strip().lower() in {"on", "1", "true", "yes"}


def connect_raw(path: Path, key: KeyHolder) -> Any:
    """Open one SQLCipher DB-API connection with the key applied and the store proved readable."""
    try:
        conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    except sqlcipher3.Error:
        raise StoreError("the store file could not be opened") from None
    try:
        key.apply(conn)
        row = conn.execute("PRAGMA cipher_version").fetchone()
        if not row or not row[0]:
            raise StoreError("this build has no SQLCipher: refusing to write an unencrypted store")
        if memory_security():
            conn.execute("PRAGMA cipher_memory_security = ON")
        # Reading the schema is what fails when the key is wrong or the file is not a store.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
    except StoreError:
        conn.close()
        raise
    except sqlcipher3.Error:
        conn.close()
        raise StoreError("the store could not be unlocked: wrong key or damaged file") from None
    return conn


def make_engine(path: Path, key: KeyHolder, *, immediate: bool = True) -> Engine:
    """An engine whose transactions begin IMMEDIATE (writers) or DEFERRED (readers).

    Writers take the write lock at BEGIN so two writers queue on the busy timeout instead of one
    failing when it upgrades a read transaction mid-way (SQLite's BUSY_SNAPSHOT).
    """
    engine = create_engine(
        "sqlite://",
        creator=lambda: connect_raw(path, key),
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=4,
        pool_pre_ping=False,
    )
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # SQLite only lets the sync level change outside a transaction, so a unit of work bound
        # with execution_options(relaxed=True) asks for NORMAL here, and the next ordinary one
        # on the same connection puts FULL back.
        relaxed = bool(conn.get_execution_options().get("relaxed"))
        if conn.info.get("relaxed", False) != relaxed:
            conn.exec_driver_sql(f"PRAGMA synchronous = {'NORMAL' if relaxed else 'FULL'}")
            conn.info["relaxed"] = relaxed
        conn.exec_driver_sql(begin)

    return engine
