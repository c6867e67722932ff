"""Recording referrals from the referral form, and moving them through their status steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from centre_desk.domain.errors import FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.ids import uuid7
from centre_desk.domain.referral import Referral, StatusEvent, next_status_problem
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import NOTE_MAX_LENGTH, check_text
from centre_desk.formspec.submission import validate_submission

from .profile import form, profile_of, service_choices
from .session import DeskSession

REFERRAL = "referral"


def record_referral(session: DeskSession, household_id: str, data: Mapping[str, Any],
                    person_ids: Sequence[str] = ()) -> Referral:
    """Validate the referral form and save it with its first status event, "received"."""
    session.require(Permission.RECORD_REFERRAL)
    definition = form(REFERRAL)
    today = session.clock.today()
    clean = validate_submission(definition, data, today=today, services=service_choices(profile_of(session)))
    now = session.clock.now()
    with session.uow() as uow:
        household = uow.households.get(household_id)
        if household is None:
            raise NotFound("no such household")
        members = {m.id for m in household.members}
        unknown = [p for p in person_ids if p not in members]
        if unknown:
            raise ValidationFailed.one("people", "the referral must be about members of this household")
        referral_id = uuid7()
        received = date.fromisoformat(str(clean.get("date_received"))) if clean.get("date_received") else today
        event = StatusEvent(uuid7(), referral_id, "received", received, session.actor.id, now)
        referral = Referral(referral_id, household_id, tuple(person_ids), clean, definition.version,
                            session.actor.id, now, (event,))
        uow.referrals.add(referral)
        uow.referrals.add_event(household_id, event)
        detail = str(clean.get("service", ""))
        if referral.safeguarding_concern:
            detail += "; safeguarding concern"
        session.audit(uow, "referral.recorded", referral_id, detail)
        uow.commit()
    return referral


def add_status(session: DeskSession, referral_id: str, status: str, on: date, note: str = "") -> StatusEvent:
    """Append the next step (accepted, allocated, closed); earlier steps are never changed."""
    session.require(Permission.RECORD_REFERRAL)
    note_problem = check_text(note.strip(), multiline=True, max_length=NOTE_MAX_LENGTH)
    if note_problem:
        raise ValidationFailed.one("note", note_problem)
    with session.uow() as uow:
        referral = uow.referrals.get(referral_id)
        if referral is None:
            raise NotFound("no such referral")
        problem = next_status_problem(referral, status, on, session.clock.today())
        if problem:
            raise ValidationFailed([FieldProblem(*problem)])
        event = StatusEvent(uuid7(), referral_id, status, on, session.actor.id, session.clock.now(), note.strip())
        uow.referrals.add_event(referral.household_id, event)
        session.audit(uow, f"referral.{status}", referral_id)
        uow.commit()
    return event


def household_referrals(session: DeskSession, household_id: str) -> list[Referral]:
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        return uow.referrals.for_household(household_id)
