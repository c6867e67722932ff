"""The two command-line tools as real processes (``python -m``), as IT staff and scheduled jobs run
them. Most CLI tests call the same ``main`` in-process (``tests/cli_runner.py``); these prove the
process entry points, their exit codes and their output are those ``main`` gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.cli_runner import run_cli
from tests.integration.server_harness import PROFILE

PASSWORD = "an admin password for the entry points"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_") or k == "CENTRE_DESK_KDF_SECONDS"}
    env.update(extra, COLUMNS="100")  # argparse wraps --help to the terminal's width
    return env


def _process(module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=180)


def test_the_admin_tool_as_a_process_creates_a_store_registers_and_finds_a_family(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    env = _env(CENTRE_DESK_NEW_PASSWORD=PASSWORD, CENTRE_DESK_PASSWORD=PASSWORD)
    made = _process("centre_desk.cli", "--data-dir", data, "init", "--profile", PROFILE,
                    "--centre-name", "Hillside Children's Centre", "--admin", "admin", env=env)
    assert made.returncode == 0, made.stderr
    src = tmp_path / "families.json"
    src.write_text(json.dumps({"households": [{
        "address_line1": "12 Marine Parade", "address_line2": "", "town": "Weston-super-Mare", "postcode": "BS23 1AL",
        "phone": "07700 900123", "email": "",
        "members": [{"first_name": "Zofia", "last_name": "Wiśniewska", "date_of_birth": "1991-04-12",
                     "role": "parent"}]}]}, ensure_ascii=False), encoding="utf-8")
    imported = _process("centre_desk.cli", "--data-dir", data, "--user", "admin", "import", "--form", "membership",
                        str(src), env=env)
    assert imported.returncode == 0, imported.stderr
    found = _process("centre_desk.cli", "--data-dir", data, "--user", "admin", "search", "--json", "wisniewska",
                     env=env)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines() if line.strip()]
    assert [h["postcode"] for h in hits] == ["BS23 1AL"]
    # The same command in-process answers the same, byte for byte.
    same = run_cli("centre_desk.cli", ["--data-dir", data, "--user", "admin", "search", "--json", "wisniewska"], env)
    assert (same.returncode, same.stdout) == (0, found.stdout)


def test_exit_codes_of_the_processes_are_those_main_returns(tmp_path: Path) -> None:
    env = _env(CENTRE_DESK_PASSWORD="wrong password here")
    usage = _process("centre_desk.cli", "--data-dir", str(tmp_path / "d"), "no-such-command", env=env)
    assert usage.returncode == 2 and "usage error" in usage.stderr and "Traceback" not in usage.stderr
    missing = _process("centre_desk.cli", "--data-dir", str(tmp_path / "d"), "--user", "admin", "search", "x",
                       env=env)
    assert missing.returncode == 1 and "no store in" in missing.stderr
    for module in ("centre_desk.cli", "centre_desk.server"):
        process = _process(module, "--help", env=env)
        inproc = run_cli(module, ["--help"], env)
        assert process.returncode == inproc.returncode == 0
        assert process.stdout == inproc.stdout
    server = _process("centre_desk.server", "--db", f"sqlite:///{tmp_path / 'none.db'}", "staff", "list",
                      "--org", "x", env=env)
    assert server.returncode != 0 and "Traceback" not in server.stderr
