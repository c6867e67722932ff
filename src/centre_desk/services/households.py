"""Registering, viewing, editing and finding households; recording contacts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from centre_desk.domain.audit import DETAIL_MAX, AuditEntry
from centre_desk.domain.duplicates import LikelyDuplicate, likely_duplicates
from centre_desk.domain.errors import FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.household import FieldChange, Household, Member, SearchHit, diff, split_submission
from centre_desk.domain.ids import uuid7
from centre_desk.domain.rights import Restricted, restricted_now
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import EARLIEST_DATE, NOTE_MAX_LENGTH, check_text
from centre_desk.formspec.model import FieldType
from centre_desk.formspec.submission import carry_forward, give_entry_ids, validate_submission

from .ports import UnitOfWork
from .profile import form, profile_of, service_choices
from .session import DeskSession

MEMBERSHIP = "membership"
SEARCHED = "household.searched"
CONTACT_TYPES = ("session", "phone-call", "home-visit", "drop-in")
CONTACT_TYPE_LABELS = {
    "session": "Session attended",
    "phone-call": "Phone call",
    "home-visit": "Home visit",
    "drop-in": "Drop-in",
}


def validate_household(session: DeskSession, data: Mapping[str, Any]) -> dict[str, Any]:
    """The checked answers. A person being added gets their person id first, so that another
    person's answers about each child (``children``, keyed by person id) can name them, and an
    answer in version 2's shape (one relationship for all the children) reaches every child."""
    definition = form(MEMBERSHIP)
    org = profile_of(session)
    data = give_entry_ids(definition, data, uuid7)
    return validate_submission(definition, data, today=session.clock.today(), services=service_choices(org))


def current_shape(h: Household) -> Household:
    """The household with its members' answers in the current form version's shape: version 2's one
    relationship and parental responsibility answer per adult on every child
    (``formspec.submission.carry_forward``)."""
    carried = carry_forward(form(MEMBERSHIP), h.submission())
    by_id = {str(e.get("id")): e for e in carried.get("members") or [] if isinstance(e, Mapping)}
    members = tuple(Member(m.id, {k: v for k, v in by_id.get(m.id, {"id": m.id, **m.fields}).items() if k != "id"})
                    for m in h.members)
    return replace(h, members=members)


def rekey_answers(members: tuple[Member, ...], old_id: str, new_id: str | None) -> tuple[Member, ...]:
    """Members whose answers about each child (per_entry fields) named ``old_id`` now name
    ``new_id`` (an entry folded into another: the answers follow the person; an answer already
    given about ``new_id`` wins), or, with ``new_id`` None, no longer mention ``old_id`` at all
    (an erased person)."""
    per_entry = [f.id for s in form(MEMBERSHIP).sections if s.repeated for f in s.fields
                 if f.type is FieldType.PER_ENTRY]
    out = []
    for m in members:
        fields = dict(m.fields)
        for field_id in per_entry:
            answers = fields.get(field_id)
            if isinstance(answers, Mapping) and old_id in answers:
                moved = {k: v for k, v in answers.items() if k != old_id}
                if new_id is not None:
                    moved.setdefault(new_id, answers[old_id])
                if moved:
                    fields[field_id] = moved
                else:
                    del fields[field_id]
        out.append(Member(m.id, fields) if fields != dict(m.fields) else m)
    return tuple(out)


def build_household(data: Mapping[str, Any], now: datetime, household_id: str | None = None,
                    version: int = 1, created_at: datetime | None = None) -> Household:
    definition = form(MEMBERSHIP)
    fields, members = split_submission(data, uuid7)
    if not members:
        raise ValidationFailed.one("members", "a household needs at least one member")
    return Household(household_id or uuid7(), version, fields, members, definition.id, definition.version,
                     created_at or now, now)


def register_household(session: DeskSession, data: Mapping[str, Any]) -> Household:
    """Validate the membership form and save a new household in one unit of work."""
    session.require(Permission.REGISTER_HOUSEHOLD)
    clean = validate_household(session, data)
    household = build_household(clean, session.clock.now())
    with session.uow() as uow:
        uow.households.add(household, session.actor.id)
        session.audit(uow, "household.created", household.id, f"{len(household.members)} members")
        uow.commit()
    return household


