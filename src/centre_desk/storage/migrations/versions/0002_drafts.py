"""Drafts: unfinished forms saved as staff type, so a closed lid or an idle lock loses nothing.

A draft is private to the member of staff who started it and is not a record: it is not synced,
not searched and not part of a household until it is submitted (then it is deleted). Its body is
the form's JSON as far as it was filled in, and it stays encrypted with the rest of the store.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("form_id", sa.String(64), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(36), nullable=True),
        sa.Column("staff_id", sa.String(36), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_drafts_staff", "drafts", ["staff_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_drafts_staff", table_name="drafts")
    op.drop_table("drafts")
