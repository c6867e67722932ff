"""Enrolment codes (format in the server's ``codes.py``, which re-exports this): parsed on the
device too, to take the server certificate's fingerprint to pin. Standard library only."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from .errors import ValidationFailed

VERSION = 1
SECRET_BYTES = 20
FINGERPRINT_BYTES = 32
CHECK_BYTES = 2
_GROUP = 5


@dataclass(frozen=True)
class EnrolmentCode:
    secret: bytes
    fingerprint: str | None  # lower-case hex

    def __str__(self) -> str:
        body = bytes([VERSION]) + self.secret + (bytes.fromhex(self.fingerprint) if self.fingerprint else b"")
        payload = body + hashlib.sha256(body).digest()[:CHECK_BYTES]
        letters = base64.b32encode(payload).decode("ascii").rstrip("=")
        return "-".join(letters[i:i + _GROUP] for i in range(0, len(letters), _GROUP))


def new_code(fingerprint: str | None) -> EnrolmentCode:
    return EnrolmentCode(secrets.token_bytes(SECRET_BYTES), fingerprint)


def parse_code(text: str) -> EnrolmentCode:
    """Raises ValidationFailed on field ``code`` without repeating the code."""
    letters = "".join(text.split()).replace("-", "").upper()
    try:
        payload = base64.b32decode(letters + "=" * (-len(letters) % 8))
    except (ValueError, TypeError):
        raise ValidationFailed.one("code", "is not an enrolment code (letters A-Z and digits 2-7)") from None
    if len(payload) not in (1 + SECRET_BYTES + CHECK_BYTES, 1 + SECRET_BYTES + FINGERPRINT_BYTES + CHECK_BYTES):
        raise ValidationFailed.one("code", "has the wrong length; check it was copied whole")
    body, check = payload[:-CHECK_BYTES], payload[-CHECK_BYTES:]
    if hashlib.sha256(body).digest()[:CHECK_BYTES] != check:
        raise ValidationFailed.one("code", "was mistyped (its check letters do not match)")
    if body[0] != VERSION:
        raise ValidationFailed.one("code", "was made by a newer server version")
    secret = body[1:1 + SECRET_BYTES]
    fingerprint = body[1 + SECRET_BYTES:].hex() or None
    return EnrolmentCode(secret, fingerprint)
