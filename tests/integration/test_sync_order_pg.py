"""The out-of-order commit pitfall on the real push and pull paths (PostgreSQL): a slow push that
has taken its sequence number holds back every later push of its organisation, so a pull never
sees a later seq above an uncommitted one and its cursor can never skip a change."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from centre_desk.domain.clock import SystemClock
from centre_desk.server import admin, enrolment, sync
from centre_desk.server.db import Database, lock_org
from centre_desk.server.models import ServerRecord

from .server_harness import GOOD_PASSWORD, PROFILE, postgres_database


@pytest.fixture
def pg() -> Iterator[Database]:
    with postgres_database() as url:
        db = Database(url)
        db.upgrade()
        yield db
        db.dispose()


def _put(record_id: str) -> dict[str, Any]:
    return {"op_id": uuid.uuid4().hex, "record_id": record_id, "kind": "contact", "household_id": "h-1",
            "action": "put", "envelope": {}, "body": {"date": "2026-01-01", "type": "session", "note": ""}}


def test_a_slow_push_holds_back_later_pushes_so_a_pull_cursor_never_skips(pg: Database) -> None:
    clock = SystemClock()
    org = admin.add_org(pg, clock, PROFILE, None)
    admin.add_staff(pg, clock, org, "alice", "manager", GOOD_PASSWORD)
    code, _ = admin.issue_code(pg, clock, org, None)
    who = enrolment.identify(pg, clock, enrolment.enrol(pg, clock, code, "alice", GOOD_PASSWORD).token)

    slow = Session(pg.engine)  # a push that has drawn its seq and then dawdles before committing
    slow.begin()
    lock_org(slow, "change", org)
    slow_seq = int(slow.execute(text("SELECT nextval('change_log_seq')")).scalar_one())
    slow.add(ServerRecord(org_id=org, id="slow", kind="contact", household_id="h-1", seq=slow_seq, deleted=False,
                          envelope={}, body={}, stamps={}))
    slow.flush()

    answers: list[dict[str, Any]] = []
    fast = threading.Thread(target=lambda: answers.append(
        sync.push(pg, clock, who, "alice", "k" * 16, {"operations": [_put("fast")], "audit": []})))
    fast.start()
    fast.join(timeout=2)
    assert fast.is_alive()  # waiting for the slow push's lock
    assert sync.pull(pg, clock, who, "alice", 0, 100)["changes"] == []  # nothing above the gap
    slow.commit()
    slow.close()
    fast.join(timeout=30)
    assert not fast.is_alive()
    assert answers[0]["results"][0]["seq"] > slow_seq
    pulled = sync.pull(pg, clock, who, "alice", 0, 100)
    assert [c["record_id"] for c in pulled["changes"]] == ["slow", "fast"]
