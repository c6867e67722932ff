"""Initial store: settings, staff, records (envelope + JSON body), audit chain, search index.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("username_folded", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("household_id", sa.String(36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_by", sa.String(36), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("form_id", sa.String(64), nullable=True),
        sa.Column("form_version", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_records_kind", "records", ["kind"])
    op.create_index("ix_records_household", "records", ["household_id", "kind"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("record_ref", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    # Search: one row per person, folded (case- and accent-free) text. secure-delete makes FTS5
    # overwrite erased tokens instead of leaving them in old index segments.
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "household_id UNINDEXED, person_id UNINDEXED, terms, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')"
    )
    op.execute("INSERT INTO search_index(search_index, rank) VALUES('secure-delete', 1)")


def downgrade() -> None:
    op.execute("DROP TABLE search_index")
    op.drop_table("audit_log")
    op.drop_index("ix_records_household", table_name="records")
    op.drop_index("ix_records_kind", table_name="records")
    op.drop_table("records")
    op.drop_table("staff")
    op.drop_table("settings")
