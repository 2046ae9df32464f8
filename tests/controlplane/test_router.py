"""The Spaces router end to end: a real upstream app (Starlette on uvicorn) and the router on free loopback
ports, Space and runtime rows in the test database, requests with `Host: NAME--OWNER.spaces.localhost`. Every
test that takes the `router` fixture runs twice: with the router's own server (`podium`, the default) and with
uvicorn (`PODIUM_ROUTER_SERVER=uvicorn`).

The reconciler that starts a sleeping Space is simulated by a thread that writes the runtime row after 1 s
(the real one needs Podman and is tested with it elsewhere); everything else is the real thing.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import uvicorn
from helpers import add_org, bearer, new_token, other_client, signup, sql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

HOST = "demo--alice.spaces.localhost"
BIG_CHUNKS, CHUNK = 64, 64 * 1024  # the large body: 4 MiB in 64 KiB chunks


# -- the upstream app ----------------------------------------------------------------------------------------

async def hello(request: Request) -> JSONResponse:
    return JSONResponse({
        "hello": "world", "path": request.url.path, "query": request.url.query,
        "headers": {k: v for k, v in request.headers.items()},
    })


async def echo_body(request: Request) -> JSONResponse:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
    return JSONResponse({"received": total})


async def events(request: Request) -> StreamingResponse:
    async def gen() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"data: {i}\n\n".encode()
            await asyncio.sleep(0.3)
    return StreamingResponse(gen(), media_type="text/event-stream")


async def big(request: Request) -> StreamingResponse:
    async def gen() -> AsyncIterator[bytes]:
        for i in range(BIG_CHUNKS):
            yield bytes([i % 256]) * CHUNK
    return StreamingResponse(gen(), media_type="application/octet-stream")


async def cookie(request: Request) -> Response:
    response = Response("set")
    response.set_cookie("app_cookie", "1")
    return response


async def echo_ws(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol=(websocket.scope.get("subprotocols") or [None])[0])
    try:
        while True:
            text = await websocket.receive_text()
            if text == "bye":
                await websocket.close(code=4001, reason="app says bye")
                return
            await websocket.send_text(f"echo: {text}")
    except WebSocketDisconnect:
        pass


UPSTREAM = Starlette(routes=[
    Route("/", hello), Route("/api/hello", hello), Route("/upload", echo_body, methods=["POST"]),
    Route("/events", events), Route("/big", big), Route("/cookie", cookie), WebSocketRoute("/ws", echo_ws),
])


# -- servers -------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """An ASGI app served by uvicorn in a thread on a free loopback port."""

    def __init__(self, app: Any, **config: Any) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on", **config))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class ServedRouter:
    """A SpacesRouter served by the router's own server (podium_cp.router.server) in a thread, on a free port."""

    def __init__(self, app: Any) -> None:
        from podium_cp.router.server import RouterServer

        self.server = RouterServer(app)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.server.start("127.0.0.1", 0))
        self.port = self.server.port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(grace_s=1.0), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


SERVERS = ["podium", "uvicorn"]


def serve_router(app: Any, server: str) -> Served | ServedRouter:
    """`app` (a SpacesRouter) served as `python -m podium_services.router` would with PODIUM_ROUTER_SERVER=`server`."""
    if server == "podium":
        return ServedRouter(app)
    return Served(app, ws="websockets-sansio", proxy_headers=False)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Served]:
    served = Served(UPSTREAM)
    yield served
    served.stop()


@pytest.fixture(params=SERVERS)
def router(settings: Any, request: pytest.FixtureRequest) -> Iterator[Served | ServedRouter]:
    from podium_cp.router import RouterConfig, SpacesRouter

    app = SpacesRouter(replace(settings, public_url="http://console.localhost"),
                       RouterConfig(wake_timeout_s=10.0))
    served = serve_router(app, request.param)
    yield served
    served.stop()


def add_space(pg_url: str, name: str = "demo", *, owner_user: str | None = "alice", owner_org: str | None = None,
              visibility: str = "public", stage: str = "RUNNING", url: str | None = None,
              status: str = "running") -> int:
    """Insert a Space (owned by a user or an org, by name) and, when `url` is given, its runtime row."""
    owner_id = sql(pg_url, "SELECT id FROM users WHERE username = :n" if owner_user else
                   "SELECT id FROM orgs WHERE name = :n", n=owner_user or owner_org)[0][0]
    space_id = int(sql(
        pg_url,
        "INSERT INTO spaces (name, owner_name, owner_org_id, owner_user_id, title, sdk, visibility, hardware, "
        "sleep_time, desired_state, stage, stage_message, restart_generation, created_at, updated_at) "
        "VALUES (:name, :owner, :org, :user, '', 'podium', :vis, 'cpu-basic', 3600, 'running', :stage, "
        "'', 0, now(), now()) RETURNING id",
        name=name, owner=owner_user or owner_org, org=None if owner_user else owner_id,
        user=owner_id if owner_user else None, vis=visibility, stage=stage,
    )[0][0])
    if url is not None:
        set_runtime(pg_url, space_id, url, status)
    return space_id


