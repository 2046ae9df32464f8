"""Errors and notices that event handlers raise or send to the user."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any


class PodiumError(Exception):
    """Base class of every error Podium raises on purpose."""


class DuplicateBlockError(PodiumError):
    """A block was rendered twice in the same app."""


class InvalidComponentError(PodiumError, ValueError):
    """An input or output is not a component of this app."""


class Error(PodiumError):
    """Raise inside an event handler to show `message` to the user as an error.

    The message reaches the browser and API clients even when `show_error=False`.
    """

    def __init__(
        self,
        message: str = "Error raised.",
        duration: float | None = 10,
        visible: bool = True,
        title: str = "Error",
        print_exception: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.duration = duration
        self.visible = visible
        self.title = title
        self.print_exception = print_exception

    def __str__(self) -> str:
        return repr(self.message)


# The running event installs a sink here so that `Info`/`Warning` reach the right session.
log_sink: contextvars.ContextVar[Callable[[dict[str, Any]], None] | None] = contextvars.ContextVar(
    "podium_log_sink", default=None
)


def _send_log(level: str, title: str, message: str, duration: float | None, visible: bool) -> None:
    sink = log_sink.get()
    payload = {"log": message, "level": level, "duration": duration, "visible": visible, "title": title}
    if sink is None:
        print(f"{title}: {message}")  # outside an event there is nobody to show it to
        return
    sink(payload)


def Info(message: str = "Info issued.", duration: float | None = 10, visible: bool = True, title: str = "Info") -> None:  # noqa: N802
    """Show an informational toast to the user of the running event."""
    _send_log("info", title, message, duration, visible)


def Warning(  # noqa: N802, A001
    message: str = "Warning issued.", duration: float | None = 10, visible: bool = True, title: str = "Warning"
) -> None:
    """Show a warning toast to the user of the running event."""
    _send_log("warning", title, message, duration, visible)


def Success(message: str = "Success.", duration: float | None = 10, visible: bool = True, title: str = "Success") -> None:  # noqa: N802
    """Show a success toast to the user of the running event."""
    _send_log("success", title, message, duration, visible)
