"""Erasure of a person or a whole household, where no ground to keep the records applies.

Before anything is erased the service checks, and explains in plain words when it refuses:

- a legal hold: the organisation profile's (``legal_hold.active``) and any hold a registered
  ``HoldCheck`` reports (the retention work registers its per-household holds here);
- open rights requests other than erasure (an access request must be answered first);
- the retention category (only for a request, not for the retention schedule's own destruction):
  a referral to a service whose retention rule keeps the records for a fixed period (child
  protection, children looked after, ...) is a record the organisation must keep.

Then, in one unit of work: the personal data goes from the record, the search index (overwritten
with FTS5 secure-delete), drafts, consent signatures and change history; every record about the
person (or household) becomes a tombstone without personal data that sync propagates; an
``erasure`` record and an audit entry say what was done (counts and ids only). Open erasure
requests of the person are closed with the outcome "erased". The audit chain is never touched,
so it stays valid (entries hold ids, never personal data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.household import Household
from centre_desk.domain.ids import uuid7
from centre_desk.domain.organisation import Organisation
from centre_desk.domain.rights import (
    AUTHORITY_RETENTION,
    ERASURE,
    REQUEST_STEP,
    ErasureRefused,
    RequestStatus,
    RightKind,
)
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import check_text

from .households import rekey_answers
from .ports import UnitOfWork
from .profile import profile_of
from .rights import requests_of
from .session import DeskSession

REASON_MAX = 500
AUTHORITY_MAX = 120
# The household's own fields that say where and how to reach the people living there.
ADDRESS_FIELDS = ("address_line1", "address_line2", "town", "postcode", "phone", "phone_other", "email")
# Of those, the ones that are often one adult's own (a mobile, an email address): offered to clear.
CONTACT_FIELDS = ("phone", "phone_other", "email")


@dataclass(frozen=True)
class SharedFields:
    """What erasing one person does to the household's own fields: ``cleared`` go with them
    (nobody else recorded lives at the address, so the address and its phone and email were
    theirs alone); ``offered`` are recorded contact fields the person may own, cleared only when
    named in ``clear_fields``."""

    cleared: tuple[str, ...]
    offered: tuple[str, ...]


def shared_fields(household: Household, person_id: str) -> SharedFields:
    others = [m for m in household.members if m.id != person_id]
    theirs = household.member(person_id)
    recorded = [f for f in ADDRESS_FIELDS if household.fields.get(f) not in (None, "")]
    if others and theirs.lives_here and not any(m.lives_here for m in others):
        return SharedFields(tuple(recorded), ())
    return SharedFields((), tuple(f for f in CONTACT_FIELDS if f in recorded))


def erasure_effect(session: DeskSession, person_id: str) -> SharedFields:
    """For the window: what erasing this person would do to the household's own fields."""
    session.require(Permission.ERASE)
    with session.store.reader() as uow:
        household_id = uow.rights.household_of(person_id)
        household = uow.households.get(household_id) if household_id else None
        if household is None:
            raise NotFound("no such person")
        return shared_fields(household, person_id)

# A hold check looks at one household and returns the reasons it is on hold (empty: none).
HoldCheck = Callable[[UnitOfWork, str], list[str]]
_HOLD_CHECKS: list[HoldCheck] = []


def register_hold_check(check: HoldCheck) -> None:
    """Add a source of legal holds (for instance the retention review's holds per household)."""
    if check not in _HOLD_CHECKS:
        _HOLD_CHECKS.append(check)


def unregister_hold_check(check: HoldCheck) -> None:
    if check in _HOLD_CHECKS:
        _HOLD_CHECKS.remove(check)


def hold_reasons(uow: UnitOfWork, household_id: str) -> list[str]:
    """The reasons the registered hold checks give for this household (the profile's own
    organisation-wide hold is read from the profile: ``org_hold_reason``)."""
    return [r for check in list(_HOLD_CHECKS) for r in check(uow, household_id)]


