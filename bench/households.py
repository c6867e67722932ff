"""Household benchmarks on a large synthetic store. Prints one JSON object.

    python bench/households.py [--households 100000] [--data-dir DIR]

Targets (issue 3): generating 100,000 households < 180 s; search-as-you-type p95 < 30 ms for 1-3
character prefixes and for full names; opening a household < 50 ms; saving one < 50 ms; resident
memory with the store open < 300 MB. A data directory given with --data-dir is reused if it holds a
store, so the search figures can be re-measured without generating again.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.demo_data import ORIGINS, make_demo_households
from centre_desk.services.households import open_household, search_households, update_household
from centre_desk.services.setup import CentreDetails, initialise_store
from centre_desk.wiring import Wiring

ADMIN, PASSWORD = "bench", "benchmark password"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--data-dir")
    args = ap.parse_args()
    data = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp()) / "bench"
    w = Wiring(data)
    out: dict[str, object] = {"households": args.households}
    if not w.gate.exists():
        result = initialise_store(w.gate, CentreDetails("north-somerset-children-centres", "Bench Centre"),
                                  ADMIN, PASSWORD, w.clock, w.passwords)
        t = time.perf_counter()
        make_demo_households(result.session, args.households, seed=42)
        out["generate_s"] = round(time.perf_counter() - t, 1)
        sign_out(result.session)

    t = time.perf_counter()
    session = sign_in(w.gate, w.throttle, w.clock, ADMIN, PASSWORD)
    out["sign_in_s"] = round(time.perf_counter() - t, 3)
    with session.store.reader() as uow:
        out["households_in_store"] = uow.households.count()
    rng = random.Random(7)
    surnames = [s for o in ORIGINS for pair in o.surnames for s in pair]
    prefixes = {n: [] for n in (1, 2, 3)}  # type: dict[int, list[float]]
    for n in prefixes:
        for _ in range(60):
            q = rng.choice(surnames)[:n]
            t = time.perf_counter()
            search_households(session, q, limit=50)
            prefixes[n].append((time.perf_counter() - t) * 1000)
    full: list[float] = []
    hits_found = 0
    people = [m for hit in search_households(session, "a", limit=50) for m in hit.members]
    for _ in range(100):
        person = rng.choice(people)
        q = f"{person.first_name} {person.last_name}"
        t = time.perf_counter()
        hits = search_households(session, q, limit=50)
        full.append((time.perf_counter() - t) * 1000)
        hits_found += bool(hits)
    out["search_p95_ms"] = {f"prefix_{n}": round(p95(v), 2) for n, v in prefixes.items()}
    out["search_p95_ms"]["full_name"] = round(p95(full), 2)  # type: ignore[index]
    out["full_name_queries_with_hits"] = hits_found

    ids = [h.household_id for h in search_households(session, "a", limit=50)]
    opens, saves, renames = [], [], []
    for hid in ids[:30]:
        t = time.perf_counter()
        h = open_household(session, hid)
        opens.append((time.perf_counter() - t) * 1000)
        data_in = h.submission()
        data_in["address_line2"] = f"Flat {rng.randint(1, 99)}"
        t = time.perf_counter()
        h, _ = update_household(session, hid, data_in, h.version)
        saves.append((time.perf_counter() - t) * 1000)
        # A change to a searched word (a surname) also rewrites that person's search entry.
        data_in = h.submission()
        data_in["members"][0]["last_name"] = rng.choice(surnames)
        t = time.perf_counter()
        update_household(session, hid, data_in, h.version)
        renames.append((time.perf_counter() - t) * 1000)
    out["open_household_p95_ms"] = round(p95(opens), 2)
    out["save_household_p95_ms"] = round(p95(saves), 2)
    out["save_household_with_name_change_p95_ms"] = round(p95(renames), 2)
    out["rss_mb_store_open"] = round(rss_mb(), 1)
    out["store_file_mb"] = round((data / "store.db").stat().st_size / 1e6, 1)
    sign_out(session)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
