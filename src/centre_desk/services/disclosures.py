"""The disclosure log: every share of a family's information with someone outside the service.

A disclosure names the recipient (one of the profile's partners or services, a data sharing
agreement, or another organisation by name), the purpose, the lawful basis or gateway, what was
shared, who authorised it, the date, and whether and when the family was told, or why not.

Rules: a share on the basis of consent may be logged by front-line staff, and only while every
person it is about has a current consent for that purpose (and partner, for per-partner purposes).
A share on any other basis needs the manager role (``LOG_DISCLOSURE``), a manager as authoriser and
a recorded justification. A share for a consent-based purpose whose consent was withdrawn or never
given is blocked unless such a non-consent basis is chosen and justified. A restricted person or
household, or an upheld objection to the purpose, blocks sharing except on a protective or legal
basis (safeguarding, legal duty, court order, vital interests, crime prevention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from centre_desk.domain.consent import ConsentRequired, has_consent, partner_name
from centre_desk.domain.errors import FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.household import Household
from centre_desk.domain.ids import uuid7
from centre_desk.domain.organisation import Organisation, Purpose
from centre_desk.domain.rights import BASIS_NAMES, DISCLOSURE, Basis, Disclosure, Restricted
from centre_desk.domain.staff import Permission, Role
from centre_desk.domain.text import EARLIEST_DATE, NOTE_MAX_LENGTH, check_text

from .ports import RightsRecord, UnitOfWork
from .profile import profile_of
from .rights import is_restricted_in, objected
from .session import DeskSession

PROTECTIVE = frozenset({Basis.SAFEGUARDING, Basis.LEGAL_DUTY, Basis.COURT_ORDER, Basis.VITAL_INTERESTS,
                        Basis.CRIME_PREVENTION})
MANAGERS = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


@dataclass(frozen=True)
class Recipient:
    id: str | None
    name: str
    agreement_id: str | None


def resolve_recipient(org: Organisation, recipient: str, agreement: str | None = None) -> Recipient:
    """A partner, service or agreement id of the profile, or another organisation's name."""
    value = " ".join(recipient.split())
    if not value and not agreement:
        raise ValidationFailed.one("recipient", "is required: a partner, an agreement or the organisation's name")
    if agreement:
        try:
            a = org.agreement(agreement)
        except KeyError:
            ids = ", ".join(a.id for a in org.agreements) or "none in this profile"
            raise ValidationFailed.one("agreement", f"is not one of this organisation's agreements ({ids})") from None
        if value and value != a.partner_id:
            raise ValidationFailed.one("agreement", "is an agreement with another partner than the recipient")
        return Recipient(a.partner_id, org.partner(a.partner_id).name, a.id)
    for a in org.agreements:
        if a.id == value:
            return Recipient(a.partner_id, org.partner(a.partner_id).name, a.id)
    name = partner_name(org, value)
    if name != value:  # a partner or service id
        return Recipient(value, name or value, None)
    problem = check_text(value, multiline=False, max_length=200)
    if problem:
        raise ValidationFailed.one("recipient", problem)
    return Recipient(None, value, None)


def _basis(value: str | Basis) -> Basis:
    try:
        return value if isinstance(value, Basis) else Basis(value)
    except ValueError:
        raise ValidationFailed.one("basis", f"must be one of {', '.join(b.value for b in Basis)}") from None


def _disclosure(r: RightsRecord) -> Disclosure:
    b = r.body
    return Disclosure(
        id=r.id, household_id=r.household_id, person_ids=tuple(b.get("person_ids", [])),
        recipient_id=b.get("recipient_id"), recipient_name=b["recipient_name"], agreement_id=b.get("agreement_id"),
        purpose=b["purpose"], basis=Basis(b["basis"]), shared=b["shared"], justification=b.get("justification", ""),
        authorised_by=b["authorised_by"], on=date.fromisoformat(b["on"]),
        told_on=date.fromisoformat(b["told_on"]) if b.get("told_on") else None,
        not_told_reason=b.get("not_told_reason", ""), recorded_by=r.created_by, recorded_at=r.created_at,
        partner_purpose=b.get("partner_purpose"))


