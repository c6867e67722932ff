"""The HTTP interface (FastAPI). Its OpenAPI document is served at ``/openapi.json``.

Errors are JSON ``{"error": CODE, "message": TEXT}`` with a stable CODE a device can act on
(``device-revoked`` means wipe the local store). Nothing a client sent is echoed back or logged:
FastAPI's own validation answer repeats the input (a password, a code), so it is replaced, and an
unexpected exception is answered with ``server-error`` and logged by its type name only.
"""

import logging
import math
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from centre_desk import __version__
from centre_desk.domain.audit import DETAIL_MAX
from centre_desk.domain.clock import Clock

from . import enrolment, escrow, sync
from .db import Database, DatabaseError
from .enrolment import Refused

log = logging.getLogger("centre_desk.server")

BIGINT = 2**63 - 1  # seqs and cursors are PostgreSQL bigint
AUDIT_SEQ_MAX = 2**31 - 1  # device_audit.seq is an integer column


def _storable(value: Any, where: str) -> None:
    """PostgreSQL text and jsonb cannot hold U+0000, and JSON has no NaN or infinity (Python's
    parser accepts them): refuse such a request with a 422 naming the field, not a 503 from the
    database. Only the field's place is named, never what was sent (a dict key is input too)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Refused(422, "invalid-request", f"{where}: a text value contains a NUL character")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Refused(422, "invalid-request", f"{where}: a number is not finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key, where)
            _storable(item, where)
    elif isinstance(value, list):
        for item in value:
            _storable(item, where)


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
    organisation_name: str = ""
    profile_id: str = ""
    member_id: str = Field("", description="the enrolling member's staff id")
    member_username: str = ""
    member_role: str = ""
    member_credentials_at: str = Field("", description="changes with each password change on the server")


class EscrowIn(BaseModel):
    generation: int = Field(ge=0, le=AUDIT_SEQ_MAX, description="the device key's generation (re-encryptions)")
    nonce: str = Field(min_length=16, max_length=16, pattern=r"^[A-Za-z0-9+/=]+$")
    ct: str = Field(min_length=64, max_length=64, pattern=r"^[A-Za-z0-9+/=]+$",
                    description="the database key sealed under a key only the device can derive")
    release_hash: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]+$",
                              description="SHA-256 (hex) of the device's release token")


class EscrowStored(BaseModel):
    generation: int


class ReleaseRequest(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class EscrowBox(BaseModel):
    format: int
    generation: int
    nonce: str
    ct: str


class ReleaseResponse(BaseModel):
    member_id: str
    member_username: str
    member_role: str
    member_credentials_at: str
    escrow: EscrowBox = Field(description="the sealed key, which only the device itself can open")


class WireChange(BaseModel):
    field: str = Field(min_length=1, max_length=100)
    person_id: str | None = Field(None, max_length=36)
    old: Any = None
    new: Any = None


class Operation(BaseModel):
    op_id: str = Field(min_length=1, max_length=36, description="the outbox operation's id (unique)")
    record_id: str = Field(min_length=1, max_length=36)
    kind: str = Field(min_length=1, max_length=40)
    household_id: str | None = Field(None, max_length=36)
    action: Literal["put", "edit", "tombstone"]
    base_seq: int | None = Field(None, ge=0, le=BIGINT, description="the server seq the edit was based on")
    envelope: dict[str, Any] = Field(default_factory=dict)
    body: dict[str, Any] | None = None
    changes: list[WireChange] | None = None


class WireAuditEntry(BaseModel):
    seq: int = Field(ge=1, le=AUDIT_SEQ_MAX)
    at: str = Field(max_length=40)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    ref: str | None = Field(None, max_length=64)
    detail: str | None = Field(None, max_length=DETAIL_MAX)
    source: str = Field("store", max_length=16)
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)


class PushRequest(BaseModel):
    operations: list[Operation] = Field(default_factory=list, max_length=5000)
    audit: list[WireAuditEntry] = Field(default_factory=list, max_length=20000)


class OperationResult(BaseModel):
    op_id: str
    status: str = Field(description="applied, merged-with-conflicts, conflict, unchanged, duplicate, "
                        "dropped-erased or dropped-unknown")
    seq: int | None
    conflicts: list[str]
    dropped: int | None = None


class AuditResult(BaseModel):
    status: str = Field(description="ok, or tamper (the entries were kept aside, not merged)")
    head: int
    reason: str | None = None


class PushResponse(BaseModel):
    results: list[OperationResult]
    audit: AuditResult


class ConflictValue(BaseModel):
    value: Any = None
    by: str | None = None
    at: str | None = None


class ConflictOut(BaseModel):
    conflict_id: str
    household_id: str
    field: str
    person_id: str | None
    values: list[ConflictValue]


class PulledRecord(BaseModel):
    seq: int
    record_id: str
    kind: str
    household_id: str | None
    deleted: bool
    envelope: dict[str, Any]
    body: dict[str, Any]


class Acknowledgement(BaseModel):
    cursor: int = Field(ge=0, le=BIGINT, description="the cursor of the last page the device has committed")


class Acknowledged(BaseModel):
    cursor: int = Field(description="the cursor the server now counts as acknowledged")


class PullResponse(BaseModel):
    changes: list[PulledRecord]
    cursor: int = Field(description="ask for changes after this next time")
    more: bool
    disabled_staff: list[str] = Field(default_factory=list,
                                      description="usernames disabled on the server (on the last page)")
    staff_credentials: dict[str, str] = Field(default_factory=dict, description=(
        "active usernames, each with a stamp that changes with their password (on the last page)"))
    conflicts: list[ConflictOut] | None = Field(None, description="the open conflicts (on the last page)")


class ConflictList(BaseModel):
    conflicts: list[ConflictOut]


class Resolution(BaseModel):
    value: Any = None


class Resolved(BaseModel):
    conflict_id: str
    seq: int


class DigestOut(BaseModel):
    households: int
    digest: str


class SeenEntry(BaseModel):
    device_id: str = Field(description="the device whose audit chain holds the entry")
    device_enrolled_by: str | None = Field(description="username of the member who enrolled that device")
    device_enrolled_at: str
    device_revoked: bool
    seq: int = Field(description="the entry's place in that device's chain")
    at: str = Field(description="when, ISO 8601 UTC")
    actor_id: str = Field(description="the staff id (or system) that acted")
    actor_username: str | None = Field(description="their username on the server, when known")
    action: str = Field(description="household.viewed, household.searched, session.register-viewed, print.*, "
                        "export.* or subject-access.*")
    hash: str = Field(description="the entry's chain hash: a device leaves out the entries it holds itself")


class SeenList(BaseModel):
    household_id: str
    entries: list[SeenEntry] = Field(description="newest first")
    more: bool = Field(description="older entries were left out (limit reached)")
    limit: int


HOUSEHOLD_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class WhoAmI(BaseModel):
    device_id: str
    organisation_id: str
    organisation_name: str


def _error(status: int, code: str, message: str, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 422, 429)
}


PULL_ERRORS: dict[int | str, dict[str, object]] = {
    **ERRORS,
    410: {"model": ErrorBody, "description": (
        "error 'resync-required': the cursor is above 0 and below the organisation's tombstone horizon "
        "(erasures this device has not seen were pruned). Push what the device holds, then pull everything "
        "again from after=0 and drop every record the full pull did not return.")},
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
        _storable(body.model_dump(), "body")
        done = enrolment.enrol(db, clock, body.code, body.username, body.password)
        return EnrolResponse(device_id=done.device_id, device_token=done.token, organisation_id=done.org_id,
                             organisation_name=done.org_name, profile_id=done.profile_id, member_id=done.member_id,
                             member_username=done.member_username, member_role=done.member_role,
                             member_credentials_at=done.member_credentials_at)

    @app.get("/v1/whoami", response_model=WhoAmI, responses=ERRORS)
    def whoami(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> WhoAmI:
        who = enrolment.identify(db, clock, credentials.credentials if credentials else None)
        return WhoAmI(device_id=who.device_id, organisation_id=who.org_id, organisation_name=who.org_name)

    Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    User = Annotated[str | None, Header(alias="X-Centre-Desk-User", max_length=200,
                                        description="the member of staff signed in on the device")]

    def _who(credentials: HTTPAuthorizationCredentials | None) -> enrolment.Identity:
        return enrolment.identify(db, clock, credentials.credentials if credentials else None)

    @app.post("/v1/push", response_model=PushResponse, responses=ERRORS)
    def push(body: PushRequest, credentials: Bearer,
             idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=64)],
             user: User = None) -> dict[str, Any]:
        who = _who(credentials)
        payload = body.model_dump(mode="json")
        for part in ("operations", "audit"):
            for i, item in enumerate(payload[part]):
                _storable(item, f"{part}.{i}")
        _storable(idempotency_key, "Idempotency-Key")
        return sync.push(db, clock, who, user, idempotency_key, payload)

    @app.get("/v1/pull", response_model=PullResponse, responses=PULL_ERRORS)
    def pull(credentials: Bearer, user: User = None, after: Annotated[int, Query(ge=0, le=BIGINT)] = 0,
             limit: Annotated[int, Query(ge=1, le=sync.MAX_PULL)] = 1000,
             ack: Annotated[int | None, Query(ge=0, le=BIGINT, description=(
                 "the cursor this device has committed, when it asks for the next page before "
                 "applying the one it holds (defaults to after)"))] = None,
             full: Annotated[bool, Query(description=(
                 "a full pull under way (it began at after=0 and drops whatever it is not sent), so the "
                 "tombstone horizon does not apply"))] = False) -> dict[str, Any]:
        return sync.pull(db, clock, _who(credentials), user, after, limit, ack, full)

    @app.post("/v1/pull/ack", response_model=Acknowledged, responses=ERRORS)
    def acknowledge(body: Acknowledgement, credentials: Bearer, user: User = None) -> dict[str, Any]:
        """The device has committed everything up to ``cursor``: the tombstone horizon waits for it."""
        return sync.acknowledge(db, clock, _who(credentials), user, body.cursor)

    @app.get("/v1/conflicts", response_model=ConflictList, responses=ERRORS)
    def conflicts(credentials: Bearer, user: User = None) -> dict[str, Any]:
        return {"conflicts": sync.conflicts(db, _who(credentials), user)}

    @app.post("/v1/conflicts/{conflict_id}/resolve", response_model=Resolved, responses=ERRORS)
    def resolve(conflict_id: Annotated[str, Path(max_length=36)], body: Resolution, credentials: Bearer,
                user: User = None) -> dict[str, Any]:
        _storable(conflict_id, "conflict_id")
        _storable(body.value, "value")
        return sync.resolve(db, clock, _who(credentials), user, conflict_id, body.value)

    @app.put("/v1/escrow", response_model=EscrowStored, responses=ERRORS)
    def put_escrow(body: EscrowIn, credentials: Bearer, user: User = None) -> EscrowStored:
        who = _who(credentials)
        with db.unit() as s:
            by = sync.member(s, who, user)
        escrow.store(db, clock, who, by, body.generation, body.nonce, body.ct, body.release_hash)
        return EscrowStored(generation=body.generation)

    release_bearer = HTTPBearer(auto_error=False, scheme_name="ReleaseToken",
                                description="the device's release token (not its sync token)")

    @app.post("/v1/escrow/release", response_model=ReleaseResponse, responses=ERRORS)
    def release_escrow(body: ReleaseRequest, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                                    Depends(release_bearer)]) -> ReleaseResponse:
        """A member's first sign-in on a device: the password is checked here (throttled, audited)."""
        _storable(body.model_dump(), "body")
        done = escrow.release(db, clock, credentials.credentials if credentials else None, body.username,
                              body.password)
        return ReleaseResponse(member_id=done.member.id, member_username=done.member.username,
                               member_role=done.member.role, member_credentials_at=done.credentials_at,
                               escrow=EscrowBox(**done.escrow))

    @app.get("/v1/households/{household_id}/seen", response_model=SeenList, responses=ERRORS)
    def household_seen(household_id: Annotated[str, Path(pattern=HOUSEHOLD_ID, description=(
                           "the household's id (a UUID, not personal data)"))],
                       credentials: Bearer, user: User = None,
                       limit: Annotated[int, Query(ge=1, le=sync.SEEN_MAX)] = sync.SEEN_LIMIT) -> dict[str, Any]:
        """Who has seen this household on the organisation's devices: every pushed audit entry that
        viewed, listed, printed or exported it, newest first. Needs the view audit permission
        (manager or administrator); answers 403 ``not-permitted`` otherwise."""
        return sync.seen(db, clock, _who(credentials), user, household_id, limit)

    @app.get("/v1/digest", response_model=DigestOut, responses=ERRORS)
    def org_digest(credentials: Bearer, user: User = None) -> DigestOut:
        who = _who(credentials)
        with db.unit() as s:
            sync.member(s, who, user)
        households, value = sync.org_digest(db, who.org_id)
        return DigestOut(households=households, digest=value)

    return app


def app_from_env() -> FastAPI:
    """uvicorn's factory: each worker process builds its own engine from the environment."""
    from .config import clock_from_env, resolve_db_url

    db = Database(resolve_db_url(None))
    db.require_current()
    return create_app(db, clock_from_env())
