"""The rights requests register, restriction of processing and objections.

Requests (access, rectification, erasure, restriction, objection, portability) are append-only
records: the request, then steps (extended with a reason, closed with an outcome). The due date is
one calendar month from receipt, three when extended. Restriction and objection are append-only
events too; ``is_restricted`` is what the rest of the desk asks before changing, sharing, merging,
mailing or counting someone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from centre_desk.domain.errors import FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.household import Household, household_title
from centre_desk.domain.ids import uuid7
from centre_desk.domain.rights import (
    OBJECTION,
    REQUEST_STEP,
    RESTRICTION,
    RIGHTS_REQUEST,
    Objection,
    RequestStatus,
    RequestStep,
    Restricted,
    RestrictionEvent,
    RightKind,
    RightsRequest,
    restricted_now,
)
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import EARLIEST_DATE, NOTE_MAX_LENGTH, check_text

from .ports import UnitOfWork
from .profile import profile_of
from .session import DeskSession

TEXT_MAX = 500


def _text(field: str, value: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationFailed.one(field, "is required")
    problem = check_text(value, multiline=True, max_length=limit)
    if problem:
        raise ValidationFailed.one(field, problem)
    return value


# -- reading ---------------------------------------------------------------------------------------
def requests_of(uow: UnitOfWork, household_id: str | None = None) -> list[RightsRequest]:
    steps: dict[str, list[RequestStep]] = {}
    for r in uow.rights.of_kind(REQUEST_STEP, household_id):
        b = r.body
        steps.setdefault(b["request_id"], []).append(
            RequestStep(r.id, b["request_id"], RequestStatus(b["status"]), r.created_at, r.created_by,
                        b.get("note", "")))
    out = []
    for r in uow.rights.of_kind(RIGHTS_REQUEST, household_id):
        b = r.body
        out.append(RightsRequest(r.id, r.household_id, b["person_id"], RightKind(b["kind"]),
                                 date.fromisoformat(b["received"]), b["identity_method"], b["identity_checked_by"],
                                 r.created_by, r.created_at, b.get("detail", ""), tuple(steps.get(r.id, ()))))
    return out


def restrictions_of(uow: UnitOfWork, household_id: str) -> list[RestrictionEvent]:
    return [RestrictionEvent(r.id, r.household_id, r.body.get("person_id"), bool(r.body["restricted"]),
                             r.created_at, r.created_by, r.body.get("reason", ""))
            for r in uow.rights.of_kind(RESTRICTION, household_id)]


def objections_of(uow: UnitOfWork, household_id: str) -> list[Objection]:
    return [Objection(r.id, r.household_id, r.body["person_id"], r.body["purpose_id"], bool(r.body["upheld"]),
                      r.body.get("outcome", ""), r.created_at, r.created_by)
            for r in uow.rights.of_kind(OBJECTION, household_id)]


def restricted_people(uow: UnitOfWork) -> tuple[set[str], set[str]]:
    """(restricted households, restricted person ids) across the whole store."""
    by_household: dict[str, list[RestrictionEvent]] = {}
    for r in uow.rights.of_kind(RESTRICTION):
        by_household.setdefault(r.household_id, []).append(
            RestrictionEvent(r.id, r.household_id, r.body.get("person_id"), bool(r.body["restricted"]),
                             r.created_at, r.created_by))
    households, people = set(), set()
    for hid, events in by_household.items():
        whole, persons = restricted_now(events)
        if whole:
            households.add(hid)
        people |= persons
    return households, people


def is_restricted_in(uow: UnitOfWork, household_id: str, person_id: str | None = None) -> bool:
    whole, persons = restricted_now(restrictions_of(uow, household_id))
    if person_id is None:
        return whole or bool(persons)
    return whole or person_id in persons


def is_restricted(session: DeskSession, person_or_household: str) -> bool:
    """Whether a person (by person id) or a household (by household id, or any of its people) is
    restricted. For other services: a restricted record is read-only and left out of mailing
    lists, statistics, duplicate merges and sharing."""
    with session.store.reader() as uow:
        if uow.households.exists(person_or_household):
            return is_restricted_in(uow, person_or_household)
        hid = uow.rights.household_of(person_or_household)
        return hid is not None and is_restricted_in(uow, hid, person_or_household)


def require_not_restricted(uow: UnitOfWork, household_id: str, person_id: str | None = None) -> None:
    if is_restricted_in(uow, household_id, person_id):
        raise Restricted("this person" if person_id else "this household")


def upheld_objections(uow: UnitOfWork) -> set[tuple[str, str]]:
    """(person id, purpose id) of every upheld objection in the store."""
    return {(r.body["person_id"], r.body["purpose_id"]) for r in uow.rights.of_kind(OBJECTION) if r.body["upheld"]}


def objected(uow: UnitOfWork, household_id: str, person_id: str, purpose_id: str) -> bool:
    """An upheld objection stops that purpose for that person."""
    return any(o.upheld and o.person_id == person_id and o.purpose_id == purpose_id
               for o in objections_of(uow, household_id))


# -- the register ----------------------------------------------------------------------------------
def _locate(uow: UnitOfWork, person_id: str) -> tuple[str, Household]:
    hid = uow.rights.household_of(person_id)
    household = uow.households.get(hid) if hid else None
    if household is None or hid is None:
        raise NotFound("no such person")
    return hid, household


def add_request(session: DeskSession, person_id: str, kind: str, *, received: date, identity_method: str,
                identity_checked_by: str | None = None, detail: str = "") -> RightsRequest:
    session.require(Permission.RIGHTS_REQUESTS)
    problems = []
    try:
        right = RightKind(kind)
    except ValueError:
        problems.append(FieldProblem("kind", f"must be one of {', '.join(k.value for k in RightKind)}"))
    if received > session.clock.today():
        problems.append(FieldProblem("received", "is in the future"))
    elif received < EARLIEST_DATE:
        problems.append(FieldProblem("received", f"is before {EARLIEST_DATE:%d/%m/%Y}"))
    if problems:
        raise ValidationFailed(problems)
    method = _text("identity check", identity_method)
    what = _text("detail", detail, required=False, limit=NOTE_MAX_LENGTH)
    with session.uow() as uow:
        hid, _household = _locate(uow, person_id)
        checker = session.actor.id
        if identity_checked_by:
            member = uow.staff.by_username(identity_checked_by) or uow.staff.get(identity_checked_by)
            if member is None:
                raise ValidationFailed.one("identity checked by", "is not a member of staff")
            checker = member.id
        rid = uuid7()
        now = session.clock.now()
        uow.rights.add(RIGHTS_REQUEST, rid, hid, {
            "person_id": person_id, "kind": right.value, "received": received.isoformat(),
            "identity_method": method, "identity_checked_by": checker, "detail": what}, session.actor.id, now)
        session.audit(uow, "request.added", hid, f"{right.value} {rid}")
        uow.commit()
    return RightsRequest(rid, hid, person_id, right, received, method, checker, session.actor.id, now, what)


def list_requests(session: DeskSession, household_id: str | None = None, *,
                  open_only: bool = False) -> list[RightsRequest]:
    session.require(Permission.RIGHTS_REQUESTS)
    with session.uow() as uow:
        out = [r for r in requests_of(uow, household_id) if not open_only or r.status is not RequestStatus.CLOSED]
        session.audit(uow, "request.listed", household_id, f"{len(out)} requests")
        uow.commit()
    return sorted(out, key=lambda r: (r.due, r.received, r.id))


@dataclass(frozen=True)
class RegisterEntry:
    """One line of the requests register: the request, whose it is and their household."""

    request: RightsRequest
    person: str  # the person's name; "a person since erased" once they are gone
    household: str  # the household's title; "" when the household has been erased


ERASED_PERSON = "a person since erased"


def request_register(session: DeskSession, household_id: str | None = None, *,
                     open_only: bool = False) -> list[RegisterEntry]:
    """The register with names, for the manager's window: soonest due first. Audited."""
    session.require(Permission.RIGHTS_REQUESTS)
    with session.uow() as uow:
        found = [r for r in requests_of(uow, household_id) if not open_only or r.status is not RequestStatus.CLOSED]
        households = {h.id: h for h in uow.households.get_many(sorted({r.household_id for r in found}))}
        session.audit(uow, "request.listed", household_id, f"{len(found)} requests")
        uow.commit()
    out = []
    for r in sorted(found, key=lambda r: (r.status is RequestStatus.CLOSED, r.due, r.received, r.id)):
        h = households.get(r.household_id)
        name = next((m.full_name for m in h.members if m.id == r.person_id), ERASED_PERSON) if h else ERASED_PERSON
        out.append(RegisterEntry(r, name, household_title(h) if h else ""))
    return out


