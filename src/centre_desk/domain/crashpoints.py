"""Named points where the crash-safety tests kill the process. Inert unless a test sets the variable.

With ``CENTRE_DESK_CRASH_AT=<name>`` the process prints ``crashpoint <name>`` on standard error
when it reaches that point and then waits, so the test can kill -9 it exactly there.
"""

from __future__ import annotations

import os
import sys
import time

ENV = "CENTRE_DESK_CRASH_AT"


def reached(name: str) -> None:
    if os.environ.get(ENV) != name:
        return
    print(f"crashpoint {name}", file=sys.stderr, flush=True)
    time.sleep(120)
