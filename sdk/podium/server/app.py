"""`create_app(blocks, settings)`: the Starlette app that serves one Podium app over Gradio's wire protocol.

The routes live in one module per concept (`routes_config`, `routes_queue`, `routes_call`, `routes_files`,
`routes_auth`, `page`, `assets`); this module wires them together with the engine, the file layer, CORS and the
error handlers. `launch()` runs the result with uvicorn; `mount_gradio_app()` mounts it in another app.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from podium.blocks import API_PREFIX
from podium.server.assets import asset_routes, find_frontend_build
from podium.server.auth import Authenticator
from podium.server.context import ServerContext
from podium.server.cors import StrictCORSMiddleware
from podium.server.errors import CatchAllErrors, exception_handlers
from podium.server.page import page_routes
from podium.server.routes_auth import auth_routes
from podium.server.routes_call import call_routes
from podium.server.routes_config import config_routes
from podium.server.routes_deep_links import deep_link_routes
from podium.server.routes_files import file_routes
from podium.server.routes_queue import queue_routes
from podium.server.settings import ServerSettings

if TYPE_CHECKING:
    from podium.blocks import Blocks
    from podium.deeplinks.service import DeepLinkService
    from podium.execution.files import FileContext


def build_file_context(settings: ServerSettings) -> FileContext:
    """The upload cache and file policy for `settings` (temp dir, max_file_size, allowed/blocked paths)."""
    from podium.execution.files import FileContext
    from podium.files.cache import FileCache
    from podium.files.policy import FilePolicy

    delete_cache = settings.delete_cache
    if delete_cache:
        cache = FileCache(settings.temp_dir, max_file_size=settings.max_file_size, ttl_seconds=float(delete_cache[1]))
    else:
        cache = FileCache(settings.temp_dir, max_file_size=settings.max_file_size)
    policy = FilePolicy(cache, allowed_paths=settings.allowed_paths, blocked_paths=settings.blocked_paths)
    return FileContext(cache=cache, policy=policy)


def resolve_queue_settings(blocks: Blocks, settings: ServerSettings) -> None:
    """Fold `blocks.queue(...)` and `Blocks`-level options into `settings` (queue() wins over env vars)."""
    limit = getattr(blocks, "default_concurrency_limit", "not_set")
    if limit != "not_set":
        settings.default_concurrency_limit = limit  # type: ignore[assignment]
    if settings.max_queue_size is None:
        settings.max_queue_size = getattr(blocks, "max_queue_size", None)
    if getattr(blocks, "show_error", False):
        settings.show_error = True


def build_engine(blocks: Blocks, settings: ServerSettings, files: FileContext) -> Any:
    from podium.queue.engine import EventEngine

    return EventEngine(
        blocks,
        files=files,
        max_threads=settings.max_threads,
        default_concurrency_limit=settings.default_concurrency_limit,
        max_queue_size=settings.max_queue_size,
        show_error=settings.show_error,
        heartbeat_interval=settings.heartbeat_interval,
        max_state_sessions=settings.state_session_capacity,
    )


def build_deep_link_service(blocks: Blocks, settings: ServerSettings, files: Any) -> DeepLinkService:
    """Where this app saves and reads its deep links (podium.deeplinks.service)."""
    from podium.deeplinks.service import DeepLinkService

    return DeepLinkService(blocks, settings, getattr(files, "policy", None))


def create_app(
    blocks: Blocks,
    settings: ServerSettings | None = None,
    *,
    engine: Any = None,
    files: FileContext | None = None,
) -> Starlette:
    """The ASGI app for `blocks`. Its lifespan starts and stops the event engine.

    `settings` defaults to the env vars' (`PODIUM_*`/`GRADIO_*`) and the defaults; `engine` and `files`
    default to a new `EventEngine` and a `FileContext` built from `settings`.
    The `ServerContext` is available as `app.state.podium`.
    """
    settings = settings if settings is not None else ServerSettings.from_launch_kwargs({})
    resolve_queue_settings(blocks, settings)
    if settings.delete_cache is None and getattr(blocks, "delete_cache", None):
        settings.delete_cache = blocks.delete_cache
    blocks.show_error = settings.show_error
    files = files if files is not None else build_file_context(settings)
    engine = engine if engine is not None else build_engine(blocks, settings, files)
    ctx = ServerContext(blocks, settings, engine, files, Authenticator(settings.auth, settings.auth_message))
    ctx.deep_links = build_deep_link_service(blocks, settings, files)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ctx.start()
        try:
            yield
        finally:
            await ctx.stop()

    frontend = find_frontend_build()
    routes = [
        *page_routes(ctx, frontend),
        *asset_routes(frontend),
        *config_routes(ctx, API_PREFIX),
        *auth_routes(ctx, API_PREFIX),
        *queue_routes(ctx, API_PREFIX),
        *call_routes(ctx, API_PREFIX),
        *file_routes(ctx, API_PREFIX),
        *deep_link_routes(ctx, API_PREFIX),
    ]
    middleware = [
        Middleware(StrictCORSMiddleware, strict=settings.strict_cors, extra_origins=settings.allowed_cors_origins),
        Middleware(CatchAllErrors),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
        **_starlette_kwargs(settings.app_kwargs),
    )
    app.state.podium = ctx
    app.state.podium_frontend = frontend  # the browser UI's build (None: the plain page is served)
    return app


def _starlette_kwargs(app_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The `app_kwargs` Starlette understands (`debug`); FastAPI-only ones (`docs_url`, ...) are ignored."""
    supported = {"debug"}
    ignored = sorted(set(app_kwargs) - supported)
    if ignored:
        warnings.warn(
            f"app_kwargs {', '.join(ignored)} are FastAPI options; Podium's server is Starlette and ignores them.",
            UserWarning,
            stacklevel=4,
        )
    return {k: v for k, v in app_kwargs.items() if k in supported}


__all__ = ["build_deep_link_service", "build_engine", "build_file_context", "create_app", "resolve_queue_settings"]
