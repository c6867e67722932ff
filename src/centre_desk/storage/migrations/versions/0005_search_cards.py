"""Search cards and household-numbered search rows; an index of the audit entries that showed a
household.

- ``household_cards``: per household, what a result row shows plus its last contact date and
  safeguarding flag, kept in step on write, so a search no longer computes them per query.
- ``search_index`` is rebuilt: rowids ``seq << 8 | slot`` name the household without reading the
  index's content; ``_`` is kept inside words so a phone number's reversed digits (found from its
  last six or more) never answer an ordinary prefix search; joined forms of names (``obrien``) and
  no email domains. ``search_rows`` is no longer needed (the household is in the rowid).
- ``household_reads`` (contentless FTS5): audit entry -> households it showed (searches and views),
  so "who looked at this family" is one indexed query; existing ``household.viewed`` entries are
  backfilled.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from centre_desk.domain.household import Household, Member, search_terms
from centre_desk.storage.search_index import SearchIndex

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FTS = ("CREATE VIRTUAL TABLE search_index USING fts5("
       "household_id UNINDEXED, person_id UNINDEXED, terms, "
       "tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\", prefix = '1 2 3')")


# Audit entry (rowid = its seq) -> the households it showed, as words. Contentless: it holds only
# the index, and appending 50 ids is one small new segment, where a B-tree index of (household,
# entry) pairs dirtied some 50 scattered pages per search.
READS = "CREATE VIRTUAL TABLE household_reads USING fts5(ids, content = '', tokenize = 'ascii')"


def _households(conn: sa.Connection) -> Iterator[Household]:
    rows = conn.execute(sa.text(
        "SELECT id, version, body, form_id, form_version, created_at, updated_at FROM records "
        "WHERE kind = 'household' AND deleted = 0 ORDER BY created_at, id"))
    for hid, version, body, form_id, form_version, created, updated in rows:
        data = json.loads(body)
        members = tuple(Member(m["id"], m["fields"]) for m in data.get("members", []))
        yield Household(hid, version, data.get("fields", {}), members, form_id or "membership", form_version or 1,
                        datetime.fromisoformat(created), datetime.fromisoformat(updated))


def upgrade() -> None:
    op.create_table(
        "household_cards",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("household_id", sa.String(36), nullable=False, unique=True),
        sa.Column("card", sa.Text(), nullable=False),
        sa.Column("last_contact", sa.String(10), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
    )
    op.execute(READS)
    op.execute("INSERT INTO household_reads(rowid, ids) SELECT seq, replace(record_ref, '-', '') FROM audit_log "
               "WHERE action = 'household.viewed' AND record_ref IS NOT NULL")
    op.drop_index("ix_search_rows_household", table_name="search_rows")
    op.drop_table("search_rows")
    op.execute("DROP TABLE search_index")
    op.execute(FTS)
    conn = op.get_bind()
    # The rows are read before any is written: _households streams from the records table.
    SearchIndex(conn, reach=False).rebuild(list(_households(conn)))  # reach tables come in 0009
    op.execute("INSERT INTO search_index(search_index) VALUES ('optimize')")


def downgrade() -> None:
    """Back to 0004's shape: one search row per person with its household in ``search_rows``."""
    conn = op.get_bind()
    households = list(_households(conn))
    op.execute("DROP TABLE household_reads")
    op.drop_table("household_cards")
    op.execute("DROP TABLE search_index")
    op.execute("CREATE VIRTUAL TABLE search_index USING fts5(household_id UNINDEXED, person_id UNINDEXED, terms, "
               "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')")
    op.execute("INSERT INTO search_index(search_index, rank) VALUES('secure-delete', 1)")
    op.create_table("search_rows", sa.Column("rowid", sa.Integer(), primary_key=True),
                    sa.Column("household_id", sa.String(36), nullable=False))
    op.create_index("ix_search_rows_household", "search_rows", ["household_id"])
    rows = [{"h": h.id, "p": m.id, "t": search_terms(h.fields, m)} for h in households for m in h.members]
    if rows:
        conn.execute(sa.text("INSERT INTO search_index(household_id, person_id, terms) VALUES (:h, :p, :t)"), rows)
    op.execute("INSERT INTO search_rows(rowid, household_id) SELECT rowid, household_id FROM search_index")
