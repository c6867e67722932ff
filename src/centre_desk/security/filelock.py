"""Advisory file locks between processes: one small module for POSIX (fcntl) and Windows (msvcrt).

The sidecar files (``keyslots.json``, ``signin-state.json``) are replaced by rename on every write,
so the lock is taken on a separate, never-renamed ``<name>.lock`` file beside them. A lock is
released when its file is closed, so a killed process never leaves one behind.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from centre_desk.domain.errors import StoreError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

POLL_SECONDS = 0.02


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)


def _try(fd: int, shared: bool) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        else:
            if shared:
                # msvcrt has no shared locks. On Windows an open store file already refuses the
                # rename that re-encryption ends with, which is the guard that matters there.
                return True
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


class FileLock:
    """One held lock; ``release()`` (or closing the process) lets it go."""

    def __init__(self, fd: int, shared: bool) -> None:
        self._fd: int | None = fd
        self.shared = shared

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if fcntl is None and not self.shared:
                with contextlib.suppress(OSError):
                    os.lseek(fd, 0, os.SEEK_SET)
                    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


def acquire(path: Path, *, shared: bool = False, timeout: float | None = 30.0) -> FileLock | None:
    """Lock ``path`` (the lock file itself). ``timeout=0`` tries once; ``None`` waits for ever.

    Returns ``None`` when the lock could not be had in time.
    """
    fd = _open(path)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if _try(fd, shared):
            return FileLock(fd, shared)
        if deadline is not None and time.monotonic() >= deadline:
            os.close(fd)
            return None
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def exclusive(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold the exclusive lock for ``path``'s sidecar lock file while the block runs."""
    held = acquire(lock_path(path), timeout=timeout)
    if held is None:
        raise StoreError(f"{path.name} is being changed by another program; try again in a moment")
    try:
        yield
    finally:
        held.release()
