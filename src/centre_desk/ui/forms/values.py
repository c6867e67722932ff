"""Between stored answers and what the screen shows: dates as dd/mm/yyyy, choices by label, and
problem texts worded as sentences that name the field.

No Qt here, so that the conversions are easy to test and to reuse in the household view.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from centre_desk.domain.household import age_on
from centre_desk.formspec.model import Choice, FieldDef, FieldType, FormDefinition
from centre_desk.formspec.per_entry import describe_per_entry
from centre_desk.formspec.submission import carry_forward

DATE_FORMAT_HINT = "dd/mm/yyyy"
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UK = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$")
_PROBLEM_STARTS = ("is ", "is not", "must ", "needs ", "has ")


def iso_to_uk(value: str) -> str:
    """``2019-03-12`` -> ``12/03/2019``; anything else is returned as it was."""
    match = _ISO.match(value.strip())
    if not match:
        return value
    year, month, day = match.groups()
    return f"{day}/{month}/{year}"


def tidy_date(text: str) -> str:
    """A typed date in the one shape the screen shows: ``1/2/2019`` or ``1-2-2019`` -> ``01/02/2019``.

    Text that is not a real date is left alone so that the problem message can point at it.
    """
    text = text.strip()
    if _ISO.match(text):
        text = iso_to_uk(text)
    match = _UK.match(text)
    if not match:
        return text
    day, month, year = (int(g) for g in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return text
    return f"{day:02d}/{month:02d}/{year:04d}"


def choice_label(choices: tuple[Choice, ...], value: Any) -> str:
    for choice in choices:
        if choice.value == value:
            return choice.label
    return "" if value is None else str(value)


def yes_no(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return "Not known"


def display_field(field: FieldDef, value: Any) -> Any:
    """One stored answer as its editor takes it."""
    if value is None:
        return None
    if field.type is FieldType.DATE and isinstance(value, str):
        return iso_to_uk(value)
    if field.type is FieldType.LIST and isinstance(value, list):
        return [
            {f.id: display_field(f, item.get(f.id)) for f in field.item_fields if item.get(f.id) is not None}
            for item in value if isinstance(item, Mapping)
        ]
    return value


def display_values(form: FormDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """A saved submission (ISO dates, normalised values) as the form's editors take it.

    A household saved under an earlier version is shown in this version's shape: version 2's one
    relationship and parental responsibility answer per adult appears on every child's row
    (``formspec.submission.carry_forward``), and is saved that way."""
    data = carry_forward(form, data)
    out: dict[str, Any] = {}
    for section in form.sections:
        if section.repeat is None:
            for f in section.fields:
                if data.get(f.id) is not None:
                    out[f.id] = display_field(f, data[f.id])
            continue
        entries = []
        for entry in data.get(section.repeat) or []:
            if not isinstance(entry, Mapping):
                continue
            shown: dict[str, Any] = {f.id: display_field(f, entry.get(f.id))
                                     for f in section.fields if entry.get(f.id) is not None}
            if entry.get("id"):
                shown["id"] = entry["id"]
            entries.append(shown)
        out[section.repeat] = entries
    return out


def describe_value(field: FieldDef, value: Any, services: tuple[Choice, ...] = (),
                   people: Mapping[str, str] | None = None) -> str:
    """A stored answer in words, for the household view and its history. ``people`` (person id ->
    name) names the rows of a per_entry answer (relationship to each child); without it, or for
    someone no longer in the household, the rows are counted instead."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if field.type is FieldType.PER_ENTRY and isinstance(value, Mapping):
        said = describe_per_entry(field, value, people or {})
        if said:
            return said
        return f"Answers about {len(value)} {'person' if len(value) == 1 else 'people'} no longer in the household" \
            if people is not None else f"Answers about {len(value)} {'person' if len(value) == 1 else 'people'}"
    if field.type is FieldType.DATE and isinstance(value, str):
        return iso_to_uk(value)
    if field.type is FieldType.BOOLEAN:
        return yes_no(value)
    choices = field.choices or services
    if field.type is FieldType.CHOICE:
        return choice_label(choices, value)
    if field.type is FieldType.MULTICHOICE and isinstance(value, list):
        return ", ".join(choice_label(choices, v) for v in value)
    if field.type is FieldType.LIST and isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, Mapping):
                words = [str(item.get(f.id)) for f in field.item_fields if item.get(f.id)]
                parts.append(" — ".join(words))
        return "; ".join(p for p in parts if p)
    return str(value)


def age_words(dob: date | None, today: date) -> tuple[str, int]:
    """("3 years", months) — babies and toddlers in months, which is how centres talk about them."""
    if dob is None:
        return "", -1
    months = (today.year - dob.year) * 12 + today.month - dob.month - (today.day < dob.day)
    months = max(months, 0)
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''}", months
    years = age_on(dob, today)
    return f"{years} years", months


def child_words(first_name: Any, date_of_birth: Any, today: date) -> str:
    """How a row of a per-child table names the child: ``Zuzanna, 2 years`` (babies in months);
    the date of birth as stored (ISO) or as typed (dd/mm/yyyy); just the name without one."""
    name = str(first_name or "").strip() or "Child not yet named"
    text = tidy_date(str(date_of_birth or ""))
    match = _UK.match(text)
    born = None
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            born = date(year, month, day)
        except ValueError:
            born = None
    if born is None or born > today:
        return name
    return f"{name}, {age_words(born, today)[0]}"


def lower_first(label: str) -> str:
    """'Date of birth' -> 'date of birth', but 'GP practice' keeps its capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def problem_sentence(label: str, problem: str) -> str:
    """A problem from the validator as a sentence that names the field.

    The validator words problems to follow the field's name (``is not a UK postcode``) or, for
    dates, already names it (``date of birth is in the future``).
    """
    problem = problem.strip().rstrip(".")
    if not problem:
        return ""
    if problem.lower().startswith(lower_first(label).lower()):
        sentence = problem[:1].upper() + problem[1:]
    elif problem.startswith("'"):
        sentence = f"{label}: {problem}"
    elif problem.startswith(_PROBLEM_STARTS):
        sentence = f"{label} {problem}"
    else:
        sentence = f"{label}: {problem}"
    return sentence + "."
