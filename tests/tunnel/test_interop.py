"""Interoperability with the real frp binaries (v0.52+): our TunnelClient against frps, frpc against our
TunnelServer, and frps asking our plugin (podium_tunnel.plugin) for every decision.

Each test is skipped where the binary is missing: set PODIUM_FRPS_BIN / PODIUM_FRPC_BIN or put frps / frpc on
PATH to run them. Every visitor request carries a body large enough to need yamux window updates both ways.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from podium_tunnel.client import TunnelClient, TunnelRejected
from podium_tunnel.drivers import (
    DriverError,
    FrpcProcess,
    FrpsProcess,
    HttpProxySpec,
    find_binary,
    frpc_toml,
    frps_toml,
)
from podium_tunnel.plugin import DEFAULT_OPS, PluginRequestError, handle_plugin_request
from podium_tunnel.policy import LoginRequest, OpenPolicy, ProxyGrant, ProxyRequest, Rejected, gradio_subdomain
from podium_tunnel.server import TunnelServer

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TOKEN = "interop-token"
DOMAIN = "share.test"
BIG = bytes(range(256)) * 4096  # 1 MiB: more than yamux's 256 KiB initial window
HAVE_SNAPPY = importlib.util.find_spec("podium_tunnel.snappy") is not None
needs_snappy = pytest.mark.skipif(not HAVE_SNAPPY, reason="podium_tunnel.snappy is not written yet")


def need(name: Literal["frpc", "frps"]) -> str:
    path = find_binary(name)
    if path is None:
        pytest.skip(
            f"{name} is not installed: set PODIUM_{name.upper()}_BIN or put {name} on PATH to run the interop tests"
        )
    return path


def free_port() -> int:
    """A port free now (frps cannot listen on port 0 and tell us which one it got)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a local app (the laptop's) and a visitor ---


@pytest.fixture
async def local_app() -> AsyncIterator[int]:
    """A keep-alive HTTP/1.1 app answering `PATH sha256(body) length` so big bodies are checked both ways."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *lines = head.split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                path = request_line.split()[1]
                digest = hashlib.sha256(body).hexdigest()
                answer = f"{path} {digest} {len(body)}\n".encode() + (BIG if path.startswith("/big") else b"")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n")
                writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer))
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def visit(vhost_port: int, host: str) -> None:
    """Requests through the vhost as a visitor: small, then 1 MiB each way, on one keep-alive connection."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{vhost_port}", timeout=60) as http:
        small = await http.get("/hello?x=1", headers={"Host": host})
        assert small.status_code == 200, small.text
        assert small.content == f"/hello?x=1 {hashlib.sha256(b'').hexdigest()} 0\n".encode()
        big = await http.post("/big", headers={"Host": host}, content=BIG)
        assert big.status_code == 200
        first_line, _, rest = big.content.partition(b"\n")
        assert first_line == f"/big {hashlib.sha256(BIG).hexdigest()} {len(BIG)}".encode()
        assert rest == BIG


async def status_of(vhost_port: int, host: str) -> int:
    async with httpx.AsyncClient(timeout=60) as http:
        return (await http.get(f"http://127.0.0.1:{vhost_port}/", headers={"Host": host})).status_code


