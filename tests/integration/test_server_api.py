"""A real ``centre-desk-server serve`` process on a free loopback port, on PostgreSQL and SQLite:
health, the OpenAPI document, enrolment, whoami, revocation, tenancy, back-off, and its logs."""

from __future__ import annotations

import hashlib
import json
import ssl
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from centre_desk.server.migrations import HEAD

from .server_harness import (
    GOOD_PASSWORD,
    NOW,
    OTHER_PASSWORD,
    OTHER_PROFILE,
    db_url_fixture,  # noqa: F401 - the db_url fixture
    init,
    ok,
    run,
    serving,
    value,
)


def _code(db: str, org: str, at=NOW) -> str:  # type: ignore[no-untyped-def]
    return value(ok(run(db, "enrolment-code", "--org", org, now=at)), "Enrolment code")


def _staff(db: str, org: str, username: str, password: str = GOOD_PASSWORD, role: str = "outreach") -> None:
    ok(run(db, "staff", "add", username, "--role", role, "--org", org, new_password=password))


def _enrol(client: httpx.Client, code: str, username: str, password: str) -> httpx.Response:
    return client.post("/v1/enrol", json={"code": code, "username": username, "password": password})


def _who(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})


def test_health_and_openapi(db_url: str, tmp_path: Path) -> None:
    init(db_url)
    with serving(db_url, tmp_path) as server, server.client() as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok" and health.json()["schema_revision"] == HEAD
        assert set(health.json()) == {"status", "schema_revision", "version"}
        spec = client.get("/openapi.json").json()
        assert {"/health", "/v1/enrol", "/v1/whoami"} <= set(spec["paths"])
        assert "post" in spec["paths"]["/v1/enrol"] and "get" in spec["paths"]["/v1/whoami"]
        assert any(s.get("type") == "http" and s.get("scheme") == "bearer"
                   for s in spec["components"]["securitySchemes"].values())


def test_enrol_whoami_revoke_and_one_time_codes_with_nothing_secret_in_the_logs(db_url: str, tmp_path: Path) -> None:
    org = init(db_url)
    _staff(db_url, org, "Dana")
    _staff(db_url, org, "eli", OTHER_PASSWORD)
    code = _code(db_url, org)
    expired = _code(db_url, org, at=NOW - timedelta(hours=24, seconds=1))
    nearly = _code(db_url, org, at=NOW - timedelta(hours=23, minutes=59))
    with serving(db_url, tmp_path) as server, server.client() as client:
        wrong = _enrol(client, code, "dana", "not the password at all")
        unknown = _enrol(client, code, "nobody", "not the password at all")
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json() == {"error": "sign-in-failed",
                                                  "message": "the username or password is wrong"}

        done = _enrol(client, code.lower().replace("-", " "), "DANA", GOOD_PASSWORD)
        assert done.status_code == 201, done.text
        device, token = done.json()["device_id"], done.json()["device_token"]
        assert done.json()["organisation_id"] == org

        reused = _enrol(client, code, "eli", OTHER_PASSWORD)
        assert reused.status_code == 403 and reused.json()["error"] == "code-used"
        late = _enrol(client, expired, "eli", OTHER_PASSWORD)
        assert late.status_code == 403 and late.json()["error"] == "code-expired"
        mistyped = _enrol(client, nearly[:3] + ("A" if nearly[3] != "A" else "B") + nearly[4:], "eli", OTHER_PASSWORD)
        assert mistyped.status_code == 400 and mistyped.json()["error"] == "code-invalid"
        second = _enrol(client, nearly, "eli", OTHER_PASSWORD)
        assert second.status_code == 201, second.text
        other_token = second.json()["device_token"]

        me = _who(client, token)
        assert me.status_code == 200
        assert me.json()["device_id"] == device and me.json()["organisation_id"] == org
        assert client.get("/v1/whoami").json()["error"] == "token-missing"
        assert _who(client, "cdt_" + "x" * 43).status_code == 401

        listed = [json.loads(line) for line in ok(run(db_url, "device", "list", "--org", org, "--json")).splitlines()]
        assert {(d["device_id"], d["status"], d["enrolled_by"]) for d in listed} >= {(device, "active", "Dana")}
        ok(run(db_url, "device", "revoke", device))
        refused = _who(client, token)
        assert refused.status_code == 403 and refused.json()["error"] == "device-revoked"
        assert _who(client, other_token).status_code == 200  # only that device
        again = run(db_url, "device", "revoke", device)
        assert again.returncode == 1 and "already revoked" in again.stderr
        listed = {d["device_id"]: d for d in
                  (json.loads(line) for line in ok(run(db_url, "device", "list", "--org", org, "--json")).splitlines())}
        assert listed[device]["status"] == "revoked" and listed[device]["revoked_at"]

        # A disabled member cannot enrol another device, even with the right password.
        ok(run(db_url, "staff", "disable", "eli", "--org", org))
        blocked = _enrol(client, _code(db_url, org), "eli", OTHER_PASSWORD)
        assert blocked.status_code == 403 and blocked.json()["error"] == "member-disabled"
        # FastAPI's own answer to a malformed body would echo the input; ours does not.
        bad = client.post("/v1/enrol", json={"code": code, "password": GOOD_PASSWORD})
        assert bad.status_code == 422 and bad.json()["error"] == "invalid-request"
        assert GOOD_PASSWORD not in bad.text and "username" in bad.json()["message"]
    log = server.log()
    assert "POST /v1/enrol" in log  # the log was captured
    for secret in (GOOD_PASSWORD, OTHER_PASSWORD, "not the password at all", token, other_token, code,
                   code.replace("-", ""), nearly, expired):
        assert secret not in log
    assert "dana" not in log.lower()
    verified = ok(run(db_url, "audit", "verify"))
    assert "intact" in verified


