"""Snappy framing format over a `Conn`: what FRP's `use_compression` (frpc `--uc`) puts on a work stream.

The stream starts with the identifier chunk `FF 06 00 00 "sNaPpY"`; then every chunk is a type byte, a 3-byte
little-endian length and a body. Data chunks (0x00 compressed, 0x01 stored) start with the masked CRC-32C of
their uncompressed bytes and hold at most 64 KiB of them. Chunks 0x80-0xFE are skipped; 0x02-0x7F are
reserved and refused. Compression, decompression and the checksums are cramjam's (its framed API encodes
exactly this format); this module only splits the stream into chunks.
"""

from __future__ import annotations

import asyncio

import cramjam

from podium_tunnel.conn import Conn

STREAM_IDENTIFIER = b"\xff\x06\x00\x00sNaPpY"
MAX_BLOCK_SIZE = 65536
CHUNK_COMPRESSED = 0x00
CHUNK_UNCOMPRESSED = 0x01
CHUNK_STREAM_IDENTIFIER = 0xFF
READ_SIZE = 256 * 1024


class SnappyError(Exception):
    """The peer's snappy stream is corrupt (bad checksum, reserved chunk, missing identifier, cut short)."""


class SnappyConn:
    """A `Conn` that snappy-compresses what it writes and decompresses what it reads (framing format).

    Each write becomes its own chunks (like Go's unbuffered snappy writer), so nothing waits in a buffer.
    """

    def __init__(self, inner: Conn) -> None:
        self.inner = inner
        self._identifier_sent = False
        self._identifier_seen = False
        self._encoded = bytearray()  # chunk bytes received and not parsed yet
        self._decoded = bytearray()  # plaintext decoded and not read yet
        self._eof = False

    # --- writing ---

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Compresses `data` into chunks (the first write is preceded by the stream identifier) and sends them."""
        if not data:
            return
        framed = memoryview(cramjam.snappy.compress(data))
        if self._identifier_sent:
            framed = framed[len(STREAM_IDENTIFIER) :]  # cramjam starts every stream with the identifier
        self._identifier_sent = True
        await self.inner.write(bytes(framed))

    async def write_eof(self) -> None:
        """Half-closes the inner conn."""
        await self.inner.write_eof()

    async def close(self) -> None:
        """Closes the inner conn."""
        await self.inner.close()

    def abort(self) -> None:
        """Resets the inner conn."""
        self.inner.abort()

    # --- reading ---

    async def read(self, n: int = 65536) -> bytes:
        """Up to `n` decompressed bytes; b"" at the end of the stream; `SnappyError` if it is corrupt."""
        while not self._decoded:
            if not await self._fill():
                return b""
        return self._take(min(n, len(self._decoded)))

    async def readexactly(self, n: int) -> bytes:
        """Exactly `n` decompressed bytes; `asyncio.IncompleteReadError` if the stream ends first."""
        while len(self._decoded) < n:
            if not await self._fill():
                partial = self._take(len(self._decoded))
                raise asyncio.IncompleteReadError(partial, n)
        return self._take(n)

    def _take(self, n: int) -> bytes:
        data = bytes(self._decoded[:n])
        del self._decoded[:n]
        return data

    async def _fill(self) -> bool:
        """Decodes more plaintext into the buffer; False at the end of the stream."""
        while True:
            if self._decode_chunks():
                return True
            if self._eof:
                return False
            data = await self.inner.read(READ_SIZE)
            if not data:
                self._eof = True
                if self._encoded:
                    raise SnappyError("the snappy stream ended in the middle of a chunk")
                return False
            self._encoded += data

    def _decode_chunks(self) -> bool:
        """Decodes every complete chunk in the buffer; True if any plaintext came out."""
        encoded = self._encoded
        pos = 0
        batch = bytearray()  # consecutive data chunks, checked and decompressed by cramjam in one call
        while len(encoded) - pos >= 4:
            kind = encoded[pos]
            length = int.from_bytes(encoded[pos + 1 : pos + 4], "little")
            end = pos + 4 + length
            if len(encoded) < end:
                break
            if kind == CHUNK_STREAM_IDENTIFIER:
                if encoded[pos:end] != STREAM_IDENTIFIER:
                    raise SnappyError("bad snappy stream identifier: the peer does not send snappy framing")
                self._identifier_seen = True
            elif kind in (CHUNK_COMPRESSED, CHUNK_UNCOMPRESSED):
                if not self._identifier_seen:
                    raise SnappyError("snappy data before the stream identifier: is compression on at both ends?")
                if length < 4 or (kind == CHUNK_UNCOMPRESSED and length > MAX_BLOCK_SIZE + 4):
                    raise SnappyError(f"snappy chunk of invalid length {length}")
                batch += encoded[pos:end]
            elif kind < 0x80:
                raise SnappyError(f"reserved unskippable snappy chunk type 0x{kind:02x}")
            # 0x80-0xFE: padding and skippable chunks carry nothing for us
            pos = end
        if pos:
            del encoded[:pos]
        if not batch:
            return False
        try:
            self._decoded += cramjam.snappy.decompress(STREAM_IDENTIFIER + batch)
        except cramjam.DecompressionError as error:
            raise SnappyError(f"corrupt snappy chunk: {error}") from None
        return len(self._decoded) > 0