async def eventually(check: Callable[[], Awaitable[bool]], attempts: int = 150) -> None:
    """Wait until `check()` holds, polling every 0.2 s (30 s in all by default)."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{check.__name__} did not hold within {attempts * 0.2:g} s")


# --- our client, their server ---

TRANSPORTS = [
    pytest.param(False, True, False, id="plain-mux"),
    pytest.param(True, True, False, id="tls-mux"),
    pytest.param(False, False, False, id="plain-nomux"),
    pytest.param(True, True, True, id="tls-mux-encrypted-compressed", marks=needs_snappy),
    pytest.param(False, False, True, id="plain-nomux-encrypted-compressed", marks=needs_snappy),
]


@pytest.fixture
async def real_frps() -> AsyncIterator[Callable[..., Awaitable[tuple[int, int]]]]:
    """Starts a real frps (ports chosen here) on demand: `await real_frps(tcp_mux=..., plugins=...)`."""
    need("frps")
    running: list[FrpsProcess] = []

    async def start(**options: Any) -> tuple[int, int]:
        bind_port, vhost_port = free_port(), free_port()
        config = frps_toml(
            bind_addr="127.0.0.1", bind_port=bind_port, vhost_http_port=vhost_port, subdomain_host=DOMAIN,
            auth_token=TOKEN, **options,
        )  # fmt: skip
        frps = FrpsProcess(config)
        await frps.start(timeout=30)
        running.append(frps)
        return bind_port, vhost_port

    try:
        yield start
    finally:
        for frps in running:
            await frps.stop()


@pytest.mark.parametrize(("tls", "tcp_mux", "ue_uc"), TRANSPORTS)
async def test_our_client_through_real_frps(
    real_frps: Callable[..., Awaitable[tuple[int, int]]], local_app: int, tls: bool, tcp_mux: bool, ue_uc: bool
) -> None:
    bind_port, vhost_port = await real_frps(tcp_mux=tcp_mux)
    client = TunnelClient(
        "127.0.0.1", bind_port, local_port=local_app, proxy_name="interop-web", subdomain="web", auth_token=TOKEN,
        tls=tls, tcp_mux=tcp_mux, use_encryption=ue_uc, use_compression=ue_uc,
    )  # fmt: skip
    try:
        remote_addr = await asyncio.wait_for(client.start(), 60)
        assert remote_addr == f"web.{DOMAIN}:{vhost_port}"  # vanilla frps: host:port, no scheme
        await visit(vhost_port, f"web.{DOMAIN}")
        await visit(vhost_port, f"WEB.{DOMAIN}:{vhost_port}")  # frps lowercases and drops the port
    finally:
        await client.close()

    async def gone() -> bool:
        return await status_of(vhost_port, f"web.{DOMAIN}") == 404

    await eventually(gone)


async def test_real_frps_refuses_a_wrong_token(
    real_frps: Callable[..., Awaitable[tuple[int, int]]], local_app: int
) -> None:
    bind_port, _ = await real_frps()
    client = TunnelClient("127.0.0.1", bind_port, local_port=local_app, proxy_name="p", subdomain="p", auth_token="no")
    try:
        with pytest.raises(TunnelRejected, match="token"):
            await asyncio.wait_for(client.start(), 60)
    finally:
        await client.close()


# --- their client, our server ---


@pytest.fixture
async def our_server() -> AsyncIterator[Callable[..., Awaitable[TunnelServer]]]:
    """Starts our TunnelServer (OpenPolicy, free ports) on demand: `await our_server(tcp_mux=...)`."""
    need("frpc")
    running: list[TunnelServer] = []

    async def start(**options: Any) -> TunnelServer:
        server = TunnelServer(
            OpenPolicy(), subdomain_host=DOMAIN, public_url=f"http://{DOMAIN}:8080", bind_host="127.0.0.1",
            bind_port=0, vhost_host="127.0.0.1", vhost_port=0, auth_token=TOKEN, **options,
        )  # fmt: skip
        await server.start()
        running.append(server)
        return server

    try:
        yield start
    finally:
        for server in running:
            await server.close()


@pytest.mark.parametrize(("tls", "tcp_mux", "ue_uc"), TRANSPORTS)
async def test_real_frpc_through_our_server(
    our_server: Callable[..., Awaitable[TunnelServer]], local_app: int, tls: bool, tcp_mux: bool, ue_uc: bool
) -> None:
    server = await our_server(tcp_mux=tcp_mux)  # client and server must agree on multiplexing
    config = frpc_toml(
        server_addr="127.0.0.1", server_port=server.bind_port, auth_token=TOKEN, tls_enable=tls, tcp_mux=tcp_mux,
        proxies=[HttpProxySpec("web", "127.0.0.1", local_app, subdomain="web", use_encryption=ue_uc,
                               use_compression=ue_uc)],
    )  # fmt: skip
    async with FrpcProcess(config, proxy_names=["web"]) as frpc:
        [proxy] = server.proxies()
        assert (proxy.proxy_name, proxy.subdomain) == ("web", "web")
        await visit(server.vhost_port, f"web.{DOMAIN}:8080")
        assert frpc.returncode is None

    async def gone() -> bool:
        return not server.proxies() and await status_of(server.vhost_port, f"web.{DOMAIN}:8080") == 404

    await eventually(gone)


async def test_real_frpc_login_refused_by_our_server(
    our_server: Callable[..., Awaitable[TunnelServer]], local_app: int
) -> None:
    server = await our_server()
    config = frpc_toml(
        server_addr="127.0.0.1", server_port=server.bind_port, auth_token="wrong",
        proxies=[HttpProxySpec("web", "127.0.0.1", local_app, subdomain="web")],
    )  # fmt: skip
    with pytest.raises(DriverError, match="login to server failed"):
        await FrpcProcess(config, proxy_names=["web"]).start(timeout=60)
    assert server.proxies() == []


# --- their server, our plugin ---


class ShareLinkPolicy(OpenPolicy):
    """Gradio-style subdomains (OpenPolicy's, from the proxy name); refuses a banned client and revoked links."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: list[str] = []
        self.closed: list[tuple[str, ProxyGrant]] = []

    async def login(self, request: LoginRequest) -> None:
        self.ops.append("login")
        if request.metas.get("who") == "mallory":
            raise Rejected("mallory may not share")

    async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
        self.ops.append("new_proxy")
        if request.proxy_name.startswith("revoked"):
            raise Rejected("this share link was revoked")
        return await super().new_proxy(request)

    async def new_work_conn(self, run_id: str) -> None:
        self.ops.append("new_work_conn")

    async def proxy_closed(self, run_id: str, grant: ProxyGrant) -> None:
        self.closed.append((run_id, grant))


@pytest.fixture
async def plugin_server() -> AsyncIterator[tuple[int, ShareLinkPolicy]]:
    """The plugin endpoint as a web layer would serve it: POST /frps-plugin?op=OP, 400 on a malformed body."""
    policy = ShareLinkPolicy()

    async def answer(writer: asyncio.StreamWriter, status: str, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        )
        writer.write(data)
        await writer.drain()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # frps's Go client keeps connections alive
                try:
                    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *lines = head.split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                method, target, _ = request_line.split(" ", 2)
                url = urlsplit(target)
                if method != "POST" or url.path != "/frps-plugin":
                    await answer(writer, "404 Not Found", {"error": "not here"})
                    continue
                op = parse_qs(url.query).get("op", [""])[0]
                try:
                    result = await handle_plugin_request(policy, op, json.loads(body))
                except (PluginRequestError, ValueError) as exc:
                    await answer(writer, "400 Bad Request", {"error": str(exc)})
                    continue
                await answer(writer, "200 OK", result)
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1]), policy
    finally:
        server.close()
        await server.wait_closed()


