"""``centre-desk-admin``: what IT staff and scheduled jobs need, without a window.

Exit codes: 0 done; 1 a clear one-line error on stderr; 2 usage; 3 sign-in failed.
Every command that touches the store signs in as a member of staff and is audited.
Each area of commands lives in its own module with a ``register(subparsers)`` function.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from centre_desk import __version__
from centre_desk.domain.errors import CentreDeskError, SignInFailed, SignInThrottled, ValidationFailed

from . import (
    audit_admin,
    backup_admin,
    consent_admin,
    duplicates_admin,
    households_admin,
    printing_admin,
    referrals_admin,
    retention_admin,
    rights_admin,
    sessions_admin,
    staff_admin,
    stats_admin,
    sync_admin,
)
from .common import EXIT_ERROR, EXIT_SIGN_IN, PROG, CliError, Context, Handler, Parser
from .output import safe_terminal_output

COMMAND_MODULES = [staff_admin, audit_admin, households_admin, referrals_admin, consent_admin, backup_admin,
                   printing_admin, duplicates_admin, retention_admin, rights_admin, stats_admin,
                   sync_admin, sessions_admin]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog=PROG, description="Centre Desk administration (no window).")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--data-dir", help="data directory (default: CENTRE_DESK_DATA or the per-user folder)")
    p.add_argument("--user", help="sign in as this member of staff "
                   "(password from CENTRE_DESK_PASSWORD or one line of stdin)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return p

def _message(exc: CentreDeskError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(str(p) for p in exc.problems)
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    from centre_desk.security.process import harden

    harden()  # before any password or key is read
    # Belt and braces: whatever a command prints, a stored value cannot drive the terminal.
    with safe_terminal_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
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
    except Exception as exc:
        # which could carry personal data from a local variable or a statement.
        print(f"{PROG}: unexpected internal error ({type(exc).__name__}); nothing further was changed",
              file=sys.stderr)
        return EXIT_ERROR
    finally:
        if ctx is not None:
            try:
                ctx.close()
            except Exception:
                print(f"{PROG}: could not write the sign-out to the audit log", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
