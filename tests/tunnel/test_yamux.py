"""Yamux sessions over real loopback TCP: streams, flow control, half-close, reset, ping, GoAway, and peers
that break the protocol (hand-crafted frames on a raw socket)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from podium_tunnel.yamux import YamuxSession
from podium_tunnel.yamux_stream import (
    FLAG_ACK,
    FLAG_FIN,
    FLAG_RST,
    FLAG_SYN,
    INITIAL_STREAM_WINDOW,
    TYPE_DATA,
    TYPE_GO_AWAY,
    TYPE_PING,
    TYPE_WINDOW_UPDATE,
    SessionClosed,
    StreamReset,
    YamuxStream,
    frame,
)

MiB = 1024 * 1024


def run(body: Callable[[], Awaitable[Any]], timeout: float = 60) -> Any:
    return asyncio.run(asyncio.wait_for(body(), timeout))


@contextlib.asynccontextmanager
async def session_pair(**options: Any) -> AsyncIterator[tuple[YamuxSession, YamuxSession]]:
    """A client session and the server session it is connected to over loopback TCP."""
    accepted: asyncio.Future[YamuxSession] = asyncio.get_running_loop().create_future()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = YamuxSession(reader, writer, client=False, **options)
        session.start()
        accepted.set_result(session)
        await session.wait_closed()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = YamuxSession(*await asyncio.open_connection("127.0.0.1", port), client=True, **options)
    client.start()
    remote = await accepted
    try:
        yield client, remote
    finally:
        await client.close()
        await remote.close()
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def raw_peer(**options: Any) -> AsyncIterator[tuple[YamuxSession, asyncio.StreamReader, asyncio.StreamWriter]]:
    """A server session whose client is a raw socket the test writes frames on by hand."""
    accepted: asyncio.Future[YamuxSession] = asyncio.get_running_loop().create_future()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = YamuxSession(reader, writer, client=False, keepalive_interval=None, **options)
        session.start()
        accepted.set_result(session)
        await session.wait_closed()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    session = await accepted
    try:
        yield session, reader, writer
    finally:
        writer.close()
        await session.close()
        server.close()
        await server.wait_closed()


async def read_all(stream: YamuxStream) -> bytes:
    out = bytearray()
    while chunk := await stream.read(1 << 20):
        out += chunk
    return bytes(out)


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, int, int, int, int]:
    header = await reader.readexactly(12)
    return (
        header[0],
        header[1],
        int.from_bytes(header[2:4], "big"),
        int.from_bytes(header[4:8], "big"),
        int.from_bytes(header[8:12], "big"),
    )


def test_syn_frame_bytes_for_stream_1() -> None:
    assert frame(TYPE_WINDOW_UPDATE, FLAG_SYN, 1, 6 * MiB - INITIAL_STREAM_WINDOW) == bytes.fromhex(
        "00 01 0001 00000001 005C0000"
    )

    async def body() -> None:
        # A client session on a raw server socket: its first bytes are the SYNs.
        accepted: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.get_running_loop().create_future()
        )

        async def on_connect(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            accepted.set_result((r, w))

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        client = YamuxSession(
            *await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1]),
            client=True,
            keepalive_interval=None,
        )
        client.start()
        stream = await client.open_stream()
        assert stream.stream_id == 1
        assert (await client.open_stream()).stream_id == 3
        r, w = await accepted
        assert await r.readexactly(12) == bytes.fromhex("00 01 0001 00000001 005C0000")
        assert await r.readexactly(12) == bytes.fromhex("00 01 0001 00000003 005C0000")
        w.close()
        await client.close()
        server.close()
        await server.wait_closed()

    run(body)


def test_open_accept_echo_and_ack() -> None:
    async def body() -> None:
        async with session_pair() as (client, server):
            stream = await client.open_stream()
            await stream.write(b"hello")
            accepted = await server.accept_stream()
            assert accepted.stream_id == stream.stream_id == 1
            assert await accepted.readexactly(5) == b"hello"
            await accepted.write(b"world")
            assert await stream.readexactly(5) == b"world"
            assert stream._acked
            assert accepted.peername.startswith("127.0.0.1:")

    run(body)


def test_thousand_concurrent_streams() -> None:
    async def body() -> None:
        async with session_pair() as (client, server):

            async def echo_server() -> None:
                async def echo(stream: YamuxStream) -> None:
                    await stream.write(await read_all(stream))
                    await stream.close()

                tasks = [asyncio.create_task(echo(await server.accept_stream())) for _ in range(1000)]
                await asyncio.gather(*tasks)

            async def one(i: int) -> None:
                stream = await client.open_stream()
                payload = os.urandom(1000 + i)
                await stream.write(payload)
                await stream.write_eof()
                assert await read_all(stream) == payload
                await stream.close()

            serving = asyncio.create_task(echo_server())
            await asyncio.gather(*(one(i) for i in range(1000)))
            await serving
            for _ in range(100):
                if client.stream_count == 0 and server.stream_count == 0:
                    break
                await asyncio.sleep(0.05)
            assert client.stream_count == server.stream_count == 0

    run(body, timeout=110)


def test_flow_control_with_slow_reader() -> None:
    size = 20 * MiB
    window = 1 * MiB

    async def body() -> None:
        async with session_pair(max_stream_window=window) as (client, server):
            stream = await client.open_stream()
            blob = os.urandom(size)
            sending = asyncio.create_task(stream.write(blob))
            accepted = await server.accept_stream()
            received = bytearray()
            most_buffered = 0
            reads = 0
            while len(received) < size:
                most_buffered = max(most_buffered, accepted.buffered_bytes)
                received += await accepted.read(64 * 1024)
                reads += 1
                if reads % 16 == 0:
                    await asyncio.sleep(0.001)  # a slow reader: the sender must wait for window updates
            await sending
            assert bytes(received) == blob
            assert most_buffered <= window
            assert accepted._recv_window >= 0

    run(body, timeout=110)


def test_half_close_both_directions() -> None:
    async def body() -> None:
        async with session_pair() as (client, server):
            stream = await client.open_stream()
            await stream.write(b"request")
            await stream.write_eof()
            accepted = await server.accept_stream()
            assert await read_all(accepted) == b"request"
            with pytest.raises(ConnectionResetError):
                await stream.write(b"more")
            # The other direction still works after the client's FIN.
            await accepted.write(b"response")
            await accepted.write_eof()
            assert await read_all(stream) == b"response"
            await asyncio.sleep(0.05)
            assert client.stream_count == 0 and server.stream_count == 0

            # And the server side closing first.
            stream = await client.open_stream()
            accepted = await server.accept_stream()
            await accepted.write(b"early")
            await accepted.write_eof()
            assert await read_all(stream) == b"early"
            await stream.write(b"late")
            await stream.close()
            assert await read_all(accepted) == b"late"

    run(body)


def test_reset() -> None:
    async def body() -> None:
        async with session_pair() as (client, server):
            stream = await client.open_stream()
            await stream.write(b"x")
            accepted = await server.accept_stream()
            assert await accepted.readexactly(1) == b"x"
            blocked = asyncio.create_task(accepted.read())
            await asyncio.sleep(0.01)
            stream.abort()
            with pytest.raises(StreamReset):
                await blocked
            with pytest.raises(StreamReset):
                await accepted.write(b"y")
            with pytest.raises(StreamReset):
                await stream.write(b"z")
            # The session itself goes on.
            other = await client.open_stream()
            await other.write(b"ok")
            assert await (await server.accept_stream()).readexactly(2) == b"ok"

    run(body)


def test_ping_round_trip() -> None:
    async def body() -> None:
        async with session_pair() as (client, server):
            assert await client.ping() >= 0
            assert await server.ping() >= 0

    run(body)


def test_keepalive_closes_silent_peer() -> None:
    async def body() -> None:
        # A client session on a raw server socket that never answers pings.
        accepted: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.get_running_loop().create_future()
        )

        async def on_connect(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            accepted.set_result((r, w))

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        client = YamuxSession(
            *await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1]),
            client=True,
            keepalive_interval=0.05,
            keepalive_timeout=0.2,
        )
        client.start()
        r, w = await accepted
        version, kind, flags, stream_id, _ = await read_frame(r)
        assert (version, kind, flags, stream_id) == (0, TYPE_PING, FLAG_SYN, 0)
        await asyncio.wait_for(client.wait_closed(), 20)
        assert "ping" in client.close_reason
        with pytest.raises(SessionClosed):
            await client.open_stream()
        w.close()
        server.close()
        await server.wait_closed()

    run(body)


def test_ping_answered_by_session() -> None:
    async def body() -> None:
        async with raw_peer() as (_session, reader, writer):
            writer.write(frame(TYPE_PING, FLAG_SYN, 0, 0xDEADBEEF))
            assert await reader.readexactly(12) == frame(TYPE_PING, FLAG_ACK, 0, 0xDEADBEEF)

    run(body)


def test_window_exceeding_peer_is_a_protocol_error() -> None:
    async def body() -> None:
        async with raw_peer(max_stream_window=INITIAL_STREAM_WINDOW) as (session, reader, writer):
            # Opens stream 1, then sends one byte more than the 256 KiB the session grants.
            writer.write(frame(TYPE_WINDOW_UPDATE, FLAG_SYN, 1, 0))
            stream = await session.accept_stream()
            assert await read_frame(reader) == (0, TYPE_WINDOW_UPDATE, FLAG_ACK, 1, 0)
            writer.write(frame(TYPE_DATA, 0, 1, INITIAL_STREAM_WINDOW + 1) + bytes(INITIAL_STREAM_WINDOW + 1))
            assert await reader.readexactly(12) == frame(TYPE_GO_AWAY, 0, 0, 1)
            with contextlib.suppress(ConnectionResetError):  # closed with our unread bytes: TCP answers RST
                assert await reader.read() == b""
            await asyncio.wait_for(session.wait_closed(), 10)
            assert "protocol error" in session.close_reason
            assert await stream.read() == b""
            with pytest.raises(ConnectionResetError):
                await stream.write(b"x")
            with pytest.raises(SessionClosed):
                await session.accept_stream()

    run(body)


def test_exact_window_is_accepted_and_unknown_stream_drained() -> None:
    async def body() -> None:
        async with raw_peer() as (session, reader, writer):
            writer.write(frame(TYPE_WINDOW_UPDATE, FLAG_SYN, 1, 0))
            writer.write(frame(TYPE_DATA, 0, 1, INITIAL_STREAM_WINDOW) + bytes(INITIAL_STREAM_WINDOW))
            writer.write(frame(TYPE_DATA, 0, 99, 5) + b"xxxxx")  # no such stream: drained, ignored
            writer.write(frame(TYPE_WINDOW_UPDATE, 0, 99, 5))
            writer.write(frame(TYPE_DATA, FLAG_FIN, 1, 3) + b"end")
            stream = await session.accept_stream()
            data = await read_all(stream)
            assert len(data) == INITIAL_STREAM_WINDOW + 3 and data.endswith(b"end")
            assert not session.closed

    run(body)


def test_data_frame_with_syn_opens_a_stream() -> None:
    async def body() -> None:
        async with raw_peer() as (session, reader, writer):
            writer.write(frame(TYPE_DATA, FLAG_SYN | FLAG_FIN, 3, 4) + b"ping")
            stream = await session.accept_stream()
            assert stream.stream_id == 3
            assert await read_all(stream) == b"ping"
            await stream.write(b"pong")
            assert await read_frame(reader) == (0, TYPE_WINDOW_UPDATE, FLAG_ACK, 3, 6 * MiB - INITIAL_STREAM_WINDOW)
            assert await read_frame(reader) == (0, TYPE_DATA, 0, 3, 4)
            assert await reader.readexactly(4) == b"pong"

    run(body)


@pytest.mark.parametrize(
    "garbage",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # bad version byte
        bytes([0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),  # unknown type
        frame(TYPE_DATA, 0, 0, 4) + b"abcd",  # data on stream 0
        frame(TYPE_WINDOW_UPDATE, FLAG_SYN, 2, 0),  # the client may not open an even stream
        frame(TYPE_WINDOW_UPDATE, FLAG_SYN, 1, 0) * 2,  # stream opened twice
    ],
)
def test_garbage_closes_the_session_cleanly(garbage: bytes) -> None:
    async def body() -> None:
        async with raw_peer() as (session, reader, writer):
            writer.write(garbage)
            with pytest.raises(SessionClosed):
                await asyncio.wait_for(_accept_all(session), 10)
            assert session.closed and "protocol error" in session.close_reason
            tail = await reader.read()  # maybe an ACK, then the GoAway, then the end
            assert tail.endswith(frame(TYPE_GO_AWAY, 0, 0, 1))

    run(body)


async def _accept_all(session: YamuxSession) -> None:
    while True:
        await session.accept_stream()


def test_peer_go_away_and_disconnect() -> None:
    async def body() -> None:
        async with raw_peer() as (session, reader, writer):
            writer.write(frame(TYPE_GO_AWAY, 0, 0, 0))
            await asyncio.sleep(0.05)
            with pytest.raises(SessionClosed):
                await session.open_stream()
            assert not session.closed
            writer.write(frame(TYPE_WINDOW_UPDATE, FLAG_SYN, 1, 0))
            stream = await session.accept_stream()
            blocked = asyncio.create_task(stream.read())
            writer.close()
            assert await blocked == b""
            await asyncio.wait_for(session.wait_closed(), 10)

    run(body)


def test_fatal_go_away_from_peer() -> None:
    async def body() -> None:
        async with raw_peer() as (session, reader, writer):
            writer.write(frame(TYPE_GO_AWAY, 0, 0, 2))
            await asyncio.wait_for(session.wait_closed(), 10)
            assert "GoAway" in session.close_reason

    run(body)


def test_local_go_away_refuses_new_streams() -> None:
    async def body() -> None:
        async with raw_peer() as (session, reader, writer):
            await session.go_away()
            assert await reader.readexactly(12) == frame(TYPE_GO_AWAY, 0, 0, 0)
            writer.write(frame(TYPE_WINDOW_UPDATE, FLAG_SYN, 1, 0))
            assert await read_frame(reader) == (0, TYPE_WINDOW_UPDATE, FLAG_RST, 1, 0)

    run(body)


def test_backlog_overflow_resets_the_stream() -> None:
    async def body() -> None:
        async with raw_peer(accept_backlog=2) as (session, reader, writer):
            for stream_id in (1, 3, 5):
                writer.write(frame(TYPE_WINDOW_UPDATE, FLAG_SYN, stream_id, 0))
            assert await read_frame(reader) == (0, TYPE_WINDOW_UPDATE, FLAG_RST, 5, 0)
            assert (await session.accept_stream()).stream_id == 1
            assert (await session.accept_stream()).stream_id == 3

    run(body)


def test_opener_waits_for_acks_beyond_the_backlog() -> None:
    async def body() -> None:
        async with session_pair(accept_backlog=4) as (client, server):
            streams = [await client.open_stream() for _ in range(4)]
            fifth = asyncio.create_task(client.open_stream())
            await asyncio.sleep(0.05)
            assert not fifth.done()
            await server.accept_stream()
            stream = await asyncio.wait_for(fifth, 10)
            assert stream.stream_id == 9 and len(streams) == 4

    run(body)


def test_close_wakes_everything() -> None:
    async def body() -> None:
        async with session_pair() as (client, server):
            stream = await client.open_stream()
            accepted = await server.accept_stream()
            reading = asyncio.create_task(accepted.read())
            accepting = asyncio.create_task(server.accept_stream())
            await asyncio.sleep(0.01)
            await client.close()
            assert await reading == b""
            with pytest.raises(SessionClosed):
                await accepting
            with pytest.raises(SessionClosed):
                await stream.write(b"x")
            assert await stream.read() == b""
            await client.close()  # idempotent

    run(body)


def test_refused_open_frees_its_slot() -> None:
    async def body() -> None:
        accepted: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.get_running_loop().create_future()
        )

        async def on_connect(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            accepted.set_result((r, w))

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        client = YamuxSession(
            *await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1]),
            client=True,
            keepalive_interval=None,
            accept_backlog=1,
        )
        client.start()
        stream = await client.open_stream()
        _, w = await accepted
        w.write(frame(TYPE_WINDOW_UPDATE, FLAG_RST, 1, 0))  # the peer's backlog is full
        with pytest.raises(StreamReset):
            await stream.read()
        second = await asyncio.wait_for(client.open_stream(), 10)  # the unacknowledged open no longer counts
        assert second.stream_id == 3 and client.stream_count == 1
        w.close()
        await client.close()
        server.close()
        await server.wait_closed()

    run(body)


def test_readexactly_at_fin_and_close_drops_incoming() -> None:
    async def body() -> None:
        async with session_pair() as (client, server):
            stream = await client.open_stream()
            await stream.write(b"abc")
            await stream.write_eof()
            accepted = await server.accept_stream()
            with pytest.raises(asyncio.IncompleteReadError) as caught:
                await accepted.readexactly(4)
            assert caught.value.partial == b"abc"
            await accepted.close()  # both directions: FIN, and later data from the client is dropped
            assert await read_all(stream) == b""
            await asyncio.sleep(0.05)
            assert client.stream_count == server.stream_count == 0

    run(body)
