"""The router's own HTTP/1.1 server (podium_cp.router.server) at the byte level: what visitors' clients may send
that httpx never does (malformed or oversized heads, pipelined requests, raw chunked uploads, Expect), keep-alive,
HEAD, HTTP/1.0, a visitor leaving mid-stream, WebSockets spliced to the replica. The rest of the router's
behaviour is tested against this server and uvicorn alike in test_router.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any, BinaryIO

import pytest
from helpers import signup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from test_router import HOST, UPSTREAM, Served, ServedRouter, add_space, ws_open
from websockets.exceptions import InvalidStatus

LEFT: dict[str, float] = {}  # set by /forever when the router closed the replica's connection


async def forever(request: Request) -> StreamingResponse:
    async def gen() -> AsyncIterator[bytes]:
        i = 0
        try:
            while True:
                yield f"data: {i}\n\n".encode()
                i += 1
                await asyncio.sleep(0.05)
        finally:
            LEFT["forever"] = time.monotonic()
    return StreamingResponse(gen(), media_type="text/event-stream")


async def ws_headers(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(json.dumps({k: v for k, v in websocket.headers.items()}))
    await websocket.close()


APP = Starlette(routes=[*UPSTREAM.routes, Route("/forever", forever), WebSocketRoute("/ws-headers", ws_headers)])


@pytest.fixture(scope="module")
def upstream() -> Iterator[Served]:
    served = Served(APP)
    yield served
    served.stop()


@pytest.fixture
def router(settings: Any, api: Any, pg_url: str, upstream: Served) -> Iterator[ServedRouter]:
    from podium_cp.router import RouterConfig, SpacesRouter

    signup(api, "alice")
    add_space(pg_url, url=upstream.url)
    served = ServedRouter(SpacesRouter(replace(settings, public_url="http://console.localhost"), RouterConfig()))
    yield served
    served.stop()


class Raw:
    """A plain socket to the router, reading HTTP/1.1 answers one by one (Content-Length, chunked or close)."""

    def __init__(self, router: ServedRouter) -> None:
        self.sock = socket.create_connection(("127.0.0.1", router.port), timeout=10)
        self.file: BinaryIO = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self, *, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
        status_line = self.file.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if head_only or status in (100, 101, 204, 304):
            return status, headers, b""
        if "content-length" in headers:
            return status, headers, self.file.read(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while (size := int(self.file.readline().split(b";")[0], 16)) > 0:
                body += self.file.read(size)
                self.file.readline()
            self.file.readline()
            return status, headers, body
        return status, headers, self.file.read()

    def closed(self) -> bool:
        """True when the router closed the connection (reading gives end of file)."""
        return self.file.read(1) == b""

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def get_request(path: str, *extra: str, method: str = "GET", version: str = "1.1") -> bytes:
    lines = [f"{method} {path} HTTP/{version}", f"Host: {HOST}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_keep_alive_answers_several_requests_on_one_connection(router: ServedRouter) -> None:
    raw = Raw(router)
    for i in range(5):
        raw.send(get_request(f"/api/hello?i={i}"))
        status, headers, body = raw.answer()
        assert status == 200 and json.loads(body)["query"] == f"i={i}"
        assert "connection" not in headers  # HTTP/1.1: keep-alive goes without saying
    raw.send(get_request("/api/hello", "Connection: close"))
    status, headers, _ = raw.answer()
    assert status == 200 and headers["connection"] == "close"
    assert raw.closed()
    raw.close()


def test_pipelined_requests_are_answered_in_order(router: ServedRouter) -> None:
    raw = Raw(router)
    raw.send(b"".join(get_request(f"/api/hello?n={n}") for n in range(4)))
    assert [json.loads(raw.answer()[2])["query"] for _ in range(4)] == [f"n={n}" for n in range(4)]
    raw.close()


def test_head_and_http_1_0(router: ServedRouter) -> None:
    raw = Raw(router)
    raw.send(get_request("/api/hello", method="HEAD"))
    status, headers, _ = raw.answer(head_only=True)
    assert status == 200 and int(headers["content-length"]) > 0
    raw.send(get_request("/api/hello"))  # the HEAD answer had no body: the next one is read right
    assert raw.answer()[0] == 200
    raw.close()
    old = Raw(router)
    old.send(get_request("/events", version="1.0"))
    status, headers, body = old.answer()  # no chunked encoding for HTTP/1.0: the body ends with the connection
    assert status == 200 and "transfer-encoding" not in headers and body.count(b"data:") == 3
    old.close()


def test_malformed_requests_get_400_and_a_closed_connection(router: ServedRouter) -> None:
    for garbage in (b"NONSENSE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                    b"GET / HTTP/9.9\r\n\r\n", get_request("/upload", "Transfer-Encoding: chunked", method="POST")
                    + b"zz\r\nnot hex\r\n"):
        raw = Raw(router)
        raw.send(garbage)
        status, headers, _ = raw.answer()
        assert status == 400 and headers["connection"] == "close", garbage
        assert raw.closed()
        raw.close()
    raw = Raw(router)  # still serving
    raw.send(get_request("/api/hello"))
    assert raw.answer()[0] == 200
    raw.close()


def test_oversized_heads_get_431(router: ServedRouter) -> None:
    for head in (get_request("/api/hello", "X-Big: " + "a" * 70_000), get_request("/" + "a" * 70_000),
                 get_request("/api/hello", *(f"X-{i}: {'b' * 100}" for i in range(700)))):
        raw = Raw(router)
        raw.send(head)
        status, headers, _ = raw.answer()
        assert status == 431 and headers["connection"] == "close"
        assert raw.closed()
        raw.close()
    raw = Raw(router)  # a header that never ends is cut off too
    with pytest.raises(OSError):
        raw.send(b"GET / HTTP/1.1\r\nX-Endless: ")
        for _ in range(64):
            raw.send(b"c" * 16_384)
            time.sleep(0.005)
    raw.close()


def test_chunked_upload_and_expect_continue(router: ServedRouter) -> None:
    raw = Raw(router)
    raw.send(get_request("/upload", "Transfer-Encoding: chunked", method="POST"))
    for size in (1, 1000, 70_000):
        raw.send(b"%x\r\n%b\r\n" % (size, b"u" * size))
        time.sleep(0.05)
    raw.send(b"0\r\n\r\n")
    status, _, body = raw.answer()
    assert status == 200 and json.loads(body) == {"received": 71_001}
    raw.send(get_request("/upload", "Content-Length: 5", "Expect: 100-continue", method="POST"))
    assert raw.answer()[0] == 100  # asked to go on before sending the body
    raw.send(b"hello")
    status, _, body = raw.answer()
    assert status == 200 and json.loads(body) == {"received": 5}
    raw.close()


def test_visitor_leaving_mid_stream_closes_the_replica_connection(router: ServedRouter) -> None:
    LEFT.clear()
    raw = Raw(router)
    raw.send(get_request("/forever"))
    assert raw.file.readline().startswith(b"HTTP/1.1 200")
    while b"data: 2" not in raw.file.readline():
        pass
    raw.close()
    left_at = time.monotonic()
    deadline = left_at + 5
    while "forever" not in LEFT:
        assert time.monotonic() < deadline, "the replica kept streaming to a visitor who left"
        time.sleep(0.05)


def test_slow_visitor_gets_the_whole_large_body(router: ServedRouter) -> None:
    from test_router import BIG_CHUNKS, CHUNK

    raw = Raw(router)
    raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65_536)
    raw.send(get_request("/big"))
    time.sleep(0.5)  # the router and the replica must wait (pause reading) rather than fail or buffer without end
    status, _, body = raw.answer()
    assert status == 200 and len(body) == BIG_CHUNKS * CHUNK
    raw.close()


def test_websocket_splice_strips_podium_credentials(router: ServedRouter) -> None:
    headers = {"Cookie": "podium_session=s3cret; theme=dark", "Authorization": "Bearer pdm_x"}
    with ws_open(router, "/ws-headers", additional_headers=headers) as ws:
        seen = json.loads(ws.recv(timeout=5))
    assert seen["cookie"] == "theme=dark" and "authorization" not in seen
    assert seen["host"].startswith(HOST) and seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    # A replica that refuses the handshake: its answer reaches the visitor, then the connection closes.
    with pytest.raises(InvalidStatus, match="403"):
        ws_open(router, "/no-such-socket")
    with ws_open(router, "/ws") as ws:
        ws.send("still")
        assert ws.recv(timeout=5) == "echo: still"


@pytest.mark.parametrize(("server", "workers"), [("podium", "2"), ("uvicorn", "1")])
def test_the_router_command_serves_with_either_server(
    api: Any, pg_url: str, upstream: Served, tmp_path: Any, server: str, workers: str
) -> None:
    import os
    import signal
    import subprocess
    import sys

    import httpx
    from test_router import _free_port

    signup(api, "alice")
    add_space(pg_url, url=upstream.url)
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PODIUM_")}, "PODIUM_DATABASE_URL": pg_url,
           "PODIUM_DATA_DIR": str(tmp_path), "PODIUM_ROUTER_SERVER": server}
    process = subprocess.Popen([sys.executable, "-m", "podium_services.router", "--port", str(port),
                                "--workers", workers], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/hello", headers={"Host": HOST}, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "the router did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["hello"] == "world"
        assert httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "nope--alice.spaces.localhost"}).status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once it has shut down; the router's own server exits with 0.
        assert process.wait(timeout=20) == (0 if server == "podium" else -signal.SIGTERM)


def test_unknown_router_server_is_refused(pg_url: str) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PODIUM_DATABASE_URL": pg_url, "PODIUM_ROUTER_SERVER": "nginx"}
    done = subprocess.run([sys.executable, "-m", "podium_services.router"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "PODIUM_ROUTER_SERVER='nginx' is not one of podium, uvicorn" in done.stderr
