"""The device's half of key escrow (DESIGN.md §4, staff directory).

At enrolment the device makes a 256-bit *device secret* and keeps it in ``escrow.json`` beside the
store (with the server's address, the pinned certificate fingerprint and the device id: a member
with no key slot here must be able to reach the server before anything is unlocked). Two keys are
derived from it with HKDF-SHA256 under different labels:

- the *share*, which never leaves the device: the database key is sealed under it (AES-256-GCM,
  associated data = device id, store id and key generation) and the sealed box is what the
  server keeps;
- the *release token*, sent only when asking for the box back; the server stores its SHA-256.

So neither side alone has the key: the server's database (or the whole server) holds a box it
cannot open, and the device's files hold no box. Getting the box back needs the password of an
active member of the device's organisation, checked by the server. The device token used for sync
is not used here: it lives inside the encrypted store, so it cannot be read before a sign-in, and
keeping a copy in clear would let anyone with the files sync as any member; the release token can
only ask for a password-checked release.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from centre_desk.domain.errors import StoreError

from .files import read_json, write_json_atomic

FORMAT = "centre-desk-escrow/1"
RELEASE_PREFIX = "cdr_"
_DAMAGED = "the key escrow file is damaged or unreadable"
_STALE = ("the key the server holds for this device is out of date (the store was re-encrypted and has not "
          "synced since): sign in here as someone who has before and sync, then try again")


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"centre-desk escrow v1|" + label).derive(secret)


@dataclass(frozen=True)
class EscrowTicket:
    """What ``escrow.json`` holds. ``repr`` shows no secret."""

    server_url: str
    pin: str | None
    device_id: str
    _secret: bytes

    def __repr__(self) -> str:
        return f"EscrowTicket(server_url={self.server_url!r}, device_id={self.device_id!r})"

    def release_token(self) -> str:
        return RELEASE_PREFIX + base64.urlsafe_b64encode(_derive(self._secret, b"release-token")).decode().rstrip("=")

    def release_hash(self) -> str:
        return hashlib.sha256(self.release_token().encode()).hexdigest()

    def _aad(self, store_id: str, generation: int) -> bytes:
        return f"{self.device_id}|{store_id}|{generation}".encode()

    def seal(self, key: bytes | bytearray, store_id: str, generation: int) -> dict[str, Any]:
        """The box the server keeps: never the key itself."""
        nonce = secrets.token_bytes(12)
        ct = AESGCM(_derive(self._secret, b"share")).encrypt(nonce, bytes(key), self._aad(store_id, generation))
        return {"generation": generation, "nonce": base64.b64encode(nonce).decode(),
                "ct": base64.b64encode(ct).decode(), "release_hash": self.release_hash()}

    def unseal(self, box: dict[str, Any], store_id: str, generation: int) -> bytearray:
        """The database key from a box the server released, if it is of ``generation``."""
        try:
            boxed = int(box["generation"])
            nonce = base64.b64decode(str(box["nonce"]), validate=True)
            ct = base64.b64decode(str(box["ct"]), validate=True)
        except (KeyError, TypeError, ValueError):
            raise StoreError("the server's answer held no usable key") from None
        if boxed != generation:
            raise StoreError(_STALE)
        try:
            return bytearray(AESGCM(_derive(self._secret, b"share")).decrypt(nonce, ct, self._aad(store_id, boxed)))
        except (InvalidTag, ValueError):
            raise StoreError("the key the server released does not belong to this device's store") from None


def create(path: Path, server_url: str, pin: str | None, device_id: str) -> EscrowTicket:
    """A fresh device secret for this enrolment (replacing any from an earlier one)."""
    secret = secrets.token_bytes(32)
    write_json_atomic(path, {"format": FORMAT, "server_url": server_url, "pin": pin or "", "device_id": device_id,
                             "secret": base64.b64encode(secret).decode()})
    os.chmod(path, 0o600)
    return EscrowTicket(server_url, pin or None, device_id, secret)


def load(path: Path) -> EscrowTicket | None:
    """The ticket, or None when this device was never enrolled (or enrolled before escrow existed)."""
    try:
        data = read_json(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise StoreError(_DAMAGED) from None
    try:
        if data["format"] != FORMAT:
            raise StoreError("the key escrow file is not in a format this version understands")
        secret = base64.b64decode(str(data["secret"]), validate=True)
        if len(secret) != 32:
            raise StoreError(_DAMAGED)
        return EscrowTicket(str(data["server_url"]), str(data.get("pin") or "") or None, str(data["device_id"]),
                            secret)
    except (KeyError, TypeError, ValueError):
        raise StoreError(_DAMAGED) from None