def test_two_organisations_never_see_each_others_staff_or_devices(db_url: str, tmp_path: Path) -> None:
    org_a = init(db_url)
    org_b = value(ok(run(db_url, "org", "add", "--profile", OTHER_PROFILE)), "Organisation")
    _staff(db_url, org_a, "sam", GOOD_PASSWORD)
    _staff(db_url, org_b, "sam", OTHER_PASSWORD)  # the same username in another organisation
    _staff(db_url, org_b, "only-b", OTHER_PASSWORD)
    with serving(db_url, tmp_path) as server, server.client() as client:
        # A's code with B's member's password is not a sign-in to B.
        crossed = _enrol(client, _code(db_url, org_a), "sam", OTHER_PASSWORD)
        assert crossed.status_code == 401
        crossed = _enrol(client, _code(db_url, org_a), "only-b", OTHER_PASSWORD)
        assert crossed.status_code == 401
        a = _enrol(client, _code(db_url, org_a), "sam", GOOD_PASSWORD).json()
        b = _enrol(client, _code(db_url, org_b), "sam", OTHER_PASSWORD).json()
        assert a["organisation_id"] == org_a and b["organisation_id"] == org_b
        assert _who(client, a["device_token"]).json()["organisation_id"] == org_a
        assert _who(client, b["device_token"]).json()["organisation_id"] == org_b

    def listing(kind: str, org: str) -> list[dict[str, object]]:
        return [json.loads(line) for line in ok(run(db_url, kind, "list", "--org", org, "--json")).splitlines()]

    assert [d["device_id"] for d in listing("device", org_a)] == [a["device_id"]]
    assert [d["device_id"] for d in listing("device", org_b)] == [b["device_id"]]
    assert [s["username"] for s in listing("staff", org_a)] == ["sam"]
    assert sorted(str(s["username"]) for s in listing("staff", org_b)) == ["only-b", "sam"]
    disabled_in_b = run(db_url, "staff", "disable", "only-b", "--org", org_a)
    assert disabled_in_b.returncode == 1 and "no member of staff" in disabled_in_b.stderr
    verified = ok(run(db_url, "audit", "verify"))
    assert f"organisation {org_a}, server chain" in verified and f"organisation {org_b}, server chain" in verified


