"""Revision 0009_retention fills the reach rows from the households already in a store."""

from __future__ import annotations

import json

import sqlcipher3
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool

from centre_desk.storage import migrate


def test_upgrade_fills_reach_rows_from_existing_households() -> None:
    engine = create_engine("sqlite://", creator=lambda: sqlcipher3.connect(":memory:", check_same_thread=False),
                           poolclass=StaticPool)
    cfg = migrate._alembic_config()
    body = {"fields": {"postcode": "BS23 1AA"}, "members": [
        {"id": "p1", "fields": {"first_name": "Zofia", "role": "parent", "date_of_birth": "1991-04-02",
                                "ethnicity": "white-other"}},
        {"id": "p2", "fields": {"first_name": "Łucja", "role": "child", "date_of_birth": "2022-09-30"}}]}
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        conn.execute(text(
            "INSERT INTO records(id, kind, household_id, version, created_by, created_at, updated_by, updated_at, "
            "deleted, body) VALUES ('h1', 'household', 'h1', 1, 's', '2024-03-05T10:00:00+00:00', 's', "
            "'2024-03-05T10:00:00+00:00', 0, :b)"), {"b": json.dumps(body)})
        command.upgrade(cfg, "head")
        rows = conn.execute(text("SELECT household_id, registered, district, people, person_ids, youngest "
                                 "FROM reach_households")).all()
    assert rows == [("h1", "2024-03-05", "BS23", "1991-04-02|a|white-other;2022-09-30|c|", "p1;p2", "2022-09-30")]
    assert "Zofia" not in repr(rows) and "1AA" not in repr(rows)
