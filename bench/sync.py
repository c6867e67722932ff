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

The documents (synthetic households made as ``demo-data`` makes them, each with a contact, turned
into records by the store's own bulk-add functions: ``source_documents``) are cached in the work
directory and reused; they go into ``server_records`` with COPY. The PostgreSQL database is
created per run and dropped at the end. Load averages are printed beside the figures.
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
from centre_desk.services.households import search_households
from centre_desk.services.setup import CentreDetails, initialise_store
from centre_desk.services.sync import PULL_PAGE, create_enrolled_store, parse_enrolment, sync_now
from centre_desk.sync.client import SyncClient
from centre_desk.wiring import Wiring

PROFILE = "north-somerset-children-centres"
PASSWORD = "purple elephant trombone"
PG = {"host": "127.0.0.1", "port": 5432}
NOOP_SAMPLES = 200


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


def _document(row: dict[str, Any]) -> dict[str, Any]:
    return {"record_id": row["id"], "kind": row["kind"], "household_id": row["household_id"], "deleted": False,
            "body": json.loads(row["body"]),
            "envelope": {"created_by": row["created_by"], "created_at": row["created_at"],
                         "updated_by": row["updated_by"], "updated_at": row["updated_at"],
                         "form_id": row["form_id"], "form_version": row["form_version"]}}


def source_documents(work: Path, households: int) -> list[dict[str, Any]]:
    """``households`` synthetic households, each with a contact, as the server holds and serves them.

    Made as ``demo-data`` makes them (the same generator, each checked against the membership
    form, ``build_household``) and turned into records by the same functions the store's bulk
    add uses (``household_rows``/``contact_rows``), so the documents are exactly what a device
    that registered them would push; without building a source store (which took longer than
    the sync being measured). Each household is followed by its contact, as registrations
    arrive. Cached in the work directory as JSON lines and reused."""
    cache = work / f"documents-{households}.jsonl"
    if cache.exists():
        with cache.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    from centre_desk.formspec.submission import validate_submission
    from centre_desk.services.demo_data import DemoGenerator
    from centre_desk.services.households import CONTACT_TYPES, MEMBERSHIP, build_household
    from centre_desk.services.profile import form
    from centre_desk.storage.households import contact_rows, household_rows

    clock = SystemClock()
    today, now = clock.today(), clock.now()
    definition = form(MEMBERSHIP)
    gen = DemoGenerator(7, today)
    actor = str(uuid.uuid4())
    docs: list[dict[str, Any]] = []
    for batch in gen.batches(households):
        made = []
        contacts = []
        for data, last_contact in batch:
            h = build_household(validate_submission(definition, data, today=today), now)
            made.append(h)
            contacts.append((h.id, last_contact, gen.rng.choice(CONTACT_TYPES)))
        for hrow, crow in zip(household_rows(made, actor, synthetic=True), contact_rows(contacts, actor, now),
                              strict=True):
            docs += [_document(hrow), _document(crow)]
    for i, d in enumerate(docs):
        d["seq"] = i + 1
    tmp = cache.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    tmp.replace(cache)
    return docs


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
    deadline = time.monotonic() + 300  # a loaded shared machine can take minutes to start it
    while time.monotonic() < deadline:
        try:
            import urllib.request

            with urllib.request.urlopen(url + "/health", timeout=2) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    proc.wait(timeout=30)
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
    docs = source_documents(work, args.households)
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
        with ref.session.store.unit_of_work() as uow:
            uow.sync.begin_full_pull()
            uow.commit()
        for i in range(0, len(docs), PULL_PAGE):
            page = docs[i:i + PULL_PAGE]
            with ref.session.store.unit_of_work() as uow:
                uow.sync.apply(page, page[-1]["seq"])
                if i + PULL_PAGE >= len(docs):
                    uow.sync.finish_full_pull()
                uow.commit()
        out["local_build_s"] = round(time.perf_counter() - t, 2)
        with ref.session.store.reader() as uow:
            out["local_build_households"] = uow.sync.digest()[0]
        sign_out(ref.session)
        out["load_average_before_first_sync"] = round(os.getloadavg()[0], 1)

        # First sync of a new device: ``enrol`` on an empty data directory, end to end (the
        # enrolment request, the store created, every page pulled and applied).
        code, _ = admin.issue_code(db, SystemClock(), org, None)
        w = Wiring(run_dir / "fresh")
        t = time.perf_counter()
        answer = SyncClient(url).enrol(code, "alice", PASSWORD)
        session, _key = create_enrolled_store(w.gate, w.clock, url, parse_enrolment(answer), PASSWORD)
        first = sync_now(session, connect)
        out["first_sync_s"] = round(time.perf_counter() - t, 2)
        out["load_average_after_first_sync"] = round(os.getloadavg()[0], 1)
        person = docs[0]["body"]["members"][0]["fields"]
        query = " ".join(str(person.get(k) or "") for k in ("first_name", "last_name", "date_of_birth"))
        search = search_households(session, query)
        out["first_sync_search_finds_first_household"] = any(h.household_id == docs[0]["record_id"] for h in search)
        with session.store.reader() as uow:
            out["first_sync_households"], device_digest = uow.sync.digest()
        from centre_desk.server.sync import org_digest

        out["first_sync_digest_matches_server"] = org_digest(db, org)[1] == device_digest
        out["first_sync_pulled"] = first.pulled
        out["first_sync_ratio_to_local_build"] = round(out["first_sync_s"] / out["local_build_s"], 2)
        out["first_sync_ratio_to_copy"] = round(out["first_sync_s"] / out["copy_s"], 2)

        print(json.dumps(out), file=sys.stderr, flush=True)  # the figures so far, should a later phase fail

        # No-op syncs, each followed by one /health round trip on a kept-alive connection (the
        # reference), interleaved so both see the same load; 5 warm-up pairs, then NOOP_SAMPLES.
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port)
        noop, trips = [], []
        moved = 0
        for _ in range(5 + NOOP_SAMPLES):
            t = time.perf_counter()
            r = sync_now(session, connect)
            noop.append((time.perf_counter() - t) * 1000)
            moved = max(moved, r.pulled + r.pushed)
            t = time.perf_counter()
            conn.request("GET", "/health")
            conn.getresponse().read()
            trips.append((time.perf_counter() - t) * 1000)
        conn.close()
        out["noop_sync_ms"] = summary(noop[5:])
        out["round_trip_ms"] = summary(trips[5:])
        out["noop_most_records_moved"] = moved  # 0: every one of them had nothing to do
        out["noop_ratio_p50"] = round(out["noop_sync_ms"]["p50"] / out["round_trip_ms"]["p50"], 2)

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
        out["load_average_end"] = round(os.getloadavg()[0], 1)
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
