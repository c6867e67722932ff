"""Managing staff: add, list, change password, disable. Administrators only (except own password)."""

from __future__ import annotations

import uuid

from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.staff import (
    Permission,
    Role,
    StaffMember,
    check_password,
    check_username,
    parse_role,
)

from .session import DeskSession


def add_staff(session: DeskSession, username: str, role: str | Role, password: str,
              display_name: str = "") -> StaffMember:
    session.require(Permission.MANAGE_STAFF)
    username = check_username(username)
    the_role = role if isinstance(role, Role) else parse_role(role)
    check_password(password)
    member = StaffMember(str(uuid.uuid4()), username, the_role, display_name.strip())
    with session.uow() as uow:
        uow.staff.add(member, session.clock.now(), session.actor.id)
        session.audit(uow, "staff.added", member.id, the_role.value)
        # The slot is written before the commit: if the commit then fails, an orphan slot names
        # nobody in the store and cannot sign in; the reverse order could leave staff who cannot.
        session.store.vault.add_member(member.id, username, password)
        try:
            uow.commit()
        except BaseException:
            session.store.vault.remove_member(member.id)
            raise
    return member


def list_staff(session: DeskSession) -> list[StaffMember]:
    session.require(Permission.MANAGE_STAFF)
    with session.uow() as uow:
        members = uow.staff.all()
        session.audit(uow, "staff.listed", detail=str(len(members)))
        uow.commit()
    return members


def change_password(session: DeskSession, username: str, new_password: str) -> None:
    """Anyone may change their own password; administrators may reset anyone's."""
    check_password(new_password)
    with session.uow() as uow:
        member = uow.staff.by_username(username)
        if member is None or member.disabled:
            raise NotFound("no active member of staff has that username")
        if member.id != session.actor.id:
            session.require(Permission.MANAGE_STAFF)
        session.store.vault.set_password(member.id, member.username, new_password)
        session.audit(uow, "staff.password-changed", member.id)
        uow.commit()


def disable_staff(session: DeskSession, username: str) -> StaffMember:
    session.require(Permission.MANAGE_STAFF)
    with session.uow() as uow:
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
    return StaffMember(member.id, member.username, member.role, member.display_name, True)
