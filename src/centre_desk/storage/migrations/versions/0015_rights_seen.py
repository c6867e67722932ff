"""Who has seen and who has received: one index look-up, as prints and exports join the views.

``household_reads`` (revision 0005) indexed the audit entries that showed a household (opened it,
listed it in search results). Prints and exports of a household were found by scanning the whole
audit chain; from this revision ``DeskSession.audit`` indexes them too (actions ``print.*`` and
``export.*`` and ``subject-access.*`` whose record is the household) and this revision indexes the
ones already written.

Revision ID: 0015_rights_seen
Revises: 0011_speed
"""

from __future__ import annotations

from alembic import op

revision = "0015_rights_seen"
down_revision = "0011_speed"
branch_labels = None
depends_on = None

RECEIPTS = ("(action LIKE 'print.%' OR action LIKE 'export.%' OR action LIKE 'subject-access.%') "
            "AND record_ref IS NOT NULL AND record_ref != ''")


def upgrade() -> None:
    op.execute("INSERT INTO household_reads(rowid, ids) SELECT seq, replace(record_ref, '-', '') FROM audit_log "
               f"WHERE {RECEIPTS}")


def downgrade() -> None:
    # A contentless FTS5 table deletes a row only when told the words it was indexed with.
    op.execute("INSERT INTO household_reads(household_reads, rowid, ids) SELECT 'delete', seq, "
               f"replace(record_ref, '-', '') FROM audit_log WHERE {RECEIPTS}")
