"""Checking and normalising what someone typed (or a CSV import supplied) against a form.

Every problem is collected before anything is refused, so that staff can mend a whole form, or
a whole import row, in one go. Problem texts are plain words for staff and never repeat what was
typed: the value may be a name, a postcode or a date of birth, and problem texts end up in logs,
import reports and crash reports.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from centre_desk.domain.errors import FieldProblem, ValidationFailed
from centre_desk.domain.text import EARLIEST_DATE, fold, normalise_postcode, text_problem
from centre_desk.formspec.model import FieldDef, FieldType, FormDefinition, Section

# Each repeated-section entry may carry the id of the record it describes (a person's id), so
# that an edit updates that person instead of replacing everyone. It passes through unchanged.
ENTRY_ID_KEY = "id"

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
# A key that is not a field is named in the problem only when it is shaped like a field id: a
# mis-built import may have a name or a date of birth where a key should be.
_FIELD_ID_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
# Limits for fields whose definition sets none, so that no answer is unbounded: a name or an
# address line fits in 200 characters, a note in 4,000.
DEFAULT_MAX_LENGTH = {
    FieldType.TEXT: 200,
    FieldType.MULTILINE: 4000,
    FieldType.EMAIL: 254,
    FieldType.PHONE: 40,
}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}

Services = Iterable[tuple[str, str]]


def validate_submission(
    form: FormDefinition,
    data: Mapping[str, Any],
    *,
    today: date,
    services: Services | None = None,
) -> dict[str, Any]:
    """A normalised copy of ``data``, or ValidationFailed listing every problem found.

    ``data`` maps field ids to values, and each repeated section's key (``members``) to a list of
    such mappings. In the copy, strings are trimmed, postcodes are ``BS23 1AA``, dates are ISO
    ``YYYY-MM-DD``, booleans are bools, choices are choice values, empty answers are left out and
    so are answers to fields hidden by ``shown_when`` (a stale agency name on a self-referral is
    not kept). Problems name fields as ``postcode``, ``members[2].date_of_birth`` or
    ``other_services[0].service``, counting entries from 0 as they were given.

    ``services`` is the organisation's services as (id, name) pairs; needed (ValueError if not
    given) when the form has a ``choices_from: services`` field.

    A ``per_entry`` answer (an adult's relationship to each child) is keyed by the record id of
    each entry it is about; its problems are named by that entry's position,
    ``members[0].children[members[2]].relationship``, never by the id or the child's name. An
    answer about someone who is not (or no longer) one of those entries (a child removed, or an
    entry that stopped being a child) is left out, as a hidden field's answer is. Answers saved
    under an earlier version are carried forward first (``carry_forward``).
    """
    service_list = list(services) if services is not None else None
    if service_list is None and any(f.choices_from == "services" for f in form.all_fields()):
        raise ValueError(f"form '{form.id}' offers the organisation's services as choices; pass services=")
    checker = _Checker(today, service_list)
    if not isinstance(data, Mapping):
        raise ValidationFailed.one("(form)", "must be a set of fields")
    data = _carry_forward(form, data, checker)
    repeat_keys = {s.repeat for s in form.sections if s.repeat is not None}
    top, problems = checker.scope(form.top_level_fields, data, "", extra=repeat_keys)
    out: dict[str, Any] = {}
    for section in form.sections:
        if section.repeat is None:
            out.update((f.id, top[f.id]) for f in section.fields if f.id in top)
            continue
        checker.rows = checker.row_entries(section, data.get(section.repeat))
        checker.repeat = section.repeat
        entries, entry_problems = checker.entries(
            section.fields,
            data.get(section.repeat),
            section.repeat,
            min_items=section.min_items,
            max_items=section.max_items,
            keep_id=True,
            household=top,
        )
        problems += entry_problems
        if entries:
            out[section.repeat] = entries
    if problems:
        raise ValidationFailed(problems)
    return out


def validate_field(
    form: FormDefinition,
    field_id: str,
    value: Any,
    *,
    today: date,
    services: Services | None = None,
) -> str | None:
    """The problem with one value, for inline checking as it is typed; None when it is fine.

    ``field_id`` may be ``postcode``, ``date_of_birth``, ``members[2].date_of_birth`` or
    ``other_services[0].service``. Conditions are not evaluated because they depend on other
    fields: a field is treated as shown (the screen only asks about fields it shows) and
    ``required_when`` is left to ``validate_submission``. KeyError for a field the form does not
    have; ValueError, as there, for a services field without ``services``.
    """
    f = _resolve(form, field_id)
    checker = _Checker(today, list(services) if services is not None else None)
    normalised, problems = checker.value(f, value, field_id)
    if problems:
        return problems[0].problem
    if normalised is None and f.required:
        return "is required"
    return None


def _resolve(form: FormDefinition, path: str) -> FieldDef:
    bare = path
    while True:  # innermost brackets first: members[0].children[members[2]].relationship
        shorter = re.sub(r"\[[^\[\]]*\]", "", bare)
        if shorter == bare:
            break
        bare = shorter
    parts = bare.split(".")
    if len(parts) > 1 and any(s.repeat == parts[0] for s in form.sections):
        parts = parts[1:]
    f = form.field(parts[0])
    if len(parts) == 2 and f.type in (FieldType.LIST, FieldType.PER_ENTRY):
        return f.item_field(parts[1])
    if len(parts) != 1:
        raise KeyError(path)
    return f


def _noun(label: str) -> str:
    """'Date of birth' -> 'date of birth', but 'GP practice' stays as it is."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _is_blank(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        # An unticked box is what a blank row looks like on screen, not an answer.
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | Mapping):
        return all(_is_blank(v) for v in (value.values() if isinstance(value, Mapping) else value))
    return False


