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

import hashlib
import ssl
from pathlib import Path

from centre_desk.domain.codes import (
    CHECK_BYTES,
    FINGERPRINT_BYTES,
    SECRET_BYTES,
    VERSION,
    EnrolmentCode,
    new_code,
    parse_code,
)
from centre_desk.domain.errors import ValidationFailed

__all__ = ["CHECK_BYTES", "FINGERPRINT_BYTES", "SECRET_BYTES", "VERSION", "EnrolmentCode", "certificate_fingerprint",
           "new_code", "parse_code"]


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
