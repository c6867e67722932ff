"""Checks on a form definition that a JSON Schema cannot express, and building the dataclasses.

Runs after ``form_files.check_schema``, so the shape is known to be right: every id is unique
across the form, conditions name a suitable field filled in alongside, validation suits the
field type. The first mistake raises DefinitionError naming the file, the key and the line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from centre_desk.formspec.form_files import Keys, fail, key_text
from centre_desk.formspec.model import (
    Choice,
    Condition,
    FieldDef,
    FieldType,
    FormDefinition,
    Section,
    Validation,
)
from centre_desk.formspec.submission import ENTRY_ID_KEY


def build_form(path: Path, text: str, form_id: str, raw: dict[str, Any]) -> FormDefinition:
    """The definition from schema-valid YAML ``raw``, read from ``path`` (whose contents are ``text``)."""
    return _Builder(path, text, form_id).form(raw)


_TEXT_LIKE = {FieldType.TEXT, FieldType.MULTILINE, FieldType.EMAIL, FieldType.PHONE}
_VALIDATION_APPLIES: dict[str, set[FieldType]] = {
    "max_length": _TEXT_LIKE,
    "min_length": _TEXT_LIKE,
    "pattern": _TEXT_LIKE,
    "pattern_message": _TEXT_LIKE,
    "not_in_future": {FieldType.DATE},
    "not_before": {FieldType.DATE},
    "min_items": {FieldType.MULTICHOICE, FieldType.LIST},
    "max_items": {FieldType.MULTICHOICE, FieldType.LIST},
}
_CONTROLLERS = {FieldType.CHOICE, FieldType.MULTICHOICE, FieldType.BOOLEAN}
# What one row of a per_entry field may hold: short answers that fit a cell of a small table.
_PER_ENTRY_ITEM_TYPES = {FieldType.CHOICE.value, FieldType.BOOLEAN.value}


class _Builder:
    """Builds the dataclasses from schema-valid YAML, failing on the first semantic mistake."""

    def __init__(self, path: Path, text: str, form_id: str) -> None:
        self.path, self.text, self.form_id = path, text, form_id
        self.field_keys: dict[str, Keys] = {}  # field id -> where it is defined

    def fail(self, keys: Keys, problem: str) -> NoReturn:
        fail(self.path, self.text, keys, problem)

    def form(self, raw: dict[str, Any]) -> FormDefinition:
        if raw["id"] != self.form_id:
            self.fail(["id"], f"must be '{self.form_id}', the name of the file")
        sections = self._sections(raw["sections"])
        self._check_conditions(sections)
        return FormDefinition(
            id=raw["id"],
            version=raw["version"],
            title=raw["title"],
            sections=sections,
            description=raw.get("description", ""),
            status_values=tuple(raw.get("status_values", ())),
            source=str(self.path),
        )

    def _sections(self, raw_sections: list[dict[str, Any]]) -> tuple[Section, ...]:
        section_ids: set[str] = set()
        sections: list[Section] = []
        for si, raw in enumerate(raw_sections):
            keys: Keys = ["sections", si]
            if raw["id"] in section_ids:
                self.fail([*keys, "id"], f"section id '{raw['id']}' is used twice")
            section_ids.add(raw["id"])
            fields = tuple(self._field(f, [*keys, "fields", fi]) for fi, f in enumerate(raw["fields"]))
            self._check_range(raw, keys, "min_items", "max_items")
            sections.append(
                Section(
                    id=raw["id"],
                    title=raw["title"],
                    fields=fields,
                    help=raw.get("help", ""),
                    repeat=raw.get("repeat"),
                    entry_label=raw.get("entry_label"),
                    min_items=raw.get("min_items"),
                    max_items=raw.get("max_items"),
                )
            )
        repeats: set[str] = set()
        self._check_per_entry(sections)
        for si, section in enumerate(sections):
            if section.repeat is None:
                continue
            for fi, f in enumerate(section.fields):
                if f.id == ENTRY_ID_KEY:
                    self.fail(
                        ["sections", si, "fields", fi, "id"],
                        f"'{ENTRY_ID_KEY}' is kept for the record id of each entry; choose another field id",
                    )
            if section.repeat in self.field_keys or section.repeat in repeats:
                self.fail(
                    ["sections", si, "repeat"], f"'{section.repeat}' is already used as a key on this form"
                )
            repeats.add(section.repeat)
        return tuple(sections)

    def _field(self, raw: dict[str, Any], keys: Keys, parent: FieldDef | None = None) -> FieldDef:
        field_id = raw["id"]
        if parent is None:
            if field_id in self.field_keys:
                where = key_text(self.field_keys[field_id])
                self.fail(
                    [*keys, "id"], f"field id '{field_id}' is already used at {where}; ids must be unique"
                )
            self.field_keys[field_id] = keys
        kind = FieldType(raw["type"])
        if raw.get("required") and "required_when" in raw:
            self.fail([*keys, "required_when"], "give either 'required: true' or 'required_when', not both")
        choices = self._choices(raw.get("choices", []), [*keys, "choices"])
        purpose = raw.get("purpose", parent.purposes if parent else ())
        purposes = (purpose,) if isinstance(purpose, str) else tuple(purpose)
        special = raw.get("special_category", parent.special_category if parent else False)
        made = FieldDef(
            id=field_id,
            label=raw["label"],
            type=kind,
            purposes=purposes,
            special_category=special,
            required=raw.get("required", False),
            required_when=self._condition(raw.get("required_when")),
            help=raw.get("help", ""),
            choices=choices,
            choices_from=raw.get("choices_from"),
            validation=self._validation(raw.get("validation", {}), kind, [*keys, "validation"]),
            shown_when=self._condition(raw.get("shown_when")),
            family_copy=raw.get("family_copy", parent.family_copy if parent else True),
            entries=self._condition(raw.get("entries")),
            carried_from=raw.get("carried_from"),
        )
        if made.carried_from is not None and (parent is None or parent.type is not FieldType.PER_ENTRY):
            self.fail([*keys, "carried_from"], "only the item fields of a per_entry field may carry an answer over")
        if kind in (FieldType.LIST, FieldType.PER_ENTRY):
            # Item fields share the field's purpose and special category status: one decision.
            seen: set[str] = set()
            items = []
            for ii, raw_item in enumerate(raw["item_fields"]):
                item_keys: Keys = [*keys, "item_fields", ii]
                if raw_item["id"] in seen:
                    self.fail([*item_keys, "id"], f"item field id '{raw_item['id']}' is used twice")
                seen.add(raw_item["id"])
                if kind is FieldType.PER_ENTRY and raw_item["type"] not in _PER_ENTRY_ITEM_TYPES:
                    self.fail([*item_keys, "type"], "a per_entry row holds choice or boolean answers only")
                items.append(self._field(raw_item, item_keys, parent=made))
            made = dataclasses.replace(made, item_fields=tuple(items))
        return made

    def _check_per_entry(self, sections: list[Section]) -> None:
        """A per_entry field sits in a repeated section; its ``entries`` condition names a choice or
        boolean field of that section that is always shown (which entries get a row must not hang on
        another answer); each ``carried_from`` names a field this version no longer has, once."""
        carried: dict[str, Keys] = {}
        for si, section in enumerate(sections):
            scope = {f.id: f for f in section.fields}
            for fi, f in enumerate(section.fields):
                if f.type is not FieldType.PER_ENTRY:
                    continue
                keys: Keys = ["sections", si, "fields", fi]
                if section.repeat is None:
                    self.fail([*keys, "type"],
                              "a per_entry field belongs in a repeated section (one row per other entry)")
                assert f.entries is not None  # the schema requires it
                self._check_condition(f.entries, f, scope, [*keys, "entries"])
                if scope[f.entries.field].shown_when is not None:
                    self.fail([*keys, "entries", "field"],
                              f"'{f.entries.field}' is only shown sometimes; name a field every entry answers")
                for ii, item in enumerate(f.item_fields):
                    if item.carried_from is None:
                        continue
                    item_keys: Keys = [*keys, "item_fields", ii, "carried_from"]
                    if item.carried_from in self.field_keys:
                        self.fail(item_keys, f"'{item.carried_from}' is still a field of this form; carry over "
                                             "only a field an earlier version had")
                    if item.carried_from in carried:
                        self.fail(item_keys, f"'{item.carried_from}' is already carried over at "
                                             f"{key_text(carried[item.carried_from])}")
                    carried[item.carried_from] = item_keys

    def _choices(self, raw: list[dict[str, str]], keys: Keys) -> tuple[Choice, ...]:
        seen: set[str] = set()
        for ci, choice in enumerate(raw):
            if choice["value"] in seen:
                self.fail([*keys, ci, "value"], f"choice value '{choice['value']}' is used twice")
            seen.add(choice["value"])
        return tuple(Choice(c["value"], c["label"], c.get("group")) for c in raw)

    @staticmethod
    def _condition(raw: dict[str, Any] | None) -> Condition | None:
        if raw is None:
            return None
        values = raw["in"] if "in" in raw else [raw["equals"]]
        return Condition(raw["field"], tuple(values))

    def _validation(self, raw: dict[str, Any], kind: FieldType, keys: Keys) -> Validation:
        for key in raw:
            if kind not in _VALIDATION_APPLIES[key]:
                self.fail([*keys, key], f"does not apply to a {kind} field")
        self._check_range(raw, keys, "min_length", "max_length")
        self._check_range(raw, keys, "min_items", "max_items")
        if "pattern" in raw:
            try:
                re.compile(raw["pattern"])
            except re.error as exc:
                self.fail([*keys, "pattern"], f"is not a valid regular expression: {exc.msg}")
        not_before = None
        if "not_before" in raw:
            try:
                not_before = date.fromisoformat(raw["not_before"])
            except ValueError:
                self.fail([*keys, "not_before"], "is not a real date")
        return Validation(
            max_length=raw.get("max_length"),
            min_length=raw.get("min_length"),
            pattern=raw.get("pattern"),
            pattern_message=raw.get("pattern_message"),
            not_in_future=raw.get("not_in_future", False),
            not_before=not_before,
            min_items=raw.get("min_items"),
            max_items=raw.get("max_items"),
        )

    def _check_range(self, raw: Mapping[str, Any], keys: Keys, low: str, high: str) -> None:
        if low in raw and high in raw and raw[low] > raw[high]:
            self.fail([*keys, low], f"is more than {high}")

    def _check_conditions(self, sections: tuple[Section, ...]) -> None:
        # A condition looks at fields with one answer for it: a household field may depend on any
        # household field (in any section), a member's field on that member's fields or on the
        # household's. A household field depending on a member's has no single answer.
        top_scope = {f.id: f for s in sections if not s.repeated for f in s.fields}
        for si, section in enumerate(sections):
            scope = top_scope | {f.id: f for f in section.fields} if section.repeated else top_scope
            for fi, f in enumerate(section.fields):
                keys: Keys = ["sections", si, "fields", fi]
                for key, condition in (("shown_when", f.shown_when), ("required_when", f.required_when)):
                    if condition is not None:
                        self._check_condition(condition, f, scope, [*keys, key])
                self._check_cycle(f, scope, [*keys, "shown_when"])

    def _check_condition(
        self, condition: Condition, owner: FieldDef, scope: dict[str, FieldDef], keys: Keys
    ) -> None:
        controller = scope.get(condition.field)
        if condition.field == owner.id:
            self.fail([*keys, "field"], "a field cannot depend on itself")
        if controller is None:
            elsewhere = " (it is in another part of the form)" if condition.field in self.field_keys else ""
            self.fail(
                [*keys, "field"], f"there is no field '{condition.field}' alongside this one{elsewhere}"
            )
        if controller.type not in _CONTROLLERS:
            self.fail(
                [*keys, "field"],
                f"'{controller.id}' is a {controller.type} field; conditions need a choice, multichoice "
                "or boolean field",
            )
        for value in condition.values:
            if controller.type is FieldType.BOOLEAN:
                if not isinstance(value, bool):
                    self.fail(keys, f"'{controller.id}' is yes/no: compare it with true or false")
            elif not isinstance(value, str):
                self.fail(keys, f"'{controller.id}' has choices: compare it with a choice value")
            elif controller.choices and value not in {c.value for c in controller.choices}:
                self.fail(keys, f"'{value}' is not one of the choices of '{controller.id}'")

    def _check_cycle(self, start: FieldDef, scope: dict[str, FieldDef], keys: Keys) -> None:
        chain = [start.id]
        current = start
        while current.shown_when is not None:
            nxt = scope.get(current.shown_when.field)
            if nxt is None:
                return
            if nxt.id in chain:
                self.fail(
                    keys, "shown_when conditions go round in a circle: " + " -> ".join([*chain, nxt.id])
                )
            chain.append(nxt.id)
            current = nxt
