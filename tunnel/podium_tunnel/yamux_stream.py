"""Yamux frames and streams (hashicorp/yamux wire format): the header, its types and flags, and `YamuxStream`.

Every frame has a 12-byte big-endian header: version 0, type, flags, stream id, length. A stream's writes respect
the window its peer granted and its reads grant more; `podium_tunnel.yamux.YamuxSession` owns the streams, reads
the frames and calls the stream's `_receive`/`_on_*` methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from podium_tunnel.yamux import YamuxSession

HEADER = struct.Struct(">BBHII")
HEADER_LENGTH: Final = 12
VERSION: Final = 0

TYPE_DATA: Final = 0
TYPE_WINDOW_UPDATE: Final = 1
TYPE_PING: Final = 2
TYPE_GO_AWAY: Final = 3

FLAG_SYN: Final = 0x1
FLAG_ACK: Final = 0x2
FLAG_FIN: Final = 0x4
FLAG_RST: Final = 0x8

GO_AWAY_NORMAL: Final = 0
GO_AWAY_PROTOCOL_ERROR: Final = 1
GO_AWAY_INTERNAL_ERROR: Final = 2

INITIAL_STREAM_WINDOW: Final = 256 * 1024
MAX_FRAME_PAYLOAD: Final = 256 * 1024  # larger writes are split so that other streams' frames interleave
MAX_STREAM_ID: Final = 0xFFFFFFFF


class SessionClosed(ConnectionResetError):
    """The yamux session ended (closed locally, by the peer, or after a protocol error)."""


class StreamReset(ConnectionResetError):
    """The stream was reset (RST) by either side."""


class YamuxError(Exception):
    """The peer broke the yamux protocol; the session sends GoAway(protocol error) and closes."""


def frame(kind: int, flags: int, stream_id: int, length: int) -> bytes:
    """A 12-byte frame header."""
    return HEADER.pack(VERSION, kind, flags, stream_id, length)


class YamuxStream:
    """One yamux stream: a `Conn` whose writes respect the peer's window and whose reads grant it more."""

    def __init__(self, session: YamuxSession, stream_id: int, *, opened_locally: bool) -> None:
        self.session = session
        self.stream_id = stream_id
        self._buffer = bytearray()
        self._recv_window = INITIAL_STREAM_WINDOW  # bytes the peer may still send before our next update
        self._in_flight = 0  # payload of a data frame whose header arrived but whose bytes are still coming
        self._send_window = INITIAL_STREAM_WINDOW  # bytes we may still send before the peer's next update
        self._pending_flags = 0 if opened_locally else FLAG_ACK  # the acceptor's first frame carries ACK
        self._acked = not opened_locally
        self._remote_fin = False
        self._local_fin = False
        self._local_closed = False  # close(): incoming data is dropped from now on
        self._reset = False
        self._session_closed = False
        self._read_waiter: asyncio.Future[None] | None = None
        self._write_waiter: asyncio.Future[None] | None = None

    @property
    def remote_address(self) -> str:
        """The session's peer, "ip:port"."""
        return self.session.remote_address

    @property
    def peername(self) -> str:
        """The session's peer, "ip:port" (as `StreamConn.peername`)."""
        return self.session.remote_address

    @property
    def buffered_bytes(self) -> int:
        """Bytes received and not yet read."""
        return len(self._buffer)

    def __repr__(self) -> str:
        return f"<YamuxStream {self.stream_id} of {self.session.remote_address}>"

    # --- reading ---

    async def _wait_readable(self) -> None:
        waiter = self.session.loop.create_future()
        self._read_waiter = waiter
        try:
            await waiter
        finally:
            self._read_waiter = None

    def _eof(self) -> bool:
        if self._reset:
            raise StreamReset(f"yamux stream {self.stream_id} was reset")
        return self._remote_fin or self._session_closed or self._local_closed

    async def read(self, n: int = 65536) -> bytes:
        """Up to `n` bytes; b"" once the peer half-closed (or the session ended); `StreamReset` after RST."""
        buffer = self._buffer
        while not buffer:
            if self._eof():
                return b""
            await self._wait_readable()
        if n >= len(buffer):
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:n])
            del buffer[:n]
        self._grant_window()
        return data

    async def readexactly(self, n: int) -> bytes:
        """Exactly `n` bytes; `asyncio.IncompleteReadError` if the stream ends first."""
        buffer = self._buffer
        while len(buffer) < n:
            if self._eof():
                partial = bytes(buffer)
                buffer.clear()
                raise asyncio.IncompleteReadError(partial, n)
            await self._wait_readable()
        data = bytes(buffer[:n])
        del buffer[:n]
        self._grant_window()
        return data

    def _grant_window(self) -> None:
        # Same rule as the Go side: only send an update once it is worth at least half the window.
        maximum = self.session.max_stream_window
        delta = maximum - len(self._buffer) - self._in_flight - self._recv_window
        if delta < maximum // 2 or self._reset or self._remote_fin or self._session_closed:
            return
        self._recv_window += delta
        with contextlib.suppress(SessionClosed):  # the connection is gone: the next read sees the end
            self._send_frame(TYPE_WINDOW_UPDATE, 0, delta)

    # --- writing ---

    def _flags(self, extra: int) -> int:
        flags = self._pending_flags | extra
        self._pending_flags = 0
        return flags

    def _send_frame(self, kind: int, flags: int, length: int, payload: bytes | memoryview = b"") -> None:
        self.session._send(frame(kind, self._flags(flags), self.stream_id, length), payload)

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Sends `data` in frames no larger than the peer's window, waiting for window updates as needed."""
        view = memoryview(data)
        while view:
            self._check_writable()
            window = self._send_window
            if window == 0:
                waiter = self.session.loop.create_future()
                self._write_waiter = waiter
                try:
                    await waiter
                finally:
                    self._write_waiter = None
                continue
            n = min(window, len(view), MAX_FRAME_PAYLOAD)
            self._send_window = window - n
            self._send_frame(TYPE_DATA, 0, n, view[:n])
            view = view[n:]
            await self.session._drain()

    def _check_writable(self) -> None:
        if self._session_closed:
            raise SessionClosed("the yamux session is closed")
        if self._reset:
            raise StreamReset(f"yamux stream {self.stream_id} was reset")
        if self._local_fin:
            raise ConnectionResetError(f"yamux stream {self.stream_id} is closed for writing")

    async def write_eof(self) -> None:
        """Half-close: sends FIN; the peer's data can still be read."""
        if self._local_fin or self._reset or self._session_closed:
            return
        self._local_fin = True
        with contextlib.suppress(SessionClosed):
            self._send_frame(TYPE_WINDOW_UPDATE, FLAG_FIN, 0)
        if self._remote_fin:
            self.session._forget(self)
        self._wake_writer()

    async def close(self) -> None:
        """Sends FIN (if not sent yet) and drops whatever the peer still sends; idempotent."""
        self._local_closed = True
        self._buffer.clear()
        await self.write_eof()
        self._wake_reader()

    def abort(self) -> None:
        """Resets the stream (RST): both sides drop it at once."""
        if self._reset or self._session_closed:
            return
        if not (self._local_fin and self._remote_fin):
            with contextlib.suppress(SessionClosed):
                self._send_frame(TYPE_WINDOW_UPDATE, FLAG_RST, 0)
        self._reset = True
        self._buffer.clear()
        self.session._forget(self)
        self._wake_reader()
        self._wake_writer()

    # --- called by the session's frame reader ---

    def _wake_reader(self) -> None:
        waiter = self._read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter = self._write_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _receive(self, data: memoryview) -> None:
        self._in_flight -= len(data)
        if not self._local_closed and not self._reset:
            self._buffer += data
            self._wake_reader()

    def _on_flags(self, flags: int) -> None:
        if flags & FLAG_ACK and not self._acked:
            self._acked = True
            self.session._release_syn_slot()
        if flags & FLAG_FIN and not self._remote_fin:
            self._remote_fin = True
            if self._local_fin:
                self.session._forget(self)
            self._wake_reader()
        if flags & FLAG_RST:
            self._reset = True
            self.session._forget(self)
            self._wake_reader()
            self._wake_writer()

    def _on_window_update(self, delta: int) -> None:
        if delta:
            self._send_window += delta
            self._wake_writer()

    def _on_session_closed(self) -> None:
        self._session_closed = True
        if not self._acked:
            self._acked = True
        self._wake_reader()
        self._wake_writer()
