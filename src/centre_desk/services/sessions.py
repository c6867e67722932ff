"""Today at the desk: sessions, their registers, and correcting a contact.

Ticking who came records, in one unit of work, one attendance record per person and, for each
household the first time one of its people is ticked for that session, one contact of type
"session" on the session's day; that contact moves the household's last contact on (the search
card follows in the same transaction). Every call checks its permission and is audited with ids
and counts only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from centre_desk.domain.errors import FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.household import FieldChange, Household
from centre_desk.domain.ids import uuid7
from centre_desk.domain.sessions import (
    PLACE_MAX_LENGTH,
    Attendance,
    AttendanceResult,
    Attendee,
    CentreSession,
)
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import EARLIEST_DATE, NOTE_MAX_LENGTH, check_text

from .households import CONTACT_TYPES
from .profile import profile_of
from .session import DeskSession

SESSION_CONTACT = "session"
REGISTER_VIEWED = "session.register-viewed"
# How far ahead a session may be planned; a typing slip (2062 for 2026) is caught.
PLAN_AHEAD_DAYS = 366


def _time(text: str, field: str, problems: list[FieldProblem]) -> time | None:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()  # 9:30 and 09:30 alike
    except ValueError:
        problems.append(FieldProblem(field, "is not a time such as 10:00"))
        return None


def add_session(session: DeskSession, type_id: str, on: date, starts: str, ends: str,
                place: str) -> CentreSession:
    """Put a session on the list: one of the profile's session types, a day, times and a place."""
    session.require(Permission.PLAN_SESSIONS)
    types = dict(profile_of(session).session_types)
    problems: list[FieldProblem] = []
    if type_id not in types:
        problems.append(FieldProblem("type", f"must be one of {', '.join(types)}"))
    today = session.clock.today()
    if on < EARLIEST_DATE:
        problems.append(FieldProblem("date", f"is before {EARLIEST_DATE:%d/%m/%Y}"))
    elif on > today + timedelta(days=PLAN_AHEAD_DAYS):
        problems.append(FieldProblem("date", "is more than a year ahead"))
    start, end = _time(starts, "start", problems), _time(ends, "end", problems)
    if start is not None and end is not None and end <= start:
        problems.append(FieldProblem("end", "must be after the start"))
    place = " ".join(place.split())
    place_problem = "is required" if not place else check_text(place, max_length=PLACE_MAX_LENGTH)
    if place_problem:
        problems.append(FieldProblem("place", place_problem))
    if problems:
        raise ValidationFailed(problems)
    assert start is not None and end is not None
    cs = CentreSession(uuid7(), type_id, types[type_id], on, start, end, place, session.actor.id,
                       session.clock.now())
    with session.uow() as uow:
        uow.sessions.add(cs)
        session.audit(uow, "session.added", cs.id, f"{type_id} on {on.isoformat()}")
        uow.commit()
    return cs


def list_sessions(session: DeskSession, first: date, last: date | None = None) -> list[CentreSession]:
    """Sessions from ``first`` to ``last`` (default: that one day), in time order. They hold no
    personal data, so listing them is not audited."""
    session.require(Permission.VIEW_HOUSEHOLD)
    last = last or first
    if last < first:
        raise ValidationFailed.one("to", "is before the from date")
    with session.store.reader() as uow:
        return uow.sessions.between(first, last)


def get_session(session: DeskSession, session_id: str) -> CentreSession:
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        cs = uow.sessions.get(session_id)
    if cs is None:
        raise NotFound("no such session")
    return cs


def _attendee(h: Household, person_id: str, came: bool) -> Attendee:
    m = h.member(person_id)
    return Attendee(h.id, person_id, m.full_name, m.is_child(), came)


def session_register(session: DeskSession, session_id: str,
                     add_households: Sequence[str] = ()) -> tuple[CentreSession, list[Attendee]]:
    """The register: who came (ticked), then everyone in ``add_households`` not yet on it (the
    families staff looked up at the desk), unticked. Showing names is audited like a search:
    with the households' ids."""
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.uow() as uow:
        cs = uow.sessions.get(session_id)
        if cs is None:
            raise NotFound("no such session")
        came = uow.sessions.attendance(session_id)
        ids = list(dict.fromkeys([a.household_id for a in came] + list(add_households)))
        households = {h.id: h for h in uow.households.get_many(ids)}
        rows: list[Attendee] = []
        # Who came, household by household in the order they were first ticked, each household's
        # people in the form's order (ticks saved together share a time, so that cannot order them).
        attended = {a.person_id for a in came}
        seen: set[str] = set()
        for hid in dict.fromkeys(a.household_id for a in came):
            h = households.get(hid)
            if h is None:
                continue
            for m in h.members:
                if m.id in attended and m.id not in seen:
                    rows.append(_attendee(h, m.id, True))
                    seen.add(m.id)
        for hid in add_households:
            h = households.get(hid)
            if h is None:
                continue
            rows.extend(_attendee(h, m.id, False) for m in h.members if m.id not in seen)
            seen.update(m.id for m in h.members)
        shown = list(dict.fromkeys(r.household_id for r in rows))
        if shown:
            entry = session.audit(uow, REGISTER_VIEWED, session_id, f"{len(shown)} shown: {' '.join(shown)}")
            uow.households.note_read(entry.seq, shown)
        uow.commit()
    return cs, rows


