"""Share links through the router: `SUB.share.DOMAIN[:PORT]` goes, Host kept, to the share server's vhost
(`Settings.share_vhost`, PODIUM_SHARE_VHOST). A stand-in vhost (Starlette on uvicorn) echoes the Host it got, streams SSE and echoes
WebSocket messages. The router's database points at a closed port: share links never touch it (no access check,
no wake, no activity). Every test runs with the router's own server and with uvicorn, as in test_router.py.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from test_router import SERVERS, Served, ServedRouter, serve_router, ws_open

SHARE_HOST = "0123456789abcdef01.share.localhost"


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"host": request.headers.get("host"), "path": request.url.path,
                         "query": request.url.query, "headers": dict(request.headers)})


async def upload(request: Request) -> JSONResponse:
    return JSONResponse({"host": request.headers.get("host"), "received": len(await request.body())})


async def events(request: Request) -> StreamingResponse:
    async def gen() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"data: {i}\n\n".encode()
            await asyncio.sleep(0.3)
    return StreamingResponse(gen(), media_type="text/event-stream")


async def ws_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"{websocket.headers.get('host')}: {text}")
    except WebSocketDisconnect:
        pass


VHOST = Starlette(routes=[Route("/echo", echo), Route("/upload", upload, methods=["POST"]),
                          Route("/events", events), WebSocketRoute("/ws", ws_echo)])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings(tmp_path: Path, share_vhost: str) -> Any:
    from podium_cp.settings import Settings

    # Nothing listens there: a share request that queried the database would fail.
    return Settings(database_url=f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/none", data_dir=tmp_path,
                    public_url="http://console.localhost", cookie_secure=False, share_vhost=share_vhost)


@pytest.fixture(scope="module")
def vhost() -> Iterator[Served]:
    served = Served(VHOST)
    yield served
    served.stop()


def _router(tmp_path: Path, server: str, share_vhost: str) -> Served | ServedRouter:
    from podium_cp.router import RouterConfig, SpacesRouter

    return serve_router(SpacesRouter(_settings(tmp_path, share_vhost), RouterConfig()), server)


@pytest.fixture(params=SERVERS)
def router(tmp_path: Path, vhost: Served, request: pytest.FixtureRequest) -> Iterator[Served | ServedRouter]:
    served = _router(tmp_path, request.param, f"127.0.0.1:{vhost.port}")
    yield served
    served.stop()


def _get(router: Served | ServedRouter, path: str, host: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(router.url + path, headers={"Host": host, **kwargs.pop("headers", {})}, timeout=30, **kwargs)


def test_share_hosts_reach_the_vhost_with_their_host(router: Served | ServedRouter) -> None:
    for host in (SHARE_HOST, f"{SHARE_HOST}:8080", "other-link.share.localhost", "ABC.Share.Localhost."):
        response = _get(router, "/echo?x=1", host, headers={"Cookie": "podium_session=secret; app=1"})
        assert response.status_code == 200, (host, response.text)
        body = response.json()
        assert body["host"] == host and body["path"] == "/echo" and body["query"] == "x=1"
        assert body["headers"]["cookie"] == "app=1"  # Podium's own cookies never reach a shared app
        assert body["headers"]["x-forwarded-host"] == host


def test_keep_alive_connections_carry_each_requests_own_host(router: Served | ServedRouter) -> None:
    with httpx.Client(base_url=router.url, timeout=30) as client:
        hosts = [f"link{i % 3}.share.localhost" for i in range(9)]
        assert [client.get("/echo", headers={"Host": h}).json()["host"] for h in hosts] == hosts


def test_request_bodies_and_sse_stream_through(router: Served | ServedRouter) -> None:
    data = b"x" * 300_000
    response = httpx.post(router.url + "/upload", content=data, headers={"Host": SHARE_HOST}, timeout=30)
    assert response.json() == {"host": SHARE_HOST, "received": len(data)}
    arrived: list[float] = []
    with httpx.stream("GET", router.url + "/events", headers={"Host": SHARE_HOST}, timeout=30) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data:"):
                arrived.append(time.monotonic())
    assert len(arrived) == 3
    assert arrived[-1] > arrived[0]  # events came one by one, not as one buffered body


def test_websockets_reach_the_vhost(router: Served | ServedRouter) -> None:
    with ws_open(router, "/ws", host=SHARE_HOST) as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == f"{SHARE_HOST}:{router.port}: hi"  # the Host the visitor sent


def test_bad_share_labels_and_other_hosts_are_not_share_links(router: Served | ServedRouter) -> None:
    from podium_cp.router.hosts import HostParser

    parser = HostParser("localhost")
    assert parser.share_subdomain("abc.share.localhost:8080") == "abc"
    for host in ("share.localhost", "a.b.share.localhost", "a_b.share.localhost", "x" * 64 + ".share.localhost",
                 "abc.share.example.com", "[::1]:8080", "", None):
        assert parser.share_subdomain(host) is None, host
    assert parser.parse("abc.share.localhost") is None


@pytest.mark.parametrize("server", SERVERS)
def test_a_share_service_that_is_down_gets_a_503_page(tmp_path: Path, server: str) -> None:
    served = _router(tmp_path, server, f"127.0.0.1:{_closed_port()}")
    try:
        response = _get(served, "/echo", SHARE_HOST)
    finally:
        served.stop()
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "share service is not running" in response.text
