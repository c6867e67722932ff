"""The background-task helper: work off the GUI thread, answers back on it, one store task at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

from PySide6.QtWidgets import QWidget

from centre_desk.domain.errors import SignInFailed
from centre_desk.ui.tasks import TaskRunner


def test_work_runs_off_the_gui_thread_and_the_answer_comes_back_on_it(qtbot, tasks: TaskRunner):
    seen: dict[str, object] = {}

    def work() -> int:
        seen["work"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        seen["done"] = threading.current_thread()
        seen["value"] = value

    tasks.run(work, done)
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["work"] is not threading.main_thread()
    assert seen["done"] is threading.main_thread()
    assert not tasks.busy


def test_errors_come_back_typed_and_without_their_frames(qtbot, tasks: TaskRunner):
    errors: list[BaseException] = []

    def work() -> None:
        raise SignInFailed()

    tasks.run(work, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], SignInFailed)
    assert errors[0].__traceback__ is None


def test_store_work_runs_one_task_at_a_time_in_order(qtbot, tasks: TaskRunner):
    running = 0
    overlap = False
    order: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, overlap
        with lock:
            running += 1
            overlap = overlap or running > 1
        time.sleep(0.02)
        with lock:
            running -= 1
        return n

    for n in range(5):
        tasks.run(lambda n=n: work(n), order.append)
    qtbot.waitUntil(lambda: len(order) == 5, timeout=5000)
    assert order == [0, 1, 2, 3, 4]
    assert not overlap


def test_a_closed_window_does_not_get_called_back(qtbot, tasks: TaskRunner):
    window = QWidget()
    calls: list[object] = []
    gate = threading.Event()
    tasks.run(lambda: gate.wait(5), calls.append, owner=window)
    window.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(window), timeout=2000)
    gate.set()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=5000)
    assert calls == []


def test_tens_of_thousands_of_tasks_do_not_crash_the_process(tmp_path) -> None:
    """A busy desk runs a task per keystroke all day. PySide6 6.12's cross-thread signals killed the
    process ("Fatal Python error: bool_dealloc") within about 20,000; run 40,000 in a child process."""
    script = tmp_path / "many_tasks.py"
    script.write_text(textwrap.dedent("""
        import sys
        from PySide6.QtCore import QCoreApplication
        from centre_desk.ui.tasks import TaskRunner

        app = QCoreApplication([])
        runner = TaskRunner()
        total = 40_000
        seen = []

        def done(value):
            seen.append(value)
            if len(seen) < total:
                runner.run(lambda n=len(seen): n, done, serial=len(seen) % 3 != 0)
            else:
                app.quit()

        runner.run(lambda: 0, done)
        app.exec()
        assert seen == list(range(total)), "answers lost or out of order"
        print("delivered", len(seen))
    """))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "delivered 40000" in r.stdout
