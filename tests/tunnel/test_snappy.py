"""Snappy framing over a `Conn`: the bytes written match the framing format (checked chunk by chunk with an
independent CRC-32C), hand-built streams decode, corrupt ones are refused, and round trips over a real
socket pair work alone and on top of encryption (FRP's order: snappy over AES-CFB)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import cramjam
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tunnel_support import run_pair  # noqa: E402

from podium_tunnel.conn import StreamConn
from podium_tunnel.crypto import CryptoConn, derive_key
from podium_tunnel.snappy import STREAM_IDENTIFIER, SnappyConn, SnappyError


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def masked_crc32c(data: bytes) -> bytes:
    """The framing format's checksum: CRC-32C (Castagnoli), rotated right by 15 and offset by 0xa282ead8."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return ((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF).to_bytes(4, "little")


def chunk(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + len(body).to_bytes(3, "little") + body


def stored(data: bytes) -> bytes:
    return chunk(0x01, masked_crc32c(data) + data)


def compressed(data: bytes) -> bytes:
    return chunk(0x00, masked_crc32c(data) + bytes(cramjam.snappy.compress_raw(data)))




async def read_all(conn: Any) -> bytes:
    out = bytearray()
    while data := await conn.read(1 << 20):
        out += data
    return bytes(out)


def split_chunks(stream: bytes) -> list[tuple[int, bytes]]:
    chunks = []
    pos = 0
    while pos < len(stream):
        length = int.from_bytes(stream[pos + 1 : pos + 4], "little")
        chunks.append((stream[pos], stream[pos + 4 : pos + 4 + length]))
        pos += 4 + length
    assert pos == len(stream)
    return chunks


def test_crc_vector() -> None:
    # CRC-32C of "123456789" is 0xE3069283 (the standard check value); masked as the format says.
    crc = 0xE3069283
    assert masked_crc32c(b"123456789") == ((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF).to_bytes(
        4, "little"
    )


def test_written_bytes_follow_the_framing_format() -> None:
    text = b"hello snappy " * 1000
    noise = os.urandom(100_000)

    async def body(a: StreamConn, b: StreamConn) -> None:
        writer = SnappyConn(a)
        await writer.write(text)
        await writer.write(noise)
        await writer.write(b"")
        await a.write_eof()
        raw = await read_all(b)
        assert raw.startswith(STREAM_IDENTIFIER) and raw.count(STREAM_IDENTIFIER) == 1
        plain = bytearray()
        for kind, payload in split_chunks(raw[len(STREAM_IDENTIFIER) :]):
            assert kind in (0x00, 0x01)
            data = bytes(cramjam.snappy.decompress_raw(payload[4:])) if kind == 0x00 else payload[4:]
            assert len(data) <= 65536
            assert payload[:4] == masked_crc32c(data)
            plain += data
        assert plain == text + noise
        assert bytes(cramjam.snappy.decompress(raw)) == text + noise  # cramjam's own framed decoder agrees

    run_pair(body)


def test_hand_built_stream_decodes() -> None:
    parts = [b"first", b"x" * 70000, os.urandom(3000)]
    stream = (
        STREAM_IDENTIFIER
        + stored(parts[0])
        + chunk(0xFE, bytes(10))  # padding
        + chunk(0x80, b"skip me")  # skippable
        + compressed(parts[1][:65536])
        + compressed(parts[1][65536:])
        + STREAM_IDENTIFIER  # may repeat
        + stored(parts[2])
    )

    async def body(a: StreamConn, b: StreamConn) -> None:
        for i in range(0, len(stream), 777):  # arrives in small pieces
            await a.write(stream[i : i + 777])
        await a.write_eof()
        reader = SnappyConn(b)
        assert await reader.readexactly(5) == b"first"
        assert await read_all(reader) == b"".join(parts)[5:]

    run_pair(body)


def test_cramjam_framed_output_decodes() -> None:
    data = os.urandom(50_000) + bytes(200_000)

    async def body(a: StreamConn, b: StreamConn) -> None:
        await a.write(bytes(cramjam.snappy.compress(data)))
        await a.write_eof()
        assert await read_all(SnappyConn(b)) == data

    run_pair(body)


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (STREAM_IDENTIFIER + chunk(0x02, b"x"), "reserved"),
        (STREAM_IDENTIFIER + chunk(0x01, bytes(4) + b"data"), "corrupt"),
        (stored(b"data"), "identifier"),
        (b"\xff\x06\x00\x00sNaPpX", "identifier"),
        (STREAM_IDENTIFIER + stored(b"data")[:-1], "middle of a chunk"),
        (STREAM_IDENTIFIER + chunk(0x01, b"ab"), "invalid length"),
        (STREAM_IDENTIFIER + chunk(0x00, masked_crc32c(b"abc") + b"\xff\xff\xff"), "corrupt"),
    ],
)
def test_corrupt_streams_are_refused(stream: bytes, message: str) -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await a.write(stream)
        await a.write_eof()
        with pytest.raises(SnappyError, match=message):
            await read_all(SnappyConn(b))

    run_pair(body)


def test_empty_stream_and_early_end() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await SnappyConn(a).write(b"abc")
        await a.write_eof()
        reader = SnappyConn(b)
        with pytest.raises(asyncio.IncompleteReadError) as caught:
            await reader.readexactly(4)
        assert caught.value.partial == b"abc"
        assert await reader.read() == b""

    run_pair(body)


def test_round_trip_over_encryption_both_ways() -> None:
    key = derive_key("")
    blob = os.urandom(400_000) + b"compressible " * 50_000

    async def body(a: StreamConn, b: StreamConn) -> None:
        left, right = SnappyConn(CryptoConn(a, key)), SnappyConn(CryptoConn(b, key))

        async def send(conn: SnappyConn, data: bytes) -> None:
            for i in range(0, len(data), 100_000):
                await conn.write(data[i : i + 100_000])
            await conn.write_eof()

        sending = [asyncio.create_task(send(left, blob)), asyncio.create_task(send(right, blob[::-1]))]
        assert await read_all(right) == blob
        assert await read_all(left) == blob[::-1]
        await asyncio.gather(*sending)

    run_pair(body)
