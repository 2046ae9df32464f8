"""The share server's public HTTP/1.1 side: each request is routed by its Host header to a proxy and carried over
one of that proxy's work connections to the client, which pipes it to the app (what frps's vhost does).

One asyncio protocol per visitor connection parses requests with httptools. A request is written to a work
connection re-serialised (origin-form target, Host kept, X-Forwarded-* set, its body streamed as it arrives); the
answer's bytes are forwarded to the visitor exactly as they arrive (never re-chunked, so SSE streams), while
httptools' response parser only watches where the answer ends. A work connection whose answer ended cleanly is
kept for the proxy's next request (keep-alive, like frps's reverse proxy); a WebSocket (any `101` upgrade) is
spliced both ways until either side closes.
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections import deque
from collections.abc import Callable
from typing import cast

import httptools

from podium_tunnel.conn import Conn
from podium_tunnel.workconn import Route, RouteGone, WorkChannel, WorkConnUnavailable

log = logging.getLogger("podium.tunnel.vhost")

MAX_HEAD_BYTES = 64 * 1024  # a request head over this gets a 431
IDLE_WORK_CONN_S = 60.0  # a kept-alive work connection unused this long is closed, not reused (as frps)
MAX_IDLE_WORK_CONNS = 64  # kept-alive work connections per proxy (frps keeps 5: too few for concurrent visitors)
VISITOR_IDLE_S = 75.0  # a visitor's keep-alive connection without a request for this long is closed
READ_SIZE = 256 * 1024
_PAUSE_ABOVE = 256 * 1024  # request body bytes received and not yet sent on: stop reading from the visitor
_MAX_QUEUED = 16  # pipelined requests waiting their turn
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"te",
                         b"trailer", b"upgrade", b"expect", b"x-forwarded-for", b"x-forwarded-host",
                         b"x-forwarded-proto"})
_REASONS = {status.value: status.phrase.encode() for status in http.HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def page(title: str, text: str) -> bytes:
    """A small HTML page for the server's own answers."""
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1>{title}</h1>"
            f"<p>{text}</p></body></html>").encode()


NOT_FOUND_PAGE = page("Share link not found",
                      "This share link has expired, was revoked, or its app is not running.")
APP_NOT_ANSWERING_PAGE = page("App not answering",
                              "The app behind this share link is not answering; try again in a moment.")
TUNNEL_BUSY_PAGE = page("Tunnel not answering",
                        "The computer behind this share link did not open a connection in time; try again shortly.")
BAD_REQUEST_PAGE = page("Bad request", "The request could not be read.")


class _Request:
    __slots__ = ("method", "target", "headers", "version", "keep_alive", "upgrade", "chunks", "buffered",
                 "complete", "waiter", "rest", "host", "chunked", "has_body")

    def __init__(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], version: str,
                 keep_alive: bool, upgrade: bool) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.version = version
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.complete = False
        self.waiter: asyncio.Future[None] | None = None
        self.rest = b""  # after an Upgrade head: bytes of the new protocol
        self.host = b""
        self.chunked = False
        self.has_body = False

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _answer_bytes(status: int, body: bytes, *, head_only: bool, close: bool) -> bytes:
    head = (b"HTTP/1.1 %d %b\r\ncontent-type: text/html; charset=utf-8\r\ncache-control: no-store\r\n"
            b"content-length: %d\r\n" % (status, _REASONS.get(status, b""), len(body)))
    if close:
        head += b"connection: close\r\n"
    return head + b"\r\n" + (b"" if head_only else body)


def _route_name(host: bytes) -> str:
    """Host header → route key: lower case, without the port and a trailing dot."""
    name = host.strip().lower()
    if not name.startswith(b"["):
        base, colon, port = name.rpartition(b":")
        if colon and port.isdigit():
            name = base
    return name.rstrip(b".").decode("latin-1")


def _is_loopback(ip: str) -> bool:
    return ip.startswith("127.") or ip == "::1" or ip.startswith("::ffff:127.")


