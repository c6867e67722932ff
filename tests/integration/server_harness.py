"""Shared by the ``test_server_*`` tests: a fresh database per test (a real PostgreSQL database,
created and dropped, or an SQLite file), the ``centre-desk-server`` command as a real process, and
a real ``serve`` process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.cli_runner import run_module

PG_HOST, PG_PORT = "127.0.0.1", 5432
PROFILE = "north-somerset-children-centres"
OTHER_PROFILE = "somerset-childrens-services"
GOOD_PASSWORD = "purple elephant trombone"
OTHER_PASSWORD = "violet walrus accordion"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _pg_admin_user() -> str:
    import psycopg

    problems = []
    for user in ("root", "postgres"):
        try:
            with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", connect_timeout=5):
                return user
        except psycopg.OperationalError as exc:
            problems.append(f"{user}: {str(exc).strip().splitlines()[0]}")
    # Not a skip: CI starts PostgreSQL (.ci/run), so a silent skip would hide a broken server.
    pytest.fail(f"PostgreSQL is not answering on {PG_HOST}:{PG_PORT} ({'; '.join(problems)})")


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    user = _pg_admin_user()
    name = f"cd_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"], name="db_url")
def db_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
    else:
        with postgres_database() as url:
            yield url


def run(db: str | None, *args: str, new_password: str | None = None, now: datetime | None = NOW,
        stdin: str | None = None, env_db: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")}
    if new_password is not None:
        env["CENTRE_DESK_NEW_PASSWORD"] = new_password
    if now is not None:
        env["CENTRE_DESK_SERVER_FAKE_NOW"] = now.isoformat()
    db_args: list[str] = []
    if db is not None and env_db:
        env["CENTRE_DESK_SERVER_DB"] = db
    elif db is not None:
        db_args = ["--db", db]
    # --db before the command: the top-level option; the tests of placement give it after.
    return run_module([sys.executable, "-m", "centre_desk.server", *db_args, *args], env, stdin=stdin or "")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def value(output: str, label: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(f"{label}: ")]
    assert len(lines) == 1, output
    return lines[0].removeprefix(f"{label}: ")


def init(db: str, profile: str = PROFILE) -> str:
    return value(ok(run(db, "init-db", "--profile", profile)), "Organisation")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log_file: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(db: str, log_dir: Path, *extra: str, now: datetime | None = NOW, scheme: str = "http",
            verify: bool = True, port: int | None = None) -> Iterator[Served]:
    port = port or free_port()  # a given port: a restart where the devices already point
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRE_DESK_")}
    if now is not None:
        env["CENTRE_DESK_SERVER_FAKE_NOW"] = now.isoformat()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"serve-{port}-{time.monotonic_ns()}.log"  # a restart keeps the first log
    with log_file.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "centre_desk.server", "serve", "--db", db,
                                 "--port", str(port), *extra], stdout=out, stderr=subprocess.STDOUT, env=env)
    served = Served(f"{scheme}://127.0.0.1:{port}", proc, log_file)
    try:
        deadline = time.monotonic() + 180  # a loaded shared machine takes a while to import the app
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited with {proc.returncode}: {served.log()}")
            try:
                if httpx.get(served.url + "/health", timeout=2, verify=verify).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"serve did not answer within 180 s: {served.log()}")
            time.sleep(0.2)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
