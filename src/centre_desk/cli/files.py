"""Writing output files so that a failure never leaves half a file behind or replaces a good one.

Every file is private to its owner (0600 on POSIX): see ``centre_desk.files``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from centre_desk.files import write_private_file

from .common import CliError


def _check_writable_place(out: Path) -> None:
    if out.is_dir():
        raise CliError(f"cannot write {out}: it is a folder; give a file name")
    folder = out.parent
    if not folder.is_dir():
        raise CliError(f"cannot write {out}: the folder {folder} does not exist")


def write_file_atomically(out: Path, make: Callable[[], bytes]) -> int:
    """Write what ``make()`` returns to ``out`` via a temporary file and a rename; the byte count."""
    _check_writable_place(out)
    try:
        return write_private_file(out, make)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None


def write_atomic(path_text: str, data: bytes) -> Path:
    path = Path(path_text).expanduser()
    write_file_atomically(path, lambda: data)
    return path
