"""Sessions the centre runs (stay-and-play, baby clinic, drop-in...) and who came to them.

A session is a record with no personal data: its type, day, times and place. Attendance is one
record per person who came, kept with that person's household (so erasing the household erases
it); the first person of a household at a session also records one contact for the household,
which moves its last contact on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

PLACE_MAX_LENGTH = 100


@dataclass(frozen=True)
class CentreSession:
    id: str
    type_id: str
    type_name: str
    on: date
    starts: time
    ends: time
    place: str
    created_by: str
    created_at: datetime

    @property
    def when(self) -> str:
        """``Tue 1 Dec 2026, 10:00–11:30``"""
        return f"{self.on:%a} {self.on.day} {self.on:%b %Y}, {self.starts:%H:%M}–{self.ends:%H:%M}"


@dataclass(frozen=True)
class Attendance:
    """One person at one session. ``contact_id`` is the household's contact that it counted as."""

    id: str
    session_id: str
    household_id: str
    person_id: str
    on: date
    contact_id: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Attendee:
    """A person on a session's register, as the register shows them."""

    household_id: str
    person_id: str
    name: str
    child: bool
    came: bool


@dataclass(frozen=True)
class AttendanceResult:
    recorded: int  # people newly marked as having come
    already: int  # people who were on the register as having come already
    households: int  # households whose contact this was (new contacts recorded)
