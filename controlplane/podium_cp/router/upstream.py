"""A minimal HTTP/1.1 client to the replicas on asyncio streams, with a keep-alive pool per replica.

Why not httpx: on loopback its per-request cost (about 2 ms here, anyio and h11 included) alone was eight
times what the app itself takes, which broke the issue's budget (under 2 ms added at p50, 70% of direct
throughput). This speaks only what a proxy needs: one request out (body streamed as it arrives), the status and
headers back, then the body as it arrives (Content-Length, chunked, or until close), so SSE is never buffered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024  # bytes of status line + headers a replica may send
_NO_BODY_STATUS = frozenset({204, 304})
_IDLE_PER_REPLICA = 128


class UpstreamError(Exception):
    """The replica could not be reached or answered something that is not HTTP/1.1."""


class UpstreamResponse:
    """The replica's status and headers; iterate `body()` for the rest, then `release()` (always)."""

    def __init__(self, pool: UpstreamPool, key: tuple[str, int], reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, status: int, headers: list[tuple[bytes, bytes]], *,
                 head_only: bool) -> None:
        self.status = status
        self.headers = headers
        self._pool, self._key, self._reader, self._writer = pool, key, reader, writer
        self._reusable = True
        self._done = False
        length: int | None = None
        chunked = False
        for name, value in headers:
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                self._reusable = False
        if head_only or status in _NO_BODY_STATUS or 100 <= status < 200:
            self._length: int | None = 0
            self._chunked = False
        else:
            self._chunked = chunked
            self._length = None if chunked else length
            if length is None and not chunked:
                self._reusable = False  # the body runs until the replica closes the connection

    @property
    def bounded(self) -> bool:
        """True when the body's size is known (it ends on its own)."""
        return self._length is not None

    async def body(self) -> AsyncIterator[bytes]:
        """The body as it arrives (chunked framing removed)."""
        reader = self._reader
        try:
            if self._chunked:
                while True:
                    line = await reader.readline()
                    if not line:
                        raise UpstreamError("the replica closed the connection inside a chunked body")
                    size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                            pass  # trailers are dropped
                        break
                    while size:
                        data = await reader.read(min(size, 65536))
                        if not data:
                            raise UpstreamError("the replica closed the connection inside a chunk")
                        size -= len(data)
                        yield data
                    await reader.readexactly(2)
            elif self._length is not None:
                left = self._length
                while left:
                    data = await reader.read(min(left, 65536))
                    if not data:
                        raise UpstreamError("the replica closed the connection before the end of the body")
                    left -= len(data)
                    yield data
            else:
                while data := await reader.read(65536):
                    yield data
            self._done = True
        except (OSError, ValueError, asyncio.IncompleteReadError) as error:
            self._reusable = False
            raise UpstreamError(f"reading the replica's answer failed: {error}") from error

    def release(self) -> None:
        """Give the connection back to the pool when the body was read whole, else close it."""
        if self._done and self._reusable:
            self._pool._put(self._key, self._reader, self._writer)
        else:
            self._writer.close()


class UpstreamPool:
    """Keep-alive connections to the replicas, reused across visitors (never any per-visitor state)."""

    def __init__(self, connect_timeout_s: float = 10.0) -> None:
        self.connect_timeout_s = connect_timeout_s
        self._idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    def _put(self, key: tuple[str, int], reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) < _IDLE_PER_REPLICA and not writer.is_closing():
            idle.append((reader, writer))
        else:
            writer.close()

    async def _connection(self, key: tuple[str, int]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        idle = self._idle.get(key)
        while idle:
            reader, writer = idle.pop()
            if not writer.is_closing() and not reader.at_eof():
                return reader, writer, True
            writer.close()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*key), self.connect_timeout_s)
        except (OSError, asyncio.TimeoutError) as error:
            raise UpstreamError(f"cannot connect to the replica at {key[0]}:{key[1]}: {error}") from error
        return reader, writer, False

    async def request(self, method: str, base_url: str, target: str, headers: list[tuple[bytes, bytes]],
                      body: AsyncIterator[bytes] | None = None, *, chunked: bool = False) -> UpstreamResponse:
        """Send `method target` to the replica at `base_url` (http://host:port) and read the status and headers.

        `body` is sent as it arrives: as-is when `headers` carry Content-Length, chunk-encoded when `chunked`.
        A pooled connection the replica closed meanwhile is retried once on a fresh one (only without a body:
        a streamed body cannot be sent twice).
        """
        parts = urlsplit(base_url)
        key = (parts.hostname or "127.0.0.1", parts.port or 80)
        head = bytearray(f"{method} {target} HTTP/1.1\r\n".encode("latin-1"))
        for name, value in headers:
            head += name + b": " + value + b"\r\n"
        head += b"\r\n"
        for attempt in (1, 2):
            reader, writer, reused = await self._connection(key)
            try:
                writer.write(bytes(head))
                if body is not None:
                    async for chunk in body:
                        if chunk:
                            writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                            await writer.drain()
                    if chunked:
                        writer.write(b"0\r\n\r\n")
                raw = await reader.readuntil(b"\r\n\r\n")
                while raw[9:10] == b"1" and raw[9:12] != b"101":  # skip interim answers (100, 103)
                    raw = await reader.readuntil(b"\r\n\r\n")
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
                writer.close()
                if reused and body is None and attempt == 1:
                    continue
                raise UpstreamError(f"the replica did not answer: {error}") from error
            return _response(self, key, reader, writer, raw, head_only=method == "HEAD")
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            for _, writer in idle:
                writer.close()
        self._idle.clear()


def _response(pool: UpstreamPool, key: tuple[str, int], reader: asyncio.StreamReader,
              writer: asyncio.StreamWriter, raw: bytes, *, head_only: bool) -> UpstreamResponse:
    lines = raw[:-4].split(b"\r\n")
    status_line = lines[0].split(b" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
        writer.close()
        raise UpstreamError(f"the replica answered something that is not HTTP/1.x: {lines[0][:80]!r}")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), value.strip()))
    try:
        response = UpstreamResponse(pool, key, reader, writer, int(status_line[1]), headers, head_only=head_only)
    except ValueError as error:
        writer.close()
        raise UpstreamError(f"the replica sent a malformed status or Content-Length: {error}") from error
    if status_line[0] == b"HTTP/1.0":
        response._reusable = False
    return response
