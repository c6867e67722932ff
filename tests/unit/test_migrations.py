"""The migration scripts, ``HEAD`` and the SQLAlchemy models agree with one another."""

from __future__ import annotations

import sqlcipher3
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from centre_desk.storage import migrate
from centre_desk.storage.migrations import HEAD
from centre_desk.storage.models import Base


def test_head_constant_is_alembics_head() -> None:
    assert migrate.head_revision() == HEAD


def test_revisions_form_one_line_from_0001_to_head() -> None:
    revs = migrate.revisions()
    assert revs[0] == "0001"
    assert revs[-1] == HEAD
    assert len(revs) == len(set(revs))


def test_models_match_the_migrated_schema() -> None:
    """A table or column added to models.py without a migration (or the reverse) is caught here."""
    engine = create_engine("sqlite://", creator=lambda: sqlcipher3.connect(":memory:", check_same_thread=False),
                           poolclass=StaticPool)
    cfg = migrate._alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The FTS5 tables (and their shadow tables) are created by raw SQL, not by a model.
    problems = [d for d in diff
                if not (d[0] == "remove_table" and d[1].name.startswith(("search_index", "household_reads")))]
    assert problems == []
