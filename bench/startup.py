"""Startup benchmark: how soon the sign-in window is up, and how soon Sign in gives a ready main window.

    python bench/startup.py [--runs 5]

Prints one JSON object:

- ``signin_window_shown_s``: median over runs of a real ``python -m centre_desk.app`` start (with
  ``CENTRE_DESK_BENCH_EXIT=shown``), from before ``Popen`` to the line the app prints after the
  window's first paint; ``signin_window_shown_in_process_s`` is the app's own figure for the same
  moment, from the process's start time;
- ``signin_to_main_ready_s``: median, in one process, from the Sign in click to the main window's
  first paint, after the background warm-up the app starts once its first window is up;
  ``signin_to_main_ready_first_s`` is the first sign-in of the process, pressed the moment the
  window is up while the app's warm-up has only just started (target <= 0.5 s).

Runs offscreen unless QT_QPA_PLATFORM says otherwise. Not a timed test: the targets (< 1.0 s each)
are judged by a person reading the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

USERNAME = "bench"
PASSWORD = "benchmark password"


def make_store(data_dir: Path) -> None:
    from centre_desk.services.auth import sign_out
    from centre_desk.services.setup import CentreDetails, initialise_store
    from centre_desk.wiring import Wiring

    wiring = Wiring(data_dir)
    details = CentreDetails("north-somerset-children-centres", "Bench Children's Centre", "1 Test Street")
    sign_out(initialise_store(wiring.gate, details, USERNAME, PASSWORD, wiring.clock, wiring.passwords).session)


def window_shown(data_dir: Path, runs: int) -> tuple[list[float], list[float]]:
    env = dict(os.environ, CENTRE_DESK_BENCH_EXIT="shown")
    walls: list[float] = []
    inside: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "centre_desk.app", "--data-dir", str(data_dir)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{"):
                walls.append(time.perf_counter() - started)
                report = json.loads(line)
                assert report["window"] == "signInWindow", report
                inside.append(float(report["since_process_start_s"]))
                break
        proc.wait(timeout=30)
    return walls, inside


def signin_to_main(data_dir: Path, runs: int) -> tuple[float, list[float]]:
    from PySide6.QtWidgets import QApplication

    from centre_desk.app import build_parts, start_warm_up, warm_up
    from centre_desk.ui.context import AppContext
    from centre_desk.ui.main_window import MainWindow
    from centre_desk.ui.shell import AppShell
    from centre_desk.ui.signin import SignInWindow
    from centre_desk.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([sys.argv[0]])
    tasks = TaskRunner()
    context = AppContext(data_dir, lambda: build_parts(data_dir), tasks)
    shell = AppShell(context, quit_app=lambda: None)

    def wait_for(condition, limit: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.perf_counter() + limit
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("the window did not appear")
            app.processEvents()
            time.sleep(0.001)

    def one_sign_in() -> float:
        window = shell.window
        assert isinstance(window, SignInWindow)
        wait_for(window.isVisible)
        window.username.setText(USERNAME)
        window.password.setText(PASSWORD)
        painted: list[float] = []

        def watch(new_window) -> None:  # type: ignore[no-untyped-def]
            if isinstance(new_window, MainWindow):
                from centre_desk.app import when_painted

                when_painted(new_window, lambda: painted.append(time.perf_counter()))

        shell.window_changed.connect(watch)
        started = time.perf_counter()
        window.sign_in_button.click()
        wait_for(lambda: bool(painted))
        shell.window_changed.disconnect(watch)
        elapsed = painted[0] - started
        main = shell.window
        assert isinstance(main, MainWindow)
        main.sign_out_action.trigger()
        wait_for(lambda: isinstance(shell.window, SignInWindow))
        return elapsed

    shell.start(first_run=False)
    # As the app does: the warm-up starts when the window is up, and Sign in is pressed the same
    # moment, so the first sign-in overlaps the warm-up instead of following it.
    start_warm_up(context)
    cold = one_sign_in()
    tasks.wait(30_000)
    warm_up(context)
    warm = [one_sign_in() for _ in range(runs)]
    shell.shutdown()
    return cold, warm


def argon2id_s(data_dir: Path, runs: int) -> list[float]:
    """The reference: Argon2id alone, with the store's own slot parameters, in the same process."""
    import os as _os

    from centre_desk.security.kdf import derive
    from centre_desk.security.keyslots import KeySlots

    params = KeySlots.load(data_dir / "keyslots.json").kdf_params
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        derive(PASSWORD, _os.urandom(16), params)
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="centre-desk-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        make_store(data_dir)
        walls, inside = window_shown(data_dir, args.runs)
        # A fresh process for the in-process part, so that make_store's imports do not flatter the
        # cold figure.
        child = subprocess.run([sys.executable, __file__, "--signin-only", str(data_dir), str(args.runs)],
                               capture_output=True, text=True, check=True)
        cold, warm, kdf = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps({
        "argon2id_s": round(statistics.median(kdf), 3),
        "ratio_first_signin_to_argon2id": round(cold / statistics.median(kdf), 2),
        "ratio_signin_to_argon2id": round(statistics.median(warm) / statistics.median(kdf), 2),
        "load": [round(x, 2) for x in os.getloadavg()],
        "signin_window_shown_s": round(statistics.median(walls), 3),
        "signin_window_shown_in_process_s": round(statistics.median(inside), 3),
        "signin_to_main_ready_s": round(statistics.median(warm), 3),
        "signin_to_main_ready_first_s": round(cold, 3),
        "runs": args.runs,
        "wall_each_s": [round(w, 3) for w in walls],
        "signin_each_s": [round(w, 3) for w in warm],
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
    }))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--signin-only":
        cold_s, warm_s = signin_to_main(Path(sys.argv[2]), int(sys.argv[3]))
        print(json.dumps([cold_s, warm_s, argon2id_s(Path(sys.argv[2]), int(sys.argv[3]))]))
        sys.exit(0)
    sys.exit(main())
