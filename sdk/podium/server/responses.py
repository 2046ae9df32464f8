"""JSON responses (orjson, as Gradio sends them) and the error shapes every route uses."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from podium.server.sse import dumps


class JSONResponse(Response):
    """A compact orjson response (numpy values and datetimes supported)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def error_response(status_code: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    """`{"detail": ...}` with `status_code`: the error shape Gradio's routes use."""
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


class HTTPError(Exception):
    """Raised by request helpers to end a request with a JSON error (turned into a response by the app)."""

    def __init__(self, status_code: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers

    def response(self) -> JSONResponse:
        return error_response(self.status_code, self.detail, self.headers)


__all__ = ["HTTPError", "JSONResponse", "error_response"]
