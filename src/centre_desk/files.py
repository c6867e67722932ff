"""Writing a file the user asked for (a PDF, a CSV, an export): whole or not at all, and private.

Used by the window and the admin tool alike, so it sits outside the layers, standard library only.
Saved documents hold names, addresses and dates of birth, so on POSIX they are readable by their
owner alone (0600) whatever the umask; on Windows a file takes its folder's access list, and the
places staff save to (Documents, a USB stick) are already theirs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

PRIVATE_MODE = 0o600


def write_private_file(out: Path, make: Callable[[], bytes]) -> int:
    """Write what ``make()`` returns to ``out`` through a temporary file and a rename; the byte count.

    The temporary file is made beside ``out`` before ``make`` runs, so an unwritable folder is found
    before any work (and any audit entry). A failure leaves ``out`` as it was and no temporary file.
    Raises OSError.
    """
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    tmp = Path(name)
    try:
        if hasattr(os, "fchmod"):
            # mkstemp already makes 0600; said again so that the guarantee does not rest on it.
            os.fchmod(fd, PRIVATE_MODE)
        with os.fdopen(fd, "wb") as handle:
            data = make()
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return len(data)
