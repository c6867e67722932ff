"""Referrals and their status events.

A referral is recorded once from the referral form and never edited; what happens next is a chain
of append-only status events: received, accepted, allocated, closed. A safeguarding concern on any
referral flags the household wherever it appears.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

STATUSES: tuple[str, ...] = ("received", "accepted", "allocated", "closed")


@dataclass(frozen=True)
class StatusEvent:
    id: str
    referral_id: str
    status: str
    on: date
    recorded_by: str
    recorded_at: datetime
    note: str = ""


@dataclass(frozen=True)
class Referral:
    id: str
    household_id: str
    person_ids: tuple[str, ...]  # the children (or adults) the referral is about
    fields: Mapping[str, Any]
    form_version: int
    recorded_by: str
    recorded_at: datetime
    events: tuple[StatusEvent, ...] = ()

    @property
    def status(self) -> str:
        return self.events[-1].status if self.events else "received"

    @property
    def safeguarding_concern(self) -> bool:
        return bool(self.fields.get("safeguarding_concern"))

    @property
    def closed(self) -> bool:
        return self.status == "closed"


def next_status_problem(referral: Referral, status: str, on: date, today: date) -> tuple[str, str] | None:
    """Why this status event cannot follow the referral's history, or None if it can."""
    if status not in STATUSES:
        return ("status", f"must be one of {', '.join(STATUSES)}")
    if on > today:
        return ("date", "is in the future")
    if referral.closed:
        return ("status", "the referral is closed; record a new referral instead")
    current = STATUSES.index(referral.status)
    if STATUSES.index(status) <= current:
        return ("status", f"the referral is already {referral.status}; the next step is "
                          f"{' or '.join(STATUSES[current + 1:])}")
    last = referral.events[-1].on if referral.events else None
    if last is not None and on < last:
        return ("date", "is before the referral's previous step")
    return None
