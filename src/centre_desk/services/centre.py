"""How families reach the centre: its phone, email and opening hours.

Asked by the set-up wizard (offered from the organisation profile's ``centre_contact``) and kept in
the store's settings; the consent receipt, "what we hold" and the privacy notice print them.
"""

from __future__ import annotations

from centre_desk.domain.errors import FieldProblem, ValidationFailed
from centre_desk.domain.organisation import CentreContact
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import check_text
from centre_desk.formspec.submission import normalise_email, normalise_phone

from .ports import SettingsRepository
from .session import DeskSession

OPENING_HOURS_MAX = 200
PHONE_KEY, EMAIL_KEY, HOURS_KEY = "centre_phone", "centre_email", "centre_opening_hours"


def check_centre_contact(phone: str, email: str, opening_hours: str) -> CentreContact:
    """The details tidied (phone spacing, email domain in lower case); every problem at once,
    naming the field, never repeating what was typed."""
    problems: list[FieldProblem] = []
    phone, email, hours = phone.strip(), email.strip(), " ".join(opening_hours.split())
    tidy_phone = normalise_phone(phone) if phone else ""
    if tidy_phone is None:
        problems.append(FieldProblem("centre phone", "is not a phone number"))
    tidy_email = normalise_email(email) if email else ""
    if tidy_email is None:
        problems.append(FieldProblem("centre email", "is not an email address"))
    hours_problem = check_text(hours, max_length=OPENING_HOURS_MAX) if hours else None
    if hours_problem:
        problems.append(FieldProblem("opening hours", hours_problem))
    if problems:
        raise ValidationFailed(problems)
    return CentreContact(tidy_phone or "", tidy_email or "", hours)


def store_centre_contact(settings: SettingsRepository, contact: CentreContact) -> None:
    settings.set(PHONE_KEY, contact.phone)
    settings.set(EMAIL_KEY, contact.email)
    settings.set(HOURS_KEY, contact.opening_hours)


def read_centre_contact(settings: SettingsRepository) -> CentreContact:
    return CentreContact(settings.get(PHONE_KEY) or "", settings.get(EMAIL_KEY) or "",
                         settings.get(HOURS_KEY) or "")


def centre_contact(session: DeskSession) -> CentreContact:
    """What printouts show. Anyone signed in may read it: it is the centre's public face."""
    with session.store.reader() as uow:
        return read_centre_contact(uow.settings)


def set_centre_contact(session: DeskSession, phone: str, email: str, opening_hours: str) -> CentreContact:
    """Change the centre's details (a new number, new hours); audited without the values."""
    session.require(Permission.MANAGE_CENTRE)
    contact = check_centre_contact(phone, email, opening_hours)
    with session.uow() as uow:
        before = read_centre_contact(uow.settings)
        store_centre_contact(uow.settings, contact)
        changed = [name for name, a, b in (("phone", before.phone, contact.phone),
                                           ("email", before.email, contact.email),
                                           ("opening hours", before.opening_hours, contact.opening_hours))
                   if a != b]
        session.audit(uow, "centre.contact-changed", detail=", ".join(changed) or "no change")
        uow.commit()
    return contact
