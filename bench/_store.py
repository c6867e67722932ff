"""Building and opening the benchmark store: one helper for every script in ``bench/``.

A store of synthetic households is expensive to build at 100,000 households (tens of minutes on a
loaded 2-core machine), so it is built once into a data directory and reused across runs:

    from _store import open_store, summary
    session, info = open_store(args.data_dir, args.households)

- ``data_dir`` that already holds a store is opened (a store from an older version is migrated on
  sign-in; ``info["sign_in_s"]`` includes that time); otherwise a store is created there and filled
  with ``households`` synthetic households (``info["generate_s"]``). ``fill`` runs once, after the
  households, for anything a benchmark needs on top (sessions, attendance).
- ``data_dir=None`` makes a fresh temporary directory (nothing is reused).
- The generation seed is random unless given: a benchmark must never rely on the values stored
  being the ones a fixed seed would replay (saves must write values that differ from the store's).
- Every script uses the same credentials, so one kept store serves them all.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.demo_data import make_demo_households
from centre_desk.services.session import DeskSession
from centre_desk.services.setup import CentreDetails, initialise_store
from centre_desk.wiring import Wiring

ADMIN, PASSWORD = "bench", "benchmark password"
PROFILE = "north-somerset-children-centres"


def data_path(data_dir: str | Path | None, prefix: str = "desk-bench-") -> Path:
    return Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix=prefix)) / "data"


def build_store(data: Path, households: int, *, seed: int | None = None,
                fill: Callable[[DeskSession], None] | None = None) -> dict[str, Any]:
    """Create a store in ``data`` with ``households`` synthetic households; timings in the dict."""
    data.parent.mkdir(parents=True, exist_ok=True)
    w = Wiring(data)
    result = initialise_store(w.gate, CentreDetails(PROFILE, "Bench Centre"), ADMIN, PASSWORD, w.clock, w.passwords)
    t = time.perf_counter()
    make_demo_households(result.session, households, seed=random.randrange(1 << 30) if seed is None else seed)
    info: dict[str, Any] = {"generate_s": round(time.perf_counter() - t, 1)}
    if fill is not None:
        t = time.perf_counter()
        fill(result.session)
        info["fill_s"] = round(time.perf_counter() - t, 1)
    sign_out(result.session)
    return info


def open_store(data_dir: str | Path | None, households: int, *, seed: int | None = None,
               fill: Callable[[DeskSession], None] | None = None) -> tuple[DeskSession, dict[str, Any]]:
    """Sign in to the benchmark store in ``data_dir``, building it first when there is none."""
    data = data_path(data_dir)
    w = Wiring(data)
    info: dict[str, Any] = {"data_dir": str(data), "reused": w.gate.exists()}
    if not w.gate.exists():
        info.update(build_store(data, households, seed=seed, fill=fill))
    t = time.perf_counter()
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, PASSWORD)
    info["sign_in_s"] = round(time.perf_counter() - t, 3)
    with session.store.reader() as uow:
        info["households_in_store"] = uow.households.count()
    return session, info


def summary(samples: list[float], digits: int = 3) -> dict[str, float | int]:
    """p50, p95 and n of a list of timings (p95 is the sample itself when there is only one)."""
    if not samples:
        return {"n": 0}
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
    return {"p50": round(statistics.median(samples), digits), "p95": round(p95, digits), "n": len(samples)}


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages: on a shared machine the figures depend on them."""
    return [round(x, 2) for x in os.getloadavg()]
