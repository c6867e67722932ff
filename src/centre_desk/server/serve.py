"""``serve``: uvicorn over the API, HTTPS unless the server only listens on this machine."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from centre_desk.domain.errors import ValidationFailed

from .config import DB_ENV
from .db import Database

MAX_WORKERS = 64


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_options(host: str, port: int, workers: int, cert: str | None, key: str | None) -> None:
    if not 1 <= port <= 65535:
        raise ValidationFailed.one("--port", "must be between 1 and 65535")
    if not 1 <= workers <= MAX_WORKERS:
        raise ValidationFailed.one("--workers", f"must be between 1 and {MAX_WORKERS}")
    if bool(cert) != bool(key):
        raise ValidationFailed.one("--tls-cert/--tls-key", "give both the certificate and its key, or neither")
    for option, value in (("--tls-cert", cert), ("--tls-key", key)):
        if value and not Path(value).is_file():
            raise ValidationFailed.one(option, "no such file")
    if not cert and not is_loopback(host):
        raise ValidationFailed.one("--host", "plain HTTP is only allowed on a loopback address (127.0.0.1, ::1); "
                                   "give --tls-cert and --tls-key to listen on the network")


def serve(db: Database, host: str, port: int, workers: int, cert: str | None, key: str | None) -> int:
    import uvicorn

    check_options(host, port, workers, cert, key)
    db.dispose()  # the workers open their own connections
    # Workers are fresh processes that build the app from the environment (api.app_from_env).
    os.environ[DB_ENV] = db.url
    scheme = "https" if cert else "http"
    print(f"Serving on {scheme}://{host}:{port} with {workers} worker(s), database {db.shown}", flush=True)
    uvicorn.run("centre_desk.server.api:app_from_env", factory=True, host=host, port=port, workers=workers,
                ssl_certfile=cert, ssl_keyfile=key, server_header=False, log_level="info")
    return 0
