"""The duplicates review queue across the whole store, "Not the same", and merging two households.

Everything here is written as ordinary record changes through the repositories (a dismissal
record; the surviving household updated; contacts, consents, referrals, their steps and field
history re-pointed; the merged-away household turned into a pointer), so sync carries a merge and
a dismissal to every device like any other change.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from centre_desk.domain.duplicates import DEFAULT_THRESHOLD, DuplicatePair, pair_key
from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.household import FieldChange, Household, Member, diff
from centre_desk.domain.staff import Permission

from .erasure import hold_reasons, org_hold_reason
from .households import rekey_answers
from .ports import PersonMatcher, UnitOfWork
from .profile import profile_of
from .rights import is_restricted_in, restricted_people
from .session import DeskSession

REVIEWED = "duplicates.reviewed"
COUNTED = "duplicates.counted"
DISMISSED = "duplicates.dismissed"
MERGED = "household.merged"
FOLDED = "person.folded"
# A choice for one differing household field: keep the surviving household's value or take the
# merged-away household's.
KEEP, TAKE = "into", "merged"
# The same for one differing field of a person folded into another: keep the surviving entry's
# value or take the folded entry's.
TAKE_FOLDED = "folded"

# Checks that may refuse a merge, each given the unit of work and the two households (merged-away,
# surviving) and returning a reason in words (no personal values) or None. The rights work adds one
# for restricted people ("a person in this household has asked for processing to be restricted"):
# append it here; ``merge_households`` runs every check inside the merge's unit of work.
MERGE_REFUSALS: list[Callable[[UnitOfWork, Household, Household], str | None]] = []


def _restricted(uow: UnitOfWork, merged: Household, into: Household) -> str | None:
    if is_restricted_in(uow, merged.id) or is_restricted_in(uow, into.id):
        return ("someone in one of these households has asked for the processing of their information "
                "to be restricted; it cannot be merged until the restriction is lifted")
    return None


MERGE_REFUSALS.append(_restricted)


def _on_hold(uow: UnitOfWork, merged: Household, into: Household) -> str | None:
    reasons = hold_reasons(uow, merged.id) + hold_reasons(uow, into.id)
    if reasons:
        return (f"{reasons[0]}; records on a legal hold stay as they are, so these households cannot be merged "
                "(nor people in them folded together) until the hold is lifted")
    return None


MERGE_REFUSALS.append(_on_hold)


def review_duplicates(session: DeskSession, matcher: PersonMatcher,
                      threshold: float = DEFAULT_THRESHOLD) -> list[DuplicatePair]:
    """Likely duplicate people in different households, best first, leaving out every pair a
    manager said is not the same. Audited with the number of pairs (the ids are in the answer)."""
    pairs = _scan(session, matcher, threshold)
    with session.uow() as uow:
        entry = session.audit(uow, REVIEWED, detail=f"{len(pairs)} pairs at threshold {threshold:.2f}")
        # "Who looked at this family" includes whoever saw it in the queue.
        uow.households.note_read(entry.seq, sorted({h for p in pairs for h in p.household_ids}))
        uow.commit()
    return pairs


def count_duplicates(session: DeskSession, matcher: PersonMatcher, threshold: float = DEFAULT_THRESHOLD) -> int:
    """How many pairs the review queue holds now, for the manager's start page: the same scan,
    audited with the count only (nobody is shown, so no household is noted as read)."""
    pairs = _scan(session, matcher, threshold)
    with session.uow() as uow:
        session.audit(uow, COUNTED, detail=f"{len(pairs)} pairs at threshold {threshold:.2f}")
        uow.commit()
    return len(pairs)


def store_mark(session: DeskSession) -> int:
    """A number that grows whenever records are added to the store (an import, a sync, another
    program on the same files): the window recounts the queue when it moved. Nothing personal."""
    session.require(Permission.MERGE_HOUSEHOLDS)
    with session.store.reader() as uow:
        return uow.households.records_mark()


def _scan(session: DeskSession, matcher: PersonMatcher, threshold: float) -> list[DuplicatePair]:
    session.require(Permission.MERGE_HOUSEHOLDS)
    if not 0.0 <= threshold <= 1.0:
        raise ValidationFailed.one("threshold", "must be between 0 and 1")
    with _no_automatic_gc():
        with session.store.reader() as uow:
            people = uow.households.people()
            dismissed = uow.duplicates.all()
            held, held_people = restricted_people(uow)
            held |= {h for h in map(uow.rights.household_of, held_people) if h}
        # A household with a restricted person in it cannot be merged, so none of its people is offered.
        pairs = [p for p in matcher.pairs(people, threshold) if p.person_ids not in dismissed
                 and not held.intersection(p.household_ids)]
        del people
    return pairs


@dataclass(frozen=True)
class ReviewItem:
    """A pair as the manager's review page shows it."""

    pair: DuplicatePair
    names: tuple[str, str]
    dates_of_birth: tuple[str | None, str | None]
    postcodes: tuple[str, str]


