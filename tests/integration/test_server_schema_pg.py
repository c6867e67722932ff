"""The server schema on a real PostgreSQL: migrations match the models, and the change log's
append lock keeps commit order equal to sequence order (the pitfall sync must not fall into)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from centre_desk.server import audit_log
from centre_desk.server.db import Database, lock_org
from centre_desk.server.migrations import HEAD
from centre_desk.server.models import Base, ChangeLog, Device, Organisation, Staff

from .server_harness import postgres_database

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pg() -> Iterator[Database]:
    with postgres_database() as url:
        db = Database(url)
        db.upgrade()
        yield db
        db.dispose()


def test_migrations_match_the_models_on_postgresql(pg: Database) -> None:
    assert pg.revision() == HEAD
    with pg.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        kinds = dict(conn.execute(text("SELECT column_name, data_type FROM information_schema.columns "
                                       "WHERE table_name = 'change_log'")).all())  # type: ignore[arg-type]
    assert kinds["seq"] == "bigint" and kinds["body"] == "jsonb"


def _setup(db: Database) -> str:
    with db.unit() as s:
        s.add(Organisation(id="org-1", profile_id="p", name="Org", created_at=AT))
        s.flush()
        s.add(Staff(id="staff-1", org_id="org-1", username="a", username_folded="a", role="manager",
                    password_hash="x", disabled=False, created_at=AT, credentials_changed_at=AT))
        s.flush()
        s.add(Device(id="dev-1", org_id="org-1", token_hash="t", enrolled_by="staff-1", enrolled_at=AT))
    return "org-1"


def _append(s: Session, org: str, op: str, lock: bool) -> int:
    if lock:
        lock_org(s, "changes", org)
    row = ChangeLog(org_id=org, record_id="rec", kind="household", operation_id=op, body={"n": op},
                    author_device="dev-1", at=AT)
    s.add(row)
    s.flush()
    return row.seq


def _visible(db: Database, org: str) -> list[int]:
    with db.unit() as s:
        return list(s.scalars(select(ChangeLog.seq).where(ChangeLog.org_id == org).order_by(ChangeLog.seq)))


@pytest.mark.parametrize("lock", [False, True])
def test_a_slow_append_cannot_be_overtaken_when_appends_take_the_lock(pg: Database, lock: bool) -> None:
    org = _setup(pg)
    slow = Session(pg.engine)
    slow.begin()
    slow_seq = _append(slow, org, "op-slow", lock)  # takes its sequence number, then dawdles
    fast_result: list[int] = []

    def fast() -> None:
        with pg.unit() as s:
            fast_result.append(_append(s, org, "op-fast", lock))

    worker = threading.Thread(target=fast)
    worker.start()
    worker.join(timeout=2 if lock else 30)
    assert worker.is_alive() == lock  # with the lock, the fast append is still waiting
    seen_meanwhile = _visible(pg, org)
    slow.commit()
    slow.close()
    worker.join(timeout=30)
    assert not worker.is_alive()
    if lock:
        # The fast append waited for the slow one: nothing was visible above an uncommitted gap,
        # and seq order is commit order.
        assert seen_meanwhile == []
        assert fast_result[0] > slow_seq
    else:
        # The pitfall: a pull between the two commits sees the later seq and would move its cursor
        # past the slow row, which then commits below the cursor and is never pulled.
        assert seen_meanwhile == [fast_result[0]] and fast_result[0] > slow_seq
    assert _visible(pg, org) == sorted([slow_seq, fast_result[0]])


def test_concurrent_audit_appends_never_fork_the_chain(pg: Database) -> None:
    org = _setup(pg)
    errors: list[BaseException] = []

    def appender(n: int) -> None:
        try:
            for i in range(10):
                with pg.unit() as s:
                    audit_log.append(s, org, AT, "server-admin", "test.append", None, f"{n}-{i}")
                    time.sleep(0.001)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with pg.unit() as s:
        report = audit_log.verify_org(s, org)
    assert report.intact and report.count == 40
