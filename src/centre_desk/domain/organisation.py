"""An organisation profile: who the data controller is and what it does with personal data.

A profile is data (``resources/organisations/<id>/organisation.yaml``); these classes are what the
rest of the application sees once it has been loaded and validated by ``formspec.profiles``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class StartEvent(StrEnum):
    """What starts a retention clock."""

    LAST_CONTACT = "last_contact"
    CASE_CLOSED = "case_closed"
    DATE_OF_BIRTH = "date_of_birth"


@dataclass(frozen=True)
class PostalAddress:
    lines: tuple[str, ...]
    postcode: str

    def one_line(self) -> str:
        return ", ".join([*self.lines, self.postcode])


@dataclass(frozen=True)
class ContactPoint:
    """A named way to reach someone: the DPO, the information governance team, a helpline."""

    name: str
    email: str | None = None
    phone: str | None = None
    address: PostalAddress | None = None
    web: str | None = None


@dataclass(frozen=True)
class CentreContact:
    """How a family reaches the centre, as the store's settings give it (set-up wizard, profile)."""

    phone: str = ""
    email: str = ""
    opening_hours: str = ""

    def lines(self) -> tuple[str, ...]:
        """One printed line per detail given, in plain words."""
        out = []
        if self.phone:
            out.append(f"Phone: {self.phone}")
        if self.email:
            out.append(f"Email: {self.email}")
        if self.opening_hours:
            out.append(f"Open: {self.opening_hours}")
        return tuple(out)


@dataclass(frozen=True)
class Regulator:
    name: str
    phone: str
    address: PostalAddress
    web: str | None = None
    other_ways: str | None = None


@dataclass(frozen=True)
class Service:
    """A service the organisation provides (for a referral) or a team that supports a family."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Partner:
    """An organisation or team that personal data may be shared with."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class SharingAgreement:
    """A data sharing (or information sharing) agreement with one partner."""

    id: str
    name: str
    partner_id: str
    basis: str  # a ``domain.rights.Basis`` value
    description: str = ""


@dataclass(frozen=True)
class LawfulBasis:
    """An Article 6 basis, with an Article 9 condition where special category data is involved."""

    article6: str  # e.g. "6(1)(e)"
    article6_name: str  # e.g. "public task"
    article9: str | None = None  # e.g. "9(2)(h)"
    article9_name: str | None = None
    legislation: tuple[str, ...] = ()

    @property
    def is_consent(self) -> bool:
        return self.article6 == "6(1)(a)"


@dataclass(frozen=True)
class Purpose:
    """A processing purpose. Consent-based purposes need a current consent per person."""

    id: str
    name: str
    description: str
    basis: LawfulBasis
    per_partner: bool = False  # consent is given per sharing partner / further service

    @property
    def needs_consent(self) -> bool:
        return self.basis.is_consent


@dataclass(frozen=True)
class RetentionRule:
    """How long one category of record is kept, and from which event."""

    id: str
    name: str
    start_event: StartEvent
    period_years: int
    services: tuple[str, ...] = ()  # service ids this category applies to; empty = every record
    # One service can have several periods depending on how far the case went (Somerset keeps a
    # referral-only case 6 years from closure but an assessed one 25 years from birth), so a rule
    # may be narrowed by a kebab-case condition such as "referral-only" or "assessment".
    # Empty = applies whatever the case reached.
    condition: str = ""


@dataclass(frozen=True)
class LegalHold:
    active: bool
    reason: str = ""


@dataclass(frozen=True)
class Right:
    """A data-subject right as the notice explains it."""

    id: str  # access, rectification, erasure, restriction, objection, portability, automated-decisions
    name: str
    how: str = ""


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    address: PostalAddress
    dpo: ContactPoint
    regulator: Regulator
    complaints: ContactPoint
    services: tuple[Service, ...]
    partners: tuple[Partner, ...]
    purposes: tuple[Purpose, ...]
    retention: tuple[RetentionRule, ...]
    rights: tuple[Right, ...]
    idle_lock_minutes: int
    legal_hold: LegalHold = field(default_factory=lambda: LegalHold(False))
    agreements: tuple[SharingAgreement, ...] = ()
    web: str | None = None
    what_we_collect: tuple[str, ...] = ()
    how_we_collect: tuple[str, ...] = ()
    transfers_abroad: str = ""
    reach_statistics_age_limit: int | None = None  # e.g. 5: reach statistics for under-5s
    # What the set-up wizard offers for a new centre's phone, email and hours (often the council's).
    centre_contact: CentreContact = field(default_factory=CentreContact)
    # The kinds of session a centre runs (stay-and-play, baby clinic...), as (id, name).
    session_types: tuple[tuple[str, str], ...] = ()
    # The legal data controller when ``name`` is a service brand (a notice must name the
    # controller): "North Somerset Council" for "North Somerset Early Help and Children's Centres".
    data_controller: str | None = None

    def purpose(self, purpose_id: str) -> Purpose:
        for p in self.purposes:
            if p.id == purpose_id:
                return p
        raise KeyError(purpose_id)

    def service(self, service_id: str) -> Service:
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(service_id)

    def agreement(self, agreement_id: str) -> SharingAgreement:
        for a in self.agreements:
            if a.id == agreement_id:
                return a
        raise KeyError(agreement_id)

    def partner(self, partner_id: str) -> Partner:
        for p in self.partners:
            if p.id == partner_id:
                return p
        raise KeyError(partner_id)