def org_hold_reason(org: Organisation) -> str | None:
    if not org.legal_hold.active:
        return None
    why = " ".join(org.legal_hold.reason.split()) or "no reason given"
    return f"the organisation has a legal hold on its records ({why})"


@dataclass(frozen=True)
class ErasureResult:
    household_id: str
    person_id: str | None  # None: the whole household
    household_erased: bool
    counts: dict[str, int]


def _check_text(field: str, value: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationFailed.one(field, "is required: say why (no names or other personal details)")
    problem = check_text(value, multiline=False, max_length=limit)
    if problem:
        raise ValidationFailed.one(field, problem)
    return value


def _holds(org: Organisation, uow: UnitOfWork, household_id: str) -> list[str]:
    reasons = []
    if org.legal_hold.active:
        reasons.append("the organisation has a legal hold on its records "
                       f"({' '.join(org.legal_hold.reason.split()) or 'no reason given'}); nothing may be "
                       "erased until it is lifted")
    for check in list(_HOLD_CHECKS):
        reasons += [f"the household is on hold: {r}" for r in check(uow, household_id)]
    return reasons


def _open_requests(uow: UnitOfWork, household_id: str, person_id: str | None) -> list[str]:
    reasons = []
    for r in requests_of(uow, household_id):
        if r.status is RequestStatus.CLOSED or r.kind is RightKind.ERASURE:
            continue
        if person_id is not None and r.person_id != person_id:
            continue
        reasons.append(f"a {r.kind.value} request received on {r.received:%d/%m/%Y} is still open "
                       f"(request {r.id}): answer and close it before erasing")
    return reasons


def _kept_by_retention(org: Organisation, uow: UnitOfWork, household_id: str,
                       person_id: str | None) -> list[str]:
    """Referrals to a service whose retention rule keeps its records: not erasable on request."""
    reasons = []
    for ref in uow.referrals.for_household(household_id):
        if person_id is not None and person_id not in ref.person_ids:
            continue
        service = str(ref.fields.get("service") or "")
        rules = [r for r in org.retention if service and service in r.services]
        if rules:
            rule = max(rules, key=lambda r: r.period_years)
            start = rule.start_event.value.replace("_", " ")
            reasons.append(f"a {_service_name(org, service)} referral falls under the retention category "
                           f"'{rule.name}' ({rule.period_years} years from {start}), which the organisation "
                           "must keep")
    return sorted(set(reasons))


def _service_name(org: Organisation, service_id: str) -> str:
    try:
        return org.service(service_id).name
    except KeyError:
        return service_id


def _close_erasure_requests(session: DeskSession, uow: UnitOfWork, household_id: str,
                            person_id: str | None) -> None:
    for r in requests_of(uow, household_id):
        if r.kind is RightKind.ERASURE and r.status is not RequestStatus.CLOSED and \
                (person_id is None or r.person_id == person_id):
            uow.rights.add(REQUEST_STEP, uuid7(), household_id,
                           {"request_id": r.id, "status": RequestStatus.CLOSED.value, "note": "erased"},
                           session.actor.id, session.clock.now())


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v)[:180]


def erase_household(session: DeskSession, household_id: str, *, reason: str, authority: str) -> ErasureResult:
    """Erase a whole household: every record becomes a tombstone without personal data.

    ``authority`` says what authorises it, without personal data: ``"retention"`` (or starting
    with it, e.g. ``"retention: family-records"``) when the retention schedule destroys records
    that are due, which skips the retention-category check; otherwise the rights request id or
    the manager's decision. Legal holds and open requests refuse either way.
    """
    with session.uow() as uow:
        result = erase_household_in(session, uow, household_id, reason=reason, authority=authority)
        uow.commit()
    return result


