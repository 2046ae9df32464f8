"""`TunnelClient`: an frpc-compatible client that publishes one local HTTP app through a tunnel server (frps or
Podium's `TunnelServer`), and `BackgroundTunnel`, which runs one on its own thread for synchronous callers.

The client logs in, registers one http proxy and answers the server's work-connection requests; each work
connection is piped to a fresh TCP connection to the local app. When the connection to the server is lost it
reconnects with back-off (1, 2, 4 ... `max_backoff` seconds), logging in again with the same run id; the server
ending the tunnel (Kill: the link expired or was revoked) or refusing it ends the client for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import platform
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from podium_tunnel import messages as msg
from podium_tunnel.conn import Conn, StreamConn
from podium_tunnel.crypto import CryptoConn, derive_key, privilege_key
from podium_tunnel.net import STREAM_LIMIT, dial
from podium_tunnel.yamux import YamuxSession

log = logging.getLogger("podium.tunnel.client")

CLIENT_VERSION = "0.61.1"  # the frpc version this client speaks like
LOGIN_TIMEOUT_S = 10.0  # for LoginResp and NewProxyResp (frpc waits 10 s for LoginResp)
LOCAL_DIAL_TIMEOUT_S = 10.0
HEARTBEAT_S = 30.0  # Ping interval without yamux (with yamux, its keepalive detects a dead server)
_PIPE_READ = 256 * 1024

EventKind = Literal["connected", "disconnected", "reconnecting", "killed", "rejected", "closed"]


@dataclass(frozen=True)
class TunnelEvent:
    """Something that happened to a tunnel: `delay` is the wait before the next attempt for "reconnecting"."""

    kind: EventKind
    message: str
    delay: float | None = None


class TunnelError(Exception):
    """The tunnel could not be opened."""


class TunnelRejected(TunnelError):
    """The server refused the tunnel (login or proxy); `reason` is its message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TunnelConnectError(TunnelError):
    """The tunnel server could not be reached, or it did not answer as an FRP server."""


class _Killed(Exception):
    """The server sent Kill."""


def _arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