async def test_real_frps_enforces_our_policy_through_the_plugin(
    real_frps: Callable[..., Awaitable[tuple[int, int]]],
    plugin_server: tuple[int, ShareLinkPolicy],
    local_app: int,
) -> None:
    plugin_port, policy = plugin_server
    bind_port, vhost_port = await real_frps(
        plugins=[("podium", f"127.0.0.1:{plugin_port}", "/frps-plugin", DEFAULT_OPS)]
    )

    def client(name: str, **options: Any) -> TunnelClient:
        return TunnelClient(
            "127.0.0.1", bind_port, local_port=local_app, proxy_name=name, subdomain="random", auth_token=TOKEN,
            **options,
        )  # fmt: skip

    # Gradio's frpc asks for "random": the plugin's answer forces the subdomain derived from the share token
    sharing = client("tok-interop")
    try:
        remote_addr = await asyncio.wait_for(sharing.start(), 60)
        subdomain = gradio_subdomain("tok-interop")
        assert remote_addr == f"{subdomain}.{DOMAIN}:{vhost_port}"
        await visit(vhost_port, f"{subdomain}.{DOMAIN}")
        assert await status_of(vhost_port, f"random.{DOMAIN}") == 404
        assert {"login", "new_proxy", "new_work_conn"} <= set(policy.ops)
    finally:
        await sharing.close()

    async def released() -> bool:
        return [grant.subdomain for _, grant in policy.closed] == [gradio_subdomain("tok-interop")]

    await eventually(released)  # frps sent CloseProxy with the client's run id; the plugin found the grant

    for refused, reason in [
        (client("revoked-link"), "this share link was revoked"),
        (client("tok-2", metas={"who": "mallory"}), "mallory may not share"),
    ]:
        try:
            with pytest.raises(TunnelRejected, match=reason):
                await asyncio.wait_for(refused.start(), 60)
        finally:
            await refused.close()
