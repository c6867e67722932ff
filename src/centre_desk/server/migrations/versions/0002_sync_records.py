"""Server schema 0002: ``server_records``, the current state of every record that pulls serve.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from centre_desk.server.models import JSONDoc, SeqInt

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_records",
        sa.Column("org_id", sa.String(36), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("household_id", sa.String(36)),
        sa.Column("seq", SeqInt, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("envelope", JSONDoc, nullable=False),
        sa.Column("body", JSONDoc, nullable=False),
        sa.Column("stamps", JSONDoc, nullable=False),
    )
    op.create_index("ix_server_records_org_seq", "server_records", ["org_id", "seq"])
    op.create_index("ix_server_records_org_household", "server_records", ["org_id", "household_id"])


def downgrade() -> None:
    op.drop_index("ix_server_records_org_household", table_name="server_records")
    op.drop_index("ix_server_records_org_seq", table_name="server_records")
    op.drop_table("server_records")
