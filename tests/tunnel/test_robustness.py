"""One bad peer never takes the server down: garbage, oversized or invalid messages, silent and vanishing peers on
the tunnel port, malformed requests on the vhost, a client that disappears mid-answer. After each, a good tunnel
still serves. Also the raw protocol facts a real frpc relies on (Ping/Pong, unknown run ids, pool requests)."""

from __future__ import annotations

import asyncio
import json
import struct
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tunnel_support import LocalApp, host_of, make_client, make_server, raw_request, visitor  # noqa: E402

from podium_tunnel import TunnelServer  # noqa: E402
from podium_tunnel import messages as msg  # noqa: E402
from podium_tunnel.conn import StreamConn  # noqa: E402
from podium_tunnel.crypto import CryptoConn, derive_key, privilege_key  # noqa: E402

BadPeer = Callable[[TunnelServer], Awaitable[None]]


async def _good_tunnel_serves(server: TunnelServer, app: LocalApp, name: str) -> None:
    client = make_client(server, app, proxy_name=name, subdomain=name, tcp_mux=server.tcp_mux)
    try:
        url = await asyncio.wait_for(client.start(), 30)
        async with visitor(server) as http:
            assert "hello" in (await http.get("/", headers={"Host": host_of(url)})).text
    finally:
        await client.close()


def _survives(bad_peer: BadPeer, *, tcp_mux: bool = True) -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server(tcp_mux=tcp_mux, handshake_timeout=0.5)
            await server.start()
            try:
                await _good_tunnel_serves(server, app, "before")
                await asyncio.wait_for(bad_peer(server), 30)
                await _good_tunnel_serves(server, app, "after")
            finally:
                await server.close()

    asyncio.run(main())


async def _send_and_expect_close(server: TunnelServer, data: bytes) -> None:
    """Send `data` to the tunnel port, then expect the server to close the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.bind_port)
    writer.write(data)
    try:
        while await asyncio.wait_for(reader.read(65536), 20):
            pass  # e.g. a yamux GoAway before the close
    except ConnectionError:
        pass
    finally:
        writer.close()


def _yamux_stream_1(payload: bytes) -> bytes:
    """A client's yamux SYN for stream 1 followed by `payload` as its data."""
    syn = struct.pack(">BBHII", 0, 1, 1, 1, 0)
    return syn + struct.pack(">BBHII", 0, 0, 0, 1, len(payload)) + payload


@pytest.mark.parametrize("tcp_mux", [True, False])
def test_garbage_bytes(tcp_mux: bool) -> None:
    _survives(lambda server: _send_and_expect_close(server, b"\x00\xff" * 5000 + b"GET / HTTP/1.1\r\n\r\n"),
              tcp_mux=tcp_mux)


@pytest.mark.parametrize("tcp_mux", [True, False])
def test_oversized_message_length(tcp_mux: bool) -> None:
    message = msg.LOGIN + (10**12).to_bytes(8, "big") + b"{}"
    data = _yamux_stream_1(message) if tcp_mux else message
    _survives(lambda server: _send_and_expect_close(server, data), tcp_mux=tcp_mux)


@pytest.mark.parametrize("tcp_mux", [True, False])
def test_invalid_json(tcp_mux: bool) -> None:
    body = b'{"version": "0.61.1", '
    message = msg.LOGIN + len(body).to_bytes(8, "big") + body
    data = _yamux_stream_1(message) if tcp_mux else message
    _survives(lambda server: _send_and_expect_close(server, data), tcp_mux=tcp_mux)


@pytest.mark.parametrize("tcp_mux", [True, False])
def test_half_open_peer_is_dropped_after_the_handshake_timeout(tcp_mux: bool) -> None:
    _survives(lambda server: _send_and_expect_close(server, b""), tcp_mux=tcp_mux)


def test_a_yamux_session_without_streams_is_dropped() -> None:
    _survives(lambda server: _send_and_expect_close(server, struct.pack(">BBHII", 0, 2, 1, 0, 7)))  # a ping only


@pytest.mark.parametrize("tcp_mux", [True, False])
def test_half_a_frame_then_gone(tcp_mux: bool) -> None:
    async def bad_peer(server: TunnelServer) -> None:
        whole = _yamux_stream_1(msg.encode_message(msg.LOGIN, {"version": "x"})) if tcp_mux else \
            msg.encode_message(msg.LOGIN, {"version": "x"})
        reader, writer = await asyncio.open_connection("127.0.0.1", server.bind_port)
        writer.write(whole[: len(whole) - 5])
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.transport.abort()

    _survives(bad_peer, tcp_mux=tcp_mux)


