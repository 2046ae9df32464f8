"""The router's own HTTP/1.1 server: an asyncio protocol per visitor connection with httptools' request parser,
answering each request with `SpacesRouter`'s decisions and the shared upstream pool, without ASGI in between.

Why not uvicorn: per proxied request it spent about as much CPU as the app behind it (ASGI message dicts, a task
and a `send()` per message, a response head and body written to the socket separately). Here a small proxied
answer leaves in ONE `transport.write` (head and body together). What this server does itself:

- the proxied path: `SpacesRouter.resolve` (lookup, access, wake, activity), headers.py's rewrite, the request to
  the replica over pooled keep-alive connections (upstream.py), the answer back: Content-Length bodies as they
  are, chunked or close-delimited ones re-chunked for HTTP/1.1 visitors (close-delimited for HTTP/1.0), streamed
  as they arrive (SSE is never held back), with back-pressure both ways (pause_reading when the other side is slow);
- request bodies streamed to the replica (Content-Length or chunked; `Expect: 100-continue` answered when the
  body is wanted), keep-alive, pipelined requests (answered one after another, in order), HEAD;
- the visitor leaving mid-answer closes the replica's connection; malformed requests get a 400 and a closed
  connection, heads over MAX_HEAD_BYTES a 431;
- WebSockets (any Upgrade) are spliced to the replica after `resolve` (tunnel.py).

The router's own pages (401/404/503/502, redirects, `/.podium/auth`, `/.podium/share`) come from the ASGI app
itself, called for that one request (`_answer_with_app`): they are rare, only the proxied path has to be fast.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import httptools
from starlette.types import Message, Scope

from podium_cp.router import headers as rewrite
from podium_cp.router import pages
from podium_cp.router.http1 import CONTINUE, Request, page_bytes, request_head, response_head
from podium_cp.router.proxy import Refusal, SpacesRouter, Target, unreachable_page
from podium_cp.router.space_auth import AUTH_PATH
from podium_cp.router.tunnel import ReplicaTunnel
from podium_cp.router.upstream import UpstreamError, UpstreamResponse
from podium_cp.spaces.share_links import SHARE_PATH

log = logging.getLogger("podium.router")

MAX_HEAD_BYTES = 64 * 1024  # request line and headers; more is refused with 431
IDLE_TIMEOUT_S = 5.0  # a keep-alive connection without a request for this long is closed (uvicorn's default)
_PAUSE_ABOVE = 256 * 1024  # request body bytes read and not yet sent to the replica: stop reading there
_MAX_QUEUED = 16  # pipelined requests waiting their turn: stop reading there
_DROP_TOWARDS_SPACE = frozenset({b"expect"})  # answered here (100 Continue), never forwarded


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head over MAX_HEAD_BYTES."""


class _BadBody(Exception):
    """The visitor's request body could not be parsed (e.g. broken chunks): the request gets a 400."""


