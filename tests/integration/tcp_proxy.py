"""A loopback TCP proxy for the sync reliability tests: it forwards to a real server and can cut a
connection after a chosen number of bytes of the requests (client to server) or of the responses
(server to client), and it records what the client sent so a test can replay it byte for byte.

Threads, not asyncio: the tests drive synchronous clients, and two threads per connection are
plenty on loopback. The listening port is bound to 0 (safe under pytest-xdist).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["request", "response"]


@dataclass(frozen=True)
class Cut:
    """Cut the connection once ``offset`` bytes have gone in ``direction`` on it."""

    direction: Direction
    offset: int


@dataclass
class _Connection:
    plan: Cut | None
    sent: bytearray = field(default_factory=bytearray)  # client -> server bytes forwarded
    received: int = 0  # server -> client bytes forwarded
    cut: bool = False


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class TcpProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._plans: deque[Cut | None] = deque()
        self._lock = threading.Lock()
        self.connections: list[_Connection] = []
        self._closing = False
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    # -- the test's controls ---------------------------------------------------------------------
    def plan(self, *cuts: Cut | None) -> None:
        """The next connections follow these plans in order (None: forward untouched); after
        them, connections are forwarded untouched."""
        with self._lock:
            self._plans.clear()
            self._plans.extend(cuts)

    def cuts_made(self) -> list[Cut]:
        with self._lock:
            return [c.plan for c in self.connections if c.cut and c.plan is not None]

    def requests(self) -> list[RawRequest]:
        """Every complete HTTP/1.1 request the clients sent through the proxy, in order."""
        with self._lock:
            streams = [bytes(c.sent) for c in self.connections]
        out: list[RawRequest] = []
        for stream in streams:
            out += _parse_requests(stream)
        return out

    def close(self) -> None:
        self._closing = True
        with suppress(OSError):
            self._listener.close()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- forwarding ------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                conn = _Connection(self._plans.popleft() if self._plans else None)
                self.connections.append(conn)
            threading.Thread(target=self._serve, args=(client, conn), daemon=True).start()

    def _serve(self, client: socket.socket, conn: _Connection) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=120)
        except OSError:
            _abort(client)
            return
        done = threading.Event()

        def pump(src: socket.socket, dst: socket.socket, direction: Direction) -> None:
            try:
                while not done.is_set():
                    chunk = src.recv(65536)
                    if not chunk:
                        break
                    plan = conn.plan
                    moved = len(conn.sent) if direction == "request" else conn.received
                    if plan is not None and plan.direction == direction and moved + len(chunk) >= plan.offset:
                        head = chunk[:max(0, plan.offset - moved)]
                        if head:
                            dst.sendall(head)
                            self._count(conn, direction, head)
                        conn.cut = True
                        break
                    dst.sendall(chunk)
                    self._count(conn, direction, chunk)
            except OSError:
                pass
            finally:
                if conn.cut:
                    done.set()
                    _abort(client)
                    _abort(server)
                else:
                    # a clean end of one direction: pass the half-close on
                    with suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)

        upstream = threading.Thread(target=pump, args=(client, server, "request"), daemon=True)
        upstream.start()
        pump(server, client, "response")
        upstream.join(timeout=120)
        done.set()
        for s in (client, server):
            with suppress(OSError):
                s.close()

    def _count(self, conn: _Connection, direction: Direction, data: bytes) -> None:
        with self._lock:
            if direction == "request":
                conn.sent += data
            else:
                conn.received += len(data)


def _abort(s: socket.socket) -> None:
    """Close at once, as a dropped network or a dead peer looks. ``shutdown`` first: a plain
    close from this thread would not wake the other direction's thread blocked in ``recv`` on
    the same socket, so the peer would hear nothing until its own timeout."""
    with suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        s.close()


def _parse_requests(stream: bytes) -> list[RawRequest]:
    out = []
    while stream:
        end = stream.find(b"\r\n\r\n")
        if end < 0:
            break
        head = stream[:end].decode("latin-1").split("\r\n")
        method, path, _version = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = stream[end + 4:end + 4 + length]
        if len(body) < length:
            break  # cut before the body was complete
        out.append(RawRequest(method, path, headers, body))
        stream = stream[end + 4 + length:]
    return out
