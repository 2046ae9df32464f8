"""`ServerContext`: what every route needs (the app, its settings, the engine, files, auth), in one object.

Routes receive the context when the app is created; there is no global state, so several apps can run in
one process (and be mounted side by side).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from podium.server.responses import HTTPError, JSONResponse

if TYPE_CHECKING:
    from podium.blocks import Blocks
    from podium.deeplinks.service import DeepLinkService
    from podium.dependencies import BlockFunction
    from podium.server.auth import Authenticator
    from podium.server.settings import ServerSettings

logger = logging.getLogger("podium.server")

_HOST_RE = re.compile(r"^[A-Za-z0-9.\-_:\[\]]+$")


def _first_header_value(value: str | None) -> str | None:
    if not value:
        return None
    first = value.split(",")[0].strip()
    return first or None


def request_host(request: Request) -> str | None:
    """The host the visitor asked for: a proxy's `X-Forwarded-Host`, else the `Host` header (the first well-formed)."""
    headers = request.headers
    for host in (_first_header_value(headers.get("x-forwarded-host")), headers.get("host")):
        if host and _HOST_RE.match(host):
            return host
    return None


class ServerContext:
    """The running app as the routes see it."""

    def __init__(
        self, blocks: Blocks, settings: ServerSettings, engine: Any, files: Any, authenticator: Authenticator
    ) -> None:
        self.blocks = blocks
        self.settings = settings
        self.engine = engine
        self.files = files  # podium.execution.files.FileContext: .cache (FileCache) and .policy (FilePolicy)
        self.auth = authenticator
        self.stopping = asyncio.Event()  # set on shutdown: open heartbeat and SSE streams end
        self._engine_started = False
        self._engine_lock: asyncio.Lock | None = None
        self._config: dict[str, Any] | None = None
        self._api_info: dict[bool, dict[str, Any]] = {}
        self.startup_events_fired = False
        self.loop: asyncio.AbstractEventLoop | None = None  # the loop serving this app, once started
        self._janitor: asyncio.Future[None] | None = None
        self.deep_links: DeepLinkService | None = None  # set by create_app (podium.deeplinks.service)

    # --- engine ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the engine (once). Called by the lifespan, and lazily by routes when the app is mounted."""
        if self._engine_started:
            return
        loop = asyncio.get_running_loop()
        if self._engine_lock is None or self.loop is not loop:
            # a fresh start (or a new event loop, as test clients make): new loop-bound primitives
            self._engine_lock = asyncio.Lock()
            self.stopping = asyncio.Event()
            self.loop = loop
        async with self._engine_lock:
            if not self._engine_started:
                await self.engine.start()
                self._engine_started = True
                self._janitor = asyncio.ensure_future(self._clean_cache_periodically())

    async def stop(self) -> None:
        """Stop the engine (its open streams get "Server stopped unexpectedly."), then end every stream."""
        try:
            if self._janitor is not None:
                self._janitor.cancel()
                self._janitor = None
            if self._engine_started:
                self._engine_started = False
                await self.engine.stop()
        finally:
            self.stopping.set()

    async def _clean_cache_periodically(self) -> None:
        """Delete old cache files at start and then now and then (`delete_cache=(every, older_than)`, else hourly).

        Cleaning at start too means files left by a crashed or killed run do not pile up.
        """
        delete_cache = self.settings.delete_cache or getattr(self.blocks, "delete_cache", None)
        every = float(delete_cache[0]) if delete_cache else 3600.0
        cache = getattr(self.files, "cache", None)
        if cache is None or every <= 0:
            return
        while True:
            try:
                removed = await asyncio.to_thread(cache.cleanup)
                if removed:
                    logger.info("Removed %d old file(s) from the upload cache", removed)
            except Exception:  # noqa: BLE001 - a failed clean-up is retried next time
                logger.exception("Cleaning the upload cache failed")
            await asyncio.sleep(every)

    # --- app description ---------------------------------------------------------------------------

    def base_config(self) -> dict[str, Any]:
        """The app config (built once) without the per-request fields."""
        if self._config is None:
            config = self.blocks.get_config_file()
            config["max_file_size"] = self.settings.max_file_size
            config["show_error"] = self.settings.show_error
            if not self.settings.show_api:
                config["footer_links"] = [link for link in config.get("footer_links", []) if link != "api"]
            self._config = config
        return self._config

    def api_info(self, *, all_endpoints: bool = False) -> dict[str, Any]:
        """The /info document (built once per flavour) without the per-request code snippets."""
        cached = self._api_info.get(all_endpoints)
        if cached is None:
            from podium.api_info import build_api_info

            cached = self._api_info[all_endpoints] = build_api_info(self.blocks, all_endpoints=all_endpoints)
        return cached

    def config_for(self, request: Request) -> dict[str, Any]:
        config = dict(self.base_config())
        config["username"] = self.auth.current_user(request)
        config["root"] = self.root_url(request)
        return config

    async def request_config(self, request: Request) -> dict[str, Any]:
        """`config_for(request)`, with the snapshot of `?deep_link=ID` applied and its `deep_link_state`."""
        config = self.config_for(request)
        link_id = request.query_params.get("deep_link")
        if link_id is None or self.deep_links is None:
            return config
        return await self.deep_links.restore(config, link_id, host=request_host(request))

    def fn_by_index(self, fn_index: int) -> BlockFunction | None:
        fns = self.blocks.fns
        return fns[fn_index] if 0 <= fn_index < len(fns) else None

    def fn_by_api_name(self, api_name: str) -> BlockFunction | None:
        """The callable function named `api_name` (leading slash optional); private ones are never found."""
        name = api_name.lstrip("/")
        for fn in self.blocks.fns:
            if fn.api_name == name and fn.api_visibility != "private" and fn.fn is not None:
                return fn
        return None

    def valid_api_names(self) -> list[str]:
        return [
            str(fn.api_name)
            for fn in self.blocks.fns
            if fn.api_visibility != "private" and fn.fn is not None and isinstance(fn.api_name, str)
        ]

    # --- request helpers ---------------------------------------------------------------------------

    def root_url(self, request: Request) -> str:
        """The public base URL of the app, without a trailing slash (the config's `root`).

        `X-Forwarded-Host`/`X-Forwarded-Proto` from a proxy win over the request's own host and scheme;
        the path where the app is mounted and `root_path` are appended.
        """
        root_path = self.settings.root_path
        if root_path.startswith(("http://", "https://")):
            return root_path.rstrip("/")
        headers = request.headers
        host = request_host(request)
        if host is None:
            server = request.scope.get("server") or (self.settings.server_name, self.settings.server_port)
            host = f"{server[0]}:{server[1]}"
        proto = _first_header_value(headers.get("x-forwarded-proto"))
        if proto not in ("http", "https"):
            proto = "https" if request.url.scheme in ("https", "wss") else "http"
        mount = request.scope.get("root_path", "") or ""
        return f"{proto}://{host}{mount}{root_path}".rstrip("/")

    def request_info(self, request: Request, *, session_hash: str | None, username: str | None = None) -> Any:
        """What the engine (and `gr.Request`) learns about the HTTP request that started an event."""
        from podium.request import RequestInfo

        client = request.client
        return RequestInfo(
            headers=dict(request.headers),
            client_host=client.host if client else None,
            client_port=client.port if client else None,
            query_params=dict(request.query_params),
            path_params=dict(request.path_params),
            cookies=dict(request.cookies),
            url=str(request.url),
            root_url=self.root_url(request),
            username=username if username is not None else self.auth.current_user(request),
            session_hash=session_hash,
        )

    async def join_event(self, request: Request, *, session_hash: str | None, username: str | None, **join: Any) -> Response:
        """Queue an event; answer `{"event_id": ...}`, or the JSON error an engine refusal maps to (404, 503, ...)."""
        from podium.server.errors import engine_error_response

        await self.start()
        try:
            event_id = self.engine.join(
                session_hash=session_hash,
                request=self.request_info(request, session_hash=session_hash, username=username),
                **join,
            )
        except Exception as exc:
            response = engine_error_response(exc, self.valid_api_names())
            if response is None:
                raise
            return response
        return JSONResponse({"event_id": event_id})


MAX_JSON_BODY = 64 * 1024 * 1024  # files travel through /upload; a JSON call body this big is a mistake or abuse


async def read_json_object(request: Request, limit: int = MAX_JSON_BODY) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 (413 when over `limit` bytes) that says what is wrong."""
    too_large = HTTPError(413, f"The request body is over {limit // (1024 * 1024)} MB; upload files with /upload.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body:
        raise HTTPError(400, "The request body is empty; send a JSON object.")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPError(400, f"The request body is not valid JSON: {exc}.") from None
    if not isinstance(value, dict):
        raise HTTPError(400, f"The request body must be a JSON object, not {_json_type(value)}.")
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


__all__ = ["MAX_JSON_BODY", "ServerContext", "read_json_object", "request_host"]
