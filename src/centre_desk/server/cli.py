"""``centre-desk-server``: set up and run the central server.

Exit codes as ``centre-desk-admin``: 0 done; 1 a clear one-line error on stderr; 2 usage.
Every command takes ``--db URL`` (or ``CENTRE_DESK_SERVER_DB``); a URL is only ever shown with
its password masked. New passwords come from ``CENTRE_DESK_NEW_PASSWORD`` or one line of stdin.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from centre_desk import __version__
from centre_desk.domain.errors import CentreDeskError, ValidationFailed

from . import admin, audit_log
from .config import TLS_CERT_ENV, clock_from_env, resolve_db_url
from .db import Database

PROG = "centre-desk-server"
NEW_PASSWORD_ENV = "CENTRE_DESK_NEW_PASSWORD"  # noqa: S105 - a variable name, not a secret
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


def _new_password() -> str:
    value = os.environ.get(NEW_PASSWORD_ENV)
    if value is not None:
        return value
    line = sys.stdin.readline() if sys.stdin is not None and not sys.stdin.closed else ""
    if not line:
        raise CliError(f"new password: set {NEW_PASSWORD_ENV} or give it on standard input")
    return line.rstrip("\r\n")


_opened: list[Database] = []  # closed when the command ends (main's finally)


def _db(args: argparse.Namespace, create: bool = False, current: bool = True) -> Database:
    db = Database(resolve_db_url(args.db), create=create)
    _opened.append(db)
    if current:
        db.require_current()
    return db


def _when(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def _fingerprint(option: str | None) -> str | None:
    from .codes import certificate_fingerprint

    cert = option or os.environ.get(TLS_CERT_ENV)
    return certificate_fingerprint(Path(cert)) if cert else None


# ---- handlers


def cmd_init_db(args: argparse.Namespace) -> int:
    admin.profile_name(args.profile)  # refuse a bad profile before creating anything
    db = _db(args, create=True, current=False)
    if db.revision() is not None and admin.org_count(db):
        raise CliError(f"the database {db.shown} is already set up; add an organisation with '{PROG} org add'")
    db.upgrade()
    print(f"Organisation: {admin.add_org(db, clock_from_env(), args.profile, args.org_name)}")
    return EXIT_OK


def cmd_upgrade_db(args: argparse.Namespace) -> int:
    db = _db(args, current=False)
    db.upgrade()
    print(f"Schema: {db.revision()}")
    return EXIT_OK


def cmd_org_add(args: argparse.Namespace) -> int:
    print(f"Organisation: {admin.add_org(_db(args), clock_from_env(), args.profile, args.org_name)}")
    return EXIT_OK


def cmd_org_digest(args: argparse.Namespace) -> int:
    from .sync import org_digest

    households, value = org_digest(_db(args), args.org)
    if args.json:
        print(json.dumps({"households": households, "digest": value}))
    else:
        print(f"Households: {households}")
        print(f"Digest: {value}")
    return EXIT_OK


def cmd_staff_add(args: argparse.Namespace) -> int:
    db = _db(args)
    staff_id = admin.add_staff(db, clock_from_env(), args.org, args.username, args.role, _new_password())
    print(f"Staff: {staff_id}")
    return EXIT_OK


def cmd_staff_list(args: argparse.Namespace) -> int:
    rows = admin.list_staff(_db(args), args.org)
    if args.json:
        for r in rows:
            print(json.dumps({"staff_id": r.id, "username": r.username, "role": r.role, "disabled": r.disabled,
                              "created_at": _when(r.created_at)}))
    else:
        for r in rows:
            print(f"{r.username:<24} {r.role:<14} {'disabled' if r.disabled else 'active':<9} {r.id}")
    return EXIT_OK


def cmd_staff_passwd(args: argparse.Namespace) -> int:
    admin.set_password(_db(args), clock_from_env(), args.org, args.username, _new_password())
    print("Password changed")
    return EXIT_OK


def cmd_staff_disable(args: argparse.Namespace) -> int:
    admin.disable_staff(_db(args), clock_from_env(), args.org, args.username)
    print("Disabled")
    return EXIT_OK


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    fingerprint = _fingerprint(args.tls_cert)
    code, expires = admin.issue_code(_db(args), clock_from_env(), args.org, fingerprint)
    print(f"Enrolment code: {code}")
    print(f"Expires: {_when(expires)}")
    if not fingerprint:
        print("No certificate fingerprint in this code: it is for a server on plain HTTP (loopback only).")
    return EXIT_OK


def cmd_device_list(args: argparse.Namespace) -> int:
    rows = admin.list_devices(_db(args), args.org)
    for r in rows:
        status = "revoked" if r.revoked_at else "active"
        if args.json:
            print(json.dumps({"device_id": r.id, "status": status, "enrolled_by": r.enrolled_by,
                              "enrolled_at": _when(r.enrolled_at), "last_seen_at": _when(r.last_seen_at),
                              "revoked_at": _when(r.revoked_at)}))
        else:
            print(f"{r.id}  {status:<8} enrolled {_when(r.enrolled_at)} by {r.enrolled_by}, "
                  f"last seen {_when(r.last_seen_at) or 'never'}")
    return EXIT_OK


def cmd_device_revoke(args: argparse.Namespace) -> int:
    admin.revoke_device(_db(args), clock_from_env(), args.device_id)
    print("Revoked")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    db = _db(args)
    broken: list[str] = []
    for org_id in admin.org_ids(db, args.org):
        with db.unit() as s:
            chains = [("server", audit_log.verify_org(s, org_id))]
            chains += [(f"device {dev}", rep) for dev, rep in audit_log.verify_devices(s, org_id)]
        for name, report in chains:
            where = f"organisation {org_id}, {name} chain"
            if report.intact:
                print(f"{where}: {report.count} entries, intact, head {report.head}")
            else:
                print(f"{where}: BROKEN at entry {report.first_broken}")
                broken.append(f"{where} is broken at entry {report.first_broken}: {report.reason}")
    if broken:
        raise CliError(broken[0] + (f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""))
    return EXIT_OK


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: must be a date as YYYY-MM-DD") from None


def cmd_stats_reach(args: argparse.Namespace) -> int:
    import csv
    import io

    from centre_desk.domain.statistics import REACH_CSV_COLUMNS, reach_csv_rows
    from centre_desk.domain.text import spreadsheet_safe
    from centre_desk.files import write_private_file

    from .stats import reach

    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".csv":
        raise CliError("--out: must end in .csv")
    if args.pdf:
        raise CliError("--pdf: the server makes the CSV only (charts are drawn by the desktop's printing, "
                       "which the server does not include); make the PDF on an enrolled device with "
                       "'centre-desk-admin stats reach --pdf FILE.pdf', which holds the same records")
    if not out.parent.is_dir():
        raise CliError(f"--out: the folder {out.parent} does not exist")
    clock = clock_from_env()
    start, end = _day("--from", args.start), _day("--to", args.end) or clock.today()
    report = reach(_db(args), args.org, start, end, clock.now())

    def make() -> bytes:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(REACH_CSV_COLUMNS)
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in reach_csv_rows(report))
        return text.getvalue().encode("utf-8")

    try:
        write_private_file(out, make)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"Wrote {len(report.tables)} tables to {out}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(_db(args), args.host, args.port, args.workers, args.tls_cert, args.tls_key)


# ---- parser


def cmd_tombstones_prune(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .models import Organisation
    from .sync import prune_tombstones

    if args.older_than < 0:
        raise CliError("--older-than: give a number of days, 0 or more", EXIT_USAGE)
    db = _db(args)
    if args.org:
        orgs = [args.org]
        with db.unit() as s:
            if s.get(Organisation, args.org) is None:
                raise CliError("--org: no such organisation")
    else:
        with db.unit() as s:
            orgs = [str(o) for o in s.scalars(select(Organisation.id).order_by(Organisation.id))]
    clock = clock_from_env()
    for org_id in orgs:
        done = prune_tombstones(db, clock, org_id, args.older_than)
        if args.json:
            print(json.dumps({"org_id": done.org_id, "pruned": done.pruned, "horizon": done.horizon,
                              "acknowledged": done.acknowledged}))
        else:
            print(f"Organisation {done.org_id}: {done.pruned} tombstones pruned; horizon {done.horizon} "
                  f"(every active device has seen up to {done.acknowledged})")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="URL",
                        help="postgresql://user@host/db or sqlite:///path (default: CENTRE_DESK_SERVER_DB, "
                        "else an SQLite file in the per-user data folder)")
    p = Parser(prog=PROG, description="Centre Desk central server: administration and serving.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--db", default=None, metavar="URL", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    def command(parent: argparse._SubParsersAction[Parser], name: str, handler: Callable[[argparse.Namespace], int],
                helptext: str) -> Parser:
        cmd = parent.add_parser(name, parents=[common], help=helptext)
        cmd.set_defaults(handler=handler)
        return cmd

    def org_option(cmd: Parser) -> None:
        cmd.add_argument("--org", required=True, metavar="ORG_ID")

    def json_option(cmd: Parser) -> None:
        cmd.add_argument("--json", action="store_true", help="one JSON object per line")

    init = command(sub, "init-db", cmd_init_db, "create the schema and the first organisation")
    init.add_argument("--profile", required=True, metavar="PROFILE_ID")
    init.add_argument("--org-name", metavar="NAME", help="default: the profile's organisation name")
    command(sub, "upgrade-db", cmd_upgrade_db, "bring the schema up to this version")

    org = sub.add_parser("org", help="organisations").add_subparsers(dest="action", required=True,
                                                                       parser_class=Parser)
    org_add = command(org, "add", cmd_org_add, "add another organisation")
    org_add.add_argument("--profile", required=True, metavar="PROFILE_ID")
    org_add.add_argument("--org-name", metavar="NAME")
    org_digest = command(org, "digest", cmd_org_digest, "households and the digest of every live record")
    org_option(org_digest)
    json_option(org_digest)

    staff = sub.add_parser("staff", help="central staff").add_subparsers(dest="action", required=True,
                                                                           parser_class=Parser)
    s_add = command(staff, "add", cmd_staff_add, "add a member (password from CENTRE_DESK_NEW_PASSWORD)")
    s_add.add_argument("username")
    s_add.add_argument("--role", required=True)
    org_option(s_add)
    s_list = command(staff, "list", cmd_staff_list, "list an organisation's staff")
    org_option(s_list)
    json_option(s_list)
    for name, handler, helptext in (("passwd", cmd_staff_passwd, "set a new password"),
                                    ("disable", cmd_staff_disable, "disable a member")):
        cmd = command(staff, name, handler, helptext)
        cmd.add_argument("username")
        org_option(cmd)

    code = command(sub, "enrolment-code", cmd_enrolment_code, "issue a one-time code (valid 24 hours)")
    org_option(code)
    code.add_argument("--tls-cert", metavar="FILE", help="the certificate serve uses (default: "
                      "CENTRE_DESK_SERVER_TLS_CERT); its fingerprint goes into the code")

    device = sub.add_parser("device", help="enrolled devices").add_subparsers(dest="action", required=True,
                                                                                parser_class=Parser)
    d_list = command(device, "list", cmd_device_list, "list an organisation's devices")
    org_option(d_list)
    json_option(d_list)
    command(device, "revoke", cmd_device_revoke, "revoke a device").add_argument("device_id", metavar="DEVICE_ID")

    audit = sub.add_parser("audit", help="audit chains").add_subparsers(dest="action", required=True,
                                                                          parser_class=Parser)
    verify = command(audit, "verify", cmd_audit_verify, "check the server's chains and every device chain held")
    verify.add_argument("--org", metavar="ORG_ID", help="only this organisation")

    tombstones = sub.add_parser("tombstones", help="erasure tombstones").add_subparsers(
        dest="action", required=True, parser_class=Parser)
    prune = command(tombstones, "prune", cmd_tombstones_prune,
                    "drop tombstones every active device has seen, and those older than DAYS regardless "
                    "(a device further behind is told to resync in full)")
    prune.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    prune.add_argument("--org", metavar="ORG_ID", help="only this organisation (default: every one)")
    json_option(prune)
    stats = sub.add_parser("stats", help="anonymised statistics").add_subparsers(dest="action", required=True,
                                                                               parser_class=Parser)
    reach = command(stats, "reach", cmd_stats_reach, "the organisation's reach statistics as CSV, counts of 1-4 "
                    "suppressed")
    org_option(reach)
    reach.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="default: from the first record")
    reach.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="default: today")
    reach.add_argument("--out", required=True, metavar="FILE.csv")
    reach.add_argument("--pdf", metavar="FILE.pdf", help="not on the server: refused with where to make it")

    serve = command(sub, "serve", cmd_serve, "serve the HTTP API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--tls-cert", metavar="FILE")
    serve.add_argument("--tls-key", metavar="FILE")
    return p


def _message(exc: CentreDeskError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(str(p) for p in exc.problems)
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except CliError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.code
    except CentreDeskError as exc:
        print(f"{PROG}: {_message(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    finally:
        while _opened:  # every connection closed before the command returns
            _opened.pop().dispose()


if __name__ == "__main__":
    sys.exit(main())
