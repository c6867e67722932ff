"""Key escrow (DESIGN.md §4, staff directory): a device's sealed database key, and releasing it to a
member's first sign-in on that device.

What the server holds cannot give the key. The device seals its database key with AES-256-GCM
under a key derived from a secret that never leaves the device (``security/escrow.py`` there); the
server stores the sealed box in ``devices.key_escrow`` and only the SHA-256 of the device's
*release token* (derived from the same device secret by another label). So the server's database,
its backups, or the whole server machine, yield nothing; the device's files alone yield no box.

A release needs all of: the release token (proves the caller holds the device's files), an
unrevoked device, the password of an active member of that device's organisation (checked here
with Argon2id, outside any transaction), and no back-off for that username (the same
``signin_failures`` counts as enrolment, shared by every worker). Every release and every refusal
is an entry in the organisation's server audit chain. The answer is the sealed box, which only the
device can open, plus who the member is.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from centre_desk.domain.clock import Clock
from centre_desk.domain.signin import remaining_wait

from . import audit_log
from .credentials import digest, fold_username, verify_password
from .db import Database
from .enrolment import SIGN_IN_FAILED, Identity, Refused, _record_failure
from .models import Device, SignInFailures, Staff
from .sync import Member

ESCROW_FORMAT = 1
RELEASE_PREFIX = "cdr_"


def stamp(password_hash: str) -> str:
    """What a device keeps beside a member's key slot, and drops the slot when it changes: derived
    from the stored Argon2id hash (which has a fresh salt at every ``staff passwd``), so it changes
    with every password change, and without the salt it cannot be used to test a guess."""
    return hashlib.sha256(b"centre-desk credentials|" + password_hash.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Released:
    member: Member
    credentials_at: str
    escrow: dict[str, Any]


def store(db: Database, clock: Clock, who: Identity, by: Member, generation: int, nonce: str, ct: str,
          release_hash: str) -> None:
    """Keep the device's newest sealed key (after enrolment and after each re-encryption)."""
    box = json.dumps({"format": ESCROW_FORMAT, "generation": generation, "nonce": nonce, "ct": ct},
                     separators=(",", ":")).encode()
    now = clock.now()
    with db.unit() as s:
        device = s.get(Device, who.device_id)
        assert device is not None
        taken = s.scalar(select(Device.id).where(Device.release_hash == release_hash, Device.id != device.id))
        if taken is not None:
            raise Refused(409, "release-token-taken", "this release token belongs to another device")
        device.key_escrow = box
        device.release_hash = release_hash
        audit_log.append(s, who.org_id, now, by.id, "device.key-escrowed", device.id, f"generation {generation}")


def _refuse(s: Session, org_id: str, now: datetime, device_id: str, why: str, refusal: Refused) -> Refused:
    audit_log.append(s, org_id, now, "unknown", "escrow.release-refused", device_id, why)
    return refusal


def release(db: Database, clock: Clock, token: str | None, username: str, password: str) -> Released:
    if not token or not token.startswith(RELEASE_PREFIX):
        raise Refused(401, "token-missing", "send the device's release token as 'Authorization: Bearer TOKEN'")
    folded = fold_username(username)
    now = clock.now()
    refusal: Refused | None = None
    with db.unit() as s:  # committed even when refusing, so the refusal stays in the audit chain
        device = s.scalar(select(Device).where(Device.release_hash == digest(token)))
        if device is None:
            raise Refused(401, "token-invalid", "this release token is not known to the server")
        org_id, device_id = device.org_id, device.id
        staff_id: str | None = None
        stored: str | None = None
        if device.revoked_at is not None:
            refusal = _refuse(s, org_id, now, device_id, "device revoked",
                              Refused(403, "device-revoked", "this device has been revoked"))
        elif not folded or len(folded) > 64:
            refusal = _refuse(s, org_id, now, device_id, "wrong username or password", SIGN_IN_FAILED)
        else:
            failures = s.get(SignInFailures, (org_id, folded))
            wait = remaining_wait(failures.failures, (now - failures.last_failure_at).total_seconds()) \
                if failures is not None else 0
            if wait:
                refusal = _refuse(s, org_id, now, device_id, "too many attempts", Refused(
                    429, "too-many-attempts", f"too many failed attempts for this username; wait {wait} seconds",
                    wait))
            else:
                row = s.scalar(select(Staff).where(Staff.org_id == org_id, Staff.username_folded == folded))
                stored = row.password_hash if row else None
                staff_id = row.id if row else None
    if refusal is not None:
        raise refusal

    good = verify_password(stored, password) and staff_id is not None  # Argon2id, outside any transaction
    released: Released | None = None
    with db.unit() as s:
        row = s.get(Staff, staff_id) if good and staff_id else None
        device = s.get(Device, device_id)
        assert device is not None
        if row is None:
            _record_failure(s, org_id, folded, now)
            refusal = _refuse(s, org_id, now, device_id, "wrong username or password", SIGN_IN_FAILED)
        elif device.revoked_at is not None:
            refusal = _refuse(s, org_id, now, device_id, "device revoked",
                              Refused(403, "device-revoked", "this device has been revoked"))
        elif row.disabled:
            refusal = _refuse(s, org_id, now, device_id, "member disabled", Refused(
                403, "member-disabled", "this member of staff has been disabled on the server"))
        elif not device.key_escrow:
            refusal = _refuse(s, org_id, now, device_id, "no key escrowed", Refused(
                409, "escrow-missing", "this device has not escrowed its key with the server yet; sign in "
                "there as the member who enrolled it and sync, then try again"))
        else:
            s.execute(delete(SignInFailures).where(SignInFailures.org_id == org_id,
                                                   SignInFailures.username_folded == folded))
            audit_log.append(s, org_id, now, row.id, "escrow.released", device_id)
            released = Released(Member(row.id, row.username, row.role), stamp(row.password_hash),
                                dict(json.loads(device.key_escrow)))
    if released is None:
        raise refusal or SIGN_IN_FAILED
    return released