def review_queue(session: DeskSession, matcher: PersonMatcher,
                 threshold: float = DEFAULT_THRESHOLD) -> list[ReviewItem]:
    """``review_duplicates`` with the names, dates of birth and postcodes of both people."""
    pairs = review_duplicates(session, matcher, threshold)
    with session.store.reader() as uow:
        stored = {h.id: h for h in uow.households.get_many(sorted({h for p in pairs for h in p.household_ids}))}
    items: list[ReviewItem] = []
    for p in pairs:
        try:
            people = [stored[hid].member(pid) for pid, hid in zip(p.person_ids, p.household_ids, strict=True)]
        except KeyError:
            continue  # changed since the scan
        items.append(ReviewItem(p, (people[0].full_name, people[1].full_name),
                                (people[0].get("date_of_birth"), people[1].get("date_of_birth")),
                                (stored[p.household_ids[0]].postcode, stored[p.household_ids[1]].postcode)))
    return items


@contextmanager
def _no_automatic_gc() -> Iterator[None]:
    """The scan makes hundreds of thousands of objects and frees none until it ends: automatic
    collections would only walk them again and again (a quarter of the read at 100,000 households)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _households_of(uow: UnitOfWork, person_ids: Sequence[str],
                   household_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Which household each person is in. Given the households (the review page knows them), only
    those are read; otherwise every household is scanned (the command line has only person ids)."""
    wanted = set(person_ids)
    if household_ids is not None:
        return {m.id: h.id for h in uow.households.get_many(list(household_ids)) for m in h.members
                if m.id in wanted}
    return {p.person_id: p.household_id for p in uow.households.people() if p.person_id in wanted}


def dismiss_pair(session: DeskSession, a: str, b: str, household_ids: Sequence[str] | None = None) -> bool:
    """"Not the same": the pair is never offered again (also on other devices, once synced).
    False when it had already been dismissed."""
    session.require(Permission.MERGE_HOUSEHOLDS)
    if a == b:
        raise ValidationFailed.one("person_ids", "are the same person twice; give two different people")
    with session.uow() as uow:
        where = _households_of(uow, (a, b), household_ids)
        missing = [p for p in (a, b) if p not in where]
        if missing:
            raise NotFound(f"no such person: {missing[0]}")
        first, second = pair_key(a, b)
        done = uow.duplicates.dismiss(first, second, (where[first], where[second]), session.actor.id,
                                      session.clock.now())
        if done:
            session.audit(uow, DISMISSED, first, f"not the same as {second}")
            uow.commit()
    return done


@dataclass(frozen=True)
class MergeResult:
    household: Household  # the surviving household, as saved
    merged_away: str
    people_moved: int
    records_moved: Mapping[str, int] = field(default_factory=dict)
    folded: tuple[str, ...] = ()  # people folded into another in the same unit of work


