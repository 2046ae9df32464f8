"""A stand-in for a Podium platform's share service, for the SDK's share-link tests (tests/sdk/test_share_*.py).

`ShareStandIn` runs, on free loopback ports, a small Starlette app answering the share API as the design says
(`POST/GET /api/share/links`, `DELETE /api/share/links/{id}`; every request is recorded) and a real
`podium_tunnel.server.TunnelServer` whose vhost serves the links it hands out. `refuse` makes the next
`POST` answer a given status, body and headers instead.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from podium_tunnel.policy import OpenPolicy, Policy, gradio_subdomain
from podium_tunnel.server import TunnelServer


@dataclass
class Recorded:
    """One request the stand-in API received."""

    method: str
    path: str
    authorization: str | None
    body: Any
    query: str


@dataclass
class Refusal:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ShareStandIn:
    """The share API and a tunnel server; `url` is what PODIUM_SHARE_SERVER would name, `close()` stops both."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.requests: list[Recorded] = []
        self.links: dict[str, dict[str, Any]] = {}
        self.refuse: Refusal | None = None
        self.loop = asyncio.new_event_loop()
        self.tunnel = TunnelServer(policy or OpenPolicy(), bind_host="127.0.0.1", bind_port=0,
                                   vhost_host="127.0.0.1", vhost_port=0, sweep_interval=0.2)
        self._loop_thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._loop_thread.start()
        self.call(self.tunnel.start())
        app = Starlette(routes=[Route("/api/share/links", self._create, methods=["POST"]),
                                Route("/api/share/links", self._list, methods=["GET"]),
                                Route("/api/share/links/{link_id}", self._revoke, methods=["DELETE"])])
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._api_thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._api_thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self._api_thread.is_alive(), "the stand-in API did not start"
            time.sleep(0.01)

    def call(self, coro: Any, timeout: float = 30.0) -> Any:
        """Run `coro` on the tunnel server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def vhost_port(self) -> int:
        return int(self.tunnel.vhost_port)

    def host_of(self, link: dict[str, Any]) -> str:
        """The Host header a visitor of `link` sends to the vhost."""
        return f"{link['subdomain']}.share.localhost:{self.vhost_port}"

    def close(self) -> None:
        self.server.should_exit = True
        self._api_thread.join(10)
        self.call(self.tunnel.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._loop_thread.join(10)
        self.loop.close()

    async def _record(self, request: Request) -> Recorded:
        raw = await request.body()
        body: Any = None
        if raw:
            try:
                body = await request.json()
            except ValueError:
                body = raw
        recorded = Recorded(request.method, request.url.path, request.headers.get("authorization"), body,
                            request.url.query)
        self.requests.append(recorded)
        return recorded

    async def _create(self, request: Request) -> Response:
        recorded = await self._record(request)
        if self.refuse is not None:
            refusal, self.refuse = self.refuse, None
            return JSONResponse(refusal.body, status_code=refusal.status, headers=refusal.headers)
        body = recorded.body or {}
        token = secrets.token_hex(16)
        subdomain = gradio_subdomain(token)
        now = datetime.now(timezone.utc)
        link = {
            "id": f"link{len(self.links) + 1}", "token": token, "subdomain": subdomain,
            "url": f"http://{subdomain}.share.localhost:{self.vhost_port}", "label": body.get("label"),
            "created_at": now.isoformat(),
            "expires_at": (now + timedelta(seconds=body.get("lifetime_s") or 7 * 86400)).isoformat(),
            "tunnel": {"host": "127.0.0.1", "port": self.tunnel.bind_port, "tls": False, "auth_token": "",
                       "server_name": None},
        }
        self.links[link["id"]] = link
        return JSONResponse(link, status_code=201)

    async def _list(self, request: Request) -> Response:
        await self._record(request)
        listed = [{k: v for k, v in link.items() if k not in ("token", "tunnel")}
                  | {"status": "active", "connected": True, "revoked_at": None, "last_seen_at": None}
                  for link in self.links.values()]
        return JSONResponse({"links": listed})

    async def _revoke(self, request: Request) -> Response:
        await self._record(request)
        link = self.links.pop(request.path_params["link_id"], None)
        if link is None:
            return JSONResponse({"error": {"code": "not_found", "message": "no such share link"}}, status_code=404)
        killed = asyncio.run_coroutine_threadsafe(  # the tunnel server lives on its own loop
            self.tunnel.close_proxy(link["subdomain"], "this share link was revoked"), self.loop)
        await asyncio.wrap_future(killed)
        return Response(status_code=204)
