"""The HTTP interface (FastAPI). Its OpenAPI document is served at ``/openapi.json``.

Errors are JSON ``{"error": CODE, "message": TEXT}`` with a stable CODE a device can act on
(``device-revoked`` means wipe the local store). Nothing a client sent is echoed back or logged:
FastAPI's own validation answer repeats the input (a password, a code), so it is replaced, and an
unexpected exception is answered with ``server-error`` and logged by its type name only.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from centre_desk import __version__
from centre_desk.domain.clock import Clock

from . import enrolment
from .db import Database, DatabaseError
from .enrolment import Refused

log = logging.getLogger("centre_desk.server")


class ErrorBody(BaseModel):
    error: str = Field(description="stable machine-readable code, e.g. device-revoked")
    message: str


class Health(BaseModel):
    status: str
    schema_revision: str | None = Field(description="the database's Alembic revision")
    version: str


class EnrolRequest(BaseModel):
    code: str = Field(min_length=1, max_length=200, description="the enrolment code, dashes optional")
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class EnrolResponse(BaseModel):
    device_id: str
    device_token: str = Field(description="returned once; the server keeps only its digest")
    organisation_id: str


class WhoAmI(BaseModel):
    device_id: str
    organisation_id: str
    organisation_name: str


def _error(status: int, code: str, message: str, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 422, 429)
}


def create_app(db: Database, clock: Clock) -> FastAPI:
    app = FastAPI(title="Centre Desk server", version=__version__,
                  description="Central store for Centre Desk devices: enrolment now, sync next.")
    bearer = HTTPBearer(auto_error=False, description="the device token from POST /v1/enrol")

    @app.middleware("http")
    async def _contain(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            return await call_next(request)
        except DatabaseError:
            log.error("database unavailable during %s %s", request.method, request.url.path)
            return _error(503, "database-unavailable", "the server's database is not answering")
        except Exception as exc:
            log.error("unexpected %s during %s %s", type(exc).__name__, request.method, request.url.path)
            return _error(500, "server-error", "the server failed; the error has been logged")

    @app.exception_handler(Refused)
    async def _refused(_request: Request, exc: Refused) -> JSONResponse:
        return _error(exc.status, exc.code, str(exc), exc.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [".".join(str(p) for p in err.get("loc", ()) if p != "body") + ": " + str(err.get("msg", ""))
                    for err in exc.errors()]
        return _error(422, "invalid-request", "; ".join(problems) or "the request is not valid")

    @app.get("/health", response_model=Health, responses={503: {"model": Health}})
    def health() -> Health | JSONResponse:
        try:
            revision = db.revision()
        except DatabaseError:
            return JSONResponse(Health(status="unavailable", schema_revision=None, version=__version__).model_dump(),
                                status_code=503)
        return Health(status="ok", schema_revision=revision, version=__version__)

    @app.post("/v1/enrol", response_model=EnrolResponse, status_code=201, responses=ERRORS)
    def enrol(body: EnrolRequest) -> EnrolResponse:
        done = enrolment.enrol(db, clock, body.code, body.username, body.password)
        return EnrolResponse(device_id=done.device_id, device_token=done.token, organisation_id=done.org_id)

    @app.get("/v1/whoami", response_model=WhoAmI, responses=ERRORS)
    def whoami(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> WhoAmI:
        who = enrolment.identify(db, clock, credentials.credentials if credentials else None)
        return WhoAmI(device_id=who.device_id, organisation_id=who.org_id, organisation_name=who.org_name)

    return app


def app_from_env() -> FastAPI:
    """uvicorn's factory: each worker process builds its own engine from the environment."""
    from .config import clock_from_env, resolve_db_url

    db = Database(resolve_db_url(None))
    db.require_current()
    return create_app(db, clock_from_env())
