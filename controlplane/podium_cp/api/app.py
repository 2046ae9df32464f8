"""The control plane's HTTP app: FastAPI with JSON errors everywhere and OpenAPI docs at /api/docs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from podium_cp import __version__
from podium_cp.api import (
    routes_audit,
    routes_auth,
    routes_deep_links,
    routes_hardware,
    routes_invitations,
    routes_oauth,
    routes_oidc_login,
    routes_orgs,
    routes_revisions,
    routes_secrets,
    routes_share,
    routes_space_auth,
    routes_space_logs,
    routes_space_share,
    routes_spaces,
    routes_teams,
    routes_tokens,
    routes_users,
)
from podium_cp.api.console import mount_console
from podium_cp.db import Database
from podium_cp.errors import APIError
from podium_cp.policy import PermissionDenied
from podium_cp.settings import Settings

logger = logging.getLogger("podium_cp.api")

# Stable codes for the errors Starlette raises itself (unknown route, wrong method, ...).
HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "too_large", 415: "unsupported_media_type", 429: "rate_limited"}


def error_response(status: int, code: str, message: str, details: object = None) -> JSONResponse:
    error: dict[str, object] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status)


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """The API app. `database` defaults to one built from `settings.database_url` (closed on shutdown)."""
    owned = database is None
    db = database or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            await db.dispose()

    app = FastAPI(
        title="Podium control plane",
        version=__version__,
        description="Users, orgs, teams, access, API tokens and the audit log of a Podium installation.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
        # FastAPI's built-in OpenTelemetry hooks would look up the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.db = db

    @app.exception_handler(APIError)
    async def api_error(request: Request, exc: APIError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(PermissionDenied)
    async def permission_denied(request: Request, exc: PermissionDenied) -> JSONResponse:
        return error_response(403, "forbidden", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"where": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        first = details[0] if details else {"where": "request", "problem": "invalid"}
        return error_response(422, "invalid_input", f"{first['where']}: {first['problem']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"No such endpoint: {request.method} {request.url.path}"
        return error_response(exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error in %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Something went wrong on the server; it has been logged")

    @app.get("/api/health", tags=["meta"], summary="Liveness: the API runs (and reaches the database)")
    async def health() -> dict[str, str]:
        from sqlalchemy import text

        async with db.session() as session:
            await session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    for module in (
        routes_auth,
        routes_oidc_login,
        routes_users,
        routes_tokens,
        routes_orgs,
        routes_invitations,
        routes_teams,
        routes_secrets,
        routes_audit,
        routes_oauth,
        routes_spaces,
        routes_hardware,
        routes_revisions,
        routes_space_logs,
        routes_space_auth,
        routes_share,
        routes_deep_links,
        routes_space_share,
    ):
        app.include_router(module.router)
    mount_console(app, settings)  # last: it answers every GET path the API does not
    return app
