"""The byte-stream interface every tunnel layer speaks, and its implementation over asyncio streams.

A `Conn` is a TCP connection, a yamux stream, an encrypted or a compressed wrapper of another `Conn`: the
FRP code above reads and writes bytes without knowing which.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Protocol


class Conn(Protocol):
    """A bidirectional byte stream with half-close."""

    async def read(self, n: int = 65536) -> bytes:
        """Up to `n` bytes as soon as some are available; b"" at the end of the stream."""
        ...

    async def readexactly(self, n: int) -> bytes:
        """Exactly `n` bytes; raises `asyncio.IncompleteReadError` if the stream ends first."""
        ...

    async def write(self, data: bytes) -> None:
        """Sends `data`, waiting for flow control (window, socket buffer) as needed."""
        ...

    async def write_eof(self) -> None:
        """Half-close: no more data from this side; reading goes on."""
        ...

    async def close(self) -> None:
        """Closes both directions; closing twice is harmless."""
        ...

    def abort(self) -> None:
        """Resets the stream now, dropping whatever is not sent yet."""
        ...


def format_address(address: object) -> str:
    """`"ip:port"` for a socket address tuple (IPv6 hosts in brackets); `""` when unknown."""
    if isinstance(address, tuple) and len(address) >= 2:
        host = str(address[0])
        return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
    return str(address) if address else ""


class StreamConn:
    """`Conn` over an asyncio (reader, writer) pair: plain TCP, TLS or a Unix socket."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.peername = format_address(writer.get_extra_info("peername"))
        self._transport = writer.transport
        # Draining costs a call per write; only wait when the transport's buffer is really full.
        self._high_water = self._transport.get_write_buffer_limits()[1]
        self._closed = False

    async def read(self, n: int = 65536) -> bytes:
        """Up to `n` bytes; b"" at the end of the stream."""
        return await self.reader.read(n)

    async def readexactly(self, n: int) -> bytes:
        """Exactly `n` bytes; `asyncio.IncompleteReadError` at an early end of stream."""
        return await self.reader.readexactly(n)

    async def write(self, data: bytes) -> None:
        """Queues `data` on the transport; waits only while the transport's buffer is above its high-water mark."""
        if self._transport.is_closing():
            raise ConnectionResetError("the connection is closed")
        self.writer.write(data)
        if self._transport.get_write_buffer_size() > self._high_water:
            await self.writer.drain()

    async def write_eof(self) -> None:
        """Half-close (TCP shutdown of the sending side); over TLS, which cannot half-close, nothing is done."""
        if self._transport.is_closing() or not self.writer.can_write_eof():
            return
        with contextlib.suppress(OSError, RuntimeError):
            self.writer.write_eof()

    async def close(self) -> None:
        """Closes the connection and waits (briefly) until the transport is gone; idempotent."""
        if self._closed:
            return
        self._closed = True
        self.writer.close()
        with contextlib.suppress(OSError, asyncio.TimeoutError, RuntimeError, ConnectionError):
            await asyncio.wait_for(self.writer.wait_closed(), 5.0)

    def abort(self) -> None:
        """Resets the connection (RST) without sending what is still buffered."""
        self._closed = True
        sock = self._transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # SO_LINGER 0 makes the kernel answer with RST instead of a FIN.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._transport.abort()