def give_entry_ids(form: FormDefinition, data: Mapping[str, Any], new_id: Callable[[], str]) -> dict[str, Any]:
    """A copy of ``data`` in which every filled-in entry of a repeated section without a record id
    has a new one (``new_id()``), so that a ``per_entry`` answer can name a person who is being
    added in the same submission. Blank entries stay as they are (they are not saved)."""
    out = dict(data)
    for section in form.sections:
        raw = data.get(section.repeat) if section.repeat is not None else None
        if section.repeat is None or not isinstance(raw, list | tuple):
            continue
        out[section.repeat] = [
            {ENTRY_ID_KEY: new_id(), **entry}
            if isinstance(entry, Mapping) and not _is_blank(entry) and entry.get(ENTRY_ID_KEY) is None else entry
            for entry in raw
        ]
    return out


def carry_forward(form: FormDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """A submission saved under an earlier version of ``form``, in this version's shape.

    Membership form version 3 replaced version 2's one ``relationship_to_children`` and one
    ``parental_responsibility`` per adult (one answer for all the children) by ``children``, a
    ``per_entry`` answer for each child. An item field's ``carried_from`` names the old field: an
    entry that still has the old answer and no per-entry answer gets the old answer on the row of
    *every* child of the household (entries meeting the field's ``entries`` condition), which is
    what the old answer meant; the old key is removed. Households saved under versions 1 and 2
    are shown this way and, once saved, are saved in the new shape. Stored data are never changed
    here: this is a copy.
    """
    return _carry_forward(form, data, _Checker(date.max, None))


def _carry_forward(form: FormDefinition, data: Mapping[str, Any], checker: _Checker) -> dict[str, Any]:
    out = dict(data)
    for section in form.sections:
        carried = [(f, [i for i in f.item_fields if i.carried_from is not None])
                   for f in section.fields if f.type is FieldType.PER_ENTRY]
        carried = [(f, items) for f, items in carried if items]
        raw = data.get(section.repeat) if section.repeat is not None else None
        if not carried or not isinstance(raw, list | tuple):
            continue
        old_keys = {i.carried_from for _f, items in carried for i in items}
        if not any(isinstance(e, Mapping) and old_keys & set(e) for e in raw):
            continue
        rows = checker.row_entries(section, raw)
        entries: list[Any] = []
        for entry in raw:
            if isinstance(entry, Mapping) and old_keys & set(entry):
                entry = dict(entry)
                for f, items in carried:
                    old = {i.id: entry.pop(str(i.carried_from)) for i in items if i.carried_from in entry}
                    old = {k: v for k, v in old.items() if v is not None and v != ""}
                    if old and not entry.get(f.id):
                        own = entry.get(ENTRY_ID_KEY)
                        entry[f.id] = {child: dict(old) for child in rows[f.id] if child != own}
            entries.append(entry)
        out[str(section.repeat)] = entries
    return out


class _Checker:
    def __init__(self, today: date, services: list[tuple[str, str]] | None) -> None:
        self.today = today
        self.services = services
        # For per_entry fields of the repeated section being checked: field id -> (entry record id
        # -> the entry's position), the entries that get a row; the key of that section; and the
        # record id of the entry being checked (nobody has a row about themselves).
        self.rows: dict[str, dict[str, int]] = {}
        self.repeat = ""
        self.entry_id: str | None = None

    def row_entries(self, section: Section, raw: Any) -> dict[str, dict[str, int]]:
        """For each per_entry field of ``section``: the record ids of the entries meeting its
        ``entries`` condition (the children), with their positions in ``raw``."""
        fields = [f for f in section.fields if f.type is FieldType.PER_ENTRY]
        out: dict[str, dict[str, int]] = {f.id: {} for f in fields}
        if not fields or not isinstance(raw, list | tuple):
            return out
        by_id = {f.id: f for f in section.fields}
        for f in fields:
            assert f.entries is not None  # the definition was checked when it was loaded
            controller = by_id[f.entries.field]
            for i, entry in enumerate(raw):
                if not isinstance(entry, Mapping) or _is_blank(entry):
                    continue
                entry_id = entry.get(ENTRY_ID_KEY)
                if not isinstance(entry_id, str) or not entry_id.strip():
                    continue
                value, problems = self.value(controller, entry.get(controller.id), "")
                if not problems and f.entries.holds(value):
                    out[f.id][entry_id.strip()] = i
        return out

    # --- groups of fields -----------------------------------------------------------------

    def scope(
        self,
        fields: tuple[FieldDef, ...],
        data: Mapping[str, Any],
        prefix: str,
        *,
        extra: set[str] | frozenset[str] = frozenset(),
        household: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], list[FieldProblem]]:
        """Fields filled in together (the household, one member, one list item).

        ``household`` is the household's checked answers, for a member's conditions that look at
        them; a hidden household field is absent there, so a condition on it never holds.
        """
        outer = household or {}
        values: dict[str, Any] = {}
        field_problems: dict[str, list[FieldProblem]] = {}
        for f in fields:
            values[f.id], field_problems[f.id] = self.value(f, data.get(f.id), prefix + f.id)
        by_id = {f.id: f for f in fields}
        shown: dict[str, bool] = {}

        def is_shown(f: FieldDef) -> bool:
            # Definitions are checked for cycles when loaded, so this recursion ends.
            if f.id not in shown:
                condition = f.shown_when
                if condition is None:
                    shown[f.id] = True
                elif condition.field in by_id:
                    shown[f.id] = is_shown(by_id[condition.field]) and condition.holds(values[condition.field])
                else:
                    shown[f.id] = condition.holds(outer.get(condition.field))
            return shown[f.id]

        hidden = [f.id for f in fields if not is_shown(f)]
        for field_id in hidden:
            # A hidden field's answer is thrown away, so whatever is wrong with it does not matter.
            values[field_id], field_problems[field_id] = None, []
        out: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for f in fields:
            if f.id in hidden:
                continue
            problems += field_problems[f.id]
            if values[f.id] is not None:
                out[f.id] = values[f.id]
            elif not field_problems[f.id] and self._required(f, {**outer, **values}):
                problems.append(FieldProblem(prefix + f.id, "is required"))
        for key in data:
            if key not in by_id and key not in extra:
                problems.append(FieldProblem(prefix + _key_name(key), "is not a field on this form"))
        return out, problems

    @staticmethod
    def _required(f: FieldDef, values: Mapping[str, Any]) -> bool:
        if f.required:
            return True
        return f.required_when is not None and f.required_when.holds(values.get(f.required_when.field))

    def entries(
        self,
        fields: tuple[FieldDef, ...],
        raw: Any,
        name: str,
        *,
        min_items: int | None,
        max_items: int | None,
        keep_id: bool = False,
        household: Mapping[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], list[FieldProblem]]:
        """A list of groups: a repeated section's entries or a list field's items."""
        if raw is None:
            raw = []
        if not isinstance(raw, list | tuple):
            return [], [FieldProblem(name, "must be a list")]
        out: list[dict[str, Any]] = []
        problems: list[FieldProblem] = []
        for i, entry in enumerate(raw):
            prefix = f"{name}[{i}]."
            if not isinstance(entry, Mapping):
                problems.append(FieldProblem(f"{name}[{i}]", "must be a set of fields"))
                continue
            if _is_blank(entry):
                # A row added on screen and never filled in.
                continue
            extra = {ENTRY_ID_KEY} if keep_id else set()
            if keep_id:
                own = entry.get(ENTRY_ID_KEY)
                self.entry_id = own.strip() if isinstance(own, str) else None
            values, entry_problems = self.scope(fields, entry, prefix, extra=extra, household=household)
            problems += entry_problems
            if keep_id and entry.get(ENTRY_ID_KEY) is not None:
                entry_id = entry[ENTRY_ID_KEY]
                if isinstance(entry_id, str) and entry_id.strip():
                    values = {ENTRY_ID_KEY: entry_id.strip(), **values}
                else:
                    problems.append(FieldProblem(prefix + ENTRY_ID_KEY, "must be a record id"))
            out.append(values)
        if min_items and len(out) < min_items:
            problems.append(FieldProblem(name, f"needs at least {min_items} {_entries(min_items)}"))
        if max_items is not None and len(out) > max_items:
            problems.append(FieldProblem(name, f"has more than {max_items} {_entries(max_items)}"))
        return out, problems

    # --- single values --------------------------------------------------------------------

    def value(self, f: FieldDef, raw: Any, name: str) -> tuple[Any, list[FieldProblem]]:
        """(normalised value or None when empty, problems) for one field."""
        if raw is None:
            return None, []
        if f.type is FieldType.LIST:
            items, problems = self.entries(
                f.item_fields, raw, name, min_items=f.validation.min_items, max_items=f.validation.max_items
            )
            return items or None, problems
        if f.type is FieldType.PER_ENTRY:
            return self._per_entry(f, raw, name)
        if f.type is FieldType.MULTICHOICE:
            return self._multichoice(f, raw, name)
        if f.type is FieldType.BOOLEAN:
            return self._boolean(raw, name)
        if f.type is FieldType.DATE and isinstance(raw, date) and not isinstance(raw, datetime):
            raw = raw.isoformat()
        if not isinstance(raw, str):
            return None, [FieldProblem(name, "must be text")]
        # Characters are judged before anything is tidied away: a line break in a name is refused,
        # not quietly made a space, and control characters never reach the parsers below.
        characters = text_problem(raw.strip(), multiline=f.type is not FieldType.TEXT)
        if characters is not None:
            return None, [FieldProblem(name, characters)]
        text = unicodedata.normalize("NFC", raw).strip()
        if not text:
            return None, []
        value, problem = self._text_value(f, text)
        if problem is None and isinstance(value, str):
            problem = self._length_and_pattern(f, value)
        return (value, []) if problem is None else (None, [FieldProblem(name, problem)])

    def _text_value(self, f: FieldDef, text: str) -> tuple[str | None, str | None]:
        match f.type:
            case FieldType.TEXT:
                # Runs of spaces (and tabs or no-break spaces from pasting) become one space.
                return " ".join(text.split()), None
            case FieldType.MULTILINE:
                lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                return "\n".join(line.rstrip() for line in lines), None
            case FieldType.EMAIL:
                if not _EMAIL.match(text):
                    return None, "is not an email address"
                local, _, domain = text.rpartition("@")
                # Only the domain is case-insensitive; the part before @ is left as typed.
                return f"{local}@{domain.lower()}", None
            case FieldType.PHONE:
                phone = _normalise_phone(text)
                return (phone, None) if phone else (None, "is not a phone number")
            case FieldType.POSTCODE:
                postcode = normalise_postcode(text)
                return (postcode, None) if postcode else (None, "is not a UK postcode")
            case FieldType.DATE:
                return self._date(f, text)
            case FieldType.CHOICE:
                return self._choice(f, text)
        raise AssertionError(f"unhandled field type {f.type}")

    @staticmethod
    def _length_and_pattern(f: FieldDef, value: str) -> str | None:
        rules = f.validation
        max_length = rules.max_length if rules.max_length is not None else DEFAULT_MAX_LENGTH.get(f.type)
        if max_length is not None and len(value) > max_length:
            return f"is longer than {max_length:,} characters"
        if rules.min_length is not None and len(value) < rules.min_length:
            return f"is shorter than {rules.min_length} characters"
        if rules.pattern is not None and not re.fullmatch(rules.pattern, value):
            return rules.pattern_message or "is not in the expected format"
        return None

    def _date(self, f: FieldDef, text: str) -> tuple[str | None, str | None]:
        iso, uk = _ISO_DATE.match(text), _UK_DATE.match(text)
        if iso:
            year, month, day = (int(g) for g in iso.groups())
        elif uk:
            day, month, year = (int(g) for g in uk.groups())
        else:
            return None, "is not a date: use dd/mm/yyyy"
        try:
            value = date(year, month, day)
        except ValueError:
            return None, "is not a real date"
        if f.validation.not_in_future and value > self.today:
            return None, f"{_noun(f.label)} is in the future"
        not_before = max(f.validation.not_before or EARLIEST_DATE, EARLIEST_DATE)
        if value < not_before:
            return None, f"{_noun(f.label)} is before {not_before:%d/%m/%Y}"
        return value.isoformat(), None

    def _choice(self, f: FieldDef, text: str) -> tuple[str | None, str | None]:
        choices = f.choices_for(self.services)
        for choice in choices:
            if choice.value == text:
                return choice.value, None
        # Imports and older paper-form transcriptions use labels or different capitals.
        folded = fold(text)
        for choice in choices:
            if folded in (fold(choice.value), fold(choice.label)):
                return choice.value, None
        # Never echoed: a name, a postcode or a gender identity may be sitting in a choice column.
        return None, "is not one of the choices"

    def _multichoice(self, f: FieldDef, raw: Any, name: str) -> tuple[list[str] | None, list[FieldProblem]]:
        if isinstance(raw, str):
            # A CSV cell holds several choices separated by semicolons (labels may contain commas).
            raw = raw.split(";")
        if not isinstance(raw, list | tuple):
            return None, [FieldProblem(name, "must be a list of choices")]
        picked: set[str] = set()
        problems: list[FieldProblem] = []
        for item in raw:
            if not isinstance(item, str):
                problems.append(FieldProblem(name, "must be a list of choices"))
            elif item.strip():
                value, problem = self._choice(f, unicodedata.normalize("NFC", item).strip())
                if problem is not None:
                    problems.append(FieldProblem(name, problem))
                elif value is not None:
                    picked.add(value)
        if problems:
            return None, problems
        ordered = [c.value for c in f.choices_for(self.services) if c.value in picked]
        rules = f.validation
        if ordered and rules.min_items is not None and len(ordered) < rules.min_items:
            return None, [FieldProblem(name, f"needs at least {rules.min_items} choices")]
        if rules.max_items is not None and len(ordered) > rules.max_items:
            return None, [FieldProblem(name, f"has more than {rules.max_items} choices")]
        return ordered or None, []

    def _per_entry(self, f: FieldDef, raw: Any, name: str) -> tuple[dict[str, Any] | None, list[FieldProblem]]:
        """Record id of each entry (child) -> that row's answers, in the entries' order."""
        if not isinstance(raw, Mapping):
            return None, [FieldProblem(name, "must be a set of answers for each person, keyed by their record id")]
        rows = self.rows.get(f.id, {})
        out: dict[str, dict[str, Any]] = {}
        problems: list[FieldProblem] = []
        for key, answers in raw.items():
            if not isinstance(key, str):
                problems.append(FieldProblem(name, "must be keyed by record ids"))
                continue
            position = rows.get(key.strip())
            if position is None or key.strip() == self.entry_id:
                # Not one of the entries with a row (a child taken off the form, someone whose role
                # changed): thrown away, as the answer of a hidden field is.
                continue
            where = f"{name}[{self.repeat}[{position}]]"
            if not isinstance(answers, Mapping):
                problems.append(FieldProblem(where, "must be a set of answers"))
                continue
            row, row_problems = self.scope(f.item_fields, answers, where + ".")
            problems += row_problems
            if row:
                out[key.strip()] = row
        ordered = dict(sorted(out.items(), key=lambda item: rows[item[0]]))
        return ordered or None, problems

    @staticmethod
    def _boolean(raw: Any, name: str) -> tuple[bool | None, list[FieldProblem]]:
        if isinstance(raw, bool):
            return raw, []
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw), []
        if isinstance(raw, str):
            word = raw.strip().casefold()
            if not word:
                return None, []
            if word in _TRUE:
                return True, []
            if word in _FALSE:
                return False, []
        return None, [FieldProblem(name, "must be yes or no")]


