"""Yamux stream multiplexing (hashicorp/yamux wire format), as frpc and frps run it over one TCP connection.

Every frame has a 12-byte big-endian header: version 0, type, flags, stream id, length. Each stream has a
receive window (256 KiB at first, raised to `max_stream_window` by the SYN/ACK window updates); a sender never
has more bytes in flight than the peer granted, and a peer that does is a protocol error that ends the session.

The session's frame reader reads the socket in large chunks and parses every frame in the buffer without
awaiting; stream data lands in a per-stream buffer whose reader is woken by a future. Frames, windows and
streams: `podium_tunnel.yamux_stream`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from typing import Final

from podium_tunnel.conn import format_address
from podium_tunnel.yamux_stream import (
    FLAG_ACK,
    FLAG_FIN,
    FLAG_RST,
    FLAG_SYN,
    GO_AWAY_INTERNAL_ERROR,
    GO_AWAY_NORMAL,
    GO_AWAY_PROTOCOL_ERROR,
    HEADER,
    HEADER_LENGTH,
    INITIAL_STREAM_WINDOW,
    MAX_STREAM_ID,
    TYPE_DATA,
    TYPE_GO_AWAY,
    TYPE_PING,
    TYPE_WINDOW_UPDATE,
    VERSION,
    SessionClosed,
    YamuxError,
    YamuxStream,
    frame,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_STREAM_WINDOW: Final = 6 * 1024 * 1024  # frp >= 0.52 on both sides
ACCEPT_BACKLOG: Final = 256
READ_CHUNK: Final = 256 * 1024


class YamuxSession:
    """A yamux session over one connection: opens and accepts streams, answers pings, enforces windows.

    `client=True` opens odd stream ids (frpc), `client=False` even ones (frps, which never opens any).
    Call `start()` once the session is built; `accept_stream()` raises `SessionClosed` when it ends.
    """

    def __init__(
        self,
        conn_reader: asyncio.StreamReader,
        conn_writer: asyncio.StreamWriter,
        *,
        client: bool,
        max_stream_window: int = DEFAULT_MAX_STREAM_WINDOW,
        keepalive_interval: float | None = 30.0,
        keepalive_timeout: float = 10.0,
        accept_backlog: int = ACCEPT_BACKLOG,
    ) -> None:
        if max_stream_window < INITIAL_STREAM_WINDOW:
            raise ValueError(f"max_stream_window must be at least {INITIAL_STREAM_WINDOW} bytes")
        self.loop = asyncio.get_running_loop()
        self._reader = conn_reader
        self._writer = conn_writer
        self._transport = conn_writer.transport
        self._high_water = self._transport.get_write_buffer_limits()[1]
        self.client = client
        self.max_stream_window = max_stream_window
        self.keepalive_interval = keepalive_interval
        self.keepalive_timeout = keepalive_timeout
        self.accept_backlog = accept_backlog
        self.remote_address = format_address(conn_writer.get_extra_info("peername"))
        self.closed = False
        self.close_reason = ""
        self._closed_event = asyncio.Event()
        self._streams: dict[int, YamuxStream] = {}
        self._next_id = 1 if client else 2
        self._accept_queue: deque[YamuxStream] = deque()
        self._accept_waiter: asyncio.Future[None] | None = None
        self._unacked_opens = 0
        self._syn_slot = asyncio.Event()
        self._ping_ids = itertools.count(1)
        self._pings: dict[int, asyncio.Future[None]] = {}
        self._remote_go_away = False
        self._local_go_away = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Starts the frame reader (and the keepalive pinger if an interval is set)."""
        if self._tasks:
            return
        self._tasks.append(self.loop.create_task(self._read_loop(), name=f"yamux reader {self.remote_address}"))
        if self.keepalive_interval:
            self._tasks.append(self.loop.create_task(self._keepalive(), name=f"yamux keepalive {self.remote_address}"))

    # --- public API ---

    async def open_stream(self) -> YamuxStream:
        """Opens a new stream (sends its SYN); waits while `accept_backlog` opens are still unacknowledged."""
        while self._unacked_opens >= self.accept_backlog and not self.closed:
            self._syn_slot.clear()
            await self._syn_slot.wait()
        if self.closed:
            raise SessionClosed(f"the yamux session is closed ({self.close_reason})")
        if self._remote_go_away:
            raise SessionClosed("the peer is going away and accepts no new streams")
        stream_id = self._next_id
        if stream_id > MAX_STREAM_ID:
            raise SessionClosed("this yamux session has used all its stream ids; open a new session")
        self._next_id += 2
        stream = YamuxStream(self, stream_id, opened_locally=True)
        self._streams[stream_id] = stream
        self._unacked_opens += 1
        delta = self.max_stream_window - INITIAL_STREAM_WINDOW
        stream._recv_window += delta
        self._send(frame(TYPE_WINDOW_UPDATE, FLAG_SYN, stream_id, delta))
        await self._drain()
        return stream

    async def accept_stream(self) -> YamuxStream:
        """The next stream the peer opened (after sending its ACK); `SessionClosed` once the session ends."""
        while not self._accept_queue or self.closed:
            if self.closed:
                raise SessionClosed(f"the yamux session is closed ({self.close_reason})")
            waiter = self.loop.create_future()
            self._accept_waiter = waiter
            try:
                await waiter
            finally:
                self._accept_waiter = None
        stream = self._accept_queue.popleft()
        if not (stream._reset or self.closed):
            delta = self.max_stream_window - INITIAL_STREAM_WINDOW
            stream._recv_window += delta
            stream._send_frame(TYPE_WINDOW_UPDATE, 0, delta)  # carries the pending ACK
        return stream

    async def ping(self, timeout: float | None = None) -> float:
        """Round-trip time of one ping, in seconds; `SessionClosed` if the session ends first."""
        if self.closed:
            raise SessionClosed(f"the yamux session is closed ({self.close_reason})")
        ping_id = next(self._ping_ids) & MAX_STREAM_ID
        waiter: asyncio.Future[None] = self.loop.create_future()
        self._pings[ping_id] = waiter
        started = time.monotonic()
        try:
            self._send(frame(TYPE_PING, FLAG_SYN, 0, ping_id))
            await asyncio.wait_for(waiter, timeout)
        finally:
            self._pings.pop(ping_id, None)
        return time.monotonic() - started

    async def go_away(self) -> None:
        """Tells the peer that this side accepts no new streams (GoAway normal); open streams go on."""
        if not self.closed and not self._local_go_away:
            self._local_go_away = True
            self._send(frame(TYPE_GO_AWAY, 0, 0, GO_AWAY_NORMAL))
            await self._drain()

    async def close(self) -> None:
        """Closes the session and its connection; every stream sees the end (like Go's, sends no GoAway)."""
        self._shutdown("closed locally")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer.wait_closed(), 5.0)
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current and not task.done():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def wait_closed(self) -> None:
        """Waits until the session has ended."""
        await self._closed_event.wait()

    @property
    def stream_count(self) -> int:
        """Streams still open on this session."""
        return len(self._streams)

    # --- writing frames ---

    def _send(self, header: bytes, payload: bytes | memoryview = b"") -> None:
        if self.closed or self._transport.is_closing():
            raise SessionClosed(f"the yamux session is closed ({self.close_reason or 'connection lost'})")
        # One write per frame: the header and the payload leave together.
        self._writer.write(header + payload if payload else header)

    async def _drain(self) -> None:
        if self._transport.get_write_buffer_size() > self._high_water:
            try:
                await self._writer.drain()
            except (ConnectionError, RuntimeError) as error:
                self._shutdown(f"connection lost: {error}")
                raise SessionClosed("the yamux session's connection was lost") from error

    # --- bookkeeping used by streams ---

    def _forget(self, stream: YamuxStream) -> None:
        if self._streams.get(stream.stream_id) is stream:
            del self._streams[stream.stream_id]
        if not stream._acked:
            stream._acked = True
            self._release_syn_slot()

    def _release_syn_slot(self) -> None:
        self._unacked_opens -= 1
        self._syn_slot.set()

    # --- reading frames ---

    async def _read_loop(self) -> None:
        reason = "the peer closed the connection"
        try:
            await self._parse_forever()
        except YamuxError as error:
            reason = f"protocol error: {error}"
            log.warning("yamux session with %s: %s", self.remote_address, error)
            with contextlib.suppress(Exception):
                self._send(frame(TYPE_GO_AWAY, 0, 0, GO_AWAY_PROTOCOL_ERROR))
        except (ConnectionError, OSError) as error:
            reason = f"connection lost: {error}"
        except asyncio.CancelledError:
            self._shutdown("closed locally")
            raise
        except Exception as error:  # a bug here must end the session, never leave it hanging
            reason = f"internal error: {error!r}"
            log.exception("yamux session with %s failed", self.remote_address)
            with contextlib.suppress(Exception):
                self._send(frame(TYPE_GO_AWAY, 0, 0, GO_AWAY_INTERNAL_ERROR))
        self._shutdown(reason)

    async def _parse_forever(self) -> None:
        buffer = bytearray()
        pending = 0  # payload bytes of the current data frame still to come
        pending_stream: YamuxStream | None = None
        pending_flags = 0
        read = self._reader.read
        unpack = HEADER.unpack_from
        while True:
            chunk = await read(READ_CHUNK)
            if not chunk:
                return
            if buffer:
                buffer += chunk
                data: bytes | bytearray = buffer
            else:
                data = chunk
            size = len(data)
            pos = 0
            with memoryview(data) as view:
                while True:
                    if pending:
                        n = min(pending, size - pos)
                        if pending_stream is not None and n:
                            pending_stream._receive(view[pos : pos + n])
                        pos += n
                        pending -= n
                        if pending:
                            break
                        if pending_stream is not None and pending_flags:
                            pending_stream._on_flags(pending_flags)
                        pending_stream = None
                    if size - pos < HEADER_LENGTH:
                        break
                    version, kind, flags, stream_id, length = unpack(data, pos)
                    pos += HEADER_LENGTH
                    if version != VERSION:
                        raise YamuxError(f"unsupported yamux version {version}")
                    if kind == TYPE_DATA:
                        pending_stream = self._on_stream_frame(kind, flags, stream_id, length)
                        pending = length
                        pending_flags = flags & (FLAG_FIN | FLAG_RST)
                        if not length and pending_stream is not None and pending_flags:
                            pending_stream._on_flags(pending_flags)
                    elif kind == TYPE_WINDOW_UPDATE:
                        stream = self._on_stream_frame(kind, flags, stream_id, length)
                        if stream is not None:
                            stream._on_window_update(length)
                            stream._on_flags(flags & (FLAG_FIN | FLAG_RST))
                    elif kind == TYPE_PING:
                        self._on_ping(flags, length)
                    elif kind == TYPE_GO_AWAY:
                        self._on_go_away(length)
                    else:
                        raise YamuxError(f"unknown yamux frame type {kind}")
            if pos < size:
                if data is buffer:
                    del buffer[:pos]
                else:
                    buffer = bytearray(chunk[pos:])
            elif buffer:
                buffer = bytearray()

    def _on_stream_frame(self, kind: int, flags: int, stream_id: int, length: int) -> YamuxStream | None:
        """Handles SYN/ACK and the window check of a Data or WindowUpdate frame; the stream, or None to drop it."""
        if stream_id == 0:
            raise YamuxError("a data or window update frame on stream 0")
        stream = self._streams.get(stream_id)
        if flags & FLAG_SYN:
            if stream is not None:
                raise YamuxError(f"stream {stream_id} opened twice")
            stream = self._incoming(stream_id)
            if stream is None:
                return None
        elif stream is None:
            return None  # a stream we already forgot: its data is drained and ignored
        if flags & FLAG_ACK:
            stream._on_flags(FLAG_ACK)
        if kind == TYPE_DATA and length:
            if length > stream._recv_window:
                raise YamuxError(
                    f"stream {stream_id} sent {length} bytes with only {stream._recv_window} bytes of window"
                )
            stream._recv_window -= length
            stream._in_flight += length
        return stream

    def _incoming(self, stream_id: int) -> YamuxStream | None:
        if (stream_id % 2 == 1) != (not self.client):
            raise YamuxError(f"the peer opened stream {stream_id}, an id of this side's parity")
        if self._local_go_away or len(self._accept_queue) >= self.accept_backlog:
            # Refused, as the Go side does: a bare RST, and the stream's frames are ignored.
            self._send(frame(TYPE_WINDOW_UPDATE, FLAG_RST, stream_id, 0))
            return None
        stream = YamuxStream(self, stream_id, opened_locally=False)
        self._streams[stream_id] = stream
        self._accept_queue.append(stream)
        waiter = self._accept_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return stream

    def _on_ping(self, flags: int, ping_id: int) -> None:
        if flags & FLAG_SYN:
            self._send(frame(TYPE_PING, FLAG_ACK, 0, ping_id))
        elif flags & FLAG_ACK:
            waiter = self._pings.pop(ping_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def _on_go_away(self, code: int) -> None:
        if code == GO_AWAY_NORMAL:
            self._remote_go_away = True
            return
        what = {GO_AWAY_PROTOCOL_ERROR: "a protocol error", GO_AWAY_INTERNAL_ERROR: "an internal error"}
        raise ConnectionResetError(f"the peer ended the session with GoAway ({what.get(code, f'code {code}')})")

    async def _keepalive(self) -> None:
        assert self.keepalive_interval is not None
        try:
            while not self.closed:
                await asyncio.sleep(self.keepalive_interval)
                try:
                    await self.ping(timeout=self.keepalive_timeout)
                except asyncio.TimeoutError:
                    log.warning("yamux session with %s: no ping answer, closing", self.remote_address)
                    self._shutdown(f"no ping answer within {self.keepalive_timeout} s")
        except (SessionClosed, asyncio.CancelledError):
            pass

    # --- ending ---

    def _shutdown(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        with contextlib.suppress(Exception):
            self._writer.close()
        streams = list(self._streams.values()) + list(self._accept_queue)
        self._streams.clear()
        for stream in streams:
            stream._on_session_closed()
        for waiter in self._pings.values():
            if not waiter.done():
                waiter.set_exception(SessionClosed(f"the yamux session is closed ({reason})"))
        self._pings.clear()
        if self._accept_waiter is not None and not self._accept_waiter.done():
            self._accept_waiter.set_result(None)
        self._syn_slot.set()
        self._closed_event.set()
