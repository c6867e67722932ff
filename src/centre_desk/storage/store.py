"""A data directory and the encrypted store inside it.

Layout of a data directory (nothing here is readable without a staff password or the recovery key):

- ``store.db`` (+ ``-wal``/``-shm`` while open): the SQLCipher database;
- ``keyslots.json``: the database key wrapped once per member of staff and once for recovery;
- ``signin-state.json``: failed sign-in counts and not-yet-audited failures, by opaque handle;
- ``backups/``: encrypted copies taken before a migration, and stores moved aside by a restore.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3
from sqlalchemy.orm import Session, sessionmaker

from centre_desk.domain.errors import Conflict, StoreError
from centre_desk.security.keyslots import KeySlots, new_database_key
from centre_desk.security.throttle import FileThrottle

from . import migrate
from .engine import KeyHolder, connect_raw, make_engine
from .unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    from .archive import Manifest

STORE_FILE = "store.db"
SLOTS_FILE = "keyslots.json"
THROTTLE_FILE = "signin-state.json"
BACKUP_DIR = "backups"


class SlotVault:
    """Key slot changes for an unlocked store; it is the only thing here that sees the key."""

    def __init__(self, slots: KeySlots, key: KeyHolder) -> None:
        self._slots = slots
        self._key = key

    def _set(self, staff_id: str, username: str, password: str) -> None:
        if self._key.wiped:
            raise StoreError("the store is locked")
        key = self._key.copy()
        try:
            self._slots.set_user(staff_id, username, password, key)
        finally:
            key[:] = bytes(len(key))
        self._slots.save()

    def add_member(self, staff_id: str, username: str, password: str) -> None:
        self._set(staff_id, username, password)

    def set_password(self, staff_id: str, username: str, password: str) -> None:
        self._set(staff_id, username, password)

    def remove_member(self, staff_id: str) -> None:
        if self._slots.remove_owner(staff_id):
            self._slots.save()

    def has_slot(self, staff_id: str) -> bool:
        return staff_id in self._slots.owners()


class LocalStore:
    """An unlocked store. ``lock()`` disposes every connection and wipes the key."""

    def __init__(self, directory: Path, key: KeyHolder, slots: KeySlots, *,
                 db_file: str = STORE_FILE) -> None:
        self.directory = directory
        self.path = directory / db_file
        self._key = key
        self.store_id = slots.store_id
        self.engine = make_engine(self.path, key, immediate=True)
        self.read_engine = make_engine(self.path, key, immediate=False)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._relaxed = sessionmaker(self.engine.execution_options(relaxed=True), expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self.vault = SlotVault(slots, key)

    def migrate(self) -> str | None:
        return migrate.upgrade(self.engine, self.directory / BACKUP_DIR, self.copy_to)

    def unit_of_work(self, *, relaxed: bool = False) -> SqlUnitOfWork:
        """``relaxed``: commits with ``synchronous = NORMAL`` (no fsync of its own; WAL makes it
        durable at the next ordinary commit), for search audit entries."""
        if self._key.wiped:
            raise StoreError("the store is locked")
        return SqlUnitOfWork(self._relaxed if relaxed else self._writer)

    def reader(self) -> SqlUnitOfWork:
        """A unit of work for reading only: it does not take the write lock."""
        if self._key.wiped:
            raise StoreError("the store is locked")
        return SqlUnitOfWork(self._reader)

    def session_factories(self) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
        return self._writer, self._reader

    def copy_to(self, dest: Path) -> None:
        """A consistent, still-encrypted copy through SQLite's online backup API.

        Safe while other connections write: the backup restarts if the source changes under it.
        """
        if dest.exists():
            raise Conflict("the backup file already exists")
        tmp = dest.with_name(dest.name + ".part")
        tmp.unlink(missing_ok=True)
        src = connect_raw(self.path, self._key)
        try:
            dst = connect_raw(tmp, self._key)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE").fetchone()
            finally:
                dst.close()
        except sqlcipher3.Error:
            tmp.unlink(missing_ok=True)
            raise StoreError("the copy of the store could not be written") from None
        finally:
            src.close()
        # Encrypted, but still the whole store: private to its owner like the store itself.
        os.chmod(tmp, 0o600)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)

    def write_backup(self, dest: Path, created_at: datetime) -> Manifest:
        """A backup archive of this store (database, key slots, manifest): see ``archive.py``."""
        from .archive import write_archive

        return write_archive(self, self._key, dest, created_at)

    def lock(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        self._key.wipe()

    @property
    def locked(self) -> bool:
        return self._key.wiped


class DataDirectory:
    """The gate to one data directory: create a store there, or unlock the one that is there."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def slots_path(self) -> Path:
        return self.path / SLOTS_FILE

    @property
    def store_path(self) -> Path:
        return self.path / STORE_FILE

    def exists(self) -> bool:
        return self.slots_path.exists() or self.store_path.exists()

    def throttle(self) -> FileThrottle:
        return FileThrottle(self.path / THROTTLE_FILE)

    def handle(self, username: str) -> str:
        try:
            return KeySlots.load(self.slots_path).lookup(username)
        except StoreError:
            return "unknown"

    def _open(self, slots: KeySlots, key: bytearray) -> LocalStore:
        if not self.store_path.exists():
            raise StoreError("the key slots are here but the store file is missing")
        holder = KeyHolder(key)
        key[:] = bytes(len(key))
        store = LocalStore(self.path, holder, slots)
        try:
            store.migrate()
        except BaseException:
            store.lock()
            raise
        return store

    def unlock(self, username: str, password: str) -> tuple[str, LocalStore]:
        slots = KeySlots.load(self.slots_path)
        owner, key = slots.unlock(username, password)
        return owner, self._open(slots, key)

    def unlock_with_recovery(self, recovery_key: str) -> LocalStore:
        slots = KeySlots.load(self.slots_path)
        return self._open(slots, slots.unlock_with_recovery(recovery_key))

    def create(self, admin_id: str, admin_username: str, admin_password: str,
               populate: Callable[[SqlUnitOfWork], None]) -> tuple[LocalStore, str]:
        """Create the store, let ``populate`` fill it in one transaction, and only then make it live.

        The database is built under a temporary name and the key slots are written before the
        rename, so a crash at any point leaves either no store or a complete one.
        """
        if self.exists():
            raise Conflict("a store already exists in this data directory")
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp_name = STORE_FILE + ".new"
        for leftover in self.path.glob(tmp_name + "*"):
            leftover.unlink()
        key = new_database_key()
        slots = KeySlots.create(self.slots_path)
        slots.set_user(admin_id, admin_username, admin_password, key)
        recovery_key = slots.set_recovery(key)
        holder = KeyHolder(key)
        key[:] = bytes(len(key))
        building = LocalStore(self.path, holder, slots, db_file=tmp_name)
        try:
            building.migrate()
            with building.unit_of_work() as uow:
                uow.settings.set("store_id", slots.store_id)
                populate(uow)
                uow.commit()
            building.engine.dispose()
            building.read_engine.dispose()
            slots.save()
            os.replace(self.path / tmp_name, self.store_path)
            os.chmod(self.store_path, 0o600)
        except BaseException:
            building.lock()
            for leftover in self.path.glob(tmp_name + "*"):
                leftover.unlink()
            raise
        return LocalStore(self.path, holder, slots), recovery_key
