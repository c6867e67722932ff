"""Server schema 0004: the digest of each device's release token, for key escrow.

``devices.key_escrow`` (from 0001) holds the device's database key sealed under a key that only the
device can derive (``security/escrow.py`` on the device); ``release_hash`` is the SHA-256 of the
device's release token, which authenticates a first sign-in on that device.

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
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("release_hash", sa.String(64), nullable=True))
        batch.create_index("ix_devices_release_hash", ["release_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_index("ix_devices_release_hash")
        batch.drop_column("release_hash")
