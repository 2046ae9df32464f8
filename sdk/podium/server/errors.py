"""How failures become HTTP responses: clear JSON 4xx for bad requests, a bare 500 for our own bugs.

A stack trace never reaches a client; unexpected exceptions are logged with their traceback and answered
with `{"detail": "Internal server error"}`.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podium.server.responses import HTTPError, JSONResponse, error_response

logger = logging.getLogger("podium.server")


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPError)
    return exc.response()


async def http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own 404/405 (unknown route, wrong method) as JSON, like FastAPI's."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, exc.detail, headers)


def engine_error_response(exc: Exception, valid_api_names: list[str]) -> JSONResponse | None:
    """The response for an error raised by `EventEngine.join`/`run_now`, or None if it is not one of them.

    Unknown function -> 404 (with the valid api names), queue full or stopped -> 503, validator said no
    -> 422 with the list `gradio_client` turns into a `ValidationError`, malformed request -> 400.
    """
    from podium.queue import errors

    if not isinstance(exc, errors.EngineError):
        return None
    if isinstance(exc, errors.UnknownFunction):
        return error_response(404, _unknown_function_detail(exc, valid_api_names))
    if isinstance(exc, errors.ValidationFailed):
        return error_response(422, exc.detail)
    status = int(getattr(exc, "status_code", 500) or 500)
    return error_response(status, _message(exc))


def _unknown_function_detail(exc: Exception, valid_api_names: list[str]) -> str:
    names = ", ".join("/" + n for n in valid_api_names) or "none"
    base = _message(exc) or "Unknown function."
    return f"{base} Valid api names: {names}."


def _message(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message is not None else str(exc)


class CatchAllErrors:
    """ASGI middleware: any exception a route lets escape is logged and answered with a JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("Unhandled error while serving %s %s", scope.get("method"), scope.get("path"))
            if not started:
                response = error_response(500, "Internal server error")
                await response(scope, receive, send)


def exception_handlers() -> dict[Any, Any]:
    return {HTTPError: http_error_handler, HTTPException: http_exception_handler}


__all__ = ["CatchAllErrors", "engine_error_response", "exception_handlers"]
