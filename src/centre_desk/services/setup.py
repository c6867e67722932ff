"""Setting up a new store: the organisation, the centre, the first administrator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from centre_desk.domain.clock import Clock
from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.organisation import CentreContact
from centre_desk.domain.staff import Role, StaffMember, check_username

from .centre import check_centre_contact, store_centre_contact
from .ports import PasswordPolicy, StoreGate, UnitOfWork
from .session import DeskSession

CENTRE_NAME_MAX = 200


@dataclass(frozen=True)
class CentreDetails:
    profile_id: str
    centre_name: str
    centre_address: str = ""
    training: bool = False
    phone: str = ""
    email: str = ""
    opening_hours: str = ""


@dataclass
class SetupResult:
    session: DeskSession
    recovery_key: str


def check_centre(details: CentreDetails) -> CentreDetails:
    """The centre's details tidied; ValidationFailed naming the field (name first, then contact)."""
    name = details.centre_name.strip()
    if not name:
        raise ValidationFailed.one("centre name", "is required")
    if len(name) > CENTRE_NAME_MAX:
        raise ValidationFailed.one("centre name", f"must be at most {CENTRE_NAME_MAX} characters")
    contact = check_centre_contact(details.phone, details.email, details.opening_hours)
    return CentreDetails(details.profile_id, name, details.centre_address.strip(), details.training,
                         contact.phone, contact.email, contact.opening_hours)


def initialise_store(gate: StoreGate, details: CentreDetails, admin_username: str,
                     admin_password: str, clock: Clock, policy: PasswordPolicy) -> SetupResult:
    """Create the store with its first administrator. Returns the recovery key, shown only once."""
    details = check_centre(details)
    username = check_username(admin_username)
    policy.check(admin_password, field="password", context=[username, details.centre_name])
    admin = StaffMember(str(uuid.uuid4()), username, Role.ADMINISTRATOR)
    now = clock.now()

    def populate(uow: UnitOfWork) -> None:
        uow.settings.set("profile_id", details.profile_id)
        uow.settings.set("centre_name", details.centre_name)
        uow.settings.set("centre_address", details.centre_address)
        uow.settings.set("created_at", now.isoformat())
        uow.settings.set("training", "1" if details.training else "0")
        store_centre_contact(uow.settings, CentreContact(details.phone, details.email, details.opening_hours))
        uow.staff.add(admin, now, "system")
        uow.audit.append(now, "system", "store.created", detail=details.profile_id)
        uow.audit.append(now, "system", "staff.added", admin.id, Role.ADMINISTRATOR.value)
        uow.audit.append(now, "system", "recovery-key.issued")

    store, recovery_key = gate.create(admin.id, username, admin_password, populate)
    return SetupResult(DeskSession(store, admin, clock), recovery_key)
