"""The retention review, legal holds and destruction at the end of a record's retention.

Review dates are worked out from the facts when asked (``domain.retention``), against the
session's clock or an ``as_of`` date, so a new contact moves a household on at once. A hold, on
one household or on everything (the organisation profile's, such as the inquiry hold in the
Somerset profile, or one placed here), keeps a household out of destruction and says why.

Destruction removes the personal data the way erasure does: through the ``Eraser`` port, the shape
of ``services.erasure.erase_household_in(session, uow, household_id, *, reason, authority)``
(``default_eraser``), called with authority ``retention: <rule id>`` inside the unit of work that
also writes the household's ``DestructionCertificate`` (ids, category, rule, dates, who
authorised it; no personal data) and the ``retention.destroyed`` audit entry: one transaction per
household, so a crash leaves either all three or none, and a re-run finishes the job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from centre_desk.domain.documents import retention_text
from centre_desk.domain.errors import CentreDeskError, FieldProblem, NotFound, ValidationFailed
from centre_desk.domain.ids import uuid7
from centre_desk.domain.organisation import Organisation
from centre_desk.domain.retention import (
    PROFILE_HOLD_ID,
    UPCOMING_DAYS,
    DestructionCertificate,
    Hold,
    QueueEntry,
    add_years,
    holds_on,
    last_contact_rule,
    profile_hold,
    review_by_last_contact,
    review_queue,
)
from centre_desk.domain.staff import Permission
from centre_desk.domain.text import check_text

from .ports import UnitOfWork
from .profile import profile_of
from .session import DeskSession

HOLD_REASON_MAX = 500
HOLD_REFERENCE_MAX = 100
DESTROY_REASON = "retention period ended"


class Eraser(Protocol):
    """Removes a household's personal data everywhere, as a rights erasure does, inside the
    caller's unit of work (audited there; the caller commits). A refusal is raised before
    anything is written."""

    def __call__(self, session: DeskSession, uow: UnitOfWork, household_id: str, *, reason: str,
                 authority: str) -> object: ...


def default_eraser() -> Eraser:
    """Erasure as the rights work does it (``services.erasure.erase_household_in``): tombstones
    that sync carries to every device, holds and open requests checked first."""
    from .erasure import erase_household_in

    return erase_household_in


class CertificateRenderer(Protocol):
    def destruction_certificates(self, org: Organisation, certificates: Sequence[DestructionCertificate]) -> bytes: ...


def _all_holds(org: Organisation, stored: list[Hold]) -> list[Hold]:
    declared = profile_hold(org.legal_hold)
    return ([declared] if declared else []) + [h for h in stored if h.active]


def _queue(session: DeskSession, org: Organisation, as_of: date, within_days: int) -> list[QueueEntry]:
    rules = org.retention
    horizon = as_of + timedelta(days=within_days)
    # A schedule with only "from last contact" rules for every household (North Somerset) needs
    # only the households whose last contact is old enough, which the card index finds directly,
    # and only their dates (``review_by_last_contact``).
    rule = last_contact_rule(rules)
    if rule is not None:
        with session.store.reader() as uow:
            rows = uow.retention.household_dates(contacted_by=_years_before(horizon, rule.period_years))
            stored = uow.retention.holds()
        return review_by_last_contact(rows, rule, _all_holds(org, stored), as_of, within_days)
    with session.store.reader() as uow:
        facts = uow.retention.household_facts()
        stored = uow.retention.holds()
    return review_queue(facts, rules, _all_holds(org, stored), as_of, within_days)


def _years_before(d: date, years: int) -> date:
    """The latest start date whose ``add_years`` is on or before ``d``."""
    start = add_years(d, -years)
    while add_years(start, years) > d:
        start -= timedelta(days=1)
    while add_years(start + timedelta(days=1), years) <= d:
        start += timedelta(days=1)
    return start


def retention_review(session: DeskSession, as_of: date | None = None,
                     within_days: int = 0) -> list[QueueEntry]:
    """Households due for review on ``as_of`` (default today); ``within_days`` also lists those
    falling due in that many days after it (the window shows the next 90)."""
    session.require(Permission.RETENTION_REVIEW)
    if within_days < 0 or within_days > 3660:
        raise ValidationFailed.one("within", "must be between 0 and 3660 days")
    as_of = as_of or session.clock.today()
    org = profile_of(session)
    queue = _queue(session, org, as_of, within_days)
    due = [e for e in queue if e.review.is_due(as_of)]
    with session.uow() as uow:
        session.audit(uow, "retention.reviewed", detail=f"as of {as_of.isoformat()}: {len(due)} due, "
                      f"{sum(e.held for e in due)} held, {len(queue) - len(due)} due within {within_days} days")
        uow.commit()
    return queue


def upcoming_review(session: DeskSession) -> list[QueueEntry]:
    return retention_review(session, within_days=UPCOMING_DAYS)


def list_holds(session: DeskSession) -> list[Hold]:
    """Active holds: the organisation profile's first, then those placed here."""
    session.require(Permission.RETENTION_REVIEW)
    org = profile_of(session)
    with session.store.reader() as uow:
        return _all_holds(org, uow.retention.holds())


