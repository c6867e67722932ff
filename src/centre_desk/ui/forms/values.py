"""Between stored answers and what the screen shows: dates as dd/mm/yyyy, choices by label, and
problem texts worded as sentences that name the field.

No Qt here, so that the conversions are easy to test and to reuse in the household view.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from centre_desk.formspec.model import Choice, FieldDef, FieldType, FormDefinition

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
    """A saved submission (ISO dates, normalised values) as the form's editors take it."""
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


def describe_value(field: FieldDef, value: Any, services: tuple[Choice, ...] = ()) -> str:
    """A stored answer in words, for the household view and its history."""
    if value is None or value == "" or value == []:
        return ""
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
