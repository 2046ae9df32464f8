"""FRP authentication keys and AES-128-CFB stream encryption: the spec's vectors, an independent CFB-128
computation from raw AES blocks, and round trips between two `CryptoConn`s over a real socket pair."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from tunnel_support import run_pair  # noqa: E402

from podium_tunnel.conn import StreamConn
from podium_tunnel.crypto import CryptoConn, derive_key, privilege_key
from podium_tunnel.messages import LOGIN_RESP, PING, REQ_WORK_CONN, encode_message, read_message, write_message


def cfb128_by_blocks(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """CFB with 128-bit segments from single AES block encryptions: C_i = P_i xor AES(C_{i-1}), C_0 = IV."""
    block = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    out = bytearray()
    previous = iv
    for start in range(0, len(plaintext), 16):
        chunk = plaintext[start : start + 16]
        keystream = block.update(previous)
        cipher_chunk = bytes(p ^ k for p, k in zip(chunk, keystream))
        out += cipher_chunk
        previous = cipher_chunk
    return bytes(out)


def test_privilege_key_vectors() -> None:
    assert privilege_key("12345678", 1700000000) == "3d8aac6cc09d79da303be74c311e5808"
    assert privilege_key("", 1700000000) == "24920decf83f6960b80f737a28eeafc1"


def test_derive_key_vectors() -> None:
    assert derive_key("").hex() == "cdc9dc4c472c37331281df4c232a8407"
    assert derive_key("12345678").hex() == "b7eac3f66310824c114f56f8274fdfea"


def test_encrypted_frames_match_cfb128() -> None:
    key = derive_key("12345678")
    iv = bytes(range(16))
    first = encode_message(REQ_WORK_CONN, {})
    second = encode_message(PING, {"privilege_key": "x" * 32, "timestamp": 1700000000})
    expected = iv + cfb128_by_blocks(key, iv, first + second)

    async def body(a: StreamConn, b: StreamConn) -> None:
        sender = CryptoConn(a, key, iv=iv)
        await sender.write(first)  # two writes share one keystream
        await sender.write(second)
        await a.write_eof()
        received = b""
        while chunk := await b.read():
            received += chunk
        assert received == expected

    run_pair(body)


def test_known_vector_bytes() -> None:
    # A fixed vector, so a change of mode (CFB-8) or of key derivation would be caught even if both sides change.
    key = derive_key("")
    iv = b"\x00" * 16
    ciphertext = cfb128_by_blocks(key, iv, encode_message(REQ_WORK_CONN, {}))
    assert ciphertext == Cipher(algorithms.AES(key), CFB(iv)).encryptor().update(b"r" + bytes(7) + b"\x02{}")
    assert len(ciphertext) == 11


def test_round_trip_both_directions() -> None:
    key = derive_key("secret")

    async def body(a: StreamConn, b: StreamConn) -> None:
        client, server = CryptoConn(a, key), CryptoConn(b, key)
        await write_message(client, PING, {"timestamp": 1})
        await write_message(server, LOGIN_RESP, {"run_id": "abc"})
        assert await read_message(server) == (PING, {"timestamp": 1})
        assert await read_message(client) == (LOGIN_RESP, {"run_id": "abc"})
        blob = os.urandom(300_000)
        writer = asyncio.create_task(client.write(blob))
        got = await server.readexactly(len(blob))
        await writer
        assert got == blob
        await client.write_eof()
        assert await server.read() == b""

    run_pair(body)


def test_plaintext_then_encrypted_on_one_stream() -> None:
    # The control stream: LoginResp is plaintext, the server's IV and encrypted messages follow right behind it.
    key = derive_key("")

    async def body(a: StreamConn, b: StreamConn) -> None:
        await a.write(encode_message(LOGIN_RESP, {"run_id": "r1"}))
        await write_message(CryptoConn(a, key), REQ_WORK_CONN, {})
        assert await read_message(b) == (LOGIN_RESP, {"run_id": "r1"})
        assert await read_message(CryptoConn(b, key)) == (REQ_WORK_CONN, {})

    run_pair(body)


def test_wrong_key_garbles() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await CryptoConn(a, derive_key("one")).write(b"hello world")
        assert await CryptoConn(b, derive_key("two")).readexactly(11) != b"hello world"

    run_pair(body)


def test_eof_before_iv() -> None:
    async def body(a: StreamConn, b: StreamConn) -> None:
        await a.write_eof()
        reader = CryptoConn(b, derive_key(""))
        assert await reader.read() == b""
        with pytest.raises(asyncio.IncompleteReadError):
            await reader.readexactly(1)

    run_pair(body)


def test_bad_key_length() -> None:
    with pytest.raises(ValueError):
        CryptoConn(None, b"short")  # type: ignore[arg-type]
