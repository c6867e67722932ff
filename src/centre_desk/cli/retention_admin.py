"""Retention commands: the review, legal holds, destruction and its certificates."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from centre_desk.domain.text import terminal_safe

from .common import EXIT_ERROR, EXIT_OK, CliError, Context, Parser
from .files import write_file_atomically
from .output import csv_bytes, json_line


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError("--as-of: must be a date as YYYY-MM-DD") from None


def cmd_review(ctx: Context) -> int:
    from centre_desk.services.retention import retention_review

    a = ctx.args
    if a.within < 0:
        raise CliError("--within: must be 0 or more days")
    queue = retention_review(ctx.session(), _as_of(a.as_of), within_days=a.within)
    for e in queue:
        r = e.review
        if a.json:
            print(json_line({"household_id": r.household_id, "category": r.rule.id, "due": r.due.isoformat(),
                             "held": e.held, "held_by": [h.id for h in e.holds]}))
        else:
            why = f"held ({', '.join(h.id for h in e.holds)})" if e.held else "not held"
            print(f"{r.household_id}  {r.rule.id:<32} due {r.due:%d/%m/%Y}  {why}")
    if not queue and not a.json:
        print("Nothing is due for review.")
    return EXIT_OK


def cmd_destroy(ctx: Context) -> int:
    from centre_desk.services.retention import default_eraser, destroy_due, retention_review

    a = ctx.args
    as_of = _as_of(a.as_of)
    session = ctx.session()
    if not a.confirm:
        queue = [e for e in retention_review(session, as_of) if e.review.is_due(as_of or session.clock.today())]
        free = sum(not e.held for e in queue)
        print(f"{free} records would be destroyed ({len(queue) - free} held); nothing was destroyed. "
              "Run again with --confirm to destroy them.")
        return EXIT_ERROR
    done = destroy_due(session, default_eraser(), as_of)
    print(f"Destroyed {len(done.certificates)} records; {done.held} held records kept; "
          f"{len(done.certificates)} destruction certificates written")
    for household_id, why in done.refused:
        print(f"not destroyed {household_id}: {terminal_safe(why)}")
    return EXIT_OK


def cmd_hold_add(ctx: Context) -> int:
    from centre_desk.services.retention import place_hold

    a = ctx.args
    if bool(a.household_id) == bool(a.organisation):
        raise CliError("give a household id or --organisation (a hold on every record)", 2)
    hold = place_hold(ctx.session(), a.reason, None if a.organisation else a.household_id, a.reference or "")
    where = "every record" if hold.organisation_wide else f"household {hold.household_id}"
    print(f"Placed hold {hold.id} on {where}")
    return EXIT_OK


def cmd_hold_remove(ctx: Context) -> int:
    from centre_desk.services.retention import lift_hold

    hold = lift_hold(ctx.session(), ctx.args.hold_id)
    print(f"Lifted hold {hold.id}")
    return EXIT_OK


def cmd_hold_list(ctx: Context) -> int:
    from centre_desk.services.retention import list_holds

    holds = list_holds(ctx.session())
    for h in holds:
        if ctx.args.json:
            print(json_line({"hold_id": h.id, "household_id": h.household_id, "reason": h.reason,
                             "reference": h.reference,
                             "placed_by": h.placed_by,
                             "placed_at": None if h.id == "profile" else h.placed_at.isoformat()}))
        else:
            where = "every record" if h.organisation_wide else f"household {h.household_id}"
            ref = f" (reference {terminal_safe(h.reference)})" if h.reference else ""
            print(f"{h.id}  {where}: {terminal_safe(h.reason)}{ref}")
    if not holds and not ctx.args.json:
        print("No legal holds.")
    return EXIT_OK


def cmd_certificates(ctx: Context) -> int:
    from centre_desk.domain.retention import CERTIFICATE_COLUMNS
    from centre_desk.services.retention import certificates_pdf, destruction_certificates

    out = Path(ctx.args.out).expanduser()
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".pdf"):
        raise CliError("--out: must end in .csv or .pdf")
    session = ctx.session()
    if suffix == ".pdf":
        from centre_desk.printing.renderer import PdfRenderer

        data = certificates_pdf(session, PdfRenderer())
        count = None
    else:
        certs = destruction_certificates(session)
        data = csv_bytes(CERTIFICATE_COLUMNS, [c.as_row() for c in certs])
        count = len(certs)
    write_file_atomically(out, lambda: data)
    print(f"Wrote {'' if count is None else f'{count} '}destruction certificates to {out}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    ret = sub.add_parser("retention", help="retention review, legal holds, destruction").add_subparsers(
        dest="retention_command", required=True, parser_class=Parser)
    review = ret.add_parser("review", help="households due for review (with --within, also those due soon)")
    review.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    review.add_argument("--within", type=int, default=0, help="also list those due in this many days")
    review.add_argument("--json", action="store_true", help="one JSON object per line")
    review.set_defaults(handler=cmd_review)

    destroy = ret.add_parser("destroy", help="destroy what is due and not held, leaving certificates")
    destroy.add_argument("--as-of", help="YYYY-MM-DD, not after today (default today)")
    destroy.add_argument("--confirm", action="store_true", help="really destroy (without it: say how many)")
    destroy.set_defaults(handler=cmd_destroy)

    hold = ret.add_parser("hold", help="legal holds").add_subparsers(
        dest="hold_command", required=True, parser_class=Parser)
    add = hold.add_parser("add", help="hold one household's records, or every record with --organisation")
    add.add_argument("household_id", nargs="?")
    add.add_argument("--organisation", action="store_true")
    add.add_argument("--reason", required=True, help="why (no names or other personal details)")
    add.add_argument("--reference", help="the inquiry's or case's reference (required with --organisation)")
    add.set_defaults(handler=cmd_hold_add)
    remove = hold.add_parser("remove", help="lift a hold")
    remove.add_argument("hold_id")
    remove.set_defaults(handler=cmd_hold_remove)
    lst = hold.add_parser("list", help="active holds")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_hold_list)

    certs = ret.add_parser("certificates", help="export destruction certificates")
    certs.add_argument("--out", required=True, help="FILE.csv or FILE.pdf")
    certs.set_defaults(handler=cmd_certificates)
