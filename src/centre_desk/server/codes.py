"""Enrolment codes: what an administrator reads out or pastes into a new device.

Format (version 1)::

    payload = 0x01 || secret (20 bytes) || fingerprint (32 bytes, only when TLS is on) || check (2)
    code    = base32(payload) without padding, in groups of five letters joined by "-"

``secret`` is 160 random bits; the server keeps only SHA-256(secret). ``fingerprint`` is the
SHA-256 of the server certificate (DER), which the device pins on its first connection, so a
self-signed council certificate is as safe as a public one. ``check`` is the first two bytes of
SHA-256 over everything before it: a mistyped code is reported as mistyped instead of as unknown.
Decoding ignores case, spaces and dashes. Without TLS the code is 37 letters, with it 88.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import ssl
from dataclasses import dataclass
from pathlib import Path

from centre_desk.domain.errors import ValidationFailed

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


def certificate_fingerprint(cert_file: Path) -> str:
    """SHA-256 of the first certificate in a PEM file, as the device will see it in the handshake."""
    try:
        pem = cert_file.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise ValidationFailed.one("--tls-cert", "cannot be read as a PEM certificate file") from None
    start = pem.find("-----BEGIN CERTIFICATE-----")
    end = pem.find("-----END CERTIFICATE-----", start)
    if start < 0 or end < 0:
        raise ValidationFailed.one("--tls-cert", "holds no PEM certificate")
    try:
        der = ssl.PEM_cert_to_DER_cert(pem[start:end + len("-----END CERTIFICATE-----")])
    except ValueError:
        raise ValidationFailed.one("--tls-cert", "holds a damaged certificate") from None
    return hashlib.sha256(der).hexdigest()
