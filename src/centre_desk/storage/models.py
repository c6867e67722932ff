"""Tables of the local store (SQLAlchemy 2). Changes to these go through Alembic migrations."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SettingRow(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StaffRow(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    username_folded: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(36))


class RecordRow(Base):
    """A document: a small envelope the database understands plus a JSON body the forms own."""

    __tablename__ = "records"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUIDv7
    kind: Mapped[str] = mapped_column(String(40))
    household_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    server_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[str] = mapped_column(String(40))
    form_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    form_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        Index("ix_records_kind", "kind"),
        Index("ix_records_household", "household_id", "kind"),
        Index("ix_records_server_seq", "server_seq"),
        # A session's register (revision 0010_sessions); storage/sessions.py queries it verbatim.
        Index("ix_records_attendance_session", text("json_extract(body, '$.session_id')"),
              sqlite_where=text("kind = 'attendance'")),
    )


class AuditRow(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    record_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # "store": written by a signed-in session; "reported": an event recorded while nobody was
    # signed in (revision 0004), which anyone holding the files could have forged.
    source: Mapped[str] = mapped_column(String(16), default="store", server_default="store")


class DraftRow(Base):
    """An unfinished form, autosaved for the member of staff filling it in (revision 0002).

    Not a record: never synced or searched; deleted when the form is submitted or abandoned.
    """

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    staff_id: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_drafts_staff", "staff_id", "updated_at"),)


class HouseholdCardRow(Base):
    """What a search result shows of one household, kept in step on every write (revision 0005).

    ``seq`` numbers the household in the search index: its people's rows are ``seq << 8 | slot``.
    """

    __tablename__ = "household_cards"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    household_id: Mapped[str] = mapped_column(String(36), unique=True)
    card: Mapped[str] = mapped_column(Text)
    last_contact: Mapped[str | None] = mapped_column(String(10), nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)

    # The retention review finds households by last contact (revision 0009_retention).
    __table_args__ = (Index("ix_household_cards_last_contact", "last_contact", "household_id"),)


class ReachHouseholdRow(Base):
    """A household as the reach statistics count it (revision 0009_retention): registration date,
    postcode district and its people as compact text (``storage/reach.py``); no names, no full
    postcode. Kept in step with the search card."""

    __tablename__ = "reach_households"
    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registered: Mapped[str] = mapped_column(String(10))
    district: Mapped[str] = mapped_column(String(16))
    people: Mapped[str] = mapped_column(Text)
    person_ids: Mapped[str] = mapped_column(Text)
    youngest: Mapped[str] = mapped_column(String(10))  # date of birth; "" when none is known


class PersonRow(Base):
    """Which household a person id belongs to (revision 0008), kept by the search index."""

    __tablename__ = "people"
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_people_household", "household_id"),)


class OutboxRow(Base):
    """One record write waiting to be pushed (revision 0006_sync), written by triggers on ``records``."""

    __tablename__ = "sync_outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36))
    record_id: Mapped[str] = mapped_column(String(36))
    household_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))  # insert, update, delete
    before: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_sync_outbox_record", "record_id"), {"sqlite_autoincrement": True})


class SyncApplyingRow(Base):
    """Present only inside the transaction that applies pulled changes: the triggers skip them."""

    __tablename__ = "sync_applying"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class SyncConflictRow(Base):
    """Open conflicts as the server last listed them."""

    __tablename__ = "sync_conflicts"
    conflict_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    candidates: Mapped[str] = mapped_column(Text)


class SyncFullPullSeenRow(Base):
    """Record ids a full pull (from cursor 0) has received so far (revision 0017_first_sync)."""

    __tablename__ = "sync_full_pull_seen"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
