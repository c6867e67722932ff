"""Running ``centre-desk-admin`` and ``centre-desk-server`` commands inside the test process.

A command run this way goes through the same ``main(argv)`` as the installed scripts (argument
parsing, sign-in, the command, its output, its exit code), with its own environment, stdin, stdout
and stderr, and nothing kept between commands (each unlocks the store afresh and locks it again).
What it saves is a Python start and the imports, about a second of CPU per command, which the
sync and admin tests pay hundreds of times. The ``python -m`` entry points themselves are still
run as processes where a process matters: kill -9 at a crash point, the server, the frozen
bundle's smoke test, and ``test_cli_entry_points.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence

MODULES = {"centre_desk.cli", "centre_desk.server"}


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _main(module: str) -> Callable[[Sequence[str]], int]:
    if module == "centre_desk.cli":
        from centre_desk.cli import main
    elif module == "centre_desk.server":
        from centre_desk.server.cli import main
    else:
        raise ValueError(module)
    return main


def run_cli(module: str, argv: Sequence[str], env: Mapping[str, str],
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGV`` with ``env`` as its whole environment, in this process."""
    if env.get("CENTRE_DESK_CRASH_AT"):
        raise ValueError("a crash point waits to be killed: run that command as a real process")
    out, err = io.StringIO(), io.StringIO()
    saved_in = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with _environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: int = _main(module)(list(argv))
            except SystemExit as exc:  # argparse's usage errors, --help, --version
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
                    code = 1
                else:
                    code = int(exc.code or 0)
    finally:
        sys.stdin = saved_in
    return subprocess.CompletedProcess([sys.executable, "-m", module, *argv], code, out.getvalue(), err.getvalue())


def run_module(cmd: Sequence[str], env: Mapping[str, str], stdin: str | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``cmd`` as ``[sys.executable, "-m", MODULE, *argv]``: in this process for the two tools,
    otherwise (or with a crash point set) as a real process."""
    if len(cmd) >= 3 and cmd[1] == "-m" and cmd[2] in MODULES and not env.get("CENTRE_DESK_CRASH_AT"):
        return run_cli(cmd[2], cmd[3:], env, stdin)
    return subprocess.run(list(cmd), capture_output=True, text=True, env=dict(env), input=stdin, timeout=timeout)
