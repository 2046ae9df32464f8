"""Message buffers: messages wait here from the join until the client's stream reads them.

A session's messages go to its own buffer (`queue/data`, Gradio's protocol), or, once the session is bound
to a `SharedStream` (Podium's browser runtime: one stream for every tab and event), to that stream's buffer,
each tagged with its `session_hash`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from podium.queue import messages

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


class SharedStream:
    """One browser's stream (`queue/stream?stream_id=`): the messages of every session bound to it.

    One reader at a time (a new one takes over). While no reader is connected, messages wait in the
    (bounded) buffer and `grace_handle` counts down to the moment its sessions count as disconnected.
    """

    __slots__ = ("stream_id", "buffer", "sessions", "connected", "grace_handle", "closed")

    def __init__(self, stream_id: str, max_messages: int) -> None:
        self.stream_id = stream_id
        self.buffer = MessageBuffer(max_messages)
        self.sessions: set[str] = set()  # hashes of the sessions bound to it and not yet disconnected
        self.connected = False
        self.grace_handle: asyncio.TimerHandle | None = None
        self.closed = False  # abandoned: messages of sessions still pointing here are dropped


class Session:
    """One client session (`session_hash`): where its messages go and the ids of its unfinished events."""

    __slots__ = ("session_hash", "buffer", "pending", "last_active", "readers", "close_handle",
                 "stream")

    def __init__(self, session_hash: str, max_messages: int) -> None:
        self.session_hash = session_hash
        self.buffer = MessageBuffer(max_messages)
        self.pending: set[str] = set()
        self.last_active = time.monotonic()
        self.readers = 0
        self.close_handle: asyncio.TimerHandle | None = None  # the close_stream about to be sent
        self.stream: SharedStream | None = None  # set: messages go to this shared stream, not to `buffer`

    def push(self, message: Message) -> None:
        """Send one message to the session's reader: its own buffer, or its shared stream (tagged with the
        session hash; `close_stream` is dropped there, the shared stream never closes)."""
        stream = self.stream
        if stream is None:
            self.buffer.push(message)
        elif not stream.closed and message["msg"] != "close_stream":
            stream.buffer.push({**message, "session_hash": self.session_hash})

    def is_idle(self) -> bool:
        return not self.pending and self.readers == 0


class EventChannel:
    """The messages of one `simple_format` event (the `/call` GET reads them), with its creation time."""

    __slots__ = ("event_id", "buffer", "created")

    def __init__(self, event_id: str) -> None:
        self.event_id = event_id
        self.buffer = MessageBuffer(max_messages=1_000)
        self.created = time.monotonic()


async def read_session(session: Session | None, heartbeat_interval: float,
                       running: Callable[[], bool]) -> AsyncIterator[Message]:
    """A session's `queue/data` stream: its buffered messages in order, heartbeats while idle.

    Ends after `close_stream` (one made stale by a later join is skipped), after `unexpected_error`, when
    the engine stops, or when a newer reader of the same session takes over.
    """
    if session is None:
        yield messages.unexpected_error("404: Not Found", session_not_found=True)
        return
    buffer = session.buffer
    buffer.reader_generation += 1
    generation = buffer.reader_generation
    buffer.wake()  # an older reader of this session stops
    session.readers += 1
    try:
        while True:
            queued = buffer.messages
            while queued:
                message = queued.popleft()
                kind = message["msg"]
                if kind == "close_stream" and (session.pending or queued):
                    continue  # stale: an event joined after it was queued; a later close_stream follows
                yield message
                if kind == "close_stream" or kind == "unexpected_error":
                    return
            if not running():
                return
            arrived = await buffer.wait(heartbeat_interval)
            if buffer.reader_generation != generation:
                return
            if not arrived:
                yield messages.heartbeat()
    finally:
        session.readers -= 1
        session.last_active = time.monotonic()


async def read_shared_stream(stream: SharedStream, generation: int, heartbeat_interval: float,
                             running: Callable[[], bool]) -> AsyncIterator[Message]:
    """A shared stream's messages in order, heartbeats while idle. Never ends on its own: only when the
    engine stops or a newer reader of the same stream (`generation` no longer current) takes over."""
    buffer = stream.buffer
    while buffer.reader_generation == generation:
        queued = buffer.messages
        while queued:
            yield queued.popleft()
        if not running():
            return
        arrived = await buffer.wait(heartbeat_interval)
        if not arrived and buffer.reader_generation == generation:
            yield messages.heartbeat()


async def read_channel(channel: EventChannel | None, heartbeat_interval: float,
                       running: Callable[[], bool]) -> AsyncIterator[Message]:
    """One `simple_format` event's messages, up to and including its `process_completed`."""
    if channel is None:
        yield messages.unexpected_error("404: Not Found")
        return
    buffer = channel.buffer
    while True:
        while buffer.messages:
            message = buffer.messages.popleft()
            yield message
            if message["msg"] in ("process_completed", "unexpected_error"):
                return
        if not running():
            return
        if not await buffer.wait(heartbeat_interval):
            yield messages.heartbeat()
