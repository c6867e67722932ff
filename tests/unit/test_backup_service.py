"""The backup services against fakes: permissions, auditing, and nothing left half-done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from centre_desk.domain.audit import make_entry
from centre_desk.domain.clock import FixedClock
from centre_desk.domain.errors import Conflict, PermissionDenied, SignInFailed, StoreError, ValidationFailed
from centre_desk.domain.staff import Role, StaffMember
from centre_desk.services.backup import create_backup, restore_backup
from centre_desk.services.session import DeskSession

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
ADMIN = StaffMember("a1", "alex", Role.ADMINISTRATOR)
RECEPTION = StaffMember("r1", "rita", Role.RECEPTION)


@dataclass(frozen=True)
class Manifest:
    store_id: str = "store-1"
    schema_revision: str = "0002"
    created_at: str = "2026-11-20T09:00:00+00:00"
    app_version: str = "0.1.0"
    size: int = 1234


class FakeAudit:
    def __init__(self, fail: bool = False) -> None:
        self.entries: list[Any] = []
        self.fail = fail

    def head(self) -> Any:
        return self.entries[-1] if self.entries else None

    def append(self, at: datetime, actor: str, action: str, record_ref: str | None = None,
               detail: str | None = None, *, source: str = "store") -> Any:
        if self.fail:
            raise StoreError("disk full")
        entry = make_entry(self.entries[-1] if self.entries else None, at, actor, action, record_ref, detail,
                           source)
        self.entries.append(entry)
        return entry


class FakeStaff:
    def __init__(self, *members: StaffMember) -> None:
        self.members = {m.id: m for m in members}

    def get(self, staff_id: str) -> StaffMember | None:
        return self.members.get(staff_id)


class FakeSettings(dict[str, str]):
    def set(self, key: str, value: str) -> None:
        self[key] = value


class FakeUow:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.staff = store.staff
        self.audit = store.audit
        self.settings = store.settings

    def __enter__(self) -> FakeUow:
        self._before = len(self.audit.entries)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.store.committed:
            del self.audit.entries[self._before:]

    def commit(self) -> None:
        self.store.committed = True


@dataclass
class FakeStore:
    staff: FakeStaff = field(default_factory=FakeStaff)
    audit: FakeAudit = field(default_factory=FakeAudit)
    settings: FakeSettings = field(default_factory=FakeSettings)
    committed: bool = False
    locked: bool = False

    def rotation_due(self) -> bool:
        return False

    def unit_of_work(self) -> FakeUow:
        self.committed = False
        return FakeUow(self)

    def lock(self) -> None:
        self.locked = True


@dataclass
class Staged:
    store: FakeStore
    staff_id: str | None
    manifest: Manifest = field(default_factory=Manifest)


class FakeArchives:
    def __init__(self, exists: bool = False, staged: Staged | None = None) -> None:
        self.exists = exists
        self.staged = staged
        self.calls: list[str] = []
        self.written: list[Path] = []

    def write(self, store: Any, dest: Path, created_at: datetime) -> Manifest:
        self.calls.append("write")
        self.written.append(dest)
        return Manifest(created_at=created_at.isoformat())

    def discard(self, dest: Path) -> None:
        self.calls.append("discard")
        self.written.remove(dest)

    def target_exists(self) -> bool:
        return self.exists

    def target_in_use(self) -> bool:
        return False

    def inspect(self, archive: Path) -> Manifest:
        self.calls.append("inspect")
        return Manifest()

    def stage(self, archive: Path, username: str, password: str) -> Staged:
        self.calls.append("stage")
        assert self.staged is not None
        return self.staged

    def stage_with_recovery(self, archive: Path, recovery_key: str) -> Staged:
        self.calls.append("stage_with_recovery")
        assert self.staged is not None
        return self.staged

    def commit(self, staged: Staged, *, replace: bool) -> Path | None:
        self.calls.append(f"commit replace={replace}")
        return Path("backups/replaced-x") if replace else None

    def abandon(self, staged: Staged) -> None:
        self.calls.append("abandon")


class FakeThrottle:
    def __init__(self) -> None:
        self.attempts: list[str] = []

    def begin_attempt(self, handle: str, now: datetime, kind: str = "sign-in") -> tuple[int, str]:
        self.attempts.append(kind)
        return 0, f"a{len(self.attempts)}"

    def record_success(self, handle: str, attempt: str, now: datetime) -> None:
        pass

    def epoch(self, now: datetime) -> str:
        return "e1"

    def pending_events(self, now: datetime) -> list[Any]:
        return []

    def clear_pending(self, ids: list[str], now: datetime) -> None:
        pass


class FakeGate:
    """The store that is there now, with the staff it knows."""

    def __init__(self, current: FakeStore | None = None, passwords: dict[str, str] | None = None) -> None:
        self.current = current or FakeStore()
        self.passwords = passwords or {}

    def handle(self, username: str) -> str:
        return username

    def unlock(self, username: str, password: str) -> tuple[str, FakeStore]:
        member = next((m for m in self.current.staff.members.values() if m.username == username), None)
        if member is None or self.passwords.get(username) != password:
            raise SignInFailed()
        return member.id, self.current

    def unlock_with_recovery(self, recovery_key: str) -> FakeStore:
        if recovery_key != "AAAA":
            raise SignInFailed()
        return self.current


def restore(archives: FakeArchives, gate: FakeGate | None = None, **kwargs: Any) -> Any:
    return restore_backup(archives, FixedClock(NOW), Path("x"), gate=gate or FakeGate(),  # type: ignore[arg-type]
                          throttle=FakeThrottle(), **kwargs)


def session(actor: StaffMember, store: FakeStore) -> DeskSession:
    return DeskSession(store, actor, FixedClock(NOW))  # type: ignore[arg-type]


def test_a_backup_is_written_then_audited() -> None:
    store = FakeStore()
    archives = FakeArchives()
    manifest = create_backup(session(ADMIN, store), archives, Path("x.cdbackup"))  # type: ignore[arg-type]
    assert manifest.created_at == NOW.isoformat()
    assert [(e.actor, e.action, e.detail) for e in store.audit.entries] == [("a1", "backup.created", "schema 0002")]


def test_only_administrators_back_up_and_nothing_is_written_otherwise() -> None:
    archives = FakeArchives()
    with pytest.raises(PermissionDenied):
        create_backup(session(RECEPTION, FakeStore()), archives, Path("x"))  # type: ignore[arg-type]
    assert archives.calls == []


def test_a_backup_that_cannot_be_audited_is_removed() -> None:
    store = FakeStore(audit=FakeAudit(fail=True))
    archives = FakeArchives()
    with pytest.raises(StoreError):
        create_backup(session(ADMIN, store), archives, Path("x"))  # type: ignore[arg-type]
    assert archives.calls == ["write", "discard"] and archives.written == []


def test_restore_audits_in_the_restored_store_then_commits() -> None:
    restored = FakeStore(staff=FakeStaff(ADMIN))
    current = FakeStore(staff=FakeStaff(ADMIN))
    archives = FakeArchives(exists=True, staged=Staged(restored, ADMIN.id))
    result = restore(archives, FakeGate(current, {"alex": "pw"}), username="alex", password="pw", replace=True)
    assert archives.calls == ["inspect", "stage", "commit replace=True"]
    assert result.moved_aside == Path("backups/replaced-x") and result.actor == ADMIN.id
    [entry] = restored.audit.entries
    assert entry.action == "backup.restored" and entry.actor == ADMIN.id
    assert entry.detail == "taken 2026-11-20T09:00:00+00:00; replaced a store"
    # The store that was there says so in its own chain, and was closed before being moved aside.
    assert [e.action for e in current.audit.entries] == ["sign-in", "backup.restoring-over"]
    assert current.locked


def test_restore_refuses_an_existing_store_before_reading_anything() -> None:
    archives = FakeArchives(exists=True, staged=Staged(FakeStore(staff=FakeStaff(ADMIN)), ADMIN.id))
    with pytest.raises(Conflict):
        restore(archives, username="alex", password="pw")
    assert archives.calls == []


@pytest.mark.parametrize("member", [RECEPTION, StaffMember("a1", "alex", Role.ADMINISTRATOR, disabled=True), None])
def test_restore_needs_an_active_administrator_in_the_backup(member: StaffMember | None) -> None:
    restored = FakeStore(staff=FakeStaff(*([member] if member else [])))
    archives = FakeArchives(staged=Staged(restored, member.id if member else "gone"))
    with pytest.raises((PermissionDenied, SignInFailed)):
        restore(archives, username="u", password="pw")
    assert archives.calls == ["inspect", "stage", "abandon"]
    assert restored.audit.entries == []


@pytest.mark.parametrize("member", [RECEPTION, StaffMember("a1", "alex", Role.ADMINISTRATOR, disabled=True)])
def test_restore_over_a_store_needs_an_active_administrator_of_that_store(member: StaffMember) -> None:
    # Issue 8, finding 6: a disabled administrator whose password is in the backup's slots could
    # roll the current store back. Now the current store decides, before the backup is opened.
    in_backup = FakeStore(staff=FakeStaff(StaffMember(member.id, member.username, Role.ADMINISTRATOR)))
    current = FakeStore(staff=FakeStaff(member))
    archives = FakeArchives(exists=True, staged=Staged(in_backup, member.id))
    with pytest.raises((PermissionDenied, SignInFailed)):
        restore(archives, FakeGate(current, {member.username: "pw"}), username=member.username, password="pw",
                replace=True)
    assert archives.calls == ["inspect"]
    if member is RECEPTION:
        assert "backup.restore-refused" in [e.action for e in current.audit.entries]
    assert current.locked or not current.audit.entries


def test_restore_with_the_recovery_key_is_audited_as_recovery() -> None:
    restored = FakeStore()
    archives = FakeArchives(staged=Staged(restored, None))
    result = restore(archives, recovery_key="AAAA")
    assert archives.calls == ["inspect", "stage_with_recovery", "commit replace=False"]
    assert result.actor == "recovery" and restored.audit.entries[0].actor == "recovery"


def test_restore_needs_exactly_one_way_to_sign_in() -> None:
    for kwargs in ({}, {"username": "a"}, {"username": "a", "password": "p", "recovery_key": "k"}):
        with pytest.raises(ValidationFailed):
            restore(FakeArchives(), **kwargs)
