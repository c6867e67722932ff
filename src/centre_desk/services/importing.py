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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from centre_desk.domain.errors import FieldProblem, ValidationFailed
from centre_desk.domain.household import Household
from centre_desk.domain.ids import uuid7
from centre_desk.domain.staff import Permission

from .households import CONTACT_TYPES, MEMBERSHIP, build_household
from .profile import form, profile_of, service_choices
from .session import DeskSession

REQUIRED_HOUSEHOLD_KEYS = ("address_line1", "address_line2", "town", "postcode", "phone", "email")
REQUIRED_MEMBER_KEYS = ("first_name", "last_name", "date_of_birth", "role")
CSV_GROUP = "household"
CSV_CONTACT_KEYS = ("contact_date", "contact_type")


@dataclass(frozen=True)
class ImportResult:
    households: int
    members: int
    contacts: int


def parse_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed.one("file", f"is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("households"), list):
        raise ValidationFailed.one("file", 'must be a JSON object with a "households" list')
    records: list[dict[str, Any]] = data["households"]
    for i, r in enumerate(records, 1):
        if not isinstance(r, dict):
            raise ValidationFailed([FieldProblem("household", "must be a JSON object", i)])
    return records


def parse_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or CSV_GROUP not in reader.fieldnames:
        raise ValidationFailed.one("file", f"the CSV needs a '{CSV_GROUP}' column that groups members into households")
    member_keys = {f.id for s in form(MEMBERSHIP).sections if s.repeated for f in s.fields}
    groups: dict[str, dict[str, Any]] = {}
    for row in reader:
        key = (row.get(CSV_GROUP) or "").strip()
        values = {k: v for k, v in row.items() if k and k != CSV_GROUP and v not in (None, "")}
        household = groups.get(key)
        if household is None:
            household = {k: v for k, v in values.items() if k not in member_keys and k not in CSV_CONTACT_KEYS}
            for required in REQUIRED_HOUSEHOLD_KEYS:
                household.setdefault(required, row.get(required) or "")
            household["members"] = []
            household["contacts"] = []
            groups[key] = household
        member = {k: v for k, v in values.items() if k in member_keys}
        for required in REQUIRED_MEMBER_KEYS:
            member.setdefault(required, "")
        household["members"].append(member)
        if values.get("contact_date"):
            household["contacts"].append({"date": values["contact_date"], "type": values.get("contact_type", "")})
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
        try:
            on = date.fromisoformat(str(c.get("date", "")))
        except ValueError:
            problems.append(FieldProblem(f"{where}.date", "must be a date as YYYY-MM-DD", record))
            continue
        if on > today:
            problems.append(FieldProblem(f"{where}.date", "is in the future", record))
        kind = str(c.get("type", ""))
        if kind not in CONTACT_TYPES:
            problems.append(FieldProblem(f"{where}.type", f"must be one of {', '.join(CONTACT_TYPES)}", record))
        contacts.append((on, kind))
    return contacts, problems


def import_households(session: DeskSession, records: list[dict[str, Any]]) -> ImportResult:
    """Validate every record first; save them all in one transaction only if none has a problem."""
    session.require(Permission.IMPORT)
    from centre_desk.formspec.submission import validate_submission

    definition = form(MEMBERSHIP)
    services = service_choices(profile_of(session))
    today = session.clock.today()
    now = session.clock.now()
    problems: list[FieldProblem] = []
    ready: list[tuple[Household, list[tuple[date, str]]]] = []
    for n, record in enumerate(records, 1):
        data = {k: v for k, v in record.items() if k != "contacts"}
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
        contacts, contact_problems = _check_contacts(record.get("contacts"), n, today)
        problems.extend(contact_problems)
        try:
            clean = validate_submission(definition, data, today=today, services=services)
        except ValidationFailed as exc:
            problems.extend(FieldProblem(p.field, p.problem, n) for p in exc.problems)
            continue
        ready.append((build_household(clean, now), contacts))
    if problems:
        raise ValidationFailed(problems)
    contact_count = 0
    with session.uow() as uow:
        uow.households.add_many([h for h, _ in ready], session.actor.id)
        for h, contacts in ready:
            for on, kind in contacts:
                uow.households.add_contact(h.id, uuid7(), on, kind, "imported", session.actor.id, now)
                contact_count += 1
        session.audit(uow, "import.households", detail=f"{len(ready)} households")
        uow.commit()
    return ImportResult(len(ready), sum(len(h.members) for h, _ in ready), contact_count)
