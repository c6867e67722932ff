"""Load organisation profiles (``resources/organisations/<id>/organisation.yaml``).

A council IT administrator writes these files by hand, so every problem is reported as a
DefinitionError naming the file, the dotted key (``purposes[3].basis.article6``) and what is
wrong in plain words. Checking happens in two passes: the JSON Schema
(``profile.schema.json``) for shape, types and formats, then the cross-references and legal
consistency that a schema cannot express.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from centre_desk.domain.errors import DefinitionError
from centre_desk.domain.organisation import (
    CentreContact,
    ContactPoint,
    LawfulBasis,
    LegalHold,
    Organisation,
    Partner,
    PostalAddress,
    Purpose,
    Regulator,
    RetentionRule,
    Right,
    Service,
    SharingAgreement,
    StartEvent,
)
from centre_desk.formspec.resources import resources_dir

# Offered when a profile does not list its own session types.
DEFAULT_SESSION_TYPES = (
    {"id": "stay-and-play", "name": "Stay and play"},
    {"id": "baby-clinic", "name": "Baby clinic"},
    {"id": "drop-in", "name": "Drop-in"},
    {"id": "parenting-course", "name": "Parenting course"},
)

PROFILE_FILE = "organisation.yaml"
SCHEMA_FILE = "profile.schema.json"

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TOP = "(top level)"

ARTICLE6_NAMES: Mapping[str, str] = {
    "6(1)(a)": "consent",
    "6(1)(b)": "contract",
    "6(1)(c)": "legal obligation",
    "6(1)(d)": "vital interests",
    "6(1)(e)": "public task",
    "6(1)(f)": "legitimate interests",
}
ARTICLE9_NAMES: Mapping[str, str] = {
    "9(2)(a)": "explicit consent",
    "9(2)(b)": "employment, social security and social protection",
    "9(2)(c)": "vital interests",
    "9(2)(d)": "not-for-profit bodies",
    "9(2)(e)": "made public by the data subject",
    "9(2)(f)": "legal claims",
    "9(2)(g)": "substantial public interest",
    "9(2)(h)": "health or social care",
    "9(2)(i)": "public health",
    "9(2)(j)": "archiving, research and statistics",
}
# Article 6(3): legal obligation and public task must rest on a law the notice can name.
_NEEDS_LEGISLATION = {"6(1)(c)", "6(1)(e)"}
_CONSENT = "6(1)(a)"


def profiles_root() -> Path:
    """The folder holding one sub-folder per organisation profile."""
    return resources_dir() / "organisations"


def _schema_path() -> Path:
    # The schema describes what this version of the code can read, so it always comes from the
    # application's resources even when profiles are loaded from elsewhere.
    return profiles_root() / SCHEMA_FILE


def _profile_ids(root: Path) -> list[str]:
    if not root.is_dir():
        raise DefinitionError(str(root), "(folder)", "this profiles folder does not exist")
    return sorted(
        child.name
        for child in root.iterdir()
        if child.is_dir() and _ID.match(child.name) and (child / PROFILE_FILE).is_file()
    )


def list_profiles(root: Path | None = None) -> list[tuple[str, str]]:
    """Every profile under ``root`` as (id, organisation name), sorted by id.

    Each profile is fully loaded, so a broken one is reported here (at set-up) rather than
    after a device has been configured to use it.
    """
    base = profiles_root() if root is None else root
    return [(pid, load_profile(pid, base).name) for pid in _profile_ids(base)]


def load_profile(profile_id: str, root: Path | None = None) -> Organisation:
    """Load and validate one organisation profile. Raises DefinitionError on any problem."""
    base = profiles_root() if root is None else root
    if not isinstance(profile_id, str) or not _ID.match(profile_id):
        # Checked before touching the file system so an id can never climb out of ``base``.
        raise DefinitionError(
            str(base),
            "profile id",
            f"{profile_id!r} is not a profile id; ids use lower-case letters, digits and hyphens",
        )
    path = base / profile_id / PROFILE_FILE
    if not path.is_file():
        available = _profile_ids(base)
        listed = ", ".join(available) if available else "none"
        raise DefinitionError(
            str(base),
            "profile id",
            f"there is no organisation profile called '{profile_id}'; available profiles: {listed}",
        )
    doc = _read_yaml(path)
    _check_schema(path, doc)
    _check_meaning(path, profile_id, doc)
    return _build(doc)


# --- reading -------------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: object, first_line: int, second_line: int) -> None:
        super().__init__(key)
        self.key = key
        self.first_line = first_line
        self.second_line = second_line


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one block.

    Plain YAML keeps the last one silently, which would let a pasted-in second ``purposes:``
    wipe out the first without anyone noticing.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKey(key, seen[key], line)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    where = str(path)
    try:
        # utf-8-sig: Windows Notepad saves with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DefinitionError(where, "(file)", "is not saved as UTF-8 text") from None
    except OSError as exc:
        raise DefinitionError(where, "(file)", f"cannot be read ({exc.strerror})") from None
    loader = _StrictLoader(text)
    try:
        doc = loader.get_single_data()
    except _DuplicateKey as dup:
        raise DefinitionError(
            where,
            f"{dup.key} (line {dup.second_line})",
            f"is given twice in the same block (first on line {dup.first_line}); keep only one",
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        key = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"
        raise DefinitionError(where, key, f"is not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise DefinitionError(where, "(file)", f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if doc is None:
        raise DefinitionError(where, _TOP, "the file is empty")
    return doc


# --- schema pass ---------------------------------------------------------------------------------


def _key(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or _TOP


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a block of keys",
    "null": "empty",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a block of keys"
    return type(value).__name__


def _explain(error: ValidationError) -> tuple[str, str]:
    """(dotted key, plain-words problem) for one schema error."""
    path = list(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    # jsonschema types these as "Any | Unset"; a reported error always has them set.
    value: Any = error.validator_value
    instance: Any = error.instance

    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in value if k not in instance]
        return _key([*path, missing[0]]), "is missing"
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(schema.get("properties", {}))
        extra = sorted((k for k in instance if k not in known), key=str)
        allowed = ", ".join(sorted(known))
        close = difflib.get_close_matches(str(extra[0]), sorted(known), n=1)
        if close:
            problem = f"is not a key this file can have here; did you mean {close[0]}?"
        else:
            problem = f"is not a key this file can have here (check the spelling); allowed: {allowed}"
        return _key([*path, str(extra[0])]), problem
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
        problem = f"should be {words}, but is {_describe(instance)}"
        if "string" in wanted:
            problem += " (put it in quotes if it looks like a number, a date or yes/no)"
        return _key(path), problem
    if kind == "enum":
        return _key(path), "should be one of: " + ", ".join(str(v) for v in value)
    if kind == "const":
        if path == ["format_version"]:
            return _key(path), f"should be {value}: this version of Centre Desk reads format {value}"
        return _key(path), f"should be {value}"
    if kind == "pattern":
        return _key(path), str(schema.get("x-hint", "is not in the expected form"))
    if kind == "minLength":
        return _key(path), "should not be empty"
    if kind == "minItems":
        return _key(path), f"should list at least {value}"
    if kind in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return _key(path), f"should be between {low} and {high}"
        return _key(path), f"should be at {'least' if kind == 'minimum' else 'most'} {value}"
    return _key(path), error.message


def _check_schema(path: Path, doc: Any) -> None:
    schema_path = _schema_path()
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DefinitionError(
            str(schema_path), "(file)", f"the profile schema cannot be read: {exc}"
        ) from None
    error = best_match(Draft202012Validator(schema).iter_errors(doc))
    if error is not None:
        key, problem = _explain(error)
        raise DefinitionError(str(path), key, problem)


# --- meaning pass --------------------------------------------------------------------------------


def _unique_ids(path: Path, doc: Mapping[str, Any], section: str) -> set[str]:
    seen: dict[str, int] = {}
    for i, item in enumerate(doc.get(section, [])):
        ident = item["id"]
        if ident in seen:
            raise DefinitionError(
                str(path),
                f"{section}[{i}].id",
                f"'{ident}' is already used by {section}[{seen[ident]}]; each id must be different",
            )
        seen[ident] = i
    return set(seen)


def _check_contact(path: Path, key: str, contact: Mapping[str, Any]) -> None:
    if not any(contact.get(way) for way in ("email", "phone", "address", "web")):
        raise DefinitionError(
            str(path), key, "give at least one way to reach them: email, phone, address or web"
        )


def _check_basis(path: Path, key: str, basis: Mapping[str, Any]) -> None:
    art6 = basis["article6"]
    name6 = basis.get("article6_name")
    if name6 is not None and name6.strip().lower() != ARTICLE6_NAMES[art6]:
        raise DefinitionError(
            str(path), f"{key}.article6_name", f"Article {art6} is '{ARTICLE6_NAMES[art6]}', not '{name6}'"
        )
    art9 = basis.get("article9")
    name9 = basis.get("article9_name")
    if art9 is None and name9 is not None:
        raise DefinitionError(str(path), f"{key}.article9", "is missing although article9_name is given")
    if art9 is not None and name9 is not None and name9.strip().lower() != ARTICLE9_NAMES[art9]:
        raise DefinitionError(
            str(path), f"{key}.article9_name", f"Article {art9} is '{ARTICLE9_NAMES[art9]}', not '{name9}'"
        )
    if art6 in _NEEDS_LEGISLATION and not basis.get("legislation"):
        raise DefinitionError(
            str(path),
            f"{key}.legislation",
            f"Article {art6} ({ARTICLE6_NAMES[art6]}) needs the law it rests on; list at least one",
        )


def _check_meaning(path: Path, folder_id: str, doc: Mapping[str, Any]) -> None:
    where = str(path)
    if doc["id"] != folder_id:
        raise DefinitionError(
            where, "id", f"is '{doc['id']}' but the profile's folder is called '{folder_id}'; they must match"
        )
    service_ids = _unique_ids(path, doc, "services")
    partner_ids = _unique_ids(path, doc, "partners")
    _unique_ids(path, doc, "purposes")
    _unique_ids(path, doc, "retention")
    _unique_ids(path, doc, "rights")
    if doc.get("data_sharing_agreements"):
        _unique_ids(path, doc, "data_sharing_agreements")
        for i, agreement in enumerate(doc["data_sharing_agreements"]):
            if agreement["partner"] not in partner_ids:
                raise DefinitionError(where, f"data_sharing_agreements[{i}].partner",
                                      f"'{agreement['partner']}' is not one of the partners listed under partners")

    _check_contact(path, "dpo", doc["dpo"])
    _check_contact(path, "complaints", doc["complaints"])

    for i, purpose in enumerate(doc["purposes"]):
        key = f"purposes[{i}]"
        _check_basis(path, f"{key}.basis", purpose["basis"])
        consent = purpose["basis"]["article6"] == _CONSENT
        if purpose["id"] == "email-contact" and not consent:
            raise DefinitionError(
                where,
                f"{key}.basis.article6",
                "the email-contact purpose must rest on consent, 6(1)(a): "
                "families choose whether to be emailed",
            )
        if purpose.get("per_partner"):
            if not consent:
                raise DefinitionError(
                    where,
                    f"{key}.per_partner",
                    "only a consent-based purpose, 6(1)(a), can ask for consent partner by partner",
                )
            if not partner_ids:
                raise DefinitionError(where, f"{key}.per_partner", "needs at least one entry under partners")

    # Two rules for the same service and condition would leave the retention review guessing.
    claimed: dict[tuple[str, str], int] = {}
    for i, rule in enumerate(doc["retention"]):
        for j, service in enumerate(rule.get("services", [])):
            if service not in service_ids:
                raise DefinitionError(
                    where,
                    f"retention[{i}].services[{j}]",
                    f"'{service}' is not one of the services listed under services: "
                    + ", ".join(sorted(service_ids)),
                )
        condition = rule.get("condition", "")
        for service in rule.get("services", []) or ["(every record)"]:
            if (service, condition) in claimed:
                raise DefinitionError(
                    where,
                    f"retention[{i}]",
                    f"retention[{claimed[service, condition]}] already covers {service}"
                    + (f" with condition '{condition}'" if condition else "")
                    + "; give one of them a different condition",
                )
            claimed[service, condition] = i

    hold = doc.get("legal_hold")
    if hold and hold["active"] and not str(hold.get("reason", "")).strip():
        raise DefinitionError(
            where, "legal_hold.reason", "say why records are on hold; notices must tell families"
        )


# --- building ------------------------------------------------------------------------------------


def _address(data: Mapping[str, Any]) -> PostalAddress:
    return PostalAddress(lines=tuple(data["lines"]), postcode=data["postcode"])


def _contact(data: Mapping[str, Any]) -> ContactPoint:
    return ContactPoint(
        name=data["name"],
        email=data.get("email"),
        phone=data.get("phone"),
        address=_address(data["address"]) if "address" in data else None,
        web=data.get("web"),
    )


def _basis(data: Mapping[str, Any]) -> LawfulBasis:
    art6 = data["article6"]
    art9 = data.get("article9")
    return LawfulBasis(
        article6=art6,
        article6_name=data.get("article6_name") or ARTICLE6_NAMES[art6],
        article9=art9,
        article9_name=(data.get("article9_name") or ARTICLE9_NAMES[art9]) if art9 else None,
        legislation=tuple(data.get("legislation", ())),
    )


def _texts(items: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(items or ())


def _build(doc: Mapping[str, Any]) -> Organisation:
    reg = doc["regulator"]
    hold = doc.get("legal_hold")
    return Organisation(
        id=doc["id"],
        name=doc["name"],
        data_controller=doc.get("data_controller"),
        address=_address(doc["address"]),
        web=doc.get("web"),
        dpo=_contact(doc["dpo"]),
        complaints=_contact(doc["complaints"]),
        regulator=Regulator(
            name=reg["name"],
            phone=reg["phone"],
            address=_address(reg["address"]),
            web=reg.get("web"),
            other_ways=reg.get("other_ways"),
        ),
        services=tuple(Service(s["id"], s["name"], s.get("description", "")) for s in doc["services"]),
        partners=tuple(Partner(p["id"], p["name"], p.get("description", "")) for p in doc["partners"]),
        purposes=tuple(
            Purpose(
                id=p["id"],
                name=p["name"],
                description=p["description"],
                basis=_basis(p["basis"]),
                per_partner=bool(p.get("per_partner", False)),
            )
            for p in doc["purposes"]
        ),
        retention=tuple(
            RetentionRule(
                id=r["id"],
                name=r["name"],
                start_event=StartEvent(r["start_event"]),
                period_years=r["period_years"],
                services=tuple(r.get("services", ())),
                condition=r.get("condition", ""),
            )
            for r in doc["retention"]
        ),
        rights=tuple(Right(r["id"], r["name"], r["how"]) for r in doc["rights"]),
        idle_lock_minutes=doc["idle_lock_minutes"],
        legal_hold=LegalHold(bool(hold["active"]), hold.get("reason", "")) if hold else LegalHold(False),
        agreements=tuple(SharingAgreement(a["id"], a["name"], a["partner"], a["basis"], a.get("description", ""))
                         for a in doc.get("data_sharing_agreements") or ()),
        what_we_collect=_texts(doc.get("what_we_collect")),
        how_we_collect=_texts(doc.get("how_we_collect")),
        transfers_abroad=doc.get("transfers_abroad", ""),
        reach_statistics_age_limit=doc.get("reach_statistics_age_limit"),
        centre_contact=CentreContact(**{k: str(v) for k, v in (doc.get("centre_contact") or {}).items()}),
        session_types=tuple((t["id"], t["name"]) for t in doc.get("session_types") or DEFAULT_SESSION_TYPES),
    )
