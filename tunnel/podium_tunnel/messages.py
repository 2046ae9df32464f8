"""FRP v1 message framing: one type byte, a signed 64-bit big-endian body length, a JSON object body.

Bodies follow Go's `encoding/json` with `omitempty` on every field: empty values are left out when encoding,
and unknown keys are tolerated when decoding. A body is at most `MAX_MESSAGE_LENGTH` bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium_tunnel.conn import Conn

LOGIN = b"o"
LOGIN_RESP = b"1"
NEW_PROXY = b"p"
NEW_PROXY_RESP = b"2"
CLOSE_PROXY = b"c"
NEW_WORK_CONN = b"w"
REQ_WORK_CONN = b"r"
START_WORK_CONN = b"s"
NEW_VISITOR_CONN = b"v"
NEW_VISITOR_CONN_RESP = b"3"
PING = b"h"
PONG = b"4"
UDP_PACKET = b"u"
NAT_HOLE_VISITOR = b"i"
NAT_HOLE_CLIENT = b"n"
NAT_HOLE_RESP = b"m"
NAT_HOLE_SID = b"5"
NAT_HOLE_REPORT = b"6"
KILL = b"k"  # only in the share-link fork of frp: the server ends the tunnel

MESSAGE_NAMES: dict[bytes, str] = {
    LOGIN: "Login",
    LOGIN_RESP: "LoginResp",
    NEW_PROXY: "NewProxy",
    NEW_PROXY_RESP: "NewProxyResp",
    CLOSE_PROXY: "CloseProxy",
    NEW_WORK_CONN: "NewWorkConn",
    REQ_WORK_CONN: "ReqWorkConn",
    START_WORK_CONN: "StartWorkConn",
    NEW_VISITOR_CONN: "NewVisitorConn",
    NEW_VISITOR_CONN_RESP: "NewVisitorConnResp",
    PING: "Ping",
    PONG: "Pong",
    UDP_PACKET: "UDPPacket",
    NAT_HOLE_VISITOR: "NatHoleVisitor",
    NAT_HOLE_CLIENT: "NatHoleClient",
    NAT_HOLE_RESP: "NatHoleResp",
    NAT_HOLE_SID: "NatHoleSid",
    NAT_HOLE_REPORT: "NatHoleReport",
    KILL: "Kill",
}

MAX_MESSAGE_LENGTH = 10240
HEADER_LENGTH = 9


class ProtocolError(Exception):
    """The peer sent something that is not an FRP v1 message (bad type byte, bad length or bad JSON)."""


def _is_empty(value: object) -> bool:
    # Go's omitempty: false, 0, "", nil and empty slices/maps are left out.
    if value is None:
        return True
    if isinstance(value, (bool, int, float, str, bytes, list, tuple, dict)):
        return not value
    return False


def encode_message(kind: bytes, body: Mapping[str, Any]) -> bytes:
    """The wire bytes of one message; empty values in `body` are dropped like Go's `omitempty`."""
    if kind not in MESSAGE_NAMES:
        raise ValueError(f"unknown FRP message type {kind!r}")
    kept = {key: value for key, value in body.items() if not _is_empty(value)}
    payload = json.dumps(kept, separators=(",", ":"), ensure_ascii=False).encode()
    if len(payload) > MAX_MESSAGE_LENGTH:
        raise ValueError(
            f"{MESSAGE_NAMES[kind]} message of {len(payload)} bytes is over the {MAX_MESSAGE_LENGTH}-byte limit"
        )
    return kind + len(payload).to_bytes(8, "big", signed=True) + payload


def parse_header(header: bytes) -> tuple[bytes, int]:
    """(type byte, body length) from a 9-byte header; `ProtocolError` if either is invalid."""
    kind = header[:1]
    if kind not in MESSAGE_NAMES:
        raise ProtocolError(f"unknown FRP message type {kind!r}: the peer does not speak the FRP v1 wire protocol")
    length = int.from_bytes(header[1:HEADER_LENGTH], "big", signed=True)
    if length < 0 or length > MAX_MESSAGE_LENGTH:
        raise ProtocolError(f"FRP message length {length} is outside 0..{MAX_MESSAGE_LENGTH}")
    return kind, length


def decode_body(kind: bytes, payload: bytes) -> dict[str, Any]:
    """The JSON object of a message body; `ProtocolError` if it is not one."""
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"{MESSAGE_NAMES.get(kind, kind)!s} body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise ProtocolError(f"{MESSAGE_NAMES.get(kind, kind)!s} body is not a JSON object")
    return body


async def read_message(conn: Conn) -> tuple[bytes, dict[str, Any]]:
    """Reads one message, exactly its bytes and no more (what follows may be encrypted).

    Raises `ProtocolError` on an invalid message and `asyncio.IncompleteReadError` when the stream ends
    (with an empty `partial` when it ended cleanly between messages).
    """
    kind, length = parse_header(await conn.readexactly(HEADER_LENGTH))
    return kind, decode_body(kind, await conn.readexactly(length) if length else b"")


async def write_message(conn: Conn, kind: bytes, body: Mapping[str, Any]) -> None:
    """Encodes and writes one message."""
    await conn.write(encode_message(kind, body))


class MessageReader:
    """Incremental decoder for callers that hold bytes already: `feed` data, then take complete messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Appends received bytes."""
        self._buffer += data

    def next_message(self) -> tuple[bytes, dict[str, Any]] | None:
        """The next complete message, or None until more bytes are fed; `ProtocolError` on an invalid one."""
        if len(self._buffer) < HEADER_LENGTH:
            return None
        kind, length = parse_header(bytes(self._buffer[:HEADER_LENGTH]))
        end = HEADER_LENGTH + length
        if len(self._buffer) < end:
            return None
        payload = bytes(self._buffer[HEADER_LENGTH:end])
        del self._buffer[:end]
        return kind, decode_body(kind, payload)

    def remainder(self) -> bytes:
        """Bytes fed but not consumed by a message (for example the start of an encrypted stream)."""
        data = bytes(self._buffer)
        self._buffer.clear()
        return data
