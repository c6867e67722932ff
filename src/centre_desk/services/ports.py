"""What the services need from the outside world, as Protocols.

Storage, security and the other adapters satisfy these structurally; service tests use fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from centre_desk.domain.audit import AuditEntry
from centre_desk.domain.consent import ConsentEvent
from centre_desk.domain.drafts import Draft
from centre_desk.domain.household import FieldChange, Household, SearchHit
from centre_desk.domain.referral import Referral, StatusEvent
from centre_desk.domain.sessions import Attendance, CentreSession
from centre_desk.domain.signin import PendingEvent
from centre_desk.domain.staff import Role, StaffMember


class StaffRepository(Protocol):
    def add(self, member: StaffMember, created_at: datetime, created_by: str) -> None: ...

    def get(self, staff_id: str) -> StaffMember | None: ...

    def by_username(self, username: str) -> StaffMember | None: ...

    def all(self) -> list[StaffMember]: ...

    def set_disabled(self, staff_id: str, disabled: bool) -> None: ...

    def set_role(self, staff_id: str, role: Role) -> None: ...


class SettingsRepository(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class AuditLog(Protocol):
    def append(self, at: datetime, actor: str, action: str, record_ref: str | None = None,
               detail: str | None = None, *, source: str = "store") -> AuditEntry: ...

    def head(self) -> AuditEntry | None: ...

    def entries(self) -> Iterator[AuditEntry]: ...

    def count(self) -> int: ...


class HouseholdRepository(Protocol):
    def add(self, h: Household, actor: str, *, synthetic: bool = False) -> None: ...

    def add_many(self, households: Sequence[Household], actor: str, *, synthetic: bool = False) -> None: ...

    def update(self, h: Household, expected_version: int, actor: str) -> Household: ...

    def add_changes(self, household_id: str, changes: Iterable[FieldChange], actor: str,
                    at: datetime) -> None: ...

    def add_contact(self, household_id: str, contact_id: str, on: date, kind: str, note: str,
                    actor: str, at: datetime) -> None: ...

    def add_contacts_many(self, contacts: Sequence[tuple[str, date, str]], actor: str, at: datetime) -> None: ...

    def update_contact(self, household_id: str, contact_id: str, on: date, kind: str, note: str,
                       actor: str, at: datetime) -> dict[str, Any]:
        """Correct one contact (NotFound if it is not this household's); returns its old body and
        recomputes the household's last contact."""
        ...

    def exists(self, household_id: str) -> bool: ...

    def get(self, household_id: str) -> Household | None: ...

    def count(self) -> int: ...

    def contacts(self, household_id: str) -> list[dict[str, Any]]: ...

    def history(self, household_id: str) -> list[tuple[datetime, str, list[FieldChange]]]: ...

    def search(self, query: str, limit: int = 50, today: date | None = None) -> list[SearchHit]: ...

    def hits(self, household_ids: Sequence[str], today: date | None = None) -> list[SearchHit]: ...

    def get_many(self, household_ids: Sequence[str]) -> list[Household]: ...

    def candidates(self, members: Sequence[Mapping[str, Any]], postcode: str | None,
                   limit: int = 200) -> list[Household]: ...

    def delete_everything(self, household_id: str) -> None: ...

    def refresh_search(self, household_ids: Sequence[str]) -> None: ...

    def note_read(self, audit_seq: int, household_ids: Sequence[str]) -> None: ...

    def reads(self, household_id: str) -> list[AuditEntry]: ...

    def purge_pending(self) -> bool: ...

    def purge_step(self) -> bool: ...


class ConsentRepository(Protocol):
    def add(self, e: ConsentEvent) -> None: ...

    def for_household(self, household_id: str) -> list[ConsentEvent]: ...

    def for_purpose(self, purpose_id: str) -> list[ConsentEvent]: ...


class DraftRepository(Protocol):
    def put(self, draft: Draft) -> None: ...

    def get(self, draft_id: str) -> Draft | None: ...

    def for_staff(self, staff_id: str) -> list[Draft]: ...

    def delete(self, draft_id: str) -> bool: ...


class ReferralRepository(Protocol):
    def add(self, r: Referral) -> None: ...

    def add_event(self, household_id: str, e: StatusEvent) -> None: ...

    def for_household(self, household_id: str) -> list[Referral]: ...

    def get(self, referral_id: str) -> Referral | None: ...


class SessionRepository(Protocol):
    def add(self, cs: CentreSession) -> None: ...

    def get(self, session_id: str) -> CentreSession | None: ...

    def between(self, first: date, last: date) -> list[CentreSession]: ...

    def add_attendance(self, items: Sequence[Attendance]) -> None: ...

    def attendance(self, session_id: str) -> list[Attendance]: ...

    def for_household(self, household_id: str) -> list[Attendance]: ...

    def households_of(self, person_ids: Sequence[str]) -> dict[str, str]: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    # Read-only in the protocol so that implementations may narrow the types.
    @property
    def staff(self) -> StaffRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def households(self) -> HouseholdRepository: ...

    @property
    def drafts(self) -> DraftRepository: ...

    @property
    def consents(self) -> ConsentRepository: ...

    @property
    def referrals(self) -> ReferralRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class KeyVault(Protocol):
    """The key slots of an unlocked store. It holds the database key; services never see it.

    Each change re-reads the slot file under an exclusive lock and applies just that change.
    """

    def add_member(self, staff_id: str, username: str, password: str) -> None: ...

    def set_password(self, staff_id: str, username: str, password: str) -> None:
        """Also marks a re-encryption due: an old copy of the slot must stop opening the store."""
        ...

    def remove_member(self, staff_id: str, *, rotate: bool = True) -> None:
        """Also marks a re-encryption due (``rotate=False``: a slot that never opened anything)."""
        ...

    def has_slot(self, staff_id: str) -> bool: ...


class OpenStore(Protocol):
    """An unlocked store: units of work, its key slots, and a way to lock it again."""

    @property
    def vault(self) -> KeyVault: ...

    def unit_of_work(self, *, relaxed: bool = False) -> UnitOfWork:
        """``relaxed``: its commit does not wait for the disk; the next ordinary commit makes it
        durable (WAL). For entries whose loss in a power cut costs little, such as search audits."""
        ...

    def reader(self) -> UnitOfWork:
        """A unit of work that only reads and so never waits for a writer."""
        ...

    def rotation_due(self) -> bool: ...

    @property
    def left_out(self) -> list[str]:
        """Slot owners the last re-encryption could not reach (they need a new password)."""
        ...

    def rotate_key(self) -> bool:
        """Re-encrypt under a fresh key sealed to every remaining slot; False (nothing changed,
        still due) when another process has the store open."""
        ...

    def lock(self) -> None: ...

    @property
    def locked(self) -> bool: ...


class StoreGate(Protocol):
    """A data directory that may hold a store: unlocks it, or creates a new one."""

    def exists(self) -> bool: ...

    def handle(self, username: str) -> str: ...

    def unlock(self, username: str, password: str) -> tuple[str, OpenStore]: ...

    def unlock_with_recovery(self, recovery_key: str) -> OpenStore: ...

    def create(self, admin_id: str, admin_username: str, admin_password: str,
               populate: Callable[[UnitOfWork], None]) -> tuple[OpenStore, str]: ...


class SignInThrottle(Protocol):
    """Back-off per opaque handle, counted before the password is checked."""

    def begin_attempt(self, handle: str, now: datetime, kind: str = "sign-in") -> tuple[int, str]:
        """(seconds to wait, attempt id); a wait above zero refuses the attempt."""
        ...

    def record_success(self, handle: str, attempt: str, now: datetime) -> None: ...

    def epoch(self, now: datetime) -> str: ...

    def pending_events(self, now: datetime) -> list[PendingEvent]: ...

    def clear_pending(self, ids: list[str], now: datetime) -> None: ...


class PasswordPolicy(Protocol):
    """Judges a new password by strength. Raises ``ValidationFailed`` naming ``field`` and why."""

    def check(self, password: str, *, field: str = "password", context: Sequence[str] = ()) -> None: ...


class UsernameGuard(Protocol):
    """Refuses a username that could be mistaken for an existing one (look-alike letters)."""

    def confusable_with(self, username: str, existing: Sequence[str]) -> str | None:
        """The existing username it could be mistaken for, or None."""
        ...


class BackupManifest(Protocol):
    """What a backup archive says about itself. Holds no personal data."""

    @property
    def store_id(self) -> str: ...

    @property
    def schema_revision(self) -> str: ...

    @property
    def created_at(self) -> str: ...  # ISO 8601, UTC

    @property
    def app_version(self) -> str: ...

    @property
    def size(self) -> int: ...  # bytes of the encrypted members


class StagedRestore(Protocol):
    """A backup unpacked beside the data directory, unlocked and brought up to the current schema,
    not yet put in place."""

    @property
    def store(self) -> OpenStore: ...

    @property
    def staff_id(self) -> str | None: ...  # None when opened with the recovery key

    @property
    def manifest(self) -> BackupManifest: ...


class BackupArchives(Protocol):
    """Encrypted backup archives of one data directory: written from an open store, restored into
    the data directory. Nothing they write is ever plaintext."""

    def write(self, store: OpenStore, dest: Path, created_at: datetime) -> BackupManifest: ...

    def discard(self, dest: Path) -> None: ...

    def target_exists(self) -> bool: ...

    def target_in_use(self) -> bool:
        """Whether another program (the app) has the store there open."""
        ...

    def inspect(self, archive: Path) -> BackupManifest: ...

    def stage(self, archive: Path, username: str, password: str) -> StagedRestore: ...

    def stage_with_recovery(self, archive: Path, recovery_key: str) -> StagedRestore: ...

    def commit(self, staged: StagedRestore, *, replace: bool) -> Path | None: ...

    def abandon(self, staged: StagedRestore) -> None: ...


JSONDict = dict[str, Any]
