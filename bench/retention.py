"""Retention review and reach statistics on a large synthetic store. Prints one JSON object.

- the store is built once (``--data-dir``, default /tmp/retention-bench) and reused;
- each review sample uses a different ``as_of`` date, evenly over the next four years, so each
  finds a different share of the store due (demo last contacts are 0-3 years old: from none to
  most households), and three more seven years on, when every household is due; each statistics
  sample a different period;
- wall and CPU seconds are both reported: on a shared machine the wall time includes waiting for
  a core (the load average is in the output).
- references measured in the same run on the same store: a plain SQLCipher read of every
  card's last contact (what any review must at least read), and a plain read of every household
  record's body (what any statistics run must at least read), with ratios;
- the review as it was before the last-contact path (``review_queue`` over one
  ``HouseholdFacts`` per household, from ``household_facts``), interleaved with the service on
  the same ``as_of`` dates, its answers checked equal, both as CPU and wall seconds.

The review and statistics calls are the services themselves: permission check, profile, reads,
the work, and the audit entry each writes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import timedelta
from typing import Any

from _store import open_store, summary
from sqlalchemy import text

from centre_desk.domain.retention import review_queue
from centre_desk.services.auth import sign_out
from centre_desk.services.profile import profile_of
from centre_desk.services.retention import _all_holds, _years_before, retention_review
from centre_desk.services.statistics import reach_csv_rows, reach_statistics


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", default="/tmp/retention-bench/data")
    p.add_argument("--households", type=int, default=100_000)
    p.add_argument("--samples", type=int, default=12)
    p.add_argument("--compare-samples", type=int, default=40, help="before/after pairs of the review")
    args = p.parse_args()
    out: dict[str, Any] = {"households": args.households}
    session, info = open_store(args.data_dir, args.households)
    out.update(info)
    rng = random.Random()
    today = session.clock.today()

    review_s, due_counts = [], []
    for i in range(args.samples):
        # Spread evenly over the next four years: from nothing due to most of the store.
        as_of = today + timedelta(days=round(i * 4 * 365 / max(1, args.samples - 1)))
        t = time.perf_counter()
        queue = retention_review(session, as_of, within_days=90)
        review_s.append(time.perf_counter() - t)
        due_counts.append(sum(e.review.is_due(as_of) for e in queue))
    out["retention_review_s"] = summary(review_s)
    out["retention_due_counts"] = {"min": min(due_counts), "max": max(due_counts)}
    # The worst case: seven years on, every household is due.
    worst, worst_cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        queue = retention_review(session, today + timedelta(days=7 * 365))
        worst.append(time.perf_counter() - t)
        worst_cpu.append(time.process_time() - c)
    out["retention_review_all_due_s"] = {**summary(worst), "due": len(queue)}
    out["retention_review_all_due_cpu_s"] = summary(worst_cpu)

    # Before and after in the same run: the general path (one HouseholdFacts per household, then
    # review_queue) against the service, alternating, on the same dates; every answer compared.
    org = profile_of(session)
    cut_years = max(r.period_years for r in org.retention)
    before_cpu, after_cpu, before_wall, after_wall = [], [], [], []
    for i in range(args.compare_samples):
        as_of = today + timedelta(days=round(i * 7 * 365 / max(1, args.compare_samples - 1)))
        t, c = time.perf_counter(), time.process_time()
        with session.store.reader() as uow:
            facts = uow.retention.household_facts(contacted_by=_years_before(as_of, cut_years), with_referrals=False)
            holds = _all_holds(org, uow.retention.holds())
        old = review_queue(facts, org.retention, holds, as_of)
        before_wall.append(time.perf_counter() - t)
        before_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        new = retention_review(session, as_of)
        after_wall.append(time.perf_counter() - t)
        after_cpu.append(time.process_time() - c)
        assert new == old, f"different answers as of {as_of}"
    out["review_before_cpu_s"], out["review_after_cpu_s"] = summary(before_cpu), summary(after_cpu)
    out["review_before_wall_s"], out["review_after_wall_s"] = summary(before_wall), summary(after_wall)
    out["ratio_review_after_to_before_cpu"] = round(statistics.median(after_cpu) / statistics.median(before_cpu), 2)

    stats_s, stats_cpu = [], []
    for _ in range(max(3, args.samples // 3)):
        start = today - timedelta(days=rng.randint(90, 3 * 365))
        t, c = time.perf_counter(), time.process_time()
        report = reach_statistics(session, start, today)
        rows = reach_csv_rows(report)
        stats_s.append(time.perf_counter() - t)
        stats_cpu.append(time.process_time() - c)
    out["reach_statistics_s"] = summary(stats_s)
    # CPU seconds of this process (SQLite runs in it too): what the run costs without the waiting
    # for a core that a shared machine adds.
    out["reach_statistics_cpu_s"] = summary(stats_cpu)
    out["reach_csv_cells"] = len(rows)

    ref_cards, ref_bodies = [], []
    for _ in range(3):
        with session.store.reader() as uow:
            raw = uow.session.connection().connection.dbapi_connection
            t = time.perf_counter()
            raw.execute("SELECT household_id, last_contact FROM household_cards").fetchall()
            ref_cards.append(time.perf_counter() - t)
            t = time.perf_counter()
            raw.execute("SELECT body FROM records WHERE kind = 'household'").fetchall()
            ref_bodies.append(time.perf_counter() - t)
            uow.session.execute(text("SELECT 1"))
    out["reference_read_cards_s"] = summary(ref_cards)
    out["reference_read_household_bodies_s"] = summary(ref_bodies)
    out["ratio_review_to_card_read"] = round(statistics.median(review_s) / statistics.median(ref_cards), 2)
    out["ratio_stats_to_body_read"] = round(statistics.median(stats_s) / statistics.median(ref_bodies), 2)
    out["load_average_1min"] = round(os.getloadavg()[0], 1)
    out["under_2s"] = {"review": max(out["retention_review_s"]["p95"], out["retention_review_all_due_s"]["p95"]) < 2,
                       "statistics": out["reach_statistics_s"]["p95"] < 2}
    sign_out(session)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
