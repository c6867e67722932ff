"""Set-up, staff and recovery commands."""

from __future__ import annotations

import argparse

from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    NEW_PASSWORD_ENV,
    PASSWORD_ENV,
    RECOVERY_KEY_ENV,
    CliError,
    Context,
    Parser,
    _read_password,
    read_recovery_key,
    refuse_recovery_key_option,
)


def cmd_init(ctx: Context) -> int:
    from centre_desk.formspec.profiles import load_profile
    from centre_desk.services.auth import sign_out
    from centre_desk.services.setup import CentreDetails, initialise_store

    a = ctx.args
    if ctx.wiring.gate.exists():
        raise CliError(f"a store already exists in {ctx.wiring.data_dir}; nothing was changed")
    profile = load_profile(a.profile)
    password = _read_password(PASSWORD_ENV, "administrator password")
    details = CentreDetails(profile.id, a.centre_name, a.centre_address or "",
                            phone=a.centre_phone or profile.centre_contact.phone,
                            email=a.centre_email or profile.centre_contact.email,
                            opening_hours=a.opening_hours or profile.centre_contact.opening_hours)
    result = initialise_store(ctx.wiring.gate, details, a.admin, password, ctx.wiring.clock, ctx.wiring.passwords)
    sign_out(result.session)
    print(f"Created the store for {profile.name} in {ctx.wiring.data_dir}")
    print(f"Recovery key: {result.recovery_key}")
    print("Keep the recovery key on paper in a locked place. It is shown only this once.")
    return EXIT_OK


def cmd_staff_add(ctx: Context) -> int:
    from centre_desk.services.staff import add_staff

    session = ctx.session()
    password = _read_password(NEW_PASSWORD_ENV, "new member's password")
    member = add_staff(session, ctx.args.username, ctx.args.role, password, ctx.args.name or "",
                       policy=ctx.wiring.passwords, usernames=ctx.wiring.usernames)
    print(f"Added {member.username} ({member.role.value})")
    return EXIT_OK


def cmd_staff_list(ctx: Context) -> int:
    from centre_desk.services.staff import list_staff

    members = list_staff(ctx.session())
    width = max([len(m.username) for m in members] + [8])
    print(f"{'USERNAME':<{width}}  {'ROLE':<13}  STATUS")
    for m in members:
        print(f"{m.username:<{width}}  {m.role.value:<13}  {'disabled' if m.disabled else 'active'}")
    return EXIT_OK


def cmd_staff_passwd(ctx: Context) -> int:
    from centre_desk.services.staff import change_password

    session = ctx.session()
    password = _read_password(NEW_PASSWORD_ENV, "new password")
    change_password(session, ctx.args.username, password, policy=ctx.wiring.passwords)
    print(f"Password changed for {ctx.args.username}")
    if session.store.rotation_due():
        print("The store will be re-encrypted under a new key when it is next opened with nobody else "
              "using it (it is open elsewhere now)")
    return EXIT_OK


def cmd_staff_role(ctx: Context) -> int:
    from centre_desk.services.staff import change_role

    member = change_role(ctx.session(), ctx.args.username, ctx.args.role)
    print(f"{member.username} is now {member.role.value}")
    return EXIT_OK


def cmd_staff_disable(ctx: Context) -> int:
    from centre_desk.services.staff import disable_staff

    member = disable_staff(ctx.session(), ctx.args.username)
    print(f"Disabled {member.username}; their key slot is removed")
    if ctx.session().store.rotation_due():
        print("The store will be re-encrypted under a new key when it is next opened with nobody else "
              "using it (it is open elsewhere now)")
    else:
        print("The store has been re-encrypted under a new key: old copies of the key slots open nothing")
    return EXIT_OK


