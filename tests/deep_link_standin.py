"""A stand-in for a Podium platform's deep-link API, for the SDK's tests (tests/sdk/test_deep_links_*.py).

The real control plane has its own tests (tests/controlplane); the SDK's tests need an API they can make refuse on
demand, on a TCP port and on a Unix socket, without Postgres. `DeepLinkStandIn` answers, as the design says
(docs/design/deep-links.md): the app-facing `POST /api/deep-links` and `GET /api/deep-links/{id}` (Bearer token,
413 over `max_bytes`, 410 for expired ids), and the user-facing `GET/DELETE /api/spaces/{owner}/{name}/deep-links
[/{id}]` and `PATCH /api/spaces/{owner}/{name}`. `refuse` makes every next request answer a given status and body.
Every request is recorded.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

APP_TOKEN = "pdl1.k1.eyJzIjoxfQ.mac"
USER_TOKEN = "pod_user_token"


@dataclass
class Recorded:
    method: str
    path: str
    authorization: str | None
    body: Any


class DeepLinkStandIn:
    """The API on a free loopback port (`url`), or on a Unix socket (`socket_path`); `close()` stops it."""

    def __init__(self, *, socket_path: str | None = None, max_bytes: int = 524288) -> None:
        self.links: dict[str, dict[str, Any]] = {}
        self.requests: list[Recorded] = []
        self.refuse: tuple[int, Any] | None = None
        self.max_bytes = max_bytes
        self.retention_days = 30
        app = Starlette(routes=[
            Route("/api/deep-links", self._create, methods=["POST"]),
            Route("/api/deep-links/{link_id}", self._read, methods=["GET"]),
            Route("/api/spaces/{owner}/{name}/deep-links", self._list, methods=["GET"]),
            Route("/api/spaces/{owner}/{name}/deep-links/{link_id}", self._one, methods=["GET", "DELETE"]),
            Route("/api/spaces/{owner}/{name}", self._patch, methods=["PATCH"]),
        ])
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.socket_path = socket_path
        if socket_path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(socket_path)
            self.url = f"unix://{socket_path}"
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        sock.listen(64)
        self._socket = sock
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        for _ in range(2000):
            if self.server.started:
                break
            time.sleep(0.005)

    def close(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    # --- the API ------------------------------------------------------------------------------------

    async def _record(self, request: Request) -> Response | None:
        raw = await request.body()
        body = orjson.loads(raw) if raw else None
        self.requests.append(Recorded(request.method, request.url.path, request.headers.get("authorization"), body))
        if self.refuse is not None:
            status, answer = self.refuse
            return JSONResponse(answer, status_code=status)
        return None

    def _bearer(self, request: Request, token: str) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"detail": "Invalid deep-link token."}, status_code=401)
        return None

    async def _create(self, request: Request) -> Response:
        refused = await self._record(request) or self._bearer(request, APP_TOKEN)
        if refused is not None:
            return refused
        body = self.requests[-1].body
        if not isinstance(body, dict) or not isinstance(body.get("snapshot"), dict):
            return JSONResponse({"detail": "snapshot must be an object"}, status_code=422)
        size = len(orjson.dumps(body["snapshot"]))
        if size > self.max_bytes:
            return JSONResponse({"error": {"code": "snapshot_too_large", "message": "The snapshot is too large",
                                           "details": {"size_bytes": size, "max_bytes": self.max_bytes}}},
                                status_code=413)
        link_id = secrets.token_urlsafe(12)
        self.links[link_id] = {"id": link_id, "snapshot": body["snapshot"], "app_revision": body.get("app_revision"),
                               "space_revision": body.get("space_revision"), "created_at": "2026-11-21T10:00:00Z",
                               "expires_at": "2026-12-21T10:00:00Z", "size_bytes": size, "open_count": 0,
                               "last_opened_at": None, "expired": False}
        return JSONResponse({k: self.links[link_id][k] for k in ("id", "created_at", "expires_at")}, status_code=201)

    async def _read(self, request: Request) -> Response:
        refused = await self._record(request) or self._bearer(request, APP_TOKEN)
        if refused is not None:
            return refused
        link = self.links.get(request.path_params["link_id"])
        if link is None:
            return JSONResponse({"detail": "Not found"}, status_code=404)
        if link["expired"]:
            message = "This link expired on 2026-01-01 00:00 UTC."
            return JSONResponse({"error": {"code": "deep_link_expired", "message": message}, "detail": message},
                                status_code=410)
        link["open_count"] += 1
        return JSONResponse({k: link[k] for k in ("id", "snapshot", "app_revision", "space_revision", "created_at",
                                                  "expires_at")})

    def _out(self, link: dict[str, Any]) -> dict[str, Any]:
        labels = [c.get("label") or key for key, c in link["snapshot"].get("components", {}).items()]
        return {"id": link["id"], "url": f"http://demo--acme.spaces.test/?deep_link={link['id']}",
                "created_at": link["created_at"], "expires_at": link["expires_at"], "size_bytes": link["size_bytes"],
                "app_revision": link["app_revision"], "space_revision": link["space_revision"],
                "open_count": link["open_count"], "last_opened_at": link["last_opened_at"], "labels": labels}

    def _space(self, request: Request) -> Response | None:
        if (request.path_params["owner"], request.path_params["name"]) != ("acme", "demo"):
            return JSONResponse({"error": {"code": "space_not_found", "message": "No such Space."}}, status_code=404)
        return None

    async def _list(self, request: Request) -> Response:
        refused = await self._record(request) or self._bearer(request, USER_TOKEN) or self._space(request)
        if refused is not None:
            return refused
        items = [self._out(link) for link in reversed(self.links.values())]
        limit = int(request.query_params.get("limit", "50"))
        start = int(request.query_params.get("cursor", "0"))
        page = items[start:start + limit]
        following = str(start + limit) if start + limit < len(items) else None
        return JSONResponse({"items": page, "next_cursor": following})

    async def _one(self, request: Request) -> Response:
        refused = await self._record(request) or self._bearer(request, USER_TOKEN) or self._space(request)
        if refused is not None:
            return refused
        link = self.links.get(request.path_params["link_id"])
        if link is None:
            return JSONResponse({"error": {"code": "deep_link_not_found", "message": "No such deep link."}},
                                status_code=404)
        if request.method == "DELETE":
            del self.links[link["id"]]
            return Response(status_code=204)
        return JSONResponse({**self._out(link), "snapshot": link["snapshot"]})

    async def _patch(self, request: Request) -> Response:
        refused = await self._record(request) or self._bearer(request, USER_TOKEN) or self._space(request)
        if refused is not None:
            return refused
        days = (self.requests[-1].body or {}).get("deep_link_retention_days")
        if not isinstance(days, int) or not 1 <= days <= 365:
            return JSONResponse({"error": {"code": "validation_error",
                                           "message": "deep_link_retention_days must be between 1 and 365"}},
                                status_code=422)
        self.retention_days = days
        return JSONResponse({"owner": "acme", "name": "demo", "deep_link_retention_days": days})