def differing_fields(merged: Household, into: Household) -> list[str]:
    """The household fields (not people) whose values differ and so need a choice."""
    keys = sorted(set(merged.fields) | set(into.fields))
    return [k for k in keys if _filled(merged.fields.get(k)) and merged.fields.get(k) != into.fields.get(k)]


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def merged_fields(merged: Household, into: Household, choices: Mapping[str, str]) -> dict[str, Any]:
    """The surviving household's fields after the merge. A differing field takes the choice; with
    no choice the surviving household's value is kept, unless it is blank (then nothing is lost)."""
    differing = differing_fields(merged, into)
    unknown = [k for k in choices if k not in differing]
    if unknown:
        raise ValidationFailed.one(f"choices.{unknown[0]}" if unknown[0].isidentifier() else "choices",
                                   "is not a field that differs between the two households")
    bad = [k for k, v in choices.items() if v not in (KEEP, TAKE)]
    if bad:
        raise ValidationFailed.one(f"choices.{bad[0]}", f"must be '{KEEP}' or '{TAKE}'")
    out = dict(into.fields)
    for key in differing:
        choice = choices.get(key)
        if choice == TAKE or (choice is None and not _filled(into.fields.get(key))):
            out[key] = merged.fields[key]
    return out


def _merged_ref(merged: Household, into: Household) -> str | None:
    refs = [r for r in (into.external_ref, merged.external_ref) if r]
    unique = list(dict.fromkeys(refs))
    return "; ".join(unique) if unique else None


def merge_households(session: DeskSession, merged_id: str, into_id: str,
                     choices: Mapping[str, str] | None = None,
                     expected_versions: tuple[int, int] | None = None,
                     folds: Sequence[Fold] = ()) -> MergeResult:
    """Merge household ``merged_id`` into ``into_id`` in one audited unit of work.

    The people of both end up in the surviving household (same person ids, so consents stay theirs);
    every record of the merged-away household (contacts, consents, referrals and their steps, field
    history, and kinds added later such as disclosures) moves across with its dates and notice
    versions untouched; the merged-away household becomes a pointer (``merged_into``, no personal
    data), so its old id opens the survivor. ``expected_versions`` (merged, into): refuse if either
    changed since the manager looked. ``folds``: people of the two households the manager judged to
    be one person, folded in the same unit of work (``fold_person``); any refusal refuses it all.
    """
    session.require(Permission.MERGE_HOUSEHOLDS)
    if merged_id == into_id:
        raise ValidationFailed.one("household", "cannot be merged into itself")
    now = session.clock.now()
    with session.uow() as uow:
        merged = uow.households.get(merged_id)
        into = uow.households.get(into_id)
        for hid, h in ((merged_id, merged), (into_id, into)):
            if h is None:
                target = uow.households.merged_into(hid)
                raise NotFound(f"household {hid} was already merged into {target}" if target
                               else f"no such household: {hid}")
        assert merged is not None and into is not None
        if expected_versions is not None and (merged.version, into.version) != expected_versions:
            raise ValidationFailed.one("household", "was changed by someone else since you opened it; "
                                                    "open the merge again to see the changes")
        _refuse_on_org_hold(session, "merge")
        for check in MERGE_REFUSALS:
            reason = check(uow, merged, into)
            if reason:
                raise ValidationFailed.one("merge", reason)
        fields = merged_fields(merged, into, choices or {})
        members = into.members + tuple(m for m in merged.members if m.id not in {x.id for x in into.members})
        after = Household(into.id, into.version, fields, members, into.form_id, into.form_version,
                          into.created_at, now, external_ref=_merged_ref(merged, into))
        changes = diff(into, after.fields, after.members)
        if after.external_ref != into.external_ref:
            changes.append(FieldChange("external_ref", into.external_ref, after.external_ref))
        changes.append(FieldChange("merged_from", None, merged.id))
        uow.households.update(after, into.version, session.actor.id)
        moved = uow.households.move_records(merged.id, into.id, session.actor.id, now)
        uow.households.add_changes(into.id, changes, session.actor.id, now)
        uow.households.make_pointer(merged.id, into.id, merged.version, session.actor.id, now)
        uow.households.refresh_search([into.id])
        session.audit(uow, MERGED, into.id,
                      f"{merged.id} merged in: {len(merged.members)} people, {sum(moved.values())} records moved")
        both = {m.id for m in merged.members} | {m.id for m in into.members}
        folded: list[str] = []
        for f in folds:
            if f.folded_id not in both or f.into_id not in both:
                raise ValidationFailed.one("folds", "names a person who is in neither household")
            _fold(session, uow, f, now)
            folded.append(f.folded_id)
        uow.commit()
        saved = uow.households.get(into.id)
    assert saved is not None
    return MergeResult(saved, merged.id, len(merged.members), moved, tuple(folded))


