"""The object-store interface every backend implements, key validation, and content-addressed blobs.

Backends implement the underscored primitives (`_put`, `_open`, `_stat`, `_delete`, `_list`); the public
methods here validate keys first, so no backend can be handed `../etc/passwd`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Union

import anyio
from anyio import to_thread

# What `put` accepts: the bytes themselves, chunks as they arrive, or a local file to copy.
ObjectData = Union[bytes, AsyncIterable[bytes], "os.PathLike[str]"]

CHUNK_SIZE = 1024 * 1024
MAX_KEY_BYTES = 1024  # S3's own limit on object names
BLOB_PREFIX = "blobs/sha256/"
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Bytes hashed on the event loop before we hand the work to a thread.
_INLINE_HASH_LIMIT = 64 * 1024


class StorageError(Exception):
    """An object-store operation failed; the message says which key and why."""


class ObjectNotFound(StorageError):
    """The key (or blob) is not in the store."""

    def __init__(self, key: str) -> None:
        super().__init__(f"No object stored under key {key!r}")
        self.key = key


class InvalidKey(StorageError, ValueError):
    """A key is not acceptable: empty, too long, absolute, with `.`/`..` segments, NUL or control characters."""


class BlobDigestMismatch(StorageError):
    """A blob's content does not hash to the sha256 it was sent under; nothing was stored."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(
            f"Blob content does not match its name: expected sha256 {expected}, got {actual}; "
            "the upload was refused (re-send the file)"
        )
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class ObjectInfo:
    """What the store knows about one object: its key, size in bytes, sha256 when known, last modification."""

    key: str
    size: int
    sha256: str | None = None
    modified: datetime | None = None
    content_type: str | None = None


def validate_key(key: str, *, prefix: bool = False) -> str:
    """Return `key` if it is a safe relative object name, else raise `InvalidKey`.

    A key is `/`-separated segments, none empty, `.` or `..`; no leading `/`, no backslash, NUL or control
    characters, at most 1024 UTF-8 bytes. With `prefix=True` the empty string and one trailing `/` are allowed.
    """
    if not isinstance(key, str):
        raise InvalidKey(f"Object key must be a string, not {type(key).__name__}")
    if prefix and key == "":
        return key
    if not key:
        raise InvalidKey("Object key is empty")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidKey(f"Object key is longer than {MAX_KEY_BYTES} bytes")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise InvalidKey(f"Object key {key!r} contains NUL or control characters")
    if "\\" in key:
        raise InvalidKey(f"Object key {key!r} contains a backslash; use '/' between segments")
    if key.startswith("/"):
        raise InvalidKey(f"Object key {key!r} is absolute; keys are relative paths like 'spaces/acme/demo.tar'")
    body = key[:-1] if prefix and key.endswith("/") else key
    for segment in body.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey(f"Object key {key!r} has an empty, '.' or '..' segment")
    return key


def validate_digest(digest: str) -> str:
    """Return `digest` if it is a lowercase hex sha256, else raise `InvalidKey`."""
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise InvalidKey(f"{digest!r} is not a sha256 digest (64 lowercase hex characters)")
    return digest


def blob_key(digest: str) -> str:
    """The key a blob is stored under: `blobs/sha256/ab/cdef...` (fans out over 256 folders)."""
    validate_digest(digest)
    return f"{BLOB_PREFIX}{digest[:2]}/{digest[2:]}"


def digest_from_key(key: str) -> str | None:
    """The sha256 a blob key names, or None when `key` is not a blob key."""
    if not key.startswith(BLOB_PREFIX):
        return None
    rest = key[len(BLOB_PREFIX) :]
    digest = rest.replace("/", "", 1)
    if len(rest) == 65 and rest[2] == "/" and _SHA256.fullmatch(digest):
        return digest
    return None


