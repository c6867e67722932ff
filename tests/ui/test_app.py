"""The composition root: the first-run test, and a real start that stops once the window is up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from centre_desk.app import process_age, store_present


def test_the_quick_first_run_check_agrees_with_the_store(tmp_path: Path, store) -> None:  # type: ignore[no-untyped-def]
    from centre_desk.storage.store import DataDirectory

    empty = tmp_path / "empty"
    assert store_present(empty) is DataDirectory(empty).exists() is False
    assert store_present(store.data_dir) is DataDirectory(store.data_dir).exists() is True


def test_process_age_is_plausible() -> None:
    assert 0 <= process_age() < 24 * 3600


def _start(data_dir: Path) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CENTRE_DESK_BENCH_EXIT="shown")
    done = subprocess.run([sys.executable, "-m", "centre_desk.app", "--data-dir", str(data_dir)],
                          env=env, capture_output=True, text=True, timeout=60, check=True)
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def test_a_desk_with_a_store_starts_at_sign_in_without_loading_the_storage_engine(store) -> None:  # type: ignore[no-untyped-def]
    shown = _start(store.data_dir)
    assert shown["window"] == "signInWindow"
    assert shown["storage_imported"] is False


def test_a_new_desk_starts_at_set_up(tmp_path: Path) -> None:
    shown = _start(tmp_path / "new")
    assert shown["window"] == "setupWizard"
    assert not (tmp_path / "new").exists() or not store_present(tmp_path / "new")