def cmd_recover(ctx: Context) -> int:
    from centre_desk.services.auth import recover

    if not ctx.wiring.gate.exists():
        raise CliError(f"no store in {ctx.wiring.data_dir}")
    username = ctx.args.recover_user or ctx.args.user
    if not username:
        raise CliError("--user is required for recover", EXIT_USAGE)
    refuse_recovery_key_option(ctx.args.recovery_key)
    key = read_recovery_key()  # first line of stdin when the variable is not set; the password next
    password = _read_password(NEW_PASSWORD_ENV, "new password")
    w = ctx.wiring
    recover(w.gate, w.throttle, w.clock, key, username, password, w.passwords)
    del key
    print(f"New password set for {username}")
    return EXIT_OK



def cmd_recovery_key_status(ctx: Context) -> int:
    from centre_desk.services.keys import RECOVERY_ADVICE, recovery_key_state

    state = recovery_key_state(ctx.session())
    print(f"Recovery key state: {state}")
    if state in RECOVERY_ADVICE:
        print(RECOVERY_ADVICE[state])
        return EXIT_ERROR
    return EXIT_OK


def cmd_recovery_key_new(ctx: Context) -> int:
    from centre_desk.services.keys import renew_recovery_key

    session = ctx.session()
    key = renew_recovery_key(session)
    print(f"Recovery key: {key}")
    print("Keep the recovery key on paper in a locked place. It is shown only this once; the old one no "
          "longer opens the store.")
    if session.store.rotation_due():
        print("The old key stops working when the store is next opened with nobody else using it "
              "(it is open elsewhere now)")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[Parser]) -> None:
    init = sub.add_parser("init", help="create the store with its first administrator")
    init.add_argument("--profile", required=True, help="organisation profile id")
    init.add_argument("--centre-name", required=True)
    init.add_argument("--centre-address", default="")
    init.add_argument("--centre-phone", default="", help="printed on receipts and notices for families")
    init.add_argument("--centre-email", default="", help="printed on receipts and notices for families")
    init.add_argument("--opening-hours", default="", help='e.g. "Monday to Friday, 9am to 4pm"')
    init.add_argument("--admin", required=True, help="username of the first administrator")
    init.set_defaults(handler=cmd_init)

    staff = sub.add_parser("staff", help="manage staff").add_subparsers(dest="staff_command", required=True,
                                                                        parser_class=Parser)
    add = staff.add_parser("add", help="add a member of staff (password from CENTRE_DESK_NEW_PASSWORD)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["reception", "outreach", "manager", "administrator"])
    add.add_argument("--name", default="", help="display name")
    add.set_defaults(handler=cmd_staff_add)
    staff.add_parser("list", help="list staff").set_defaults(handler=cmd_staff_list)
    pw = staff.add_parser("passwd", help="set a password (from CENTRE_DESK_NEW_PASSWORD)")
    pw.add_argument("username")
    pw.set_defaults(handler=cmd_staff_passwd)
    role = staff.add_parser("role", help="give a member of staff another role")
    role.add_argument("username")
    role.add_argument("--role", required=True, choices=["reception", "outreach", "manager", "administrator"])
    role.set_defaults(handler=cmd_staff_role)
    dis = staff.add_parser("disable", help="disable a member of staff and remove their key slot")
    dis.add_argument("username")
    dis.set_defaults(handler=cmd_staff_disable)

    rec = sub.add_parser(
        "recover", help="set a new password with the recovery key",
        description=f"The recovery key is read from {RECOVERY_KEY_ENV} or the first line of standard input; "
                    f"the new password from {NEW_PASSWORD_ENV} or the next line.")
    rec.add_argument("--recovery-key", help=argparse.SUPPRESS)  # refused: see RECOVERY_KEY_REFUSED
    rec.add_argument("--user", dest="recover_user", help="member of staff to recover")
    rec.set_defaults(handler=cmd_recover)

    rk = sub.add_parser("recovery-key", help="the store's recovery key (administrators)").add_subparsers(
        dest="recovery_key_command", required=True, parser_class=Parser)
    rk.add_parser("status", help="whether the recovery key still works; exit 1 if it needs renewing") \
        .set_defaults(handler=cmd_recovery_key_status)
    rk.add_parser("new", help="replace the recovery key; prints the new one once") \
        .set_defaults(handler=cmd_recovery_key_new)
