"""What a loaded form definition looks like to the rest of the application.

Built by ``formspec.forms.load_form`` from ``forms/<id>.yaml``; the same objects drive the Qt form,
submission validation, the printed blank form and the subject-access pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    DATE = "date"
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    CHOICE = "choice"
    MULTICHOICE = "multichoice"
    BOOLEAN = "boolean"
    LIST = "list"  # a repeatable group of item_fields inside one field (other services)
    # One row of item_fields for each *other* entry of the same repeated section that meets the
    # field's ``entries`` condition (an adult's relationship to each child of the household). The
    # answer is keyed by that entry's record id, never by its position or name, so it survives a
    # reorder, a rename and sync: ``{"<person id>": {"relationship": "step-parent", ...}}``.
    PER_ENTRY = "per_entry"


# A value a condition compares with: a choice value, or True/False for a boolean field.
ConditionValue = str | bool


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    group: str | None = None  # heading to list the choice under, e.g. the ONS high-level group


@dataclass(frozen=True)
class Condition:
    """``shown_when`` / ``required_when``: true when the field it names has one of ``values``.

    The field is answered alongside (the same person), or it is a household field, in any section.
    """

    field: str
    values: tuple[ConditionValue, ...]

    def holds(self, value: object) -> bool:
        if value is None:
            return False
        if isinstance(value, list | tuple):
            return any(self._matches(v) for v in value)
        return self._matches(value)

    def _matches(self, value: object) -> bool:
        # Compare type as well as value: True == 1 in Python, and "true" must not match True.
        return any(type(v) is type(value) and v == value for v in self.values)


@dataclass(frozen=True)
class Validation:
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    not_in_future: bool = False
    not_before: date | None = None
    min_items: int | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class FieldDef:
    id: str
    label: str
    type: FieldType
    purposes: tuple[str, ...]  # processing purpose ids from the organisation profile, main first
    special_category: bool
    required: bool = False
    required_when: Condition | None = None
    help: str = ""
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None  # "services": the organisation profile's services
    validation: Validation = field(default_factory=Validation)
    shown_when: Condition | None = None
    item_fields: tuple[FieldDef, ...] = ()  # for types list and per_entry
    # per_entry: which other entries of the section get a row ({field: role, equals: child}).
    entries: Condition | None = None
    # An item field of a per_entry field: the id of an earlier version's single answer (one for
    # all rows) that this item takes over; ``submission.carry_forward`` puts it on every row.
    carried_from: str | None = None
    # False: left off what is printed for the family to take away (who referred them, safeguarding).
    family_copy: bool = True

    @property
    def purpose(self) -> str:
        """The main purpose the field is collected for."""
        return self.purposes[0]

    def choices_for(self, services: Iterable[tuple[str, str]] | None = None) -> tuple[Choice, ...]:
        """The choices to offer: the fixed ones, or the organisation's services for ``choices_from``.

        ``services`` is (id, name) pairs; ValueError when the field needs them and none are given,
        because accepting any value then would store service ids that mean nothing.
        """
        if self.choices_from == "services":
            if services is None:
                raise ValueError(
                    f"field '{self.id}' takes its choices from the organisation's services; pass services="
                )
            return tuple(Choice(service_id, name) for service_id, name in services)
        return self.choices

    def item_field(self, field_id: str) -> FieldDef:
        for item in self.item_fields:
            if item.id == field_id:
                return item
        raise KeyError(f"{self.id}.{field_id}")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    fields: tuple[FieldDef, ...]
    help: str = ""
    repeat: str | None = None  # key of the list of entries in a submission, e.g. "members"
    entry_label: str | None = None  # what one entry is called, e.g. "Person"
    min_items: int | None = None
    max_items: int | None = None

    @property
    def repeated(self) -> bool:
        return self.repeat is not None


@dataclass(frozen=True)
class FormDefinition:
    id: str
    version: int
    title: str
    sections: tuple[Section, ...]
    description: str = ""
    status_values: tuple[str, ...] = ()  # states appended after submission, e.g. a referral's
    source: str = ""  # the file it was loaded from, for error messages

    def all_fields(self) -> Iterator[FieldDef]:
        """Every field of every section in form order (list item fields are inside their list)."""
        for section in self.sections:
            yield from section.fields

    def field(self, field_id: str) -> FieldDef:
        """A field by id; KeyError when there is none. Ids are unique across the whole form."""
        for f in self.all_fields():
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def section_of(self, field_id: str) -> Section:
        for section in self.sections:
            if any(f.id == field_id for f in section.fields):
                return section
        raise KeyError(field_id)

    def repeated_section(self, key: str) -> Section:
        for section in self.sections:
            if section.repeat == key:
                return section
        raise KeyError(key)

    @property
    def top_level_fields(self) -> tuple[FieldDef, ...]:
        """Fields filled in once per submission: those outside repeated sections."""
        return tuple(f for s in self.sections if not s.repeated for f in s.fields)
