"""Composition shared by the application and the admin command line: where the data lives and
which concrete adapters stand behind the services' ports."""

from __future__ import annotations

import os
from pathlib import Path

from centre_desk.domain.clock import Clock, SystemClock

DATA_ENV = "CENTRE_DESK_DATA"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("CentreDesk", "CentreDesk", roaming=False))


def resolve_data_dir(option: str | None) -> Path:
    """``--data-dir`` wins, then ``CENTRE_DESK_DATA``, then the platform's per-user data folder."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return default_data_dir()


class Wiring:
    def __init__(self, data_dir: Path, clock: Clock | None = None) -> None:
        # Imported here, not at the top: the desktop app calls resolve_data_dir before its first
        # window and must not pay for SQLAlchemy and SQLCipher until that window is up.
        from centre_desk.storage.store import DataDirectory

        self.data_dir = data_dir
        self.gate = DataDirectory(data_dir)
        self.throttle = self.gate.throttle()
        self.clock: Clock = clock or SystemClock()