def place_hold(session: DeskSession, reason: str, household_id: str | None = None, reference: str = "") -> Hold:
    """A legal hold on one household, or (``household_id`` None) on every record. An
    organisation-wide hold needs the reference of what it is for (the inquiry's, the claim's)."""
    session.require(Permission.RETENTION_REVIEW)
    reason, reference = " ".join(reason.split()), " ".join(reference.split())
    problems: list[FieldProblem] = []
    if not reason:
        problems.append(FieldProblem("reason", "is required: say why the records must be kept"))
    elif problem := check_text(reason, multiline=False, max_length=HOLD_REASON_MAX):
        problems.append(FieldProblem("reason", problem))
    if not reference and household_id is None:
        problems.append(FieldProblem("reference", "is required for an organisation-wide hold: the inquiry's or case's "
                                      "reference"))
    elif reference and (problem := check_text(reference, multiline=False, max_length=HOLD_REFERENCE_MAX)):
        problems.append(FieldProblem("reference", problem))
    if problems:
        raise ValidationFailed(problems)
    hold = Hold(uuid7(), household_id, reason, session.actor.id, session.clock.now(), reference=reference)
    with session.uow() as uow:
        if household_id is not None and not uow.households.exists(household_id):
            raise NotFound("no such household")
        uow.retention.add_hold(hold)
        # The reason is free text and stays in the hold record, not in the audit trail.
        session.audit(uow, "retention.hold-placed", hold.id,
                      f"household {household_id}" if household_id else "organisation-wide")
        uow.commit()
    return hold


def lift_hold(session: DeskSession, hold_id: str) -> Hold:
    session.require(Permission.RETENTION_REVIEW)
    if hold_id == PROFILE_HOLD_ID:
        raise ValidationFailed.one("hold", "is declared by the organisation profile; it is lifted there, "
                                   "when the council says so")
    with session.uow() as uow:
        hold = next((h for h in uow.retention.holds() if h.id == hold_id), None)
        if hold is None:
            raise NotFound("no such hold")
        if not hold.active:
            raise ValidationFailed.one("hold", "was already lifted")
        now = session.clock.now()
        uow.retention.lift_hold(hold_id, session.actor.id, now)
        session.audit(uow, "retention.hold-lifted", hold_id,
                      f"household {hold.household_id}" if hold.household_id else "organisation-wide")
        uow.commit()
    return Hold(hold.id, hold.household_id, hold.reason, hold.placed_by, hold.placed_at, session.actor.id, now)


@dataclass(frozen=True)
class Destruction:
    certificates: tuple[DestructionCertificate, ...]
    held: int  # due but kept by a hold
    refused: tuple[tuple[str, str], ...]  # (household id, why erasure refused it)


def destroy_due(session: DeskSession, erase: Eraser, as_of: date | None = None) -> Destruction:
    """Destroy every household due on ``as_of`` and not held; one certificate each.

    ``as_of`` may not be later than today: nothing is destroyed before its time."""
    session.require(Permission.RETENTION_REVIEW)
    session.require(Permission.ERASE)
    today = session.clock.today()
    as_of = as_of or today
    if as_of > today:
        raise ValidationFailed.one("as-of", "is in the future; records are destroyed only once they are due")
    org = profile_of(session)
    rules = {r.id: r for r in org.retention}
    made: list[DestructionCertificate] = []
    refused: list[tuple[str, str]] = []
    queue = [e for e in _queue(session, org, as_of, 0) if e.review.is_due(as_of)]
    for entry in queue:
        if entry.held:
            continue
        review = entry.review
        rule = rules[review.rule.id]
        cert = DestructionCertificate(uuid7(), review.household_id, rule.id, retention_text(rule), review.start,
                                      review.due, session.clock.now(), session.actor.id, session.actor.username)
        # One unit of work: the erasure (its tombstones, erasure record and audit entry), the
        # certificate and the destruction's audit entry commit together or not at all.
        with session.uow() as uow:
            try:
                erase(session, uow, review.household_id, reason=DESTROY_REASON, authority=f"retention: {rule.id}")
            except NotFound:
                continue  # gone since the queue was read (erased on request, or by sync): nothing to certify
            except CentreDeskError as exc:
                # Erasure refused this one (an open access request, a hold it knows of): keep going,
                # say which and why; ids and the refusal only.
                refused.append((review.household_id, str(exc)))
                continue
            uow.retention.add_certificate(cert)
            session.audit(uow, "retention.destroyed", review.household_id, f"rule {rule.id}; certificate {cert.id}")
            uow.commit()
        made.append(cert)
    return Destruction(tuple(made), sum(e.held for e in queue), tuple(refused))


def hold_reasons(uow: UnitOfWork, household_id: str) -> list[str]:
    """The holds placed here that keep this household (for erasure's hold check; the profile's
    own hold erasure reads from the profile itself)."""
    return [f"{'organisation-wide hold' if h.organisation_wide else 'hold'} {h.id}: {h.reason}"
            for h in holds_on(household_id, uow.retention.holds())]


def destruction_certificates(session: DeskSession) -> list[DestructionCertificate]:
    session.require(Permission.RETENTION_REVIEW)
    with session.uow() as uow:
        certs = uow.retention.certificates()
        session.audit(uow, "retention.certificates-listed", detail=f"{len(certs)} certificates")
        uow.commit()
    return certs


def certificates_pdf(session: DeskSession, renderer: CertificateRenderer) -> bytes:
    certs = destruction_certificates(session)
    return renderer.destruction_certificates(profile_of(session), certs)