class TunnelClient:
    """Publishes `local_host:local_port` (an HTTP app) through the FRP server at `server_host:server_port`.

    `start()` connects, logs in and registers the proxy, and returns its public URL (`remote_addr`); the client
    then serves in the background until `close()`, a Kill from the server, or a refused reconnect. `on_event`
    is told of every connect, loss, retry and end (called on the event loop; keep it quick).
    """

    def __init__(self, server_host: str, server_port: int, *, local_port: int, proxy_name: str,
                 local_host: str = "127.0.0.1", subdomain: str = "", auth_token: str = "",
                 tls: bool | ssl.SSLContext = False, server_name: str | None = None, tls_first_byte: bool = False,
                 tcp_mux: bool = True, pool_count: int = 5, use_encryption: bool = False,
                 use_compression: bool = False, http_proxy: str | None = None, metas: Mapping[str, str] | None = None,
                 reconnect: bool = True, max_backoff: float = 20.0,
                 on_event: Callable[[TunnelEvent], None] | None = None) -> None:
        self.server_host = server_host
        self.server_port = server_port
        self.local_host = local_host
        self.local_port = local_port
        self.proxy_name = proxy_name
        self.subdomain = subdomain
        self.auth_token = auth_token
        self.tls = tls
        self.server_name = server_name
        self.tls_first_byte = tls_first_byte
        self.tcp_mux = tcp_mux
        self.pool_count = pool_count
        self.use_encryption = use_encryption
        self.use_compression = use_compression
        self.http_proxy = http_proxy
        self.metas = dict(metas or {})
        self.reconnect = reconnect
        self.max_backoff = max_backoff
        self.on_event = on_event
        self.remote_addr: str | None = None
        self.connected = False
        self.run_id = ""
        self._key = derive_key(auth_token)
        self._task: asyncio.Task[None] | None = None
        self._started: asyncio.Future[str] | None = None
        self._final: asyncio.Future[TunnelEvent] | None = None
        self._session: YamuxSession | None = None
        self._control: Conn | None = None
        self._work: set[asyncio.Task[None]] = set()
        self._closing = False

    # -- public API -----------------------------------------------------------------------------------------

    async def start(self) -> str:
        """Connect, log in and register the proxy; returns its public URL. Raises `TunnelRejected` if the server
        refuses, `TunnelConnectError` if it cannot be reached."""
        if self._task is not None:
            raise RuntimeError("the tunnel client was started already")
        loop = asyncio.get_running_loop()
        self._started = loop.create_future()
        self._final = loop.create_future()
        self._task = loop.create_task(self._run(), name=f"tunnel client {self.proxy_name[:8]}")
        try:
            return await asyncio.shield(self._started)
        except asyncio.CancelledError:
            await self.close()
            raise

    async def wait_closed(self) -> TunnelEvent:
        """Wait until the tunnel ended for good; the last event (killed, rejected or closed)."""
        if self._final is None:
            raise RuntimeError("the tunnel client was not started")
        return await asyncio.shield(self._final)

    async def close(self) -> None:
        """Close the tunnel (CloseProxy is not needed: the server drops the proxy with the connection)."""
        self._closing = True
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._drop_connection()
        self._finish(TunnelEvent("closed", "the tunnel was closed"))

    # -- the connection loop --------------------------------------------------------------------------------

    def _emit(self, event: TunnelEvent) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                log.exception("podium tunnel: the on_event callback failed")

    def _finish(self, event: TunnelEvent) -> None:
        self.connected = False
        if self._final is not None and not self._final.done():
            self._final.set_result(event)
            self._emit(event)
        if self._started is not None and not self._started.done():
            self._started.set_exception(TunnelError(event.message))

    async def _run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._connect_and_serve()
                message = "the tunnel server closed the connection"
            except TunnelRejected as rejected:
                await self._drop_connection()
                if self._started is not None and not self._started.done():
                    self._started.set_exception(rejected)
                self._finish(TunnelEvent("rejected", rejected.reason))
                return
            except _Killed:
                await self._drop_connection()
                self._finish(TunnelEvent("killed", "the share server ended this tunnel (expired or revoked)"))
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                message = str(error) or type(error).__name__
                if not isinstance(error, (TunnelConnectError, ConnectionError, OSError, EOFError,
                                          msg.ProtocolError, asyncio.TimeoutError)):
                    log.exception("podium tunnel: the connection failed")
            await self._drop_connection()
            if self.connected:
                delay = 1.0  # the back-off restarts after every connection that worked
                self.connected = False
                self._emit(TunnelEvent("disconnected", message))
            if self._started is not None and not self._started.done():
                self._started.set_exception(TunnelConnectError(message))
                self._finish(TunnelEvent("closed", message))
                return
            if not self.reconnect:
                self._finish(TunnelEvent("closed", message))
                return
            self._emit(TunnelEvent("reconnecting", f"reconnecting in {delay:g} s: {message}", delay))
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    async def _drop_connection(self) -> None:
        for task in list(self._work):
            task.cancel()
        session, self._session = self._session, None
        control, self._control = self._control, None
        if session is not None:
            await session.close()
        elif control is not None:
            control.abort()

    async def _open(self) -> tuple[Conn, YamuxSession | None]:
        try:
            reader, writer = await dial(self.server_host, self.server_port, tls=self.tls,
                                        server_name=self.server_name, tls_first_byte=self.tls_first_byte,
                                        http_proxy=self.http_proxy)
        except OSError as error:
            raise TunnelConnectError(str(error)) from error
        if not self.tcp_mux:
            return StreamConn(reader, writer), None
        session = YamuxSession(reader, writer, client=True)
        session.start()
        return await session.open_stream(), session

    def _auth(self) -> dict[str, Any]:
        timestamp = int(time.time())
        return {"privilege_key": privilege_key(self.auth_token, timestamp), "timestamp": timestamp}

    async def _connect_and_serve(self) -> None:
        stream, session = await self._open()
        self._session = session
        self._control = stream
        login = {"version": CLIENT_VERSION, "hostname": socket.gethostname(), "os": platform.system().lower(),
                 "arch": _arch(), **self._auth(), "run_id": self.run_id, "pool_count": self.pool_count,
                 "metas": self.metas}
        await stream.write(msg.encode_message(msg.LOGIN, login))
        try:
            kind, body = await asyncio.wait_for(msg.read_message(stream), LOGIN_TIMEOUT_S)
        except (asyncio.TimeoutError, TimeoutError):
            raise TunnelConnectError(f"the tunnel server did not answer the login within {LOGIN_TIMEOUT_S:g} s") from None
        except (asyncio.IncompleteReadError, msg.ProtocolError) as error:
            raise TunnelConnectError(f"the tunnel server closed the connection during login ({error}); "
                                     "check the server address and whether it expects TLS") from error
        if kind != msg.LOGIN_RESP:
            raise TunnelConnectError(f"the tunnel server answered the login with {msg.MESSAGE_NAMES[kind]}")
        if body.get("error"):
            raise TunnelRejected(str(body["error"]))
        self.run_id = str(body.get("run_id") or self.run_id)
        control = CryptoConn(stream, self._key)
        lock = asyncio.Lock()

        async def send(kind: bytes, message: Mapping[str, Any]) -> None:
            data = msg.encode_message(kind, message)
            async with lock:
                await control.write(data)

        await send(msg.NEW_PROXY, {"proxy_name": self.proxy_name, "proxy_type": "http", "subdomain": self.subdomain,
                                   "use_encryption": self.use_encryption, "use_compression": self.use_compression})
        heartbeat = None if self.tcp_mux else asyncio.get_running_loop().create_task(self._heartbeat(send))
        deadline = asyncio.get_running_loop().time() + LOGIN_TIMEOUT_S
        registered = False
        try:
            while True:
                if registered:
                    kind, body = await msg.read_message(control)
                else:
                    timeout = max(0.0, deadline - asyncio.get_running_loop().time())
                    try:
                        kind, body = await asyncio.wait_for(msg.read_message(control), timeout)
                    except (asyncio.TimeoutError, TimeoutError):
                        raise TunnelConnectError("the tunnel server did not answer the proxy registration "
                                                 f"within {LOGIN_TIMEOUT_S:g} s") from None
                if kind == msg.REQ_WORK_CONN:
                    self._spawn_work(session)
                elif kind == msg.NEW_PROXY_RESP:
                    if body.get("error"):
                        raise TunnelRejected(str(body["error"]))
                    registered = True
                    self.remote_addr = str(body.get("remote_addr") or "")
                    self.connected = True
                    self._emit(TunnelEvent("connected", f"serving {self.remote_addr}"))
                    if self._started is not None and not self._started.done():
                        self._started.set_result(self.remote_addr)
                elif kind == msg.PONG:
                    if body.get("error"):
                        raise ConnectionResetError(f"the server refused the heartbeat: {body['error']}")
                elif kind == msg.KILL:
                    raise _Killed()
                else:
                    log.info("podium tunnel: ignoring %s from the server", msg.MESSAGE_NAMES[kind])
        except asyncio.IncompleteReadError:
            return  # the server closed the connection
        finally:
            if heartbeat is not None:
                heartbeat.cancel()

    async def _heartbeat(self, send: Callable[[bytes, Mapping[str, Any]], Any]) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while True:
                await asyncio.sleep(HEARTBEAT_S)
                await send(msg.PING, self._auth())

    # -- work connections -----------------------------------------------------------------------------------

    def _spawn_work(self, session: YamuxSession | None) -> None:
        task = asyncio.get_running_loop().create_task(self._serve_work(session))
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def _serve_work(self, session: YamuxSession | None) -> None:
        conn: Conn | None = None
        try:
            if session is not None:
                conn = await session.open_stream()
            else:
                reader, writer = await dial(self.server_host, self.server_port, tls=self.tls,
                                            server_name=self.server_name, tls_first_byte=self.tls_first_byte,
                                            http_proxy=self.http_proxy)
                conn = StreamConn(reader, writer)
            await conn.write(msg.encode_message(msg.NEW_WORK_CONN, {"run_id": self.run_id, **self._auth()}))
            kind, body = await msg.read_message(conn)  # parked until a visitor needs it
            if kind != msg.START_WORK_CONN or body.get("error"):
                log.info("podium tunnel: work connection refused: %s", body.get("error") or msg.MESSAGE_NAMES[kind])
                conn.abort()
                return
            if self.use_encryption:
                conn = CryptoConn(conn, self._key)
            if self.use_compression:
                from podium_tunnel.snappy import SnappyConn

                conn = SnappyConn(conn)
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.local_host, self.local_port, limit=STREAM_LIMIT),
                    LOCAL_DIAL_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError, TimeoutError) as error:
                log.warning("podium tunnel: the local app at %s:%d is not answering: %s", self.local_host,
                            self.local_port, error)
                conn.abort()
                return
            await _pipe(conn, reader, writer)
        except (ConnectionError, OSError, EOFError, msg.ProtocolError):
            if conn is not None:
                conn.abort()
        except asyncio.CancelledError:
            if conn is not None:
                conn.abort()
            raise
        except Exception:
            log.exception("podium tunnel: a work connection failed")
            if conn is not None:
                conn.abort()


