"""Backup and restore commands.

``backup --out FILE`` writes one archive (store + key slots + manifest, still encrypted) and is safe
while the app is running. ``restore FILE`` signs in against the key slots *inside the backup*,
checks the archive, and refuses to touch an existing store unless ``--replace`` is given.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .common import (
    BACKUP_PASSWORD_ENV,
    EXIT_OK,
    EXIT_USAGE,
    PASSWORD_ENV,
    PROG,
    RECOVERY_KEY_ENV,
    CliError,
    Context,
    Parser,
    _read_password,
    read_recovery_key,
    refuse_recovery_key_option,
)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def cmd_backup(ctx: Context) -> int:
    from centre_desk.services.backup import create_backup
    from centre_desk.storage.archive import StoreBackups

    out = Path(ctx.args.out).expanduser()
    if out.exists():
        raise CliError(f"{out} already exists; choose a new file name (nothing was written)")
    session = ctx.session()
    manifest = create_backup(session, StoreBackups(ctx.wiring.data_dir), out)
    print(f"Backup written to {out} ({_megabytes(out.stat().st_size)}, schema {manifest.schema_revision})")
    print("It is encrypted: restoring it needs the password of a member of staff who could sign in "
          "when it was taken, or the store's recovery key.")
    return EXIT_OK


def cmd_restore(ctx: Context) -> int:
    from centre_desk.services.backup import restore_backup
    from centre_desk.storage.archive import StoreBackups

    a = ctx.args
    archive = Path(a.file).expanduser()
    if not archive.is_file():
        raise CliError(f"there is no backup file at {archive}")
    data_dir = ctx.wiring.data_dir
    if ctx.wiring.gate.exists() and not a.replace:
        raise CliError(f"a store already exists in {data_dir}; nothing was changed. Give --replace to "
                       "move it aside into backups/ and restore over it")
    archives = StoreBackups(data_dir)
    refuse_recovery_key_option(a.recovery_key)
    w = ctx.wiring
    if a.use_recovery_key:
        key = read_recovery_key()
        result = restore_backup(archives, w.clock, archive, gate=w.gate, throttle=w.throttle,
                                recovery_key=key, replace=a.replace)
        del key
    else:
        if not a.user:
            raise CliError("--user (an administrator) or --use-recovery-key is required", EXIT_USAGE)
        password = _read_password(PASSWORD_ENV, "password")
        result = restore_backup(archives, w.clock, archive, gate=w.gate, throttle=w.throttle, username=a.user,
                                password=password, backup_password=os.environ.get(BACKUP_PASSWORD_ENV),
                                replace=a.replace)
    m = result.manifest
    print(f"Restored the backup taken {m.created_at} (schema {m.schema_revision}) into {data_dir}")
    if result.moved_aside is not None:
        print(f"The store that was there has been moved to {result.moved_aside}")
    print("Staff sign in with the passwords they had when the backup was taken.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    backup = sub.add_parser(
        "backup", help="write an encrypted backup archive of the store (safe while the app runs)",
        description=f"Example: {PROG} --user alex backup --out /media/usb/centre-desk-2026-11-21.cdbackup")
    backup.add_argument("--out", required=True, metavar="FILE", help="the archive to write (a new file)")
    backup.set_defaults(handler=cmd_backup)

    restore = sub.add_parser(
        "restore", help="restore an encrypted backup archive into the data directory",
        description="Signs in with a password valid in the backup (--user, password from "
                    f"{PASSWORD_ENV} or standard input; {BACKUP_PASSWORD_ENV} if it was different "
                    "then) or with --use-recovery-key. Over an existing store (--replace), only an "
                    "active administrator of that store (or its recovery key) may restore.")
    restore.add_argument("file", metavar="FILE", help="the backup archive")
    restore.add_argument("--replace", action="store_true",
                         help="restore over an existing store, moving it aside into backups/ first")
    restore.add_argument("--use-recovery-key", action="store_true",
                         help=f"sign in with the store's recovery key (from {RECOVERY_KEY_ENV} or standard input)")
    restore.add_argument("--recovery-key", help=argparse.SUPPRESS)  # refused: see RECOVERY_KEY_REFUSED
    restore.set_defaults(handler=cmd_restore)
