"""Key-slot changes for an unlocked store, each one re-read and written under the slot file's lock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from centre_desk.domain.errors import StoreError
from centre_desk.security import filelock
from centre_desk.security.keyslots import KeySlots

from .engine import KeyHolder
from .usegate import UseGate

T = TypeVar("T")


def update_slots(path: Path, change: Callable[[KeySlots], T]) -> T:
    """Re-read the key slots under the exclusive lock, apply one change, write atomically.

    Every writer goes through here, so a process that read the file at sign-in can never write
    back its stale copy over someone else's change (issue 8, finding 2).
    """
    with filelock.exclusive(path):
        slots = KeySlots.load(path)
        result = change(slots)
        slots.save()
    return result


class SlotVault:
    """Key slot changes for an unlocked store; it is the only thing here that sees the key.

    It keeps no copy of the slots: each change re-reads the file under the lock.
    """

    def __init__(self, path: Path, key: KeyHolder, generation: Callable[[], int], gate: UseGate) -> None:
        self._path = path
        self._key = key
        self._generation = generation
        self._gate = gate  # a slot written halfway through a re-encryption would miss the new key

    def _update(self, change: Callable[[KeySlots], T]) -> T:
        self._gate.enter()
        try:
            return update_slots(self._path, change)
        finally:
            self._gate.leave()

    def _set(self, staff_id: str, username: str, password: str, *, rotate: bool) -> None:
        if self._key.wiped:
            raise StoreError("the store is locked")
        key = self._key.copy()
        try:
            def change(slots: KeySlots) -> None:
                if slots.generation != self._generation():
                    raise StoreError("the store was re-encrypted elsewhere; sign in again")
                slots.set_user(staff_id, username, password, key)
                if rotate:
                    slots.mark_rotation_due("password-changed")
            self._update(change)
        finally:
            key[:] = bytes(len(key))

    def add_member(self, staff_id: str, username: str, password: str) -> None:
        self._set(staff_id, username, password, rotate=False)

    def set_password(self, staff_id: str, username: str, password: str) -> None:
        # The old password may be in an old copy of keyslots.json: only a new key makes it useless.
        self._set(staff_id, username, password, rotate=True)

    def remove_member(self, staff_id: str, *, rotate: bool = True) -> None:
        def change(slots: KeySlots) -> None:
            slots.remove_owner(staff_id)
            if rotate:
                slots.mark_rotation_due("member-removed")
        self._update(change)

    def has_slot(self, staff_id: str) -> bool:
        return staff_id in KeySlots.load(self._path).owners()

    def recovery_state(self) -> str:
        return KeySlots.load(self._path).recovery_state()

    def renew_recovery(self) -> str:
        """A new recovery key in place of the old one, which is then due to stop opening anything:
        the store is re-encrypted (an old copy of the slot file would otherwise still open it)."""
        if self._key.wiped:
            raise StoreError("the store is locked")
        key = self._key.copy()
        try:
            def change(slots: KeySlots) -> str:
                if slots.generation != self._generation():
                    raise StoreError("the store was re-encrypted elsewhere; sign in again")
                new = slots.set_recovery(key)
                slots.mark_rotation_due("recovery-renewed")
                return new
            return self._update(change)
        finally:
            key[:] = bytes(len(key))

    def rotation_due(self) -> bool:
        return KeySlots.load(self._path).rotation_due
