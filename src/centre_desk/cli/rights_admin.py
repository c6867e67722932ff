"""Data subject rights: subject access, portability, disclosures, the requests register,
restriction, objection and erasure. Every command is audited by the service it calls."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from centre_desk.domain.text import terminal_safe

from .common import EXIT_OK, CliError, Context, Parser
from .files import write_file_atomically
from .output import json_line

if TYPE_CHECKING:
    from centre_desk.services.documents import DocumentRenderer


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{option}: must be a date as YYYY-MM-DD") from None


def _out_dir(value: str) -> Path:
    out = Path(value).expanduser()
    if out.exists() and not out.is_dir():
        raise CliError(f"--out: {out} is not a folder")
    if not out.parent.is_dir():
        raise CliError(f"--out: the folder {out.parent} does not exist")
    out.mkdir(mode=0o700, exist_ok=True)
    return out


def _renderer() -> DocumentRenderer:
    from centre_desk.printing.renderer import PdfRenderer

    return PdfRenderer()


def cmd_sar(ctx: Context) -> int:
    from centre_desk.services.subject_access import release_subject_access

    withhold = []
    for item in ctx.args.withhold or ():
        key, sep, exemption = item.partition("=")
        if not sep or not key or not exemption.strip():
            raise CliError("--withhold: give ITEM=EXEMPTION")
        withhold.append((key, exemption.strip()))
    session = ctx.session()
    out = _out_dir(ctx.args.out)
    pack = release_subject_access(session, _renderer(), ctx.args.person_id, release=ctx.args.release or (),
                                  withhold=withhold, request_id=ctx.args.request)
    stem = f"subject-access-{ctx.args.person_id}"
    write_file_atomically(out / f"{stem}.pdf", lambda: pack.pdf)
    write_file_atomically(out / f"{stem}.json", lambda: pack.json)
    print(f"Wrote {stem}.pdf and {stem}.json to {out}")
    for w in pack.withheld:
        print(f"withheld: {w.item} ({w.exemption})")
    return EXIT_OK


def cmd_portability(ctx: Context) -> int:
    from centre_desk.services.subject_access import portability_package

    session = ctx.session()
    out = _out_dir(ctx.args.out)
    files = portability_package(session, ctx.args.household_id)
    for name, body in files.items():
        write_file_atomically(out / name, lambda body=body: body)  # type: ignore[misc]
    print(f"Wrote {len(files)} files to {out} (check them with: sha256sum -c SHA256SUMS)")
    return EXIT_OK


def cmd_disclosure_add(ctx: Context) -> int:
    from centre_desk.services.disclosures import log_disclosure

    a = ctx.args
    d = log_disclosure(ctx.session(), a.household_id, recipient=a.recipient, purpose=a.purpose, basis=a.basis,
                       shared=a.shared, person_ids=a.person or (), agreement=a.agreement,
                       justification=a.justification or "", authorised_by=a.authorised_by,
                       on=_day(a.date, "--date") if a.date else None,
                       told_on=_day(a.told, "--told") if a.told else None, not_told_reason=a.not_told or "")
    print(f"Logged disclosure {d.id} to {terminal_safe(d.recipient_name)} ({d.basis.value})")
    return EXIT_OK


def cmd_disclosure_list(ctx: Context) -> int:
    from centre_desk.services.disclosures import list_disclosures

    items = list_disclosures(ctx.session(), ctx.args.household_id)
    for d in items:
        if ctx.args.json:
            print(json_line({
                "id": d.id, "date": d.on.isoformat(), "recipient": d.recipient_name, "recipient_id": d.recipient_id,
                "agreement": d.agreement_id, "purpose": d.purpose, "basis": d.basis.value, "shared": d.shared,
                "person_ids": list(d.person_ids), "justification": d.justification, "authorised_by": d.authorised_by,
                "told_on": d.told_on.isoformat() if d.told_on else None, "not_told_reason": d.not_told_reason,
            }))
        else:
            told = f"told {d.told_on:%d/%m/%Y}" if d.told_on else f"not told: {terminal_safe(d.not_told_reason)}"
            print(f"{d.on:%d/%m/%Y}  {terminal_safe(d.recipient_name)}: {terminal_safe(d.purpose)} "
                  f"({d.basis.value}; {told})")
    if not items and not ctx.args.json:
        print("No disclosures recorded for this household.")
    return EXIT_OK


def cmd_request_add(ctx: Context) -> int:
    from centre_desk.services.rights import add_request

    a = ctx.args
    r = add_request(ctx.session(), a.person_id, a.kind, received=_day(a.received, "--received"),
                    identity_method=a.identity, identity_checked_by=a.checked_by, detail=a.detail or "")
    print(f"Recorded {r.kind.value} request {r.id}; due {r.due:%d/%m/%Y}")
    return EXIT_OK


def cmd_request_list(ctx: Context) -> int:
    from centre_desk.services.rights import list_requests

    session = ctx.session()
    today = session.clock.today()
    items = list_requests(session, ctx.args.household, open_only=ctx.args.open)
    for r in items:
        if ctx.args.json:
            print(json_line({"id": r.id, "household_id": r.household_id, "person_id": r.person_id,
                             "kind": r.kind.value, "received": r.received.isoformat(), "due": r.due.isoformat(),
                             "status": r.status.value, "overdue": r.overdue(today), "outcome": r.outcome,
                             "identity_method": r.identity_method}))
        else:
            mark = "OVERDUE " if r.overdue(today) else ""
            print(f"{mark}{r.id}  {r.kind.value}  received {r.received:%d/%m/%Y}  due {r.due:%d/%m/%Y}  "
                  f"{r.status.value}{'  ' + terminal_safe(r.outcome) if r.outcome else ''}")
    if not items and not ctx.args.json:
        print("No rights requests.")
    return EXIT_OK


def cmd_request_close(ctx: Context) -> int:
    from centre_desk.services.rights import close_request, extend_request

    if ctx.args.extend:
        r = extend_request(ctx.session(), ctx.args.request_id, reason=ctx.args.extend)
        print(f"Extended request {r.id}; now due {r.due:%d/%m/%Y}")
        return EXIT_OK
    if not ctx.args.outcome:
        raise CliError("--outcome is required (or --extend REASON)")
    r = close_request(ctx.session(), ctx.args.request_id, outcome=ctx.args.outcome)
    print(f"Closed request {r.id}")
    return EXIT_OK


def _restrict(ctx: Context, on: bool) -> int:
    from centre_desk.services.rights import set_restriction

    t = set_restriction(ctx.session(), ctx.args.target, on, reason=ctx.args.reason or "")
    what = f"person {t.person_id}" if t.person_id else f"household {t.household_id}"
    print(f"{'Restricted' if on else 'Lifted the restriction on'} {what}")
    return EXIT_OK


def cmd_restrict(ctx: Context) -> int:
    return _restrict(ctx, True)


def cmd_unrestrict(ctx: Context) -> int:
    return _restrict(ctx, False)


def cmd_object(ctx: Context) -> int:
    from centre_desk.services.rights import record_objection

    o = record_objection(ctx.session(), ctx.args.person_id, ctx.args.purpose, upheld=ctx.args.upheld,
                         outcome=ctx.args.outcome)
    print(f"Recorded objection to {o.purpose_id}: {'upheld' if o.upheld else 'not upheld'}")
    return EXIT_OK


def cmd_erase(ctx: Context) -> int:
    from centre_desk.services.erasure import erase_person
    from centre_desk.services.households import purge_removed_words

    session = ctx.session()
    result = erase_person(session, ctx.args.person_id, reason=ctx.args.reason, clear_fields=ctx.args.clear or ())
    # Words that earlier saves removed without secure-delete (a corrected name) go now, not later.
    purge_removed_words(session)
    what = "the whole household (they were its only member)" if result.household_erased else "the person"
    print(f"Erased {what}; tombstones left for sync: "
          + ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()) if v))
    return EXIT_OK


def cmd_seen(ctx: Context) -> int:
    """This desk's list merged with the other devices' entries from the server; offline, the local
    list and a line saying the other devices' entries could not be fetched (on standard error
    with --json, so every standard output line stays one entry)."""
    import sys

    from centre_desk.services.seen import seen_across_devices

    from .sync_admin import _connect

    found = seen_across_devices(ctx.session(), ctx.args.household_id, _connect)
    for r in found.receipts:
        if ctx.args.json:
            print(json_line({"at": r.at, "who": r.who, "what": r.what, "device": r.device, "device_id": r.device_id}))
        else:
            print(f"{r.at[:16].replace('T', ' ')}  [{terminal_safe(r.device)}]  {terminal_safe(r.who)}: "
                  f"{terminal_safe(r.what)}")
    if found.notice:
        print(f"Note: {terminal_safe(found.notice)}", file=sys.stderr if ctx.args.json else sys.stdout)
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    sar = sub.add_parser("sar", help="release a reviewed subject access pack (PDF and JSON) for a person")
    sar.add_argument("person_id")
    sar.add_argument("--out", required=True, help="folder to write the pack into")
    sar.add_argument("--release", action="append", metavar="ITEM",
                     help="release an item withheld by default (as listed by an earlier run)")
    sar.add_argument("--withhold", action="append", metavar="ITEM=EXEMPTION", help="withhold one more item")
    sar.add_argument("--request", help="the rights request this answers")
    sar.set_defaults(handler=cmd_sar)

    port = sub.add_parser("portability", help="a household's data for another local authority (JSON, CSV, "
                                              "manifest, SHA-256 checksums)")
    port.add_argument("household_id")
    port.add_argument("--out", required=True)
    port.set_defaults(handler=cmd_portability)

    disclosure = sub.add_parser("disclosure", help="the disclosure log").add_subparsers(
        dest="disclosure_command", required=True, parser_class=Parser)
    add = disclosure.add_parser("add", help="log a share of a household's information")
    add.add_argument("household_id")
    add.add_argument("--recipient", required=True,
                     help="a partner, service or agreement id from the profile, or another organisation's name")
    add.add_argument("--agreement", help="the data sharing agreement it was made under")
    add.add_argument("--purpose", required=True, help="a purpose id from the profile, or the purpose in words")
    add.add_argument("--basis", required=True, help="consent, safeguarding, legal-duty, public-task, "
                     "digital-economy-act-2017, crime-prevention, vital-interests, court-order")
    add.add_argument("--shared", required=True, help="what was shared")
    add.add_argument("--person", action="append", help="person id it is about (repeat); default the household")
    add.add_argument("--justification", help="why, for a share without consent (required then)")
    add.add_argument("--authorised-by", help="username of the manager who authorised it (default: you)")
    add.add_argument("--date", help="when it was shared (default today)")
    told = add.add_mutually_exclusive_group(required=True)
    told.add_argument("--told", metavar="DATE", help="when the family was told")
    told.add_argument("--not-told", metavar="REASON", help="why the family was not told")
    add.set_defaults(handler=cmd_disclosure_add)
    ls = disclosure.add_parser("list", help="a household's disclosures")
    ls.add_argument("household_id")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_disclosure_list)

    seen = sub.add_parser("seen", help="who has seen and who has received a household's information")
    seen.add_argument("household_id")
    seen.add_argument("--json", action="store_true")
    seen.set_defaults(handler=cmd_seen)

    request = sub.add_parser("request", help="the rights requests register").add_subparsers(
        dest="request_command", required=True, parser_class=Parser)
    radd = request.add_parser("add", help="record a request (due one calendar month from receipt)")
    radd.add_argument("person_id")
    radd.add_argument("--kind", required=True,
                      choices=["access", "rectification", "erasure", "restriction", "objection", "portability"])
    radd.add_argument("--received", required=True, help="YYYY-MM-DD")
    radd.add_argument("--identity", required=True, help="how identity was checked")
    radd.add_argument("--checked-by", help="username of who checked it (default: you)")
    radd.add_argument("--detail", help="what is asked")
    radd.set_defaults(handler=cmd_request_add)
    rls = request.add_parser("list", help="requests, soonest due first")
    rls.add_argument("--household")
    rls.add_argument("--open", action="store_true")
    rls.add_argument("--json", action="store_true")
    rls.set_defaults(handler=cmd_request_list)
    rclose = request.add_parser("close", help="close a request with its outcome, or --extend it")
    rclose.add_argument("request_id")
    rclose.add_argument("--outcome")
    rclose.add_argument("--extend", metavar="REASON", help="extend by two months instead, for this reason")
    rclose.set_defaults(handler=cmd_request_close)

    for name, handler, text in (("restrict", cmd_restrict, "restrict processing of a person or household"),
                                ("unrestrict", cmd_unrestrict, "lift a restriction")):
        p = sub.add_parser(name, help=text)
        p.add_argument("target", metavar="PERSON_ID|HOUSEHOLD_ID")
        p.add_argument("--reason")
        p.set_defaults(handler=handler)

    obj = sub.add_parser("object", help="record an objection to a purpose and its outcome")
    obj.add_argument("person_id")
    obj.add_argument("--purpose", required=True)
    obj.add_argument("--upheld", action="store_true", help="the objection is upheld: the purpose stops")
    obj.add_argument("--outcome", required=True)
    obj.set_defaults(handler=cmd_object)

    erase = sub.add_parser("erase", help="erase a person (refused, with the reason, if a ground to keep applies)")
    erase.add_argument("person_id")
    erase.add_argument("--reason", required=True, help="why (no names or other personal details)")
    erase.add_argument("--clear", action="append", metavar="FIELD",
                       help="also empty this household field that was theirs (phone, email)")
    erase.set_defaults(handler=cmd_erase)
