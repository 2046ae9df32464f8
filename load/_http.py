"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for load generation on loopback.

Why not httpx: on the one core the load generator gets, httpx spends more CPU per request than the
server under test, so it would measure itself. This client does only what the benchmark needs:
JSON POSTs, plain GETs and Server-Sent-Events GETs read until a predicate says the event is done,
over one reused connection per simulated client (like curl or a browser tab would).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class HTTPError(Exception):
    """The server closed the connection or sent something this client cannot parse."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes = b""

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class SSEEvent:
    event: str | None
    data: str


@dataclass
class _Body:
    """Incremental reader of one response body (content-length, chunked or until close)."""

    reader: asyncio.StreamReader
    chunked: bool
    remaining: int | None  # content-length still to read; None = until the connection closes
    done: bool = False
    _chunk_left: int = 0

    async def read_some(self) -> bytes:
        if self.done:
            return b""
        if self.chunked:
            if self._chunk_left == 0:
                size_line = await self.reader.readline()
                if not size_line:
                    raise HTTPError("connection closed inside a chunked body")
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    self.done = True
                    return b""
                self._chunk_left = size
            data = await self.reader.read(self._chunk_left)
            if not data:
                raise HTTPError("connection closed inside a chunk")
            self._chunk_left -= len(data)
            if self._chunk_left == 0:
                await self.reader.readexactly(2)  # CRLF after the chunk
            return data
        if self.remaining is not None:
            if self.remaining == 0:
                self.done = True
                return b""
            data = await self.reader.read(min(self.remaining, 65536))
            if not data:
                raise HTTPError("connection closed before content-length bytes")
            self.remaining -= len(data)
            if self.remaining == 0:
                self.done = True
            return data
        data = await self.reader.read(65536)
        if not data:
            self.done = True
        return data

    async def read_all(self) -> bytes:
        parts = []
        while not self.done:
            parts.append(await self.read_some())
        return b"".join(parts)


@dataclass
class Connection:
    """One keep-alive connection to host:port; reconnects after the server closes it."""

    host: str
    port: int
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _reusable: bool = field(default=False)

    async def _ensure_open(self) -> None:
        if self._writer is None or not self._reusable or self._writer.is_closing():
            await self.close()
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            self._reusable = True

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self._reader = self._writer = None
        self._reusable = False

    async def _start(
        self, method: str, path: str, body: bytes | None, accept: str, extra: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], _Body]:
        await self._ensure_open()
        assert self._reader is not None and self._writer is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: {accept}\r\n"
        for name, value in (extra or {}).items():
            head += f"{name}: {value}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self._writer.write(head.encode("ascii") + b"\r\n" + (body or b""))
        status_line = await self._reader.readline()
        if not status_line:
            self._reusable = False
            raise HTTPError("connection closed before the status line")
        parts = status_line.split(b" ", 2)
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise HTTPError("connection closed inside the headers")
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length = headers.get("content-length")
        remaining = int(length) if (length is not None and not chunked) else None
        if remaining is None and not chunked:
            self._reusable = False  # body runs until the connection closes
        if headers.get("connection", "").lower() == "close":
            self._reusable = False
        return status, headers, _Body(self._reader, chunked, remaining)

    async def request(
        self, method: str, path: str, json_body: object = None, headers: dict[str, str] | None = None
    ) -> Response:
        """Send one request (with extra `headers`, e.g. Authorization) and read the whole response."""
        body = json.dumps(json_body).encode() if json_body is not None else None
        try:
            status, headers_in, reader = await self._start(method, path, body, "application/json", headers)
            return Response(status, headers_in, await reader.read_all())
        except BaseException:
            await self.close()
            raise

    async def sse(
        self, path: str, is_done: Callable[[SSEEvent], bool], linger_s: float = 0.02
    ) -> tuple[int, list[SSEEvent], float | None]:
        """GET an event stream; stop once `is_done(event)` is true, then drain the stream's end.

        Returns (status, events up to and including the done one, time.perf_counter() when the done event
        arrived or None). The stream's tail (e.g. `close_stream`) is read so the connection can be reused;
        if the stream has not ended `linger_s` after the done event, the connection is closed instead
        (a server may hold a session's stream open for the session's next event).
        """
        try:
            status, _headers, reader = await self._start("GET", path, None, "text/event-stream")
            events: list[SSEEvent] = []
            buf = b""
            found = False
            done_at: float | None = None
            while not reader.done and not found:
                buf += await reader.read_some()
                buf = buf.replace(b"\r\n", b"\n")
                while b"\n\n" in buf and not found:
                    raw, buf = buf.split(b"\n\n", 1)
                    event = _parse_event(raw)
                    if event is None:
                        continue
                    events.append(event)
                    found = is_done(event)
            if found:
                done_at = time.perf_counter()
            if found and not reader.done:
                try:
                    await asyncio.wait_for(reader.read_all(), timeout=linger_s)
                except asyncio.TimeoutError:
                    await self.close()  # the server holds the stream open: start afresh next time
            return status, events, done_at
        except BaseException:
            await self.close()
            raise


def _parse_event(raw: bytes) -> SSEEvent | None:
    name: str | None = None
    data_lines: list[str] = []
    for line in raw.decode("utf-8").split("\n"):
        if line.startswith("data:"):
            value = line[5:]
            data_lines.append(value[1:] if value.startswith(" ") else value)
        elif line.startswith("event:"):
            name = line[6:].strip()
    if name is None and not data_lines:
        return None  # a comment or keep-alive
    return SSEEvent(name, "\n".join(data_lines))