class _Visitor(asyncio.Protocol):
    """One visitor's connection: requests parsed as they arrive, answered one at a time, in order."""

    def __init__(self, server: VhostServer) -> None:
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.ip = ""
        self.port = 0
        self.loopback = False
        self.queue: deque[_Request] = deque()
        self.parsing: _Request | None = None
        self.task: asyncio.Task[None] | None = None
        self.upgraded = False
        self.bad = 0  # a 400/431 to send once the requests before it are answered
        self.splice: list[bytes] | None = None  # upgraded: bytes from the visitor not yet sent on
        self.splice_waiter: asyncio.Future[None] | None = None
        self.visitor_eof = False
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._head_bytes = 0
        self._paused = False
        self._drained: asyncio.Future[None] | None = None
        self._idle: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.ip, self.port = str(peer[0]), int(peer[1])
            self.loopback = _is_loopback(self.ip)
        self.server.visitors.add(self)
        self._idle = self.loop.call_later(VISITOR_IDLE_S, self._close_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.visitors.discard(self)
        if self._idle is not None:
            self._idle.cancel()
        if self.task is not None:
            self.task.cancel()  # the visitor left: the work connection is dropped, not reused
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._wake_splice()
        for request in self.queue:
            request.wake()

    def eof_received(self) -> bool:
        self.visitor_eof = True
        self._wake_splice()
        for request in self.queue:
            request.wake()
        return True  # keep the transport open: an answer may still be going out

    def data_received(self, data: bytes) -> None:
        if self.upgraded:
            if self.splice is not None:
                self.splice.append(data)
                self._wake_splice()
                if len(self.splice) > 64:
                    self.pause_reading()
            elif self.queue:
                self.queue[-1].rest += data
            return
        if self.bad:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self.upgraded = True
            if self.queue:
                self.queue[-1].rest = data[upgrade.args[0]:]
            self.pause_reading()
        except httptools.HttpParserCallbackError:
            self._refuse(431)
        except httptools.HttpParserError:
            self._refuse(400)

    def pause_writing(self) -> None:
        self._drained = self.loop.create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    # -- httptools callbacks ------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._head_bytes += len(url)
        if self._head_bytes > MAX_HEAD_BYTES:
            raise ValueError("request head too large")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))
        self._head_bytes += len(name) + len(value)
        if self._head_bytes > MAX_HEAD_BYTES:
            raise ValueError("request head too large")

    def on_headers_complete(self) -> None:
        parser = self.parser
        request = _Request(parser.get_method(), self._url, self._headers, parser.get_http_version(),
                           parser.should_keep_alive(), parser.should_upgrade())
        self.parsing = request
        self.queue.append(request)
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self.task is None:
            self.task = self.loop.create_task(self._answer(request))
        elif len(self.queue) > _MAX_QUEUED:
            self.pause_reading()

    def on_body(self, body: bytes) -> None:
        request = self.parsing
        if request is not None:
            request.chunks.append(body)
            request.buffered += len(body)
            if request.buffered > _PAUSE_ABOVE:
                self.pause_reading()
            request.wake()

    def on_message_complete(self) -> None:
        request = self.parsing
        if request is not None:
            request.complete = True
            request.wake()
            self.parsing = None

    # -- flow control ---------------------------------------------------------------------------------------

    def pause_reading(self) -> None:
        if not self._paused and self.transport is not None and not self.transport.is_closing():
            self._paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self._paused and self.transport is not None and not self.transport.is_closing():
            self._paused = False
            self.transport.resume_reading()

    def _wake_splice(self) -> None:
        waiter = self.splice_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- answering ------------------------------------------------------------------------------------------

    def _refuse(self, status: int) -> None:
        self.bad = status
        self.pause_reading()
        for request in self.queue:
            request.wake()
        if self.task is None:
            self._finish()

    def _finish(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.bad:
            transport.write(_answer_bytes(self.bad, BAD_REQUEST_PAGE, head_only=False, close=True))
        transport.close()

    def _close_idle(self) -> None:
        self._idle = None
        if self.task is None and self.transport is not None:
            self.transport.close()

    def _page(self, request: _Request, status: int, body: bytes) -> None:
        if not request.complete:
            request.keep_alive = False  # the body was not read: the next request cannot be found after it
        assert self.transport is not None
        self.transport.write(_answer_bytes(status, body, head_only=request.method == b"HEAD",
                                           close=not request.keep_alive))

    async def _answer(self, request: _Request) -> None:
        done = False
        try:
            await self._proxy(request)
            done = True
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("podium tunnel vhost: answering %s %s failed", request.method.decode("latin-1"),
                          request.target.decode("latin-1"))
        finally:
            self._answered(request, done)

    def _answered(self, request: _Request, done: bool) -> None:
        self.task = None
        if self.queue and self.queue[0] is request:
            self.queue.popleft()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if not done or not request.keep_alive or not request.complete or request.upgrade:
            self._finish()
            return
        if self.queue:
            self.task = self.loop.create_task(self._answer(self.queue[0]))
            if len(self.queue) <= _MAX_QUEUED and self.parsing is None:
                self.resume_reading()
        elif self.bad:
            self._finish()
        else:
            self.resume_reading()
            self._idle = self.loop.call_later(VISITOR_IDLE_S, self._close_idle)

    def _request_head(self, request: _Request) -> bytes:
        target = request.target
        if not target.startswith(b"/"):  # absolute form: keep the path and query
            after_scheme = target.partition(b"://")[2]
            slash = after_scheme.find(b"/")
            target = after_scheme[slash:] if slash >= 0 else b"/"
        parts = [request.method, b" ", target, b" HTTP/", request.version.encode(), b"\r\n"]
        forwarded_for = forwarded_host = forwarded_proto = b""
        host = b""
        for name, value in request.headers:
            if name in _HOP_BY_HOP:
                if self.loopback:  # the router in front: it already recorded the visitor
                    if name == b"x-forwarded-for":
                        forwarded_for = value if not forwarded_for else forwarded_for + b", " + value
                    elif name == b"x-forwarded-host":
                        forwarded_host = value
                    elif name == b"x-forwarded-proto":
                        forwarded_proto = value
                continue
            if name == b"host":
                host = value
            elif name == b"content-length":
                request.has_body = value.strip() not in (b"0", b"")
            elif name == b"transfer-encoding":
                request.has_body = request.chunked = True
            parts += (name, b": ", value, b"\r\n")
        request.host = host
        if request.upgrade:
            for name, value in request.headers:
                if name == b"upgrade":
                    parts += (b"connection: upgrade\r\nupgrade: ", value, b"\r\n")
                    break
        parts += (b"x-forwarded-for: ", forwarded_for or self.ip.encode(), b"\r\nx-forwarded-host: ",
                  forwarded_host or host, b"\r\nx-forwarded-proto: ", forwarded_proto or b"http", b"\r\n\r\n")
        return b"".join(parts)

    async def _take_body(self, request: _Request) -> bytes:
        """Body bytes received so far (waiting for some); b"" once the body is complete."""
        while not request.chunks:
            if request.complete:
                return b""
            if self.bad or self.visitor_eof or self.transport is None or self.transport.is_closing():
                raise asyncio.CancelledError()  # the visitor's body ended early: nothing sensible to forward
            request.waiter = self.loop.create_future()
            try:
                await request.waiter
            finally:
                request.waiter = None
        chunks = request.chunks
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        request.chunks = []
        request.buffered = 0
        if len(self.queue) <= _MAX_QUEUED:
            self.resume_reading()
        if request.chunked:
            data = b"%x\r\n%b\r\n" % (len(data), data)
        return data

    async def _proxy(self, request: _Request) -> None:
        head = self._request_head(request)
        route = self.server.lookup(_route_name(request.host)) if request.host else None
        if route is None:
            self._page(request, 404, self.server.not_found_page)
            return
        whole: bytes | None = head  # the whole request when it is all here: it can be sent again
        if request.has_body:
            if request.complete:
                whole = head + self._buffered_body(request)
            else:
                whole = None
                for name, value in request.headers:
                    if name == b"expect" and value.lower() == b"100-continue" and not request.chunks:
                        assert self.transport is not None
                        self.transport.write(_CONTINUE)  # answered here: the body is then streamed on
        for attempt in (1, 2):
            try:
                # A body still streaming cannot be resent: it gets a fresh work connection, never a kept-alive
                # one that the app may have closed meanwhile.
                channel, reused = await self._channel(route, idle_ok=whole is not None)
            except WorkConnUnavailable:
                self._page(request, 504, TUNNEL_BUSY_PAGE)
                return
            except RouteGone:
                self._page(request, 404, self.server.not_found_page)
                return
            if await self._exchange(request, route, channel, whole or head, whole is not None,
                                    retry=reused and attempt == 1):
                return

    def _buffered_body(self, request: _Request) -> bytes:
        """The whole body of a complete request, as it goes on the work connection."""
        data = b"".join(request.chunks)
        request.chunks = []
        request.buffered = 0
        if request.chunked:
            return (b"%x\r\n%b\r\n0\r\n\r\n" % (len(data), data)) if data else b"0\r\n\r\n"
        return data

    async def _channel(self, route: Route, *, idle_ok: bool) -> tuple[WorkChannel, bool]:
        idle = route.idle
        now = self.loop.time()
        while idle and idle_ok:
            channel = idle.pop()
            if now - channel.since <= IDLE_WORK_CONN_S:
                return channel, True
            channel.close()
        conn = await route.open_work_conn(self.ip, self.port)
        return WorkChannel(conn), False

    async def _exchange(self, request: _Request, route: Route, channel: WorkChannel, head: bytes, whole: bool, *,
                        retry: bool) -> bool:
        """One request over `channel` and its answer back; False: the channel was dead before answering (only
        when `retry`), nothing was sent to the visitor."""
        transport = self.transport
        assert transport is not None
        conn = channel.conn
        channel.reset(request.method == b"HEAD")
        kept = False
        try:
            try:
                if whole:
                    await conn.write(head)
                else:
                    data = head
                    while True:
                        body = await self._take_body(request)
                        if not body:
                            if request.chunked:
                                data += b"0\r\n\r\n"
                            if data:
                                await conn.write(data)
                            break
                        await conn.write(data + body if data else body)
                        data = b""
            except (ConnectionError, OSError, EOFError):
                if retry:
                    return False
                self._page(request, 502, APP_NOT_ANSWERING_PAGE)
                return True
            forwarded = False
            while True:
                try:
                    data = await conn.read(READ_SIZE)
                except (ConnectionError, OSError):
                    data = b""  # reset: as good as the end
                if not data:
                    if not forwarded:
                        if retry:
                            return False
                        self._page(request, 502, APP_NOT_ANSWERING_PAGE)
                    elif not channel.done:
                        request.keep_alive = False  # a body that ends with the connection (or cut short)
                    break
                try:
                    channel.feed(data)
                except httptools.HttpParserError:
                    if not forwarded:
                        self._page(request, 502, APP_NOT_ANSWERING_PAGE)
                    request.keep_alive = False
                    break
                transport.write(data)
                forwarded = True
                if self._drained is not None:
                    await self._drained
                if channel.done:
                    break
            if channel.upgraded:
                await self._splice(request, conn)
                return True
            if not channel.keep_alive:
                request.keep_alive = False
            elif channel.done and not self.upgraded:
                idle = route.idle
                if len(idle) < MAX_IDLE_WORK_CONNS:
                    channel.since = self.loop.time()
                    idle.append(channel)
                    kept = True
            return True
        finally:
            if not kept:
                conn.abort()

    async def _splice(self, request: _Request, conn: Conn) -> None:
        """After a 101: bytes both ways until either side closes."""
        transport = self.transport
        assert transport is not None
        request.keep_alive = False
        self.splice = [request.rest] if request.rest else []
        request.rest = b""
        self.resume_reading()
        writer = self.loop.create_task(self._to_app(conn))
        try:
            while True:
                try:
                    data = await conn.read(READ_SIZE)
                except (ConnectionError, OSError):
                    break
                if not data:
                    break
                transport.write(data)
                if self._drained is not None:
                    await self._drained
        finally:
            writer.cancel()

    async def _to_app(self, conn: Conn) -> None:
        try:
            while True:
                pending = self.splice
                if pending:
                    data = b"".join(pending)
                    pending.clear()
                    self.resume_reading()
                    await conn.write(data)
                    continue
                if self.visitor_eof or self.transport is None or self.transport.is_closing():
                    await conn.write_eof()
                    return
                self.splice_waiter = self.loop.create_future()
                try:
                    await self.splice_waiter
                finally:
                    self.splice_waiter = None
        except (ConnectionError, OSError):
            conn.abort()


class VhostServer:
    """Serves visitors on one listening socket, routing each request with `lookup(host) → Route | None`."""

    def __init__(self, lookup: Callable[[str], Route | None], *, not_found_page: bytes | None = None) -> None:
        self.lookup = lookup
        self.not_found_page = not_found_page if not_found_page is not None else NOT_FOUND_PAGE
        self.visitors: set[_Visitor] = set()
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (0: a free port, see `port`)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Visitor(self), host, port, backlog=1024)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening and close every visitor connection."""
        if self._server is not None:
            self._server.close()
        for visitor in list(self.visitors):
            if visitor.transport is not None:
                visitor.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
