"""Bring an unlocked store up to the current schema, taking an encrypted copy first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

from centre_desk.domain.errors import StoreError

from .migrations import HEAD

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        ).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row else None


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def revisions() -> list[str]:
    """Every revision this version of the code knows, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def check_known(rev: str | None) -> None:
    """Refuse a store (or a backup of one) written by a newer version of the application.

    Alembic would only say "Can't locate revision"; staff and IT need to be told what to do.
    """
    if rev is not None and rev != HEAD and rev not in revisions():
        raise StoreError(
            f"this store was written by a newer version of Centre Desk (schema {rev}); "
            "install that version or a later one to open it"
        )


def upgrade(engine: Engine, backup_dir: Path | None, copy_store: object = None) -> str | None:
    """Upgrade to head when needed. Returns the path of the pre-migration copy, if one was taken.

    Alembic is only imported when the store is behind, which keeps an ordinary sign-in fast.
    ``copy_store`` is a callable(dest: Path) that writes an encrypted copy of the store.
    """
    rev = current_revision(engine)
    if rev == HEAD:
        return None
    check_known(rev)
    from alembic import command

    backup_path: str | None = None
    if rev is not None and backup_dir is not None and callable(copy_store):
        backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        dest = backup_dir / f"store-before-{HEAD}-from-{rev}-{stamp}.db"
        copy_store(dest)
        backup_path = str(dest)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup_path
