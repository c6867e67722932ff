"""Managing staff: add, list, change password, disable. Administrators only (except own password).

Disabling someone or changing a password re-encrypts the store under a fresh key (``keys.py``),
so an old copy of ``keyslots.json`` with the old password opens nothing current.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from centre_desk.domain.crashpoints import reached
from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.staff import Permission, Role, StaffMember, check_username, parse_role

from .keys import rotate_store_key
from .ports import PasswordPolicy, UsernameGuard
from .session import DeskSession
from .sync import is_enrolled, refuse_if_enrolled

SIGN_IN_ACTION = "sign-in"


@dataclass(frozen=True)
class StaffOverview:
    """What the window's staff page shows: everyone, when each last signed in (if the trail says),
    and whether staff are managed on the sync server instead (an enrolled device)."""

    members: tuple[StaffMember, ...]
    last_sign_in: dict[str, datetime]  # staff id -> time of their latest sign-in entry
    enrolled: bool


def add_staff(session: DeskSession, username: str, role: str | Role, password: str,
              display_name: str = "", *, policy: PasswordPolicy, usernames: UsernameGuard) -> StaffMember:
    session.require(Permission.MANAGE_STAFF)
    username = check_username(username)
    the_role = role if isinstance(role, Role) else parse_role(role)
    policy.check(password, field="password", context=[username, display_name])
    member = StaffMember(str(uuid.uuid4()), username, the_role, display_name.strip())
    with session.uow() as uow:
        refuse_if_enrolled(uow)
        existing = [m.username for m in uow.staff.all()]
        twin = usernames.confusable_with(username, existing)
        if twin is not None:
            raise ValidationFailed.one("username", "looks the same on screen as an existing username "
                                       f"({twin}); choose one that cannot be mistaken for it")
        uow.staff.add(member, session.clock.now(), session.actor.id)
        session.audit(uow, "staff.added", member.id, the_role.value)
        # The slot is written before the commit: if the commit then fails, an orphan slot names
        # nobody in the store and cannot sign in; the reverse order could leave staff who cannot.
        session.store.vault.add_member(member.id, username, password)
        try:
            uow.commit()
        except BaseException:
            session.store.vault.remove_member(member.id, rotate=False)  # its password never signed in
            raise
    return member


def list_staff(session: DeskSession) -> list[StaffMember]:
    session.require(Permission.MANAGE_STAFF)
    with session.uow() as uow:
        members = uow.staff.all()
        session.audit(uow, "staff.listed", detail=str(len(members)))
        uow.commit()
    return members


def staff_overview(session: DeskSession) -> StaffOverview:
    """The staff list for the window (administrators); audited like ``list_staff``."""
    session.require(Permission.MANAGE_STAFF)
    with session.uow() as uow:
        members = uow.staff.all()
        last = uow.audit.latest_by_actor(SIGN_IN_ACTION)
        enrolled = is_enrolled(uow)
        session.audit(uow, "staff.listed", detail=str(len(members)))
        uow.commit()
    return StaffOverview(tuple(members), last, enrolled)


def change_role(session: DeskSession, username: str, role: str | Role) -> StaffMember:
    """Give a member of staff another role (administrators). Their password and key slot stay as
    they are: a role decides what the services allow, not who can open the store."""
    session.require(Permission.MANAGE_STAFF)
    the_role = role if isinstance(role, Role) else parse_role(role)
    with session.uow() as uow:
        refuse_if_enrolled(uow)
        member = uow.staff.by_username(username)
        if member is None or member.disabled:
            raise NotFound("no active member of staff has that username")
        if member.id == session.actor.id:
            raise ValidationFailed.one("role", "you cannot change your own role; ask another administrator")
        if member.role is the_role:
            raise ValidationFailed.one("role", f"{member.username} already has the {the_role.value} role")
        if member.role is Role.ADMINISTRATOR:
            admins = [m for m in uow.staff.all() if m.role is Role.ADMINISTRATOR and not m.disabled]
            if len(admins) <= 1:
                raise ValidationFailed.one("role", "the last administrator must stay an administrator")
        uow.staff.set_role(member.id, the_role)
        session.audit(uow, "staff.role-changed", member.id, f"{member.role.value} to {the_role.value}")
        uow.commit()
    return StaffMember(member.id, member.username, the_role, member.display_name, False)


def change_password(session: DeskSession, username: str, new_password: str, *,
                    policy: PasswordPolicy, rotate: bool = True) -> None:
    """Anyone may change their own password; administrators may reset anyone's.

    The audit entry is committed first, then the slot is written: a kill in between leaves an
    entry for a change that did not happen, never a changed password without an entry. Then the
    store is re-encrypted (``rotate=False`` leaves it due, for a caller that runs it in a task).
    """
    policy.check(new_password, field="new password", context=[username])
    with session.uow() as uow:
        refuse_if_enrolled(uow)
        member = uow.staff.by_username(username)
        if member is None or member.disabled:
            raise NotFound("no active member of staff has that username")
        if member.id != session.actor.id:
            session.require(Permission.MANAGE_STAFF)
        session.audit(uow, "staff.password-changed", member.id)
        uow.commit()
    reached("password.audited")
    session.store.vault.set_password(member.id, member.username, new_password)
    reached("password.slot-written")
    if rotate:
        rotate_store_key(session)


def disable_staff(session: DeskSession, username: str, *, rotate: bool = True) -> StaffMember:
    """Disable, remove the slot, then re-encrypt under a fresh key (``rotate=False``: left due)."""
    session.require(Permission.MANAGE_STAFF)
    with session.uow() as uow:
        refuse_if_enrolled(uow)
        member = uow.staff.by_username(username)
        if member is None:
            raise NotFound("no member of staff has that username")
        if member.id == session.actor.id:
            raise ValidationFailed.one("username", "you cannot disable your own account")
        if member.role is Role.ADMINISTRATOR:
            admins = [m for m in uow.staff.all() if m.role is Role.ADMINISTRATOR and not m.disabled]
            if len(admins) <= 1:
                raise ValidationFailed.one("username", "the last administrator cannot be disabled")
        uow.staff.set_disabled(member.id, True)
        session.audit(uow, "staff.disabled", member.id)
        uow.commit()
    # Removing the slot after the commit: if this fails the member is still disabled in the store,
    # and sign-in refuses disabled members even when their slot still opens.
    session.store.vault.remove_member(member.id)
    if rotate:
        rotate_store_key(session)
    return StaffMember(member.id, member.username, member.role, member.display_name, True)
