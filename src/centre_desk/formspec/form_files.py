"""Reading a definition file: strict YAML, the JSON Schema, and errors that point at a line.

Shared by the form loader; everything here raises DefinitionError(path, key, problem) with the
problem in words a council IT administrator editing YAML by hand can act on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

from centre_desk.domain.errors import DefinitionError

Keys = list[str | int]


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


def parse_yaml(path: Path, text: str) -> Any:
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


def key_text(keys: Sequence[str | int]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out or "(top level)"


def fail(path: Path, text: str, keys: Sequence[str | int], problem: str) -> NoReturn:
    line = _line_of(text, keys)
    where = f" (line {line})" if line is not None else ""
    raise DefinitionError(str(path), key_text(keys), problem + where)


def read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
    except FileNotFoundError:
        raise DefinitionError(str(path), "(file)", "the form schema is missing") from None
    except json.JSONDecodeError as exc:
        raise DefinitionError(str(path), "(file)", f"not valid JSON: {exc}") from None
    except jsonschema.SchemaError as exc:
        raise DefinitionError(str(path), key_text(list(exc.absolute_path)), exc.message) from None
    if not isinstance(schema, dict):
        raise DefinitionError(str(path), "(file)", "the schema must be a JSON object")
    return schema


def check_schema(path: Path, text: str, raw: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    error = best_match(validator.iter_errors(raw))
    if error is None:
        return
    keys, problem = _describe(error)
    fail(path, text, keys, problem)


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
    instance: Any = error.instance
    value: Any = error.validator_value
    schema: Any = error.schema
    match error.validator:
        case "required":
            missing = [k for k in value if not (isinstance(instance, dict) and k in instance)]
            return [*keys, missing[0]] if missing else keys, "is missing"
        case "additionalProperties":
            known = set(schema.get("properties", {}))
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
            hint = schema.get("x-hint")
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
            return _describe_not(keys, instance, value)
        case "anyOf" if all(isinstance(s, dict) and list(s) == ["required"] for s in value):
            options = [f"'{name}'" for s in value for name in s["required"]]
            return keys, "needs " + " or ".join(options)
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


def _describe_not(keys: Keys, instance: Any, value: Any) -> tuple[Keys, str]:
    names: list[str] = []

    def collect(schema: Any) -> None:
        if isinstance(schema, dict):
            names.extend(
                n for n in schema.get("required", []) if isinstance(instance, dict) and n in instance
            )
            for sub in schema.get("anyOf", []):
                collect(sub)

    collect(value)
    if len(names) > 1:
        return keys, " and ".join(f"'{n}'" for n in names) + " cannot be used together"
    kind = instance.get("type") if isinstance(instance, dict) else None
    if names and kind:
        return [*keys, names[0]], f"is not allowed on a {kind} field"
    return keys, "this combination of keys is not allowed"
