"""Full pulls: the ids a full pull from cursor 0 has received so far.

A device whose cursor is below the server's tombstone horizon pulls everything again from 0; when
the last page is in, every synced record it holds that the pull did not return is erased here
(the server no longer holds it: erased elsewhere, its tombstone pruned). The ids are kept in this
table, committed with each page and its cursor, so a full pull killed half way resumes where it
stopped. Only ids; the table is emptied when the full pull ends.

Revision ID: 0017_first_sync
Revises: 0015_rights_seen
"""

from __future__ import annotations

from alembic import op

revision = "0017_first_sync"
down_revision = "0015_rights_seen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE IF NOT EXISTS sync_full_pull_seen (id VARCHAR(36) NOT NULL PRIMARY KEY) WITHOUT ROWID")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS sync_full_pull_seen")
