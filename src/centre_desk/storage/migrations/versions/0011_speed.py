"""Reading audits batched into their index: ``household_reads_pending``.

Every search that shows households writes an audit entry and, until now, one row of the
contentless FTS5 table ``household_reads`` (entry -> households shown). Each such insert is a new
FTS5 segment and sets off FTS5's automerge every few searches: it was most of a search's cost
(p50 ~8 ms of writing on a busy 2-core machine, against ~1 ms for the search itself). Now the
entry's households go into this small plain table, appended at its end (one or two pages), and
are moved into ``household_reads`` in one statement once some 256 entries have gathered
(``storage.households.READS_BATCH``); "who looked at this family" reads both.

Revision ID: 0011_speed
Revises: 0010_sessions
"""

from __future__ import annotations

from alembic import op

revision = "0011_speed"
down_revision = "0010_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE IF NOT EXISTS household_reads_pending (seq INTEGER PRIMARY KEY, ids TEXT NOT NULL)")


def downgrade() -> None:
    op.execute("INSERT INTO household_reads(rowid, ids) SELECT seq, ids FROM household_reads_pending")
    op.execute("DROP TABLE IF EXISTS household_reads_pending")
