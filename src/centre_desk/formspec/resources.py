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


def bundled_dir(name: str) -> Path | None:
    """The ``name`` folder ("resources" or "forms") shipped with this copy of the application.

    Looked for in a development checkout (next to pyproject.toml), in an ordinary ``pip install``
    (wheel data files under ``<prefix>/share/centre-desk``), and in a frozen bundle (PyInstaller's
    ``_MEIPASS``, or beside the executable as other freezers and installers lay it out).
    """
    candidates: list[Path] = []
    # pyproject.toml next to the folder is what makes this a checkout rather than an install that
    # happens to have a stray folder of that name three levels up.
    if (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        candidates.append(_CHECKOUT_ROOT / name)
    candidates.append(Path(sys.prefix) / "share" / "centre-desk" / name)
    if getattr(sys, "frozen", False):
        meipass = getattr(sys, "_MEIPASS", None)
        if meipass:
            candidates.append(Path(meipass) / name)
        candidates.append(Path(sys.executable).resolve().parent / name)
    for candidate in candidates:
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
    found = bundled_dir("resources")
    if found is None:
        raise DefinitionError(
            "resources",
            ENV_VAR,
            "the application's resources folder cannot be found; reinstall the application or set "
            f"{ENV_VAR} to the folder that holds 'organisations' and 'forms'",
        )
    return found