class _Answer:
    """An ASGI `send` that keeps one answer whole, for the router's own (small) pages."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [(bytes(name).lower(), bytes(value)) for name, value in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.body.append(message.get("body", b""))


class VisitorConnection(asyncio.Protocol):
    """One visitor's connection: parses requests as they arrive and answers them one at a time, in order."""

    def __init__(self, server: RouterServer) -> None:
        self.server = server
        self.router = server.router
        self.loop = asyncio.get_running_loop()
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.client_ip: str | None = None
        self.queue: deque[Request] = deque()  # heads parsed; the first is being answered
        self.parsing: Request | None = None  # the request whose body the parser is reading
        self.task: asyncio.Task[None] | None = None
        self.tunnel: ReplicaTunnel | None = None
        self.upgraded = False  # an Upgrade head was parsed: what follows is not HTTP
        self.parse_error = 0  # 400 or 431, answered once the requests before it are
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._head_bytes = 0
        self._head_fed = 0
        self._in_head = False
        self._reading_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._idle: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        peer = transport.get_extra_info("peername")
        self.client_ip = peer[0] if isinstance(peer, tuple) else None
        self.server.connections.add(self)
        self._idle = self.loop.call_later(IDLE_TIMEOUT_S, self._close_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        if self._idle is not None:
            self._idle.cancel()
        if self.task is not None:
            self.task.cancel()  # the visitor left: stop answering, which closes the replica's connection
        if self.tunnel is not None:
            self.tunnel.close()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        for request in self.queue:
            request.wake()

    def data_received(self, data: bytes) -> None:
        if self.upgraded:
            if self.tunnel is not None:
                self.tunnel.to_replica(data)
            elif self.queue:
                self.queue[-1].rest += data
            return
        if self.parse_error:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self.upgraded = True
            if self.queue:
                self.queue[-1].rest = data[upgrade.args[0]:]
            self.pause_visitor_reading()  # until the tunnel is open
            return
        except httptools.HttpParserCallbackError as error:
            self._refuse(431 if isinstance(error.__context__, _HeadTooLarge) else 400)
            return
        except httptools.HttpParserError:
            self._refuse(400)
            return
        if self._in_head:
            # A head still being read: httptools holds a header's bytes until its end, so bound those too.
            self._head_fed += len(data)
            if self._head_fed > 2 * MAX_HEAD_BYTES:
                self._refuse(431)

    def pause_writing(self) -> None:
        self._drained = self.loop.create_future()
        if self.tunnel is not None:
            self.tunnel.pause_reading()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None
        if self.tunnel is not None:
            self.tunnel.resume_reading()

    # -- httptools callbacks ------------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._head_bytes = 0
        self._head_fed = 0
        self._in_head = True

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._count(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))
        self._count(len(name) + len(value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        self._in_head = False
        request = Request(parser.get_method(), self._url, self._headers, parser.get_http_version(),
                           parser.should_keep_alive(), parser.should_upgrade())
        self.parsing = request
        self.queue.append(request)
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self.task is None:
            self.task = self.loop.create_task(self._answer(request))
        elif len(self.queue) > _MAX_QUEUED:
            self.pause_visitor_reading()

    def on_body(self, body: bytes) -> None:
        request = self.parsing
        if request is None:
            return
        request.chunks.append(body)
        request.buffered += len(body)
        if request.buffered > _PAUSE_ABOVE:
            self.pause_visitor_reading()
        request.wake()

    def on_message_complete(self) -> None:
        request = self.parsing
        if request is not None:
            request.complete = True
            request.wake()
            self.parsing = None

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            raise _HeadTooLarge()

    # -- flow control, used by the tunnel too ---------------------------------------------------------------

    def pause_visitor_reading(self) -> None:
        if not self._reading_paused and self.transport is not None and not self.transport.is_closing():
            self._reading_paused = True
            self.transport.pause_reading()

    def resume_visitor_reading(self) -> None:
        if self._reading_paused and self.transport is not None and not self.transport.is_closing():
            self._reading_paused = False
            self.transport.resume_reading()

    async def _drain(self) -> None:
        if self._drained is not None:
            await self._drained

    # -- answering, one request at a time -------------------------------------------------------------------

    def _refuse(self, status: int) -> None:
        """A malformed or oversized request: answer it after those before it, then close."""
        self.parse_error = status
        self._in_head = False
        self.pause_visitor_reading()
        for request in self.queue:
            request.wake()  # a body being forwarded ends here
        if self.task is None:
            self._finish_connection()

    def _finish_connection(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.parse_error:
            title = "Request header too large" if self.parse_error == 431 else "Bad request"
            transport.write(page_bytes(self.parse_error, pages.render(title, "<p>The request could not be read.</p>"),
                                        [(b"connection", b"close")]))
        transport.close()

    def _close_idle(self) -> None:
        self._idle = None
        if self.task is None and self.transport is not None:
            self.transport.close()

    async def _answer(self, request: Request) -> None:
        done = False
        try:
            if request.upgrade:
                await self._tunnel(request)
                request.keep_alive = False
            else:
                await self._http(request)
            done = True
        except _BadBody:
            done = True  # nothing was sent to the visitor yet: the 400 goes out next
        except asyncio.CancelledError:
            pass
        except UpstreamError as error:  # the replica failed in the middle of its answer (a crash, a restart)
            log.info("podium router: %s %s: %s", request.method.decode("latin-1"), request.target.decode("latin-1"),
                     error)
        except Exception:
            log.exception("podium router: answering %s %s failed", request.method.decode("latin-1"),
                          request.target.decode("latin-1"))
            if not request.started and self.transport is not None and not self.transport.is_closing():
                request.keep_alive = False
                self._write_page(request, 500, pages.render(
                    "The router could not answer", "<p>Something failed on Podium's side; try again shortly.</p>"), [])
                done = True
        finally:
            self._answered(request, done)

    def _answered(self, request: Request, done: bool) -> None:
        self.task = None
        if self.queue and self.queue[0] is request:
            self.queue.popleft()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if not done:
            transport.close()  # an answer cut short: the visitor cannot tell where it ends otherwise
            return
        if not request.keep_alive or not request.complete:
            self._finish_connection()  # the visitor asked to close, or a body nobody read is still coming
            return
        if self.queue:
            self.task = self.loop.create_task(self._answer(self.queue[0]))
            if len(self.queue) <= _MAX_QUEUED and not self.parsing:
                self.resume_visitor_reading()
        elif self.parse_error:
            self._finish_connection()
        else:
            self.resume_visitor_reading()
            self._idle = self.loop.call_later(IDLE_TIMEOUT_S, self._close_idle)

    def _scope(self, request: Request, kind: str) -> Scope:
        """The request as an ASGI scope, for `SpacesRouter.resolve` and the router's own pages."""
        target = request.target
        if target.startswith(b"/"):
            raw_path, _, query = target.partition(b"?")
        else:  # absolute form (`GET http://host/path`) or `*`
            parts = urlsplit(target.decode("latin-1"))
            raw_path, query = (parts.path or "/").encode("latin-1"), parts.query.encode("latin-1")
        path = raw_path.decode("latin-1")
        return {
            "type": kind, "asgi": {"version": "3.0"}, "http_version": request.version,
            "method": request.method.decode("latin-1"), "scheme": "ws" if kind == "websocket" else "http",
            "path": unquote(path) if "%" in path else path, "raw_path": raw_path, "query_string": query,
            "root_path": "", "headers": request.headers, "client": (self.client_ip, 0) if self.client_ip else None,
            "server": None, "extensions": {},
        }

    async def _http(self, request: Request) -> None:
        router = self.router
        scope = self._scope(request, "http")
        if scope["path"] in (AUTH_PATH, SHARE_PATH):
            await self._answer_with_app(request, scope)
            return
        for attempt in (1, 2):
            try:
                target = await router.resolve(scope)
            except Refusal as refusal:
                self._write_page(request, refusal.status, refusal.page, refusal.headers)
                return
            if await self._forward(request, target, retry=attempt == 1):
                return
            # The replica did not take the connection: the cached lookup may be stale (see proxy.py's `_http`).
            space_host = router.hosts.parse(request.header(b"host").decode("latin-1"))
            if space_host is not None:
                router.directory.forget(space_host)

    async def _answer_with_app(self, request: Request, scope: Scope) -> None:
        """Let the ASGI app answer this one request (the sign-in ticket and share-link endpoints): its answer is one
        small page."""
        answer = _Answer()

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        await self.router(scope, receive, answer.send)
        self._write_page(request, answer.status, b"".join(answer.body),
                         [(n, v) for n, v in answer.headers if n not in (b"content-length", b"connection")],
                         plain=True)

    def _write_page(self, request: Request, status: int, page: bytes, extra: list[tuple[bytes, bytes]],
                    *, plain: bool = False) -> None:
        """One of the router's pages, as pages.send_page would send it (`plain`: `extra` are all the headers)."""
        if not request.complete:
            request.keep_alive = False  # the body was not read: do not try to find the next request after it
        headers = extra if plain else [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store"),
                                       *extra]
        if not request.keep_alive:
            headers = [*headers, (b"connection", b"close")]
        assert self.transport is not None
        request.started = True
        self.transport.write(page_bytes(status, b"" if request.method == b"HEAD" else page, headers,
                                         length=len(page)))

    async def _request_body(self, request: Request) -> AsyncIterator[bytes]:
        if request.header(b"expect").lower() == b"100-continue" and not request.chunks and not request.complete:
            assert self.transport is not None
            self.transport.write(CONTINUE)
        while True:
            if request.chunks:
                chunks = request.chunks
                data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                request.chunks = []
                request.buffered = 0
                if len(self.queue) <= _MAX_QUEUED:
                    self.resume_visitor_reading()
                yield data
                continue
            if request.complete:
                return
            if self.parse_error:
                raise _BadBody()
            if self.transport is None or self.transport.is_closing():
                raise asyncio.CancelledError()  # the visitor left while sending its body
            request.waiter = self.loop.create_future()
            try:
                await request.waiter
            finally:
                request.waiter = None

    async def _forward(self, request: Request, target: Target, *, retry: bool) -> bool:
        """Send the request to the replica (or the share vhost) and its answer back (False: it refused the
        connection, nothing was sent, and the request may be retried after a fresh lookup)."""
        assert target.url is not None
        base_url = target.url
        host = request.header(b"host")
        upstream_headers = rewrite.to_upstream(request.headers, client_ip=self.client_ip, scheme="http", host=host,
                                               drop=_DROP_TOWARDS_SPACE)
        has_body = has_length = False
        for name, value in request.headers:
            if name == b"content-length":
                has_length = True
                has_body = has_body or value.strip() != b"0"
            elif name == b"transfer-encoding":
                has_body = True
        chunked = has_body and not has_length
        if chunked:
            upstream_headers.append((b"transfer-encoding", b"chunked"))
        request_target = request.target
        if not request_target.startswith(b"/"):
            parts = urlsplit(request_target.decode("latin-1"))
            request_target = ((parts.path or "/") + (f"?{parts.query}" if parts.query else "")).encode("latin-1")
        try:
            response = await self.router.upstream.request(
                request.method.decode("latin-1"), base_url, request_target.decode("latin-1"), upstream_headers,
                self._request_body(request) if has_body else None, chunked=chunked,
            )
        except UpstreamError:
            if retry and not has_body:
                return False
            self._write_page(request, *unreachable_page(target))
            return True
        try:
            await self._respond(request, response)
        finally:
            response.release()
        return True

    async def _respond(self, request: Request, response: UpstreamResponse) -> None:
        """The replica's answer to the visitor: small ones in one write, others streamed as they arrive."""
        transport = self.transport
        assert transport is not None
        status = response.status
        headers = rewrite.to_client(response.headers)
        no_body = request.method == b"HEAD" or status in (204, 304) or status < 200
        chunked = False
        if not no_body and not any(name == b"content-length" for name, _ in headers):
            if request.version == "1.1":
                chunked = True
                headers.append((b"transfer-encoding", b"chunked"))
            else:
                request.keep_alive = False  # HTTP/1.0: the body ends when the connection does
        if not request.keep_alive:
            headers.append((b"connection", b"close"))
        elif request.version == "1.0":
            headers.append((b"connection", b"keep-alive"))
        head = response_head(status, headers)
        request.started = True
        if no_body:
            transport.write(head)
            return
        if not response.ready:
            transport.write(head)  # the head goes out at once (SSE, a slow first byte); the body follows
            head = b""
        while True:
            chunk = await response.read()
            finished = response.finished
            if chunked:
                if chunk:
                    chunk = b"%x\r\n%b\r\n" % (len(chunk), chunk)
                if finished:
                    chunk += b"0\r\n\r\n"
            if head:
                chunk = head + chunk
                head = b""
            if chunk:
                transport.write(chunk)
            if finished:
                return
            if self._drained is not None:
                await self._drain()  # a slow visitor: the replica's connection pauses reading meanwhile

    # -- WebSockets and other upgrades ----------------------------------------------------------------------

    async def _tunnel(self, request: Request) -> None:
        transport = self.transport
        assert transport is not None
        request.keep_alive = False
        if request.method == b"CONNECT":
            self._write_page(request, 405, pages.render("Method not allowed", "<p>The router is no proxy.</p>"), [])
            return
        scope = self._scope(request, "websocket")
        try:
            target = await self.router.resolve(scope)
        except Refusal as refusal:
            self._write_page(request, refusal.status, refusal.page, refusal.headers)
            return
        assert target.url is not None
        upstream_headers = rewrite.to_upstream(request.headers, client_ip=self.client_ip, scheme="ws",
                                               host=request.header(b"host"))
        upstream_headers += [(b"connection", b"upgrade"), (b"upgrade", request.header(b"upgrade"))]
        replica = urlsplit(target.url)
        try:
            _, tunnel = await asyncio.wait_for(self.loop.create_connection(
                lambda: ReplicaTunnel(self), replica.hostname or "127.0.0.1", replica.port or 80), 10.0)
        except (OSError, asyncio.TimeoutError):
            self._write_page(request, *unreachable_page(target))
            return
        self.tunnel = tunnel
        try:
            tunnel.to_replica(request_head(request.method, request.target, upstream_headers) + request.rest)
            request.rest = b""
            self.resume_visitor_reading()
            await asyncio.shield(tunnel.closed)
        finally:
            tunnel.close()


class RouterServer:
    """Serves a `SpacesRouter` on one listening socket (several processes may share a port with `reuse_port`)."""

    def __init__(self, router: SpacesRouter) -> None:
        self.router = router
        self.connections: set[VisitorConnection] = set()
        self._server: asyncio.AbstractServer | None = None
        self.port = 0  # the port listened on, once started

    async def start(self, host: str, port: int, *, reuse_port: bool = False) -> None:
        """Listen on `host:port` (port 0: a free one, see `port`)."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: VisitorConnection(self), host, port,
                                          reuse_port=reuse_port or None, backlog=2048)
        self._server = server
        self.port = int(server.sockets[0].getsockname()[1])

    async def close(self, grace_s: float = 5.0) -> None:
        """Stop listening, let answers under way finish for up to `grace_s` seconds, then close everything."""
        if self._server is not None:
            self._server.close()
        deadline = asyncio.get_running_loop().time() + grace_s
        while True:
            for connection in list(self.connections):
                if connection.task is None and connection.transport is not None:
                    connection.transport.close()  # idle keep-alive connections
            if not self.connections or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.close()
        await asyncio.sleep(0)
        await self.router.close()


def run(build: Callable[[], SpacesRouter], host: str, port: int, *, reuse_port: bool = False) -> None:
    """Serve `build()` on host:port until SIGINT or SIGTERM (uvloop when installed)."""

    async def main() -> None:
        server = RouterServer(build())
        await server.start(host, port, reuse_port=reuse_port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await server.close()

    _run(main())


def _run(main: Any) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] ships it
        asyncio.run(main)
        return
    uvloop.run(main)
