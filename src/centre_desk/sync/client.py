"""The device's HTTP client for the sync server (standard library only: no Qt, no extra dependency).

Every failure becomes a :class:`SyncRefused` with the server's stable code (``device-revoked``,
``member-disabled``, ...) or ``server-unreachable``, and a one-line message that never repeats
what was sent. One persistent connection per client (keep-alive), so a sync with nothing to do
costs a few loopback round trips.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import ssl
from typing import Any
from urllib.parse import quote, urlsplit

from centre_desk.domain.sync import ServerRefused

TIMEOUT = 60.0


class SyncRefused(ServerRefused):
    """Raised by the client; ``domain.sync.ServerRefused`` is what services catch."""


class SyncClient:
    def __init__(self, server_url: str, token: str | None = None, username: str | None = None,
                 timeout: float = TIMEOUT, pin: str | None = None) -> None:
        parts = urlsplit(server_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SyncRefused("bad-url", "--server: expected a URL such as https://sync.example.org")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SyncRefused("bad-url", "--server: plain HTTP is allowed only on loopback; use https://")
        self.url = f"{parts.scheme}://{parts.netloc}"
        self._parts = parts
        self.token = token
        self.username = username
        self.timeout = timeout
        self.pin = pin.lower() if pin else None  # SHA-256 of the server certificate (DER), from the code
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            host, port = self._parts.hostname or "", self._parts.port
            if self._parts.scheme == "https":
                if self.pin:
                    # Pinned: a council's self-signed certificate is trusted exactly, and nothing else is.
                    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                else:
                    context = ssl.create_default_context()
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                                               context=context)
                conn.connect()
                if self.pin:
                    sock = conn.sock
                    der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
                    if not der or hashlib.sha256(der).hexdigest() != self.pin:
                        conn.close()
                        raise SyncRefused("certificate-mismatch", f"the certificate of {self.url} is not the one "
                                          "named in the enrolment code; not connecting")
            else:
                conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        send = {"Accept": "application/json"}
        if self.token:
            send["Authorization"] = f"Bearer {self.token}"
        if self.username:
            send["X-Centre-Desk-User"] = quote(self.username)
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            send["Content-Type"] = "application/json"
        send.update(headers or {})
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, path, body=data, headers=send)
                response = conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()  # a kept-alive connection the server closed: retry once on a new one
                if attempt == 2:
                    why = type(exc).__name__
                    raise SyncRefused("server-unreachable",
                                      f"the server at {self.url} closed the connection ({why})") from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                reason = "timed out" if isinstance(exc, socket.timeout) else type(exc).__name__
                raise SyncRefused("server-unreachable",
                                  f"the server at {self.url} is not answering ({reason})") from None
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = None
        if response.status >= 400:
            code = answer.get("error") if isinstance(answer, dict) else None
            message = answer.get("message") if isinstance(answer, dict) else None
            raise SyncRefused(str(code or f"http-{response.status}"),
                              str(message or f"the server answered {response.status}"), response.status)
        return answer

    # -- the protocol ------------------------------------------------------------------------------
    def enrol(self, code: str, username: str, password: str) -> dict[str, Any]:
        return dict(self._request("POST", "/v1/enrol", {"code": code, "username": username, "password": password}))

    def push(self, batch_key: str, operations: list[dict[str, Any]], audit: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self._request("POST", "/v1/push", {"operations": operations, "audit": audit},
                                  {"Idempotency-Key": batch_key}))

    def pull(self, after: int, limit: int, ack: int | None = None, full: bool = False) -> dict[str, Any]:
        """``ack``: the cursor committed so far, when asking ahead of applying the page held;
        ``full``: a full pull is under way (the tombstone horizon does not apply)."""
        extra = ("" if ack is None else f"&ack={int(ack)}") + ("&full=true" if full else "")
        return dict(self._request("GET", f"/v1/pull?after={int(after)}&limit={int(limit)}{extra}"))

    def ack(self, cursor: int) -> dict[str, Any]:
        """Every page up to ``cursor`` is committed on this device."""
        return dict(self._request("POST", "/v1/pull/ack", {"cursor": int(cursor)}))

    def conflicts(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/v1/conflicts")["conflicts"])

    def resolve(self, conflict_id: str, value: Any) -> dict[str, Any]:
        return dict(self._request("POST", f"/v1/conflicts/{quote(conflict_id, safe='')}/resolve", {"value": value}))

    def put_escrow(self, box: dict[str, Any]) -> dict[str, Any]:
        return dict(self._request("PUT", "/v1/escrow", box))

    def release(self, username: str, password: str) -> dict[str, Any]:
        """A first sign-in: this client's token is the device's release token, not its sync token."""
        return dict(self._request("POST", "/v1/escrow/release", {"username": username, "password": password}))

    def seen(self, household_id: str, limit: int) -> dict[str, Any]:
        """The organisation's pushed audit entries about one household, newest first (the id is a
        UUID, not personal data; the token stays in the header)."""
        return dict(self._request("GET", f"/v1/households/{quote(household_id, safe='')}/seen?limit={int(limit)}"))

    def digest(self) -> dict[str, Any]:
        return dict(self._request("GET", "/v1/digest"))
