"""What the app is: `/config`, `/gradio_api/info`, `app_id`, and the small static routes browsers ask for."""

from __future__ import annotations

import logging
import mimetypes
import os

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from podium.server.context import ServerContext
from podium.server.responses import JSONResponse

logger = logging.getLogger("podium.server")

_MANIFEST = {
    "name": "Podium",
    "icons": [{"src": "static/img/logo_nosize.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    "start_url": "./",
    "display": "standalone",
}
_ROBOTS = "User-agent: *\nDisallow: \n"


def config_routes(ctx: ServerContext, api_prefix: str) -> list[BaseRoute]:
    async def config(request: Request) -> Response:
        ctx.auth.require(request)
        return JSONResponse(await ctx.request_config(request))

    async def info(request: Request) -> Response:
        ctx.auth.require(request)
        all_endpoints = request.query_params.get("all_endpoints", "").lower() in ("true", "1", "yes")
        if all_endpoints:
            return JSONResponse(ctx.api_info(all_endpoints=True))
        from podium.api_info import with_code_snippets

        return JSONResponse(with_code_snippets(ctx.api_info(), ctx.root_url(request)))

    async def openapi(request: Request) -> Response:
        ctx.auth.require(request)
        from podium.api_info import build_openapi
        from podium.blocks import PROTOCOL_VERSION

        return JSONResponse(build_openapi(ctx.api_info(), ctx.blocks.title or "Podium app", PROTOCOL_VERSION))

    async def app_id(request: Request) -> Response:
        return JSONResponse({"app_id": ctx.blocks.app_id})

    async def startup_events(request: Request) -> Response:
        first = not ctx.startup_events_fired
        ctx.startup_events_fired = True
        return JSONResponse(first)

    async def manifest(request: Request) -> Response:
        manifest = {**_MANIFEST, "name": ctx.blocks.title or "Podium"}
        return JSONResponse(manifest, media_type="application/manifest+json")

    async def theme_css(request: Request) -> Response:
        return Response(theme_stylesheet(ctx), media_type="text/css")

    favicon_path = ctx.settings.favicon_path
    if favicon_path and not os.path.isfile(favicon_path):
        logger.warning("favicon_path %s is not a file; no favicon is served.", favicon_path)
        favicon_path = None
    favicon_type = (mimetypes.guess_type(favicon_path)[0] if favicon_path else None) or "image/x-icon"

    async def favicon(request: Request) -> Response:
        if favicon_path:
            return FileResponse(favicon_path, media_type=favicon_type)
        return Response(status_code=204)

    async def robots(request: Request) -> Response:
        return PlainTextResponse(_ROBOTS)

    return [
        Route("/config", config, methods=["GET"]),
        Route("/config/", config, methods=["GET"]),
        Route(f"{api_prefix}/info", info, methods=["GET"]),
        Route(f"{api_prefix}/info/", info, methods=["GET"]),
        Route(f"{api_prefix}/openapi.json", openapi, methods=["GET"]),
        Route(f"{api_prefix}/app_id", app_id, methods=["GET"]),
        Route(f"{api_prefix}/app_id/", app_id, methods=["GET"]),
        Route(f"{api_prefix}/startup-events", startup_events, methods=["GET"]),
        Route("/manifest.json", manifest, methods=["GET"]),
        Route("/theme.css", theme_css, methods=["GET"]),
        Route(f"{api_prefix}/theme.css", theme_css, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET", "HEAD"]),
        Route("/robots.txt", robots, methods=["GET"]),
    ]


def theme_stylesheet(ctx: ServerContext) -> str:
    """The app's extra CSS (Blocks `css=` / launch `css=`); the page's own styles live in page.py."""
    css = ctx.blocks.css
    return css if isinstance(css, str) else ""


__all__ = ["config_routes", "theme_stylesheet"]