def set_runtime(pg_url: str, space_id: int, url: str | None, status: str) -> None:
    sql(pg_url, "INSERT INTO space_runtimes (space_id, backend, url, status, restart_generation, restarts, "
                "last_error, updated_at) VALUES (:id, 'docker', :replica, :status, 0, 0, '', now()) "
                "ON CONFLICT (space_id) DO UPDATE SET url = :replica, status = :status", id=space_id, replica=url,
        status=status)


def ws_open(router: Served | ServedRouter, path: str, host: str = HOST, **kwargs: Any) -> Any:
    """A WebSocket to the router whose handshake names `host` (the socket goes to the router's port)."""
    sock = socket.create_connection(("127.0.0.1", router.port))
    return ws_connect(f"ws://{host}:{router.port}{path}", sock=sock, **kwargs)


def get(router: Served | ServedRouter, path: str, host: str = HOST, **kwargs: Any) -> httpx.Response:
    headers = {"Host": host, **kwargs.pop("headers", {})}
    return httpx.get(router.url + path, headers=headers, timeout=30, **kwargs)


# -- tests ---------------------------------------------------------------------------------------------------

def test_proxies_json_with_forwarded_headers_and_records_activity(
    api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter
) -> None:
    signup(api, "alice")
    space_id = add_space(pg_url, url=upstream.url)
    response = get(router, "/api/hello?x=1", headers={"X-Forwarded-For": "10.0.0.1", "Connection": "keep-alive"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["hello"] == "world" and body["path"] == "/api/hello" and body["query"] == "x=1"
    seen = body["headers"]
    assert seen["host"] == HOST and seen["x-forwarded-host"] == HOST
    assert seen["x-forwarded-for"] == "10.0.0.1, 127.0.0.1" and seen["x-forwarded-proto"] == "http"
    # Set-Cookie of the app reaches the visitor.
    assert get(router, "/cookie").cookies.get("app_cookie") == "1"
    deadline = time.monotonic() + 5
    while not sql(pg_url, "SELECT last_activity_at FROM spaces WHERE id = :id", id=space_id)[0][0]:
        assert time.monotonic() < deadline, "last_activity_at was not recorded"
        time.sleep(0.05)


def test_unknown_hosts_are_404_pages(api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter) -> None:
    signup(api, "alice")
    add_space(pg_url, url=upstream.url)
    for host in ("nope--alice.spaces.localhost", "demo.spaces.localhost", "localhost", "demo--alice.example.com"):
        response = get(router, "/", host=host)
        assert response.status_code == 404, host
        assert "Space not found" in response.text and response.headers["content-type"].startswith("text/html")


def test_sse_events_arrive_one_by_one(api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter) -> None:
    signup(api, "alice")
    add_space(pg_url, url=upstream.url)
    arrivals: list[tuple[float, str]] = []
    start = time.monotonic()
    with httpx.stream("GET", router.url + "/events", headers={"Host": HOST}, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data:"):
                arrivals.append((time.monotonic() - start, line))
    assert [line for _, line in arrivals] == ["data: 0", "data: 1", "data: 2"]
    # The upstream waits 0.3 s between events: buffered to the end, all three would arrive together.
    assert arrivals[0][0] < arrivals[2][0] - 0.4


def test_large_bodies_stream_both_ways(api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter) -> None:
    signup(api, "alice")
    add_space(pg_url, url=upstream.url)
    total = 0
    with httpx.stream("GET", router.url + "/big", headers={"Host": HOST}, timeout=30) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            total += len(chunk)
    assert total == BIG_CHUNKS * CHUNK

    def upload() -> Iterator[bytes]:
        for _ in range(32):
            yield b"x" * CHUNK

    response = httpx.post(router.url + "/upload", headers={"Host": HOST}, content=upload(), timeout=30)
    assert response.json() == {"received": 32 * CHUNK}
    response = httpx.post(router.url + "/upload", headers={"Host": HOST}, content=b"y" * 1000, timeout=30)
    assert response.json() == {"received": 1000}


def test_websocket_echo_and_close_codes(api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter) -> None:
    signup(api, "alice")
    add_space(pg_url, url=upstream.url)
    with ws_open(router, "/ws", subprotocols=["chat"]) as ws:
        assert ws.subprotocol == "chat"
        ws.send("hi")
        assert ws.recv(timeout=5) == "echo: hi"
        ws.send("bye")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 4001 and ws.close_reason == "app says bye"


def test_private_and_org_spaces_need_access(api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter) -> None:
    signup(api, "alice")
    alice_token = new_token(api)
    alice_session = api.cookies.get("podium_session")
    outsider = other_client(api)
    signup(outsider, "mallory")
    mallory_token = new_token(outsider)
    add_space(pg_url, "secret", visibility="private", url=upstream.url)
    add_org(pg_url, "acme", {"alice": "read"})
    add_space(pg_url, "internal", owner_user=None, owner_org="acme", visibility="org", url=upstream.url)

    for host in ("secret--alice.spaces.localhost", "internal--acme.spaces.localhost"):
        anonymous = get(router, "/", host=host)
        assert anonymous.status_code == 401 and "Sign in" in anonymous.text
        assert "http://console.localhost/api/auth/space-login?space=" in anonymous.text
        assert get(router, "/", host=host, headers=bearer(mallory_token)).status_code == 404
        assert get(router, "/", host=host, headers=bearer("pdm_not_a_token")).status_code == 401
        member = get(router, "/", host=host, headers=bearer(alice_token))
        assert member.status_code == 200, member.text
        # The router's credential never reaches the Space's code.
        assert "authorization" not in member.json()["headers"]
    by_cookie = get(router, "/", host="secret--alice.spaces.localhost",
                    headers={"Cookie": f"podium_session={alice_session}; theme=dark"})
    assert by_cookie.status_code == 200
    assert by_cookie.json()["headers"]["cookie"] == "theme=dark"
    with pytest.raises(InvalidStatus, match="401"):
        ws_open(router, "/ws", host="secret--alice.spaces.localhost")
    with ws_open(router, "/ws", host="secret--alice.spaces.localhost", additional_headers=bearer(alice_token)) as ws:
        ws.send("private")
        assert ws.recv(timeout=5) == "echo: private"


def test_sleeping_space_is_woken_and_the_request_waits(
    api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter
) -> None:
    signup(api, "alice")
    space_id = add_space(pg_url, stage="SLEEPING", url=None)

    def reconciler() -> None:
        deadline = time.monotonic() + 10
        while sql(pg_url, "SELECT stage FROM spaces WHERE id = :id", id=space_id)[0][0] != "APP_STARTING":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(1.0)
        set_runtime(pg_url, space_id, upstream.url, "running")
        sql(pg_url, "UPDATE spaces SET stage = 'RUNNING' WHERE id = :id", id=space_id)

    thread = threading.Thread(target=reconciler, daemon=True)
    thread.start()
    start = time.monotonic()
    response = get(router, "/api/hello")
    waited = time.monotonic() - start
    thread.join(timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["hello"] == "world"
    assert waited >= 1.0
    stages = [row[0] for row in sql(pg_url, "SELECT stage FROM space_stage_events WHERE space_id = :id", id=space_id)]
    assert stages == ["APP_STARTING"]
    assert sql(pg_url, "SELECT desired_state FROM spaces WHERE id = :id", id=space_id)[0][0] == "running"


def test_failed_spaces_show_their_stage(api: Any, pg_url: str, upstream: Served, router: Served | ServedRouter) -> None:
    signup(api, "alice")
    space_id = add_space(pg_url, stage="BUILD_ERROR", url=None)
    sql(pg_url, "UPDATE spaces SET stage_message = 'pip install failed: no such package' WHERE id = :id",
        id=space_id)
    response = get(router, "/")
    assert response.status_code == 503
    assert "BUILD_ERROR" in response.text and "pip install failed" in response.text


@pytest.mark.parametrize("server", SERVERS)
def test_wake_timeout_gives_a_retry_page(api: Any, pg_url: str, settings: Any, server: str) -> None:
    from podium_cp.router import RouterConfig, SpacesRouter

    signup(api, "alice")
    add_space(pg_url, stage="APP_STARTING", url=None)
    served = serve_router(SpacesRouter(settings, RouterConfig(wake_timeout_s=0.5)), server)
    try:
        response = get(served, "/")
    finally:
        served.stop()
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "APP_STARTING" in response.text


def test_config_from_env() -> None:
    from podium_cp.router import RouterConfig
    from podium_cp.settings import SettingsError

    config = RouterConfig.from_env({"PODIUM_SPACES_DOMAIN": "Example.COM.", "PODIUM_WAKE_TIMEOUT": "5"})
    assert config.spaces_domain == "example.com" and config.wake_timeout_s == 5.0
    assert RouterConfig.from_env({}).spaces_domain == "localhost"
    with pytest.raises(SettingsError, match="PODIUM_WAKE_TIMEOUT"):
        RouterConfig.from_env({"PODIUM_WAKE_TIMEOUT": "soon"})
    json.dumps(config.__dict__)