def open_household(session: DeskSession, household_id: str) -> Household:
    """Fetch a household for a member of staff to look at; every view is audited. The id of a
    household that was merged into another opens the surviving household."""
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.uow() as uow:
        household = uow.households.get(household_id)
        if household is None:
            survivor = uow.households.merged_into(household_id)
            household = uow.households.get(survivor) if survivor else None
        if household is None:
            raise NotFound("no such household")
        household_id = household.id
        entry = uow.audit.append(session.clock.now(), session.actor.id, "household.viewed", household_id)
        uow.households.note_read(entry.seq, [household_id])
        uow.commit()
    return household


def update_household(session: DeskSession, household_id: str, data: Mapping[str, Any],
                     expected_version: int) -> tuple[Household, list[FieldChange]]:
    """Save an edit. Refused if someone else saved a newer version meanwhile (nothing lost)."""
    session.require(Permission.EDIT_HOUSEHOLD)
    clean = validate_household(session, data)
    now = session.clock.now()
    with session.uow() as uow:
        before = uow.households.get(household_id)
        if before is None:
            raise NotFound("no such household")
        after = build_household(clean, now, household_id, before.version, before.created_at)
        changes = diff(before, after.fields, after.members)
        if not changes:
            return before, []
        _refuse_if_restricted(uow, household_id, changes)
        saved = uow.households.update(after, expected_version, session.actor.id)
        uow.households.add_changes(household_id, changes, session.actor.id, now)
        session.audit(uow, "household.changed", household_id, f"{len(changes)} fields")
        uow.commit()
    return saved, changes


def _refuse_if_restricted(uow: UnitOfWork, household_id: str, changes: list[FieldChange]) -> None:
    """A restricted household is read-only; so are a restricted person's own details."""
    from .rights import restrictions_of

    whole, people = restricted_now(restrictions_of(uow, household_id))
    if whole:
        raise Restricted("this household")
    touched = {c.field[len("member:"):].split(".")[0] for c in changes if c.field.startswith("member:")}
    if touched & people:
        raise Restricted("this person")


def household_history(session: DeskSession, household_id: str) -> list[tuple[datetime, str, list[FieldChange]]]:
    """Who changed what and when; actor ids are turned into usernames."""
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        names = {m.id: m.username for m in uow.staff.all()}
        return [(at, names.get(actor, actor), changes) for at, actor, changes in uow.households.history(household_id)]


# At most this many households in one search: its audit entry lists every id shown (37 characters
# each), and stays well within what an audit entry may hold (``domain.audit.DETAIL_MAX``).
MAX_SEARCH_RESULTS = 1000
assert MAX_SEARCH_RESULTS * 40 < DETAIL_MAX


def search_households(session: DeskSession, query: str, limit: int = 50) -> list[SearchHit]:
    """Search as you type. Every search that shows households is audited with their ids (never
    the query), so "who looked at this family" includes everyone who saw it in a result list.

    The entry is written before the results are returned, so nothing is shown unaudited; its
    commit does not wait for the disk (a ``relaxed`` unit of work): in WAL mode it is made durable by the
    next ordinary commit, and a power cut can lose at most the last few search entries, never
    corrupt the chain. An fsync per keystroke would cost the search most of its time budget.
    """
    session.require(Permission.VIEW_HOUSEHOLD)
    if not 1 <= limit <= MAX_SEARCH_RESULTS:
        raise ValidationFailed([FieldProblem("limit", f"must be between 1 and {MAX_SEARCH_RESULTS}")])
    if not query.strip():
        return []
    return session.store.search_households(query, limit, session.clock.today(),
                                           (session.clock.now(), session.actor.id, SEARCHED, _shown))


def _shown(ids: Sequence[str]) -> str:
    return f"{len(ids)} shown: {' '.join(ids)}"


