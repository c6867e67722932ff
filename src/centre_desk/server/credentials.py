"""Passwords (Argon2id), the strength policy, and the random secrets the server hands out.

Passwords are low-entropy, so they get a slow salted hash. Device tokens (256 bits) and
enrolment-code secrets (160 bits) are random, so SHA-256 of them is enough to make the stored
value useless to someone who reads the database, and lets the server find a token by its digest.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.staff import check_password

MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline slow-hash scenario"
_ZXCVBN_CHARS = 100  # zxcvbn's matching is slow on very long input; the first 100 characters decide
PASSWORD_MAX = 256

_hasher = PasswordHasher()  # Argon2id, argon2-cffi's RFC 9106 low-memory defaults (64 MiB, t=3, p=4)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both answers take the same time. Made on
    first use, not at import: every administrative command would otherwise pay for one hash."""
    return _hasher.hash(secrets.token_urlsafe(16))


def fold_username(username: str) -> str:
    """What makes two usernames the same: NFKC then casefold (``ＡＬＩ`` is ``ali``)."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()


def check_strength(password: str, *context: str) -> str:
    """The device's rule (length, no surrounding spaces) plus zxcvbn score ≥ 3.

    ``context`` (username, organisation name) counts as guessable words.
    """
    check_password(password)
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed.one("password", f"must be at most {PASSWORD_MAX} characters")
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:_ZXCVBN_CHARS], user_inputs=[c for c in context if c])
    if int(result["score"]) < MIN_SCORE:
        raise ValidationFailed.one("password", "is too easy to guess; use three or four unrelated words "
                                   "or a longer phrase")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not ``stored`` exists; never raises for a wrong password."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: bytes | str) -> str:
    data = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hashlib.sha256(data).hexdigest()


TOKEN_PREFIX = "cdt_"  # noqa: S105 - not a secret; so a leaked token is recognisable in a secret scanner


def new_device_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
