"""Keep secrets out of crash dumps: no core files, and (Linux) not dumpable or ptrace-able by
other processes of the same user. Best effort: a platform without these is left as it is."""

from __future__ import annotations

import contextlib
import sys

PR_SET_DUMPABLE = 4


def harden() -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
