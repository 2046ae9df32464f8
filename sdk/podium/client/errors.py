"""The errors `podium.client` raises. Every one is a `ClientError`, so `except ClientError` catches them all.

Several also subclass the builtin a caller would naturally catch (`ValueError`, `ConnectionError`,
`concurrent.futures.CancelledError`), so code written for `gradio_client` keeps working.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable
from typing import Any


class ClientError(Exception):
    """Base class of every error raised by `podium.client`."""


class ServerConnectionError(ClientError, ConnectionError):
    """The app could not be reached, or the connection to it broke while a job was running."""


class AuthenticationError(ClientError, ValueError):
    """The app refused the credentials (or needs some): pass `auth=(username, password)` to `Client`."""


class EndpointNotFoundError(ClientError, ValueError):
    """No endpoint matches the `api_name` / `fn_index` given; the message lists the ones that exist."""

    def __init__(self, message: str, available: Iterable[str] = ()) -> None:
        self.available = list(available)
        if self.available:
            message = f"{message} Available endpoints: {', '.join(self.available)}."
        else:
            message = f"{message} This app exposes no API endpoints."
        super().__init__(message)


class ArgumentError(ClientError, TypeError):
    """The arguments do not fit the endpoint (too many, unknown keyword, a required one missing)."""


class QueueFullError(ClientError):
    """The app's queue is full (HTTP 503 on join); retry later."""


class ValidationError(ClientError, ValueError):
    """The app's validator rejected the inputs (HTTP 422 on join); `errors` holds one message per input."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        self.errors = errors or []
        super().__init__(message)


class AppError(ClientError, ValueError):
    """The app's function raised; `message` and `title` are what the app chose to show (may be generic)."""

    def __init__(
        self,
        message: str = "Error raised.",
        duration: float | None = 10,
        visible: bool = True,
        title: str = "Error",
        print_exception: bool = True,
    ) -> None:
        self.message = message
        self.title = title
        self.duration = duration
        self.visible = visible
        self.print_exception = print_exception
        super().__init__(message)


class CancelledError(ClientError, concurrent.futures.CancelledError):
    """The job was cancelled (by `Job.cancel()` or by the server) before it produced a result."""