def hash_file(path: Path) -> tuple[str, int]:
    """The sha256 and size of a local file (blocking: call it in a thread)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


async def spool(chunks: AsyncIterable[bytes], directory: Path) -> tuple[Path, str, int]:
    """Write `chunks` to a new temporary file in `directory`; return (path, sha256, size). The caller deletes it."""
    fd, name = tempfile.mkstemp(dir=directory, suffix=".spool")
    path = Path(name)
    h = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as f:
            async for chunk in chunks:
                h.update(chunk)
                size += len(chunk)
                await to_thread.run_sync(f.write, chunk)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return path, h.hexdigest(), size


class ObjectStore(ABC):
    """Objects (bytes under `/`-separated keys) behind one async interface; blocking I/O runs in threads."""

    # --- what a backend implements (keys arrive validated) ---

    @abstractmethod
    async def _put(self, key: str, data: ObjectData, content_type: str | None) -> ObjectInfo:
        """Store `data` under `key` atomically; the returned sha256 is of the bytes actually written."""

    @abstractmethod
    def _open(self, key: str) -> AsyncIterator[bytes]:
        """Stream the object's bytes; raise ObjectNotFound (on first iteration) when it is missing."""

    @abstractmethod
    async def _stat(self, key: str) -> ObjectInfo | None:
        """The object's info, or None when it is missing."""

    @abstractmethod
    async def _delete(self, key: str) -> None:
        """Remove the object; raise ObjectNotFound when it is missing."""

    @abstractmethod
    def _list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, in key order."""

    # First key segments a backend keeps for itself (LocalObjectStore's staging folder).
    _reserved_roots: frozenset[str] = frozenset()

    # --- the public API ---

    def _valid(self, key: str, *, prefix: bool = False) -> str:
        validate_key(key, prefix=prefix)
        if key.split("/", 1)[0] in self._reserved_roots:
            raise InvalidKey(f"Object key {key!r} is in a folder this store reserves for itself")
        return key

    async def put(self, key: str, data: ObjectData, *, content_type: str | None = None) -> ObjectInfo:
        """Store `data` (bytes, async chunks, or a local file path) under `key`, replacing any object there.

        Blob keys (`blobs/sha256/...`) are refused: store blobs with `put_blob`, which checks their content.
        """
        self._valid(key)
        if key.startswith(BLOB_PREFIX):
            raise InvalidKey(f"Key {key!r} is in the blob area; store content-addressed data with put_blob()")
        return await self._put(key, data, content_type)

    def open(self, key: str) -> AsyncIterator[bytes]:
        """Stream the object under `key` in chunks; raises ObjectNotFound when iteration starts if it is missing."""
        return self._open(self._valid(key))

    async def get(self, key: str) -> bytes:
        """The whole object under `key` (use `open` for large objects); raises ObjectNotFound."""
        return b"".join([chunk async for chunk in self.open(key)])

    async def stat(self, key: str) -> ObjectInfo | None:
        """Size, sha256 (when known) and modification time of `key`, or None when nothing is stored there."""
        return await self._stat(self._valid(key))

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        return await self.stat(key) is not None

    async def delete(self, key: str) -> None:
        """Remove the object under `key`; raises ObjectNotFound when there is none."""
        await self._delete(self._valid(key))

    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix` (plain string match, e.g. `spaces/acme/`), in key order."""
        return self._list(self._valid(prefix, prefix=True))

    # --- content-addressed blobs ---

    async def put_blob(self, data: ObjectData, *, expected_sha256: str | None = None) -> str:
        """Store `data` under its sha256 (skipped when that blob is already stored) and return the digest.

        With `expected_sha256` (the name a client sent the blob under) content that hashes differently is
        refused with `BlobDigestMismatch`. The digest of the bytes actually written is checked too.
        """
        if expected_sha256 is not None:
            validate_digest(expected_sha256)
        spooled: Path | None = None
        try:
            if isinstance(data, bytes):
                if len(data) <= _INLINE_HASH_LIMIT:
                    digest = hashlib.sha256(data).hexdigest()
                else:
                    digest = await to_thread.run_sync(lambda: hashlib.sha256(data).hexdigest())
                source: ObjectData = data
            elif isinstance(data, os.PathLike):
                source = Path(data)
                digest, _ = await to_thread.run_sync(hash_file, source)
            else:
                tmp = Path(tempfile.gettempdir())
                spooled, digest, _ = await spool(data, tmp)
                source = spooled
            if expected_sha256 is not None and digest != expected_sha256:
                raise BlobDigestMismatch(expected_sha256, digest)
            key = blob_key(digest)
            if await self._stat(key) is not None:
                return digest
            info = await self._put(key, source, "application/octet-stream")
            if info.sha256 != digest:  # the source changed while we wrote it
                await self._delete(key)
                raise BlobDigestMismatch(digest, info.sha256 or "unknown")
            return digest
        finally:
            if spooled is not None:
                await to_thread.run_sync(spooled.unlink, True)

    async def has_blobs(self, digests: Iterable[str]) -> set[str]:
        """Which of `digests` are already stored (a push client skips uploading those)."""
        wanted = {validate_digest(d) for d in digests}
        found: set[str] = set()
        limiter = anyio.CapacityLimiter(16)  # bounded: a push may ask about thousands of files

        async def check(digest: str) -> None:
            async with limiter:
                if await self._stat(blob_key(digest)) is not None:
                    found.add(digest)

        async with anyio.create_task_group() as tg:
            for digest in wanted:
                tg.start_soon(check, digest)
        return found

    async def get_blob(self, sha256: str) -> bytes:
        """The blob with this digest; raises ObjectNotFound, or StorageError if the stored bytes are corrupt."""
        data = await self.get(blob_key(sha256))
        actual = await to_thread.run_sync(lambda: hashlib.sha256(data).hexdigest())
        if actual != sha256:
            raise StorageError(f"Stored blob {sha256} is corrupt (its content hashes to {actual}); re-upload it")
        return data

    def open_blob(self, sha256: str) -> AsyncIterator[bytes]:
        """Stream the blob with this digest (not re-verified; use get_blob for a checked read)."""
        return self.open(blob_key(sha256))