def erase_household_in(session: DeskSession, uow: UnitOfWork, household_id: str, *, reason: str,
                       authority: str) -> ErasureResult:
    """``erase_household`` inside the caller's unit of work, which commits it (or not) together
    with whatever else belongs to the same act: the retention schedule's destruction writes its
    certificate in the same transaction, so a crash leaves both or neither. Refusals are raised
    before anything is written."""
    retention = authority.strip().lower().startswith(AUTHORITY_RETENTION)
    session.require(Permission.RETENTION_REVIEW if retention else Permission.ERASE)
    why = _check_text("reason", reason, REASON_MAX)
    by = _check_text("authority", authority, AUTHORITY_MAX)
    org = profile_of(session)
    now = session.clock.now()
    if uow.households.get(household_id) is None:
        raise NotFound("no such household")
    refusals = _holds(org, uow, household_id) + _open_requests(uow, household_id, None)
    if not retention:
        refusals += _kept_by_retention(org, uow, household_id, None)
    if refusals:
        raise ErasureRefused(refusals)
    counts = uow.rights.erase_household(household_id, session.actor.id, now)
    _close_erasure_requests(session, uow, household_id, None)
    uow.rights.add(ERASURE, uuid7(), household_id,
                   {"scope": "household", "reason": why, "authority": by, "counts": counts},
                   session.actor.id, now)
    session.audit(uow, "erasure.household", household_id, _summary(counts))
    return ErasureResult(household_id, None, True, counts)


def erase_person(session: DeskSession, person_id: str, *, reason: str,
                 clear_fields: Sequence[str] = ()) -> ErasureResult:
    """Erase one person. The household stays for the others; when the person is its only member
    the whole household is erased. The household's own fields (address, phone, email) belong to
    everyone in it and stay, except those named in ``clear_fields`` (her phone or email on the
    household), which are emptied and lose their history. When nobody else recorded in the
    household lives at the address (everyone left lives elsewhere), the address and the
    household's phone and email were hers alone and are cleared too (``shared_fields``)."""
    session.require(Permission.ERASE)
    why = _check_text("reason", reason, REASON_MAX)
    org = profile_of(session)
    now = session.clock.now()
    with session.uow() as uow:
        person_id = uow.rights.resolve_person(person_id)  # a folded entry's id: the person it became
        household_id = uow.rights.household_of(person_id)
        before = uow.households.get(household_id) if household_id else None
        if before is None or household_id is None:
            raise NotFound("no such person")
        refusals = (_holds(org, uow, household_id) + _open_requests(uow, household_id, person_id)
                    + _kept_by_retention(org, uow, household_id, person_id))
        if refusals:
            raise ErasureRefused(refusals)
        unknown = [f for f in clear_fields if f not in before.fields]
        if unknown:
            raise ValidationFailed.one("clear fields", f"not recorded on this household: {', '.join(unknown)}")
        # Other adults' answers about an erased child (relationship, parental responsibility) go too.
        others = rekey_answers(tuple(m for m in before.members if m.id != person_id), person_id, None)
        whole = not others
        if not whole:
            clear_fields = tuple(dict.fromkeys((*clear_fields, *shared_fields(before, person_id).cleared)))
        if whole:
            counts = uow.rights.erase_household(household_id, session.actor.id, now)
        else:
            fields = {k: v for k, v in before.fields.items() if k not in clear_fields}
            after = Household(before.id, before.version + 1, fields, others, before.form_id,
                              before.form_version, before.created_at, now)
            counts = uow.rights.erase_person(before, after, person_id, session.actor.id, now, tuple(clear_fields))
        _close_erasure_requests(session, uow, household_id, person_id)
        uow.rights.add(ERASURE, uuid7(), household_id,
                       {"scope": "household" if whole else "person", "person_id": person_id, "reason": why,
                        "authority": "erasure request", "counts": counts}, session.actor.id, now)
        session.audit(uow, "erasure.person", household_id, f"person {person_id}; {_summary(counts)}"[:200])
        uow.commit()
    return ErasureResult(household_id, person_id, whole, counts)


def _retention_holds(uow: UnitOfWork, household_id: str) -> list[str]:
    # Holds placed with the retention review (on this household, or organisation-wide) refuse
    # erasure too. Imported here, not at the top: services.retention is the larger module.
    from .retention import hold_reasons

    return hold_reasons(uow, household_id)


register_hold_check(_retention_holds)
