"""Shared fixtures. Every test gets its own data directory and its own encrypted store."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Stores made by the tests use the Argon2id floor instead of calibrating (which measures for
# about a second); the calibration itself is tested with an injected timer.
os.environ.setdefault("CENTRE_DESK_KDF_SECONDS", "0")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ADMIN = "admin"
ADMIN_PASSWORD = "correct horse battery"
CENTRE = "Hillside Children's Centre"
PROFILE = "north-somerset-children-centres"


from centre_desk.security.passwords import HomoglyphGuard, StrengthPolicy  # noqa: E402

POLICY = StrengthPolicy()
# The real password policy and look-alike check, as the CLI and the app compose them.
STAFF_RULES: dict[str, Any] = {"policy": POLICY, "usernames": HomoglyphGuard()}


@dataclass
class StoreFixture:
    data_dir: Path
    recovery_key: str
    admin: str = ADMIN
    password: str = ADMIN_PASSWORD


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[StoreFixture]:
    """A freshly set-up store with one administrator; signed out again."""
    from centre_desk.services.auth import sign_out
    from centre_desk.services.setup import CentreDetails, initialise_store
    from centre_desk.wiring import Wiring

    w = Wiring(data_dir)
    result = initialise_store(w.gate, CentreDetails(PROFILE, CENTRE, "1 High Street, Weston-super-Mare"),
                              ADMIN, ADMIN_PASSWORD, w.clock, w.passwords)
    sign_out(result.session)
    yield StoreFixture(data_dir, result.recovery_key)


@pytest.fixture
def wiring(store: StoreFixture):  # type: ignore[no-untyped-def]
    from centre_desk.wiring import Wiring

    return Wiring(store.data_dir)


@pytest.fixture
def admin_session(wiring):  # type: ignore[no-untyped-def]
    from centre_desk.services.auth import sign_in, sign_out

    session = sign_in(wiring.gate, wiring.throttle, wiring.clock, ADMIN, ADMIN_PASSWORD)
    yield session
    sign_out(session)
