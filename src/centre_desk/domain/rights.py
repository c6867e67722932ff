"""Data subject rights: erasure rules, rights requests, restriction, objection, disclosures.

Everything here is plain data and rules; the services store it as ordinary records (kinds below),
so it syncs like any other record. Nothing in these records' bodies is personal data beyond what a
person's own request needs (ids, dates, which right, how identity was checked).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from .errors import CentreDeskError

ERASURE = "erasure"  # the proof of an erasure: ids, counts, reason, authority; never the erased values
RIGHTS_REQUEST = "rights-request"
REQUEST_STEP = "rights-request-step"
RESTRICTION = "restriction"  # restricted / lifted events for a person or a whole household
OBJECTION = "objection"
DISCLOSURE = "disclosure"
SAR_RELEASE = "sar-release"  # a released subject access pack: withheld item keys and exemptions, checksums

# Kept through a household's erasure, on this device and (by sync) on every other: the proof that the
# family's requests were answered, what a released pack withheld, and that the erasure happened.
# They hold ids, dates, which right and item keys; a request's own words ("detail") are emptied.
KEPT_THROUGH_ERASURE = (RIGHTS_REQUEST, REQUEST_STEP, ERASURE, SAR_RELEASE)

AUTHORITY_RETENTION = "retention"  # erase_household by the retention schedule: its category is why


class ErasureRefused(CentreDeskError):
    """Erasure may not go ahead; the message says why in plain words (no personal data)."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("erasure refused: " + "; ".join(self.reasons))


class Restricted(CentreDeskError):
    """The person or household is restricted: it may be read but not changed, shared or merged."""

    def __init__(self, what: str = "this household") -> None:
        super().__init__(f"{what} is restricted (a restriction of processing request): it can be read but not "
                         "changed, shared or merged until the restriction is lifted")


class RightKind(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    PORTABILITY = "portability"


class RequestStatus(StrEnum):
    OPEN = "open"
    EXTENDED = "extended"
    CLOSED = "closed"


def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months later; the month's last day when it is shorter
    (31 January + 1 month = 28/29 February), as the ICO counts a calendar month."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(received: date, extended: bool = False) -> date:
    """One calendar month from receipt; three when extended (by up to two further months)."""
    return add_months(received, 3 if extended else 1)


@dataclass(frozen=True)
class RequestStep:
    id: str
    request_id: str
    status: RequestStatus
    at: datetime
    by: str
    note: str = ""  # the reason for an extension, or the outcome on closing


@dataclass(frozen=True)
class RightsRequest:
    id: str
    household_id: str
    person_id: str
    kind: RightKind
    received: date
    identity_method: str  # how identity was checked ("passport seen at the desk")
    identity_checked_by: str  # staff id
    recorded_by: str
    recorded_at: datetime
    detail: str = ""  # what the request asks, in the requester's terms (e.g. which field is wrong)
    steps: tuple[RequestStep, ...] = ()

    @property
    def status(self) -> RequestStatus:
        if any(s.status is RequestStatus.CLOSED for s in self.steps):
            return RequestStatus.CLOSED
        if any(s.status is RequestStatus.EXTENDED for s in self.steps):
            return RequestStatus.EXTENDED
        return RequestStatus.OPEN

    @property
    def due(self) -> date:
        return due_date(self.received, self.status is RequestStatus.EXTENDED or any(
            s.status is RequestStatus.EXTENDED for s in self.steps))

    @property
    def outcome(self) -> str:
        closed = [s for s in self.steps if s.status is RequestStatus.CLOSED]
        return closed[-1].note if closed else ""

    @property
    def closed_on(self) -> date | None:
        closed = [s for s in self.steps if s.status is RequestStatus.CLOSED]
        return closed[-1].at.date() if closed else None

    def overdue(self, today: date) -> bool:
        return self.status is not RequestStatus.CLOSED and today > self.due


@dataclass(frozen=True)
class RestrictionEvent:
    id: str
    household_id: str
    person_id: str | None  # None: the whole household
    restricted: bool  # False: lifted
    at: datetime
    by: str
    reason: str = ""


def restricted_now(events: list[RestrictionEvent]) -> tuple[bool, set[str]]:
    """(whole household restricted, restricted person ids) from a household's events, oldest first."""
    state: dict[str | None, bool] = {}
    for e in sorted(events, key=lambda e: (e.at, e.id)):
        state[e.person_id] = e.restricted
    return bool(state.get(None)), {p for p, on in state.items() if p is not None and on}


@dataclass(frozen=True)
class Objection:
    id: str
    household_id: str
    person_id: str
    purpose_id: str
    upheld: bool
    outcome: str
    at: datetime
    by: str


class Basis(StrEnum):
    """The lawful basis or gateway a disclosure rests on."""

    CONSENT = "consent"
    SAFEGUARDING = "safeguarding"
    LEGAL_DUTY = "legal-duty"
    PUBLIC_TASK = "public-task"
    DIGITAL_ECONOMY_ACT = "digital-economy-act-2017"
    CRIME_PREVENTION = "crime-prevention"
    VITAL_INTERESTS = "vital-interests"
    COURT_ORDER = "court-order"


BASIS_NAMES: dict[Basis, str] = {
    Basis.CONSENT: "Consent (UK GDPR art. 6(1)(a))",
    Basis.SAFEGUARDING: "Safeguarding: Children Act 1989 and 2004 (art. 6(1)(e), 9(2)(g))",
    Basis.LEGAL_DUTY: "Legal obligation (art. 6(1)(c))",
    Basis.PUBLIC_TASK: "Public task (art. 6(1)(e))",
    Basis.DIGITAL_ECONOMY_ACT: "Digital Economy Act 2017, s. 35 (public service delivery)",
    Basis.CRIME_PREVENTION: "Prevention or detection of crime (Data Protection Act 2018, sch. 2 para. 2)",
    Basis.VITAL_INTERESTS: "Vital interests: risk of serious harm or threat to life (art. 6(1)(d))",
    Basis.COURT_ORDER: "Court order or other legal requirement (DPA 2018, sch. 2 para. 5)",
}


@dataclass(frozen=True)
class Disclosure:
    id: str
    household_id: str
    person_ids: tuple[str, ...]  # empty: about the household as a whole
    recipient_id: str | None  # a partner or agreement of the profile; None: another organisation
    recipient_name: str
    agreement_id: str | None
    purpose: str
    basis: Basis
    shared: str  # what was shared
    justification: str  # why without consent (required unless basis is consent)
    authorised_by: str  # staff id
    on: date
    told_on: date | None
    not_told_reason: str
    recorded_by: str
    recorded_at: datetime
    partner_purpose: str | None = None  # the consent-based purpose checked, when there is one
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def family_told(self) -> bool:
        return self.told_on is not None
