"""How the client reaches the server: plaintext, TLS and TLS after the 0x17 byte on one port, forced TLS, an HTTP
CONNECT proxy (a small one written here), reconnecting after the server restarts, and `BackgroundTunnel`."""

from __future__ import annotations

import asyncio
import base64
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tunnel_support import LocalApp, host_of, make_client, make_server, visitor  # noqa: E402

from podium_tunnel import (  # noqa: E402
    BackgroundTunnel,
    TunnelClient,
    TunnelConnectError,
    TunnelEvent,
    TunnelRejected,
    TunnelServer,
)


async def _served(server: TunnelServer, url: str) -> bool:
    async with visitor(server) as http:
        return "hello" in (await http.get("/", headers={"Host": host_of(url)})).text


def test_plaintext_tls_and_tls_after_0x17_on_the_same_port() -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server()
            await server.start()
            try:
                for index, options in enumerate([{}, {"tls": True}, {"tls": True, "tls_first_byte": True}]):
                    client = make_client(server, app, subdomain=f"app{index}", proxy_name=f"token{index}", **options)
                    try:
                        url = await client.start()
                        assert await _served(server, url)
                    finally:
                        await client.close()
            finally:
                await server.close()

    asyncio.run(main())


def test_tls_force_refuses_plaintext_clients() -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server(tls_force=True)
            await server.start()
            plain = make_client(server, app)
            secure = make_client(server, app, tls=True)
            try:
                with pytest.raises(TunnelConnectError):
                    await plain.start()
                assert await _served(server, await secure.start())
            finally:
                await plain.close()
                await secure.close()
                await server.close()

    asyncio.run(main())


class ConnectProxy:
    """A tiny HTTP CONNECT proxy (with optional basic auth) that records the targets it was asked for."""

    def __init__(self, credentials: str | None = None) -> None:
        self.credentials = credentials
        self.targets: list[str] = []
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        method, target, _ = head.split("\r\n", 1)[0].split(" ")
        expected = f"Basic {base64.b64encode(self.credentials.encode()).decode()}" if self.credentials else None
        if expected and f"Proxy-Authorization: {expected}" not in head:
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
            writer.close()
            return
        assert method == "CONNECT"
        self.targets.append(target)
        host, port = target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.parametrize("tls", [False, True])
def test_through_an_http_connect_proxy(tls: bool) -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server()
            await server.start()
            proxy = ConnectProxy("alice:pa:ss")
            await proxy.start()
            bad = make_client(server, app, http_proxy=f"http://alice:wrong@127.0.0.1:{proxy.port}")
            good = make_client(server, app, tls=tls, http_proxy=f"http://alice:pa%3Ass@127.0.0.1:{proxy.port}")
            try:
                with pytest.raises(TunnelConnectError, match="407"):
                    await bad.start()
                assert await _served(server, await good.start())
                assert proxy.targets and set(proxy.targets) == {f"127.0.0.1:{server.bind_port}"}
            finally:
                await bad.close()
                await good.close()
                await proxy.close()
                await server.close()

    asyncio.run(main())


def test_an_unreachable_server_is_a_connect_error() -> None:
    async def main() -> None:
        client = TunnelClient("127.0.0.1", 1, local_port=9, proxy_name="x")
        with pytest.raises(TunnelConnectError, match="cannot reach"):
            await client.start()
        assert (await client.wait_closed()).kind == "closed"

    asyncio.run(main())


def test_reconnects_after_the_server_restarts() -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server()
            await server.start()
            port = server.bind_port
            events: list[TunnelEvent] = []
            client = make_client(server, app, events=events, max_backoff=0.5)
            try:
                url = await client.start()
                run_id = client.run_id
                await server.close()
                reconnected = asyncio.Event()
                client.on_event = lambda event: (events.append(event),
                                                 reconnected.set() if event.kind == "connected" else None)
                await asyncio.sleep(1.0)  # the client retries against a closed port meanwhile
                server = make_server(bind_port=port)
                await server.start()
                await asyncio.wait_for(reconnected.wait(), 30)
                assert client.run_id == run_id  # it logged in again with the same run id
                assert await _served(server, url)
                kinds = [event.kind for event in events]
                assert kinds[:3] == ["connected", "disconnected", "reconnecting"] and kinds[-1] == "connected"
                assert all(event.delay is not None for event in events if event.kind == "reconnecting")
            finally:
                await client.close()
                await server.close()

    asyncio.run(main())


def test_a_refused_reconnect_ends_the_client() -> None:
    from podium_tunnel import OpenPolicy, ProxyGrant, ProxyRequest, Rejected

    class OneShot(OpenPolicy):
        def __init__(self) -> None:
            super().__init__()
            self.used = False

        async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
            if self.used:
                raise Rejected("this share link was revoked")
            self.used = True
            return await super().new_proxy(request)

    async def main() -> None:
        async with LocalApp() as app:
            policy = OneShot()
            server = make_server(policy)
            await server.start()
            client = make_client(server, app, max_backoff=0.2)
            try:
                await client.start()
                [control] = server._controls.values()
                await server._close_control(control, "test: connection dropped")
                final = await asyncio.wait_for(client.wait_closed(), 30)
                assert final.kind == "rejected" and "revoked" in final.message
            finally:
                await client.close()
                await server.close()

    asyncio.run(main())


def test_background_tunnel_for_synchronous_callers() -> None:
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        async with LocalApp() as app:
            server = make_server()
            await server.start()
            state["server"], state["app"] = server, app
            state["loop"] = asyncio.get_running_loop()
            ready.set()
            stop = state["stop"] = asyncio.Event()
            await stop.wait()
            await server.close()

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    try:
        assert ready.wait(30)
        server, app = state["server"], state["app"]
        tunnel = BackgroundTunnel(lambda: make_client(server, app))
        url = tunnel.start(timeout=30)
        assert url == "http://demo.share.localhost:8080"
        assert asyncio.run_coroutine_threadsafe(_served(server, url), state["loop"]).result(30)
        tunnel.close()
        refused = BackgroundTunnel(lambda: make_client(server, app, auth_token="wrong"))
        with pytest.raises(TunnelRejected):
            refused.start(timeout=30)
    finally:
        if "loop" in state:
            state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(30)
