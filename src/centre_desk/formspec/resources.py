"""Where the application's data files (organisation profiles, forms, fonts) live.

The same code runs from a development checkout, from an IT-managed install that keeps its own
copy of the files, and from a frozen executable, and each keeps ``resources/`` somewhere else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from centre_desk.domain.errors import DefinitionError

ENV_VAR = "CENTRE_DESK_RESOURCES"

# src/centre_desk/formspec/resources.py -> the checkout root is three folders above the package.
_CHECKOUT_ROOT = Path(__file__).resolve().parents[3]


def _checkout_resources() -> Path | None:
    # pyproject.toml next to resources/ is what makes this a checkout rather than an install that
    # happens to have a stray "resources" folder three levels up.
    candidate = _CHECKOUT_ROOT / "resources"
    if (_CHECKOUT_ROOT / "pyproject.toml").is_file() and candidate.is_dir():
        return candidate
    return None


def _frozen_resources() -> Path | None:
    if not getattr(sys, "frozen", False):
        return None
    bases: list[Path] = []
    # PyInstaller unpacks bundled data under _MEIPASS; other freezers (and installers that lay
    # files out beside the .exe) put it next to the executable.
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        bases.append(Path(meipass))
    bases.append(Path(sys.executable).resolve().parent)
    for base in bases:
        candidate = base / "resources"
        if candidate.is_dir():
            return candidate
    return None


def resources_dir() -> Path:
    """The ``resources`` folder: the ``CENTRE_DESK_RESOURCES`` folder if set, else the checkout's,
    else the one bundled with a frozen executable.

    Raises DefinitionError when the variable names a folder that does not exist (silently falling
    back would load files other than the ones the administrator chose) or when none is found.
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise DefinitionError(str(path), ENV_VAR, "this folder does not exist")
        return path
    found = _checkout_resources() or _frozen_resources()
    if found is None:
        raise DefinitionError(
            "resources",
            ENV_VAR,
            "the application's resources folder cannot be found; reinstall the application or set "
            f"{ENV_VAR} to the folder that holds 'organisations' and 'forms'",
        )
    return found
