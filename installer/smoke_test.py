"""Smoke test of the frozen bundle that ``installer/build.py`` made (``dist/centre-desk/``).

    python installer/smoke_test.py [--bundle dist/centre-desk] [--runs 5]

Runs the FROZEN executables, never the source tree, each with a scratch data folder and with
the source tree hidden from them (so a missing data file cannot be found by accident):

1. ``centre-desk-admin --version`` names this version.
2. ``init`` creates an encrypted store (SQLCipher's native library and the Alembic migrations
   are in the bundle: the store file is not plain SQLite) and prints ``Recovery key: ``; the
   organisation profile comes from the bundled ``resources/``.
3. ``staff list`` signs in again and lists the administrator; ``audit verify`` passes.
4. ``demo-data`` and ``search`` use the bundled ``forms/`` and the FTS5 index; ``duplicates
   review`` loads rapidfuzz, jellyfish and the bundled nickname table; ``blank-form``
   prints a PDF with the bundled fonts (ReportLab); ``backup`` then ``restore`` into a new
   folder, which opens with the same password.
5. ``centre-desk`` starts with QT_QPA_PLATFORM=offscreen and CENTRE_DESK_BENCH_EXIT=shown: the app
   prints one JSON line once its first window has painted, and exits. The line must name the
   sign-in window (store present) and the set-up wizard (empty folder). Under Xvfb, when it is
   installed, the same is checked on the real xcb platform plug-in.
6. Start-up time of the frozen app: the first start (cold: the page cache is dropped first when
   that is allowed, else it is only the first start after the build), then the median of
   ``--runs`` more. Both as the app measures itself (process start to first paint) and as wall
   time of the whole run (start, paint, quit, exit).

Prints one JSON line with the figures; exits non-zero on the first failure, naming it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXE = ".exe" if sys.platform == "win32" else ""
PASSWORD = "smoke test password 1"  # noqa: S105 - a throwaway store in a temp folder
PROFILE = "north-somerset-children-centres"
TIMEOUT = 120


class SmokeFailure(Exception):
    pass


def expected_version() -> str:
    text = (ROOT / "src" / "centre_desk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    assert match
    return match.group(1)


class Bundle:
    def __init__(self, folder: Path, scratch: Path) -> None:
        self.folder = folder
        self.admin_exe = folder / f"centre-desk-admin{EXE}"
        self.app_exe = folder / f"centre-desk{EXE}"
        for exe in (self.admin_exe, self.app_exe):
            if not exe.is_file():
                raise SmokeFailure(f"{exe} is missing: run python installer/build.py first")
        self.scratch = scratch
        # Run from an empty folder, with nothing that points back at the source tree.
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("CENTRE_DESK_", "PYTHON", "QT_")) and k != "VIRTUAL_ENV"}
        self.env["HOME"] = str(scratch / "home")
        self.env["XDG_DATA_HOME"] = str(scratch / "home" / "data")
        (scratch / "home").mkdir()

    def admin(self, data: Path, *args: str, password: str | None = PASSWORD,
              expect: int = 0) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if password is not None:
            env["CENTRE_DESK_PASSWORD"] = password
        cmd = [str(self.admin_exe), "--data-dir", str(data), *args]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.scratch, timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL)
        if r.returncode != expect:
            raise SmokeFailure(f"centre-desk-admin {' '.join(args)}: exit {r.returncode} (expected {expect})\n"
                               f"stdout: {r.stdout.strip()}\nstderr: {r.stderr.strip()}")
        return r

    def app(self, data: Path, platform: str = "offscreen", wrapper: list[str] | None = None) -> tuple[dict, float]:
        env = dict(self.env)
        env["QT_QPA_PLATFORM"] = platform
        env["CENTRE_DESK_BENCH_EXIT"] = "shown"
        cmd = [*(wrapper or []), str(self.app_exe), "--data-dir", str(data)]
        started = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.scratch, timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        if r.returncode != 0:
            raise SmokeFailure(f"centre-desk ({platform}): exit {r.returncode}\nstdout: {r.stdout.strip()}\n"
                               f"stderr: {r.stderr.strip()[-2000:]}")
        lines = [line for line in r.stdout.splitlines() if line.startswith("{")]
        if len(lines) != 1:
            raise SmokeFailure(f"centre-desk ({platform}): expected one JSON line once the window is shown, "
                               f"got stdout {r.stdout.strip()!r}, stderr {r.stderr.strip()[-2000:]!r}")
        return json.loads(lines[0]), wall


def drop_page_cache() -> bool:
    """Make the next start a cold one, where the system allows it (root on Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as fh:
            fh.write("3\n")
        return True
    except OSError:
        return False


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def run(bundle_dir: Path, runs: int, steps: list[str]) -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix="centre-desk-smoke-"))
    try:
        b = Bundle(bundle_dir, scratch)
        version = expected_version()
        out: dict[str, object] = {"bundle": str(bundle_dir)}

        def step(name: str) -> None:
            steps.append(name)

        # Cold start first, before anything else has read the bundle's files.
        step("centre-desk cold start (set-up wizard)")
        cold_dropped = drop_page_cache()
        info, wall = b.app(scratch / "fresh")
        check(info.get("window") == "setupWizard", f"an empty data folder must open the set-up wizard: {info}")
        out["cold_start"] = {"page_cache_dropped": cold_dropped, "first_paint_s": info.get("since_process_start_s"),
                             "wall_s": round(wall, 3)}

        step("centre-desk-admin --version")
        r = b.admin(scratch / "unused", "--version", password=None)
        check(r.stdout.strip() == f"centre-desk-admin {version}", f"--version printed {r.stdout.strip()!r}")

        step("centre-desk-admin init")
        data = scratch / "desk"
        r = b.admin(data, "init", "--profile", PROFILE, "--centre-name", "Smoke Test Centre", "--admin", "admin")
        keys = [line for line in r.stdout.splitlines() if line.startswith("Recovery key: ")]
        check(len(keys) == 1, f"init must print the recovery key once: {r.stdout!r}")
        check((data / "keyslots.json").is_file() and (data / "store.db").is_file(), "init wrote no store")
        check(not (data / "store.db").read_bytes().startswith(b"SQLite format 3"),
              "the store is plain SQLite: SQLCipher is not in the bundle")

        step("centre-desk-admin staff list")
        r = b.admin(data, "--user", "admin", "staff", "list")
        check(re.search(r"^admin\s+administrator\s+active$", r.stdout, re.MULTILINE) is not None,
              f"staff list: {r.stdout!r}")
        step("centre-desk-admin audit verify")
        r = b.admin(data, "--user", "admin", "audit", "verify")
        check("intact" in r.stdout, f"audit verify: {r.stdout!r}")
        step("centre-desk-admin sign-in failure")
        b.admin(data, "--user", "admin", "staff", "list", password="not the password", expect=3)  # noqa: S106

        step("centre-desk-admin demo-data and search (forms, search index)")
        b.admin(data, "--user", "admin", "demo-data", "--households", "5", "--seed", "3")
        r = b.admin(data, "--user", "admin", "search", "a", "--json")
        check(len([line for line in r.stdout.splitlines() if line.startswith("{")]) >= 1,
              f"search found nothing in the demo households: {r.stdout!r}")

        step("centre-desk-admin duplicates review (rapidfuzz, jellyfish, bundled nickname table)")
        r = b.admin(data, "--user", "admin", "duplicates", "review", "--json", "--threshold", "0.3")
        check(all(json.loads(line)["reasons"] for line in r.stdout.splitlines()),
              f"duplicates review printed a pair without reasons: {r.stdout!r}")

        step("centre-desk-admin blank-form (fonts, ReportLab)")
        pdf = scratch / "blank.pdf"
        b.admin(data, "--user", "admin", "blank-form", "membership", "--out", str(pdf))
        check(pdf.is_file() and pdf.read_bytes().startswith(b"%PDF") and b"DejaVu" in pdf.read_bytes(),
              "blank-form did not write a PDF with the bundled DejaVu fonts")

        step("centre-desk-admin backup and restore")
        archive = scratch / "desk.cdbackup"
        b.admin(data, "--user", "admin", "backup", "--out", str(archive))
        restored = scratch / "restored"
        b.admin(restored, "--user", "admin", "restore", str(archive))
        b.admin(restored, "--user", "admin", "audit", "verify")

        step("centre-desk shows the sign-in window (offscreen)")
        info, wall = b.app(data)
        check(info.get("window") == "signInWindow", f"a desk with a store must open at sign-in: {info}")
        check(info.get("storage_imported") is False, f"the first window must not wait for the storage engine: {info}")

        step("centre-desk warm starts")
        paints, walls = [], []
        for _ in range(runs):
            info, wall = b.app(data)
            paints.append(float(info["since_process_start_s"]))
            walls.append(wall)
        out["warm_start"] = {"runs": runs, "first_paint_median_s": round(statistics.median(paints), 3),
                             "wall_median_s": round(statistics.median(walls), 3)}

        xvfb = shutil.which("xvfb-run")
        if sys.platform.startswith("linux") and xvfb:
            step("centre-desk on the xcb platform under Xvfb")
            info, wall = b.app(data, platform="xcb", wrapper=[xvfb, "-a"])
            check(info.get("window") == "signInWindow", f"xcb: {info}")
            out["xcb"] = {"first_paint_s": info.get("since_process_start_s"), "wall_s": round(wall, 3)}
        else:
            out["xcb"] = "skipped (no xvfb-run)"
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test the frozen Centre Desk bundle.")
    parser.add_argument("--bundle", default=str(ROOT / "dist" / "centre-desk"), help="the built app folder")
    parser.add_argument("--runs", type=int, default=5, help="warm starts to time after the cold one")
    args = parser.parse_args(argv)
    steps: list[str] = []
    started = time.perf_counter()
    try:
        result = run(Path(args.bundle).resolve(), max(1, args.runs), steps)
    except (SmokeFailure, subprocess.TimeoutExpired) as exc:
        print(f"smoke test FAILED at: {steps[-1] if steps else 'start'}\n{exc}", file=sys.stderr)
        return 1
    result["checks"] = len(steps)
    result["smoke_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    print(f"{len(steps)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
