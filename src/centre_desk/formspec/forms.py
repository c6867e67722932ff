"""Form definitions: find ``forms/``, load a definition, check it, and validate submissions.

A definition is checked twice before anything uses it: by ``forms/schema.json`` for its shape,
then here for what a schema cannot say (ids unique across the form, conditions naming real fields,
validation that suits the field type). Either way a mistake raises ``DefinitionError`` naming the
file, the key and the line, so that a council's IT administrator can mend the YAML without Python.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

from centre_desk.domain.errors import DefinitionError, NotFound
from centre_desk.formspec.model import (
    Choice,
    Condition,
    FieldDef,
    FieldType,
    FormDefinition,
    Section,
    Validation,
)
from centre_desk.formspec.submission import validate_field, validate_submission

__all__ = [
    "ENV_VAR",
    "Choice",
    "Condition",
    "FieldDef",
    "FieldType",
    "FormDefinition",
    "Section",
    "Validation",
    "forms_dir",
    "list_forms",
    "load_form",
    "special_category_fields",
    "validate_field",
    "validate_submission",
]

ENV_VAR = "CENTRE_DESK_FORMS"
SCHEMA_FILE = "schema.json"

# src/centre_desk/formspec/forms.py -> the checkout root is three folders above the package.
_CHECKOUT_ROOT = Path(__file__).resolve().parents[3]
_FORM_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def forms_dir() -> Path:
    """The ``forms`` folder: ``CENTRE_DESK_FORMS`` if set, else the checkout's, else the one
    bundled with a frozen executable.

    Raises DefinitionError when the variable names a missing folder (falling back silently would
    load forms other than the ones the administrator chose) or when no folder is found.
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise DefinitionError(str(path), ENV_VAR, "this folder does not exist")
        return path
    checkout = _CHECKOUT_ROOT / "forms"
    if checkout.is_dir():
        return checkout
    if getattr(sys, "frozen", False):
        # PyInstaller unpacks bundled data under _MEIPASS; other freezers lay it beside the .exe.
        meipass = getattr(sys, "_MEIPASS", None)
        bases = [Path(meipass)] if meipass else []
        bases.append(Path(sys.executable).resolve().parent)
        for base in bases:
            if (base / "forms").is_dir():
                return base / "forms"
    raise DefinitionError(
        "forms",
        ENV_VAR,
        f"the form definitions cannot be found; reinstall the application or set {ENV_VAR} "
        "to the folder that holds membership.yaml",
    )


def list_forms(root: Path | str | None = None) -> list[str]:
    """Ids of the form definitions in ``root`` (default ``forms_dir()``), sorted."""
    folder = Path(root) if root is not None else forms_dir()
    return sorted(p.stem for p in folder.glob("*.yaml") if _FORM_ID.match(p.stem))


def load_form(form_id: str, root: Path | str | None = None) -> FormDefinition:
    """Load ``<root>/<form_id>.yaml``, check it against the schema and then semantically.

    The schema is ``<root>/schema.json``, or the application's own when ``root`` has none.
    Raises NotFound for a missing file and DefinitionError for anything wrong inside one.
    """
    if not _FORM_ID.match(form_id):
        # Also keeps "../something" from reaching the file system.
        raise ValueError(f"not a form id: {form_id!r}")
    folder = Path(root) if root is not None else forms_dir()
    path = folder / f"{form_id}.yaml"
    if not path.is_file():
        raise NotFound(f"there is no form definition '{form_id}' in {folder}")
    schema_path = folder / SCHEMA_FILE
    if not schema_path.is_file():
        schema_path = forms_dir() / SCHEMA_FILE
    text = path.read_text(encoding="utf-8")
    raw = _parse_yaml(path, text)
    _check_schema(path, text, raw, _read_schema(schema_path))
    return _Builder(path, text, form_id).form(raw)


def special_category_fields(form: FormDefinition) -> list[FieldDef]:
    """Fields holding UK GDPR Article 9 data (ethnicity, health...), in form order."""
    return [f for f in form.all_fields() if f.special_category]


