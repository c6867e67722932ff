"""Staff members, roles and what each role may do.

The permission table is the single place that says who may do what; every service call checks it
with :func:`require` before touching data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from .errors import PermissionDenied, ValidationFailed


class Role(StrEnum):
    RECEPTION = "reception"
    OUTREACH = "outreach"
    MANAGER = "manager"
    ADMINISTRATOR = "administrator"


class Permission(StrEnum):
    VIEW_HOUSEHOLD = "view_household"
    EDIT_HOUSEHOLD = "edit_household"
    REGISTER_HOUSEHOLD = "register_household"
    RECORD_CONTACT = "record_contact"
    RECORD_REFERRAL = "record_referral"
    RECORD_CONSENT = "record_consent"
    PRINT = "print"
    EXPORT = "export"
    IMPORT = "import"
    LOG_DISCLOSURE = "log_disclosure"
    RESOLVE_CONFLICT = "resolve_conflict"
    RIGHTS_REQUESTS = "handle_rights_requests"
    ERASE = "erase"
    RETENTION_REVIEW = "run_retention_review"
    VIEW_STATISTICS = "view_statistics"
    MANAGE_STAFF = "manage_staff"
    VIEW_AUDIT = "view_audit"
    BACKUP = "backup"
    SYNC = "sync"
    MERGE_HOUSEHOLDS = "merge_households"  # the duplicates review queue: dismiss and merge
    PLAN_SESSIONS = "plan_sessions"
    MANAGE_CENTRE = "manage_centre"


_FRONT_LINE = frozenset(
    {
        Permission.VIEW_HOUSEHOLD,
        Permission.EDIT_HOUSEHOLD,
        Permission.REGISTER_HOUSEHOLD,
        Permission.RECORD_CONTACT,
        Permission.RECORD_REFERRAL,
        Permission.RECORD_CONSENT,
        Permission.PRINT,
        Permission.SYNC,
        Permission.PLAN_SESSIONS,
    }
)

_MANAGER = _FRONT_LINE | {
    Permission.EXPORT,
    Permission.IMPORT,
    Permission.LOG_DISCLOSURE,
    Permission.RESOLVE_CONFLICT,
    Permission.RIGHTS_REQUESTS,
    Permission.ERASE,
    Permission.RETENTION_REVIEW,
    Permission.VIEW_STATISTICS,
    Permission.VIEW_AUDIT,
    Permission.MERGE_HOUSEHOLDS,
    Permission.MANAGE_CENTRE,
}

# Administrators run the system (staff, backups, imports, audit) and can do everything a manager
# can: in a small centre the manager is often also the administrator.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RECEPTION: _FRONT_LINE,
    Role.OUTREACH: _FRONT_LINE,
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMINISTRATOR: frozenset(_MANAGER | {Permission.MANAGE_STAFF, Permission.BACKUP}),
}

USERNAME_MAX = 64
PASSWORD_MIN = 10
PASSWORD_MAX = 256


@dataclass(frozen=True)
class StaffMember:
    id: str
    username: str
    role: Role
    display_name: str = ""
    disabled: bool = False

    def may(self, permission: Permission) -> bool:
        return not self.disabled and permission in ROLE_PERMISSIONS[self.role]


def require(actor: StaffMember, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may do ``permission``."""
    if not actor.may(permission):
        raise PermissionDenied(actor.role.value, permission.value)


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValidationFailed.one("role", f"must be one of {choices}") from None


def check_username(username: str) -> str:
    """Usernames are short sign-in names: letters, digits, dot, dash, underscore.

    NFKC-folded, so that full-width or ligature forms of the same letters are the same name.
    """
    name = unicodedata.normalize("NFKC", username.strip())
    if not name:
        raise ValidationFailed.one("username", "is required")
    if len(name) > USERNAME_MAX:
        raise ValidationFailed.one("username", f"must be at most {USERNAME_MAX} characters")
    if not all(c.isalnum() or c in "._-" for c in name):
        raise ValidationFailed.one("username", "may contain only letters, digits, '.', '-' and '_'")
    return name


def check_password(password: str, field: str = "password") -> str:
    """The shape rules only; strength is judged by the ``PasswordPolicy`` port."""
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed.one(field, f"must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed.one(field, f"must be at most {PASSWORD_MAX} characters")
    if password.strip() != password:
        raise ValidationFailed.one(field, "must not begin or end with a space")
    return password
