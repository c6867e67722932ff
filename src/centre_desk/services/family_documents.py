"""Documents for a family: the consent receipt and "what we hold about you" (household summary).

The services gather the facts into the plain data of ``domain.documents``; the printing adapter,
behind the ``DocumentRenderer`` port, lays them out. Every print is audited without personal data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from centre_desk.domain.documents import (
    ConsentReceiptData,
    HouseholdSummaryData,
    LabelledValue,
    ReceiptConsent,
    ReceiptPerson,
    SummaryEntry,
    SummaryPerson,
    lawful_basis_text,
    long_date,
    retention_text,
)
from centre_desk.domain.errors import NotFound
from centre_desk.domain.household import Household, Member
from centre_desk.domain.organisation import CentreContact, Organisation
from centre_desk.domain.referral import Referral
from centre_desk.domain.staff import Permission
from centre_desk.formspec.model import FieldDef, FieldType, FormDefinition
from centre_desk.formspec.per_entry import per_entry_lines

from .centre import centre_contact
from .consent import consent_history
from .documents import DocumentRenderer
from .households import CONTACT_TYPE_LABELS, MEMBERSHIP, current_shape
from .profile import form, profile_of
from .session import DeskSession

ROLE_WORDS = {"parent": "Parent", "carer": "Carer", "partner": "Partner", "child": "Child", "other": "Other"}


def _centre(session: DeskSession) -> str:
    with session.store.reader() as uow:
        return uow.settings.get("centre_name") or ""


def _how_to_withdraw(org: Organisation, centre: str, contact: CentreContact) -> str:
    # The receipt adds the DPO's email itself; this sentence is about the people the family sees.
    where = f"at {centre}" if centre else "at the centre"
    reach = f" or phone us on {contact.phone}" if contact.phone else (
        f" or email us at {contact.email}" if contact.email else "")
    return (f"You can change your mind at any time. Tell any member of staff {where}{reach}. "
            "It takes effect straight away.")


def on_family_copy(member: Member, today: date) -> bool:
    """Whether a person's own details go on what the household is handed: the people who live
    there, and the children. An adult who lives elsewhere (a separated father) is named, and no
    more: his address, phone and choices are his, not the household's."""
    return member.lives_here or member.is_child(today)


def _receipt_consents(session: DeskSession, org: Organisation, h: Household) -> tuple[ReceiptConsent, ...]:
    today = session.clock.today()
    covered = {m.id for m in h.members if on_family_copy(m, today)}
    out = []
    for line in consent_history(session, h.id):
        e = line.event
        if e.person_id not in covered:
            continue
        try:
            basis = lawful_basis_text(org.purpose(e.purpose_id).basis)
        except KeyError:
            basis = line.lawful_basis
        out.append(ReceiptConsent(line.person_name, line.purpose_name, basis, line.partner_name, e.decision,
                                  e.method, e.recorded_at, line.recorded_by, e.notice_version,
                                  decided_by=line.given_by_name, signature_png=e.signature_png))
    return tuple(out)


def _household(session: DeskSession, household_id: str) -> Household:
    with session.store.reader() as uow:
        h = uow.households.get(household_id)
    if h is None:
        raise NotFound("no such household")
    return h


def _ref(household_id: str) -> str:
    return household_id.split("-")[-1][-8:].upper()


def consent_receipt_data(session: DeskSession, household_id: str) -> ConsentReceiptData:
    org = profile_of(session)
    h = _household(session, household_id)
    centre = _centre(session)
    contact = centre_contact(session)
    today = session.clock.today()
    people = tuple(ReceiptPerson(m.full_name, ROLE_WORDS.get(m.role, m.role.title())) for m in h.members
                   if on_family_copy(m, today))
    return ConsentReceiptData(org.name, centre, _ref(h.id), people, _receipt_consents(session, org, h),
                              _how_to_withdraw(org, centre, contact), org.dpo.email or "", session.clock.now(),
                              contact)


