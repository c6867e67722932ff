"""Server schema 0001: organisations, staff, enrolment codes, devices, sign-in failures, the
server audit chain, and the tables the sync protocol will fill (change log and its sequence,
push batches, device cursors, conflicts, audit anchors, device audit entries, tamper alerts).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from centre_desk.server.models import JSONDoc, SeqInt, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 36


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(ID), primary_key=True)


def _org(index: bool = False) -> sa.Column[str]:
    return sa.Column("org_id", sa.String(ID), sa.ForeignKey("organisations.id"), nullable=False, index=index)


def _hash(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(64), nullable=nullable)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def _device_fk(name: str = "device_id", primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(ID), sa.ForeignKey("devices.id"), nullable=False, primary_key=primary_key)


def upgrade() -> None:
    op.create_table("organisations", _id(),
                    sa.Column("profile_id", sa.String(100), nullable=False),
                    sa.Column("name", sa.String(200), nullable=False),
                    _at("created_at"))
    op.create_table("staff", _id(), _org(),
                    sa.Column("username", sa.String(64), nullable=False),
                    sa.Column("username_folded", sa.String(64), nullable=False),
                    sa.Column("role", sa.String(20), nullable=False),
                    sa.Column("password_hash", sa.String(200), nullable=False),
                    sa.Column("disabled", sa.Boolean(), nullable=False),
                    _at("created_at"), _at("credentials_changed_at"),
                    sa.UniqueConstraint("org_id", "username_folded"))
    op.create_table("enrolment_codes", _id(), _org(),
                    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
                    _hash("cert_fingerprint", nullable=True),
                    _at("created_at"), _at("expires_at"), _at("used_at", nullable=True),
                    sa.Column("used_by_device", sa.String(ID), nullable=True))
    op.create_table("devices", _id(), _org(index=True),
                    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
                    sa.Column("enrolled_by", sa.String(ID), sa.ForeignKey("staff.id"), nullable=False),
                    _at("enrolled_at"), _at("revoked_at", nullable=True), _at("last_seen_at", nullable=True),
                    sa.Column("key_escrow", sa.LargeBinary(), nullable=True))
    op.create_table("signin_failures",
                    sa.Column("org_id", sa.String(ID), sa.ForeignKey("organisations.id"), primary_key=True),
                    sa.Column("username_folded", sa.String(64), primary_key=True),
                    sa.Column("failures", sa.Integer(), nullable=False),
                    _at("last_failure_at"))
    op.create_table("server_audit",
                    sa.Column("org_id", sa.String(ID), sa.ForeignKey("organisations.id"), primary_key=True),
                    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
                    _at("at"),
                    sa.Column("actor", sa.String(64), nullable=False),
                    sa.Column("action", sa.String(64), nullable=False),
                    sa.Column("record_ref", sa.String(ID), nullable=True),
                    sa.Column("detail", sa.String(200), nullable=True),
                    _hash("prev_hash"), _hash("hash"))

    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.CreateSequence(sa.Sequence("change_log_seq")))
        seq_default: list[sa.schema.SchemaItem] = [sa.Sequence("change_log_seq")]
    else:
        seq_default = []
    op.create_table("change_log",
                    sa.Column("seq", SeqInt, *seq_default, primary_key=True),
                    _org(),
                    sa.Column("record_id", sa.String(ID), nullable=False),
                    sa.Column("kind", sa.String(40), nullable=False),
                    sa.Column("household_id", sa.String(ID), nullable=True),
                    sa.Column("operation_id", sa.String(ID), nullable=False, unique=True),
                    sa.Column("body", JSONDoc, nullable=False),
                    _device_fk("author_device"),
                    _at("at"))
    op.create_index("ix_change_log_org_seq", "change_log", ["org_id", "seq"])
    op.create_index("ix_change_log_org_record", "change_log", ["org_id", "record_id"])
    op.create_table("push_batches", _device_fk(primary_key=True),
                    sa.Column("batch_key", sa.String(64), primary_key=True),
                    _hash("body_sha256"),
                    sa.Column("response", JSONDoc, nullable=False),
                    _at("at"))
    op.create_table("device_cursors", _device_fk(primary_key=True),
                    sa.Column("cursor", SeqInt, nullable=False),
                    _at("updated_at"))
    op.create_table("sync_conflicts", _id(), _org(),
                    sa.Column("household_id", sa.String(ID), nullable=False),
                    sa.Column("field", sa.String(100), nullable=False),
                    sa.Column("person_id", sa.String(ID), nullable=True),
                    sa.Column("candidates", JSONDoc, nullable=False),
                    sa.Column("opened_seq", SeqInt, nullable=False),
                    sa.Column("resolved_seq", SeqInt, nullable=True))
    op.create_index("ix_sync_conflicts_org_household", "sync_conflicts", ["org_id", "household_id"])
    op.create_table("audit_anchors", _device_fk(primary_key=True),
                    sa.Column("head_count", sa.Integer(), nullable=False),
                    _hash("head_hash"), _at("anchored_at"))
    op.create_table("device_audit", _device_fk(primary_key=True),
                    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
                    _at("at"),
                    sa.Column("actor", sa.String(64), nullable=False),
                    sa.Column("action", sa.String(64), nullable=False),
                    sa.Column("record_ref", sa.String(ID), nullable=True),
                    sa.Column("detail", sa.Text(), nullable=True),
                    sa.Column("source", sa.String(16), nullable=False),
                    _hash("prev_hash"), _hash("hash"))
    op.create_table("tamper_alerts", _id(), _org(), _device_fk(), _at("at"),
                    sa.Column("reason", sa.String(200), nullable=False),
                    sa.Column("received", JSONDoc, nullable=False))


def downgrade() -> None:
    for table in ("tamper_alerts", "device_audit", "audit_anchors", "sync_conflicts", "device_cursors",
                  "push_batches", "change_log", "server_audit", "signin_failures", "devices",
                  "enrolment_codes", "staff", "organisations"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.DropSequence(sa.Sequence("change_log_seq")))