def household_objections(session: DeskSession, household_id: str) -> list[Objection]:
    """Objections recorded for the household's people, oldest first: shown on the household page
    (an upheld one means that purpose is not used for that person)."""
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        return sorted(objections_of(uow, household_id), key=lambda o: (o.at, o.id))


def overdue_requests(session: DeskSession) -> list[RightsRequest]:
    """Open requests past their due date: what the manager's start page shows."""
    session.require(Permission.RIGHTS_REQUESTS)
    today = session.clock.today()
    with session.store.reader() as uow:
        return sorted((r for r in requests_of(uow) if r.overdue(today)), key=lambda r: r.due)


def _request(uow: UnitOfWork, request_id: str) -> RightsRequest:
    for r in requests_of(uow):
        if r.id == request_id:
            return r
    raise NotFound("no such rights request")


def extend_request(session: DeskSession, request_id: str, *, reason: str) -> RightsRequest:
    """Extend by two further months (complex or numerous requests), with the reason recorded."""
    session.require(Permission.RIGHTS_REQUESTS)
    why = _text("reason", reason)
    with session.uow() as uow:
        r = _request(uow, request_id)
        if r.status is not RequestStatus.OPEN:
            raise ValidationFailed.one("request", f"is already {r.status.value}" if r.status is RequestStatus.CLOSED
                                       else "has already been extended once (by the two months allowed)")
        uow.rights.add(REQUEST_STEP, uuid7(), r.household_id,
                       {"request_id": r.id, "status": RequestStatus.EXTENDED.value, "note": why},
                       session.actor.id, session.clock.now())
        session.audit(uow, "request.extended", r.household_id, r.id)
        r = _request(uow, request_id)
        uow.commit()
    return r


