"""Server schema 0005: ``device_audit_households``, which household each pushed audit entry showed.

"Who has seen and who has received" (``GET /v1/households/{id}/seen``) lists, for one household,
the views, search and register listings, prints, exports and subject access previews on every
device of the organisation. Those entries name their household either as the record (a view, a
print) or in their detail (a listing), so an index on ``device_audit.record_ref`` alone would miss
the listings and still leave the organisation to a join; this table holds one row per entry and
household (``domain.audit.households_shown``), with the organisation and time, indexed by
(org, household, time). Filled at every accepted push; here, from the entries already held.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from centre_desk.domain.audit import LISTING_ACTIONS, RECEIPT_ACTIONS, VIEWED, households_shown
from centre_desk.server.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    table = op.create_table(
        "device_audit_households",
        sa.Column("device_id", sa.String(36), sa.ForeignKey("devices.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("household_id", sa.String(36), primary_key=True),
        sa.Column("org_id", sa.String(36), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["device_id", "seq"], ["device_audit.device_id", "device_audit.seq"],
                                name="fk_device_audit_households_entry"),
    )
    op.create_index("ix_device_audit_households_org_id_household_id_at", "device_audit_households",
                    ["org_id", "household_id", "at"])
    # The entries pushed before this revision: only those whose action can name a household.
    audit = sa.table("device_audit", sa.column("device_id", sa.String), sa.column("seq", sa.Integer),
                     sa.column("at", UTCDateTime()), sa.column("action", sa.String),
                     sa.column("record_ref", sa.String), sa.column("detail", sa.Text))
    devices = sa.table("devices", sa.column("id", sa.String), sa.column("org_id", sa.String))
    wanted = sa.or_(audit.c.action.in_((VIEWED, *LISTING_ACTIONS)),
                    *(audit.c.action.startswith(prefix) for prefix in RECEIPT_ACTIONS))
    bind = op.get_bind()
    last: tuple[str, int] | None = None
    while True:  # in keyset pages, so a large table is never held at once
        query = (sa.select(audit.c.device_id, audit.c.seq, audit.c.at, audit.c.action, audit.c.record_ref,
                           audit.c.detail, devices.c.org_id)
                 .join(devices, devices.c.id == audit.c.device_id).where(wanted)
                 .order_by(audit.c.device_id, audit.c.seq).limit(BATCH))
        if last is not None:
            query = query.where(sa.tuple_(audit.c.device_id, audit.c.seq) > sa.tuple_(*last))
        page = list(bind.execute(query))
        if not page:
            return
        rows = [{"device_id": r.device_id, "seq": r.seq, "household_id": hid, "org_id": r.org_id, "at": r.at}
                for r in page for hid in households_shown(r.action, r.record_ref, r.detail)]
        if rows:
            op.bulk_insert(table, rows)
        last = (page[-1].device_id, page[-1].seq)


def downgrade() -> None:
    op.drop_index("ix_device_audit_households_org_id_household_id_at", table_name="device_audit_households")
    op.drop_table("device_audit_households")
