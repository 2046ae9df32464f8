"""A minimal HTTP/1.1 client to the replicas: one asyncio protocol per connection, httptools' parser (C, shipped
with uvicorn[standard]) for the answers, and a keep-alive pool per replica.

Why not httpx: on loopback its per-request cost (about 2 ms here, anyio and h11 included) alone was eight times
what the app itself takes. Why not asyncio streams either: their reader/writer layers and per-line reads were a
third of the router's CPU per request. This speaks only what a proxy needs: one request out (body streamed as it
arrives), the status and headers back, then the body as it arrives (Content-Length, chunked, or until close), so
SSE is never buffered; a slow visitor pauses reading from the replica instead of filling memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit

import httptools

from podium_cp.router.http1 import request_head

_IDLE_PER_REPLICA = 128
_PAUSE_ABOVE = 256 * 1024  # body bytes read from a replica and not yet taken by the visitor: stop reading there


class UpstreamError(Exception):
    """The replica could not be reached or answered something that is not HTTP/1.x."""


class _Connection(asyncio.Protocol):
    """One connection to a replica, carrying one request at a time (the parser keeps its state across answers)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        # Kept: asyncio.get_running_loop() costs a getpid() system call per call.
        self.loop = asyncio.get_running_loop()
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._reading_paused = False
        self.reset(head_only=False)

    def reset(self, *, head_only: bool) -> None:
        """Forget the previous answer before sending the next request."""
        self.head_only = head_only
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.headers_done = False
        self.message_done = False
        self.keep_alive = False
        self.until_close = False
        self.error: str | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done and not self.message_done and self.until_close:
            self.message_done = True  # a body without Content-Length or chunks ends when the replica closes
        elif not self.message_done and self.error is None:
            self.error = "the replica closed the connection" + (f" ({exc})" if exc else "")
        self._wake()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as error:
            self.error = f"the replica answered something that is not HTTP/1.x ({error})"
            self.close()
        if self.buffered > _PAUSE_ABOVE and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def pause_writing(self) -> None:
        self._drained = self.loop.create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    # -- httptools callbacks ------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.headers = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            return  # an interim answer (100 Continue, 103 Early Hints): the real one follows
        self.status = status
        self.headers_done = True
        if self.head_only or status == 101:
            self.message_done = True  # no body follows (after HEAD the parser would wait for one: never reused)
            return
        if status in (204, 304):
            return  # no body, and the parser knows it
        chunked = False
        for name, value in self.headers:
            if name == b"content-length":
                return
            if name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        self.until_close = not chunked

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)

    def on_message_complete(self) -> None:
        if self.headers_done and not self.message_done:
            self.message_done = True
            self.keep_alive = self.parser.should_keep_alive()
        elif self.headers_done:
            self.keep_alive = False  # a HEAD / 1xx-less shortcut above: do not trust the parser's state

    # -- used by UpstreamPool / UpstreamResponse -------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self) -> None:
        """Until more of the answer arrived (or the connection failed)."""
        if self.error is not None:
            raise UpstreamError(self.error)
        self._waiter = self.loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def drain(self) -> None:
        """Until the kernel took what was written (flow control for request bodies)."""
        if self._drained is not None:
            await self._drained
        if self.closed:
            raise UpstreamError(self.error or "the replica closed the connection")

    def take(self) -> bytes:
        """Body bytes received so far (and resume reading if a slow visitor had paused it)."""
        chunks = self.chunks
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self.chunks = []
        self.buffered = 0
        if self._reading_paused and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.closed = True


class UpstreamResponse:
    """The replica's status and headers (names lower-cased); `read()` the body, then `release()` (always)."""

    __slots__ = ("status", "headers", "_pool", "_key", "_connection")

    def __init__(self, pool: UpstreamPool, key: tuple[str, int], connection: _Connection) -> None:
        self.status = connection.status
        self.headers = connection.headers
        self._pool, self._key, self._connection = pool, key, connection

    @property
    def bounded(self) -> bool:
        """True when the body's size is known (it ends on its own): Content-Length, or no body at all."""
        connection = self._connection
        return connection.message_done or not (connection.until_close or self._is_chunked())

    def _is_chunked(self) -> bool:
        return any(name == b"transfer-encoding" for name, _ in self.headers)

    @property
    def ready(self) -> bool:
        """True when body bytes arrived (or the body ended): `read()` returns at once."""
        return bool(self._connection.chunks) or self._connection.message_done

    @property
    def finished(self) -> bool:
        """True when the whole body arrived and was read."""
        return self._connection.message_done and not self._connection.chunks

    async def read(self) -> bytes:
        """The body bytes that arrived since the last call, waiting for some; b"" once `finished`."""
        connection = self._connection
        while not connection.chunks and not connection.message_done:
            await connection.wait()
        return connection.take()

    def release(self) -> None:
        """Give the connection back to the pool when the answer was read whole, else close it."""
        connection = self._connection
        if connection.message_done and connection.keep_alive and not connection.chunks and not connection.closed:
            self._pool._put(self._key, connection)
        else:
            connection.close()


class UpstreamPool:
    """Keep-alive connections to the replicas, reused across visitors (never any per-visitor state)."""

    def __init__(self, connect_timeout_s: float = 10.0) -> None:
        self.connect_timeout_s = connect_timeout_s
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._addresses: dict[str, tuple[str, int]] = {}

    def _put(self, key: tuple[str, int], connection: _Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) < _IDLE_PER_REPLICA:
            idle.append(connection)
        else:
            connection.close()

    def _address(self, base_url: str) -> tuple[str, int]:
        key = self._addresses.get(base_url)
        if key is None:
            parts = urlsplit(base_url)
            key = (parts.hostname or "127.0.0.1", parts.port or 80)
            if len(self._addresses) > 10_000:
                self._addresses.clear()
            self._addresses[base_url] = key
        return key

    async def _connection(self, key: tuple[str, int]) -> tuple[_Connection, bool]:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection, True
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(_Connection, *key), self.connect_timeout_s)
        except (OSError, asyncio.TimeoutError) as error:
            raise UpstreamError(f"cannot connect to the replica at {key[0]}:{key[1]}: {error}") from error
        return connection, False

    async def request(self, method: str, base_url: str, target: str, headers: list[tuple[bytes, bytes]],
                      body: AsyncIterator[bytes] | None = None, *, chunked: bool = False) -> UpstreamResponse:
        """Send `method target` to the replica at `base_url` (http://host:port) and read the status and headers.

        `body` is sent as it arrives: as-is when `headers` carry Content-Length, chunk-encoded when `chunked`.
        A pooled connection the replica closed meanwhile is retried once on a fresh one (only without a body:
        a streamed body cannot be sent twice).
        """
        key = self._address(base_url)
        head = request_head(method.encode("latin-1"), target.encode("latin-1"), headers)
        head_only = method == "HEAD"
        for attempt in (1, 2):
            connection, reused = await self._connection(key)
            connection.reset(head_only=head_only)
            transport = connection.transport
            assert transport is not None
            try:
                transport.write(head)
                if body is not None:
                    async for chunk in body:
                        if chunk:
                            transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                            await connection.drain()
                    if chunked:
                        transport.write(b"0\r\n\r\n")
                while not connection.headers_done:
                    await connection.wait()
            except (UpstreamError, OSError) as error:
                connection.close()
                if reused and body is None and attempt == 1 and not connection.headers_done:
                    continue
                raise UpstreamError(f"the replica did not answer: {error}") from error
            except BaseException:
                connection.close()  # e.g. the visitor left while its body was being sent
                raise
            return UpstreamResponse(self, key, connection)
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every idle connection."""
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
