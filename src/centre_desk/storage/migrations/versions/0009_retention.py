"""An index on each household's last contact, for the retention review.

Under a schedule that counts from the last contact (North Somerset: six years) the review asks
for the households whose last contact is older than a date; without the index that read every
search card (names, postcode: most of the table's bytes) at 100,000 households.

Legal holds and destruction certificates are ordinary records (kinds ``retention-hold`` and
``destruction-certificate``) and need no table of their own.

Revision ID: 0009_retention
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0009_retention"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_household_cards_last_contact", "household_cards", ["last_contact"])


def downgrade() -> None:
    op.drop_index("ix_household_cards_last_contact", table_name="household_cards")
