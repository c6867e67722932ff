"""Backup archives: one file holding a consistent, still-encrypted copy of a store.

An archive is an uncompressed POSIX tar (its members are encrypted, so compression would gain
nothing) with exactly these members, in this order:

- ``manifest.json``: format, application version, store id, schema revision, when it was taken,
  and the size and SHA-256 of each of the two members below. No personal data.
- ``manifest.hmac``: HMAC-SHA256 of ``manifest.json`` under a key derived from the database key.
  The hashes catch a damaged or edited file before anyone types a password; the HMAC means that
  only someone holding the database key can write a manifest that a restore accepts.
- ``keyslots.json``: the key slots as they were (the database key wrapped per password).
- ``store.db``: the SQLCipher database, copied through SQLite's online backup API so the copy is
  consistent while the application keeps writing.

Nothing is ever written in plaintext: the database stays encrypted under its own key, which is
only ever held in memory. A restore opens the archive's key slots with a password (or the recovery
key) valid when the backup was taken, so the restored store opens with those same passwords.

Restoring is staged: the members are extracted into a hidden folder inside the data directory,
checked, migrated to the current schema and audited there, and only then renamed into place. If a
store is already there it is first moved, whole, into ``backups/replaced-<time>/`` — itself a
complete data directory that can be opened with ``--data-dir``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import io
import json
import os
import shutil
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import sqlcipher3

from centre_desk import __version__
from centre_desk.domain.errors import Conflict, NotFound, SignInFailed, StoreError
from centre_desk.security import filelock
from centre_desk.security.files import fsync_dir
from centre_desk.security.keyslots import KeySlots, Opening

from . import migrate
from .engine import KeyHolder, connect_raw
from .store import BACKUP_DIR, SLOTS_FILE, STORE_FILE, THROTTLE_FILE, USE_LOCK_FILE, DataDirectory, LocalStore

FORMAT = "centre-desk-backup/1"
MANIFEST = "manifest.json"
MANIFEST_MAC = "manifest.hmac"
MEMBERS = (SLOTS_FILE, STORE_FILE)
ARCHIVE_ORDER = (MANIFEST, MANIFEST_MAC, *MEMBERS)
SMALL_MEMBER_LIMIT = 4 * 1024 * 1024  # manifest, its HMAC and the key slots are a few KB
_MAC_LABEL = b"centre-desk backup manifest v1"
_CHUNK = 1024 * 1024
_STAGE_PREFIX = ".restore-"
_STALE_STAGE_SECONDS = 24 * 3600

DAMAGED = "the backup file is damaged or has been altered"


@dataclass(frozen=True)
class Manifest:
    store_id: str
    schema_revision: str
    created_at: str
    app_version: str
    members: Mapping[str, tuple[int, str]] = field(default_factory=dict)  # name -> (size, sha256)
    raw: bytes = b""

    @property
    def size(self) -> int:
        return sum(size for size, _ in self.members.values())

    def to_json(self) -> bytes:
        body = {
            "format": FORMAT,
            "app_version": self.app_version,
            "store_id": self.store_id,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "members": {name: {"size": size, "sha256": digest}
                        for name, (size, digest) in sorted(self.members.items())},
        }
        return json.dumps(body, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        try:
            body = json.loads(raw.decode("utf-8"))
            if not isinstance(body, dict) or body.get("format") != FORMAT:
                raise StoreError("this is not a Centre Desk backup, or one in a format this version "
                                 "cannot read")
            members = {name: (int(body["members"][name]["size"]), str(body["members"][name]["sha256"]))
                       for name in MEMBERS}
            return cls(str(body["store_id"]), str(body["schema_revision"]), str(body["created_at"]),
                       str(body.get("app_version", "")), members, raw)
        except StoreError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError):
            raise StoreError(f"{DAMAGED} (its manifest cannot be read)") from None


def _mac(key: KeyHolder, data: bytes) -> str:
    raw = key.copy()
    try:
        subkey = hmac.new(bytes(raw), _MAC_LABEL, hashlib.sha256).digest()
    finally:
        raw[:] = bytes(len(raw))
    return hmac.new(subkey, data, hashlib.sha256).hexdigest()


def _hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _facts(db: Path, key: KeyHolder) -> tuple[str, str | None]:
    """(schema revision, store id) read from an encrypted store file."""
    conn = connect_raw(db, key)
    try:
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        sid = conn.execute("SELECT value FROM settings WHERE key = 'store_id'").fetchone()
    except sqlcipher3.Error:
        raise StoreError("the store in the backup cannot be read") from None
    finally:
        conn.close()
    if not rev:
        raise StoreError("the store in the backup has no schema revision")
    return str(rev[0]), (str(sid[0]) if sid else None)


# -- writing ----------------------------------------------------------------------------------------


def _add(tar: tarfile.TarFile, name: str, fileobj: IO[bytes], size: int, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(mtime)
    info.type = tarfile.REGTYPE
    tar.addfile(info, fileobj)


def write_archive(store: LocalStore, key: KeyHolder, dest: Path, created_at: datetime) -> Manifest:
    """Write one backup archive of ``store`` to ``dest``; a new file, never a partial one."""
    dest = Path(dest).expanduser().absolute()
    if dest.exists():
        raise Conflict("the backup file already exists; choose another name")
    if not dest.parent.is_dir():
        raise NotFound("the folder for the backup file does not exist")
    part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    stage = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.d")
    stage.mkdir(mode=0o700)
    try:
        db = stage / STORE_FILE
        # The database first, the key slots after: a slot written in between (a new member of
        # staff) is then an orphan that opens nothing, never a member who cannot sign in.
        store.copy_to(db)
        slots = (store.directory / SLOTS_FILE).read_bytes()
        revision, store_id = _facts(db, key)
        for leftover in (stage / (STORE_FILE + "-wal"), stage / (STORE_FILE + "-shm")):
            leftover.unlink(missing_ok=True)
        if store_id is not None and store_id != store.store_id:
            raise StoreError("the store and its key slots belong to different stores")
        members = {SLOTS_FILE: (len(slots), hashlib.sha256(slots).hexdigest()), STORE_FILE: _hash_file(db)}
        manifest = Manifest(store.store_id, revision, created_at.astimezone(UTC).isoformat(), __version__,
                            members)
        raw = manifest.to_json()
        mac = _mac(key, raw).encode("ascii")
        mtime = created_at.timestamp()
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
                _add(tar, MANIFEST, io.BytesIO(raw), len(raw), mtime)
                _add(tar, MANIFEST_MAC, io.BytesIO(mac), len(mac), mtime)
                _add(tar, SLOTS_FILE, io.BytesIO(slots), len(slots), mtime)
                with db.open("rb") as src:
                    _add(tar, STORE_FILE, src, members[STORE_FILE][0], mtime)
            fh.flush()
            os.fsync(fh.fileno())
        if dest.exists():
            raise Conflict("the backup file already exists; choose another name")
        os.replace(part, dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        raise StoreError(f"the backup file could not be written ({exc.strerror or type(exc).__name__})") from None
    finally:
        part.unlink(missing_ok=True)
        shutil.rmtree(stage, ignore_errors=True)
    return Manifest(manifest.store_id, manifest.schema_revision, manifest.created_at, manifest.app_version,
                    members, raw)


# -- reading ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _open_archive(path: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, tarfile.TarInfo]]]:
    if not path.is_file():
        raise NotFound("there is no backup file at that path")
    try:
        tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed in the finally below
    except (tarfile.TarError, OSError):
        raise StoreError("this is not a Centre Desk backup file (or it is damaged)") from None
    try:
        try:
            infos = tar.getmembers()
        except (tarfile.TarError, OSError):
            raise StoreError(f"{DAMAGED} (it ends early or its structure is broken)") from None
        names = [i.name for i in infos]
        if sorted(names) != sorted(ARCHIVE_ORDER) or not all(i.isreg() for i in infos):
            raise StoreError("this is not a Centre Desk backup file: its contents are not what a backup holds")
        yield tar, {i.name: i for i in infos}
    finally:
        tar.close()


def _read_small(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    if info.size > SMALL_MEMBER_LIMIT:
        raise StoreError(f"{DAMAGED} ({info.name} is far larger than it can be)")
    fh = tar.extractfile(info)
    assert fh is not None
    return fh.read()


def _copy_member(tar: tarfile.TarFile, info: tarfile.TarInfo, out: IO[bytes] | None,
                 expected: tuple[int, str]) -> None:
    """Stream one member (to ``out`` if given), failing unless it matches its manifest entry."""
    size, digest = expected
    if info.size != size:
        raise StoreError(f"{DAMAGED} ({info.name} does not match its manifest); nothing was restored")
    fh = tar.extractfile(info)
    assert fh is not None
    h = hashlib.sha256()
    try:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            if out is not None:
                out.write(chunk)
    except (tarfile.TarError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StoreError("there is not enough disk space to restore the backup") from None
        raise StoreError(f"{DAMAGED} ({info.name} cannot be read); nothing was restored") from None
    if not hmac.compare_digest(h.hexdigest(), digest):
        raise StoreError(f"{DAMAGED} ({info.name} does not match its manifest); nothing was restored")


def inspect_archive(path: Path) -> Manifest:
    """Read the manifest and check every member against it. Needs no password."""
    with _open_archive(Path(path)) as (tar, infos):
        manifest = Manifest.parse(_read_small(tar, infos[MANIFEST]))
        for name in MEMBERS:
            _copy_member(tar, infos[name], None, manifest.members[name])
    return manifest


# -- restoring --------------------------------------------------------------------------------------


def _key_of(slots: KeySlots, opening: Opening, staff: bool) -> tuple[str | None, bytearray]:
    """The key a backup's slot opens for the generation its slot file says is current."""
    try:
        key = opening.keys.get(slots.generation)
        if key is None:
            raise SignInFailed()
        return (opening.owner if staff else None), bytearray(key)
    finally:
        opening.wipe()


