"""Session commands: ``session add|list``, ``attendance record``, ``contact correct``, ``centre contact``."""

from __future__ import annotations

import argparse
from datetime import date

from centre_desk.domain.text import terminal_safe

from .common import EXIT_OK, CliError, Context, Parser
from .output import json_line


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option}: must be a date as YYYY-MM-DD") from None


def cmd_session_add(ctx: Context) -> int:
    from centre_desk.services.sessions import add_session

    a = ctx.args
    cs = add_session(ctx.session(), a.type, _date(a.date, "--date"), a.start, a.end, a.place)
    print(f"Added {terminal_safe(cs.type_name)} on {terminal_safe(cs.when)} ({cs.id})")
    return EXIT_OK


def cmd_session_list(ctx: Context) -> int:
    from centre_desk.services.sessions import list_sessions

    a = ctx.args
    first = _date(a.date, "--date") if a.date else ctx.wiring.clock.today()
    last = _date(a.to, "--to") if a.to else first
    sessions = list_sessions(ctx.session(), first, last)
    for cs in sessions:
        if a.json:
            print(json_line({"session_id": cs.id, "type": cs.type_id, "date": cs.on.isoformat(),
                             "start": cs.starts.isoformat("minutes"), "end": cs.ends.isoformat("minutes"),
                             "place": cs.place}))
        else:
            print(f"{cs.id}  {cs.on:%d/%m/%Y} {cs.starts:%H:%M}-{cs.ends:%H:%M}  {terminal_safe(cs.type_name)}"
                  f" at {terminal_safe(cs.place)}")
    if not sessions and not a.json:
        print("No sessions on those days.")
    return EXIT_OK


def cmd_attendance_record(ctx: Context) -> int:
    from centre_desk.services.sessions import record_attendance

    result = record_attendance(ctx.session(), ctx.args.session_id, ctx.args.person)
    print(f"Recorded {result.recorded} people ({result.households} households' contacts)"
          + (f"; {result.already} already on the register" if result.already else ""))
    return EXIT_OK


def cmd_session_register(ctx: Context) -> int:
    from centre_desk.services.sessions import session_register

    cs, rows = session_register(ctx.session(), ctx.args.session_id)  # audited with the households shown
    print(f"{terminal_safe(cs.type_name)} on {terminal_safe(cs.when)} at {terminal_safe(cs.place)}: "
          f"{len(rows)} came")
    for row in rows:
        print(f"{row.person_id}  {row.household_id}  {terminal_safe(row.name)}")
    return EXIT_OK


def cmd_contact_list(ctx: Context) -> int:
    from centre_desk.services.households import household_contacts

    contacts = household_contacts(ctx.session(), ctx.args.household_id)
    for c in contacts:
        print(f"{c['id']}  {date.fromisoformat(c['date']):%d/%m/%Y}  {c['type']}")
    if not contacts:
        print("No contacts recorded.")
    return EXIT_OK


def cmd_contact_correct(ctx: Context) -> int:
    from centre_desk.services.sessions import correct_contact

    a = ctx.args
    changes = correct_contact(ctx.session(), a.household_id, a.contact_id, a.type, _date(a.date, "--date"),
                              a.note or "")
    print(f"Corrected {len(changes)} details; the old ones are kept in the household's history"
          if changes else "Nothing to correct: the contact already says that")
    return EXIT_OK


def cmd_centre_contact(ctx: Context) -> int:
    from centre_desk.services.centre import centre_contact, set_centre_contact

    a = ctx.args
    session = ctx.session()
    if a.phone is None and a.email is None and a.opening_hours is None:
        contact = centre_contact(session)
    else:
        before = centre_contact(session)
        contact = set_centre_contact(session, before.phone if a.phone is None else a.phone,
                                     before.email if a.email is None else a.email,
                                     before.opening_hours if a.opening_hours is None else a.opening_hours)
    for line in contact.lines() or ("No phone, email or opening hours are set.",):
        print(terminal_safe(line))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    session = sub.add_parser("session", help="sessions the centre runs").add_subparsers(
        dest="session_command", required=True, parser_class=Parser)
    add = session.add_parser("add", help="put a session on the list")
    add.add_argument("--type", required=True, help="a session type from the organisation profile, e.g. stay-and-play")
    add.add_argument("--date", required=True, help="YYYY-MM-DD")
    add.add_argument("--start", required=True, help="HH:MM")
    add.add_argument("--end", required=True, help="HH:MM")
    add.add_argument("--place", required=True)
    add.set_defaults(handler=cmd_session_add)
    lst = session.add_parser("list", help="sessions on a day (default today) or from --date to --to")
    lst.add_argument("--date", help="YYYY-MM-DD (default today)")
    lst.add_argument("--to", help="YYYY-MM-DD")
    lst.add_argument("--json", action="store_true", help="one JSON object per session per line")
    lst.set_defaults(handler=cmd_session_list)
    reg = session.add_parser("register", help="who came to a session")
    reg.add_argument("session_id")
    reg.set_defaults(handler=cmd_session_register)

    attendance = sub.add_parser("attendance", help="who came to a session").add_subparsers(
        dest="attendance_command", required=True, parser_class=Parser)
    rec = attendance.add_parser("record", help="tick people as having come (records their households' contacts)")
    rec.add_argument("session_id")
    rec.add_argument("--person", action="append", required=True, metavar="ID", help="a person id; repeat for more")
    rec.set_defaults(handler=cmd_attendance_record)

    centre = sub.add_parser("centre", help="the centre's details").add_subparsers(
        dest="centre_command", required=True, parser_class=Parser)
    contact = centre.add_parser("contact", help="show, or change, the phone, email and opening hours printed "
                                "for families")
    contact.add_argument("--phone")
    contact.add_argument("--email")
    contact.add_argument("--opening-hours")
    contact.set_defaults(handler=cmd_centre_contact)


def register_contact_correct(contact: argparse._SubParsersAction[Parser]) -> None:
    """``contact list`` and ``contact correct``, added to the households module's ``contact`` command."""
    lst = contact.add_parser("list", help="a household's contacts, newest first, with their ids")
    lst.add_argument("household_id")
    lst.set_defaults(handler=cmd_contact_list)
    fix = contact.add_parser("correct", help="put a contact right; the old details stay in the history")
    fix.add_argument("household_id")
    fix.add_argument("contact_id")
    fix.add_argument("--type", required=True, choices=["session", "phone-call", "home-visit", "drop-in"])
    fix.add_argument("--date", required=True, help="YYYY-MM-DD")
    fix.add_argument("--note", default="")
    fix.set_defaults(handler=cmd_contact_correct)
