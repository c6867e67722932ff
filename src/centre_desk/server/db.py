"""Engines, units of work and schema migrations for the server database.

PostgreSQL URLs (``postgresql://...``) use psycopg 3. An SQLite URL (``sqlite:///path``) is the
single-site trial; its writers begin IMMEDIATE so that read-then-append sequences (the audit
chain) cannot interleave between processes. Engines never put statement parameters into their
exception text (``hide_parameters``): a failed INSERT must not print a hash or a username.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from centre_desk.domain.errors import CentreDeskError

from .config import mask_url, scrub

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseError(CentreDeskError):
    """The server database cannot be reached or is not in the state a command needs."""


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = FULL", "busy_timeout = 15000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = url
        self.shown = mask_url(url)
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            raise DatabaseError("--db: not a database URL (expected postgresql://... or sqlite:///path)") from None
        backend = parsed.get_backend_name()
        if backend == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            self.engine = create_engine(parsed, hide_parameters=True, pool_pre_ping=True)
        elif backend == "sqlite":
            path = parsed.database
            if not path or path == ":memory:":
                raise DatabaseError("--db: an SQLite server database must be a file (sqlite:///path)")
            file = Path(path)
            if not file.exists():
                if not create:
                    raise DatabaseError(f"there is no server database at {self.shown}: "
                                        "run 'centre-desk-server init-db' first")
                file.parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(parsed, hide_parameters=True)
            _sqlite_setup(self.engine)
        else:
            raise DatabaseError(f"--db: {backend} is not supported; use postgresql://... or sqlite:///path")
        self.dialect = backend
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def fail(self, exc: SQLAlchemyError) -> DatabaseError:
        """A one-line message for a driver error, with the URL masked and no statement in it."""
        orig = getattr(exc, "orig", None) or exc
        first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return DatabaseError(f"database {self.shown}: {scrub(first, self.url)}")

    @contextmanager
    def unit(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise self.fail(exc) from None
        finally:
            session.close()

    # ---- schema

    def revision(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return None
                row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
                return str(row[0]) if row else None
        except SQLAlchemyError as exc:
            raise self.fail(exc) from None

    def upgrade(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise self.fail(exc) from None

    def require_current(self) -> None:
        from .migrations import HEAD

        rev = self.revision()
        if rev is None:
            raise DatabaseError(f"the database {self.shown} holds no Centre Desk server schema: "
                                "run 'centre-desk-server init-db' first")
        if rev != HEAD:
            raise DatabaseError(f"the database {self.shown} is at schema {rev}, this version needs {HEAD}: "
                                "run 'centre-desk-server upgrade-db'")

    def dispose(self) -> None:
        self.engine.dispose()


def lock_org(session: Session, purpose: str, org_id: str) -> None:
    """Serialise one kind of append within one organisation until this transaction ends.

    On PostgreSQL a transaction-scoped advisory lock (released at COMMIT/ROLLBACK, so rows become
    visible in the order they were appended); on SQLite the IMMEDIATE transaction already holds
    the only write lock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{purpose}:{org_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