def disclosures_of(uow: UnitOfWork, household_id: str) -> list[Disclosure]:
    return sorted((_disclosure(r) for r in uow.rights.of_kind(DISCLOSURE, household_id)),
                  key=lambda d: (d.on, d.recorded_at, d.id))


def _people(household: Household, person_ids: Sequence[str]) -> tuple[str, ...]:
    known = {m.id for m in household.members}
    unknown = [p for p in person_ids if p not in known]
    if unknown:
        raise ValidationFailed.one("person", "is not a member of this household")
    return tuple(dict.fromkeys(person_ids))


def log_disclosure(session: DeskSession, household_id: str, *, recipient: str, purpose: str, basis: str | Basis,
                   shared: str, person_ids: Sequence[str] = (), agreement: str | None = None,
                   justification: str = "", authorised_by: str | None = None, on: date | None = None,
                   told_on: date | None = None, not_told_reason: str = "") -> Disclosure:
    the_basis = _basis(basis)
    session.require(Permission.RECORD_REFERRAL if the_basis is Basis.CONSENT else Permission.LOG_DISCLOSURE)
    org = profile_of(session)
    today = session.clock.today()
    on = on or today
    problems: list[FieldProblem] = []
    who = resolve_recipient(org, recipient, agreement)
    what = shared.strip()
    why = justification.strip()
    not_told = not_told_reason.strip()
    purpose = " ".join(purpose.split())
    for field, value, required, limit in (("purpose", purpose, True, 200), ("shared", what, True, NOTE_MAX_LENGTH),
                                          ("justification", why, the_basis is not Basis.CONSENT, NOTE_MAX_LENGTH),
                                          ("not told reason", not_told, False, NOTE_MAX_LENGTH)):
        if required and not value:
            problems.append(FieldProblem(field, "is required" if field != "justification" else
                                         "is required for a share without consent: say why it was necessary"))
        elif value and (problem := check_text(value, multiline=True, max_length=limit)):
            problems.append(FieldProblem(field, problem))
    if on > today:
        problems.append(FieldProblem("date", "is in the future"))
    elif on < EARLIEST_DATE:
        problems.append(FieldProblem("date", f"is before {EARLIEST_DATE:%d/%m/%Y}"))
    if (told_on is None) == (not not_told):
        problems.append(FieldProblem("told", "say when the family was told, or why they were not (not both)"))
    elif told_on is not None and told_on > today:
        problems.append(FieldProblem("told", "is in the future"))
    if problems:
        raise ValidationFailed(problems)

    consent_purpose: Purpose | None = None
    try:
        known = org.purpose(purpose)
        if known.needs_consent:
            consent_purpose = known
    except KeyError:
        pass
    if the_basis is Basis.CONSENT and consent_purpose is None:
        raise ValidationFailed.one("purpose", "a share on the basis of consent must name a consent-based purpose "
                                   f"({', '.join(p.id for p in org.purposes if p.needs_consent)})")

    with session.uow() as uow:
        household = uow.households.get(household_id)
        if household is None:
            raise NotFound("no such household")
        about = _people(household, person_ids)
        if authorised_by:
            member = uow.staff.by_username(authorised_by) or uow.staff.get(authorised_by)
            if member is None or member.disabled:
                raise ValidationFailed.one("authorised by", "is not an active member of staff")
        else:
            member = session.actor
        if the_basis is not Basis.CONSENT and member.role not in MANAGERS:
            raise ValidationFailed.one("authorised by", "a share without consent must be authorised by a manager")
        subjects = about or tuple(m.id for m in household.members)
        if the_basis not in PROTECTIVE:
            if any(is_restricted_in(uow, household_id, pid) for pid in subjects):
                raise Restricted("this person" if about else "this household")
            if any(objected(uow, household_id, pid, purpose) for pid in subjects):
                raise ValidationFailed.one("purpose", "an objection to this purpose was upheld; only a protective "
                                           "or legal basis (safeguarding, legal duty, court order) may override it")
        if the_basis is Basis.CONSENT and consent_purpose is not None:
            events = uow.consents.for_household(household_id)
            partner = who.id if consent_purpose.per_partner else None
            if not all(has_consent(events, pid, purpose, partner) for pid in subjects):
                raise ConsentRequired(consent_purpose.name, who.name if partner else None)
        did = uuid7()
        now = session.clock.now()
        body = {
            "person_ids": list(about), "recipient_id": who.id, "recipient_name": who.name,
            "agreement_id": who.agreement_id, "purpose": purpose, "basis": the_basis.value, "shared": what,
            "justification": why, "authorised_by": member.id, "on": on.isoformat(),
            "told_on": told_on.isoformat() if told_on else None, "not_told_reason": not_told,
            "partner_purpose": consent_purpose.id if consent_purpose else None,
        }
        uow.rights.add(DISCLOSURE, did, household_id, body, session.actor.id, now)
        session.audit(uow, "disclosure.logged", household_id,
                      f"{did}; {the_basis.value}; {who.agreement_id or who.id or 'other organisation'}"[:200])
        [saved] = [d for d in disclosures_of(uow, household_id) if d.id == did]
        uow.commit()
    return saved


