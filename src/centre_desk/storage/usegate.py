"""One process's units of work share a store; a re-encryption needs it to itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from .unit_of_work import SqlUnitOfWork


class UseGate:
    """Units of work in this process share the store; a re-encryption needs it to itself."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._exclusive = False
        self._mine = threading.local()  # how deep this thread is in already: re-entry never waits

    def enter(self) -> None:
        depth = getattr(self._mine, "depth", 0)
        with self._cond:
            while self._exclusive and depth == 0:
                self._cond.wait()
            self._active += 1
        self._mine.depth = depth + 1

    def leave(self) -> None:
        self._mine.depth = getattr(self._mine, "depth", 1) - 1
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    @contextmanager
    def exclusive(self, timeout: float) -> Iterator[bool]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._exclusive = True
            got = self._cond.wait_for(lambda: self._active == 0, timeout)
        try:
            yield got
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class GatedUnitOfWork(SqlUnitOfWork):
    def __init__(self, factory: sessionmaker[Session], gate: UseGate) -> None:
        super().__init__(factory)
        self._gate = gate

    def __enter__(self) -> GatedUnitOfWork:
        self._gate.enter()
        try:
            return super().__enter__()
        except BaseException:
            self._gate.leave()
            raise

    def __exit__(self, *exc: Any) -> None:
        try:
            super().__exit__(*exc)
        finally:
            self._gate.leave()
