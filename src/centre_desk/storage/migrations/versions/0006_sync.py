"""Sync on the device: the outbox, filled by triggers on ``records``; the guard that keeps pulled
changes out of it; and the open conflicts last fetched from the server.

Triggers rather than calls in each repository: every writer of ``records`` (households, consents,
referrals, imports, demo data, and whatever later features add) is captured in the same
transaction with nothing to remember. They fire only on an enrolled store (``sync_device_id`` in
settings) and not while a pull is applied (a row in ``sync_applying``, inserted and deleted
inside the applying transaction). A hard delete or a ``deleted = 1`` update drops the record's
earlier outbox rows, whose ``before`` bodies could hold the erased family's data.

Revision ID: 0006_sync
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_sync"
down_revision = "0005"
branch_labels = None
depends_on = None

CAPTURE = ("NOT EXISTS (SELECT 1 FROM sync_applying) "
           "AND EXISTS (SELECT 1 FROM settings WHERE key = 'sync_device_id')")
NEW_OP = "lower(hex(randomblob(16)))"

TRIGGERS = [
    f"""CREATE TRIGGER records_outbox_insert AFTER INSERT ON records WHEN {CAPTURE}
    BEGIN
      INSERT INTO sync_outbox (op_id, record_id, household_id, kind, action, before)
      VALUES ({NEW_OP}, NEW.id, NEW.household_id, NEW.kind, CASE WHEN NEW.deleted THEN 'delete' ELSE 'insert' END,
              NULL);
    END""",
    f"""CREATE TRIGGER records_outbox_update AFTER UPDATE OF body, deleted ON records
    WHEN {CAPTURE} AND (OLD.body IS NOT NEW.body OR OLD.deleted IS NOT NEW.deleted)
    BEGIN
      DELETE FROM sync_outbox WHERE NEW.deleted AND record_id = NEW.id;
      INSERT INTO sync_outbox (op_id, record_id, household_id, kind, action, before)
      VALUES ({NEW_OP}, NEW.id, NEW.household_id, NEW.kind, CASE WHEN NEW.deleted THEN 'delete' ELSE 'update' END,
              CASE WHEN NEW.deleted THEN NULL ELSE OLD.body END);
    END""",
    f"""CREATE TRIGGER records_outbox_delete AFTER DELETE ON records WHEN {CAPTURE}
    BEGIN
      DELETE FROM sync_outbox WHERE record_id = OLD.id;
      INSERT INTO sync_outbox (op_id, record_id, household_id, kind, action, before)
      VALUES ({NEW_OP}, OLD.id, OLD.household_id, OLD.kind, 'delete', NULL);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("op_id", sa.String(36), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("household_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sync_outbox_record", "sync_outbox", ["record_id"])
    op.create_table("sync_applying", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table(
        "sync_conflicts",
        sa.Column("conflict_id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("candidates", sa.Text(), nullable=False),
    )
    op.create_index("ix_records_server_seq", "records", ["server_seq"])
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("records_outbox_insert", "records_outbox_update", "records_outbox_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_records_server_seq", table_name="records")
    op.drop_table("sync_conflicts")
    op.drop_table("sync_applying")
    op.drop_index("ix_sync_outbox_record", table_name="sync_outbox")
    op.drop_table("sync_outbox")
