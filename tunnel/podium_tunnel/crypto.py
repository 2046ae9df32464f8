"""FRP's authentication key and its stream encryption.

`privilege_key` proves the client knows the shared token; `CryptoConn` encrypts a `Conn` with AES-128-CFB
(128-bit segments, as Go's `cipher.NewCFBEncrypter`), keyed by PBKDF2 of the token. Each direction has its
own random IV, sent raw just before the first ciphertext byte, and one keystream for the conn's life.
"""

from __future__ import annotations

import asyncio
import hashlib
import os

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms

try:  # CFB moved to the "decrepit" module in cryptography 47
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.modes import CFB

from podium_tunnel.conn import Conn

IV_LENGTH = 16
KEY_SALT = b"frp"  # frpc and frps both override the library's default salt with this one
KEY_ITERATIONS = 64
KEY_LENGTH = 16


def privilege_key(token: str, timestamp: int) -> str:
    """Lowercase hex MD5 of the token followed by the decimal timestamp (Login, and Ping/NewWorkConn if asked)."""
    return hashlib.md5((token + str(timestamp)).encode()).hexdigest()


def derive_key(token: str) -> bytes:
    """The 16-byte AES key of the control stream and of encrypted proxies: PBKDF2-HMAC-SHA1(token, "frp", 64)."""
    return hashlib.pbkdf2_hmac("sha1", token.encode(), KEY_SALT, KEY_ITERATIONS, KEY_LENGTH)


def _cfb(key: bytes, iv: bytes) -> Cipher[CFB]:
    return Cipher(algorithms.AES(key), CFB(iv))


class CryptoConn:
    """A `Conn` whose bytes are AES-128-CFB encrypted on `inner`, as FRP encrypts control and work streams.

    `iv` fixes this side's IV (tests only); by default a random one is drawn at the first write.
    """

    def __init__(self, inner: Conn, key: bytes, *, iv: bytes | None = None) -> None:
        if len(key) != KEY_LENGTH:
            raise ValueError(f"the AES key must be {KEY_LENGTH} bytes; derive it with derive_key(token)")
        if iv is not None and len(iv) != IV_LENGTH:
            raise ValueError(f"the IV must be {IV_LENGTH} bytes")
        self.inner = inner
        self._key = key
        self._write_iv = iv
        self._encryptor: CipherContext | None = None
        self._decryptor: CipherContext | None = None
        self._read_eof = False

    async def _reader(self) -> CipherContext | None:
        """The decryptor, reading the peer's IV first; None if the stream ended before it."""
        if self._decryptor is None and not self._read_eof:
            try:
                iv = await self.inner.readexactly(IV_LENGTH)
            except asyncio.IncompleteReadError:
                self._read_eof = True
                return None
            self._decryptor = _cfb(self._key, iv).decryptor()
        return self._decryptor

    async def read(self, n: int = 65536) -> bytes:
        """Up to `n` decrypted bytes; b"" at the end of the stream."""
        decryptor = await self._reader()
        if decryptor is None:
            return b""
        data = await self.inner.read(n)
        return decryptor.update(data) if data else b""

    async def readexactly(self, n: int) -> bytes:
        """Exactly `n` decrypted bytes (CFB is a stream cipher, so no bytes are held back)."""
        decryptor = await self._reader()
        if decryptor is None:
            raise asyncio.IncompleteReadError(b"", n)
        try:
            data = await self.inner.readexactly(n)
        except asyncio.IncompleteReadError as error:
            raise asyncio.IncompleteReadError(decryptor.update(error.partial), n) from None
        return decryptor.update(data)

    async def write(self, data: bytes) -> None:
        """Encrypts and writes `data`; the first write is preceded by this side's IV."""
        if not data:
            return
        if self._encryptor is None:
            iv = self._write_iv if self._write_iv is not None else os.urandom(IV_LENGTH)
            self._encryptor = _cfb(self._key, iv).encryptor()
            await self.inner.write(iv + self._encryptor.update(data))
            return
        await self.inner.write(self._encryptor.update(data))

    async def write_eof(self) -> None:
        """Half-closes the inner conn."""
        await self.inner.write_eof()

    async def close(self) -> None:
        """Closes the inner conn."""
        await self.inner.close()

    def abort(self) -> None:
        """Resets the inner conn."""
        self.inner.abort()