def _display(field: FieldDef, value: Any, services: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return ""
    if field.type is FieldType.BOOLEAN:
        return "Yes" if value else "No"
    if field.type is FieldType.DATE:
        try:
            return long_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if field.type in (FieldType.CHOICE, FieldType.MULTICHOICE):
        labels = {c.value: c.label for c in field.choices} | services
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if field.type is FieldType.LIST and isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append("; ".join(f"{k}: {v}" for k, v in item.items() if v))
        return " | ".join(parts)
    return str(value)


def _labelled(fields: tuple[FieldDef, ...], values: dict[str, Any],
              services: dict[str, str], names: dict[str, str] | None = None) -> tuple[LabelledValue, ...]:
    out = []
    for f in fields:
        if f.type is FieldType.PER_ENTRY:
            # A line per child, named by first name: "Relationship to Zuzanna: Birth parent, ...".
            out += [LabelledValue(f"Relationship to {name}", words)
                    for _pid, name, words in per_entry_lines(f, values.get(f.id), names or {})]
            continue
        text = _display(f, values.get(f.id), services)
        if text:
            out.append(LabelledValue(f.label, text))
    return tuple(out)


def _summary_person(m: Member, fields: tuple[FieldDef, ...], services: dict[str, str], today: date,
                    names: dict[str, str]) -> SummaryPerson:
    if on_family_copy(m, today):
        return SummaryPerson(m.full_name, _labelled(fields, dict(m.fields), services, names))
    role = LabelledValue("Role in the household", ROLE_WORDS.get(m.role, m.role.title())) if m.role else None
    return SummaryPerson(m.full_name, (role,) if role else (), lives_elsewhere=True)


def _referral_fields(referral: Referral, fields: tuple[FieldDef, ...]) -> tuple[FieldDef, ...]:
    """What the family's copy shows of a referral: never who referred them or the safeguarding
    answers (``family_copy: false``); and when it raised a safeguarding concern, none of the
    written reasons either, since that is where the concern is described."""
    shown = tuple(f for f in fields if f.family_copy)
    if referral.safeguarding_concern:
        shown = tuple(f for f in shown if f.type not in (FieldType.TEXT, FieldType.MULTILINE))
    return shown


def household_summary_data(session: DeskSession, household_id: str) -> HouseholdSummaryData:
    """What the store holds about a household, in the words of the form, as far as the family
    may be handed it at the desk (see ``on_family_copy`` and ``_referral_fields``)."""
    org = profile_of(session)
    definition: FormDefinition = form(MEMBERSHIP)
    services = {s.id: s.name for s in org.services}
    # An older household's one relationship answer per adult shows on every child (current_shape).
    h = current_shape(_household(session, household_id))
    today = session.clock.today()
    household_fields = tuple(f for s in definition.sections if not s.repeated for f in s.fields if f.family_copy)
    member_fields = tuple(f for s in definition.sections if s.repeated for f in s.fields if f.family_copy)
    names = {m.id: m.first_name for m in h.members}
    members = tuple(_summary_person(m, member_fields, services, today, names) for m in h.members)
    with session.store.reader() as uow:
        contacts = uow.households.contacts(h.id)
    # Staff's notes are not reviewed before printing: where there is a safeguarding concern they
    # may describe it, so they stay off the family's copy (which contacts there were still shows).
    notes = not h.safeguarding_concern
    contact_entries = tuple(
        SummaryEntry(CONTACT_TYPE_LABELS.get(c["type"], c["type"]), _date(c["date"]),
                     (LabelledValue("Note", c["note"]),) if c.get("note") and notes else ())
        for c in contacts
    )
    retention = "; ".join(retention_text(r) for r in org.retention if not r.services) or "; ".join(
        retention_text(r) for r in org.retention)
    referral_form: FormDefinition = form("referral")
    referral_fields = tuple(f for s in referral_form.sections for f in s.fields)
    with session.store.reader() as uow:
        referrals = uow.referrals.for_household(h.id)
    referral_entries = tuple(
        SummaryEntry(
            f"Referral: {services.get(str(r.fields.get('service')), r.fields.get('service') or '')} ({r.status})",
            r.events[0].on if r.events else r.recorded_at.date(),
            _labelled(_referral_fields(r, referral_fields), dict(r.fields), services)
            + tuple(LabelledValue(e.status.capitalize(), long_date(e.on)) for e in r.events),
        )
        for r in referrals
    )
    return HouseholdSummaryData(
        org.name, _centre(session), _ref(h.id), _labelled(household_fields, dict(h.fields), services), members,
        referral_entries, contact_entries, _receipt_consents(session, org, h), retention, org.dpo.email or "",
        session.clock.now(), centre_contact(session),
    )


def _date(text: str) -> date:
    return date.fromisoformat(text)


def print_consent_receipt(session: DeskSession, renderer: DocumentRenderer, household_id: str, *,
                          large_print: bool = False) -> bytes:
    session.require(Permission.PRINT)
    data = consent_receipt_data(session, household_id)
    pdf = renderer.consent_receipt(profile_of(session), data, large_print=large_print)
    with session.uow() as uow:
        session.audit(uow, "print.receipt", household_id, f"{len(data.consents)} decisions")
        uow.commit()
    return pdf


def print_household_summary(session: DeskSession, renderer: DocumentRenderer, household_id: str, *,
                            large_print: bool = False) -> bytes:
    session.require(Permission.PRINT)
    data = household_summary_data(session, household_id)
    pdf = renderer.household_summary(profile_of(session), data, large_print=large_print)
    with session.uow() as uow:
        session.audit(uow, "print.summary", household_id)
        uow.commit()
    return pdf
