"""Where the server's database is, the clock it runs by, and how a database URL is shown."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from centre_desk.domain.clock import Clock, FixedClock, SystemClock

DB_ENV = "CENTRE_DESK_SERVER_DB"
TLS_CERT_ENV = "CENTRE_DESK_SERVER_TLS_CERT"
# Only the tests set this: every process of a test run (CLI and server) then agrees on "now", so
# expiry and back-off can be checked without sleeping. It is read at start-up, never per request.
FAKE_NOW_ENV = "CENTRE_DESK_SERVER_FAKE_NOW"


def default_db_url() -> str:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("CentreDeskServer", "CentreDesk", roaming=False))
    return f"sqlite:///{folder / 'server.db'}"


def resolve_db_url(option: str | None) -> str:
    """``--db`` wins, then ``CENTRE_DESK_SERVER_DB``, then an SQLite file in the per-user folder."""
    return option or os.environ.get(DB_ENV) or default_db_url()


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***``, safe for messages and logs."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unreadable database URL)"


def scrub(text: str, url: str) -> str:
    """Remove the URL's password from a driver's message, in case a driver ever echoes it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        return text
    if password:
        text = text.replace(str(password), "***")
    return text.replace(url, mask_url(url))


def clock_from_env() -> Clock:
    fake = os.environ.get(FAKE_NOW_ENV)
    if not fake:
        return SystemClock()
    at = datetime.fromisoformat(fake)
    return FixedClock(at if at.tzinfo else at.replace(tzinfo=UTC))
