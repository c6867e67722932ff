"""Key slots: the database key, wrapped once per member of staff and once for the recovery key.

As in LUKS, the 32-byte database key never changes when a password does: each slot holds the key
encrypted (AES-256-GCM) under a key derived from one password with Argon2id. The slot's owner id
and the store id are the associated data, so a slot copied onto another user or another store fails
to open.

Nothing in ``keyslots.json`` names anybody: a slot is found by an HMAC of the username under a
random per-store salt, and the owner id is an opaque UUID.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from centre_desk.domain.errors import SignInFailed, StoreError

from .files import read_json, write_json_atomic

FORMAT = "centre-desk-keyslots/1"
KEY_BYTES = 32
RECOVERY_OWNER = "recovery"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: it is read off paper


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored per slot so they can be raised later without breaking old slots."""

    memory_kib: int = 64 * 1024
    time_cost: int = 3
    parallelism: int = 4

    FLOOR_MEMORY_KIB = 64 * 1024
    FLOOR_TIME = 3
    FLOOR_PARALLELISM = 4

    def check_floor(self) -> None:
        if (self.memory_kib < self.FLOOR_MEMORY_KIB or self.time_cost < self.FLOOR_TIME
                or self.parallelism < self.FLOOR_PARALLELISM):
            raise StoreError("a key slot's Argon2id parameters are below the required floor")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def new_database_key() -> bytearray:
    return bytearray(secrets.token_bytes(KEY_BYTES))


def new_recovery_key() -> str:
    """160 random bits in eight groups of four, easy to read aloud and type back."""
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(32))
    return "-".join(chars[i:i + 4] for i in range(0, 32, 4))


def normalise_recovery_key(text: str) -> str:
    raw = "".join(c for c in text.upper() if c.isalnum())
    raw = raw.replace("0", "O").replace("1", "I")  # forgive the usual misreadings
    if len(raw) != 32 or any(c not in _RECOVERY_ALPHABET for c in raw):
        raise SignInFailed()
    return "-".join(raw[i:i + 4] for i in range(0, 32, 4))


class KeySlots:
    """The ``keyslots.json`` sidecar of one store."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- file ------------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path) -> KeySlots:
        if path.exists():
            raise StoreError("a key slot file already exists here")
        data = {
            "format": FORMAT,
            "store_id": str(uuid.uuid4()),
            "lookup_salt": _b64(secrets.token_bytes(32)),
            "slots": [],
        }
        return cls(path, data)

    @classmethod
    def load(cls, path: Path) -> KeySlots:
        try:
            data = read_json(path)
        except FileNotFoundError:
            raise StoreError("no store has been set up in this data directory") from None
        except (OSError, ValueError):
            raise StoreError("the key slot file is damaged or unreadable") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StoreError("the key slot file is not in a format this version understands")
        return cls(path, data)

    def save(self) -> None:
        write_json_atomic(self.path, self._data)

    @property
    def store_id(self) -> str:
        return str(self._data["store_id"])

    def lookup(self, username: str) -> str:
        """The opaque handle a username is filed under (also used by the sign-in throttle)."""
        salt = _unb64(self._data["lookup_salt"])
        return hmac.new(salt, username.strip().casefold().encode("utf-8"), hashlib.sha256).hexdigest()

    # -- slots -----------------------------------------------------------------------------------
    def _slots(self) -> list[dict[str, Any]]:
        slots: list[dict[str, Any]] = self._data["slots"]
        return slots

    def _find(self, lookup: str) -> dict[str, Any] | None:
        for slot in self._slots():
            if hmac.compare_digest(slot["lookup"], lookup):
                return slot
        return None

    def has_user(self, username: str) -> bool:
        return self._find(self.lookup(username)) is not None

    def owners(self) -> list[str]:
        return [s["owner"] for s in self._slots()]

    def _aad(self, owner: str) -> bytes:
        return f"{self.store_id}|{owner}".encode()

    def _wrap(self, owner: str, lookup: str, secret: str, db_key: bytes | bytearray,
              params: KdfParams) -> dict[str, Any]:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = derive(secret, salt, params)
        wrapped = AESGCM(kek).encrypt(nonce, bytes(db_key), self._aad(owner))
        return {
            "owner": owner,
            "lookup": lookup,
            "kdf": {
                "name": "argon2id",
                "salt": _b64(salt),
                "memory_kib": params.memory_kib,
                "time_cost": params.time_cost,
                "parallelism": params.parallelism,
            },
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }

    def _unwrap(self, slot: dict[str, Any], secret: str) -> bytearray:
        kdf = slot["kdf"]
        params = KdfParams(int(kdf["memory_kib"]), int(kdf["time_cost"]), int(kdf["parallelism"]))
        params.check_floor()
        kek = derive(secret, _unb64(kdf["salt"]), params)
        try:
            key = AESGCM(kek).decrypt(_unb64(slot["nonce"]), _unb64(slot["wrapped"]),
                                      self._aad(slot["owner"]))
        except InvalidTag:
            raise SignInFailed() from None
        return bytearray(key)

    def set_user(self, owner: str, username: str, password: str, db_key: bytes | bytearray,
                 params: KdfParams | None = None) -> None:
        """Add or replace the slot for one member of staff. Touches no other slot."""
        lookup = self.lookup(username)
        slot = self._wrap(owner, lookup, password, db_key, params or KdfParams())
        slots = [s for s in self._slots() if s["owner"] != owner and s["lookup"] != lookup]
        slots.append(slot)
        self._data["slots"] = slots

    def remove_owner(self, owner: str) -> bool:
        before = len(self._slots())
        self._data["slots"] = [s for s in self._slots() if s["owner"] != owner]
        return len(self._slots()) != before

    def set_recovery(self, db_key: bytes | bytearray, params: KdfParams | None = None) -> str:
        key = new_recovery_key()
        self.remove_owner(RECOVERY_OWNER)
        lookup = hashlib.sha256(b"recovery|" + self.store_id.encode()).hexdigest()
        self._slots().append(self._wrap(RECOVERY_OWNER, lookup, key, db_key, params or KdfParams()))
        return key

    def unlock(self, username: str, password: str) -> tuple[str, bytearray]:
        """Return (owner id, database key), or raise SignInFailed without saying why."""
        slot = self._find(self.lookup(username))
        if slot is None or slot["owner"] == RECOVERY_OWNER:
            # Spend the same time as a real attempt so timing does not reveal unknown usernames.
            derive(password, os.urandom(16), KdfParams())
            raise SignInFailed()
        return slot["owner"], self._unwrap(slot, password)

    def unlock_with_recovery(self, recovery_key: str) -> bytearray:
        text = normalise_recovery_key(recovery_key)
        for slot in self._slots():
            if slot["owner"] == RECOVERY_OWNER:
                return self._unwrap(slot, text)
        raise SignInFailed()