def _refuse_on_org_hold(session: DeskSession, what: str) -> None:
    reason = org_hold_reason(profile_of(session))
    if reason:
        raise ValidationFailed.one(what, f"{reason}; records on a legal hold stay as they are until it is lifted")


# -- one person entered twice: folding one entry into the other ------------------------------------
@dataclass(frozen=True)
class Fold:
    """Person ``folded_id`` is the same person as ``into_id``; ``choices`` per differing field of the
    person: ``into`` (keep the surviving entry's value) or ``folded`` (take the folded entry's)."""

    folded_id: str
    into_id: str
    choices: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FoldResult:
    household: Household  # as saved
    folded_id: str
    into_id: str


# Checks that may refuse a fold, given the unit of work, the household and the two person ids; each
# returns a reason in words (no personal values) or None.
FOLD_REFUSALS: list[Callable[[UnitOfWork, Household, str, str], str | None]] = []


def _fold_restricted(uow: UnitOfWork, household: Household, folded_id: str, into_id: str) -> str | None:
    if any(is_restricted_in(uow, household.id, p) for p in (folded_id, into_id)):
        return ("this person has asked for the processing of their information to be restricted; the two entries "
                "cannot be folded together until the restriction is lifted")
    return None


def _fold_on_hold(uow: UnitOfWork, household: Household, folded_id: str, into_id: str) -> str | None:
    reasons = hold_reasons(uow, household.id)
    if reasons:
        return (f"{reasons[0]}; records on a legal hold stay as they are, so the two entries cannot be folded "
                "together until the hold is lifted")
    return None


FOLD_REFUSALS += [_fold_restricted, _fold_on_hold]

DATE_OF_BIRTH = "date_of_birth"


def differing_person_fields(folded: Member, into: Member) -> list[str]:
    """The fields of a person where the folded entry holds a value the surviving one does not."""
    keys = sorted(set(folded.fields) | set(into.fields))
    return [k for k in keys if _filled(folded.fields.get(k)) and folded.fields.get(k) != into.fields.get(k)]


def folded_person_fields(folded: Member, into: Member, choices: Mapping[str, str]) -> dict[str, Any]:
    """The surviving entry's fields after the fold. A differing field takes the choice; with no
    choice the surviving value stays, unless it is blank. Two different dates of birth need a choice:
    they may be two people after all."""
    differing = differing_person_fields(folded, into)
    unknown = [k for k in choices if k not in differing]
    if unknown:
        raise ValidationFailed.one(f"choices.{unknown[0]}" if unknown[0].isidentifier() else "choices",
                                   "is not a field that differs between the two entries of this person")
    bad = [k for k, v in choices.items() if v not in (KEEP, TAKE_FOLDED)]
    if bad:
        raise ValidationFailed.one(f"choices.{bad[0]}", f"must be '{KEEP}' or '{TAKE_FOLDED}'")
    if (DATE_OF_BIRTH in differing and _filled(into.fields.get(DATE_OF_BIRTH))
            and DATE_OF_BIRTH not in choices):
        raise ValidationFailed.one("date_of_birth", "is different in the two entries; choose which date of birth "
                                                    "is right (or say they are not the same person)")
    out = dict(into.fields)
    for key in differing:
        choice = choices.get(key)
        if choice == TAKE_FOLDED or (choice is None and not _filled(into.fields.get(key))):
            out[key] = folded.fields[key]
    return out


