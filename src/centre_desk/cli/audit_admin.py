"""Audit commands: ``audit head``, ``audit verify [--expect-head N:HASH]``, ``audit list``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, PROG, CliError, Context, Parser


def cmd_audit_verify(ctx: Context) -> int:
    from centre_desk.domain.audit import Head
    from centre_desk.services.audit import verify_audit

    expect = None
    if ctx.args.expect_head:
        try:
            expect = Head.parse(ctx.args.expect_head)
        except ValueError as exc:
            raise CliError(f"--expect-head: {exc}", EXIT_USAGE) from None
    report = verify_audit(ctx.session(), expect)
    if report.intact:
        reported = (f" ({report.reported} reported from outside the store, unauthenticated)"
                    if report.reported else "")
        extends = f"; it extends the expected head {expect.count}:{expect.hash[:12]}…" if expect else ""
        print(f"Audit chain intact: {report.count} entries{reported}{extends}")
        if report.head is not None:
            print(f"Head: {report.head}")
        return EXIT_OK
    print(f"{PROG}: audit chain broken at entry {report.first_broken}: {report.reason}", file=sys.stderr)
    return EXIT_ERROR


def cmd_audit_head(ctx: Context) -> int:
    from centre_desk.services.audit import audit_head

    head = audit_head(ctx.session())
    if ctx.args.json:
        print(json.dumps({"count": head.count, "hash": head.hash, "head": str(head)}))
    else:
        print(f"Entries: {head.count}")
        print(f"Head: {head}")
        print("Keep this line somewhere off this device; 'audit verify --expect-head' checks against it.")
    return EXIT_OK


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option}: give a date as YYYY-MM-DD", EXIT_USAGE) from None


def cmd_audit_list(ctx: Context) -> int:
    from centre_desk.services.audit import AuditQuery, audit_trail

    a = ctx.args
    since, until = _day(a.since, "--since"), _day(a.until, "--until")
    entries = audit_trail(ctx.session(), AuditQuery(record=a.record, actor=a.actor, action=a.action,
                                                    since=since, until=until))
    for e in entries:
        if a.json:
            print(json.dumps({"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                              "record": e.record_ref, "detail": e.detail, "source": e.source},
                             ensure_ascii=True))
        else:
            mark = "" if e.authenticated else "  [reported, unauthenticated]"
            print(f"{e.seq:>7}  {e.at.isoformat(timespec='seconds')}  {e.actor:<36}  {e.action:<24}  "
                  f"{e.record_ref or '-'}{mark}")
    if not a.json:
        print(f"{len(entries)} entries")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    audit = sub.add_parser("audit", help="audit chain").add_subparsers(dest="audit_command", required=True,
                                                                       parser_class=Parser)
    verify = audit.add_parser("verify", help="check every entry of the audit chain")
    verify.add_argument("--expect-head", metavar="N:HASH",
                        help="fail unless the chain still extends this head (as printed by 'audit head')")
    verify.set_defaults(handler=cmd_audit_verify)
    head = audit.add_parser("head", help="print the entry count and the hash of the last entry")
    head.add_argument("--json", action="store_true")
    head.set_defaults(handler=cmd_audit_head)
    lst = audit.add_parser("list", help="read the trail back (who did what, to which record)")
    lst.add_argument("--record", help="a household, person or referral id (search results included)")
    lst.add_argument("--actor", help="a member of staff's id")
    lst.add_argument("--action", help='an action, or a prefix ending in "." such as "household."')
    lst.add_argument("--since", metavar="YYYY-MM-DD", help="entries on or after this day")
    lst.add_argument("--until", metavar="YYYY-MM-DD", help="entries on or before this day")
    lst.add_argument("--json", action="store_true", help="one JSON object per line")
    lst.set_defaults(handler=cmd_audit_list)
