"""Recording consent and its withdrawal, and enforcing it where a purpose rests on consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from centre_desk.domain.consent import (
    ConsentEvent,
    ConsentRequired,
    Decision,
    Method,
    check_decision_allowed,
    has_consent,
    latest,
    partner_name,
)
from centre_desk.domain.errors import FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.ids import uuid7
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import NOTE_MAX_LENGTH, check_text

from .profile import profile_of
from .session import DeskSession

EMAIL_CONTACT = "email-contact"
MAX_SIGNATURE_BYTES = 512 * 1024


def _method(value: str | Method) -> Method:
    try:
        return value if isinstance(value, Method) else Method(value)
    except ValueError:
        raise ValidationFailed.one("method", "must be signed or verbal") from None


def record_decision(session: DeskSession, household_id: str, person_id: str, purpose_id: str,
                    decision: Decision, *, method: str | Method, notice_version: str,
                    partner_id: str | None = None, given_by: str | None = None,
                    signature_png: bytes | None = None, note: str = "") -> ConsentEvent:
    """Append one consent decision (given, refused or withdrawn). Nothing is ever edited."""
    session.require(Permission.RECORD_CONSENT)
    the_method = _method(method)
    org = profile_of(session)
    if not notice_version.strip():
        raise ValidationFailed.one("notice version", "say which privacy notice the family was given")
    if signature_png is not None and len(signature_png) > MAX_SIGNATURE_BYTES:
        raise ValidationFailed.one("signature", "is too large")
    note_problem = check_text(note.strip(), multiline=True, max_length=NOTE_MAX_LENGTH)
    if note_problem:
        raise ValidationFailed.one("note", note_problem)
    with session.uow() as uow:
        household = uow.households.get(household_id)
        if household is None:
            raise NotFound("no such household")
        problems = check_decision_allowed(org, household, person_id, purpose_id, partner_id, given_by, decision)
        if decision is Decision.WITHDRAWN and not problems:
            current = latest(uow.consents.for_household(household_id)).get((person_id, purpose_id, partner_id))
            if current is None or current.decision is not Decision.GIVEN:
                problems.append(("purpose", "there is no current consent to withdraw"))
        if problems:
            raise ValidationFailed([FieldProblem(f, p) for f, p in problems])
        event = ConsentEvent(
            id=uuid7(), household_id=household_id, person_id=person_id, purpose_id=purpose_id,
            partner_id=partner_id, decision=decision, method=the_method, recorded_by=session.actor.id,
            recorded_at=session.clock.now(), notice_version=notice_version.strip(), given_by=given_by,
            signature_png=signature_png, note=note.strip(),
        )
        uow.consents.add(event)
        session.audit(uow, f"consent.{decision.value}", household_id, purpose_id)
        uow.commit()
    return event


def give_consent(session: DeskSession, household_id: str, person_id: str, purpose_id: str, *,
                 method: str | Method, notice_version: str, partner_id: str | None = None,
                 given_by: str | None = None, signature_png: bytes | None = None, note: str = "") -> ConsentEvent:
    return record_decision(session, household_id, person_id, purpose_id, Decision.GIVEN, method=method,
                           notice_version=notice_version, partner_id=partner_id, given_by=given_by,
                           signature_png=signature_png, note=note)


def withdraw_consent(session: DeskSession, household_id: str, person_id: str, purpose_id: str, *,
                     method: str | Method, notice_version: str, partner_id: str | None = None,
                     given_by: str | None = None, note: str = "") -> ConsentEvent:
    """Takes effect at once: the next mailing list or share check no longer sees a consent."""
    return record_decision(session, household_id, person_id, purpose_id, Decision.WITHDRAWN, method=method,
                           notice_version=notice_version, partner_id=partner_id, given_by=given_by, note=note)


@dataclass(frozen=True)
class ConsentLine:
    """One event of a household's consent history, ready to show or print."""

    event: ConsentEvent
    person_name: str
    purpose_name: str
    lawful_basis: str
    partner_name: str | None
    recorded_by: str
    given_by_name: str | None
    current: bool  # the newest event for its person/purpose/partner


def consent_history(session: DeskSession, household_id: str) -> list[ConsentLine]:
    session.require(Permission.VIEW_HOUSEHOLD)
    org = profile_of(session)
    with session.store.reader() as uow:
        household = uow.households.get(household_id)
        if household is None:
            raise NotFound("no such household")
        events = uow.consents.for_household(household_id)
        staff = {m.id: m.username for m in uow.staff.all()}
    newest = {e.id for e in latest(events).values()}
    names = {m.id: m.full_name for m in household.members}
    lines = []
    for e in events:
        try:
            purpose = org.purpose(e.purpose_id)
            purpose_name = purpose.name
            basis = f"{purpose.basis.article6_name} (UK GDPR art. {purpose.basis.article6})"
        except KeyError:
            purpose_name, basis = e.purpose_id, ""
        lines.append(ConsentLine(e, names.get(e.person_id, "former member"), purpose_name, basis,
                                 partner_name(org, e.partner_id), staff.get(e.recorded_by, e.recorded_by),
                                 names.get(e.given_by) if e.given_by else None, e.id in newest))
    return lines


def require_consent(session: DeskSession, household_id: str, person_id: str, purpose_id: str,
                    partner_id: str | None = None) -> None:
    """Raise ConsentRequired unless the purpose rests on another basis or a consent is current."""
    org = profile_of(session)
    purpose = org.purpose(purpose_id)
    if not purpose.needs_consent:
        return
    with session.store.reader() as uow:
        events = uow.consents.for_household(household_id)
    if not has_consent(events, person_id, purpose_id, partner_id):
        raise ConsentRequired(purpose.name, partner_name(org, partner_id))


@dataclass(frozen=True)
class MailingEntry:
    household_id: str
    person_id: str
    first_name: str
    last_name: str
    email: str
    consent_given_at: datetime


def mailing_list(session: DeskSession) -> list[MailingEntry]:
    """Adults with an email address and a current email-contact consent, less anyone restricted
    (a restriction of processing request) or whose objection to email contact was upheld."""
    from .rights import restricted_people, upheld_objections

    session.require(Permission.EXPORT)
    with session.uow() as uow:
        held_households, held_people = restricted_people(uow)
        objections = upheld_objections(uow)
        current = [e for e in latest(uow.consents.for_purpose(EMAIL_CONTACT)).values()
                   if e.decision is Decision.GIVEN and e.household_id not in held_households
                   and e.person_id not in held_people
                   and (e.person_id, EMAIL_CONTACT) not in objections]
        households = {h.id: h for h in uow.households.get_many(sorted({e.household_id for e in current}))}
        entries = []
        for e in current:
            h = households.get(e.household_id)
            if h is None:
                continue
            try:
                member = h.member(e.person_id)
            except KeyError:
                continue
            email = str(member.get("email") or h.fields.get("email") or "").strip()
            if not email or member.is_child(session.clock.today()):
                continue
            entries.append(MailingEntry(h.id, member.id, member.first_name, member.last_name, email, e.recorded_at))
        session.audit(uow, "export.mailing-list", detail=f"{len(entries)} people")
        uow.commit()
    return sorted(entries, key=lambda m: (m.last_name.casefold(), m.first_name.casefold()))
