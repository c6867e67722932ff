"""Backing up and restoring the local store. Administrators only (``Permission.BACKUP``).

A backup is one archive file: the store copied while it stays in use, its key slots and a
manifest, all still encrypted. A restore signs in against the key slots *in the backup* (the
passwords that were valid when it was taken), checks the member may restore, and writes
``backup.restored`` into the restored store's own audit chain before it is put in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import Conflict, SignInFailed, ValidationFailed
from centre_desk.domain.staff import Permission, require

from .ports import BackupArchives, BackupManifest, StagedRestore
from .session import DeskSession

RECOVERY_ACTOR = "recovery"


@dataclass(frozen=True)
class RestoreResult:
    manifest: BackupManifest
    moved_aside: Path | None  # where the store that was there before now is, if there was one
    actor: str  # staff id, or "recovery"


def create_backup(session: DeskSession, archives: BackupArchives, dest: Path) -> BackupManifest:
    """Write an encrypted backup archive of the open store to ``dest`` (a new file)."""
    session.require(Permission.BACKUP)
    manifest = archives.write(session.store, dest, session.clock.now())
    try:
        with session.uow() as uow:
            session.audit(uow, "backup.created", detail=f"schema {manifest.schema_revision}")
            uow.commit()
    except BaseException:
        # A backup nobody can account for must not be left lying about.
        archives.discard(dest)
        raise
    return manifest


def _restore_staged(archives: BackupArchives, staged: StagedRestore, clock: Clock, *,
                    replace: bool) -> RestoreResult:
    try:
        with staged.store.unit_of_work() as uow:
            if staged.staff_id is None:
                actor = RECOVERY_ACTOR
            else:
                member = uow.staff.get(staged.staff_id)
                if member is None or member.disabled:
                    raise SignInFailed()
                require(member, Permission.BACKUP)
                actor = member.id
            detail = f"taken {staged.manifest.created_at}" + ("; replaced a store" if replace else "")
            uow.audit.append(clock.now(), actor, "backup.restored", None, detail[:200])
            uow.commit()
        moved = archives.commit(staged, replace=replace)
    except BaseException:
        archives.abandon(staged)
        raise
    return RestoreResult(staged.manifest, moved, actor)


def restore_backup(archives: BackupArchives, clock: Clock, archive: Path, *, username: str | None = None,
                   password: str | None = None, recovery_key: str | None = None,
                   replace: bool = False) -> RestoreResult:
    """Restore ``archive`` into the data directory.

    Signs in with a password valid in the backup's key slots (``username`` + ``password``) or with
    the recovery key shown when that store was set up. Refuses to touch an existing store unless
    ``replace`` is given; then the existing store is first moved aside, whole, into ``backups/``.
    The archive is checked against its manifest before anything is written; a damaged or altered
    one is refused and nothing changes.
    """
    if (recovery_key is None) == (username is None or password is None):
        raise ValidationFailed.one("sign-in", "give either a username and password, or the recovery key")
    if archives.target_exists() and not replace:
        raise Conflict("a store already exists in this data directory; nothing was changed "
                       "(restoring over it must be asked for, and moves it aside first)")
    archives.inspect(archive)
    if recovery_key is not None:
        staged = archives.stage_with_recovery(archive, recovery_key)
    else:
        assert username is not None and password is not None
        staged = archives.stage(archive, username, password)
    return _restore_staged(archives, staged, clock, replace=replace)
