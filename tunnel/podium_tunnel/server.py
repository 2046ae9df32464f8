"""`TunnelServer`: an frps-compatible share server. Tunnel clients (frpc or `TunnelClient`) log in, register http
proxies and hand over work connections; visitors reach the proxies through the vhost (vhost.py) by Host header.

Every decision goes to a `Policy`: who may log in, which subdomain a proxy gets and until when. A sweep closes
expired and revoked proxies (Kill, then the session), so a link stops within about a second of its end.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
import socket
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from podium_tunnel import messages as msg
from podium_tunnel.conn import Conn, StreamConn, format_address
from podium_tunnel.crypto import CryptoConn, derive_key, privilege_key
from podium_tunnel.net import HandshakeRefused, accept_connection, self_signed_context
from podium_tunnel.policy import LoginRequest, Policy, ProxyGrant, ProxyRequest, Rejected, gradio_subdomain
from podium_tunnel.vhost import VhostServer
from podium_tunnel.workconn import RouteGone, WorkChannel, WorkConnUnavailable
from podium_tunnel.yamux import YamuxSession

log = logging.getLogger("podium.tunnel.server")

SERVER_VERSION = "0.61.1"  # the frps version this server speaks like (no frpc checks it)
_POOL_SLACK = 10  # parked work connections beyond the client's pool_count (as frps)


@dataclass(frozen=True)
class ProxyInfo:
    """A proxy being served: its public subdomain and URL, the client behind it and the policy's grant."""

    subdomain: str
    proxy_name: str
    run_id: str
    client_address: str
    grant: ProxyGrant
    url: str


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _number(body: Mapping[str, Any], key: str) -> int:
    value = body.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strings(body: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = body.get(key)
    return tuple(item for item in value if isinstance(item, str) and item) if isinstance(value, list) else ()


def _string_map(body: Mapping[str, Any], key: str) -> dict[str, str]:
    value = body.get(key)
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


class _Proxy:
    """One http proxy: a route of the vhost (`vhost.Route`) fed by its control's work connections."""

    def __init__(self, server: TunnelServer, control: _Control, name: str, grant: ProxyGrant, route: str, url: str,
                 *, use_encryption: bool, use_compression: bool) -> None:
        self.server = server
        self.control = control
        self.name = name  # the server-side name, sent in StartWorkConn
        self.grant = grant
        self.route = route
        self.url = url
        self.use_encryption = use_encryption
        self.use_compression = use_compression
        self.idle: list[WorkChannel] = []
        self.closed = False

    async def open_work_conn(self, src_addr: str, src_port: int) -> Conn:
        """A parked work connection with StartWorkConn sent, wrapped as the proxy asked (encryption, compression)."""
        control = self.control
        start = msg.encode_message(msg.START_WORK_CONN, {"proxy_name": self.name, "src_addr": src_addr,
                                                         "src_port": src_port})
        for _ in range(control.pool_count + 1):
            if self.closed:
                raise RouteGone(self.route)
            conn = await control.take_work_conn(self.server.user_conn_timeout)
            try:
                await conn.write(start)
            except (ConnectionError, OSError):
                conn.abort()
                continue
            if self.use_encryption:
                conn = CryptoConn(conn, self.server.key)
            if self.use_compression:
                from podium_tunnel.snappy import SnappyConn

                conn = SnappyConn(conn)
            return conn
        raise WorkConnUnavailable("the client's work connections all failed")

    def info(self) -> ProxyInfo:
        return ProxyInfo(subdomain=self.grant.subdomain, proxy_name=self.name, run_id=self.control.run_id,
                         client_address=self.control.client_address, grant=self.grant, url=self.url)

    def drop_idle(self) -> None:
        idle, self.idle = self.idle, []
        for channel in idle:
            channel.close()


class _Control:
    """A logged-in client: its encrypted control stream, proxies and parked work connections."""

    def __init__(self, run_id: str, login: LoginRequest, conn: Conn, session: YamuxSession | None,
                 pool_count: int) -> None:
        self.run_id = run_id
        self.login = login
        self.client_address = login.client_address
        self.conn = conn
        self.session = session
        self.pool_count = pool_count
        self.proxies: dict[str, _Proxy] = {}
        self.pool: deque[Conn] = deque()
        self.waiters: deque[asyncio.Future[Conn]] = deque()
        self.closed = False
        self._send_lock = asyncio.Lock()

    async def send(self, kind: bytes, body: Mapping[str, Any]) -> None:
        data = msg.encode_message(kind, body)
        async with self._send_lock:  # one message at a time: the cipher's stream order is the wire's order
            await self.conn.write(data)

    def park(self, conn: Conn) -> None:
        """A new work connection from the client: to a waiting visitor, else into the pool."""
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        if len(self.pool) < self.pool_count + _POOL_SLACK and not self.closed:
            self.pool.append(conn)
        else:
            conn.abort()

    async def take_work_conn(self, timeout: float) -> Conn:
        """A parked work connection (asking the client for one and waiting up to `timeout` if none), and a
        ReqWorkConn to refill the pool."""
        if self.pool:
            conn = self.pool.popleft()
        else:
            if self.closed:
                raise RouteGone(self.run_id)
            waiter: asyncio.Future[Conn] = asyncio.get_running_loop().create_future()
            self.waiters.append(waiter)
            try:
                await self.send(msg.REQ_WORK_CONN, {})
                conn = await asyncio.wait_for(waiter, timeout)
            except (asyncio.TimeoutError, TimeoutError):
                raise WorkConnUnavailable(f"no work connection from client {self.run_id} within {timeout:g} s") from None
            except (ConnectionError, OSError):
                raise RouteGone(self.run_id) from None
            finally:
                if not waiter.done():
                    waiter.cancel()
                with contextlib.suppress(ValueError):
                    self.waiters.remove(waiter)
        with contextlib.suppress(ConnectionError, OSError):
            await self.send(msg.REQ_WORK_CONN, {})
        return conn


class TunnelServer:
    """An frps-compatible tunnel server with its HTTP vhost.

    Clients dial `bind_host:bind_port` (plain TCP, TLS, or TLS after the 0x17 byte; yamux when `tcp_mux`);
    visitors reach `http://SUB.subdomain_host` on `vhost_host:vhost_port`. `public_url` is how visitors name the
    share domain (`scheme://share.DOMAIN[:PORT]`); a proxy's URL is `scheme://SUB.share.DOMAIN[:PORT]`.
    Every `sweep_interval` seconds, proxies past their grant's `expires_at` or `revoked` by the policy are closed.
    """

    def __init__(self, policy: Policy, *, subdomain_host: str = "share.localhost",
                 public_url: str = "http://share.localhost:8080", bind_host: str = "0.0.0.0", bind_port: int = 7000,
                 vhost_host: str = "127.0.0.1", vhost_port: int = 7080, auth_token: str = "",
                 tls: ssl.SSLContext | None = None, tls_force: bool = False, tcp_mux: bool = True,
                 max_pool_count: int = 5, sweep_interval: float = 1.0, user_conn_timeout: float = 10.0,
                 handshake_timeout: float = 10.0, not_found_page: bytes | None = None) -> None:
        self.policy = policy
        self.subdomain_host = subdomain_host.lower().rstrip(".")
        parts = urlsplit(public_url)
        self._url_scheme = parts.scheme or "http"
        self._url_suffix = parts.netloc or self.subdomain_host  # share.DOMAIN[:PORT]
        self.bind_host = bind_host
        self.bind_port = bind_port
        self.vhost_host = vhost_host
        self.vhost_port = vhost_port
        self.auth_token = auth_token
        self.key = derive_key(auth_token)
        self._tls = tls
        self.tls_force = tls_force
        self.tcp_mux = tcp_mux
        self.max_pool_count = max_pool_count
        self.sweep_interval = sweep_interval
        self.user_conn_timeout = user_conn_timeout
        self.handshake_timeout = handshake_timeout
        self._vhost = VhostServer(self._lookup, not_found_page=not_found_page)
        self._controls: dict[str, _Control] = {}
        self._routes: dict[str, _Proxy] = {}
        self._listener: socket.socket | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._accept_task: asyncio.Task[None] | None = None
        self._sweep_task: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen for tunnel clients and visitors (ports 0: free ones, see `bind_port` / `vhost_port`)."""
        loop = asyncio.get_running_loop()
        if self._tls is None:
            self._tls = await asyncio.to_thread(self_signed_context)
        infos = await loop.getaddrinfo(self.bind_host or None, self.bind_port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        listener = socket.socket(family, kind, proto)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
            listener.listen(512)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self.bind_port = int(listener.getsockname()[1])
        try:
            await self._vhost.start(self.vhost_host, self.vhost_port)
        except OSError:
            listener.close()
            raise
        self.vhost_port = self._vhost.port
        self._accept_task = loop.create_task(self._accept_loop(listener), name="tunnel server accept")
        self._sweep_task = loop.create_task(self._sweep_loop(), name="tunnel server sweep")
        log.info("podium tunnel server: clients on %s:%d, visitors on %s:%d", self.bind_host, self.bind_port,
                 self.vhost_host, self.vhost_port)

    async def close(self) -> None:
        """Stop listening, close every client and visitor connection."""
        for task in (self._accept_task, self._sweep_task):
            if task is not None:
                task.cancel()
        if self._listener is not None:
            self._listener.close()
        await self._vhost.close()
        for control in list(self._controls.values()):
            await self._close_control(control, "the server is shutting down")
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for task in (self._accept_task, self._sweep_task):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def proxies(self) -> list[ProxyInfo]:
        """The proxies served now."""
        return [proxy.info() for proxy in self._routes.values()]

    async def close_proxy(self, link_id: str, reason: str) -> None:
        """Stop serving every proxy of the grant `link_id`: Kill to its client, route removed."""
        for proxy in [p for p in self._routes.values() if p.grant.link_id == link_id]:
            await self._kill(proxy, reason)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lookup(self, host: str) -> _Proxy | None:
        return self._routes.get(host)

    # -- connections ----------------------------------------------------------------------------------------

    async def _accept_loop(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                sock, address = await loop.sock_accept(listener)
            except (ConnectionError, BlockingIOError, InterruptedError):
                continue
            except OSError as error:
                log.warning("podium tunnel server: accept failed: %s", error)
                await asyncio.sleep(0.1)  # e.g. out of file descriptors: do not spin
                continue
            self._spawn(self._serve_connection(sock, format_address(address)), f"tunnel conn {address}")

    async def _serve_connection(self, sock: socket.socket, address: str) -> None:
        try:
            assert self._tls is not None
            reader, writer = await accept_connection(sock, tls=self._tls, tls_force=self.tls_force,
                                                     timeout=self.handshake_timeout)
        except HandshakeRefused as refused:
            log.info("podium tunnel server: connection refused: %s", refused)
            sock.close()
            return
        except Exception:
            log.exception("podium tunnel server: accepting %s failed", address)
            sock.close()
            return
        if not self.tcp_mux:
            await self._serve_stream(StreamConn(reader, writer), address, None)
            return
        session = YamuxSession(reader, writer, client=False)
        session.start()
        try:
            # A session must open its first stream promptly; later ones come whenever work is needed.
            stream = await asyncio.wait_for(session.accept_stream(), self.handshake_timeout)
            while True:
                self._spawn(self._serve_stream(stream, address, session), f"tunnel stream {address}")
                stream = await session.accept_stream()
        except (asyncio.TimeoutError, TimeoutError):
            log.info("podium tunnel server: %s opened no stream within %g s", address, self.handshake_timeout)
        except (ConnectionError, OSError):
            pass  # the session ended
        except Exception:
            log.exception("podium tunnel server: session with %s failed", address)
        finally:
            await session.close()

    async def _serve_stream(self, conn: Conn, address: str, session: YamuxSession | None) -> None:
        """The first message of a stream says what it is: a Login (control) or a NewWorkConn."""
        try:
            try:
                kind, body = await asyncio.wait_for(msg.read_message(conn), self.handshake_timeout)
            except (asyncio.TimeoutError, TimeoutError):
                log.info("podium tunnel server: %s sent no message within %g s", address, self.handshake_timeout)
                conn.abort()
                return
            except (msg.ProtocolError, asyncio.IncompleteReadError, ConnectionError, OSError) as error:
                log.info("podium tunnel server: %s: not an FRP client: %s", address, error or "connection closed")
                conn.abort()
                if session is not None:
                    await session.close()  # whatever it is, it does not speak FRP
                return
            if kind == msg.LOGIN:
                await self._login(conn, body, address, session)
            elif kind == msg.NEW_WORK_CONN:
                await self._new_work_conn(conn, body)
            else:
                log.info("podium tunnel server: %s opened a stream with %s", address, msg.MESSAGE_NAMES[kind])
                conn.abort()
        except asyncio.CancelledError:
            conn.abort()
            raise
        except Exception:
            log.exception("podium tunnel server: serving %s failed", address)
            conn.abort()

    async def _refuse_login(self, conn: Conn, session: YamuxSession | None, address: str, reason: str) -> None:
        log.info("podium tunnel server: login from %s refused: %s", address, reason)
        with contextlib.suppress(ConnectionError, OSError):
            await conn.write(msg.encode_message(msg.LOGIN_RESP, {"version": SERVER_VERSION, "error": reason}))
        await conn.close()
        if session is not None:
            await asyncio.sleep(0.05)  # let the answer leave before the session goes
            await session.close()

    async def _login(self, conn: Conn, body: Mapping[str, Any], address: str, session: YamuxSession | None) -> None:
        run_id = _text(body, "run_id")[:64] or secrets.token_hex(8)
        request = LoginRequest(
            run_id=run_id, client_address=address, version=_text(body, "version"), hostname=_text(body, "hostname"),
            os=_text(body, "os"), arch=_text(body, "arch"), user=_text(body, "user"),
            privilege_key=_text(body, "privilege_key"), timestamp=_number(body, "timestamp"),
            pool_count=_number(body, "pool_count"), metas=_string_map(body, "metas"))
        expected = privilege_key(self.auth_token, request.timestamp)
        if not hmac.compare_digest(expected.encode(), request.privilege_key.encode()):
            await self._refuse_login(conn, session, address,
                                     "authorization failed: the client's auth token does not match the server's")
            return
        try:
            await self.policy.login(request)
        except Rejected as rejected:
            await self._refuse_login(conn, session, address, rejected.reason)
            return
        old = self._controls.get(run_id)
        if old is not None:
            await self._close_control(old, "replaced by a new login of the same client")
        await conn.write(msg.encode_message(msg.LOGIN_RESP, {"version": SERVER_VERSION, "run_id": run_id}))
        pool_count = max(0, min(request.pool_count, self.max_pool_count))
        control = _Control(run_id, request, CryptoConn(conn, self.key), session, pool_count)
        self._controls[run_id] = control
        log.info("podium tunnel server: client %s logged in from %s", run_id, address)
        reason = "the client closed the connection"
        try:
            for _ in range(pool_count):
                await control.send(msg.REQ_WORK_CONN, {})
            while True:
                kind, message = await msg.read_message(control.conn)
                if kind == msg.NEW_PROXY:
                    await self._new_proxy(control, message)
                elif kind == msg.PING:
                    await self._ping(control)
                elif kind == msg.CLOSE_PROXY:
                    proxy = control.proxies.get(_text(message, "proxy_name"))
                    if proxy is not None:
                        await self._close_proxy(proxy)
                else:
                    reason = f"unexpected {msg.MESSAGE_NAMES[kind]} on the control stream"
                    break
        except asyncio.IncompleteReadError:
            pass
        except (ConnectionError, OSError) as error:
            reason = f"connection lost: {error}"
        except msg.ProtocolError as error:
            reason = f"protocol error: {error}"
        finally:
            await self._close_control(control, reason)

    async def _ping(self, control: _Control) -> None:
        try:
            await self.policy.ping(control.run_id)
        except Rejected as rejected:
            await control.send(msg.PONG, {"error": rejected.reason})
            return
        await control.send(msg.PONG, {})

    async def _new_proxy(self, control: _Control, body: Mapping[str, Any]) -> None:
        name = _text(body, "proxy_name")
        asked = _text(body, "subdomain")
        server_name = gradio_subdomain(name) if asked == "random" else name  # what Gradio's frpc expects back

        async def refuse(reason: str) -> None:
            log.info("podium tunnel server: a proxy of client %s refused: %s", control.run_id, reason)  # name: a secret
            await control.send(msg.NEW_PROXY_RESP, {"proxy_name": server_name, "error": reason})

        if not name:
            await refuse("a proxy needs a name")
            return
        if server_name in control.proxies:
            await refuse(f"proxy [{name}] already exists")
            return
        request = ProxyRequest(
            run_id=control.run_id, client_address=control.client_address, user=control.login.user,
            login_metas=control.login.metas, proxy_name=name, proxy_type=_text(body, "proxy_type"), subdomain=asked,
            custom_domains=_strings(body, "custom_domains"), locations=_strings(body, "locations"),
            use_encryption=body.get("use_encryption") is True, use_compression=body.get("use_compression") is True,
            metas=_string_map(body, "metas"), raw=dict(body))
        try:
            grant = await self.policy.new_proxy(request)
        except Rejected as rejected:
            await refuse(rejected.reason)
            return
        subdomain = grant.subdomain.lower()
        if not subdomain or "." in subdomain or "*" in subdomain:
            await refuse(f"invalid subdomain {grant.subdomain!r}")
            return
        if grant.expires_at is not None and grant.expires_at <= self.policy.now():
            await refuse("this share link has expired; create a new one")
            return
        route = f"{subdomain}.{self.subdomain_host}"
        existing = self._routes.get(route)
        if existing is not None and not existing.closed:
            await refuse("this share link is already connected from another place")
            return
        if control.closed:
            return
        proxy = _Proxy(self, control, server_name, grant, route, f"{self._url_scheme}://{subdomain}.{self._url_suffix}",
                       use_encryption=request.use_encryption, use_compression=request.use_compression)
        control.proxies[server_name] = proxy
        self._routes[route] = proxy
        # Not the proxy's name: a share server's clients name their proxy by their link's secret token.
        log.info("podium tunnel server: client %s serves %s", control.run_id, proxy.url)
        await control.send(msg.NEW_PROXY_RESP, {"proxy_name": server_name, "remote_addr": proxy.url})

    async def _new_work_conn(self, conn: Conn, body: Mapping[str, Any]) -> None:
        run_id = _text(body, "run_id")
        control = self._controls.get(run_id)
        reason = ""
        if control is None or control.closed:
            reason = f"no client is logged in with run id {run_id!r}; log in again"
        else:
            try:
                await self.policy.new_work_conn(run_id)
            except Rejected as rejected:
                reason = rejected.reason
        if reason or control is None:
            with contextlib.suppress(ConnectionError, OSError):
                await conn.write(msg.encode_message(msg.START_WORK_CONN, {"error": reason}))
            await conn.close()
            return
        control.park(conn)

    # -- ending proxies and clients -------------------------------------------------------------------------

    async def _close_proxy(self, proxy: _Proxy) -> None:
        if proxy.closed:
            return
        proxy.closed = True
        if self._routes.get(proxy.route) is proxy:
            del self._routes[proxy.route]
        proxy.control.proxies.pop(proxy.name, None)
        proxy.drop_idle()
        try:
            await self.policy.proxy_closed(proxy.control.run_id, proxy.grant)
        except Exception:
            log.exception("podium tunnel server: the policy's proxy_closed failed")

    async def _close_control(self, control: _Control, reason: str) -> None:
        if control.closed:
            return
        control.closed = True
        if self._controls.get(control.run_id) is control:
            del self._controls[control.run_id]
        log.info("podium tunnel server: client %s gone: %s", control.run_id, reason)
        for proxy in list(control.proxies.values()):
            await self._close_proxy(proxy)
        for waiter in control.waiters:
            if not waiter.done():
                waiter.set_exception(RouteGone(control.run_id))
        control.waiters.clear()
        while control.pool:
            control.pool.popleft().abort()
        if control.session is not None:
            await control.session.close()
        else:
            await control.conn.close()

    async def _kill(self, proxy: _Proxy, reason: str) -> None:
        """End a proxy the policy no longer allows: Kill to its client when it was its last, route removed."""
        control = proxy.control
        log.info("podium tunnel server: closing %s: %s", proxy.url, reason)
        last = not any(p is not proxy for p in control.proxies.values())
        await self._close_proxy(proxy)
        if last and not control.closed:
            with contextlib.suppress(ConnectionError, OSError):
                await asyncio.wait_for(control.send(msg.KILL, {}), 5.0)
            await self._close_control(control, reason)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                await self.sweep()
            except Exception:
                log.exception("podium tunnel server: sweep failed")

    async def sweep(self) -> None:
        """Close the proxies whose grant expired or that the policy revoked."""
        proxies = list(self._routes.values())
        if not proxies:
            return
        now = self.policy.now()
        try:
            revoked = await self.policy.revoked([proxy.grant for proxy in proxies])
        except Exception:
            log.exception("podium tunnel server: the policy's revoked() failed; only expiry is checked")
            revoked = {}
        for proxy in proxies:
            if proxy.closed:
                continue
            if proxy.grant.link_id in revoked:
                await self._kill(proxy, revoked[proxy.grant.link_id] or "this share link was revoked")
            elif proxy.grant.expires_at is not None and proxy.grant.expires_at <= now:
                await self._kill(proxy, "this share link has expired")
