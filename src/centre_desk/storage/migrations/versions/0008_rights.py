"""People: which household each person id belongs to, so a rights request that names a person
(subject access, erasure, restriction) finds the household with one primary-key look-up instead
of reading every household. Kept in step by the search index, which already writes one row per
person on every household write; filled here from the household records.

Revision ID: 0008_rights
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_rights"
down_revision = "0006_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_people_household", "people", ["household_id"])
    op.execute("INSERT OR REPLACE INTO people(person_id, household_id) "
               "SELECT json_extract(m.value, '$.id'), r.id FROM records r, json_each(r.body, '$.members') m "
               "WHERE r.kind = 'household' AND r.deleted = 0")


def downgrade() -> None:
    op.drop_index("ix_people_household", table_name="people")
    op.drop_table("people")
