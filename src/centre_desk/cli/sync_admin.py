"""Sync commands: enrol, sync, sync status, household show/edit, conflicts list/resolve."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .common import EXIT_OK, PASSWORD_ENV, CliError, Context, Parser, _read_password
from .output import json_line

if TYPE_CHECKING:
    from centre_desk.services.ports import SyncServer


def _connect(config: dict[str, str], username: str) -> SyncServer:
    from centre_desk.sync.client import SyncClient

    return SyncClient(config["server_url"], config["token"], username, pin=config.get("pin") or None)


def _refused(exc: Exception) -> CliError:
    from centre_desk.domain.sync import ServerRefused

    if isinstance(exc, ServerRefused):
        hint = {"server-unreachable": "; nothing was lost, run sync again later"}
        return CliError(f"sync failed: {exc}{hint.get(exc.code, '')} [{exc.code}]")
    raise exc


def cmd_enrol(ctx: Context) -> int:
    from centre_desk.domain.codes import parse_code
    from centre_desk.domain.sync import ServerRefused
    from centre_desk.services.auth import sign_out
    from centre_desk.services.sync import (
        create_enrolled_store,
        enrol_existing_store,
        parse_enrolment,
        sync_now,
    )
    from centre_desk.sync.client import SyncClient

    username = ctx.args.user
    if not username:
        raise CliError("--user is required for enrol")
    server_url = ctx.args.server.rstrip("/")
    existing = ctx.wiring.gate.exists()
    pin = parse_code(ctx.args.code).fingerprint  # a mistyped code is refused before anything happens
    try:
        client = SyncClient(server_url, pin=pin)
        session = ctx.session() if existing else None  # an existing store: sign in locally first
        password = _read_password(PASSWORD_ENV, "password")
        enrolment = parse_enrolment(client.enrol(ctx.args.code, username, password), pin)
        client.close()
        if session is None:
            session, recovery_key = create_enrolled_store(ctx.wiring.gate, ctx.wiring.clock, server_url,
                                                          enrolment, password)
            del password
            try:
                result = sync_now(session, _connect)
            finally:
                sign_out(session)
            print(f"Device: {enrolment.device_id}")
            print(f"Created the store for {enrolment.org_name} in {ctx.wiring.data_dir}")
            print(f"Recovery key: {recovery_key}")
            print("Keep the recovery key on paper in a locked place. It is shown only this once.")
        else:
            del password
            queued = enrol_existing_store(session, server_url, enrolment)
            result = sync_now(session, _connect)
            print(f"Device: {enrolment.device_id}")
            print(f"Queued {queued} records; pushed {result.pushed}")
        print(f"Pulled {result.pulled}; conflicts {result.conflicts}")
    except ServerRefused as exc:
        raise _refused(exc) from None
    return EXIT_OK


def cmd_sync(ctx: Context) -> int:
    from centre_desk.domain.sync import ServerRefused
    from centre_desk.services.sync import sync_now

    session = ctx.session()
    try:
        result = sync_now(session, _connect, wipe=ctx.wiring.gate.wipe)
    except ServerRefused as exc:
        if session.store.locked:
            ctx.forget_session()  # wiped: there is nothing left to sign out of
        raise _refused(exc) from None
    if ctx.args.json:
        print(json_line({"pushed": result.pushed, "pulled": result.pulled, "conflicts": result.conflicts,
                         "dropped": result.dropped, "tamper": result.tamper}))
    else:
        print(f"Pushed {result.pushed}, pulled {result.pulled}, conflicts {result.conflicts}")
        if result.dropped:
            print(f"{result.dropped} changes were dropped: their household had been erased")
        if result.tamper:
            print("The server refused this device's audit chain (tamper alert raised)")
    return EXIT_OK


def cmd_sync_status(ctx: Context) -> int:
    from centre_desk.services.sync import sync_status

    st = sync_status(ctx.session())
    data = {"last_sync": st.last_sync, "pending": st.pending, "conflicts": st.conflicts,
            "households": st.households, "digest": st.digest, "device_id": st.device_id}
    if ctx.args.json:
        print(json_line(data))
    else:
        for key, value in data.items():
            print(f"{key.replace('_', ' ').capitalize()}: {value if value is not None else 'never'}")
    return EXIT_OK


def _household_json(h: Any) -> dict[str, Any]:
    data = h.submission()
    members = [{"person_id": m.pop("id"), **m} for m in data.pop("members")]
    return {"household_id": h.id, "version": h.version, "fields": data, "members": members}


def cmd_household_show(ctx: Context) -> int:
    from centre_desk.services.households import open_household

    h = open_household(ctx.session(), ctx.args.household_id)
    print(json_line(_household_json(h)))
    return EXIT_OK


def cmd_household_edit(ctx: Context) -> int:
    from centre_desk.services.households import edit_fields

    values: dict[str, str | None] = {}
    for item in ctx.args.set or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set {item.split('=')[0][:40]}: expected FIELD=VALUE")
        values[name.strip()] = value
    if not values:
        raise CliError("give at least one --set FIELD=VALUE")
    _saved, changes = edit_fields(ctx.session(), ctx.args.household_id, values, ctx.args.person)
    print(f"Changed {len(changes)} field(s)")
    return EXIT_OK


def cmd_conflicts_list(ctx: Context) -> int:
    from centre_desk.services.sync import list_conflicts

    for c in list_conflicts(ctx.session()):
        if ctx.args.json:
            print(json_line(c))
        else:
            values = " | ".join(f"{v.get('value')!s} (by {v.get('by')})" for v in c["values"])
            who = f" person {c['person_id']}" if c["person_id"] else ""
            print(f"{c['conflict_id']}  household {c['household_id']}{who} field {c['field']}: {values}")
    return EXIT_OK


def cmd_conflicts_resolve(ctx: Context) -> int:
    from centre_desk.domain.sync import ServerRefused
    from centre_desk.services.sync import resolve_conflict, sync_now

    session = ctx.session()
    try:
        resolve_conflict(session, _connect, ctx.args.conflict_id, ctx.args.value)
        sync_now(session, _connect)
    except ServerRefused as exc:
        raise _refused(exc) from None
    print("Resolved")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    enrol = sub.add_parser("enrol", help="enrol this device with a sync server (password from CENTRE_DESK_PASSWORD)")
    enrol.add_argument("--server", required=True, metavar="URL")
    enrol.add_argument("--code", required=True, metavar="CODE")
    enrol.add_argument("--user", default=argparse.SUPPRESS, help="the member of staff enrolling the device")
    enrol.set_defaults(handler=cmd_enrol)

    sync = sub.add_parser("sync", help="push local changes, then pull the organisation's")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(handler=cmd_sync)
    sync_sub = sync.add_subparsers(dest="sync_command", parser_class=Parser)
    status = sync_sub.add_parser("status", help="last sync, pending operations, conflicts, digest")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_sync_status)

    household = sub.add_parser("household", help="one household").add_subparsers(
        dest="household_command", required=True, parser_class=Parser)
    show = household.add_parser("show", help="the household as the form's answers")
    show.add_argument("household_id")
    show.add_argument("--json", action="store_true", help="(the only format)")
    show.set_defaults(handler=cmd_household_show)
    edit = household.add_parser("edit", help="change fields, validated like the form")
    edit.add_argument("household_id")
    edit.add_argument("--set", action="append", metavar="FIELD=VALUE")
    edit.add_argument("--person", metavar="PERSON_ID", help="change this member's fields")
    edit.set_defaults(handler=cmd_household_edit)

    conflicts = sub.add_parser("conflicts", help="sync conflicts").add_subparsers(
        dest="conflicts_command", required=True, parser_class=Parser)
    clist = conflicts.add_parser("list", help="open conflicts")
    clist.add_argument("--json", action="store_true", help="one JSON object per line")
    clist.set_defaults(handler=cmd_conflicts_list)
    resolve = conflicts.add_parser("resolve", help="choose the value (manager)")
    resolve.add_argument("conflict_id")
    resolve.add_argument("--value", required=True)
    resolve.set_defaults(handler=cmd_conflicts_resolve)
