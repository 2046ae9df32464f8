"""Shared pieces of the tunnel server/client tests: a local Starlette app served by uvicorn in-process, a running
`TunnelServer` + `TunnelClient` pair, and tiny raw HTTP/WebSocket helpers (all on port 0, all in one loop)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from podium_tunnel import OpenPolicy, TunnelClient, TunnelEvent, TunnelServer
from podium_tunnel.conn import StreamConn
from podium_tunnel.policy import Policy

SUBDOMAIN_HOST = "share.localhost"


def pattern(size: int) -> bytes:
    """`size` deterministic, non-repeating-looking bytes."""
    block = hashlib.sha256(b"podium").digest() * 4096  # 128 KiB
    return (block * (size // len(block) + 1))[:size]


@dataclass
class AppState:
    """What the app saw, and a gate the SSE endpoint waits on between its events."""

    sse_gate: asyncio.Event = field(default_factory=asyncio.Event)
    seen_headers: list[dict[str, str]] = field(default_factory=list)


def make_app(state: AppState) -> Starlette:
    async def home(request: Request) -> Response:
        return HTMLResponse("<h1>hello from the laptop</h1>")

    async def echo(request: Request) -> Response:
        body = await request.json()
        return JSONResponse({"got": body, "method": request.method})

    async def headers(request: Request) -> Response:
        seen = dict(request.headers)
        state.seen_headers.append(seen)
        return JSONResponse(seen)

    async def upload(request: Request) -> Response:
        digest = hashlib.sha256()
        size = 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return JSONResponse({"size": size, "sha256": digest.hexdigest()})

    async def download(request: Request) -> Response:
        return Response(pattern(int(request.query_params["n"])), media_type="application/octet-stream")

    async def sse(request: Request) -> Response:
        async def events() -> AsyncIterator[bytes]:
            yield b"data: one\n\n"
            await state.sse_gate.wait()  # the test opens it only after it received the first event
            yield b"data: two\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def ws(socket_: WebSocket) -> None:
        await socket_.accept()
        with contextlib.suppress(Exception):
            while True:
                text = await socket_.receive_text()
                await socket_.send_text(f"echo: {text}")

    return Starlette(routes=[
        Route("/", home), Route("/echo", echo, methods=["POST"]), Route("/headers", headers),
        Route("/upload", upload, methods=["POST"]), Route("/download", download), Route("/sse", sse),
        WebSocketRoute("/ws", ws),
    ])


class LocalApp:
    """The app on the 'laptop': uvicorn serving `make_app` on 127.0.0.1, port 0."""

    def __init__(self, *, keep_alive_s: float = 5.0) -> None:
        self.keep_alive_s = keep_alive_s
        self.state = AppState()
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LocalApp:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(make_app(self.state), log_level="warning", lifespan="off", ws="websockets-sansio",
                                timeout_keep_alive=self.keep_alive_s)
        self._server = uvicorn.Server(config)
        self._task = asyncio.get_running_loop().create_task(self._server.serve(sockets=[sock]))
        server = self._server
        await wait_for(lambda: server.started)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        await asyncio.wait_for(self._task, 10)


def make_server(policy: Policy | None = None, **options: Any) -> TunnelServer:
    """A TunnelServer on loopback ports 0 with a quick sweep."""
    options.setdefault("sweep_interval", 0.1)
    options.setdefault("bind_port", 0)
    options.setdefault("vhost_port", 0)
    return TunnelServer(policy or OpenPolicy(), subdomain_host=SUBDOMAIN_HOST, public_url="http://share.localhost:8080",
                        bind_host="127.0.0.1", **options)


def make_client(server: TunnelServer, app: LocalApp, *, events: list[TunnelEvent] | None = None,
                **options: Any) -> TunnelClient:
    """A TunnelClient for `app` dialing `server`; events are appended to `events`."""
    options.setdefault("proxy_name", "demo-token")
    options.setdefault("subdomain", "demo")
    return TunnelClient("127.0.0.1", server.bind_port, local_port=app.port,
                        on_event=events.append if events is not None else None, **options)


def host_of(url: str) -> str:
    """The Host header visitors send for a proxy's URL."""
    return url.split("://", 1)[1]


def visitor(server: TunnelServer, **options: Any) -> httpx.AsyncClient:
    """An HTTP client pointed at the server's vhost port."""
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.vhost_port}", timeout=30, **options)


async def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Until `predicate()` holds (polling); fails the test after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(0.02)


async def websocket_echo(port: int, host: str, messages: list[str]) -> list[str]:
    """Open a WebSocket to ws://host/ws through 127.0.0.1:port, send each text message, return the replies."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    replies = []
    for text in messages:
        payload = text.encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert len(payload) < 126
        writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
        first, second = await reader.readexactly(2)
        assert first == 0x81 and second < 126
        replies.append((await reader.readexactly(second)).decode())
    writer.write(bytes([0x88, 0x80]) + os.urandom(4))  # close
    writer.close()
    return replies


async def raw_request(port: int, data: bytes, *, read_until_close: bool = True) -> bytes:
    """Send raw bytes to 127.0.0.1:port and read the answer (until the server closes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    try:
        return await asyncio.wait_for(reader.read(-1) if read_until_close else reader.read(65536), 20)
    finally:
        writer.close()


def json_of(answer: bytes) -> Any:
    """The JSON body of a raw Content-Length answer."""
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def run_pair(body: Callable[[StreamConn, StreamConn], Awaitable[Any]]) -> Any:
    """Runs `body(a, b)` with two `StreamConn`s joined by a socket pair."""

    async def main() -> Any:
        left, right = socket.socketpair()
        a = StreamConn(*await asyncio.open_connection(sock=left))
        b = StreamConn(*await asyncio.open_connection(sock=right))
        try:
            return await asyncio.wait_for(body(a, b), 30)
        finally:
            await a.close()
            await b.close()

    return asyncio.run(main())
