"""A ``per_entry`` answer in words: an adult's relationship to each child, on screen and on paper.

The answer is keyed by each child's person id (``submission`` checks it); here it becomes lines
such as ``Zuzanna: Birth parent, parental responsibility: yes``, in the household's order, using
the names the caller passes (person id -> what to call them). A row about someone the caller does
not name (no longer in the household) is left out. No Qt and no ReportLab, so the window, the
printouts and the subject access pack word it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from centre_desk.formspec.model import FieldDef, FieldType


def _lower_first(label: str) -> str:
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def row_words(field: FieldDef, answers: Mapping[str, Any]) -> str:
    """One row's answers: ``Step-parent, parental responsibility: no``; "" when none."""
    parts = []
    for item in field.item_fields:
        value = answers.get(item.id)
        if value is None or value == "":
            continue
        if item.type is FieldType.BOOLEAN:
            parts.append(f"{_lower_first(item.label)}: {'yes' if value is True else 'no'}")
        elif item.type is FieldType.CHOICE:
            parts.append(next((c.label for c in item.choices if c.value == value), str(value)))
        else:
            parts.append(str(value))
    words = ", ".join(parts)
    return words[:1].upper() + words[1:]


def per_entry_lines(field: FieldDef, value: Any, names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(person id, name, words) for each row of ``value`` about someone in ``names``, in the
    order of ``names`` (the household's order); rows with no answer are left out."""
    if not isinstance(value, Mapping):
        return []
    out = []
    for person_id, name in names.items():
        answers = value.get(person_id)
        if isinstance(answers, Mapping):
            words = row_words(field, answers)
            if words:
                out.append((person_id, name, words))
    return out


def describe_per_entry(field: FieldDef, value: Any, names: Mapping[str, str]) -> str:
    """The whole answer on one line: ``Zuzanna: Birth parent; Kacper: Step-parent, ...``."""
    return "; ".join(f"{name}: {words}" for _pid, name, words in per_entry_lines(field, value, names))
