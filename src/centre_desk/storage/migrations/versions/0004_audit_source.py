"""Audit entries name their source: ``store`` for entries written by a signed-in session inside the
encrypted store, ``reported`` for events that happened while nobody was signed in (failed sign-ins
waiting in ``signin-state.json``), which anyone with the files could have written and which are
therefore kept as reported, unauthenticated facts rather than as the desk's own record.

Existing entries are all ``store`` entries; their hashes do not cover the source (the canonical
form only names a source other than ``store``), so the chain verifies unchanged.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="store"))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("source")
