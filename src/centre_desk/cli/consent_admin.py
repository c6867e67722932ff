"""Consent commands: list, give, withdraw, and the email mailing list."""

from __future__ import annotations

import argparse

from centre_desk.domain.consent import Decision
from centre_desk.domain.text import terminal_safe

from .common import EXIT_OK, Context, Parser
from .files import write_atomic
from .output import csv_bytes, json_line


def _notice_version(ctx: Context) -> str:
    from centre_desk.printing.notice import load_notice_template
    from centre_desk.services.profile import profile_of

    return load_notice_template(profile_of(ctx.session()).id).version


def cmd_consent_list(ctx: Context) -> int:
    from centre_desk.services.consent import consent_history

    session = ctx.session()
    lines = consent_history(session, ctx.args.household_id)
    with session.uow() as uow:
        session.audit(uow, "consent.listed", ctx.args.household_id)
        uow.commit()
    for line in lines:
        e = line.event
        if ctx.args.json:
            print(json_line({
                "event_id": e.id, "person_id": e.person_id, "person": line.person_name,
                "purpose": e.purpose_id, "service": e.partner_id, "decision": e.decision.value,
                "method": e.method.value, "recorded_at": e.recorded_at.isoformat(), "recorded_by": line.recorded_by,
                "notice_version": e.notice_version, "given_by": e.given_by, "current": line.current,
                "has_signature": e.signature_png is not None,
                "recorded_for": e.recorded_for,  # the folded entry's id it was recorded under, if any
            }))
        else:
            target = f" with {terminal_safe(line.partner_name)}" if line.partner_name else ""
            mark = "*" if line.current else " "
            print(f"{mark} {e.recorded_at:%d/%m/%Y %H:%M}  {terminal_safe(line.person_name)}: {e.decision.value} "
                  f"{terminal_safe(line.purpose_name)}{target} ({e.method.value}, "
                  f"notice {terminal_safe(e.notice_version)}, by {terminal_safe(line.recorded_by)})")
    if not lines and not ctx.args.json:
        print("No consent decisions recorded for this household.")
    return EXIT_OK


def _cmd_decide(ctx: Context, decision: Decision) -> int:
    from centre_desk.services.consent import record_decision

    event = record_decision(
        ctx.session(), ctx.args.household_id, ctx.args.person, ctx.args.purpose, decision,
        method=ctx.args.method, notice_version=_notice_version(ctx), partner_id=ctx.args.service,
        given_by=ctx.args.given_by, note=ctx.args.note or "",
    )
    print(f"Recorded: consent {event.decision.value} for {event.purpose_id}"
          f"{' with ' + event.partner_id if event.partner_id else ''} (notice {event.notice_version})")
    return EXIT_OK


def cmd_consent_give(ctx: Context) -> int:
    return _cmd_decide(ctx, Decision.GIVEN)


def cmd_consent_refuse(ctx: Context) -> int:
    return _cmd_decide(ctx, Decision.REFUSED)


def cmd_consent_withdraw(ctx: Context) -> int:
    return _cmd_decide(ctx, Decision.WITHDRAWN)


def cmd_mailing_list(ctx: Context) -> int:
    from centre_desk.services.consent import mailing_list

    entries = mailing_list(ctx.session())
    data = csv_bytes(["first_name", "last_name", "email", "household_id", "person_id", "consent_given"],
                     ([e.first_name, e.last_name, e.email, e.household_id, e.person_id,
                       e.consent_given_at.date().isoformat()] for e in entries))
    write_atomic(ctx.args.out, data)
    print(f"Wrote {len(entries)} people to {ctx.args.out}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    consent = sub.add_parser("consent", help="consent decisions").add_subparsers(
        dest="consent_command", required=True, parser_class=Parser)
    ls = consent.add_parser("list", help="a household's consent history (newest decision marked *)")
    ls.add_argument("household_id")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_consent_list)
    for name, handler, text in (("give", cmd_consent_give, "record consent given"),
                                ("refuse", cmd_consent_refuse, "record consent refused"),
                                ("withdraw", cmd_consent_withdraw, "record a withdrawal (takes effect at once)")):
        p = consent.add_parser(name, help=text)
        p.add_argument("household_id")
        p.add_argument("--person", required=True, help="person id")
        p.add_argument("--purpose", required=True, help="purpose id from the organisation profile")
        p.add_argument("--service", help="for per-service sharing: the service or partner id")
        p.add_argument("--method", default="verbal", choices=["verbal", "signed"])
        p.add_argument("--given-by", help="for a child: the person id of the parent or carer deciding")
        p.add_argument("--note", default="")
        p.set_defaults(handler=handler)

    ml = sub.add_parser("mailing-list", help="CSV of adults with an email address and current email consent")
    ml.add_argument("--out", required=True)
    ml.set_defaults(handler=cmd_mailing_list)