@dataclass
class StagedRestore:
    """A restored store waiting in its staging folder, unlocked, before it is put in place."""

    directory: Path
    store: LocalStore
    staff_id: str | None  # None when unlocked with the recovery key
    manifest: Manifest


def _store_in_use(data_dir: Path) -> bool:
    """Whether another process has the store open.

    In WAL mode every SQLite connection holds a shared lock on the "DMS" byte (offset 128) of the
    ``-shm`` file for as long as it is open; if we cannot take a write lock on it, someone is in.
    On Windows the rename that moves the store aside fails instead while the app has it open.
    """
    if (data_dir / USE_LOCK_FILE).exists():
        held = filelock.acquire(data_dir / USE_LOCK_FILE, timeout=0)
        if held is None:
            return True
        held.release()
    shm = data_dir / (STORE_FILE + "-shm")
    if not shm.exists():
        return False
    try:
        import fcntl
    except ImportError:  # Windows: the move itself is refused while the file is open
        return False
    try:
        fd = os.open(shm, os.O_RDWR)
    except OSError:
        return True
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 128)
        return False
    finally:
        os.close(fd)


class StoreBackups:
    """Backup archives of one data directory (the services' ``BackupArchives`` port)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.gate = DataDirectory(self.data_dir)

    # -- backup --------------------------------------------------------------------------------
    def write(self, store: object, dest: Path, created_at: datetime) -> Manifest:
        if not isinstance(store, LocalStore):
            raise TypeError("only a local store can be backed up")
        return store.write_backup(dest, created_at)

    def discard(self, dest: Path) -> None:
        Path(dest).unlink(missing_ok=True)

    # -- restore -------------------------------------------------------------------------------
    def target_exists(self) -> bool:
        return self.gate.exists()

    def target_in_use(self) -> bool:
        return _store_in_use(self.data_dir)

    def inspect(self, archive: Path) -> Manifest:
        return inspect_archive(archive)

    def _clean_stale_stages(self) -> None:
        if not self.data_dir.is_dir():
            return
        for old in self.data_dir.glob(_STAGE_PREFIX + "*"):
            with contextlib.suppress(OSError):
                if old.is_dir() and time.time() - old.stat().st_mtime > _STALE_STAGE_SECONDS:
                    shutil.rmtree(old, ignore_errors=True)

    def stage(self, archive: Path, username: str, password: str) -> StagedRestore:
        return self._stage(Path(archive), lambda slots: _key_of(slots, slots.open(username, password), True))

    def stage_with_recovery(self, archive: Path, recovery_key: str) -> StagedRestore:
        return self._stage(Path(archive), lambda slots: _key_of(slots, slots.open_recovery(recovery_key), False))

    def _stage(self, archive: Path,
               unlock: Callable[[KeySlots], tuple[str | None, bytearray]]) -> StagedRestore:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._clean_stale_stages()
        stage = self.data_dir / f"{_STAGE_PREFIX}{uuid.uuid4().hex}"
        stage.mkdir(mode=0o700)
        store: LocalStore | None = None
        try:
            with _open_archive(archive) as (tar, infos):
                manifest = Manifest.parse(_read_small(tar, infos[MANIFEST]))
                mac = _read_small(tar, infos[MANIFEST_MAC]).decode("ascii", "replace").strip()
                migrate.check_known(manifest.schema_revision)
                # Extract and check the hashes again while writing: the file may have changed
                # since it was inspected.
                for name in MEMBERS:
                    fd = os.open(stage / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                 | getattr(os, "O_BINARY", 0), 0o600)
                    with os.fdopen(fd, "wb") as out:
                        _copy_member(tar, infos[name], out, manifest.members[name])
                        out.flush()
                        os.fsync(out.fileno())
            slots = KeySlots.load(stage / SLOTS_FILE)
            if slots.store_id != manifest.store_id:
                raise StoreError(f"{DAMAGED} (its key slots belong to another store); nothing was restored")
            owner, key = unlock(slots)
            holder = KeyHolder(key)
            key[:] = bytes(len(key))
            if not hmac.compare_digest(_mac(holder, manifest.raw), mac):
                holder.wipe()
                raise StoreError(f"{DAMAGED} (its manifest was changed); nothing was restored")
            store = LocalStore(stage, holder, slots)
            revision, store_id = _facts(store.path, holder)
            if revision != manifest.schema_revision or store_id not in (None, manifest.store_id):
                raise StoreError(f"{DAMAGED} (the store does not match its manifest); nothing was restored")
            # The archive itself is the pre-migration copy, so none is taken here.
            migrate.upgrade(store.engine, None)
            return StagedRestore(stage, store, owner, manifest)
        except BaseException:
            if store is not None:
                store.lock()
            shutil.rmtree(stage, ignore_errors=True)
            raise

    def abandon(self, staged: object) -> None:
        if not isinstance(staged, StagedRestore):
            raise TypeError("not a staged restore")
        staged.store.lock()
        shutil.rmtree(staged.directory, ignore_errors=True)

    def commit(self, staged: object, *, replace: bool) -> Path | None:
        """Put the staged store in place. Returns where the store that was there was moved to.

        The store file's rename is the commit point, as when a store is created: key slots
        first, then the database.
        """
        if not isinstance(staged, StagedRestore):
            raise TypeError("not a staged restore")
        staged.store.lock()  # disposes every connection: SQLite checkpoints and removes the WAL
        for leftover in (STORE_FILE + "-wal", STORE_FILE + "-shm"):
            if (staged.directory / leftover).exists():
                raise StoreError("the restored store was not closed cleanly; nothing was restored")
        moved: list[tuple[Path, Path]] = []
        aside: Path | None = None
        placed_slots = False
        try:
            if self.gate.exists():
                if not replace:
                    raise Conflict("a store already exists in this data directory; nothing was changed")
                if _store_in_use(self.data_dir):
                    raise Conflict("the store is open in Centre Desk on this computer; close the app "
                                   "and try again (nothing was changed)")
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                (self.data_dir / BACKUP_DIR).mkdir(mode=0o700, exist_ok=True)
                aside = self.data_dir / BACKUP_DIR / f"replaced-{stamp}-{uuid.uuid4().hex[:6]}"
                aside.mkdir(mode=0o700)
                for name in (STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm", SLOTS_FILE, THROTTLE_FILE):
                    src = self.data_dir / name
                    if src.exists():
                        try:
                            os.replace(src, aside / name)
                        except PermissionError:
                            raise Conflict("the store is open in Centre Desk on this computer; close the "
                                           "app and try again") from None
                        moved.append((aside / name, src))
            os.replace(staged.directory / SLOTS_FILE, self.data_dir / SLOTS_FILE)
            placed_slots = True
            os.replace(staged.directory / STORE_FILE, self.data_dir / STORE_FILE)  # the commit point
        except BaseException:
            # Take back the restored key slots if they were placed, and put back whatever was
            # moved aside, so that a failure leaves the data directory as it was.
            if placed_slots:
                (self.data_dir / SLOTS_FILE).unlink(missing_ok=True)
            for dst, src in reversed(moved):
                with contextlib.suppress(OSError):
                    os.replace(dst, src)
            if aside is not None:
                with contextlib.suppress(OSError):
                    aside.rmdir()
            raise
        finally:
            shutil.rmtree(staged.directory, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.chmod(self.data_dir / STORE_FILE, 0o600)
        fsync_dir(self.data_dir)
        return aside
