"""Sealing a new database key to a slot's X25519 public key, so a re-encryption needs nobody's password.

ECIES-style: a fresh ephemeral X25519 key pair per seal, HKDF-SHA256 of the shared secret, then
AES-256-GCM. The associated data names the store, the slot's owner, the key generation and the
recipient's public key, so a sealed key moved onto another slot, store or generation fails to open.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from centre_desk.domain.errors import SignInFailed

_RAW = serialization.Encoding.Raw
_INFO = b"centre-desk sealed database key v1"


def new_key_pair() -> tuple[bytearray, bytes]:
    """(private, public), both 32 raw bytes."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    return bytearray(raw), public


def _box_key(shared: bytes, aad: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=_INFO + b"|" + aad).derive(shared)


def seal(public: bytes, secret: bytes | bytearray, aad: bytes) -> dict[str, bytes]:
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    nonce = secrets.token_bytes(12)
    ct = AESGCM(_box_key(shared, aad)).encrypt(nonce, bytes(secret), aad)
    eph_pub = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    return {"ephemeral": eph_pub, "nonce": nonce, "ct": ct}


def unseal(private: bytes | bytearray, ephemeral: bytes, nonce: bytes, ct: bytes, aad: bytes) -> bytearray:
    try:
        shared = X25519PrivateKey.from_private_bytes(bytes(private)).exchange(
            X25519PublicKey.from_public_bytes(ephemeral))
        return bytearray(AESGCM(_box_key(shared, aad)).decrypt(nonce, ct, aad))
    except (InvalidTag, ValueError):
        raise SignInFailed() from None


def public_mac(db_key: bytes | bytearray, message: bytes) -> str:
    """Who holds the database key vouches for a slot's public key.

    Without it, anyone able to write ``keyslots.json`` could swap a colleague's public key for
    their own and receive the next database key when someone is disabled.
    """
    subkey = hmac.new(bytes(db_key), b"centre-desk slot public key v1", hashlib.sha256).digest()
    return hmac.new(subkey, message, hashlib.sha256).hexdigest()
