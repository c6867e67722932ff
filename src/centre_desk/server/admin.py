"""Administrative use cases behind ``centre-desk-server``: organisations, staff, codes, devices.

Each function is one unit of work that validates first, writes, and appends its audit entry in
the same transaction, so a refused command leaves nothing behind. Errors are the typed errors of
``domain.errors``; the command line words them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import Conflict, NotFound, ValidationFailed
from centre_desk.domain.ids import uuid7
from centre_desk.domain.staff import check_username, parse_role

from . import audit_log
from .codes import new_code
from .credentials import check_strength, digest, fold_username, hash_password
from .db import Database
from .models import Device, EnrolmentCode, Organisation, Staff

CODE_LIFETIME = timedelta(hours=24)
ORG_NAME_MAX = 200


def profile_name(profile_id: str) -> str:
    """The organisation name from a profile, which is loaded in full so a broken one is refused."""
    from centre_desk.formspec.profiles import load_profile

    return load_profile(profile_id).name


def _org_name(name: str | None, profile_id: str) -> str:
    if name is None:
        return profile_name(profile_id)
    profile_name(profile_id)
    clean = " ".join(name.split())
    if not clean:
        raise ValidationFailed.one("--org-name", "must not be empty")
    if len(clean) > ORG_NAME_MAX:
        raise ValidationFailed.one("--org-name", f"must be at most {ORG_NAME_MAX} characters")
    return clean


def org_count(db: Database) -> int:
    with db.unit() as s:
        return int(s.scalar(select(func.count()).select_from(Organisation)) or 0)


def add_org(db: Database, clock: Clock, profile_id: str, name: str | None) -> str:
    org_name = _org_name(name, profile_id)
    org_id = uuid7()
    with db.unit() as s:
        s.add(Organisation(id=org_id, profile_id=profile_id, name=org_name, created_at=clock.now()))
        s.flush()
        audit_log.append(s, org_id, clock.now(), audit_log.ADMIN_ACTOR, "org.add", org_id, profile_id)
    return org_id


def _org(s: Session, org_id: str) -> Organisation:
    org = s.get(Organisation, org_id.strip())
    if org is None:
        raise NotFound(f"--org: there is no organisation {org_id.strip()!r} on this server")
    return org


def _member(s: Session, org: Organisation, username: str) -> Staff:
    member = s.scalar(select(Staff).where(Staff.org_id == org.id,
                                          Staff.username_folded == fold_username(username)))
    if member is None:
        raise NotFound("username: there is no member of staff with that username in this organisation")
    return member


def add_staff(db: Database, clock: Clock, org_id: str, username: str, role: str, password: str) -> str:
    name = check_username(username)
    member_role = parse_role(role)
    with db.unit() as s:
        org = _org(s, org_id)
        check_strength(password, name, org.name)
        folded = fold_username(name)
        if s.scalar(select(Staff.id).where(Staff.org_id == org.id, Staff.username_folded == folded)):
            raise Conflict("username: a member of staff with that username already exists in this organisation")
        now = clock.now()
        staff_id = uuid7()
        s.add(Staff(id=staff_id, org_id=org.id, username=name, username_folded=folded, role=member_role.value,
                    password_hash=hash_password(password), disabled=False, created_at=now,
                    credentials_changed_at=now))
        s.flush()
        audit_log.append(s, org.id, now, audit_log.ADMIN_ACTOR, "staff.add", staff_id, member_role.value)
    return staff_id


@dataclass(frozen=True)
class StaffRow:
    id: str
    username: str
    role: str
    disabled: bool
    created_at: datetime


def list_staff(db: Database, org_id: str) -> list[StaffRow]:
    with db.unit() as s:
        org = _org(s, org_id)
        rows = s.scalars(select(Staff).where(Staff.org_id == org.id).order_by(Staff.username_folded))
        return [StaffRow(r.id, r.username, r.role, r.disabled, r.created_at) for r in rows]


def set_password(db: Database, clock: Clock, org_id: str, username: str, password: str) -> None:
    with db.unit() as s:
        org = _org(s, org_id)
        member = _member(s, org, username)
        check_strength(password, member.username, org.name)
        member.password_hash = hash_password(password)
        member.credentials_changed_at = clock.now()
        audit_log.append(s, org.id, clock.now(), audit_log.ADMIN_ACTOR, "staff.password", member.id)


def disable_staff(db: Database, clock: Clock, org_id: str, username: str) -> None:
    with db.unit() as s:
        org = _org(s, org_id)
        member = _member(s, org, username)
        if member.disabled:
            raise Conflict("username: that member of staff is already disabled")
        member.disabled = True
        member.credentials_changed_at = clock.now()
        audit_log.append(s, org.id, clock.now(), audit_log.ADMIN_ACTOR, "staff.disable", member.id)


def issue_code(db: Database, clock: Clock, org_id: str, fingerprint: str | None) -> tuple[str, datetime]:
    """A new one-time code; only its secret's digest is stored, the code itself is returned once."""
    code = new_code(fingerprint)
    now = clock.now()
    expires = now + CODE_LIFETIME
    with db.unit() as s:
        org = _org(s, org_id)
        code_id = uuid7()
        s.add(EnrolmentCode(id=code_id, org_id=org.id, secret_hash=digest(code.secret), cert_fingerprint=fingerprint,
                            created_at=now, expires_at=expires))
        s.flush()
        audit_log.append(s, org.id, now, audit_log.ADMIN_ACTOR, "enrolment-code.issue", code_id,
                         "tls" if fingerprint else "loopback")
    return str(code), expires


@dataclass(frozen=True)
class DeviceRow:
    id: str
    enrolled_by: str  # the member's username: shown to the administrator, never audited
    enrolled_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None


def list_devices(db: Database, org_id: str) -> list[DeviceRow]:
    with db.unit() as s:
        org = _org(s, org_id)
        rows = s.execute(select(Device, Staff.username).join(Staff, Staff.id == Device.enrolled_by)
                         .where(Device.org_id == org.id).order_by(Device.enrolled_at, Device.id))
        return [DeviceRow(d.id, name, d.enrolled_at, d.last_seen_at, d.revoked_at) for d, name in rows]


def revoke_device(db: Database, clock: Clock, device_id: str) -> str:
    """Revoke a device; returns its organisation id."""
    with db.unit() as s:
        device = s.get(Device, device_id.strip())
        if device is None:
            raise NotFound("DEVICE_ID: there is no device with that id on this server")
        if device.revoked_at is not None:
            raise Conflict("DEVICE_ID: that device is already revoked")
        device.revoked_at = clock.now()
        audit_log.append(s, device.org_id, clock.now(), audit_log.ADMIN_ACTOR, "device.revoke", device.id)
        return device.org_id


def org_ids(db: Database, only: str | None = None) -> list[str]:
    with db.unit() as s:
        if only is not None:
            return [_org(s, only).id]
        return list(s.scalars(select(Organisation.id).order_by(Organisation.id)))
