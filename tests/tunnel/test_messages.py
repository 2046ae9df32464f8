"""FRP v1 message framing: byte layout, omitempty, limits and invalid input, over a real socket pair."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tunnel_support import run_pair  # noqa: E402

from podium_tunnel.conn import StreamConn
from podium_tunnel.messages import (
    KILL,
    LOGIN,
    MAX_MESSAGE_LENGTH,
    NEW_PROXY,
    PING,
    REQ_WORK_CONN,
    MessageReader,
    ProtocolError,
    encode_message,
    read_message,
    write_message,
)


def test_empty_message_bytes() -> None:
    assert encode_message(REQ_WORK_CONN, {}) == bytes.fromhex("72 0000000000000002 7B7D")


def test_type_codes() -> None:
    assert (LOGIN, NEW_PROXY, PING, KILL) == (b"o", b"p", b"h", b"k")


def test_omitempty_drops_zero_values_and_keeps_nested_content() -> None:
    data = encode_message(
        NEW_PROXY,
        {
            "proxy_name": "demo",
            "use_encryption": True,
            "use_compression": False,
            "bandwidth_limit": "",
            "pool_count": 0,
            "custom_domains": [""],
            "locations": [],
            "metas": {},
            "headers": {"a": ""},
            "group": None,
        },
    )
    assert data[9:] == b'{"proxy_name":"demo","use_encryption":true,"custom_domains":[""],"headers":{"a":""}}'
    assert int.from_bytes(data[1:9], "big") == len(data) - 9


def test_round_trip_over_socket() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await write_message(
            a, LOGIN, {"version": "0.61.1", "timestamp": 1700000000, "pool_count": 1, "metas": {"k": "v"}}
        )
        await write_message(a, KILL, {})
        assert await read_message(b) == (
            LOGIN,
            {"version": "0.61.1", "timestamp": 1700000000, "pool_count": 1, "metas": {"k": "v"}},
        )
        assert await read_message(b) == (KILL, {})

    run_pair(body)


def test_read_stops_at_message_end() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await a.write(encode_message(LOGIN, {"version": "x"}) + b"\x01\x02rest")
        assert await read_message(b) == (LOGIN, {"version": "x"})
        assert await b.readexactly(6) == b"\x01\x02rest"

    run_pair(body)


def test_unicode_and_unknown_keys() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        payload = '{"x":"é","extra":[1]}'.encode()
        await a.write(b"p" + len(payload).to_bytes(8, "big") + payload)
        kind, message = await read_message(b)
        assert kind == b"p" and message["x"] == "é"

    run_pair(body)


@pytest.mark.parametrize(
    "raw",
    [
        b"Z" + (2).to_bytes(8, "big") + b"{}",  # unknown type
        b"o" + (-1).to_bytes(8, "big", signed=True),  # negative length
        b"o" + (MAX_MESSAGE_LENGTH + 1).to_bytes(8, "big"),  # too long
        b"o" + (3).to_bytes(8, "big") + b"{x}",  # not JSON
        b"o" + (2).to_bytes(8, "big") + b"[]",  # not an object
        b"o" + (0).to_bytes(8, "big"),  # empty body is not JSON
        b"o" + (2).to_bytes(8, "big") + b"\xff\xfe",  # not UTF-8
    ],
)
def test_invalid_messages_raise_protocol_error(raw: bytes) -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await a.write(raw)
        await a.write_eof()
        with pytest.raises(ProtocolError):
            await read_message(b)

    run_pair(body)


def test_max_length_is_accepted() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        text = "x" * (MAX_MESSAGE_LENGTH - len('{"v":""}'))
        data = encode_message(LOGIN, {"v": text})
        assert len(data) == 9 + MAX_MESSAGE_LENGTH
        await a.write(data)
        assert (await read_message(b))[1]["v"] == text

    run_pair(body)


def test_encoding_refuses_oversized_and_unknown() -> None:
    with pytest.raises(ValueError):
        encode_message(LOGIN, {"v": "x" * MAX_MESSAGE_LENGTH})
    with pytest.raises(ValueError):
        encode_message(b"Z", {})


def test_eof_between_messages_is_an_incomplete_read() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await a.write_eof()
        with pytest.raises(asyncio.IncompleteReadError) as caught:
            await read_message(b)
        assert caught.value.partial == b""

    run_pair(body)


def test_message_reader_incremental() -> None:
    reader = MessageReader()
    data = encode_message(LOGIN, {"a": 1}) + encode_message(PING, {}) + b"tail"
    for i in range(0, len(data), 3):
        reader.feed(data[i : i + 3])
    assert reader.next_message() == (LOGIN, {"a": 1})
    assert reader.next_message() == (PING, {})
    assert reader.next_message() is None
    assert reader.remainder() == b"tail"
    reader.feed(b"Q" + bytes(8))
    with pytest.raises(ProtocolError):
        reader.next_message()
