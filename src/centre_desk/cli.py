"""``centre-desk-admin``: what IT staff and scheduled jobs need, without a window.

Exit codes: 0 done; 1 a clear one-line error on stderr; 2 usage; 3 sign-in failed.
Every command that touches the store signs in as a member of staff and is audited.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from centre_desk import __version__
from centre_desk.domain.errors import CentreDeskError, SignInFailed, SignInThrottled, ValidationFailed

if TYPE_CHECKING:
    from centre_desk.services.session import DeskSession

PROG = "centre-desk-admin"
PASSWORD_ENV = "CENTRE_DESK_PASSWORD"
NEW_PASSWORD_ENV = "CENTRE_DESK_NEW_PASSWORD"

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_SIGN_IN = 0, 1, 2, 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def _read_password(env: str, what: str) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if sys.stdin is None or sys.stdin.closed:
        raise CliError(f"{what}: set {env} or give it on standard input")
    line = sys.stdin.readline()
    if not line:
        raise CliError(f"{what}: set {env} or give it on standard input")
    return line.rstrip("\r\n")


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        from centre_desk.wiring import Wiring, resolve_data_dir

        self.args = args
        self.wiring = Wiring(resolve_data_dir(args.data_dir))
        self._session: DeskSession | None = None

    def session(self) -> DeskSession:
        """Sign in as ``--user``, once per command."""
        from centre_desk.services.auth import sign_in

        if self._session is None:
            if not self.args.user:
                raise CliError("--user is required for this command", EXIT_USAGE)
            if not self.wiring.gate.exists():
                raise CliError(f"no store in {self.wiring.data_dir}: run '{PROG} init' first")
            password = _read_password(PASSWORD_ENV, "password")
            w = self.wiring
            self._session = sign_in(w.gate, w.throttle, w.clock, self.args.user, password)
        return self._session

    def close(self) -> None:
        from centre_desk.services.auth import sign_out

        if self._session is not None:
            sign_out(self._session)
            self._session = None


# -- commands ------------------------------------------------------------------------------------

def cmd_init(ctx: Context) -> int:
    from centre_desk.formspec.profiles import load_profile
    from centre_desk.services.auth import sign_out
    from centre_desk.services.setup import CentreDetails, initialise_store

    a = ctx.args
    if ctx.wiring.gate.exists():
        raise CliError(f"a store already exists in {ctx.wiring.data_dir}; nothing was changed")
    profile = load_profile(a.profile)
    password = _read_password(PASSWORD_ENV, "administrator password")
    details = CentreDetails(profile.id, a.centre_name, a.centre_address or "")
    result = initialise_store(ctx.wiring.gate, details, a.admin, password, ctx.wiring.clock)
    sign_out(result.session)
    print(f"Created the store for {profile.name} in {ctx.wiring.data_dir}")
    print(f"Recovery key: {result.recovery_key}")
    print("Keep the recovery key on paper in a locked place. It is shown only this once.")
    return EXIT_OK


def cmd_staff_add(ctx: Context) -> int:
    from centre_desk.services.staff import add_staff

    session = ctx.session()
    password = _read_password(NEW_PASSWORD_ENV, "new member's password")
    member = add_staff(session, ctx.args.username, ctx.args.role, password, ctx.args.name or "")
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
    change_password(session, ctx.args.username, password)
    print(f"Password changed for {ctx.args.username}")
    return EXIT_OK


def cmd_staff_disable(ctx: Context) -> int:
    from centre_desk.services.staff import disable_staff

    member = disable_staff(ctx.session(), ctx.args.username)
    print(f"Disabled {member.username}; their key slot is removed")
    return EXIT_OK


def cmd_audit_verify(ctx: Context) -> int:
    from centre_desk.services.audit import verify_audit

    report = verify_audit(ctx.session())
    if report.intact:
        print(f"Audit chain intact: {report.count} entries")
        return EXIT_OK
    print(f"{PROG}: audit chain broken at entry {report.first_broken}: {report.reason}", file=sys.stderr)
    return EXIT_ERROR


def cmd_recover(ctx: Context) -> int:
    from centre_desk.services.auth import recover

    if not ctx.wiring.gate.exists():
        raise CliError(f"no store in {ctx.wiring.data_dir}")
    username = ctx.args.recover_user or ctx.args.user
    if not username:
        raise CliError("--user is required for recover", EXIT_USAGE)
    password = _read_password(NEW_PASSWORD_ENV, "new password")
    recover(ctx.wiring.gate, ctx.wiring.clock, ctx.args.recovery_key, username, password)
    print(f"New password set for {username}")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


Handler = Callable[[Context], int]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Centre Desk administration (no window).")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--data-dir", help="data directory (default: CENTRE_DESK_DATA or the per-user folder)")
    p.add_argument("--user", help="sign in as this member of staff (password from CENTRE_DESK_PASSWORD or stdin)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    init = sub.add_parser("init", help="create the store with its first administrator")
    init.add_argument("--profile", required=True, help="organisation profile id")
    init.add_argument("--centre-name", required=True)
    init.add_argument("--centre-address", default="")
    init.add_argument("--admin", required=True, help="username of the first administrator")
    init.set_defaults(handler=cmd_init)

    staff = sub.add_parser("staff", help="manage staff").add_subparsers(dest="staff_command", required=True,
                                                                        parser_class=_Parser)
    add = staff.add_parser("add", help="add a member of staff (password from CENTRE_DESK_NEW_PASSWORD)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["reception", "outreach", "manager", "administrator"])
    add.add_argument("--name", default="", help="display name")
    add.set_defaults(handler=cmd_staff_add)
    staff.add_parser("list", help="list staff").set_defaults(handler=cmd_staff_list)
    pw = staff.add_parser("passwd", help="set a password (from CENTRE_DESK_NEW_PASSWORD)")
    pw.add_argument("username")
    pw.set_defaults(handler=cmd_staff_passwd)
    dis = staff.add_parser("disable", help="disable a member of staff and remove their key slot")
    dis.add_argument("username")
    dis.set_defaults(handler=cmd_staff_disable)

    audit = sub.add_parser("audit", help="audit chain").add_subparsers(dest="audit_command", required=True,
                                                                       parser_class=_Parser)
    audit.add_parser("verify", help="check every entry of the audit chain").set_defaults(handler=cmd_audit_verify)

    rec = sub.add_parser("recover", help="set a new password with the recovery key")
    rec.add_argument("--recovery-key", required=True)
    rec.add_argument("--user", dest="recover_user", help="member of staff to recover")
    rec.set_defaults(handler=cmd_recover)
    return p


def _message(exc: CentreDeskError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(str(p) for p in exc.problems)
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx: Context | None = None
    try:
        ctx = Context(args)
        handler: Handler = args.handler
        return handler(ctx)
    except CliError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.code
    except SignInThrottled as exc:
        print(f"{PROG}: sign-in failed: too many attempts; wait {exc.wait_seconds} seconds", file=sys.stderr)
        return EXIT_SIGN_IN
    except SignInFailed:
        print(f"{PROG}: sign-in failed", file=sys.stderr)
        return EXIT_SIGN_IN
    except CentreDeskError as exc:
        print(f"{PROG}: {_message(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never print a traceback,
        # which could carry personal data from a local variable or a statement.
        print(f"{PROG}: unexpected internal error ({type(exc).__name__}); nothing further was changed",
              file=sys.stderr)
        return EXIT_ERROR
    finally:
        if ctx is not None:
            try:
                ctx.close()
            except Exception:  # noqa: BLE001
                print(f"{PROG}: could not write the sign-out to the audit log", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