def fold_person(session: DeskSession, folded_id: str, into_id: str, choices: Mapping[str, str] | None = None,
                expected_version: int | None = None) -> FoldResult:
    """Fold person ``folded_id`` into ``into_id`` (one person entered twice in one household), in one
    audited unit of work. The folded entry leaves the household (its values stay in the field
    history); a ``person-folded`` record makes every record naming the folded id read as the
    surviving person (``storage.aliases``); the folded id still leads to her. ``expected_version``:
    refuse if the household changed since the manager looked."""
    session.require(Permission.MERGE_HOUSEHOLDS)
    now = session.clock.now()
    with session.uow() as uow:
        result = _fold(session, uow, Fold(folded_id, into_id, dict(choices or {})), now, expected_version)
        uow.commit()
    return result


def _fold(session: DeskSession, uow: UnitOfWork, f: Fold, now: Any,
          expected_version: int | None = None) -> FoldResult:
    if f.folded_id == f.into_id:
        raise ValidationFailed.one("person", "cannot be folded into themselves")
    for pid in (f.folded_id, f.into_id):
        target = uow.households.folded_into(pid)
        if target is not None:
            raise ValidationFailed.one("person", f"{pid} was already folded into {target}")
    where = {p: uow.rights.household_of(p) for p in (f.folded_id, f.into_id)}
    for pid, hid in where.items():
        if hid is None:
            raise NotFound(f"no such person: {pid}")
    if where[f.folded_id] != where[f.into_id]:
        raise ValidationFailed.one("person", "the two people are in different households; merge the households "
                                             "first, then fold the two entries together")
    hid = where[f.into_id]
    assert hid is not None
    household = uow.households.get(hid)
    if household is None:
        raise NotFound(f"no such household: {hid}")
    if expected_version is not None and household.version != expected_version:
        raise ValidationFailed.one("household", "was changed by someone else since you opened it; "
                                                "open it again to see the changes")
    _refuse_on_org_hold(session, "fold")
    for check in FOLD_REFUSALS:
        reason = check(uow, household, f.folded_id, f.into_id)
        if reason:
            raise ValidationFailed.one("fold", reason)
    folded, into = household.member(f.folded_id), household.member(f.into_id)
    survivor = Member(into.id, folded_person_fields(folded, into, f.choices))
    members = rekey_answers(tuple(survivor if m.id == into.id else m for m in household.members
                                  if m.id != folded.id), folded.id, into.id)
    after = Household(household.id, household.version, dict(household.fields), members, household.form_id,
                      household.form_version, household.created_at, now, external_ref=household.external_ref)
    changes = diff(household, after.fields, after.members)
    # The folded entry's own values stay in the history (another spelling is not lost), then the fold.
    changes += [FieldChange(f"member:{folded.id}.{k}", v, None) for k, v in sorted(folded.fields.items())
                if _filled(v)]
    changes.append(FieldChange(f"member:{folded.id}.folded_into", None, into.id))
    uow.households.update(after, household.version, session.actor.id)
    uow.households.add_changes(household.id, changes, session.actor.id, now)
    uow.households.add_fold(folded.id, into.id, household.id, session.actor.id, now)
    session.audit(uow, FOLDED, household.id, f"person {folded.id} folded into {into.id}")
    saved = uow.households.get(household.id)
    assert saved is not None
    return FoldResult(saved, folded.id, into.id)
