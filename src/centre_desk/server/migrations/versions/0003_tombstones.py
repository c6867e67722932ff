"""Server schema 0003: the tombstone horizon of each organisation.

``tombstone_horizons.horizon_seq`` is the highest seq of a tombstone pruned so far: a device
whose cursor is below it (and above 0) may have missed an erasure and is told to resync.
``erased_records`` keeps only the ids of pruned tombstones (random UUIDs, nothing else), so a
push from a long-offline device for an erased record is still dropped and never resurrects it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from centre_desk.server.models import SeqInt, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tombstone_horizons",
        sa.Column("org_id", sa.String(36), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("horizon_seq", SeqInt, nullable=False),
        sa.Column("pruned", sa.Integer(), nullable=False),
        sa.Column("pruned_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "erased_records",
        sa.Column("org_id", sa.String(36), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("erased_records")
    op.drop_table("tombstone_horizons")
