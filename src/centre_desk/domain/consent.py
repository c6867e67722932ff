"""Consent: given, refused or withdrawn, per person, per purpose and (for sharing) per partner.

Consent history is append-only: a withdrawal is a new event, never an edit, so staff can always
show what a family agreed to, when, under which notice, and that a withdrawal took effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import CentreDeskError
from .household import Household
from .organisation import Organisation, Purpose


class Decision(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Method(StrEnum):
    SIGNED = "signed"  # signed on screen (signature stored) or on paper
    VERBAL = "verbal"  # said aloud, recorded by the member of staff


@dataclass(frozen=True)
class ConsentEvent:
    id: str
    household_id: str
    person_id: str
    purpose_id: str
    partner_id: str | None
    decision: Decision
    method: Method
    recorded_by: str  # staff id
    recorded_at: datetime
    notice_version: str
    given_by: str | None = None  # person id of the adult who decided for a child
    signature_png: bytes | None = None
    note: str = ""
    # Recorded for a person later folded into ``person_id`` (one person entered twice): the id the
    # decision was recorded under. The record itself is never rewritten (see storage.aliases).
    recorded_for: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.person_id, self.purpose_id, self.partner_id)


class ConsentRequired(CentreDeskError):
    """A consent-based purpose was about to be used for someone with no current consent."""

    def __init__(self, purpose_name: str, partner_name: str | None = None) -> None:
        self.purpose_name = purpose_name
        self.partner_name = partner_name
        target = f" with {partner_name}" if partner_name else ""
        super().__init__(
            f"blocked: there is no current consent for {purpose_name.lower()}{target}. "
            "Ask the family, record their decision, and try again."
        )


def latest(events: Iterable[ConsentEvent]) -> dict[tuple[str, str, str | None], ConsentEvent]:
    """The newest event for each (person, purpose, partner)."""
    out: dict[tuple[str, str, str | None], ConsentEvent] = {}
    for e in sorted(events, key=lambda e: (e.recorded_at, e.id)):
        out[e.key] = e
    return out


def has_consent(events: Iterable[ConsentEvent], person_id: str, purpose_id: str,
                partner_id: str | None = None) -> bool:
    current = latest(events).get((person_id, purpose_id, partner_id))
    return current is not None and current.decision is Decision.GIVEN


def check_decision_allowed(org: Organisation, household: Household, person_id: str, purpose_id: str,
                           partner_id: str | None, given_by: str | None,
                           decision: Decision) -> list[tuple[str, str]]:
    """Problems (field, problem) with recording this decision; empty when it may be recorded."""
    problems: list[tuple[str, str]] = []
    try:
        purpose: Purpose | None = org.purpose(purpose_id)
    except KeyError:
        purpose = None
        ids = ", ".join(p.id for p in org.purposes if p.needs_consent)
        problems.append(("purpose", f"is not one of this organisation's purposes (consent-based: {ids})"))
    if purpose is not None and not purpose.needs_consent:
        problems.append(("purpose", f"rests on {purpose.basis.article6_name} (art. {purpose.basis.article6}), "
                                    "not consent, so there is no consent to record"))
    if purpose is not None and purpose.needs_consent:
        if purpose.per_partner and not partner_id:
            problems.append(("service", "this purpose needs the service or partner the information goes to"))
        if not purpose.per_partner and partner_id:
            problems.append(("service", "this purpose is not given per service; leave it out"))
        if partner_id and not _is_partner(org, partner_id):
            problems.append(("service", "is not one of this organisation's services or sharing partners"))
    try:
        member = household.member(person_id)
    except KeyError:
        problems.append(("person", "is not a member of this household"))
        return problems
    if member.is_child():
        if not given_by:
            problems.append(("given by", "a parent or carer decides for a child; say which adult"))
        else:
            try:
                adult = household.member(given_by)
                if adult.is_child():
                    problems.append(("given by", "must be an adult in the household"))
            except KeyError:
                problems.append(("given by", "is not a member of this household"))
    return problems


def _is_partner(org: Organisation, partner_id: str) -> bool:
    return any(p.id == partner_id for p in org.partners) or any(s.id == partner_id for s in org.services)


def partner_name(org: Organisation, partner_id: str | None) -> str | None:
    if partner_id is None:
        return None
    for p in org.partners:
        if p.id == partner_id:
            return p.name
    for s in org.services:
        if s.id == partner_id:
            return s.name
    return partner_id
