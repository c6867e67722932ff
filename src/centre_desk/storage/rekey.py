"""Re-encrypting a store under a fresh database key, crash-safe at every step.

The steps, with the state a kill -9 after each one leaves (every state opens for the staff whose
slots remain; ``DataDirectory`` finishes or abandons a half-done one at the next sign-in):

1. ``sqlcipher_export`` into ``store.db.rekey`` under the new key, fsync. Killed here: the old
   store and old slots are untouched; the leftover file is deleted.
2. The new key is sealed to every remaining slot's public key and the file says ``next`` (write
   under the slot lock, atomic). Killed here: ``next`` is set and ``store.db.rekey`` still exists,
   so the rename did not happen: the sealed keys are forgotten and the old key still opens.
3. The old store's WAL is checkpointed away, then ``store.db.rekey`` is renamed over ``store.db``
   and the folder fsynced: the commit point. Killed here: ``next`` is set and there is no
   ``store.db.rekey``: the re-encryption is finished from the sealed keys.
4. The slot file makes the next generation current and drops every directly wrapped old key.

Writers are blocked throughout: other processes by the exclusive store-use lock (nobody else has
the store open), this process by the store's own gate, so no committed write can be lost.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import sqlcipher3

from centre_desk.domain.crashpoints import reached
from centre_desk.domain.errors import StoreError
from centre_desk.security.files import fsync_dir

from .engine import KeyHolder, connect_raw, wipe_text

REKEY_SUFFIX = ".rekey"


def rekey_path(db: Path) -> Path:
    return db.with_name(db.name + REKEY_SUFFIX)


def export(db: Path, old: KeyHolder, new: KeyHolder) -> Path:
    """Step 1: a complete copy of ``db`` under ``new``, fsynced, in rollback-journal mode."""
    dest = rekey_path(db)
    dest.unlink(missing_ok=True)
    # Created empty (an empty file is an empty database to SQLite) so it is 0600 from the start.
    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600))
    conn = connect_raw(db, old)
    try:
        value = new.attach_value()
        try:
            conn.execute("ATTACH DATABASE ? AS rekey KEY ?", (str(dest), value))
        finally:
            wipe_text(value)
        conn.execute("SELECT sqlcipher_export('rekey')").fetchone()
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA rekey.user_version = {int(version)}")
        conn.execute("DETACH DATABASE rekey")
        # Leave the old store with no WAL behind it, so nothing of it is replayed onto the new file.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlcipher3.Error:
        dest.unlink(missing_ok=True)
        raise StoreError("the store could not be re-encrypted (nothing was changed)") from None
    finally:
        conn.close()
    check = connect_raw(dest, new)  # proves the copy opens under the new key before anyone relies on it
    try:
        check.execute("PRAGMA journal_mode = DELETE").fetchone()
        check.execute("PRAGMA quick_check").fetchone()
    finally:
        check.close()
    with dest.open("rb") as fh:
        os.fsync(fh.fileno())
    reached("rekey.exported")
    return dest


def swap_in(db: Path) -> None:
    """Step 3: the commit point. Every connection to the old store must be closed by now."""
    src = rekey_path(db)
    wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError("the store is still in use; the re-encryption was not finished")
    wal.unlink(missing_ok=True)
    shm.unlink(missing_ok=True)
    os.replace(src, db)
    fsync_dir(db.parent)
    reached("rekey.renamed")


def recover_leftover(db: Path, next_pending: bool, finish: Callable[[], None], abandon: Callable[[], None]) -> None:
    """At open, with the store-use lock held (so no re-encryption is running): complete or undo a
    re-encryption that was killed, following the rule in this module's docstring."""
    leftover = rekey_path(db)
    if next_pending:
        if leftover.exists():
            abandon()
            leftover.unlink(missing_ok=True)
        else:
            finish()
    else:
        leftover.unlink(missing_ok=True)
