"""Key slots: the database key, wrapped once per member of staff and once for the recovery key.

As in LUKS, each slot holds the 32-byte database key encrypted (AES-256-GCM) under a key derived
from one password with Argon2id; the slot's owner id, the store id and the key generation are the
associated data, so a slot copied onto another user, store or generation fails to open.

Each slot also holds an X25519 key pair: the private half wrapped under the same password-derived
key, the public half in clear and vouched for by an HMAC under the database key. When the database
is re-encrypted under a new key (someone disabled, a password changed), the new key is *sealed*
to every remaining slot's public key, so nobody's password is needed; each slot is re-wrapped with
the new key at its owner's next sign-in (``settle``). The generation counts re-encryptions; a slot
or an old copy of this file that only knows an earlier generation's key opens nothing current.

Nothing in ``keyslots.json`` names anybody: a slot is found by an HMAC of the folded username
under a random per-store salt, and the owner id is an opaque UUID.

Every change to the file goes through ``update_slots`` in ``storage/vault.py``: re-read under an exclusive
lock, apply one change, write atomically, so two processes never lose each other's changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from centre_desk.domain.errors import SignInFailed, StoreError

from . import sealing
from .files import read_json, write_json_atomic
from .kdf import KEY_BYTES, KdfParams, derive

FORMAT = "centre-desk-keyslots/2"
FORMAT_V1 = "centre-desk-keyslots/1"
RECOVERY_OWNER = "recovery"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: it is read off paper
_DAMAGED = "the key slot file is damaged or unreadable"

__all__ = [
    "KEY_BYTES",
    "RECOVERY_OWNER",
    "KdfParams",
    "KeySlots",
    "Opening",
    "derive",
    "new_database_key",
    "new_recovery_key",
    "normalise_recovery_key",
]


def _b64(data: bytes | bytearray) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise StoreError(_DAMAGED)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise StoreError(_DAMAGED) from None


def _wipe(buf: bytearray) -> None:
    buf[:] = bytes(len(buf))


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


def fold_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username.strip()).casefold()


@dataclass
class Opening:
    """What one password opened in one slot: the keys it gives, by generation, and the slot's
    password-derived key (kept only until the slot has been settled, then wiped)."""

    owner: str
    salt: str
    kek: bytearray
    keys: dict[int, bytearray] = field(default_factory=dict)

    def wipe(self) -> None:
        _wipe(self.kek)
        for key in self.keys.values():
            _wipe(key)


class KeySlots:
    """The ``keyslots.json`` sidecar of one store, as read at one moment."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- file ------------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, params: KdfParams | None = None) -> KeySlots:
        if path.exists():
            raise StoreError("a key slot file already exists here")
        data = {
            "format": FORMAT,
            "store_id": str(uuid.uuid4()),
            "lookup_salt": _b64(secrets.token_bytes(32)),
            "generation": 1,
            "kdf": (params or KdfParams()).to_json(),
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
            raise StoreError(_DAMAGED) from None
        if not isinstance(data, dict) or data.get("format") not in (FORMAT, FORMAT_V1):
            raise StoreError("the key slot file is not in a format this version understands")
        if not isinstance(data.get("slots"), list) or not isinstance(data.get("store_id"), str):
            raise StoreError(_DAMAGED)
        if data["format"] == FORMAT_V1:
            # Slots from before key rotation: generation 0, associated data without a generation.
            # Each gets its key pair when its owner next signs in (``settle``).
            data = {**data, "format": FORMAT, "generation": 0, "kdf": KdfParams().to_json()}
            data["slots"] = [{**s, "generation": 0, "aad": "v1"} for s in data["slots"]]
        return cls(path, data)

    def save(self) -> None:
        write_json_atomic(self.path, self._data)

    @property
    def store_id(self) -> str:
        return str(self._data["store_id"])

    @property
    def generation(self) -> int:
        return int(self._data.get("generation", 0))

    @property
    def next_generation(self) -> int | None:
        nxt = self._data.get("next")
        return int(nxt) if isinstance(nxt, int) else None

    @property
    def rotation_due(self) -> bool:
        return bool(self._data.get("rotation_due"))

    def mark_rotation_due(self, reason: str) -> None:
        self._data["rotation_due"] = reason[:40] or "due"

    @property
    def kdf_params(self) -> KdfParams:
        """Parameters calibrated at set-up; new slots use them."""
        return KdfParams.from_json(self._data.get("kdf", KdfParams().to_json()))

    def lookup(self, username: str) -> str:
        """The opaque handle a username is filed under (also used by the sign-in throttle)."""
        salt = _unb64(self._data["lookup_salt"])
        return hmac.new(salt, fold_username(username).encode("utf-8"), hashlib.sha256).hexdigest()

    def _recovery_lookup(self) -> str:
        return hashlib.sha256(b"recovery|" + self.store_id.encode()).hexdigest()

    # -- slots -----------------------------------------------------------------------------------
    def _slots(self) -> list[dict[str, Any]]:
        slots: list[dict[str, Any]] = self._data["slots"]
        return slots

    def _find(self, lookup: str) -> dict[str, Any] | None:
        for slot in self._slots():
            if isinstance(slot, dict) and isinstance(slot.get("lookup"), str) \
                    and hmac.compare_digest(slot["lookup"], lookup):
                return slot
        return None

    def _by_owner(self, owner: str) -> dict[str, Any] | None:
        return next((s for s in self._slots() if s.get("owner") == owner), None)

    def has_user(self, username: str) -> bool:
        return self._find(self.lookup(username)) is not None

    def owners(self) -> list[str]:
        return [s["owner"] for s in self._slots()]

    def _aad(self, owner: str, purpose: str, generation: int | None = None, public: bytes = b"") -> bytes:
        gen = "" if generation is None else str(generation)
        return f"{self.store_id}|{owner}|{purpose}|{gen}|".encode() + public

    def _key_aad(self, slot: dict[str, Any], generation: int) -> bytes:
        if slot.get("aad") == "v1":
            return f"{self.store_id}|{slot['owner']}".encode()
        return self._aad(slot["owner"], "key", generation)

    def _mac_message(self, owner: str, generation: int, public: bytes) -> bytes:
        return self._aad(owner, "public", generation, public)

    def _new_slot(self, owner: str, lookup: str, secret: str, db_key: bytes | bytearray,
                  params: KdfParams) -> dict[str, Any]:
        params.check_floor()
        salt = secrets.token_bytes(16)
        kek = derive(secret, salt, params)
        try:
            slot: dict[str, Any] = {"owner": owner, "lookup": lookup,
                                    "kdf": {"name": "argon2id", "salt": _b64(salt), **params.to_json()}}
            self._fill(slot, kek, db_key, self.generation, fresh_pair=True)
        finally:
            _wipe(kek)
        return slot

    def _fill(self, slot: dict[str, Any], kek: bytearray, db_key: bytes | bytearray, generation: int,
              *, fresh_pair: bool) -> None:
        """Wrap ``db_key`` (of ``generation``) under ``kek``; give the slot a key pair if it has none."""
        owner = slot["owner"]
        aead = AESGCM(bytes(kek))
        nonce = secrets.token_bytes(12)
        slot["generation"] = generation
        slot.pop("aad", None)
        slot["nonce"] = _b64(nonce)
        slot["wrapped"] = _b64(aead.encrypt(nonce, bytes(db_key), self._aad(owner, "key", generation)))
        if fresh_pair or "public" not in slot:
            private, public = sealing.new_key_pair()
            try:
                pnonce = secrets.token_bytes(12)
                slot["public"] = _b64(public)
                slot["private"] = {"nonce": _b64(pnonce), "ct": _b64(aead.encrypt(
                    pnonce, bytes(private), self._aad(owner, "x25519", None, public)))}
            finally:
                _wipe(private)
        public = _unb64(slot["public"])
        slot["public_mac"] = sealing.public_mac(db_key, self._mac_message(owner, generation, public))
        slot["mac_generation"] = generation
        if isinstance(slot.get("sealed"), dict) and int(slot["sealed"].get("generation", -1)) <= generation:
            del slot["sealed"]

    def set_user(self, owner: str, username: str, password: str, db_key: bytes | bytearray,
                 params: KdfParams | None = None) -> None:
        """Add or replace the slot for one member of staff (with a fresh key pair). Touches no other."""
        lookup = self.lookup(username)
        slot = self._new_slot(owner, lookup, password, db_key, params or self.kdf_params)
        self._data["slots"] = [s for s in self._slots() if s.get("owner") != owner and s.get("lookup") != lookup]
        self._slots().append(slot)

    def remove_owner(self, owner: str) -> bool:
        before = len(self._slots())
        self._data["slots"] = [s for s in self._slots() if s.get("owner") != owner]
        return len(self._slots()) != before

    def recovery_state(self) -> str:
        """``ok``; ``legacy`` (a slot from before key rotation: it opens the store today, but has no
        key pair, so the next re-encryption cannot carry it); or ``missing``."""
        slot = self._by_owner(RECOVERY_OWNER)
        if slot is None:
            return "missing"
        return "ok" if "public" in slot else "legacy"

    def set_recovery(self, db_key: bytes | bytearray, params: KdfParams | None = None) -> str:
        key = new_recovery_key()
        slot = self._new_slot(RECOVERY_OWNER, self._recovery_lookup(), key, db_key, params or self.kdf_params)
        self.remove_owner(RECOVERY_OWNER)
        self._slots().append(slot)
        return key

    # -- opening ---------------------------------------------------------------------------------
    def _open_slot(self, slot: dict[str, Any], secret: str) -> Opening:
        try:
            kdf = slot["kdf"]
            params = KdfParams.from_json(kdf)
            salt = str(kdf["salt"])
            owner = str(slot["owner"])
            kek = derive(secret, _unb64(salt), params)
        except (KeyError, TypeError):
            raise StoreError(_DAMAGED) from None
        opening = Opening(owner, salt, kek)
        aead = AESGCM(bytes(kek))
        if slot.get("wrapped") is not None:
            try:
                gen = int(slot.get("generation") or 0)
                opening.keys[gen] = bytearray(aead.decrypt(_unb64(slot["nonce"]), _unb64(slot["wrapped"]),
                                                           self._key_aad(slot, gen)))
            except (InvalidTag, KeyError, TypeError, ValueError, StoreError):
                opening.wipe()
                raise SignInFailed() from None
        sealed = slot.get("sealed")
        if isinstance(sealed, dict) and "public" in slot:
            private = bytearray()
            try:
                public = _unb64(slot["public"])
                private = bytearray(aead.decrypt(_unb64(slot["private"]["nonce"]), _unb64(slot["private"]["ct"]),
                                                 self._aad(owner, "x25519", None, public)))
                sgen = int(sealed["generation"])
                opening.keys[sgen] = sealing.unseal(private, _unb64(sealed["ephemeral"]), _unb64(sealed["nonce"]),
                                                    _unb64(sealed["ct"]),
                                                    self._aad(owner, "sealed", sgen, public))
            except (InvalidTag, SignInFailed, KeyError, TypeError, ValueError, StoreError):
                pass  # wrong password, or a damaged sealed key: only what is wrapped directly opens
            finally:
                _wipe(private)
        if not opening.keys:
            opening.wipe()
            raise SignInFailed()
        return opening

    def open(self, username: str, password: str) -> Opening:
        """Open one member's slot, or raise SignInFailed without saying why."""
        slot = self._find(self.lookup(username))
        if slot is None or slot.get("owner") == RECOVERY_OWNER:
            # Spend the same time as a real attempt so timing does not reveal unknown usernames.
            derive(password, os.urandom(16), self.kdf_params)
            raise SignInFailed()
        return self._open_slot(slot, password)

    def open_recovery(self, recovery_key: str) -> Opening:
        text = normalise_recovery_key(recovery_key)
        slot = self._by_owner(RECOVERY_OWNER)
        if slot is None:
            raise SignInFailed()
        return self._open_slot(slot, text)

    def settle(self, opening: Opening, generation: int) -> bool:
        """Re-wrap the opened slot with the key of ``generation`` (the store's current one).

        Only if the slot is still the one that was opened (same salt): a password changed by
        another process in between must not be overwritten. Returns whether anything changed.
        """
        slot = self._by_owner(opening.owner)
        key = opening.keys.get(generation)
        if slot is None or key is None or slot.get("kdf", {}).get("salt") != opening.salt:
            return False
        if (slot.get("generation") == generation and "public" in slot and "sealed" not in slot
                and slot.get("mac_generation") == generation):
            return False
        self._fill(slot, opening.kek, key, generation, fresh_pair=False)
        return True

    # -- re-encryption ---------------------------------------------------------------------------
    def begin_rotation(self, current_key: bytes | bytearray, new_key: bytes | bytearray) -> list[str]:
        """Seal ``new_key`` (the next generation) to every slot whose public key is vouched for by
        the current key. Returns the owners left out (no key pair yet, or a public key that the
        current key does not vouch for): they need a password reset after the re-encryption."""
        nxt = self.generation + 1
        left_out = []
        for slot in self._slots():
            owner = str(slot.get("owner"))
            try:
                public = _unb64(slot["public"])
                mac_gen = int(slot["mac_generation"])
                expected = sealing.public_mac(current_key, self._mac_message(owner, mac_gen, public))
                vouched = mac_gen == self.generation and hmac.compare_digest(expected, slot["public_mac"])
            except (KeyError, TypeError, ValueError, StoreError):
                vouched = False
            if not vouched:
                slot.pop("sealed", None)
                left_out.append(str(owner))
                continue
            box = sealing.seal(public, new_key, self._aad(owner, "sealed", nxt, public))
            slot["sealed"] = {"generation": nxt, **{k: _b64(v) for k, v in box.items()},
                              "public_mac": sealing.public_mac(new_key, self._mac_message(owner, nxt, public))}
        self._data["next"] = nxt
        return left_out

    def finish_rotation(self) -> None:
        """The store file is now under the next generation's key: make it current."""
        nxt = self.next_generation
        if nxt is None:
            return
        kept = []
        for slot in self._slots():
            sealed = slot.get("sealed")
            if not isinstance(sealed, dict) or int(sealed.get("generation", -1)) != nxt:
                continue  # opens nothing current any more
            # The directly wrapped key is of an older generation: useless, so not kept.
            slot.pop("nonce", None)
            slot.pop("wrapped", None)
            slot["generation"] = None
            slot["public_mac"] = sealed.pop("public_mac", "")
            slot["mac_generation"] = nxt
            kept.append(slot)
        self._data["slots"] = kept
        self._data["generation"] = nxt
        self._data.pop("next", None)
        self._data.pop("rotation_due", None)

    def abandon_rotation(self) -> None:
        """The re-encryption did not reach its commit point: forget the sealed next key."""
        nxt = self.next_generation
        if nxt is None:
            return
        for slot in self._slots():
            sealed = slot.get("sealed")
            if isinstance(sealed, dict) and int(sealed.get("generation", -1)) == nxt:
                del slot["sealed"]
        self._data.pop("next", None)
