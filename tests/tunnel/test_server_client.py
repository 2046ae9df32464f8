"""TunnelServer + TunnelClient end to end, in one process: a uvicorn app behind the client, visitors on the vhost.

Pages, JSON, SSE streaming, WebSockets, concurrency, big bodies both ways, keep-alive reuse, the Gradio-style
hashed proxy name, and the non-yamux mode.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tunnel_support import (  # noqa: E402
    LocalApp,
    host_of,
    make_client,
    make_server,
    pattern,
    raw_request,
    visitor,
    websocket_echo,
)

from podium_tunnel import TunnelServer  # noqa: E402
from podium_tunnel.policy import gradio_subdomain  # noqa: E402

Scenario = Callable[[TunnelServer, LocalApp, str], Awaitable[Any]]


def run_tunnel(scenario: Scenario, *, server_options: dict[str, Any] | None = None,
               client_options: dict[str, Any] | None = None) -> Any:
    """Runs `scenario(server, app, url)` with a started server, app and client; closes all three after."""

    async def main() -> Any:
        async with LocalApp() as app:
            server = make_server(**(server_options or {}))
            await server.start()
            client = make_client(server, app, **(client_options or {}))
            try:
                url = await asyncio.wait_for(client.start(), 30)
                return await scenario(server, app, url)
            finally:
                await client.close()
                await server.close()

    return asyncio.run(main())


def test_page_and_json_post_through_the_tunnel() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        assert url == "http://demo.share.localhost:8080"
        async with visitor(server) as http:
            page = await http.get("/", headers={"Host": host_of(url)})
            assert page.status_code == 200
            assert "hello from the laptop" in page.text
            answer = await http.post("/echo", json={"a": [1, 2, 3]}, headers={"Host": host_of(url)})
            assert answer.json() == {"got": {"a": [1, 2, 3]}, "method": "POST"}
        [info] = server.proxies()
        assert info.subdomain == "demo" and info.url == url and info.proxy_name == "demo-token"

    run_tunnel(scenario)


def test_host_matching_ignores_case_port_and_trailing_dot() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            for host in ("DEMO.Share.Localhost", "demo.share.localhost.", "demo.share.localhost:8080"):
                assert (await http.get("/", headers={"Host": host})).status_code == 200

    run_tunnel(scenario)


def test_forwarded_headers_reach_the_app() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            seen = (await http.get("/headers", headers={"Host": host_of(url)})).json()
            assert seen["host"] == host_of(url)
            assert seen["x-forwarded-host"] == host_of(url)
            assert seen["x-forwarded-proto"] == "http"
            assert seen["x-forwarded-for"] == "127.0.0.1"
            # From loopback (the router), the router's own X-Forwarded-* are kept.
            seen = (await http.get("/headers", headers={
                "Host": host_of(url), "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})).json()
            assert seen["x-forwarded-for"] == "203.0.113.9"
            assert seen["x-forwarded-proto"] == "https"

    run_tunnel(scenario)


def test_sse_events_arrive_before_the_answer_ends() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http, http.stream("GET", "/sse", headers={"Host": host_of(url)}) as answer:
            assert answer.headers["content-type"].startswith("text/event-stream")
            received = b""
            chunks = answer.aiter_raw()
            while b"data: one\n\n" not in received:
                received += await asyncio.wait_for(chunks.__anext__(), 20)
            assert b"two" not in received
            app.state.sse_gate.set()  # only now does the app send the second event
            async for chunk in chunks:
                received += chunk
            assert received == b"data: one\n\ndata: two\n\n"

    run_tunnel(scenario)


def test_websocket_echo() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        replies = await websocket_echo(server.vhost_port, host_of(url), ["hi", "again", "x" * 100])
        assert replies == ["echo: hi", "echo: again", "echo: " + "x" * 100]

    run_tunnel(scenario)


def test_200_concurrent_requests_all_correct() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server, limits=__import__("httpx").Limits(max_connections=200)) as http:

            async def one(i: int) -> None:
                answer = await http.post("/echo", json={"i": i}, headers={"Host": host_of(url)})
                assert answer.status_code == 200
                assert answer.json()["got"] == {"i": i}

            await asyncio.gather(*(one(i) for i in range(200)))

    run_tunnel(scenario)


def test_five_mib_upload_and_download_byte_exact() -> None:
    size = 5 * 1024 * 1024
    data = pattern(size)

    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            uploaded = (await http.post("/upload", content=data, headers={"Host": host_of(url)})).json()
            assert uploaded == {"size": size, "sha256": hashlib.sha256(data).hexdigest()}

            async def chunked() -> Any:
                for start in range(0, size, 300_000):
                    yield data[start:start + 300_000]

            uploaded = (await http.post("/upload", content=chunked(), headers={"Host": host_of(url)})).json()
            assert uploaded == {"size": size, "sha256": hashlib.sha256(data).hexdigest()}
            downloaded = await http.get("/download", params={"n": size}, headers={"Host": host_of(url)})
            assert downloaded.content == data

    run_tunnel(scenario)


def test_keep_alive_reuses_one_work_connection() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        request = f"GET / HTTP/1.1\r\nHost: {host_of(url)}\r\n\r\n".encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.vhost_port)
        try:
            for _ in range(3):  # three requests on one visitor connection, one after the other
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                assert b"hello from the laptop" in await reader.readexactly(length)
        finally:
            writer.close()
        [proxy] = server._routes.values()
        assert len(proxy.idle) == 1  # the answers ended cleanly: the same work connection carried all three
        async with visitor(server) as http:
            for _ in range(3):
                assert (await http.get("/", headers={"Host": host_of(url)})).status_code == 200
        assert len(proxy.idle) == 1

    run_tunnel(scenario)


def test_a_kept_alive_work_connection_the_app_closed_is_not_an_error() -> None:
    async def main() -> None:
        async with LocalApp(keep_alive_s=0.2) as app:  # the app drops idle connections quickly
            server = make_server()
            await server.start()
            client = make_client(server, app)
            try:
                url = await client.start()
                async with visitor(server) as http:
                    for _ in range(3):
                        assert (await http.get("/", headers={"Host": host_of(url)})).status_code == 200
                        await asyncio.sleep(0.6)  # the app closed the connection behind the kept-alive work conn
                        answer = await http.post("/echo", json={"x": 1}, headers={"Host": host_of(url)})
                        assert answer.status_code == 200 and answer.json()["got"] == {"x": 1}
                        await asyncio.sleep(0.6)
            finally:
                await client.close()
                await server.close()

    asyncio.run(main())


def test_head_and_http10_requests() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            head = await http.head("/", headers={"Host": host_of(url)})
            assert head.status_code == 200 and head.content == b""
            assert (await http.get("/", headers={"Host": host_of(url)})).status_code == 200  # still usable after
        answer = await raw_request(server.vhost_port, f"GET / HTTP/1.0\r\nHost: {host_of(url)}\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.") and b"hello from the laptop" in answer

    run_tunnel(scenario)


def test_unknown_host_gets_the_404_page() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            answer = await http.get("/", headers={"Host": "nope.share.localhost"})
            assert answer.status_code == 404
            assert "expired, was revoked, or its app is not running" in answer.text
            assert (await http.get("/", headers={"Host": "share.localhost"})).status_code == 404

    run_tunnel(scenario)


def test_gradio_random_subdomain_gets_the_hashed_name() -> None:
    token = "abc"

    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        assert url == f"http://{gradio_subdomain(token)}.share.localhost:8080"
        [info] = server.proxies()
        assert info.proxy_name == gradio_subdomain(token) == "ba7816bf8f01cfea41"
        async with visitor(server) as http:
            assert (await http.get("/", headers={"Host": host_of(url)})).status_code == 200

    run_tunnel(scenario, client_options={"proxy_name": token, "subdomain": "random"})


def test_without_tcp_mux_each_stream_is_a_connection() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            answers = await asyncio.gather(*(http.get("/", headers={"Host": host_of(url)}) for _ in range(20)))
            assert all(answer.status_code == 200 for answer in answers)
        assert await websocket_echo(server.vhost_port, host_of(url), ["plain"]) == ["echo: plain"]

    run_tunnel(scenario, server_options={"tcp_mux": False}, client_options={"tcp_mux": False})


@pytest.mark.parametrize("tcp_mux", [True, False])
def test_encrypted_and_compressed_work_connections(tcp_mux: bool) -> None:
    pytest.importorskip("podium_tunnel.snappy")
    data = pattern(1024 * 1024)

    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            assert "hello" in (await http.get("/", headers={"Host": host_of(url)})).text
            uploaded = (await http.post("/upload", content=data, headers={"Host": host_of(url)})).json()
            assert uploaded["sha256"] == hashlib.sha256(data).hexdigest()
            downloaded = await http.get("/download", params={"n": len(data)}, headers={"Host": host_of(url)})
            assert downloaded.content == data
        assert await websocket_echo(server.vhost_port, host_of(url), ["secret"]) == ["echo: secret"]

    run_tunnel(scenario, server_options={"tcp_mux": tcp_mux, "auth_token": "s3cret"},
               client_options={"tcp_mux": tcp_mux, "auth_token": "s3cret", "use_encryption": True,
                               "use_compression": True})


def test_the_app_not_answering_gives_502() -> None:
    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        await app.__aexit__()  # the app stops; the tunnel stays
        async with visitor(server) as http:
            answer = await http.get("/", headers={"Host": host_of(url)})
            assert answer.status_code == 502
            assert "not answering" in answer.text
        app.__init__()  # type: ignore[misc]  # LocalApp.__aexit__ must find a server to stop
        await app.__aenter__()

    run_tunnel(scenario)


def test_the_server_never_logs_a_proxy_name(caplog: pytest.LogCaptureFixture) -> None:
    """A share server's clients name their proxy by their link's secret token: it must not reach the logs, neither
    when the proxy is served nor when it is refused."""
    import logging

    caplog.set_level(logging.DEBUG)

    async def scenario(server: TunnelServer, app: LocalApp, url: str) -> None:
        async with visitor(server) as http:
            assert (await http.get("/", headers={"Host": host_of(url)})).status_code == 200
        second = make_client(server, app, proxy_name="other-secret-token")  # same subdomain: refused
        with pytest.raises(Exception, match="already"):
            await asyncio.wait_for(second.start(), 30)
        await second.close()

    run_tunnel(scenario)
    assert "serves http://demo.share.localhost:8080" in caplog.text
    assert "demo-token" not in caplog.text and "other-secret-token" not in caplog.text
