"""Reach statistics for a period, suppressed so that they identify nobody (``domain.statistics``,
``domain.suppression``).

Left out: anyone whose processing is restricted (``services.rights.restricted_people``: whole
households and single people), anyone with an upheld objection to the ``reach-statistics``
purpose (``services.rights.upheld_objections``), anyone an extra ``Restriction`` check names, and, when the
organisation's reach-statistics purpose rests on consent, anyone without a current consent for it.
On a device this covers the households in its store; on an enrolled device that is the whole
organisation once sync has run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.organisation import Organisation
from centre_desk.domain.staff import Permission
from centre_desk.domain.statistics import REACH_CSV_COLUMNS as REACH_CSV_COLUMNS  # the CLI's and bench's names
from centre_desk.domain.statistics import ReachReport, reach_report
from centre_desk.domain.statistics import reach_csv_rows as reach_csv_rows
from centre_desk.domain.text import EARLIEST_DATE

from .households import MEMBERSHIP
from .ports import UnitOfWork
from .profile import form, profile_of
from .rights import restricted_people, upheld_objections
from .session import DeskSession

PURPOSE = "reach-statistics"

# (unit of work, household id, person id) -> True when that person's data may not be used for
# statistics: the shape of the rights work's ``services.rights.is_restricted_in``.
Restriction = Callable[[UnitOfWork, str, str], bool]


def nobody_restricted(uow: UnitOfWork, household_id: str, person_id: str) -> bool:
    return False


class ReportRenderer(Protocol):
    def reach_report(self, org: Organisation, report: ReachReport, centre_name: str) -> bytes: ...


def ethnic_groups() -> dict[str, str]:
    """Each ethnicity choice's high-level census group."""
    field = form(MEMBERSHIP).field("ethnicity")
    return {c.value: c.group for c in field.choices if c.group}


def reach_statistics(session: DeskSession, start: date | None = None, end: date | None = None,
                     restricted: Restriction = nobody_restricted) -> ReachReport:
    session.require(Permission.VIEW_STATISTICS)
    today = session.clock.today()
    end = end or today
    problems = []
    if start is not None and start < EARLIEST_DATE:
        problems.append(("from", f"is before {EARLIEST_DATE:%d/%m/%Y}"))
    if start is not None and start > end:
        problems.append(("from", "is after the end of the period"))
    if problems:
        raise ValidationFailed.one(*problems[0])
    org = profile_of(session)
    needs_consent = any(p.id == PURPOSE and p.needs_consent for p in org.purposes)
    # The age bands are under the limit, limit-11, 12-17 and adults; a limit above 11 (no profile
    # sets one) would overlap them.
    under = min(org.reach_statistics_age_limit or 5, 11)
    with session.store.reader() as uow:
        # Restriction of processing (the rights work): whole households and single people.
        whole, left_out = restricted_people(uow)
        # An upheld objection to this purpose (Article 21) stops it for that person.
        left_out |= {pid for pid, purpose in upheld_objections(uow) if purpose == PURPOSE}
        if whole or needs_consent or restricted is not nobody_restricted:
            consented = uow.retention.consented(PURPOSE) if needs_consent else set()
            left_out |= {pid for hid, pid in uow.retention.reach_people()
                         if hid in whole or restricted(uow, hid, pid)
                         or (needs_consent and (hid, pid) not in consented)}
        counts = uow.retention.reach_counts(start, end, under, left_out)
    report = reach_report(counts, start, end, ethnic_groups=ethnic_groups(), under=under)
    with session.uow() as uow:
        session.audit(uow, "statistics.reach", detail=f"{start.isoformat() if start else 'start'} to {end.isoformat()}")
        uow.commit()
    return report


def reach_pdf(session: DeskSession, renderer: ReportRenderer, report: ReachReport) -> bytes:
    session.require(Permission.VIEW_STATISTICS)
    with session.store.reader() as uow:
        centre = uow.settings.get("centre_name") or ""
    return renderer.reach_report(profile_of(session), report, centre)
