"""What every admin command shares: exit codes, password input, signing in once per command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from centre_desk.services.session import DeskSession

PROG = "centre-desk-admin"
PASSWORD_ENV = "CENTRE_DESK_PASSWORD"  # noqa: S105 - a variable name, not a secret
NEW_PASSWORD_ENV = "CENTRE_DESK_NEW_PASSWORD"  # noqa: S105
RECOVERY_KEY_ENV = "CENTRE_DESK_RECOVERY_KEY"
BACKUP_PASSWORD_ENV = "CENTRE_DESK_BACKUP_PASSWORD"  # noqa: S105
RECOVERY_KEY_REFUSED = (f"--recovery-key is not accepted: any user of this computer can read a command "
                        f"line. Give the recovery key on standard input or in {RECOVERY_KEY_ENV}")

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


def read_recovery_key() -> str:
    """From ``CENTRE_DESK_RECOVERY_KEY`` or the first line of standard input, never an argument."""
    return _read_password(RECOVERY_KEY_ENV, "recovery key")


def refuse_recovery_key_option(value: object) -> None:
    if value is not None:
        raise CliError(RECOVERY_KEY_REFUSED, EXIT_USAGE)


def _warn_about_recovery(session: DeskSession) -> None:
    """Administrators hear, once per command, when the store's recovery key needs renewing."""
    from centre_desk.domain.staff import Permission
    from centre_desk.services.keys import RECOVERY_ADVICE, recovery_key_state

    if not session.actor.may(Permission.MANAGE_STAFF):
        return
    advice = RECOVERY_ADVICE.get(recovery_key_state(session))
    if advice:
        print(f"Warning: {advice} ({PROG} recovery-key new)", file=sys.stderr)


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
            self._session = sign_in(w.gate, w.throttle, w.clock, self.args.user, password, release=w.release)
            del password
            if getattr(self.args, "recovery_key_command", None) is None:  # that command says it itself
                _warn_about_recovery(self._session)
        return self._session

    def forget_session(self) -> None:
        """The store went away under the session (a revoked device wiped it)."""
        self._session = None

    def close(self) -> None:
        from centre_desk.services.auth import sign_out

        if self._session is not None:
            sign_out(self._session)
            self._session = None


class Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, never argparse's multi-line dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message}\n")


Handler = Callable[[Context], int]
