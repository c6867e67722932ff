"""Enrolling a device with a one-time code and a member's password; recognising it by its token.

The password is checked outside any transaction (Argon2id takes a fifth of a second and must not
hold SQLite's write lock), then the code is consumed with a conditional UPDATE, so two devices
racing with one code cannot both succeed. Failed attempts are counted per organisation and
folded username in the database (``signin_failures``) with the device's back-off policy
(``domain.signin``), so every worker and every restart sees the same count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import CentreDeskError, ValidationFailed
from centre_desk.domain.ids import uuid7
from centre_desk.domain.signin import remaining_wait

from . import audit_log
from .codes import parse_code
from .credentials import digest, fold_username, new_device_token, verify_password
from .db import Database
from .models import Device, EnrolmentCode, Organisation, SignInFailures, Staff


class Refused(CentreDeskError):
    """A request the server turns down: HTTP status, a stable machine code, and plain words."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


SEEN_EVERY_SECONDS = 60
SIGN_IN_FAILED = Refused(401, "sign-in-failed", "the username or password is wrong")


@dataclass(frozen=True)
class Enrolled:
    device_id: str
    token: str
    org_id: str
    org_name: str = ""
    profile_id: str = ""
    member_id: str = ""
    member_username: str = ""
    member_role: str = ""
    member_credentials_at: str = ""


@dataclass(frozen=True)
class Identity:
    device_id: str
    org_id: str
    org_name: str


def _usable_code(s: Session, secret_hash: str, now: datetime) -> EnrolmentCode:
    code = s.scalar(select(EnrolmentCode).where(EnrolmentCode.secret_hash == secret_hash))
    if code is None:
        raise Refused(403, "code-invalid", "this enrolment code is not known to the server")
    if code.used_at is not None:
        raise Refused(403, "code-used", "this enrolment code has already been used; ask for a new one")
    if code.expires_at <= now:
        raise Refused(403, "code-expired", "this enrolment code has expired; ask for a new one")
    return code


def _record_failure(s: Session, org_id: str, folded: str, now: datetime) -> None:
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(SignInFailures).values(org_id=org_id, username_folded=folded, failures=1, last_failure_at=now)
    s.execute(stmt.on_conflict_do_update(
        index_elements=[SignInFailures.org_id, SignInFailures.username_folded],
        set_={"failures": SignInFailures.failures + 1, "last_failure_at": now}))


def enrol(db: Database, clock: Clock, code_text: str, username: str, password: str) -> Enrolled:
    try:
        code = parse_code(code_text)
    except ValidationFailed as exc:
        raise Refused(400, "code-invalid", str(exc)) from None
    secret_hash = digest(code.secret)
    folded = fold_username(username)
    if not folded or len(folded) > 64:
        raise SIGN_IN_FAILED
    now = clock.now()
    with db.unit() as s:
        org_id = _usable_code(s, secret_hash, now).org_id
        failures = s.get(SignInFailures, (org_id, folded))
        if failures is not None:
            wait = remaining_wait(failures.failures, (now - failures.last_failure_at).total_seconds())
            if wait:
                raise Refused(429, "too-many-attempts",
                              f"too many failed attempts for this username; wait {wait} seconds", wait)
        member = s.scalar(select(Staff).where(Staff.org_id == org_id, Staff.username_folded == folded))
        stored = member.password_hash if member else None

    if not verify_password(stored, password) or member is None:
        with db.unit() as s:
            _record_failure(s, org_id, folded, now)
        raise SIGN_IN_FAILED

    token = new_device_token()
    device_id = uuid7()
    with db.unit() as s:
        if s.scalar(select(Staff.disabled).where(Staff.id == member.id)):
            raise Refused(403, "member-disabled", "this member of staff has been disabled")
        taken = s.execute(update(EnrolmentCode)
                          .where(EnrolmentCode.secret_hash == secret_hash, EnrolmentCode.used_at.is_(None),
                                 EnrolmentCode.expires_at > now)
                          .values(used_at=now, used_by_device=device_id))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            _usable_code(s, secret_hash, now)  # raises with the reason
            raise Refused(403, "code-used", "this enrolment code has already been used; ask for a new one")
        s.add(Device(id=device_id, org_id=org_id, token_hash=digest(token), enrolled_by=member.id,
                     enrolled_at=now, last_seen_at=now))
        s.execute(delete(SignInFailures).where(SignInFailures.org_id == org_id,
                                               SignInFailures.username_folded == folded))
        s.flush()
        audit_log.append(s, org_id, now, member.id, "device.enrol", device_id)
        org = s.get(Organisation, org_id)
        assert org is not None
        org_name, profile_id = org.name, org.profile_id
    from .escrow import stamp

    return Enrolled(device_id, token, org_id, org_name, profile_id, member.id, member.username, member.role,
                    stamp(member.password_hash))


def identify(db: Database, clock: Clock, token: str | None) -> Identity:
    """The enrolled, unrevoked device holding ``token``; notes when it was last seen."""
    if not token:
        raise Refused(401, "token-missing", "send the device token as 'Authorization: Bearer TOKEN'")
    with db.unit() as s:
        device = s.scalar(select(Device).where(Device.token_hash == digest(token)))
        if device is None:
            raise Refused(401, "token-invalid", "this device token is not known to the server")
        if device.revoked_at is not None:
            raise Refused(403, "device-revoked", "this device has been revoked")
        now = clock.now()
        # At most one write a minute per device: a sync with nothing to do stays read-only.
        if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() >= SEEN_EVERY_SECONDS:
            device.last_seen_at = now
        org = s.get(Organisation, device.org_id)
        assert org is not None
        return Identity(device.id, org.id, org.name)
