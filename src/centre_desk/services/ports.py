"""What the services need from the outside world, as Protocols.

Storage, security and the other adapters satisfy these structurally; service tests use fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from centre_desk.domain.audit import AuditEntry
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
               detail: str | None = None) -> AuditEntry: ...

    def entries(self) -> Iterator[AuditEntry]: ...

    def count(self) -> int: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    # Read-only in the protocol so that implementations may narrow the types.
    @property
    def staff(self) -> StaffRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class KeyVault(Protocol):
    """The key slots of an unlocked store. It holds the database key; services never see it."""

    def add_member(self, staff_id: str, username: str, password: str) -> None: ...

    def set_password(self, staff_id: str, username: str, password: str) -> None: ...

    def remove_member(self, staff_id: str) -> None: ...

    def has_slot(self, staff_id: str) -> bool: ...


class OpenStore(Protocol):
    """An unlocked store: units of work, its key slots, and a way to lock it again."""

    @property
    def vault(self) -> KeyVault: ...

    def unit_of_work(self) -> UnitOfWork: ...

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
    def wait_seconds(self, handle: str, now: datetime) -> int: ...

    def record_failure(self, handle: str, now: datetime) -> None: ...

    def record_throttled(self, handle: str, now: datetime) -> None: ...

    def record_success(self, handle: str) -> None: ...

    def pending_events(self) -> list[tuple[datetime, str, str]]: ...

    def clear_pending(self, count: int) -> None: ...


JSONDict = dict[str, Any]
