"""The server's Alembic migrations build exactly the schema its models describe (SQLite here;
PostgreSQL in tests/integration/test_server_schema_pg.py)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from centre_desk.server.db import MIGRATIONS_DIR, Database
from centre_desk.server.migrations import HEAD
from centre_desk.server.models import Base


def test_head_names_the_newest_migration() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD


def test_migrations_match_the_models_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'server.db'}", create=True)
    db.upgrade()
    assert db.revision() == HEAD
    db.require_current()
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    db.dispose()
