"""Sync benchmarks against PostgreSQL on loopback and a real server process. Prints one JSON object.

    python bench/sync.py [--households 100000] [--work-dir /tmp/sync-bench] [--devices 20]

Targets (issue 10): first sync of 100,000 households to a new device < 30 s; pushing 1,000
changed households < 3 s; a sync with nothing to do < 50 ms; 20 devices syncing at once against
two workers, all succeeding, p95 per sync reported.

References measured in the same run:
- ``copy_s``: PostgreSQL ``COPY`` of the same documents (every record of the source store) into
  a table of the same shape — the floor for getting them into the server at all;
- ``local_build_s``: building the same local store without the network — the same pages applied
  through the same code (``uow.sync.apply``: records, search rows, cards) into a fresh store;
- ``round_trip_ms``: one ``GET /health`` on a kept-alive connection (one database read), for the
  no-op sync.

The source store (synthetic households from ``demo-data``, each with a contact) is kept in the
work directory and reused; the PostgreSQL database is created per run and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("CENTRE_DESK_KDF_SECONDS", "0")  # the floor: this measures sync, not Argon2id

import psycopg
from sqlalchemy import text

from centre_desk.domain.clock import SystemClock
from centre_desk.server import admin
from centre_desk.server.db import Database
from centre_desk.services.auth import sign_in, sign_out
from centre_desk.services.demo_data import make_demo_households
from centre_desk.services.setup import CentreDetails, initialise_store
from centre_desk.services.sync import create_enrolled_store, parse_enrolment, sync_now
from centre_desk.sync.client import SyncClient
from centre_desk.wiring import Wiring

PROFILE = "north-somerset-children-centres"
PASSWORD = "purple elephant trombone"
PG = {"host": "127.0.0.1", "port": 5432}


def summary(samples: list[float]) -> dict[str, float | int]:
    return {"p50": round(statistics.median(samples), 2),
            "p95": round(statistics.quantiles(samples, n=20)[-1], 2) if len(samples) > 1 else round(samples[0], 2),
            "n": len(samples)}


def pg_user() -> str:
    for user in ("root", "postgres"):
        try:
            with psycopg.connect(**PG, user=user, dbname="postgres", connect_timeout=5):  # type: ignore[arg-type]
                return user
        except psycopg.OperationalError:
            continue
    raise SystemExit("PostgreSQL is not answering on 127.0.0.1:5432")


def connect(config: dict[str, str], username: str) -> SyncClient:
    return SyncClient(config["server_url"], config["token"], username, timeout=600)


def source_store(work: Path, households: int) -> list[dict[str, Any]]:
    """Every record of a synthetic store, as pulled pages carry them."""
    w = Wiring(work / "source")
    if not w.gate.exists():
        result = initialise_store(w.gate, CentreDetails(PROFILE, "Bench Centre"), "alice", PASSWORD, w.clock,
                                  w.passwords)
        make_demo_households(result.session, households, seed=7)
        sign_out(result.session)
    session = sign_in(w.gate, w.throttle, w.clock, "alice", PASSWORD)
    with session.store.reader() as uow:
        rows = uow.session.execute(text(  # type: ignore[attr-defined]
            "SELECT id, kind, household_id, body, created_by, created_at, updated_by, updated_at, form_id, "
            "form_version FROM records WHERE deleted = 0 ORDER BY CASE kind WHEN 'household' THEN 0 ELSE 1 END, "
            "rowid")).all()
    sign_out(session)
    return [{"seq": i + 1, "record_id": r[0], "kind": r[1], "household_id": r[2], "deleted": False,
             "body": json.loads(r[3]),
             "envelope": {"created_by": r[4], "created_at": r[5], "updated_by": r[6], "updated_at": r[7],
                          "form_id": r[8], "form_version": r[9]}} for i, r in enumerate(rows)]


def seed_server(url: str, org_id: str, docs: list[dict[str, Any]], first_seq: int) -> float:
    """Put the documents into ``server_records`` with COPY; returns the seconds a plain COPY of the
    same documents into a scratch table took (the reference)."""
    conninfo = url.replace("postgresql://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=False) as conn:
        conn.execute("CREATE TEMP TABLE copy_ref (id text, kind text, household_id text, seq bigint, "
                     "envelope jsonb, body jsonb)")
        t = time.perf_counter()
        with conn.cursor().copy("COPY copy_ref (id, kind, household_id, seq, envelope, body) FROM STDIN") as cp:
            for i, d in enumerate(docs):
                cp.write_row((d["record_id"], d["kind"], d["household_id"], first_seq + i,
                              json.dumps(d["envelope"]), json.dumps(d["body"])))
        conn.commit()
        copy_s = time.perf_counter() - t
        with conn.cursor().copy("COPY server_records (org_id, id, kind, household_id, seq, deleted, envelope, body, "
                                "stamps) FROM STDIN") as cp:
            for i, d in enumerate(docs):
                cp.write_row((org_id, d["record_id"], d["kind"], d["household_id"], first_seq + i, False,
                              json.dumps(d["envelope"]), json.dumps(d["body"]), "{}"))
        conn.execute("SELECT setval('change_log_seq', %s)", (first_seq + len(docs),))
        conn.commit()
    return copy_s


def enrol_device(db: Database, url: str, org_id: str, username: str, path: Path) -> Any:
    code, _ = admin.issue_code(db, SystemClock(), org_id, None)
    w = Wiring(path)
    answer = SyncClient(url).enrol(code, username, PASSWORD)
    session, _key = create_enrolled_store(w.gate, w.clock, url, parse_enrolment(answer), PASSWORD)
    return session


def serve(db_url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = log.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "centre_desk.server", "serve", "--db", db_url, "--port", str(port),
                             "--workers", str(workers)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            import urllib.request

            with urllib.request.urlopen(url + "/health", timeout=2) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _device_worker(args: tuple[str, str, float]) -> dict[str, Any]:
    path, username, start_at = args
    w = Wiring(Path(path))
    session = sign_in(w.gate, w.throttle, w.clock, username, PASSWORD)
    time.sleep(max(0.0, start_at - time.time()))
    t = time.perf_counter()
    try:
        result = sync_now(session, connect)
        ok, pushed = True, result.pushed
    except Exception as exc:
        ok, pushed = False, type(exc).__name__
    ms = (time.perf_counter() - t) * 1000
    sign_out(session)
    return {"ok": ok, "ms": ms, "pushed": pushed}


def edit_households(session: Any, count: int, rng: random.Random) -> int:
    """Change a field of ``count`` random households in one transaction (the outbox triggers capture it)."""
    with session.store.unit_of_work() as uow:
        ids = [r[0] for r in uow.session.execute(text("SELECT id FROM records WHERE kind = 'household'")).all()]
        chosen = rng.sample(ids, count)
        for hid in chosen:
            uow.session.execute(text("UPDATE records SET body = json_set(body, '$.fields.address_line2', :v), "
                                     "version = version + 1 WHERE id = :id"),
                                {"v": f"Flat {rng.randrange(1, 10**6)}", "id": hid})
        uow.commit()
    return len(chosen)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--work-dir", default="/tmp/sync-bench")
    ap.add_argument("--devices", type=int, default=20)
    ap.add_argument("--small-households", type=int, default=1000)
    args = ap.parse_args()
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    run_dir = work / f"run-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir()
    out: dict[str, Any] = {"households": args.households}
    rng = random.Random()

    t = time.perf_counter()
    docs = source_store(work, args.households)
    out["records"] = len(docs)
    out["source_s"] = round(time.perf_counter() - t, 1)

    user = pg_user()
    name = f"cd_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**PG, user=user, dbname="postgres", autocommit=True) as c:  # type: ignore[arg-type]
        c.execute(f'CREATE DATABASE "{name}"')
    db_url = f"postgresql://{user}@127.0.0.1:5432/{name}"
    proc = None
    try:
        db = Database(db_url)
        db.upgrade()
        clock = SystemClock()
        org = admin.add_org(db, clock, PROFILE, "Bench organisation")
        small = admin.add_org(db, clock, PROFILE, "Bench small organisation")
        for org_id in (org, small):
            admin.add_staff(db, clock, org_id, "alice", "manager", PASSWORD)
        out["copy_s"] = round(seed_server(db_url, org, docs, 1), 2)
        households = [d for d in docs if d["kind"] == "household"][: args.small_households]
        small_docs = households + [d for d in docs if d["kind"] == "contact"
                                   and d["household_id"] in {h["record_id"] for h in households}]
        seed_server(db_url, small, small_docs, len(docs) + 1)
        proc, url = serve(db_url, 2, run_dir / "serve.log")

        # Reference: the same pages applied to a fresh local store without the network.
        w = Wiring(run_dir / "reference")
        ref = initialise_store(w.gate, CentreDetails(PROFILE, "Reference"), "alice", PASSWORD, w.clock, w.passwords)
        t = time.perf_counter()
        for i in range(0, len(docs), 1000):
            page = docs[i:i + 1000]
            with ref.session.store.unit_of_work() as uow:
                uow.sync.apply(page, page[-1]["seq"])
                uow.commit()
        out["local_build_s"] = round(time.perf_counter() - t, 2)
        sign_out(ref.session)

        # First sync of a new device.
        session = enrol_device(db, url, org, "alice", run_dir / "fresh")
        t = time.perf_counter()
        first = sync_now(session, connect)
        out["first_sync_s"] = round(time.perf_counter() - t, 2)
        with session.store.reader() as uow:
            out["first_sync_households"], device_digest = uow.sync.digest()
        from centre_desk.server.sync import org_digest

        out["first_sync_digest_matches_server"] = org_digest(db, org)[1] == device_digest
        out["first_sync_pulled"] = first.pulled
        out["first_sync_ratio_to_local_build"] = round(out["first_sync_s"] / out["local_build_s"], 2)
        out["first_sync_ratio_to_copy"] = round(out["first_sync_s"] / out["copy_s"], 2)

        # No-op syncs, and one empty pull round trip as the reference.
        noop = []
        for _ in range(40):
            t = time.perf_counter()
            r = sync_now(session, connect)
            noop.append((time.perf_counter() - t) * 1000)
            assert r.pulled <= 1 and r.pushed == 0, r
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port)
        trips = []
        for _ in range(40):
            t = time.perf_counter()
            conn.request("GET", "/health")
            conn.getresponse().read()
            trips.append((time.perf_counter() - t) * 1000)
        conn.close()
        out["noop_sync_ms"] = summary(noop[5:])
        out["round_trip_ms"] = summary(trips[5:])

        # Push 1,000 changed households (the sync also pulls them back).
        changed = edit_households(session, 1000, rng)
        stages: dict[str, float] = {}
        t = time.perf_counter()

        def progress(stage: str, _done: int, _total: int) -> None:
            stages[stage] = time.perf_counter() - t  # the last push batch marked done: the push half

        pushed = sync_now(session, connect, progress)
        total = time.perf_counter() - t
        out["push_1000"] = {"changed": changed, "pushed": pushed.pushed, "conflicts": pushed.conflicts,
                            "sync_s": round(total, 2),
                            "push_s": round(stages.get("push", total), 2)}
        with session.store.reader() as uow:
            out["push_1000"]["digest_matches_server"] = org_digest(db, org)[1] == uow.sync.digest()[1]
        sign_out(session)

        # 20 devices at once, two workers: each first-synced on the small organisation, each with edits.
        paths = []
        for i in range(args.devices):
            s = enrol_device(db, url, small, "alice", run_dir / f"dev{i}")
            sync_now(s, connect)
            edit_households(s, 10, rng)
            sign_out(s)
            paths.append(str(run_dir / f"dev{i}"))
        start_at = time.time() + 5 + args.devices * 0.3
        with multiprocessing.get_context("spawn").Pool(args.devices) as pool:
            results = pool.map(_device_worker, [(p, "alice", start_at) for p in paths])
        out["devices_at_once"] = {"devices": args.devices, "workers": 2,
                                  "succeeded": sum(1 for r in results if r["ok"]),
                                  "sync_ms": summary([r["ms"] for r in results])}
        out["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        with psycopg.connect(**PG, user=user, dbname="postgres", autocommit=True) as c:  # type: ignore[arg-type]
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
