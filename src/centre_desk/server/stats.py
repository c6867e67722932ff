"""Reach statistics for a whole organisation, from the records the server holds now.

The same counting and suppression as on a device (``domain.statistics.reach_row``,
``count_reach``, ``reach_report``; ``domain.suppression``), over the organisation's live
``server_records``: households (their registration day is the record's ``created_at``, as on the
device), contacts, and the records that leave people out: restrictions of processing
(``domain.rights.restricted_now``), upheld objections to the ``reach-statistics`` purpose and,
when the organisation's profile says that purpose rests on consent, anyone without a current
consent. So for the same records the server's tables are the device's tables, cell for cell.

The server makes the CSV only: the PDF with charts is drawn by ``printing/`` (ReportLab), which
the server may not import (import-linter: "The server reaches only formspec and domain"). An
enrolled device, which holds the same records after sync, makes the PDF.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from centre_desk.domain.errors import NotFound, ValidationFailed
from centre_desk.domain.folds import FOLDED, aliases_of, fold_target
from centre_desk.domain.household import Household, Member
from centre_desk.domain.rights import RestrictionEvent, restricted_now
from centre_desk.domain.statistics import ReachReport, consenting, count_reach, reach_report, reach_row
from centre_desk.domain.text import EARLIEST_DATE

from . import audit_log
from .db import Database
from .models import Organisation, ServerRecord

PURPOSE = "reach-statistics"
MEMBERSHIP = "membership"
KINDS = ("household", "contact", "restriction", "objection", "consent", FOLDED)


def _household(record_id: str, envelope: Mapping[str, Any], body: Mapping[str, Any]) -> Household | None:
    if not isinstance(body, Mapping) or "members" not in body:
        return None
    created = datetime.fromisoformat(str(envelope["created_at"]))
    members = tuple(Member(str(m["id"]), m.get("fields") or {}) for m in body.get("members") or [])
    return Household(record_id, 1, body.get("fields") or {}, members, str(envelope.get("form_id") or MEMBERSHIP),
                     int(envelope.get("form_version") or 1), created, created)


def ethnic_groups() -> dict[str, str]:
    """Each ethnicity choice's high-level census group (the membership form, as on a device)."""
    from centre_desk.formspec.forms import load_form

    return {c.value: c.group for c in load_form(MEMBERSHIP).field("ethnicity").choices if c.group}


def _left_out(rows: Iterable[tuple[str, str | None, Mapping[str, Any], Mapping[str, Any]]],
              everyone: Iterable[tuple[str, str]], needs_consent: bool,
              alias: Mapping[str, str] | None = None) -> set[str]:
    """Who the statistics leave out. ``alias``: folded person id -> the person it reads as now, so a
    restriction, objection or consent recorded under a folded entry counts for the survivor (as on a
    device, ``storage.aliases``)."""
    restrictions: dict[str, list[RestrictionEvent]] = {}
    decisions: list[tuple[str, str, Mapping[str, Any]]] = []
    out: set[str] = set()
    for kind, hid, envelope, body in rows:
        pid = body.get("person_id")
        if alias and isinstance(pid, str) and pid in alias:
            body = {**body, "person_id": alias[pid]}
        at = str(envelope.get("created_at") or "")
        if kind == "restriction" and hid:
            restrictions.setdefault(hid, []).append(RestrictionEvent(
                "", hid, body.get("person_id"), bool(body.get("restricted")), datetime.fromisoformat(at), ""))
        elif kind == "objection" and body.get("upheld") and body.get("purpose_id") == PURPOSE:
            out.add(str(body["person_id"]))
        elif kind == "consent" and hid:
            decisions.append((hid, at, body))
    whole: set[str] = set()
    for hid, events in restrictions.items():
        household, people = restricted_now(events)
        if household:
            whole.add(hid)
        out |= people
    consented = consenting(decisions, PURPOSE) if needs_consent else set()
    out |= {pid for hid, pid in everyone if hid in whole or (needs_consent and (hid, pid) not in consented)}
    return out


def reach(db: Database, org_id: str, start: date | None, end: date, now: datetime) -> ReachReport:
    """The organisation's reach statistics for ``start``..``end``; audited on the server's chain."""
    from centre_desk.formspec.profiles import load_profile

    if start is not None and start < EARLIEST_DATE:
        raise ValidationFailed.one("--from", f"is before {EARLIEST_DATE:%d/%m/%Y}")
    if start is not None and start > end:
        raise ValidationFailed.one("--from", "is after the end of the period (--to)")
    with db.unit() as s:
        org = s.get(Organisation, org_id)
        if org is None:
            raise NotFound("no such organisation")
        profile = load_profile(org.profile_id)
        records = s.execute(select(ServerRecord.id, ServerRecord.kind, ServerRecord.household_id, ServerRecord.envelope,
                                   ServerRecord.body)
                            .where(ServerRecord.org_id == org_id, ServerRecord.deleted.is_(False),
                                   ServerRecord.kind.in_(KINDS))).all()
        households = [h for r in records if r.kind == "household" and (h := _household(r.id, r.envelope, r.body))]
        rows = [reach_row(h) for h in households]
        contacts = [(str(r.household_id), str(r.body.get("date", "")), str(r.body.get("type", "")))
                    for r in records if r.kind == "contact" and r.household_id]
        needs_consent = any(p.id == PURPOSE and p.needs_consent for p in profile.purposes)
        everyone = [(h.id, m.id) for h in households for m in h.members]
        alias = aliases_of({r.id: target for r in records if r.kind == FOLDED and (target := fold_target(r.body))})
        left_out = _left_out(((r.kind, r.household_id, r.envelope or {}, r.body or {}) for r in records
                              if r.kind in ("restriction", "objection", "consent")), everyone, needs_consent, alias)
        under = min(profile.reach_statistics_age_limit or 5, 11)
        report = reach_report(count_reach(rows, contacts, start, end, under, left_out), start, end,
                              ethnic_groups=ethnic_groups(), under=under)
        audit_log.append(s, org_id, now, audit_log.ADMIN_ACTOR, "statistics.reach", None,
                         f"{start.isoformat() if start else 'start'} to {end.isoformat()}")
    return report