def _key_name(key: object) -> str:
    return str(key) if isinstance(key, str) and _FIELD_ID_SHAPE.match(key) else "(a key that is not a field id)"


def _entries(n: int) -> str:
    return "entry" if n == 1 else "entries"


def normalise_email(text: str) -> str | None:
    """An email address with its domain in lower case; None when it is not one."""
    text = text.strip()
    if not _EMAIL.match(text) or len(text) > DEFAULT_MAX_LENGTH[FieldType.EMAIL]:
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise_phone(text: str) -> str | None:
    """A phone number tidied as the forms tidy it; None when it is not one."""
    return _normalise_phone(text.strip())


def _normalise_phone(text: str) -> str | None:
    """Tidy a phone number without reformatting it: ``+44 (0)7700-900123`` -> ``+44 7700 900123``.

    None when it is not plausibly a phone number (letters, too few or too many digits).
    """
    # "(0)" is the trunk prefix written for callers inside the country; with +44 it must go.
    text = text.replace("(0)", " ")
    if not _PHONE_CHARS.match(text) or "+" in text[1:]:
        return None
    spaced = " ".join(re.sub(r"[()./-]", " ", text).split())
    if spaced.startswith("00"):
        spaced = "+" + spaced[2:]
    spaced = spaced.replace("+ ", "+")
    digits = sum(ch.isdigit() for ch in spaced)
    if not 10 <= digits <= 15:
        return None
    return spaced