def record_attendance(session: DeskSession, session_id: str, person_ids: Sequence[str],
                      households: Mapping[str, str] | None = None) -> AttendanceResult:
    """Tick these people as having come. ``households`` (person id -> household id) is what the
    window already knows; people not in it are looked up. Someone ticked before is counted, not
    recorded twice. All or nothing: an unknown person saves nobody."""
    session.require(Permission.RECORD_CONTACT)
    people = list(dict.fromkeys(p.strip() for p in person_ids if p.strip()))
    if not people:
        raise ValidationFailed.one("person", "give at least one person who came")
    now = session.clock.now()
    with session.uow() as uow:
        cs = uow.sessions.get(session_id)
        if cs is None:
            raise NotFound("no such session")
        if cs.on > session.clock.today():
            raise ValidationFailed.one("session", "is on a later day; record who came on the day or after")
        # A person folded into another is ticked as the person they were folded into.
        people = list(dict.fromkeys(uow.rights.resolve_person(p) for p in people))
        known = dict(households or {})
        missing = [p for p in people if p not in known]
        known.update(uow.sessions.households_of(missing) if missing else {})
        stored = {h.id: h for h in uow.households.get_many(list(set(known.values())))}
        problems = [FieldProblem(f"person {n}", "is not anyone on the system")
                    for n, p in enumerate(people, start=1)
                    if known.get(p) not in stored or not any(m.id == p for m in stored[known[p]].members)]
        if problems:
            raise ValidationFailed(problems)
        earlier = uow.sessions.attendance(session_id)
        already = {a.person_id for a in earlier}
        contacts = {a.household_id: a.contact_id for a in earlier}
        new: list[Attendance] = []
        new_contacts: dict[str, str] = {}
        for p in people:
            if p in already:
                continue
            hid = known[p]
            if hid not in contacts:
                contacts[hid] = new_contacts[hid] = uuid7()
            new.append(Attendance(uuid7(), session_id, hid, p, cs.on, contacts[hid], session.actor.id, now))
        for hid, contact_id in new_contacts.items():
            uow.households.add_contact(hid, contact_id, cs.on, SESSION_CONTACT, "", session.actor.id, now)
        uow.sessions.add_attendance(new)
        per_household: dict[str, int] = {}
        for a in new:
            per_household[a.household_id] = per_household.get(a.household_id, 0) + 1
        for hid, count in per_household.items():
            session.audit(uow, "attendance.recorded", hid, f"session {session_id}; {count} people")
        uow.commit()
    return AttendanceResult(len(new), len(people) - len(new), len(new_contacts))


@dataclass(frozen=True)
class TodaysSession:
    session: CentreSession
    attendees: tuple[str, ...]  # names of those ticked, in the order they were ticked


def todays_sessions(session: DeskSession) -> list[TodaysSession]:
    """The start page's list: today's sessions and who has come so far (audited when it names anyone)."""
    out = []
    for cs in list_sessions(session, session.clock.today()):
        _, rows = session_register(session, cs.id)
        out.append(TodaysSession(cs, tuple(r.name for r in rows if r.came)))
    return out


def correct_contact(session: DeskSession, household_id: str, contact_id: str, contact_type: str, on: date,
                    note: str = "") -> list[FieldChange]:
    """Put a contact right (wrong day, wrong kind, a note that needs mending). The contact keeps
    its id; what it said before goes into the household's change history, and the household's
    last contact is worked out again (a corrected date may move it back)."""
    session.require(Permission.RECORD_CONTACT)
    problems = []
    if contact_type not in CONTACT_TYPES:
        problems.append(FieldProblem("type", f"must be one of {', '.join(CONTACT_TYPES)}"))
    if on > session.clock.today():
        problems.append(FieldProblem("date", "is in the future"))
    elif on < EARLIEST_DATE:
        problems.append(FieldProblem("date", f"is before {EARLIEST_DATE:%d/%m/%Y}"))
    note = note.strip()
    note_problem = check_text(note, multiline=True, max_length=NOTE_MAX_LENGTH)
    if note_problem:
        problems.append(FieldProblem("note", note_problem))
    if problems:
        raise ValidationFailed(problems)
    now: datetime = session.clock.now()
    with session.uow() as uow:
        before = uow.households.update_contact(household_id, contact_id, on, contact_type, note,
                                               session.actor.id, now)
        after = {"date": on.isoformat(), "type": contact_type, "note": note}
        changes = [FieldChange(f"contact:{contact_id}.{key}", before.get(key), value)
                   for key, value in after.items() if before.get(key) != value]
        if not changes:
            return []
        uow.households.add_changes(household_id, changes, session.actor.id, now)
        session.audit(uow, "contact.corrected", household_id, ", ".join(c.field.rpartition(".")[2] for c in changes))
        uow.commit()
    return changes
