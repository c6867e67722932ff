"""Python's cyclic garbage collector runs on the GUI thread only.

CPython collects cycles on whichever thread happens to allocate when a threshold is crossed. If
that is a background task's thread and the garbage holds Qt objects (a closed dialog, a widget
caught in a cycle with its slots), Qt deletes them off the GUI thread and the process can crash
(seen here as a segfault in a worker while it parsed YAML). So automatic collection is switched
off and a timer on the GUI thread collects instead, as often as the thresholds ask for.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
