"""Search rows by household: FTS5 cannot index its UNINDEXED household_id column, so deleting a
household's entries scanned the whole index (seconds at 100,000 households). This table maps each
search row (same rowid) to its household, with an ordinary index.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_rows",
        sa.Column("rowid", sa.Integer(), primary_key=True),
        sa.Column("household_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_search_rows_household", "search_rows", ["household_id"])
    op.execute("INSERT INTO search_rows(rowid, household_id) SELECT rowid, household_id FROM search_index")


def downgrade() -> None:
    op.drop_index("ix_search_rows_household", table_name="search_rows")
    op.drop_table("search_rows")