def household_readers(session: DeskSession, household_id: str) -> list[AuditEntry]:
    """Who looked at this family: every audit entry that opened it or listed it in search results."""
    session.require(Permission.VIEW_AUDIT)
    with session.uow() as uow:
        entries = uow.households.reads(household_id)
        session.audit(uow, "audit.household-readers", household_id, f"{len(entries)} entries")
        uow.commit()
    return entries


def purge_removed_words(session: DeskSession, max_steps: int = 1_000_000) -> bool:
    """Drop the words that saves removed (a corrected surname) from the search index, one short
    write transaction per step so saves and searches are never held up for long. True when done.
    Needs no permission of its own: it changes no record and shows nothing."""
    for _ in range(max_steps):
        with session.uow() as uow:
            if not uow.households.purge_pending():
                return True
            done = uow.households.purge_step()
            uow.commit()
        if done:
            return True
    return False


def find_likely_duplicates(session: DeskSession, data: Mapping[str, Any],
                           household_id: str | None = None) -> list[LikelyDuplicate]:
    """Before saving: people already on the system who look like the ones on this form."""
    session.require(Permission.REGISTER_HOUSEHOLD)
    members = [m for m in (data.get("members") or []) if isinstance(m, Mapping)]
    postcode = data.get("postcode")
    with session.store.reader() as uow:
        candidates = uow.households.candidates(members, str(postcode) if postcode else None)
    return likely_duplicates(members, str(postcode) if postcode else None, candidates, household_id)


@dataclass(frozen=True)
class Contact:
    id: str
    household_id: str
    on: date
    type: str
    note: str


def record_contact(session: DeskSession, household_id: str, contact_type: str, on: date,
                   note: str = "") -> Contact:
    session.require(Permission.RECORD_CONTACT)
    problems = []
    if contact_type not in CONTACT_TYPES:
        problems.append(("type", f"must be one of {', '.join(CONTACT_TYPES)}"))
    if on > session.clock.today():
        problems.append(("date", "is in the future"))
    elif on < EARLIEST_DATE:
        problems.append(("date", f"is before {EARLIEST_DATE:%d/%m/%Y}"))
    note_problem = check_text(note.strip(), multiline=True, max_length=NOTE_MAX_LENGTH)
    if note_problem:
        problems.append(("note", note_problem))
    if problems:
        raise ValidationFailed([FieldProblem(f, p) for f, p in problems])
    contact = Contact(uuid7(), household_id, on, contact_type, note.strip())
    with session.uow() as uow:
        if not uow.households.exists(household_id):
            raise NotFound("no such household")
        uow.households.add_contact(household_id, contact.id, on, contact_type, contact.note,
                                   session.actor.id, session.clock.now())
        session.audit(uow, "contact.recorded", household_id, contact_type)
        uow.commit()
    return contact


def household_contacts(session: DeskSession, household_id: str) -> list[dict[str, Any]]:
    session.require(Permission.VIEW_HOUSEHOLD)
    with session.store.reader() as uow:
        names = {m.id: m.username for m in uow.staff.all()}
        contacts = uow.households.contacts(household_id)
    for c in contacts:
        c["recorded_by"] = names.get(c["recorded_by"], c["recorded_by"])
    return contacts


def edit_fields(session: DeskSession, household_id: str, values: Mapping[str, str | None],
                person_id: str | None = None) -> tuple[Household, list[FieldChange]]:
    """Set some household fields (or one member's, by person id) and save through the form's
    validation, as the window's edit does. An empty value clears the field."""
    session.require(Permission.EDIT_HOUSEHOLD)
    with session.store.reader() as uow:
        household = uow.households.get(household_id)
    if household is None:
        raise NotFound("no such household")
    data = household.submission()
    if person_id is None:
        target: dict[str, Any] = data
    else:
        found = next((m for m in data["members"] if m.get("id") == person_id), None)
        if found is None:
            raise NotFound("no member with that person id in this household")
        target = found
    for name, value in values.items():
        if name in ("id", "members"):
            raise ValidationFailed.one(name, "cannot be set this way")
        if value in (None, ""):
            target.pop(name, None)
        else:
            target[name] = value
    return update_household(session, household_id, data, household.version)
