"""`S3ObjectStore`: objects in an S3-compatible bucket (AWS S3, MinIO, ...) through the `minio` client.

The `minio` client is synchronous: every call runs in a worker thread. Uploads of unknown size are spooled to a
temporary file first (hashing as they go), so the client always knows the length and sends large objects as a
multipart upload in parts of `PART_SIZE`.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

import anyio
from anyio import to_thread
from minio import Minio
from minio.datatypes import Object
from minio.error import S3Error

from .base import (
    CHUNK_SIZE,
    ObjectData,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    digest_from_key,
    hash_file,
    spool,
)

PART_SIZE = 8 * 1024 * 1024  # objects larger than this go up as a multipart upload
_NOT_FOUND = {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}
_SHA256_META = "x-amz-meta-sha256"


class _HashingReader:
    """A file wrapper that hashes what the client reads from it (the bytes that actually went up)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._f.read(size)
        self.hash.update(chunk)
        return chunk


class S3ObjectStore(ObjectStore):
    """An object store in one S3 bucket (created on first use when missing); keys are object names."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = True,
        region: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        self._bucket_ready = False
        self._bucket_lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"S3ObjectStore(endpoint={self.endpoint!r}, bucket={self.bucket!r})"

    async def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        async with self._bucket_lock:
            if self._bucket_ready:
                return

            def create() -> None:
                try:
                    if not self.client.bucket_exists(self.bucket):
                        self.client.make_bucket(self.bucket)
                except S3Error as e:
                    if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise StorageError(
                            f"Cannot use S3 bucket {self.bucket!r} at {self.endpoint}: {e.code}: {e.message}"
                        ) from e

            try:
                await to_thread.run_sync(create)
            except OSError as e:  # urllib3 wraps connection errors in OSError subclasses
                raise StorageError(f"Cannot reach S3 at {self.endpoint}: {e}") from e
            self._bucket_ready = True

    def _error(self, key: str, e: S3Error) -> StorageError:
        if e.code in _NOT_FOUND or (e.response is not None and e.response.status == 404):
            return ObjectNotFound(key)
        return StorageError(f"S3 request for {key!r} in bucket {self.bucket!r} failed: {e.code}: {e.message}")

    def _upload(self, key: str, f: BinaryIO, size: int, content_type: str | None, sha256: str) -> ObjectInfo:
        reader = _HashingReader(f)
        self.client.put_object(
            self.bucket,
            key,
            reader,  # type: ignore[arg-type]  # minio only calls read()
            size,
            content_type=content_type or "application/octet-stream",
            metadata={_SHA256_META: sha256},
            part_size=PART_SIZE,
            num_parallel_uploads=1,  # parts are read in order, so the running hash covers the whole object
        )
        return ObjectInfo(key=key, size=size, sha256=reader.hash.hexdigest(), content_type=content_type)

    def _upload_path(self, key: str, path: Path, content_type: str | None, sha256: str | None) -> ObjectInfo:
        if sha256 is None:
            sha256, _ = hash_file(path)
        with open(path, "rb") as f:
            return self._upload(key, f, os.fstat(f.fileno()).st_size, content_type, sha256)

    async def _put(self, key: str, data: ObjectData, content_type: str | None) -> ObjectInfo:
        await self._ensure_bucket()
        try:
            if isinstance(data, bytes):
                digest = await to_thread.run_sync(lambda: hashlib.sha256(data).hexdigest())
                return await to_thread.run_sync(self._upload, key, io.BytesIO(data), len(data), content_type, digest)
            if isinstance(data, os.PathLike):
                return await to_thread.run_sync(self._upload_path, key, Path(data), content_type, None)
            spooled, digest, _ = await spool(data, Path(tempfile.gettempdir()))
            try:
                return await to_thread.run_sync(self._upload_path, key, spooled, content_type, digest)
            finally:
                spooled.unlink(missing_ok=True)
        except S3Error as e:
            raise self._error(key, e) from e

    async def _open(self, key: str) -> AsyncIterator[bytes]:
        await self._ensure_bucket()
        try:
            response = await to_thread.run_sync(self.client.get_object, self.bucket, key)
        except S3Error as e:
            raise self._error(key, e) from e
        try:
            while chunk := await to_thread.run_sync(response.read, CHUNK_SIZE):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def _stat(self, key: str) -> ObjectInfo | None:
        await self._ensure_bucket()
        try:
            obj = await to_thread.run_sync(self.client.stat_object, self.bucket, key)
        except S3Error as e:
            err = self._error(key, e)
            if isinstance(err, ObjectNotFound):
                return None
            raise err from e
        sha256 = obj.metadata.get(_SHA256_META) if obj.metadata is not None else None
        return ObjectInfo(
            key=key,
            size=obj.size or 0,
            sha256=str(sha256) if sha256 else digest_from_key(key),
            modified=obj.last_modified,
            content_type=obj.content_type,
        )

    async def _delete(self, key: str) -> None:
        # S3 deletes of missing keys succeed silently; the interface promises ObjectNotFound.
        if await self._stat(key) is None:
            raise ObjectNotFound(key)
        try:
            await to_thread.run_sync(self.client.remove_object, self.bucket, key)
        except S3Error as e:
            raise self._error(key, e) from e

    async def _list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        await self._ensure_bucket()
        pages = iter(self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True))
        while True:
            try:
                obj = await to_thread.run_sync(_next_object, pages)
            except S3Error as e:
                raise self._error(prefix, e) from e
            if obj is None:
                return
            name = obj.object_name or ""
            yield ObjectInfo(key=name, size=obj.size or 0, sha256=digest_from_key(name), modified=obj.last_modified)


def _next_object(pages: Iterator[Object]) -> Object | None:
    return next(pages, None)
