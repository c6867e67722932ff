"""Importing a centre's existing member list: all of it or none of it.

Two formats (documented in docs/import-formats.md):

- JSON: ``{"households": [{<household field ids>, "members": [{...}], "contacts": [{"date", "type"}]}]}``
- CSV: one row per member; a ``household`` column groups rows into households; household columns
  are read from the first row of each group; optional ``contact_date`` and ``contact_type``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from centre_desk.domain.errors import FieldProblem, ValidationFailed
from centre_desk.domain.household import Household
from centre_desk.domain.ids import uuid7
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import EARLIEST_DATE, check_text
from centre_desk.formspec.model import FieldType, FormDefinition

from .households import CONTACT_TYPES, MEMBERSHIP, build_household
from .profile import form, profile_of, service_choices
from .session import DeskSession

REQUIRED_HOUSEHOLD_KEYS = ("address_line1", "address_line2", "town", "postcode", "phone", "email")
REQUIRED_MEMBER_KEYS = ("first_name", "last_name", "date_of_birth", "role")
CSV_GROUP = "household"
CSV_CONTACT_KEYS = ("contact_date", "contact_type")
# A member list is five levels deep (file, households, household, members, member); anything much
# deeper is not one, and walking it would only exhaust the stack.
MAX_JSON_DEPTH = 16
ID_KEY = "id"
SUPPLIED_ID = "person ids are given by Centre Desk; leave them out"
# A key or column is named in a problem only when it is shaped like a field id: a shifted or
# mis-built file may hold a name or a date of birth where a key should be.
_KEY_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


REF_KEY = "ref"  # JSON: the old system's id for the household (CSV: the ``household`` column)
PERSON_REF = "person_ref"  # JSON: the file's own name for a member, which answers about each child use
REF_MAX = 64


@dataclass(frozen=True)
class ImportedRecord:
    """One household of the file as saved: ``record`` is its number in the file (from 1)."""

    record: int
    ref: str | None
    household_id: str
    person_ids: tuple[str, ...]  # in the file's member order


@dataclass(frozen=True)
class ImportResult:
    households: int
    members: int
    contacts: int
    records: tuple[ImportedRecord, ...] = ()


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _key_words(key: str, position: int | None = None) -> str:
    if _KEY_SHAPE.match(key):
        return f"'{key}'" if position is None else f"column {position} ({key})"
    return "a key" if position is None else f"column {position}"


def _too_deep(data: Any) -> bool:
    """Whether ``data`` nests more than MAX_JSON_DEPTH levels, walked without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def parse_json(text: str) -> list[dict[str, Any]]:
    """The household records of a JSON member list, or ValidationFailed saying in one line why not."""
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ValidationFailed.one("file", f"is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except _DuplicateKey as exc:
        raise ValidationFailed.one("file", f"{_key_words(exc.key)} appears twice in one object") from None
    except RecursionError:
        raise ValidationFailed.one("file", "is nested too deeply to be a member list") from None
    except ValueError:
        # Python refuses to convert integers of more than 4,300 digits (a denial-of-service guard).
        raise ValidationFailed.one("file", "holds a number too long to read") from None
    if _too_deep(data):
        raise ValidationFailed.one("file", f"is nested more than {MAX_JSON_DEPTH} levels deep: not a member list")
    if not isinstance(data, dict) or not isinstance(data.get("households"), list):
        raise ValidationFailed.one("file", 'must be a JSON object with a "households" list')
    records: list[dict[str, Any]] = data["households"]
    for i, r in enumerate(records, 1):
        if not isinstance(r, dict):
            raise ValidationFailed([FieldProblem("household", "must be a JSON object", i)])
    return records


def _csv_member_keys(definition: FormDefinition) -> set[str]:
    """Member columns a CSV may have. A per-child answer (relationship to each child) needs a row
    per child and cannot be written in one cell; version 2's single columns
    (``relationship_to_children``, ``parental_responsibility``) are read instead and apply to every
    child of the household (``formspec.submission.carry_forward``)."""
    keys: set[str] = set()
    for section in definition.sections:
        if not section.repeated:
            continue
        for f in section.fields:
            if f.type is FieldType.PER_ENTRY:
                keys.update(str(i.carried_from) for i in f.item_fields if i.carried_from)
            else:
                keys.add(f.id)
    return keys


def _csv_columns(header: list[str]) -> tuple[list[str], list[FieldProblem]]:
    """The header's column names, and every problem with them: nothing is silently dropped."""
    definition = form(MEMBERSHIP)
    member_keys = _csv_member_keys(definition)
    # List fields (other services) hold several entries and cannot be written in one CSV cell.
    household_keys = {f.id for f in definition.top_level_fields if f.type is not FieldType.LIST}
    known = {CSV_GROUP, *CSV_CONTACT_KEYS, *member_keys, *household_keys}
    names = [name.strip() for name in header]
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for position, name in enumerate(names, 1):
        if not name:
            problems.append(FieldProblem(f"column {position}", "has no name in the header row"))
        elif name in seen:
            problems.append(FieldProblem(_key_words(name, position), "appears twice in the header row"))
        elif name == ID_KEY:
            problems.append(FieldProblem(_key_words(name, position), SUPPLIED_ID))
        elif name not in known:
            problems.append(FieldProblem(_key_words(name, position), "is not a field of the membership form"))
        seen.add(name)
    if CSV_GROUP not in names:
        problems.append(FieldProblem("file", f"the CSV needs a '{CSV_GROUP}' column that groups members "
                                             "into households"))
    return names, problems


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Household records from a CSV of one row per member, or ValidationFailed naming every problem.

    Rows are named as a spreadsheet numbers them (the header is row 1).
    """
    if "\x00" in text:
        raise ValidationFailed.one("file", "holds NUL characters: it is a binary file, not CSV text")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error:
        raise ValidationFailed.one("file", f"cannot be read as CSV (line {reader.line_num})") from None
    if not rows:
        raise ValidationFailed.one("file", "is empty")
    names, problems = _csv_columns(rows[0])
    if problems:
        raise ValidationFailed(problems)
    definition = form(MEMBERSHIP)
    member_keys = _csv_member_keys(definition)
    groups: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line between families
        if len(row) > len(names):
            problems.append(FieldProblem(f"row {number}", "has more cells than the header row has columns"))
            continue
        values = {k: v for k, v in zip(names, row, strict=False) if v != ""}
        key = values.pop(CSV_GROUP, "").strip()
        if not key:
            problems.append(FieldProblem(f"row {number}, column {CSV_GROUP}",
                                         "is blank: every row needs the reference of the household it belongs to"))
            continue
        household_values = {k: v for k, v in values.items() if k not in member_keys and k not in CSV_CONTACT_KEYS}
        household = groups.get(key)
        if household is None:
            household = dict(household_values)
            household[REF_KEY] = key
            for required in REQUIRED_HOUSEHOLD_KEYS:
                household.setdefault(required, "")
            household["members"] = []
            household["contacts"] = []
            groups[key] = household
        else:
            # A later row may leave the household's columns blank, but not disagree with the first:
            # that is two families under one reference, and one of their addresses would be lost.
            problems.extend(
                FieldProblem(f"row {number}, column {k}",
                             "differs from the first row of its household; leave it blank or the same")
                for k, v in household_values.items() if v.strip() != str(household.get(k, "")).strip()
            )
        member = {k: v for k, v in values.items() if k in member_keys}
        for required in REQUIRED_MEMBER_KEYS:
            member.setdefault(required, "")
        household["members"].append(member)
        if values.get("contact_type") and not values.get("contact_date"):
            problems.append(FieldProblem(f"row {number}, column contact_date", "is needed with a contact_type"))
        if values.get("contact_date"):
            household["contacts"].append({"date": values["contact_date"], "type": values.get("contact_type", "")})
    if problems:
        raise ValidationFailed(problems)
    return list(groups.values())


def _check_contacts(raw: Any, record: int, today: date) -> tuple[list[tuple[date, str]], list[FieldProblem]]:
    problems: list[FieldProblem] = []
    contacts: list[tuple[date, str]] = []
    if raw is None:
        return contacts, problems
    if not isinstance(raw, list):
        return contacts, [FieldProblem("contacts", "must be a list", record)]
    for j, c in enumerate(raw):
        where = f"contacts[{j}]"
        if not isinstance(c, Mapping):
            problems.append(FieldProblem(where, "must be an object with date and type", record))
            continue
        problems.extend(FieldProblem(f"{where}.{k if _KEY_SHAPE.match(k) else '(a key)'}",
                                     "is not a contact field (date, type)", record)
                        for k in c if k not in ("date", "type"))
        try:
            on = date.fromisoformat(str(c.get("date", "")))
        except ValueError:
            problems.append(FieldProblem(f"{where}.date", "must be a date as YYYY-MM-DD", record))
            continue
        if on > today:
            problems.append(FieldProblem(f"{where}.date", "is in the future", record))
        elif on < EARLIEST_DATE:
            problems.append(FieldProblem(f"{where}.date", f"is before {EARLIEST_DATE:%d/%m/%Y}", record))
        kind = str(c.get("type", ""))
        if kind not in CONTACT_TYPES:
            problems.append(FieldProblem(f"{where}.type", f"must be one of {', '.join(CONTACT_TYPES)}", record))
        contacts.append((on, kind))
    return contacts, problems


def import_households(session: DeskSession, records: list[dict[str, Any]], *,
                      check_only: bool = False) -> ImportResult:
    """Validate every record first; save them all in one transaction only if none has a problem.

    ``check_only``: validate exactly as an import would and say what it would save, saving nothing
    (the window's preview); raises the same ``ValidationFailed`` the import would."""
    session.require(Permission.IMPORT)
    from centre_desk.formspec.submission import validate_submission

    definition = form(MEMBERSHIP)
    services = service_choices(profile_of(session))
    today = session.clock.today()
    now = session.clock.now()
    problems: list[FieldProblem] = []
    ready: list[tuple[Household, list[tuple[date, str]]]] = []
    numbers: list[int] = []
    refs_seen: dict[str, int] = {}
    for n, record in enumerate(records, 1):
        data = {k: v for k, v in record.items() if k not in ("contacts", REF_KEY)}
        ref, ref_problem = _check_ref(record.get(REF_KEY))
        if ref_problem:
            problems.append(FieldProblem(REF_KEY, ref_problem, n))
        elif ref is not None:
            if ref in refs_seen:
                problems.append(FieldProblem(REF_KEY, f"is the same as household {refs_seen[ref]}'s", n))
            refs_seen.setdefault(ref, n)
        missing = [k for k in REQUIRED_HOUSEHOLD_KEYS if k not in data]
        problems.extend(FieldProblem(k, "column is missing", n) for k in missing)
        members = data.get("members")
        if not isinstance(members, list) or not members:
            problems.append(FieldProblem("members", "at least one member is needed", n))
            continue
        for i, m in enumerate(members):
            if isinstance(m, Mapping):
                problems.extend(FieldProblem(f"members[{i}].{k}", "is missing", n)
                                for k in REQUIRED_MEMBER_KEYS if k not in m)
                if ID_KEY in m:
                    problems.append(FieldProblem(f"members[{i}].{ID_KEY}", SUPPLIED_ID, n))
        # Ids are refused above; taking them out here keeps one problem per supplied id. Each
        # member gets the id it will be saved with now, so that answers about each child can name them.
        data["members"], ref_problems = _give_ids(definition, [
            {k: v for k, v in m.items() if k != ID_KEY} if isinstance(m, Mapping) else m for m in members])
        problems.extend(FieldProblem(p.field, p.problem, n) for p in ref_problems)
        contacts, contact_problems = _check_contacts(record.get("contacts"), n, today)
        problems.extend(contact_problems)
        try:
            clean = validate_submission(definition, data, today=today, services=services)
        except ValidationFailed as exc:
            problems.extend(FieldProblem(p.field, p.problem, n) for p in exc.problems)
            continue
        ready.append((replace(build_household(clean, now), external_ref=ref), contacts))
        numbers.append(n)
    if problems:
        raise ValidationFailed(problems)
    if check_only:
        with session.uow() as uow:
            session.audit(uow, "import.checked", detail=f"{len(ready)} households")
            uow.commit()
        return ImportResult(len(ready), sum(len(h.members) for h, _ in ready), sum(len(c) for _, c in ready),
                            tuple(ImportedRecord(n, h.external_ref, "", ()) for n, (h, _) in
                                  zip(numbers, ready, strict=True)))
    contact_count = 0
    with session.uow() as uow:
        uow.households.add_many([h for h, _ in ready], session.actor.id)
        for h, contacts in ready:
            for on, kind in contacts:
                uow.households.add_contact(h.id, uuid7(), on, kind, "imported", session.actor.id, now)
                contact_count += 1
        session.audit(uow, "import.households", detail=f"{len(ready)} households")
        uow.commit()
    saved = tuple(ImportedRecord(n, h.external_ref, h.id, tuple(m.id for m in h.members))
                  for n, (h, _) in zip(numbers, ready, strict=True))
    return ImportResult(len(ready), sum(len(h.members) for h, _ in ready), contact_count, saved)


MAX_IMPORT_BYTES = 200 * 1024 * 1024
NOTHING_IMPORTED = "nothing was imported"


def decode_import(data: bytes) -> str:
    """A member list file's bytes as text, or ``ValidationFailed`` on "file" saying what it is instead."""
    def refuse(problem: str) -> ValidationFailed:
        return ValidationFailed.one("file", problem)

    if len(data) > MAX_IMPORT_BYTES:
        raise refuse(f"is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("is UTF-16 text; save it as UTF-8 (Excel: Save as, CSV UTF-8)")
    if b"\x00" in data:
        raise refuse("is a binary file, not a JSON or CSV member list")
    try:
        # utf-8-sig: the byte-order mark Excel puts at the start of "CSV UTF-8" is not a column name.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse("is not UTF-8 text; save the spreadsheet as CSV UTF-8") from None


def parse_import(data: bytes, kind: str) -> list[dict[str, Any]]:
    """``kind`` "csv" or "json": the records, or ``ValidationFailed`` naming record, field, problem."""
    text = decode_import(data)
    return parse_csv(text) if kind == "csv" else parse_json(text)


def _give_ids(definition: FormDefinition, members: list[Any]) -> tuple[list[Any], list[FieldProblem]]:
    """Members with new person ids. A member's ``person_ref`` (the file's own name for the person,
    unique in the household: a portability package writes the sending desk's person id) is what
    another member's answers about each child (``children``) are keyed by in the file; here they
    are keyed by the new ids instead."""
    problems: list[FieldProblem] = []
    refs: dict[str, str] = {}
    out: list[Any] = []
    for i, m in enumerate(members):
        if not isinstance(m, Mapping):
            out.append(m)
            continue
        person = {ID_KEY: uuid7(), **{k: v for k, v in m.items() if k != PERSON_REF}}
        raw = m.get(PERSON_REF)
        if raw is not None:
            ref, problem = _check_ref(raw)
            if problem is None and ref is not None and ref in refs:
                problem = "is the same as another member's in this household"
            if problem:
                problems.append(FieldProblem(f"members[{i}].{PERSON_REF}", problem))
            elif ref is not None:
                refs[ref] = person[ID_KEY]
        out.append(person)
    per_entry = [f.id for s in definition.sections if s.repeated for f in s.fields if f.type is FieldType.PER_ENTRY]
    for i, person in enumerate(out):
        if not isinstance(person, dict):
            continue
        for field_id in per_entry:
            answers = person.get(field_id)
            if not isinstance(answers, Mapping):
                continue  # validation names what is wrong with it
            keyed: dict[Any, Any] = {}
            for key, value in answers.items():
                if str(key) in refs:
                    keyed[refs[str(key)]] = value
                else:
                    problems.append(FieldProblem(f"members[{i}].{field_id}",
                                                 f"is keyed by a {PERSON_REF} that no member of this household has"))
            person[field_id] = keyed
    return out, problems


def _check_ref(raw: Any) -> tuple[str | None, str | None]:
    """The external reference, or the problem with it (never echoing it)."""
    if raw is None:
        return None, None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return None, "must be text or a whole number"
    ref = str(raw).strip()
    if not ref:
        return None, None
    if len(ref) > REF_MAX:
        return None, f"is longer than {REF_MAX} characters"
    problem = check_text(ref, multiline=False, max_length=REF_MAX)
    return (None, problem) if problem else (ref, None)
