"""Search cards carry the first line of the address (``a1``), so search results can tell two
families of the same names apart; the cards already there get it from their household's record.

Revision ID: 0019_card_address
Revises: 0017_first_sync
"""

from __future__ import annotations

from alembic import op

revision = "0019_card_address"
down_revision = "0017_first_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE household_cards SET card = json_set(card, '$.a1', coalesce(("
        " SELECT json_extract(r.body, '$.fields.address_line1') FROM records r"
        " WHERE r.id = household_cards.household_id), ''))"
    )


def downgrade() -> None:
    op.execute("UPDATE household_cards SET card = json_remove(card, '$.a1')")