async def _pipe(conn: Conn, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Bytes both ways between a work connection and the local app until either side ends; then both close."""

    async def to_local() -> None:
        while True:
            data = await conn.read(_PIPE_READ)
            if not data:
                return
            writer.write(data)
            await writer.drain()

    async def to_tunnel() -> None:
        while True:
            data = await reader.read(_PIPE_READ)
            if not data:
                await conn.write_eof()
                return
            await conn.write(data)

    tasks = [asyncio.ensure_future(to_local()), asyncio.ensure_future(to_tunnel())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        failed = any(not task.cancelled() and task.exception() is not None for task in done)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    writer.close()
    if failed:
        conn.abort()
    else:
        await conn.close()


class BackgroundTunnel:
    """A `TunnelClient` on its own event loop in a daemon thread, for synchronous callers."""

    def __init__(self, make_client: Callable[[], TunnelClient]) -> None:
        self._make_client = make_client
        self.client: TunnelClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._url = ""
        self._error: BaseException | None = None

    @property
    def remote_addr(self) -> str | None:
        """The public URL once started."""
        return self.client.remote_addr if self.client is not None else None

    def start(self, timeout: float = 30.0) -> str:
        """Start the client on its thread; its public URL, or the `TunnelError` it raised."""
        self._thread = threading.Thread(target=self._main, name="podium-tunnel", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.close()
            raise TunnelConnectError(f"the tunnel did not open within {timeout:g} s")
        if self._error is not None:
            self.close()
            raise self._error
        return self._url

    def close(self, timeout: float = 5.0) -> None:
        """Close the tunnel and wait (up to `timeout`) for its thread to end."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop ended already
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # noqa: BLE001 - reported to the caller of start()
            if not self._ready.is_set():
                self._error = error
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        client = self.client = self._make_client()
        try:
            try:
                self._url = await client.start()
            except BaseException as error:
                self._error = error
                return
            finally:
                self._ready.set()
            stopped = asyncio.ensure_future(self._stop.wait())
            ended = asyncio.ensure_future(client.wait_closed())
            await asyncio.wait([stopped, ended], return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            ended.cancel()
        finally:
            await client.close()
