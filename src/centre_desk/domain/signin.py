"""Sign-in back-off policy: after five failures for a username, wait 30 seconds, doubling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FREE_ATTEMPTS = 5
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 3600
MAX_COUNTED = 1000  # beyond this the wait is at its maximum anyway

# What the sidecar may queue for the audit chain; anything else found there is dropped with a note.
PENDING_ACTIONS = frozenset({
    "sign-in.failed", "sign-in.throttled", "recover.failed", "recover.throttled", "restore.failed",
    "restore.throttled", "sign-in-state.rebuilt", "sign-in-state.entries-dropped",
})

# Handles for the secrets that are not a username: each has its own back-off.
RECOVERY_HANDLE = "recovery"
RESTORE_HANDLE = "restore"


@dataclass(frozen=True)
class PendingEvent:
    """A failure waiting in the sidecar for the next sign-in to write it into the audit chain."""

    id: str
    at: datetime
    action: str
    ref: str


def backoff_seconds(failures: int) -> int:
    """Seconds a username must wait after ``failures`` consecutive failed sign-ins."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** min(failures - FREE_ATTEMPTS, 32)))


def remaining_wait(failures: int, seconds_since_last_failure: float) -> int:
    """Never more than the policy's maximum, whatever the stored time says: a ``last`` in the
    future counts as now."""
    wait = backoff_seconds(failures) - max(0.0, seconds_since_last_failure)
    return min(MAX_WAIT_SECONDS, max(0, int(wait + 0.999)))
