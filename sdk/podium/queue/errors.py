"""Errors the event engine raises to the HTTP layer (each maps to one HTTP status)."""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base class of every error `EventEngine` raises to its caller."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownFunction(EngineError):
    """No event handler has this `fn_index` (or it cannot be called through the API)."""

    status_code = 404


class QueueFull(EngineError):
    """The queue already holds `max_queue_size` waiting events; the client should retry later."""

    status_code = 503


class QueueStopped(EngineError):
    """The engine is not running (not started yet, or stopped)."""

    status_code = 503


class InvalidRequest(EngineError):
    """The request itself is malformed (for example `data` is not a list)."""

    status_code = 400


class ValidationFailed(EngineError):
    """The event's `validator` rejected the inputs; `detail` is the list the client expects (422)."""

    status_code = 422

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        messages = [d.get("message", "") for d in detail if d.get("is_valid") is False]
        super().__init__("; ".join(m for m in messages if m) or "Input validation failed.")
        self.detail = detail


class EventFailed(EngineError):
    """`run_now` only: the handler failed; `payload` is the error output dict to send back."""

    status_code = 500

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(str(payload.get("error") or "Event failed."))
        self.payload = payload