async def _raw_login(server: TunnelServer, *, pool_count: int = 0) -> tuple[StreamConn, CryptoConn, str]:
    """Log in over plain TCP (tcp_mux off) as frpc does; (raw conn, encrypted control, run id)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.bind_port)
    raw = StreamConn(reader, writer)
    await raw.write(msg.encode_message(msg.LOGIN, {"version": "0.44.0", "privilege_key": privilege_key("", 7),
                                                   "timestamp": 7, "pool_count": pool_count}))
    kind, body = await asyncio.wait_for(msg.read_message(raw), 20)
    assert kind == msg.LOGIN_RESP and len(body["run_id"]) == 16 and "error" not in body
    return raw, CryptoConn(raw, derive_key("")), body["run_id"]


def test_raw_protocol_ping_pool_and_unknown_run_id() -> None:
    async def bad_peer(server: TunnelServer) -> None:
        raw, control, run_id = await _raw_login(server, pool_count=3)
        for _ in range(3):  # the pool is asked for right after login
            assert await asyncio.wait_for(msg.read_message(control), 20) == (msg.REQ_WORK_CONN, {})
        await control.write(msg.encode_message(msg.PING, {}))
        assert await asyncio.wait_for(msg.read_message(control), 20) == (msg.PONG, {})
        # A work connection for a run id nobody logged in with is refused with a reason.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.bind_port)
        work = StreamConn(reader, writer)
        await work.write(msg.encode_message(msg.NEW_WORK_CONN, {"run_id": "0123456789abcdef"}))
        kind, body = await asyncio.wait_for(msg.read_message(work), 20)
        assert kind == msg.START_WORK_CONN and "log in again" in body["error"]
        await work.close()
        # An unexpected message on the control stream ends that client, and only it.
        await control.write(msg.encode_message(msg.START_WORK_CONN, {}))
        with pytest.raises(asyncio.IncompleteReadError):
            await asyncio.wait_for(msg.read_message(control), 20)
        assert run_id not in server._controls
        await raw.close()

    _survives(bad_peer, tcp_mux=False)


def test_a_login_that_is_garbage_after_login_resp() -> None:
    async def bad_peer(server: TunnelServer) -> None:
        raw, _, _ = await _raw_login(server)
        await raw.write(b"\x13" * 64)  # not the encrypted stream the server expects
        with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
            while True:
                await asyncio.wait_for(raw.readexactly(1), 20)

    _survives(bad_peer, tcp_mux=False)


def test_malformed_visitor_requests() -> None:
    async def bad_peer(server: TunnelServer) -> None:
        answer = await raw_request(server.vhost_port, b"NOT HTTP AT ALL\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400")
        answer = await raw_request(server.vhost_port, b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431")
        answer = await raw_request(server.vhost_port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")  # no Host
        assert answer.startswith(b"HTTP/1.1 404")
        reader, writer = await asyncio.open_connection("127.0.0.1", server.vhost_port)
        writer.write(b"POST /upload HTTP/1.1\r\nHost: before.share.localhost\r\nContent-Length: 100000\r\n\r\nabc")
        await writer.drain()
        writer.transport.abort()  # a visitor that leaves in the middle of its body

    _survives(bad_peer)


def test_a_client_that_vanishes_mid_answer() -> None:
    async def main() -> None:
        async with LocalApp() as app:
            server = make_server()
            await server.start()
            client = make_client(server, app)
            try:
                url = await client.start()
                async with visitor(server) as http, http.stream("GET", "/sse", headers={"Host": host_of(url)}) as sse:
                    chunks = sse.aiter_raw()
                    assert b"one" in await asyncio.wait_for(chunks.__anext__(), 20)
                    assert client._session is not None
                    client._session._writer.transport.abort()  # the laptop drops off the network
                    with pytest.raises(Exception):  # noqa: B017, PT011 - the answer is cut short, however httpx says it
                        async for _ in chunks:
                            pass
                app.state.sse_gate.set()
                await _good_tunnel_serves(server, app, "later")
            finally:
                await client.close()
                await server.close()

    asyncio.run(main())


def test_vhost_answers_504_when_no_work_connection_comes() -> None:
    async def bad_peer(server: TunnelServer) -> None:
        raw, control, _ = await _raw_login(server)  # a client that never opens work connections
        await control.write(msg.encode_message(msg.NEW_PROXY, {"proxy_name": "mute", "proxy_type": "http",
                                                               "subdomain": "mute"}))
        kind, body = await asyncio.wait_for(msg.read_message(control), 20)
        assert kind == msg.NEW_PROXY_RESP and body["remote_addr"] == "http://mute.share.localhost:8080"
        async with visitor(server) as http:
            answer = await http.get("/", headers={"Host": "mute.share.localhost"})
        assert answer.status_code == 504
        assert json.dumps(answer.text)  # an HTML page, not an empty answer
        await raw.close()

    async def main() -> None:
        async with LocalApp() as app:
            server = make_server(tcp_mux=False, user_conn_timeout=0.5)
            await server.start()
            try:
                await asyncio.wait_for(bad_peer(server), 30)
                await _good_tunnel_serves(server, app, "after")
            finally:
                await server.close()

    asyncio.run(main())