def test_password_attempts_back_off_per_username_and_survive_a_restart(db_url: str, tmp_path: Path) -> None:
    org = init(db_url)
    _staff(db_url, org, "fay")
    _staff(db_url, org, "gus")
    code = _code(db_url, org)
    with serving(db_url, tmp_path) as server, server.client() as client:
        for _ in range(5):
            assert _enrol(client, code, "fay", "a wrong guess of a password").status_code == 401
        throttled = _enrol(client, code, "FAY", GOOD_PASSWORD)
        assert throttled.status_code == 429 and throttled.json()["error"] == "too-many-attempts"
        assert throttled.headers["Retry-After"] == "30"
    # A restarted server (another process) reads the same count from the database.
    with serving(db_url, tmp_path / "again", now=NOW + timedelta(seconds=10)) as server, server.client() as client:
        still = _enrol(client, code, "fay", GOOD_PASSWORD)
        assert still.status_code == 429 and still.headers["Retry-After"] == "20"
        assert _enrol(client, code, "gus", GOOD_PASSWORD).status_code == 201  # another username is not held up
    with serving(db_url, tmp_path / "later", now=NOW + timedelta(seconds=31)) as server, server.client() as client:
        # The code was used by gus; fay's wait is over, so the answer is about the code now.
        assert _enrol(client, code, "fay", GOOD_PASSWORD).json()["error"] == "code-used"
        assert _enrol(client, _code(db_url, org, NOW + timedelta(seconds=31)), "fay", GOOD_PASSWORD).status_code == 201


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_tls_serve_and_the_code_carries_the_certificate_fingerprint(tmp_path: Path) -> None:
    from centre_desk.server.codes import parse_code

    db = f"sqlite:///{tmp_path / 'server.db'}"
    org = init(db)
    _staff(db, org, "hal")
    cert, key = _self_signed(tmp_path)
    code = value(ok(run(db, "enrolment-code", "--org", org, "--tls-cert", str(cert))), "Enrolment code")
    pinned = parse_code(code).fingerprint
    assert pinned is not None
    with serving(db, tmp_path / "logs", "--tls-cert", str(cert), "--tls-key", str(key), scheme="https",
                 verify=False) as server:
        host, port = server.url.removeprefix("https://").split(":")
        served = ssl.get_server_certificate((host, int(port)))
        # What a device pins: the certificate the server actually presents.
        assert hashlib.sha256(ssl.PEM_cert_to_DER_cert(served)).hexdigest() == pinned
        with server.client(verify=False) as client:
            assert _enrol(client, code, "hal", GOOD_PASSWORD).status_code == 201
        with pytest.raises(httpx.HTTPError):
            httpx.get(server.url.replace("https://", "http://") + "/health", timeout=5)


def test_one_code_enrols_one_device_when_two_workers_race_for_it(db_url: str, tmp_path: Path) -> None:
    import threading

    org = init(db_url)
    names = ["jo", "kay", "lee", "max"]
    for name in names:
        _staff(db_url, org, name)
    code = _code(db_url, org)
    answers: dict[str, httpx.Response] = {}
    with serving(db_url, tmp_path, "--workers", "2") as server:
        start = threading.Barrier(len(names))

        def attempt(name: str) -> None:
            with server.client() as client:
                start.wait()
                answers[name] = _enrol(client, code, name, GOOD_PASSWORD)

        threads = [threading.Thread(target=attempt, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    statuses = sorted(r.status_code for r in answers.values())
    assert statuses == [201, 403, 403, 403], {n: r.text for n, r in answers.items()}
    assert {r.json()["error"] for r in answers.values() if r.status_code == 403} == {"code-used"}
    devices = ok(run(db_url, "device", "list", "--org", org, "--json")).splitlines()
    assert len(devices) == 1


def test_a_lost_database_is_a_503_with_no_details(tmp_path: Path) -> None:
    import psycopg

    from .server_harness import PG_HOST, PG_PORT, postgres_database

    with postgres_database() as url:
        org = init(url)
        _staff(url, org, "nia")
        code = _code(url, org)
        name, user = url.rsplit("/", 1)[1], url.split("//", 1)[1].split("@", 1)[0]
        with serving(url, tmp_path) as server, server.client() as client:
            with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            health = client.get("/health")
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
            enrol = _enrol(client, code, "nia", GOOD_PASSWORD)
            assert enrol.status_code == 503 and enrol.json()["error"] == "database-unavailable"
            assert name not in enrol.text and name not in health.text
        log = server.log()
        assert "database unavailable during POST /v1/enrol" in log
        assert GOOD_PASSWORD not in log and code not in log and "Traceback" not in log
