"""Backing up and restoring the local store. Administrators only (``Permission.BACKUP``).

A backup is one archive file: the store copied while it stays in use, its key slots and a
manifest, all still encrypted. A restore signs in against the key slots *in the backup* (the
passwords that were valid when it was taken), checks the member may restore, and writes
``backup.restored`` into the restored store's own audit chain before it is put in place. A store
that is already there is replaced only by one of *its* active administrators (or with its
recovery key), and the restore is written into its own chain before it is moved aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import Conflict, SignInFailed, SignInThrottled, ValidationFailed
from centre_desk.domain.signin import RESTORE_HANDLE
from centre_desk.domain.staff import Permission, require

from .auth import SIGNIN_EPOCH_SETTING, sign_in
from .ports import BackupArchives, BackupManifest, OpenStore, SignInThrottle, StagedRestore, StoreGate
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
            # The sign-in state file of this data directory starts afresh: not a replacement.
            uow.settings.set(SIGNIN_EPOCH_SETTING, "")
            uow.commit()
        moved = archives.commit(staged, replace=replace)
    except BaseException:
        archives.abandon(staged)
        raise
    return RestoreResult(staged.manifest, moved, actor)


def _admit_to_current(gate: StoreGate, throttle: SignInThrottle, clock: Clock, *, username: str | None,
                      password: str | None, recovery_key: str | None) -> tuple[OpenStore, str]:
    """Sign in to the store that is there now: only its active administrators (or its recovery key)
    may replace it. A disabled administrator whose password is still in the backup's slots is
    stopped here (issue 8, finding 6)."""
    if recovery_key is not None:
        wait, attempt = throttle.begin_attempt(RESTORE_HANDLE, clock.now(), "restore")
        if wait > 0:
            raise SignInThrottled(wait)
        store = gate.unlock_with_recovery(recovery_key)
        throttle.record_success(RESTORE_HANDLE, attempt, clock.now())
        return store, RECOVERY_ACTOR
    assert username is not None and password is not None
    session = sign_in(gate, throttle, clock, username, password, rotate_due=False, kind="restore")
    if not session.actor.may(Permission.BACKUP):
        with session.uow() as uow:
            session.audit(uow, "backup.restore-refused", detail="not an administrator")
            uow.commit()
        session.store.lock()
        require(session.actor, Permission.BACKUP)
    return session.store, session.actor.id


def restore_backup(archives: BackupArchives, clock: Clock, archive: Path, *, gate: StoreGate,
                   throttle: SignInThrottle, username: str | None = None, password: str | None = None,
                   recovery_key: str | None = None, backup_password: str | None = None,
                   replace: bool = False) -> RestoreResult:
    """Restore ``archive`` into the data directory.

    When a store is there, it is replaced only if ``replace`` is given and the person signs in to
    *it* as an active administrator (or with its recovery key); the restore is written into its
    audit chain before it is moved aside, whole, into ``backups/``. The backup itself is opened
    with a password valid in the backup's key slots (``backup_password``, else the same password)
    or the recovery key. Every attempt is throttled like a sign-in. A damaged or altered archive
    is refused before anything is written.
    """
    if (recovery_key is None) == (username is None or password is None):
        raise ValidationFailed.one("sign-in", "give either a username and password, or the recovery key")
    if archives.target_exists() and not replace:
        raise Conflict("a store already exists in this data directory; nothing was changed "
                       "(restoring over it must be asked for, and moves it aside first)")
    manifest = archives.inspect(archive)
    current: OpenStore | None = None
    if archives.target_exists():
        if archives.target_in_use():
            raise Conflict("the store is open in Centre Desk on this computer; close the app and try "
                           "again (nothing was changed)")
        current, current_actor = _admit_to_current(gate, throttle, clock, username=username,
                                                   password=password, recovery_key=recovery_key)
    try:
        # Guesses at the backup's passwords are counted where there is a store to count them in.
        # Into an empty folder there is none: whoever holds the archive can guess offline at the
        # same Argon2id cost anyway, and nothing current is at stake.
        attempt = ""
        if current is not None:
            wait, attempt = throttle.begin_attempt(RESTORE_HANDLE, clock.now(), "restore")
            if wait > 0:
                raise SignInThrottled(wait)
        if recovery_key is not None:
            staged = archives.stage_with_recovery(archive, recovery_key)
        else:
            assert username is not None and password is not None
            staged = archives.stage(archive, username, backup_password or password)
        if current is not None:
            throttle.record_success(RESTORE_HANDLE, attempt, clock.now())
            try:
                with current.unit_of_work() as uow:
                    uow.audit.append(clock.now(), current_actor, "backup.restoring-over",
                                     None, f"taken {manifest.created_at}"[:200])
                    uow.commit()
            except BaseException:
                archives.abandon(staged)
                raise
    finally:
        if current is not None:
            current.lock()  # closed before the move: the restore refuses a store still in use
    return _restore_staged(archives, staged, clock, replace=replace)
