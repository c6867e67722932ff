"""Writing output files so that a failure never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .common import CliError


def write_atomic(path_text: str, data: bytes) -> Path:
    path = Path(path_text).expanduser()
    if path.is_dir():
        raise CliError(f"{path}: is a folder; give a file name")
    if not path.parent.exists():
        raise CliError(f"{path.parent}: no such folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise CliError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CliError(f"{path}: could not be written ({exc.strerror})") from None
    return path
