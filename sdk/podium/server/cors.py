"""CORS: browsers may call the app from its own origin and from localhost pages, nothing else by default.

This follows Gradio's strict CORS idea. A request from an allowed origin gets that origin echoed back with
credentials allowed (never a `*` wildcard with credentials); other origins get no CORS headers, so the
browser keeps their scripts from reading responses. `strict_cors=False` also allows the `null` origin
(files opened from disk); `allowed_cors_origins` adds exact origins.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCALHOST_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
_ALLOW_METHODS = "GET, POST, PUT, DELETE, OPTIONS, HEAD"


class StrictCORSMiddleware:
    """Echo `Access-Control-Allow-*` headers for same-origin and localhost origins only."""

    def __init__(self, app: ASGIApp, *, strict: bool = True, extra_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.strict = strict
        self.extra_origins = frozenset(o.rstrip("/") for o in extra_origins)

    def is_allowed(self, origin: str, headers: Headers) -> bool:
        if origin == "null":
            return not self.strict
        if origin.rstrip("/") in self.extra_origins:
            return True
        try:
            parts = urlsplit(origin)
            hostname = parts.hostname
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not hostname:
            return False
        if hostname in LOCALHOST_NAMES:
            return True
        own_hosts = {h for h in (headers.get("host"), headers.get("x-forwarded-host")) if h}
        own_hosts = {h.split(",")[0].strip().lower() for h in own_hosts}
        return parts.netloc.lower() in own_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self.is_allowed(origin, headers)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, allowed, headers)(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["access-control-allow-origin"] = origin
                response_headers["access-control-allow-credentials"] = "true"
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _preflight(origin: str, allowed: bool, headers: Headers) -> PlainTextResponse:
        if not allowed:
            return PlainTextResponse("Disallowed CORS origin", status_code=400, headers={"vary": "Origin"})
        requested = headers.get("access-control-request-headers")
        return PlainTextResponse(
            "OK",
            headers={
                "access-control-allow-origin": origin,
                "access-control-allow-credentials": "true",
                "access-control-allow-methods": _ALLOW_METHODS,
                "access-control-allow-headers": requested or "*",
                "access-control-max-age": "600",
                "vary": "Origin",
            },
        )


__all__ = ["StrictCORSMiddleware"]
