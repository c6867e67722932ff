"""A data directory and the encrypted store inside it.

Layout of a data directory (nothing here is readable without a staff password or the recovery key):

- ``store.db`` (+ ``-wal``/``-shm`` while open): the SQLCipher database;
- ``keyslots.json``: the database key wrapped once per member of staff and once for recovery;
- ``escrow.json`` (an enrolled device): the server's address and the device secret whose share
  seals the key the server escrows (``security/escrow.py``); it opens nothing without the server;
- ``signin-state.json``: failed sign-in counts and not-yet-audited failures, by opaque handle;
- ``*.lock``: empty lock files (key-slot changes, sign-in counting, who has the store open);
- ``backups/``: encrypted copies taken before a migration, and stores moved aside by a restore.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3
from sqlalchemy.orm import Session, sessionmaker

from centre_desk.domain.crashpoints import reached
from centre_desk.domain.errors import Conflict, SignInFailed, StoreError
from centre_desk.domain.household import SearchHit
from centre_desk.security import escrow, filelock
from centre_desk.security.kdf import KdfParams
from centre_desk.security.keyslots import KeySlots, Opening, new_database_key
from centre_desk.security.throttle import FileThrottle

from . import migrate, rekey
from .engine import KeyHolder, connect_raw, make_engine
from .search_path import SearchAudit, SearchPath
from .unit_of_work import SqlUnitOfWork
from .usegate import GatedUnitOfWork, UseGate
from .vault import SlotVault, update_slots

if TYPE_CHECKING:
    from .archive import Manifest

STORE_FILE = "store.db"
SLOTS_FILE = "keyslots.json"
THROTTLE_FILE = "signin-state.json"
ESCROW_FILE = "escrow.json"
USE_LOCK_FILE = "store.db.inuse.lock"
BACKUP_DIR = "backups"
OPEN_WAIT_SECONDS = 300.0  # how long an unlock waits for a re-encryption elsewhere to finish


class LocalStore:
    """An unlocked store. ``lock()`` disposes every connection and wipes the key.

    While unlocked it holds a shared lock on ``store.db.inuse.lock``; re-encryption needs it
    exclusively, so it never swaps the file under another process's open connections.
    """

    def __init__(self, directory: Path, key: KeyHolder, slots: KeySlots, *,
                 db_file: str = STORE_FILE, use_lock: filelock.FileLock | None = None) -> None:
        self.directory = directory
        self.path = directory / db_file
        self._key = key
        self.store_id = slots.store_id
        self.generation = slots.generation
        self._use_lock = use_lock or filelock.acquire(directory / USE_LOCK_FILE, shared=True, timeout=None)
        self._gate = UseGate()
        # Slot owners the last re-encryption could not seal the new key to (a slot from before
        # key pairs existed, or a public key the store does not vouch for): they need a new password.
        self.left_out: list[str] = []
        self.engine = make_engine(self.path, key, immediate=True)
        self.read_engine = make_engine(self.path, key, immediate=False)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._relaxed = sessionmaker(self.engine.execution_options(relaxed=True), expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self.vault = SlotVault(directory / SLOTS_FILE, key, lambda: self.generation, self._gate)
        self._search = SearchPath(self.path, key)

    def search_households(self, query: str, limit: int, today: date | None, audit: SearchAudit) -> list[SearchHit]:
        """Search as you type, audited (``search_path.py``): one statement on a kept connection,
        then the audit entry in a relaxed commit when households were found."""
        if self._key.wiped:
            raise StoreError("the store is locked")
        self._gate.enter()
        try:
            return self._search.search(query, limit, today, audit)
        finally:
            self._gate.leave()

    def migrate(self) -> str | None:
        return migrate.upgrade(self.engine, self.directory / BACKUP_DIR, self.copy_to)

    def unit_of_work(self, *, relaxed: bool = False) -> SqlUnitOfWork:
        """``relaxed``: commits with ``synchronous = NORMAL`` (no fsync of its own; WAL makes it
        durable at the next ordinary commit), for search audit entries."""
        if self._key.wiped:
            raise StoreError("the store is locked")
        return GatedUnitOfWork(self._relaxed if relaxed else self._writer, self._gate)

    def reader(self) -> SqlUnitOfWork:
        """A unit of work for reading only: it does not take the write lock."""
        if self._key.wiped:
            raise StoreError("the store is locked")
        return GatedUnitOfWork(self._reader, self._gate)

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
        self._gate.enter()
        try:
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
        finally:
            self._gate.leave()
        # Encrypted, but still the whole store: private to its owner like the store itself.
        os.chmod(tmp, 0o600)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)

    def write_backup(self, dest: Path, created_at: datetime) -> Manifest:
        """A backup archive of this store (database, key slots, manifest): see ``archive.py``."""
        from .archive import write_archive

        return write_archive(self, self._key, dest, created_at)

    # -- key escrow ------------------------------------------------------------------------------
    def escrow_box(self, server_url: str, pin: str | None, device_id: str) -> dict[str, object]:
        """The current key sealed for the server to keep (``security/escrow.py``): never the key.

        Makes the device secret on first use for this enrolment (a device enrolled before escrow
        existed gets one at its next sync)."""
        if self._key.wiped:
            raise StoreError("the store is locked")
        path = self.directory / ESCROW_FILE
        self._gate.enter()  # not halfway through a re-encryption: key and generation agree
        try:
            ticket = escrow.load(path)
            if ticket is None or ticket.device_id != device_id:
                ticket = escrow.create(path, server_url, pin, device_id)
            key = self._key.copy()
            try:
                return ticket.seal(key, self.store_id, self.generation)
            finally:
                key[:] = bytes(len(key))
        finally:
            self._gate.leave()

    # -- key rotation ----------------------------------------------------------------------------
    def rotation_due(self) -> bool:
        return self.vault.rotation_due()

    def rotate_key(self, wait_seconds: float = 60.0) -> bool:
        """Re-encrypt the store under a fresh key and seal it to every remaining slot (``rekey.py``).

        Returns False, changing nothing, when another process has the store open: the rotation
        stays due in ``keyslots.json`` and is done at a later sign-in. Blocks this process's
        units of work meanwhile (they wait, and carry on under the new key).
        """
        if self._key.wiped:
            raise StoreError("the store is locked")
        slots_path = self.directory / SLOTS_FILE
        with self._gate.exclusive(wait_seconds) as idle:
            if not idle:
                return False
            assert self._use_lock is not None
            self._use_lock.release()
            exclusive = filelock.acquire(self.directory / USE_LOCK_FILE, timeout=0)
            try:
                if exclusive is None:
                    return False
                self._search.close()
                self.engine.dispose()
                self.read_engine.dispose()
                new = KeyHolder(new_database_key())
                try:
                    rekey.export(self.path, self._key, new)
                    current, fresh = self._key.copy(), new.copy()
                    try:
                        self.left_out = update_slots(slots_path, lambda s: s.begin_rotation(current, fresh))
                    finally:
                        current[:] = bytes(len(current))
                        fresh[:] = bytes(len(fresh))
                    reached("rekey.sealed")
                    rekey.swap_in(self.path)
                except BaseException:
                    if rekey.rekey_path(self.path).exists():
                        # Not yet committed: undo, so the old key and slots stay as they were.
                        update_slots(slots_path, lambda s: s.abandon_rotation())
                        rekey.rekey_path(self.path).unlink(missing_ok=True)
                    new.wipe()
                    raise
                update_slots(slots_path, lambda s: s.finish_rotation())
                reached("rekey.finished")
                fresh = new.copy()
                self._key.replace(fresh)
                fresh[:] = bytes(len(fresh))
                new.wipe()
                self.generation += 1
                return True
            finally:
                if exclusive is not None:
                    exclusive.release()
                self._use_lock = filelock.acquire(self.directory / USE_LOCK_FILE, shared=True, timeout=None)

    def lock(self) -> None:
        self._search.close()
        self.engine.dispose()
        self.read_engine.dispose()
        self._key.wipe()
        if self._use_lock is not None:
            self._use_lock.release()

    @property
    def locked(self) -> bool:
        return self._key.wiped


class DataDirectory:
    """The gate to one data directory: create a store there, or unlock the one that is there."""

    def __init__(self, path: Path, kdf_params: Callable[[], KdfParams] | None = None) -> None:
        self.path = Path(path)
        self._kdf_params = kdf_params or KdfParams

    @property
    def slots_path(self) -> Path:
        return self.path / SLOTS_FILE

    @property
    def store_path(self) -> Path:
        return self.path / STORE_FILE

    def exists(self) -> bool:
        return self.slots_path.exists() or self.store_path.exists()

    def wipe(self) -> None:
        """Remove the store (a device revoked on the sync server). The key slots go first: without
        them, and without the recovery slot inside them, what is left of the database cannot be
        decrypted. Backups taken here go too."""
        import shutil

        for name in (SLOTS_FILE, STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm", THROTTLE_FILE, ESCROW_FILE):
            (self.path / name).unlink(missing_ok=True)
        shutil.rmtree(self.path / BACKUP_DIR, ignore_errors=True)

    def throttle(self) -> FileThrottle:
        return FileThrottle(self.path / THROTTLE_FILE)

    def handle(self, username: str) -> str:
        try:
            return KeySlots.load(self.slots_path).lookup(username)
        except StoreError:
            return "unknown"

    def _open(self, open_slot: Callable[[KeySlots], Opening]) -> tuple[str, LocalStore]:
        """Unlock with one slot: finish or undo a killed re-encryption, settle the slot onto the
        current key, and open the store under it."""
        use = filelock.acquire(self.path / USE_LOCK_FILE, shared=True, timeout=OPEN_WAIT_SECONDS)
        if use is None:
            raise StoreError("the store is being re-encrypted; try again in a few minutes")
        try:
            slots = KeySlots.load(self.slots_path)
            opening = open_slot(slots)
            try:
                if slots.next_generation is not None or rekey.rekey_path(self.store_path).exists():
                    pending = slots.next_generation is not None
                    rekey.recover_leftover(
                        self.store_path, pending,
                        lambda: update_slots(self.slots_path, lambda s: s.finish_rotation()),
                        lambda: update_slots(self.slots_path, lambda s: s.abandon_rotation()))
                    slots = KeySlots.load(self.slots_path)
                key = opening.keys.get(slots.generation)
                if key is None:
                    raise SignInFailed()  # an old slot: it opens only a key that is no longer used
                if not self.store_path.exists():
                    raise StoreError("the key slots are here but the store file is missing")
                holder = KeyHolder(key)
                generation = slots.generation
                if slots.settle(opening, generation):  # only write when the slot is behind
                    update_slots(self.slots_path, lambda s: s.settle(opening, generation))
            finally:
                opening.wipe()
            store = LocalStore(self.path, holder, slots, use_lock=use)
        except BaseException:
            use.release()
            raise
        try:
            store.migrate()
        except BaseException:
            store.lock()
            raise
        return opening.owner, store

    def unlock(self, username: str, password: str) -> tuple[str, LocalStore]:
        return self._open(lambda slots: slots.open(username, password))

    def escrow_ticket(self) -> escrow.EscrowTicket | None:
        """Where to ask for a first sign-in on this enrolled device (None: not enrolled)."""
        return escrow.load(self.path / ESCROW_FILE)

    def has_slot(self, username: str) -> bool:
        try:
            return KeySlots.load(self.slots_path).has_user(username)
        except StoreError:
            return False

    def unlock_with_escrow(self, box: dict[str, object]) -> LocalStore:
        """Unlock with the key the server released for a member's first sign-in here. Writes no
        slot: the caller adds the member and their slot (``SlotVault.add_member``)."""
        ticket = escrow.load(self.path / ESCROW_FILE)
        if ticket is None:
            raise StoreError("this device holds no key escrow; sign in as a member who has a key slot here")

        def opening(slots: KeySlots) -> Opening:
            key = ticket.unseal(dict(box), slots.store_id, slots.generation)
            return Opening("escrow", "", bytearray(32), {slots.generation: key})

        return self._open(opening)[1]

    def unlock_with_recovery(self, recovery_key: str) -> LocalStore:
        return self._open(lambda slots: slots.open_recovery(recovery_key))[1]

    def create(self, admin_id: str, admin_username: str, admin_password: str,
               populate: Callable[[SqlUnitOfWork], None]) -> tuple[LocalStore, str]:
        """Create the store, let ``populate`` fill it in one transaction, and only then make it live.

        The database is built under a temporary name and the key slots are written before the
        rename, so a crash at any point leaves either no store or a complete one. The Argon2id
        parameters are calibrated here, once, for this machine, and kept in the slot file.
        """
        if self.exists():
            raise Conflict("a store already exists in this data directory")
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp_name = STORE_FILE + ".new"
        for leftover in self.path.glob(tmp_name + "*"):
            leftover.unlink()
        key = new_database_key()
        slots = KeySlots.create(self.slots_path, self._kdf_params())
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
            with filelock.exclusive(self.slots_path):
                if self.slots_path.exists():
                    raise Conflict("a store already exists in this data directory")
                slots.save()
            os.replace(self.path / tmp_name, self.store_path)
            os.chmod(self.store_path, 0o600)
        except BaseException:
            building.lock()
            for leftover in self.path.glob(tmp_name + "*"):
                leftover.unlink()
            raise
        use = building._use_lock
        building._use_lock = None
        return LocalStore(self.path, holder, slots, use_lock=use), recovery_key
