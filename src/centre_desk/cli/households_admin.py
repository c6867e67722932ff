"""Household commands: import, search, demo data, contacts."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from centre_desk.domain.errors import ValidationFailed
from centre_desk.domain.text import terminal_safe

from .common import EXIT_OK, CliError, Context, Parser
from .output import json_line
from .sessions_admin import register_contact_correct

MAX_IMPORT_BYTES = 200 * 1024 * 1024
NOTHING = "nothing was imported"


def cmd_import(ctx: Context) -> int:
    from centre_desk.services.importing import import_households, parse_csv, parse_json

    path = Path(ctx.args.file)
    if ctx.args.form != "membership":
        raise CliError("only --form membership can be imported")
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise CliError(f"{path.name}: larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot be read ({exc.strerror})") from None
    raw = _import_text(path, data)
    kind = ctx.args.format or ("csv" if path.suffix.lower() == ".csv" else "json")
    try:
        records = parse_csv(raw) if kind == "csv" else parse_json(raw)
    except ValidationFailed as exc:
        raise CliError(_problem_lines(exc, path)) from None
    session = ctx.session()
    try:
        result = import_households(session, records)
    except ValidationFailed as exc:
        raise CliError(_problem_lines(exc, path)) from None
    if ctx.args.json:
        # One object per imported household, so IT can map the old system's ids to the new.
        for r in result.records:
            print(json_line({"record": r.record, "ref": r.ref, "household_id": r.household_id,
                             "person_ids": list(r.person_ids)}))
        return EXIT_OK
    print(f"Imported {result.households} households ({result.members} people, {result.contacts} contacts)")
    return EXIT_OK


def _import_text(path: Path, data: bytes) -> str:
    """The file as text, or a one-line CliError saying what it is instead."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CliError(f"{path.name}: is UTF-16 text; save it as UTF-8 (Excel: Save as, CSV UTF-8); {NOTHING}")
    if b"\x00" in data:
        raise CliError(f"{path.name}: is a binary file, not a JSON or CSV member list; {NOTHING}")
    try:
        # utf-8-sig: the byte-order mark Excel puts at the start of "CSV UTF-8" is not a column name.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{path.name}: not UTF-8 text; save the spreadsheet as CSV UTF-8; {NOTHING}") from None


def _problem_lines(exc: ValidationFailed, path: Path) -> str:
    """Every problem on its own line on stderr; the message for the last line.

    A file that is not a member list at all gets that one line alone.
    """
    if len(exc.problems) == 1 and exc.problems[0].field == "file":
        return f"{path.name}: {exc.problems[0].problem}; {NOTHING}"
    for problem in exc.problems:
        print(str(problem), file=sys.stderr)
    return f"{NOTHING}: {len(exc.problems)} problem(s) in {path.name}"


def cmd_search(ctx: Context) -> int:
    from centre_desk.services.households import search_households

    session = ctx.session()
    hits = search_households(session, ctx.args.query, limit=ctx.args.limit)  # audited with the ids shown
    for hit in hits:
        if ctx.args.json:
            print(json_line({
                "household_id": hit.household_id,
                "postcode": hit.postcode,
                "last_contact": hit.last_contact.isoformat() if hit.last_contact else None,
                "members": [
                    {"person_id": m.id, "first_name": m.first_name, "last_name": m.last_name,
                     "date_of_birth": m.get("date_of_birth"), "role": m.role}
                    for m in hit.members
                ],
            }))
        else:
            # Each stored value escaped on its own, line breaks included: one household, one line.
            adults = ", ".join(terminal_safe(name) for name in hit.adults) or "-"
            children = ", ".join(terminal_safe(name) for name in hit.children) or "-"
            last = hit.last_contact.strftime("%d/%m/%Y") if hit.last_contact else "never"
            print(f"{hit.household_id}  {terminal_safe(hit.postcode):<9} adults: {adults}; children: {children}; "
                  f"last contact {last}")
    if not hits and not ctx.args.json:
        print("No households match.")
    return EXIT_OK


def cmd_demo_data(ctx: Context) -> int:
    from centre_desk.services.demo_data import make_demo_households

    if ctx.args.households < 1 or ctx.args.households > 1_000_000:
        raise CliError("--households must be between 1 and 1000000")
    made = make_demo_households(ctx.session(), ctx.args.households, ctx.args.seed)
    print(f"Added {made} synthetic households (marked synthetic)")
    return EXIT_OK


def cmd_contact_add(ctx: Context) -> int:
    from centre_desk.services.households import record_contact

    try:
        on = date.fromisoformat(ctx.args.date)
    except ValueError:
        raise CliError("--date: must be a date as YYYY-MM-DD") from None
    contact = record_contact(ctx.session(), ctx.args.household_id, ctx.args.type, on, ctx.args.note or "")
    print(f"Recorded {contact.type} on {contact.on:%d/%m/%Y} ({contact.id})")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    imp = sub.add_parser("import", help="import households from JSON or CSV (all or nothing)")
    imp.add_argument("--form", required=True, choices=["membership"])
    imp.add_argument("--format", choices=["json", "csv"], help="default: from the file name")
    imp.add_argument("--json", action="store_true",
                     help="one object per imported household: record, ref, household_id, person_ids")
    imp.add_argument("file")
    imp.set_defaults(handler=cmd_import)

    search = sub.add_parser("search", help="find households by name, postcode, phone, email or date of birth")
    search.add_argument("query")
    search.add_argument("--json", action="store_true", help="one JSON object per household per line")
    search.add_argument("--limit", type=int, default=50)
    search.set_defaults(handler=cmd_search)

    demo = sub.add_parser("demo-data", help="add synthetic households (for training and benchmarks)")
    demo.add_argument("--households", type=int, required=True)
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(handler=cmd_demo_data)

    contact = sub.add_parser("contact", help="contacts and attendance").add_subparsers(
        dest="contact_command", required=True, parser_class=Parser)
    add = contact.add_parser("add", help="record a session, phone call, home visit or drop-in")
    add.add_argument("household_id")
    add.add_argument("--type", required=True, choices=["session", "phone-call", "home-visit", "drop-in"])
    add.add_argument("--date", required=True, help="YYYY-MM-DD")
    add.add_argument("--note", default="")
    add.set_defaults(handler=cmd_contact_add)
    register_contact_correct(contact)
