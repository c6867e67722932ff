"""The server's tables (SQLAlchemy 2), for PostgreSQL 15 and SQLite alike.

Every table that holds an organisation's data carries ``org_id``, and every query that serves a
device or an administrator filters on it: tenancy is a column, not a database per organisation,
so one server can hold several councils and the change log can later be partitioned by it.
Times are stored as UTC (see :class:`UTCDateTime`). No table holds a password, token or
enrolment code in the clear: only Argon2id hashes (passwords) or SHA-256 digests (256-bit and
160-bit random secrets, for which a slow hash adds nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Sequence,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both databases.

    SQLite keeps no time zone and PostgreSQL answers in the session's zone; the audit chain
    hashes ``at.isoformat()``, so a time must read back exactly as it was written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")
# BIGINT on PostgreSQL; SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
SeqInt = BigInteger().with_variant(Integer(), "sqlite")

ID = 36  # UUIDv7 text

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("org_id", "username_folded"),)
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    username: Mapped[str] = mapped_column(String(64))  # as typed, for display
    username_folded: Mapped[str] = mapped_column(String(64))  # NFKC + casefold: what is unique
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    # Bumped on every password change or disable; sync will compare it to decide whether a
    # device's local key slot for this member is still valid.
    credentials_changed_at: Mapped[datetime]


class EnrolmentCode(Base):
    __tablename__ = "enrolment_codes"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    cert_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_device: Mapped[str | None] = mapped_column(String(ID))


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    enrolled_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    # DESIGN.md §4 "staff directory": the device's database key, sealed under a key only the device
    # can derive (server/escrow.py), so a member's first sign-in on the device can be done online.
    key_escrow: Mapped[bytes | None] = mapped_column(LargeBinary)
    # SHA-256 of the device's release token (migration 0004): what a first sign-in authenticates with.
    release_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)


class SignInFailures(Base):
    """Failed password attempts per organisation and folded username, kept in the database so
    that several workers (and restarts) share one count. Unknown usernames are counted too, so
    the table does not reveal which usernames exist."""

    __tablename__ = "signin_failures"
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    username_folded: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]


class ServerAuditEntry(Base):
    """The server's own hash chain (``centre_desk.domain.audit``), one chain per organisation:
    an organisation's administrator can be given its chain without seeing another's, appends in
    two organisations never wait for each other, and the chain moves with the organisation if the
    log is ever partitioned. Entries hold ids and action names, never usernames or passwords."""

    __tablename__ = "server_audit"
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    record_ref: Mapped[str | None] = mapped_column(String(ID))
    detail: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# ---- Tables for the sync protocol (DESIGN.md §4). Created now so that sync adds code, not a
# reworked schema; the server does not write them yet.

CHANGE_SEQ = Sequence("change_log_seq", metadata=Base.metadata)


class ChangeLog(Base):
    """Every accepted change, in the order pulls serve it.

    PostgreSQL pitfall: a sequence hands out numbers at ``nextval`` but transactions commit in any
    order. If T1 takes seq 10 and T2 takes 11 and commits first, a pull between the two commits
    returns 11, the device's cursor moves past 10, and T1's row is never pulled. The append path
    therefore takes ``pg_advisory_xact_lock(<org key>)`` *before* ``nextval`` (see
    ``db.lock_org``): within one organisation appends are serialised and commit in seq order, the
    lock is released only at commit, and a pull (which reads one organisation) that sees seq N
    also sees every committed row below N. Rolled-back appends leave gaps, which are harmless.
    SQLite needs nothing: its writers are serialised by BEGIN IMMEDIATE.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_org_seq", "org_id", "seq"),
                      Index("ix_change_log_org_record", "org_id", "record_id"))
    seq: Mapped[int] = mapped_column(SeqInt, CHANGE_SEQ, primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    record_id: Mapped[str] = mapped_column(String(ID))
    kind: Mapped[str] = mapped_column(String(40))  # household, contact, consent, ..., tombstone
    household_id: Mapped[str | None] = mapped_column(String(ID))
    operation_id: Mapped[str] = mapped_column(String(ID), unique=True)  # the device outbox's UUID
    body: Mapped[Any] = mapped_column(JSONDoc)
    author_device: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    at: Mapped[datetime]


class PushBatch(Base):
    """Idempotency of pushes: a replayed batch key returns ``response``; the same key with a body
    whose digest differs is refused (422)."""

    __tablename__ = "push_batches"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    batch_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    response: Mapped[Any] = mapped_column(JSONDoc)
    at: Mapped[datetime]


class DeviceCursor(Base):
    """The last change-log seq a device has applied; also its acknowledgement of every tombstone
    at or below it, so the tombstone horizon is the minimum cursor of the organisation's devices."""

    __tablename__ = "device_cursors"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    cursor: Mapped[int] = mapped_column(SeqInt, default=0)
    updated_at: Mapped[datetime]


class SyncConflict(Base):
    """One field of one household (a member's field when ``person_id`` is set) changed on two
    devices from the same base. ``candidates`` lists ``{value, by, at}``; resolution is itself an
    operation in the change log (``resolved_seq``)."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_org_household", "org_id", "household_id"),)
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    household_id: Mapped[str] = mapped_column(String(ID))
    field: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[str | None] = mapped_column(String(ID))
    candidates: Mapped[Any] = mapped_column(JSONDoc)
    opened_seq: Mapped[int] = mapped_column(SeqInt)
    resolved_seq: Mapped[int | None] = mapped_column(SeqInt)


class AuditAnchor(Base):
    """The head of each device's audit chain as last accepted: a later push must extend it
    (``domain.audit.verify(entries, expect=Head(head_count, head_hash))``)."""

    __tablename__ = "audit_anchors"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    head_count: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime]


class DeviceAuditEntry(Base):
    """Audit entries pushed by devices, verbatim (the fields ``domain.audit.canonical`` hashes)."""

    __tablename__ = "device_audit"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    record_ref: Mapped[str | None] = mapped_column(String(ID))
    detail: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class DeviceAuditHousehold(Base):
    """Which household each pushed audit entry showed or handed to someone (migration 0005), as
    ``domain.audit.households_shown`` reads it from the entry: the server's counterpart of the
    device's ``household_reads``, so "who has seen this household" on every device of the
    organisation is one index range, newest first, and never a scan of ``device_audit``. Ids and
    times only, like the entries themselves."""

    __tablename__ = "device_audit_households"
    __table_args__ = (
        ForeignKeyConstraint(["device_id", "seq"], ["device_audit.device_id", "device_audit.seq"],
                             name="fk_device_audit_households_entry"),
        Index("ix_device_audit_households_org_id_household_id_at", "org_id", "household_id", "at"),
    )
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    household_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[datetime]


class TamperAlert(Base):
    """A pushed chain that does not extend the anchor: kept aside here, never merged."""

    __tablename__ = "tamper_alerts"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))
    received: Mapped[Any] = mapped_column(JSONDoc)


class ServerRecord(Base):
    """The organisation's records as the server holds them now (revision 0002): what a pull serves.

    ``seq`` is the change-log sequence of the record's last change, so a pull after cursor C is
    "every record whose seq > C, in seq order" and each record travels once with its latest
    state. Erased records stay as tombstones (``deleted``, empty body, no personal data) so a
    late edit can never bring them back. ``stamps`` holds, per household key
    (``person_id:field``), who last changed it and at which seq: the merge rule's memory.
    """

    __tablename__ = "server_records"
    __table_args__ = (Index("ix_server_records_org_seq", "org_id", "seq"),
                      Index("ix_server_records_org_household", "org_id", "household_id"))
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    household_id: Mapped[str | None] = mapped_column(String(ID))
    seq: Mapped[int] = mapped_column(SeqInt)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    envelope: Mapped[Any] = mapped_column(JSONDoc)
    body: Mapped[Any] = mapped_column(JSONDoc)
    stamps: Mapped[Any] = mapped_column(JSONDoc)


class TombstoneHorizon(Base):
    """The highest seq of a tombstone pruned in an organisation (server migration 0003): a pull
    after a cursor above 0 and below it is answered ``resync-required`` (410)."""

    __tablename__ = "tombstone_horizons"
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    horizon_seq: Mapped[int] = mapped_column(SeqInt)
    pruned: Mapped[int] = mapped_column(Integer, default=0)
    pruned_at: Mapped[datetime]


class ErasedRecord(Base):
    """The id of a record whose tombstone was pruned (server migration 0003): only the id, so a
    late push for it is answered ``dropped-erased`` as the tombstone would have been."""

    __tablename__ = "erased_records"
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
