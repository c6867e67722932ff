"""Referral commands: record a referral from a JSON file, list them, move them on a step."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from centre_desk.domain.text import terminal_safe

from .common import EXIT_OK, CliError, Context, Parser
from .output import json_line


def cmd_referral_add(ctx: Context) -> int:
    from centre_desk.services.referrals import record_referral

    path = Path(ctx.args.file)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        # ValueError covers bad JSON and numbers too long to convert; RecursionError deep nesting.
        raise CliError(f"{path.name}: not a UTF-8 JSON object of referral form fields") from None
    if not isinstance(data, dict):
        raise CliError(f"{path.name}: must be a JSON object of referral form fields")
    referral = record_referral(ctx.session(), ctx.args.household_id, data, ctx.args.person or [])
    flag = " (safeguarding concern flagged)" if referral.safeguarding_concern else ""
    print(f"Recorded referral {referral.id} for {referral.fields.get('service')}{flag}")
    return EXIT_OK


def cmd_referral_list(ctx: Context) -> int:
    from centre_desk.services.referrals import household_referrals

    session = ctx.session()
    referrals = household_referrals(session, ctx.args.household_id)
    with session.uow() as uow:
        session.audit(uow, "referral.listed", ctx.args.household_id)
        uow.commit()
    for r in referrals:
        if ctx.args.json:
            print(json_line({"referral_id": r.id, "service": r.fields.get("service"), "status": r.status,
                              "safeguarding_concern": r.safeguarding_concern, "person_ids": list(r.person_ids),
                              "events": [{"status": e.status, "date": e.on.isoformat()} for e in r.events]}))
        else:
            steps = ", ".join(f"{e.status} {e.on:%d/%m/%Y}" for e in r.events)
            flag = "  SAFEGUARDING CONCERN" if r.safeguarding_concern else ""
            print(f"{r.id}  {terminal_safe(str(r.fields.get('service')))}: {r.status} ({steps}){flag}")
    if not referrals and not ctx.args.json:
        print("No referrals for this household.")
    return EXIT_OK


def cmd_referral_status(ctx: Context) -> int:
    from centre_desk.services.referrals import add_status

    try:
        on = date.fromisoformat(ctx.args.date)
    except ValueError:
        raise CliError("--date: must be a date as YYYY-MM-DD") from None
    event = add_status(ctx.session(), ctx.args.referral_id, ctx.args.status, on, ctx.args.note or "")
    print(f"Referral {event.referral_id} is now {event.status} ({event.on:%d/%m/%Y})")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    ref = sub.add_parser("referral", help="referrals and their status steps").add_subparsers(
        dest="referral_command", required=True, parser_class=Parser)
    add = ref.add_parser("add", help="record a referral from a JSON object of referral form fields")
    add.add_argument("household_id")
    add.add_argument("--file", required=True)
    add.add_argument("--person", action="append", help="person id the referral is about (repeatable)")
    add.set_defaults(handler=cmd_referral_add)
    ls = ref.add_parser("list", help="a household's referrals")
    ls.add_argument("household_id")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_referral_list)
    st = ref.add_parser("status", help="record the next step: accepted, allocated or closed")
    st.add_argument("referral_id")
    st.add_argument("--status", required=True, choices=["accepted", "allocated", "closed"])
    st.add_argument("--date", required=True, help="YYYY-MM-DD")
    st.add_argument("--note", default="")
    st.set_defaults(handler=cmd_referral_status)
