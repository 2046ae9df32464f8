"""Where a running event's side messages go: progress (throttled, from any thread) and stray logs."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("podium.queue")


def log_to_server(payload: dict[str, Any]) -> None:
    """Where `gr.Info`/`gr.Warning` go when no stream shows them (`/run`, `/call`, unload handlers)."""
    logger.info("%s: %s", payload.get("title"), payload.get("log"))


class ProgressThrottle:
    """Sends an event's progress at most once per `interval`, always including the latest (thread-safe).

    Handlers call it from worker threads; the message itself is always sent on the loop, by `send`.
    """

    __slots__ = ("loop", "loop_thread", "send", "interval", "pending", "scheduled", "last_sent")

    def __init__(self, loop: asyncio.AbstractEventLoop, loop_thread: int,
                 send: Callable[[list[dict[str, Any]]], None], interval: float) -> None:
        self.loop = loop
        self.loop_thread = loop_thread
        self.send = send
        self.interval = interval
        self.pending: list[dict[str, Any]] | None = None
        self.scheduled = False
        self.last_sent = 0.0

    def __call__(self, progress_data: list[dict[str, Any]]) -> None:
        self.pending = progress_data
        if self.scheduled:
            return
        self.scheduled = True
        delay = max(0.0, self.last_sent + self.interval - time.monotonic())
        if self.loop.is_closed():
            return
        if threading.get_ident() == self.loop_thread:
            self._arm(delay)
        else:
            self.loop.call_soon_threadsafe(self._arm, delay)

    def _arm(self, delay: float) -> None:
        if delay <= 0:
            self.flush()
        else:
            self.loop.call_later(delay, self.flush)

    def flush(self) -> None:
        """Send the latest progress now if some is waiting (the event is about to complete)."""
        self.scheduled = False
        data, self.pending = self.pending, None
        if data is not None:
            self.last_sent = time.monotonic()
            self.send(data)
