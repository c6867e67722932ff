"""Writing output files so that a failure never leaves half a file behind or replaces a good one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .common import CliError


def _open_temp_beside(out: Path) -> tuple[int, Path]:
    """Check ``out`` can be written before anything is printed (and audited)."""
    if out.is_dir():
        raise CliError(f"cannot write {out}: it is a folder; give a file name")
    folder = out.parent
    if not folder.is_dir():
        raise CliError(f"cannot write {out}: the folder {folder} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    return fd, Path(name)


def write_file_atomically(out: Path, make: Callable[[], bytes]) -> int:
    """Write what ``make()`` returns to ``out`` via a temporary file and a rename; the byte count."""
    fd, tmp = _open_temp_beside(out)
    try:
        with os.fdopen(fd, "wb") as handle:
            data = make()
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return len(data)




def write_atomic(path_text: str, data: bytes) -> Path:
    path = Path(path_text).expanduser()
    write_file_atomically(path, lambda: data)
    return path