def close_request(session: DeskSession, request_id: str, *, outcome: str) -> RightsRequest:
    session.require(Permission.RIGHTS_REQUESTS)
    what = _text("outcome", outcome)
    with session.uow() as uow:
        r = _request(uow, request_id)
        if r.status is RequestStatus.CLOSED:
            raise ValidationFailed.one("request", "is already closed")
        uow.rights.add(REQUEST_STEP, uuid7(), r.household_id,
                       {"request_id": r.id, "status": RequestStatus.CLOSED.value, "note": what},
                       session.actor.id, session.clock.now())
        session.audit(uow, "request.closed", r.household_id, r.id)
        r = _request(uow, request_id)
        uow.commit()
    return r


# -- restriction -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    household_id: str
    person_id: str | None


def _target(uow: UnitOfWork, person_or_household: str) -> Target:
    if uow.households.exists(person_or_household):
        return Target(person_or_household, None)
    hid = uow.rights.household_of(person_or_household)
    if hid is None:
        raise NotFound("no such person or household")
    return Target(hid, person_or_household)


def set_restriction(session: DeskSession, person_or_household: str, restricted: bool, *,
                    reason: str = "") -> Target:
    """Restrict (or lift the restriction on) a person or a whole household."""
    session.require(Permission.RIGHTS_REQUESTS)
    why = _text("reason", reason, required=False)
    with session.uow() as uow:
        t = _target(uow, person_or_household)
        whole, persons = restricted_now(restrictions_of(uow, t.household_id))
        now_on = whole if t.person_id is None else t.person_id in persons
        if now_on == restricted:
            raise ValidationFailed.one("restriction", "is already in place" if restricted else "is not in place")
        uow.rights.add(RESTRICTION, uuid7(), t.household_id,
                       {"person_id": t.person_id, "restricted": restricted, "reason": why},
                       session.actor.id, session.clock.now())
        session.audit(uow, "restriction.added" if restricted else "restriction.lifted", t.household_id,
                      f"person {t.person_id}" if t.person_id else "household")
        uow.commit()
    return t


@dataclass(frozen=True)
class RestrictionState:
    household: bool
    people: frozenset[str]

    @property
    def any(self) -> bool:
        return self.household or bool(self.people)


def restriction_state(session: DeskSession, household_id: str) -> RestrictionState:
    """For the household page's banner."""
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        whole, persons = restricted_now(restrictions_of(uow, household_id))
    return RestrictionState(whole, frozenset(persons))


# -- objection -------------------------------------------------------------------------------------
def record_objection(session: DeskSession, person_id: str, purpose_id: str, *, upheld: bool,
                     outcome: str) -> Objection:
    """An objection to one purpose and its outcome; upheld, it stops that purpose for the person."""
    session.require(Permission.RIGHTS_REQUESTS)
    org = profile_of(session)
    try:
        org.purpose(purpose_id)
    except KeyError:
        raise ValidationFailed.one("purpose", "is not one of this organisation's purposes") from None
    what = _text("outcome", outcome)
    with session.uow() as uow:
        hid, _h = _locate(uow, person_id)
        oid = uuid7()
        now = session.clock.now()
        uow.rights.add(OBJECTION, oid, hid, {"person_id": person_id, "purpose_id": purpose_id, "upheld": upheld,
                                             "outcome": what}, session.actor.id, now)
        session.audit(uow, "objection.recorded", hid, f"{purpose_id}; {'upheld' if upheld else 'not upheld'}")
        uow.commit()
    return Objection(oid, hid, person_id, purpose_id, upheld, what, now, session.actor.id)


def when(value: datetime | date) -> str:
    return f"{value:%d/%m/%Y}"