def list_disclosures(session: DeskSession, household_id: str) -> list[Disclosure]:
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.uow() as uow:
        if uow.households.get(household_id) is None:
            raise NotFound("no such household")
        out = disclosures_of(uow, household_id)
        session.audit(uow, "disclosure.listed", household_id, f"{len(out)} disclosures")
        uow.commit()
    return out


def basis_name(basis: Basis) -> str:
    return BASIS_NAMES[basis]


THIS_DEVICE = "this device"
DISCLOSURE_LOG = "disclosure log"


@dataclass(frozen=True)
class Receipt:
    """One time a family's information was seen or received: a view, a search listing, a print,
    an export, or a disclosure to another organisation."""

    at: str  # ISO time (disclosures: the date shared)
    who: str  # staff username, or the recipient organisation
    what: str
    # Where it is recorded: THIS_DEVICE (this desk's audit trail), DISCLOSURE_LOG (a disclosure
    # record, synced from whichever device logged it) or another device of the organisation.
    device: str = THIS_DEVICE
    device_id: str | None = None  # the audit entry's device, when known


_SEEN = {"household.viewed": "opened the household", "household.searched": "saw it in search results",
         "subject-access.previewed": "previewed a subject access pack for review",
         "session.register-viewed": "saw it on a session register"}


def receipt_words(action: str) -> str:
    if action in _SEEN:
        return _SEEN[action]
    verb, _dot, what = action.partition(".")
    if verb == "print":
        return f"printed {what}"
    if verb == "export":
        return f"exported {what}"
    return action.replace(".", " ")  # a merge review and other listings that showed the household


@dataclass(frozen=True)
class LocalReceipts:
    receipts: list[Receipt]
    hashes: frozenset[str]  # of this desk's audit entries listed, to recognise them on the server
    names: dict[str, str]  # staff id -> username, as this desk knows them


def local_receipts(uow: UnitOfWork, household_id: str, device_id: str | None = None) -> LocalReceipts:
    """This desk's views, search listings, prints and exports of the household (one look-up in the
    audit's household index, ``household_reads``, revisions 0005 and 0015, never a scan of the
    audit chain) and every disclosure of it from the log."""
    names = {m.id: m.username for m in uow.staff.all()}
    entries = uow.households.reads(household_id)
    out = [Receipt(e.at.isoformat(), names.get(e.actor, e.actor), receipt_words(e.action), THIS_DEVICE, device_id)
           for e in entries]
    out += [Receipt(d.on.isoformat(), d.recipient_name, f"received: {d.shared} ({d.purpose}; {d.basis.value})",
                    DISCLOSURE_LOG)
            for d in disclosures_of(uow, household_id)]
    return LocalReceipts(out, frozenset(e.hash for e in entries), names)


def seen_and_received(session: DeskSession, household_id: str) -> list[Receipt]:
    """Who has seen and who has received this household's information, oldest first, as this desk
    alone knows it: every view, search listing, print and export from this desk's audit trail, and
    every disclosure from the log (disclosures are records, so those logged on other devices
    appear once synced). ``services.seen.seen_across_devices`` adds the other devices' entries
    from the server."""
    session.require(Permission.VIEW_AUDIT)
    with session.uow() as uow:
        out = local_receipts(uow, household_id).receipts
        session.audit(uow, "audit.household-recipients", household_id, f"{len(out)} entries")
        uow.commit()
    return sorted(out, key=lambda r: r.at)
