"""Register benchmarks: how long a session's register takes to read and to save as attendance
records pile up. Prints one JSON object.

    python bench/sessions.py [--households 5000] [--sessions 1000] [--per-session 20] [--samples 100]
                             [--data-dir DIR]

Reading a register scans the ``attendance`` records with ``json_extract`` (no index): this says
when an index (a migration) would be worth it. Honest by construction:
- the store is filled through the services (``record_attendance``), every attendance real: random
  people of random households at every session, so the records are spread over the whole store;
- timed reads pick random sessions across all of them, after a warm-up; timed saves tick people
  not yet on that register, and each is checked afterwards (the household's last contact moved on);
- in the same run ``open_household`` (a primary-key read plus its audit entry) is timed on random
  households as the reference, and the ratios are printed.

A data directory given with --data-dir is reused if it already holds the store.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

from _store import open_store
from sqlalchemy import text

from centre_desk.services.auth import sign_out
from centre_desk.services.households import open_household
from centre_desk.services.sessions import add_session, list_sessions, record_attendance, session_register

WARM_UP = 10


def summary(samples: list[float]) -> dict[str, float | int]:
    return {"p50": round(statistics.median(samples), 3),
            "p95": round(statistics.quantiles(samples, n=20)[-1], 3), "n": len(samples)}


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - t) * 1000, result


def household_people(session: Any) -> list[tuple[str, str]]:
    with session.store.reader() as uow:
        ids = [hid for (hid,) in uow.session.execute(
            text("SELECT id FROM records WHERE kind = 'household'"))]
        return [(m.id, h.id) for h in uow.households.get_many(ids) for m in h.members]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--households", type=int, default=5000)
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--per-session", type=int, default=20)
    p.add_argument("--samples", type=int, default=100)
    p.add_argument("--data-dir")
    a = p.parse_args()
    rng = random.SystemRandom()

    def fill(session: Any) -> None:
        """Sessions and their registers, on top of the households: random people at every one."""
        people = household_people(session)
        first = session.clock.today() - timedelta(days=a.sessions // 4)
        for n in range(a.sessions):
            cs = add_session(session, "stay-and-play", first + timedelta(days=n // 4), "10:00", "11:30", "Hall")
            ticked = rng.sample(people, a.per_session)
            if cs.on <= session.clock.today():
                record_attendance(session, cs.id, [p for p, _ in ticked], dict(ticked))

    session, info = open_store(a.data_dir, a.households, seed=7, fill=fill)
    fill_s = info.get("generate_s", 0.0) + info.get("fill_s", 0.0)
    today = session.clock.today()
    sessions = list_sessions(session, date(1900, 1, 1), today)
    people = household_people(session)
    with session.store.reader() as uow:
        attendance = uow.session.execute(text(
            "SELECT count(*) FROM records WHERE kind = 'attendance'")).scalar_one()
    for cs in rng.sample(sessions, WARM_UP):
        session_register(session, cs.id)
    reads = [timed(session_register, session, cs.id)[0] for cs in rng.sample(sessions, a.samples)]
    opens = [timed(open_household, session, hid)[0] for _, hid in rng.sample(people, a.samples)]
    saves, wrong = [], 0
    for cs in rng.sample(sessions, a.samples):
        _, came = session_register(session, cs.id)
        on_register = {r.person_id for r in came}
        person, hid = next(x for x in (rng.choice(people) for _ in range(100)) if x[0] not in on_register)
        ms, result = timed(record_attendance, session, cs.id, [person], {person: hid})
        saves.append(ms)
        last = open_household(session, hid).last_contact
        wrong += int(result.recorded != 1 or last is None or last < cs.on)
    sign_out(session)
    read, opened, saved = summary(reads), summary(opens), summary(saves)
    print(json.dumps({
        "households": len({hid for _, hid in people}), "sessions": len(sessions), "attendance_records": attendance,
        "fill_seconds": round(fill_s, 1),
        "register_read_ms": read, "attendance_save_ms": saved, "reference_open_household_ms": opened,
        "ratio_read_to_open_p50": round(read["p50"] / opened["p50"], 2),
        "ratio_save_to_open_p50": round(saved["p50"] / opened["p50"], 2),
        "saves_not_moving_last_contact": wrong,
    }))


if __name__ == "__main__":
    main()
