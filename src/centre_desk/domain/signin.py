"""Sign-in back-off policy: after five failures for a username, wait 30 seconds, doubling."""

from __future__ import annotations

FREE_ATTEMPTS = 5
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 3600


def backoff_seconds(failures: int) -> int:
    """Seconds a username must wait after ``failures`` consecutive failed sign-ins."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** (failures - FREE_ATTEMPTS)))


def remaining_wait(failures: int, seconds_since_last_failure: float) -> int:
    wait = backoff_seconds(failures) - seconds_since_last_failure
    return max(0, int(wait + 0.999))
