"""Form definitions: find ``forms/``, load a definition, check it, and validate submissions.

A definition is checked twice before anything uses it: by ``forms/schema.json`` for its shape,
then by ``form_checks`` for what a schema cannot say (ids unique across the form, conditions
naming real fields, validation that suits the field type). Either way a mistake raises
``DefinitionError`` naming the file, the key and the line, so that a council's IT administrator
can mend the YAML without Python.

This module is the public face of the package's form handling; the rest live in ``model``
(the dataclasses), ``submission`` (validation), ``form_files`` and ``form_checks`` (loading).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from centre_desk.domain.errors import DefinitionError, NotFound
from centre_desk.formspec.form_checks import build_form
from centre_desk.formspec.form_files import check_schema, parse_yaml, read_schema
from centre_desk.formspec.model import (
    Choice,
    Condition,
    FieldDef,
    FieldType,
    FormDefinition,
    Section,
    Validation,
)
from centre_desk.formspec.resources import bundled_dir
from centre_desk.formspec.submission import ENTRY_ID_KEY, validate_field, validate_submission

__all__ = [
    "ENTRY_ID_KEY",
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

_FORM_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _bundled_forms_dir() -> Path | None:
    """The forms shipped with this copy of the application (checkout, install or frozen bundle)."""
    return bundled_dir("forms")


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
    found = _bundled_forms_dir()
    if found is None:
        raise DefinitionError(
            "forms",
            ENV_VAR,
            f"the form definitions cannot be found; reinstall the application or set {ENV_VAR} "
            "to the folder that holds membership.yaml",
        )
    return found


def _schema_path() -> Path:
    # The schema describes what this version of the code can read, so it comes with the
    # application even when the definitions themselves are loaded from elsewhere.
    bundled = _bundled_forms_dir()
    return (bundled if bundled is not None else forms_dir()) / SCHEMA_FILE


def list_forms(root: Path | str | None = None) -> list[str]:
    """Ids of the form definitions in ``root`` (default ``forms_dir()``), sorted."""
    folder = Path(root) if root is not None else forms_dir()
    return sorted(p.stem for p in folder.glob("*.yaml") if _FORM_ID.match(p.stem))


def load_form(form_id: str, root: Path | str | None = None) -> FormDefinition:
    """Load ``<root>/<form_id>.yaml`` (default root ``forms_dir()``) and check it.

    Raises NotFound when there is no such file, DefinitionError(path, key, problem) for anything
    wrong inside it, ValueError when ``form_id`` is not an id at all.
    """
    if not _FORM_ID.match(form_id):
        # Also keeps "../something" away from the file system.
        raise ValueError(f"not a form id: {form_id!r}")
    folder = Path(root) if root is not None else forms_dir()
    path = folder / f"{form_id}.yaml"
    if not path.is_file():
        raise NotFound(f"there is no form definition '{form_id}' in {folder}")
    text = path.read_text(encoding="utf-8")
    raw = parse_yaml(path, text)
    check_schema(path, text, raw, read_schema(_schema_path()))
    return build_form(path, text, form_id, raw)


def special_category_fields(form: FormDefinition) -> list[FieldDef]:
    """Fields holding UK GDPR Article 9 data (ethnicity, health...), in form order.

    Fields inside a ``list`` field share its status, so the list itself is what is returned.
    """
    return [f for f in form.all_fields() if f.special_category]
