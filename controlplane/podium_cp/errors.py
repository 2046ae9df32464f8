"""The API's errors: each has an HTTP status, a stable `code` clients can branch on, and a message for people.

Every error response has the body `{"error": {"code": "...", "message": "...", "details": {...}?}}`.
"""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """An error a user can hit. The message says what happened and, where it can, what to do."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class InvalidInput(APIError):
    status, code = 422, "invalid_input"


class Unauthenticated(APIError):
    status, code = 401, "unauthenticated"


class Forbidden(APIError):
    status, code = 403, "forbidden"


class NotFound(APIError):
    status, code = 404, "not_found"


class Conflict(APIError):
    status, code = 409, "conflict"


class Gone(APIError):
    status, code = 410, "gone"


class TooManyRequests(APIError):
    status, code = 429, "rate_limited"
