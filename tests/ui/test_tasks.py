"""The background-task helper: work off the GUI thread, answers back on it, one store task at a time."""

from __future__ import annotations

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
