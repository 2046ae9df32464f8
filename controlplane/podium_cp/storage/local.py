"""`LocalObjectStore`: objects as files under one directory (the single-machine default).

Writes go to a temporary file under `<root>/.tmp/`, are fsynced, then `os.replace`d onto the final name,
so a crash or error mid-write never leaves a partial object under its key.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from anyio import to_thread

from .base import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectData,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    digest_from_key,
)

_TMP_DIR = ".tmp"  # staging area for writes in progress; reserved, never a key


def _fsync_dir(path: Path) -> None:
    # The rename itself must reach the disk too; directories cannot be fsynced on every platform.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class LocalObjectStore(ObjectStore):
    """An object store on the local file system: key `a/b/c` is the file `<root>/a/b/c`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    _reserved_roots = frozenset({_TMP_DIR})

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        # Keys are validated already; this also stops symlinks inside the root that point outside it.
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidKey(f"Object key {key!r} resolves outside the store")
        return path

    def _info(self, key: str, st: os.stat_result, sha256: str | None = None) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=st.st_size,
            sha256=sha256 or digest_from_key(key),
            modified=datetime.fromtimestamp(st.st_mtime, tz=timezone.utc),
        )

    def _begin(self) -> tuple[BinaryIO, Path]:
        staging = self.root / _TMP_DIR
        staging.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=staging, suffix=".partial")
        return os.fdopen(fd, "wb"), Path(name)

    def _commit(self, f: BinaryIO, tmp: Path, key: str, sha256: str) -> ObjectInfo:
        f.flush()
        os.fsync(f.fileno())
        f.close()
        final = self._path(key)
        if final.is_dir():
            raise StorageError(f"Cannot store {key!r}: it is a folder of other objects")
        for attempt in range(3):
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(tmp, final)
                break
            except FileNotFoundError:  # a concurrent delete removed the emptied folder between the two calls
                if attempt == 2:
                    raise
        _fsync_dir(final.parent)
        return self._info(key, final.stat(), sha256)

    async def _put(self, key: str, data: ObjectData, content_type: str | None) -> ObjectInfo:
        self._path(key)  # refuse before writing anything
        f, tmp = await to_thread.run_sync(self._begin)
        h = hashlib.sha256()
        try:
            if isinstance(data, bytes):
                h.update(data)
                await to_thread.run_sync(f.write, data)
            elif isinstance(data, os.PathLike):
                await to_thread.run_sync(_copy_hashing, Path(data), f, h)
            else:
                async for chunk in data:
                    h.update(chunk)
                    await to_thread.run_sync(f.write, chunk)
            return await to_thread.run_sync(self._commit, f, tmp, key, h.hexdigest())
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            raise

    async def _open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            f = await to_thread.run_sync(open, path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        try:
            while chunk := await to_thread.run_sync(f.read, CHUNK_SIZE):
                yield chunk
        finally:
            f.close()

    async def _stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            st = await to_thread.run_sync(path.stat)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        return self._info(key, st)

    async def _delete(self, key: str) -> None:
        path = self._path(key)

        def remove() -> None:
            try:
                path.unlink()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                raise ObjectNotFound(key) from None
            # Drop folders the delete emptied, so listings and the disk stay tidy.
            parent = path.parent
            while parent != self.root:
                try:
                    parent.rmdir()
                except OSError:
                    break
                parent = parent.parent

        await to_thread.run_sync(remove)

    def _walk(self, prefix: str) -> list[tuple[str, os.stat_result]]:
        # Start at the deepest folder the prefix names, so listing one Space does not walk every object.
        base = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root / base if base else self.root
        found: list[tuple[str, os.stat_result]] = []
        if not start.is_dir():
            return found
        for dirpath, dirnames, filenames in os.walk(start):
            rel_dir = Path(dirpath).relative_to(self.root).as_posix()
            if rel_dir == ".":
                dirnames[:] = [d for d in dirnames if d != _TMP_DIR]
                rel_dir = ""
            for name in filenames:
                key = f"{rel_dir}/{name}" if rel_dir else name
                if key.startswith(prefix):
                    try:
                        found.append((key, os.stat(os.path.join(dirpath, name))))
                    except FileNotFoundError:  # deleted while we walked
                        continue
        found.sort(key=lambda item: item[0])
        return found

    async def _list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        for key, st in await to_thread.run_sync(self._walk, prefix):
            yield self._info(key, st)


def _copy_hashing(src: Path, dst: BinaryIO, h: hashlib._Hash) -> None:
    with open(src, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            h.update(chunk)
            dst.write(chunk)
