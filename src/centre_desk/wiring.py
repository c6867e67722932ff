"""Composition shared by the application and the admin command line: where the data lives and
which concrete adapters stand behind the services' ports."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from centre_desk.domain.clock import Clock, SystemClock

if TYPE_CHECKING:
    from centre_desk.matching import PeopleMatcher
    from centre_desk.security.kdf import KdfParams
    from centre_desk.services.ports import EscrowTicket, KeyRelease

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


KDF_TARGET_ENV = "CENTRE_DESK_KDF_SECONDS"


def kdf_target() -> float:
    """Seconds one Argon2id derivation should take on this machine (docs/ARCHITECTURE.md: 0.3 s).

    ``CENTRE_DESK_KDF_SECONDS`` overrides it; the test suite sets 0, which gives the floor
    (64 MiB, t=3, p=4) without measuring. Nothing can go below the floor.
    """
    from centre_desk.security.kdf import TARGET_SECONDS

    try:
        return max(0.0, float(os.environ.get(KDF_TARGET_ENV, TARGET_SECONDS)))
    except ValueError:
        return TARGET_SECONDS


class Wiring:
    def __init__(self, data_dir: Path, clock: Clock | None = None,
                 kdf_params: Callable[[], KdfParams] | None = None) -> None:
        # Imported here, not at the top: the desktop app calls resolve_data_dir before its first
        # window and must not pay for SQLAlchemy and SQLCipher until that window is up.
        from centre_desk.security.kdf import calibrate
        from centre_desk.security.passwords import HomoglyphGuard, StrengthPolicy
        from centre_desk.storage.store import DataDirectory

        self.data_dir = data_dir
        # Argon2id is calibrated for this machine when a store is set up, never below the floor.
        self.gate = DataDirectory(data_dir, kdf_params=kdf_params or (lambda: calibrate(kdf_target())))
        self.throttle = self.gate.throttle()
        self.clock: Clock = clock or SystemClock()
        self.passwords = StrengthPolicy()
        self.usernames = HomoglyphGuard()
        self.release = release_connect


RELEASE_TIMEOUT = 20.0  # a first sign-in waits this long for the server before saying it needs one


def release_connect(ticket: EscrowTicket) -> KeyRelease:
    """The server's key release for a first sign-in (``services.auth.first_sign_in_online``)."""
    from centre_desk.sync.client import SyncClient

    return SyncClient(ticket.server_url, ticket.release_token(), pin=ticket.pin, timeout=RELEASE_TIMEOUT)


def person_matcher() -> PeopleMatcher:
    """The duplicate matcher behind ``services.ports.PersonMatcher``, with the bundled nickname table."""
    from centre_desk.formspec.resources import resources_dir
    from centre_desk.matching import PeopleMatcher, load_nicknames

    return PeopleMatcher(load_nicknames(resources_dir()))
