"""Per-session message buffers: messages wait here from the join until the client's stream reads them."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

Message = dict[str, Any]


class MessageBuffer:
    """A FIFO of messages for one reader, bounded to `max_messages` (the oldest are dropped past that).

    The reader awaits `wait()`; `push()` wakes it. No polling: the only timer is the reader's heartbeat.
    """

    __slots__ = ("messages", "max_messages", "_waiter", "reader_generation")

    def __init__(self, max_messages: int = 10_000) -> None:
        self.messages: deque[Message] = deque()
        self.max_messages = max_messages
        self._waiter: asyncio.Future[bool] | None = None
        self.reader_generation = 0  # a new reader bumps it; an older one then stops

    def push(self, message: Message) -> None:
        self.messages.append(message)
        if len(self.messages) > self.max_messages:
            self.messages.popleft()
        self.wake()

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    async def wait(self, timeout: float) -> bool:
        """Wait until a message arrives (True) or `timeout` seconds pass (False)."""
        if self.messages:
            return True
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiter = waiter
        timer = loop.call_later(timeout, _resolve, waiter, False)
        try:
            return await waiter
        finally:
            timer.cancel()
            if self._waiter is waiter:
                self._waiter = None


def _resolve(waiter: asyncio.Future[bool], value: bool) -> None:
    if not waiter.done():
        waiter.set_result(value)


class Session:
    """One client session (`session_hash`): its message buffer and the ids of its unfinished events."""

    __slots__ = ("session_hash", "buffer", "pending", "last_active", "readers", "latest_queued", "close_handle")

    def __init__(self, session_hash: str, max_messages: int) -> None:
        self.session_hash = session_hash
        self.buffer = MessageBuffer(max_messages)
        self.pending: set[str] = set()
        self.last_active = time.monotonic()
        self.readers = 0
        self.latest_queued: dict[int, Any] = {}  # fn_index -> newest queued event (trigger_mode="always_last")
        self.close_handle: asyncio.TimerHandle | None = None  # the close_stream about to be sent

    def is_idle(self) -> bool:
        return not self.pending and self.readers == 0


class EventChannel:
    """The messages of one `simple_format` event (the `/call` GET reads them), with its creation time."""

    __slots__ = ("event_id", "buffer", "created")

    def __init__(self, event_id: str) -> None:
        self.event_id = event_id
        self.buffer = MessageBuffer(max_messages=1_000)
        self.created = time.monotonic()