# --- YAML -----------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 scalars and no silent duplicate keys.

    Under YAML 1.1 rules a choice written ``value: no`` loads as False and ``"1900-01-01"``
    written without quotes loads as a date; both would then fail the schema with a confusing
    message, or worse, pass. A repeated key silently keeps the last value, hiding an edit.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{key_node.value}' appears twice", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(str(path), "(file)", f"not valid YAML: {problem}{where}") from None


def _line_of(text: str, keys: Sequence[str | int]) -> int | None:
    """The line in the YAML text where the value at ``keys`` (or its nearest parent) starts."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in keys:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _key_text(keys: Sequence[str | int]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out or "(top level)"


def _fail(path: Path, text: str, keys: Sequence[str | int], problem: str) -> NoReturn:
    line = _line_of(text, keys)
    where = f" (line {line})" if line is not None else ""
    raise DefinitionError(str(path), _key_text(keys), problem + where)


# --- schema ---------------------------------------------------------------------------------


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
    except FileNotFoundError:
        raise DefinitionError(str(path), "(file)", "the form schema is missing") from None
    except json.JSONDecodeError as exc:
        raise DefinitionError(str(path), "(file)", f"not valid JSON: {exc}") from None
    except jsonschema.SchemaError as exc:
        raise DefinitionError(str(path), _key_text(list(exc.absolute_path)), exc.message) from None
    if not isinstance(schema, dict):
        raise DefinitionError(str(path), "(file)", "the schema must be a JSON object")
    return schema


def _check_schema(path: Path, text: str, raw: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    error = best_match(validator.iter_errors(raw))
    if error is None:
        return
    keys, problem = _describe(error)
    _fail(path, text, keys, problem)


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a set of keys and values",
    "number": "a number",
}


def _describe(error: ValidationError) -> tuple[list[str | int], str]:
    """Turn a jsonschema error into (where, plain words) for someone editing YAML by hand."""
    keys: list[str | int] = list(error.absolute_path)
    instance, value = error.instance, error.validator_value
    match error.validator:
        case "required":
            missing = [k for k in value if not (isinstance(instance, dict) and k in instance)]
            return [*keys, missing[0]] if missing else keys, "is missing"
        case "additionalProperties":
            known = set(error.schema.get("properties", {}))
            extra = sorted(k for k in instance if k not in known) if isinstance(instance, dict) else []
            if extra:
                return [*keys, extra[0]], "is not a key this part of a form may have (check the spelling)"
        case "type":
            wanted = [value] if isinstance(value, str) else list(value)
            return keys, "must be " + " or ".join(_TYPE_WORDS.get(t, t) for t in wanted)
        case "enum":
            return keys, "must be one of: " + ", ".join(str(v) for v in value)
        case "const":
            return keys, f"must be {value}"
        case "pattern":
            hint = error.schema.get("x-hint")
            return keys, hint if isinstance(hint, str) else f"does not match the pattern {value}"
        case "minItems":
            return keys, f"needs at least {value} {'entry' if value == 1 else 'entries'}"
        case "minLength":
            return keys, "must not be empty"
        case "minimum":
            return keys, f"must be at least {value}"
        case "uniqueItems":
            return keys, "has the same entry twice"
        case "dependentRequired":
            return keys, _describe_dependent(instance, value)
        case "not":
            return keys, _describe_not(instance, value)
        case "oneOf" if isinstance(instance, dict) and "equals" in instance and "in" in instance:
            return keys, "give either 'equals' or 'in', not both"
    # Definitions hold no personal data, so the library's own message is safe to show; cap it
    # because it can repeat a whole section back.
    message = error.message
    return keys, message if len(message) <= 200 else message[:197] + "..."


def _describe_dependent(instance: Any, value: dict[str, list[str]]) -> str:
    for key, needs in value.items():
        if isinstance(instance, dict) and key in instance:
            absent = [n for n in needs if n not in instance]
            if absent:
                return f"'{key}' needs '{absent[0]}' as well"
    return "a key is missing the key it depends on"


def _describe_not(instance: Any, value: Any) -> str:
    names: list[str] = []

    def collect(schema: Any) -> None:
        if isinstance(schema, dict):
            names.extend(n for n in schema.get("required", []) if isinstance(instance, dict) and n in instance)
            for sub in schema.get("anyOf", []):
                collect(sub)

    collect(value)
    if len(names) > 1:
        return " and ".join(f"'{n}'" for n in names) + " cannot be used together"
    kind = instance.get("type") if isinstance(instance, dict) else None
    if names and kind:
        return f"'{names[0]}' is not allowed on a {kind} field"
    return "this combination of keys is not allowed"


# --- semantic checks and building -----------------------------------------------------------

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

Keys = list[str | int]


class _Builder:
    """Builds the dataclasses from schema-valid YAML, failing on the first semantic mistake."""

    def __init__(self, path: Path, text: str, form_id: str) -> None:
        self.path, self.text, self.form_id = path, text, form_id
        self.field_keys: dict[str, Keys] = {}  # field id -> where it is defined

    def fail(self, keys: Keys, problem: str) -> NoReturn:
        _fail(self.path, self.text, keys, problem)

    def form(self, raw: dict[str, Any]) -> FormDefinition:
        if raw["id"] != self.form_id:
            self.fail(["id"], f"must be '{self.form_id}', the name of the file")
        sections = self._sections(raw["sections"])
        self._check_conditions(raw["sections"], sections)
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
        for si, section in enumerate(sections):
            if section.repeat is None:
                continue
            if section.repeat in self.field_keys or section.repeat in repeats:
                self.fail(["sections", si, "repeat"], f"'{section.repeat}' is already used as a key on this form")
            repeats.add(section.repeat)
        return tuple(sections)

    def _field(self, raw: dict[str, Any], keys: Keys, parent: FieldDef | None = None) -> FieldDef:
        field_id = raw["id"]
        if parent is None:
            if field_id in self.field_keys:
                where = _key_text(self.field_keys[field_id])
                self.fail([*keys, "id"], f"field id '{field_id}' is already used at {where}; ids must be unique")
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
        )
        if kind is FieldType.LIST:
            # Item fields share the list's purpose and special category status: one decision.
            seen: set[str] = set()
            items = []
            for ii, raw_item in enumerate(raw["item_fields"]):
                item_keys: Keys = [*keys, "item_fields", ii]
                if raw_item["id"] in seen:
                    self.fail([*item_keys, "id"], f"item field id '{raw_item['id']}' is used twice")
                seen.add(raw_item["id"])
                items.append(self._field(raw_item, item_keys, parent=made))
            made = dataclasses.replace(made, item_fields=tuple(items))
        return made

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

    def _check_conditions(self, raw_sections: list[dict[str, Any]], sections: tuple[Section, ...]) -> None:
        # A condition may only look at fields filled in alongside it: a member's fields at the
        # same member, a household field at the household. Anything else has no single answer.
        top_scope = {f.id: f for s in sections if not s.repeated for f in s.fields}
        for si, section in enumerate(sections):
            scope = {f.id: f for f in section.fields} if section.repeated else top_scope
            for fi, f in enumerate(section.fields):
                keys: Keys = ["sections", si, "fields", fi]
                for key, condition in (("shown_when", f.shown_when), ("required_when", f.required_when)):
                    if condition is not None:
                        self._check_condition(condition, f, scope, [*keys, key])
                self._check_cycle(f, scope, [*keys, "shown_when"])

    def _check_condition(self, condition: Condition, owner: FieldDef, scope: dict[str, FieldDef], keys: Keys) -> None:
        controller = scope.get(condition.field)
        if condition.field == owner.id:
            self.fail([*keys, "field"], "a field cannot depend on itself")
        if controller is None:
            elsewhere = " (it is in another part of the form)" if condition.field in self.field_keys else ""
            self.fail([*keys, "field"], f"there is no field '{condition.field}' alongside this one{elsewhere}")
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
                self.fail(keys, "shown_when conditions go round in a circle: " + " -> ".join([*chain, nxt.id]))
            chain.append(nxt.id)
            current = nxt
