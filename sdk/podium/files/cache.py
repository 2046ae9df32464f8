"""The upload cache: content-addressed files under `<root>/<digest>/<name>`, with size limits and a TTL.

Clients see a file as its *cache id*, `"<digest>/<name>"` (relative to the root). The digest is the
sha256 of a secret per-cache seed followed by the content, so equal uploads share one entry, while nobody
who lacks the content can guess an id (or probe whether someone uploaded a given file).

Uploads stream into `<root>/.partial/` and move into place only when complete; `max_file_size` is enforced
while streaming. `cleanup()` drops entries older than the TTL (by the mtime of their digest folder, which
every save touches) and then the oldest ones beyond `max_total_bytes`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
import unicodedata
import urllib.parse
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from podium.exceptions import PodiumError
from podium.files.policy import FileAccessDenied
from podium.files.sizes import format_size

DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024
DEFAULT_TTL_SECONDS = 24 * 3600.0
MAX_NAME_CHARS = 200
_MAX_NAME_BYTES = 240  # below NAME_MAX (255) so the name always fits on disk
_WRITE_BATCH = 1024 * 1024  # buffer this much before a thread hop to write it
_COPY_CHUNK = 1024 * 1024
_PARTIAL_DIR = ".partial"
_SEED_FILE = ".seed"
_PARTIAL_MAX_AGE = 24 * 3600.0  # partial files of crashed processes; live uploads touch theirs on every write
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_NAME_CHARS = re.compile(r'[/\\:*?"<>|]')


class FileTooLarge(PodiumError):
    """An upload is over the app's `max_file_size`. `message` says so in words a user can act on."""

    def __init__(self, filename: str, limit: int, size: int | None = None) -> None:
        self.filename = filename
        self.limit = limit
        self.size = size
        over = f"is {format_size(size)}, over" if size is not None else "is over"
        self.message = (
            f"File {filename} {over} this app's max_file_size of {format_size(limit)}. Upload a smaller file."
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def sanitize_filename(filename: str | None) -> str:
    """A safe file name for the cache: the base name only, no control characters, no leading dots.

    Characters that are separators or reserved on some system (`/ \\ : * ? " < > |`) become `_`, and so
    does `%` when the name would decode differently (the name travels in URLs). At most 200 characters,
    extension kept; `"file"` when nothing is left. Applying it twice gives the same result.
    """
    name = filename or ""
    name = re.split(r"[/\\]", name)[-1]  # basename whatever the client's OS
    name = unicodedata.normalize("NFC", name)
    # Control and format characters (incl. bidi overrides that disguise extensions) and lone surrogates.
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    if urllib.parse.unquote(name) != name:
        name = name.replace("%", "_")
    name = _trim(_truncate(_trim(name)))
    return name or "file"


def _trim(name: str) -> str:
    """Strip whitespace around `name`, leading dots (hidden files) and trailing dots, until nothing changes."""
    while True:
        trimmed = name.strip().lstrip(".").rstrip(". ")
        if trimmed == name:
            return name
        name = trimmed


def _truncate(name: str) -> str:
    """Shorten `name` to the length limits, keeping a short extension."""
    if len(name) <= MAX_NAME_CHARS and len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    while stem and (len(stem) + len(suffix) > MAX_NAME_CHARS or len((stem + suffix).encode("utf-8")) > _MAX_NAME_BYTES):
        stem = stem[: max(0, min(len(stem) - 1, MAX_NAME_CHARS - len(suffix)))]
    return stem + suffix if stem else ""


def _default_root() -> Path:
    """`$PODIUM_TEMP_DIR`, `$GRADIO_TEMP_DIR`, or a private `<tmp>/podium` (created here)."""
    for variable in ("PODIUM_TEMP_DIR", "GRADIO_TEMP_DIR"):
        value = os.environ.get(variable)
        if value:
            return Path(value)
    temp = Path(tempfile.gettempdir())
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: the temp folder is already per user
        return temp / "podium"
    # In a shared /tmp another user could have made (or symlinked) `podium`; never write into theirs.
    for candidate in (temp / "podium", temp / f"podium-{getuid()}"):
        try:
            os.mkdir(candidate, 0o700)
        except FileExistsError:
            pass
        info = os.lstat(candidate)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == getuid():
            if stat.S_IMODE(info.st_mode) & 0o077:
                os.chmod(candidate, 0o700)
            return candidate
    raise PermissionError(
        f"{temp / f'podium-{getuid()}'} belongs to another user; set PODIUM_TEMP_DIR to a folder of your own."
    )


class FileCache:
    """The upload cache of one app: where uploads and returned files live while clients use them.

    `root` defaults to `$PODIUM_TEMP_DIR`, `$GRADIO_TEMP_DIR` or `<tmp>/podium`, and is created with mode
    0700. `max_file_size` (bytes, None for no limit) applies to uploads; `ttl_seconds` and
    `max_total_bytes` bound what `cleanup()` keeps.
    """

    root: Path

    def __init__(
        self,
        root: str | Path | None = None,
        *,
        max_file_size: int | None = DEFAULT_MAX_FILE_SIZE,
        ttl_seconds: float | None = DEFAULT_TTL_SECONDS,
        max_total_bytes: int | None = None,
    ) -> None:
        chosen = Path(root) if root is not None else _default_root()
        os.makedirs(chosen, mode=0o700, exist_ok=True)
        self.root = Path(os.path.realpath(chosen))
        self.max_file_size = max_file_size
        self.ttl_seconds = ttl_seconds
        self.max_total_bytes = max_total_bytes
        self._partial_dir = self.root / _PARTIAL_DIR
        os.makedirs(self._partial_dir, mode=0o700, exist_ok=True)
        self._seed = self._load_seed()
        # (device, inode, size, mtime_ns) of a source file -> its cache id, so returning the same big file
        # again does not copy it again.
        self._source_ids: OrderedDict[tuple[int, int, int, int], str] = OrderedDict()
        self._source_ids_lock = threading.Lock()

    def _load_seed(self) -> bytes:
        """The secret mixed into every digest, kept in `<root>/.seed` so ids survive restarts."""
        seed_path = self.root / _SEED_FILE
        try:
            seed = bytes.fromhex(seed_path.read_text().strip())
            if len(seed) >= 16:
                return seed
        except (FileNotFoundError, ValueError):
            pass
        fd, tmp = tempfile.mkstemp(dir=self._partial_dir)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, seed_path)  # atomic: another process that got there first wins, and we read theirs
        except FileExistsError:
            try:
                if len(bytes.fromhex(seed_path.read_text().strip())) < 16:
                    raise ValueError("seed too short")
            except ValueError:
                os.replace(tmp, seed_path)  # a damaged seed: replace it (old ids stop resolving, nothing leaks)
        finally:
            _unlink_quietly(tmp)
        return bytes.fromhex(seed_path.read_text().strip())

    # -- ids -------------------------------------------------------------------------------------------

    @property
    def partial_dir(self) -> Path:
        """Where files being written live until complete (removed by `cleanup()` if a crash leaves them)."""
        return self._partial_dir

    def cache_id(self, path: Path) -> str:
        """The id clients see for the cache file at absolute `path`: `"<digest>/<name>"`.

        Raises `ValueError` when `path` is not of the form `<root>/<digest>/<name>`.
        """
        real = Path(os.path.realpath(path))
        try:
            relative = real.relative_to(self.root)
        except ValueError:
            raise ValueError(f"{path} is not inside the upload cache {self.root}.") from None
        parts = relative.parts
        if len(parts) != 2 or not _DIGEST_RE.match(parts[0]):
            raise ValueError(f"{path} is not a file of the upload cache (expected <root>/<digest>/<name>).")
        return f"{parts[0]}/{parts[1]}"

    def path_of(self, cache_id: str) -> Path:
        """The absolute path of the cache file with id `cache_id` (or of an absolute path to one).

        Raises `FileAccessDenied` when the id is malformed, escapes the root or names no existing file.
        """
        denied = FileAccessDenied(f"{cache_id!r} is not a file in this app's upload cache.", reason="not_in_cache")
        if not isinstance(cache_id, str) or "\x00" in cache_id:
            raise denied
        if os.path.isabs(cache_id):
            try:
                cache_id = self.cache_id(Path(cache_id))
            except (ValueError, OSError):
                raise denied from None
        digest, slash, name = cache_id.partition("/")
        if not slash or not _DIGEST_RE.match(digest) or name != sanitize_filename(name):
            raise denied
        folder = self.root / digest
        path = folder / name
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode) or not stat.S_ISREG(os.lstat(path).st_mode):
                raise denied  # symlinks are never cache entries
        except (OSError, ValueError):
            raise denied from None
        return path

    # -- saving ----------------------------------------------------------------------------------------

    async def save_upload(self, filename: str | None, chunks: AsyncIterator[bytes]) -> str:
        """Stream an upload into the cache and return its cache id.

        The content is hashed while it is written (in a worker thread, about 1 MiB at a time). Going over
        `max_file_size` stops the upload, deletes the partial file and raises `FileTooLarge`.
        """
        name = sanitize_filename(filename)
        fd, tmp = await asyncio.to_thread(tempfile.mkstemp, dir=self._partial_dir)
        file = os.fdopen(fd, "wb")
        digest = hashlib.sha256(self._seed)
        size = 0
        pending: list[bytes] = []
        pending_bytes = 0
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if self.max_file_size is not None and size > self.max_file_size:
                    raise FileTooLarge(name, self.max_file_size)
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes >= _WRITE_BATCH:
                    data = b"".join(pending)
                    pending.clear()
                    pending_bytes = 0
                    await asyncio.to_thread(_write_hashed, file, digest, data)
            return await asyncio.to_thread(self._finish_upload, file, digest, b"".join(pending), tmp, name)
        except BaseException:
            file.close()
            _unlink_quietly(tmp)
            raise

    def _finish_upload(self, file: BinaryIO, digest: hashlib._Hash, data: bytes, tmp: str, name: str) -> str:
        _write_hashed(file, digest, data)
        file.close()
        return self._commit(tmp, digest.hexdigest(), name)

    def save_bytes(self, data: bytes, filename: str, *, enforce_max_file_size: bool = False) -> str:
        """Put `data` in the cache as `filename` and return its cache id (blocking; call it from a thread).

        With `enforce_max_file_size=True` (client-sent data, e.g. base64 payloads) `max_file_size` applies.
        """
        name = sanitize_filename(filename)
        if enforce_max_file_size and self.max_file_size is not None and len(data) > self.max_file_size:
            raise FileTooLarge(name, self.max_file_size, len(data))
        digest = hashlib.sha256(self._seed)
        digest.update(data)
        hexdigest = digest.hexdigest()
        existing = self._existing_id(hexdigest, name)
        if existing is not None:
            return existing
        fd, tmp = tempfile.mkstemp(dir=self._partial_dir)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            return self._commit(tmp, hexdigest, name)
        except BaseException:
            _unlink_quietly(tmp)
            raise

    def save_file(self, src: Path, filename: str | None = None) -> str:
        """Copy a handler's output file into the cache and return its cache id (blocking; call it from a thread).

        Content-addressed: the same content under the same name gives the same id and no second copy.
        A cache entry passed back keeps its id (unless `filename` renames it). `filename` defaults to the
        source's name.
        """
        source = Path(os.path.realpath(src))
        name = sanitize_filename(filename if filename is not None else source.name)
        try:
            existing = self.cache_id(source)
            self.path_of(existing)
        except (ValueError, FileAccessDenied):
            pass
        else:
            if existing.endswith("/" + name):
                os.utime(self.root / existing.partition("/")[0])  # in use again: restart its TTL
                return existing
        with open(source, "rb") as reader:
            info = os.fstat(reader.fileno())
            key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            with self._source_ids_lock:
                known = self._source_ids.get(key)
            if known is not None and known.endswith("/" + name):
                try:
                    self.path_of(known)
                    os.utime(self.root / known.partition("/")[0])
                    return known
                except (FileAccessDenied, OSError):
                    pass
            digest = hashlib.sha256(self._seed)
            fd, tmp = tempfile.mkstemp(dir=self._partial_dir)
            try:
                with os.fdopen(fd, "wb") as writer:
                    while block := reader.read(_COPY_CHUNK):
                        digest.update(block)
                        writer.write(block)
                cache_id = self._commit(tmp, digest.hexdigest(), name)
            except BaseException:
                _unlink_quietly(tmp)
                raise
        with self._source_ids_lock:
            self._source_ids[key] = cache_id
            while len(self._source_ids) > 1024:
                self._source_ids.popitem(last=False)
        return cache_id

    def _existing_id(self, hexdigest: str, name: str) -> str | None:
        folder = self.root / hexdigest
        try:
            if stat.S_ISREG(os.lstat(folder / name).st_mode):
                os.utime(folder)
                return f"{hexdigest}/{name}"
        except OSError:
            pass
        return None

    def _commit(self, tmp: str, hexdigest: str, name: str) -> str:
        """Move the finished temp file `tmp` to `<root>/<hexdigest>/<name>` (or drop it if that exists)."""
        folder = self.root / hexdigest
        for _ in range(5):  # a concurrent cleanup() may remove the folder between our steps
            existing = self._existing_id(hexdigest, name)
            if existing is not None:
                _unlink_quietly(tmp)
                return existing
            try:
                os.makedirs(folder, mode=0o700, exist_ok=True)
                os.replace(tmp, folder / name)
            except FileNotFoundError:
                continue
            try:
                os.utime(folder)
            except OSError:
                pass
            return f"{hexdigest}/{name}"
        raise OSError(f"Could not store {name} in the upload cache {self.root}; is something deleting it?")

    # -- eviction --------------------------------------------------------------------------------------

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(mtime, total bytes, folder) of every digest folder."""
        entries: list[tuple[float, int, Path]] = []
        with os.scandir(self.root) as it:
            for item in it:
                if not _DIGEST_RE.match(item.name) or not item.is_dir(follow_symlinks=False):
                    continue
                try:
                    mtime = item.stat(follow_symlinks=False).st_mtime
                    total = sum(
                        f.stat(follow_symlinks=False).st_size
                        for f in os.scandir(item.path)
                        if f.is_file(follow_symlinks=False)
                    )
                except OSError:
                    continue
                entries.append((mtime, total, Path(item.path)))
        return entries

    def cleanup(self, now: float | None = None) -> int:
        """Delete entries older than the TTL, then the oldest beyond `max_total_bytes`; return files removed.

        Age is the mtime of an entry's digest folder, which every save of that content refreshes.
        Blocking; the server runs it in a thread now and then.
        """
        now = time.time() if now is None else now
        removed = 0
        entries = sorted(self._entries())
        kept: list[tuple[float, int, Path]] = []
        for mtime, total, folder in entries:
            if self.ttl_seconds is not None and mtime < now - self.ttl_seconds:
                removed += _remove_folder(folder)
            else:
                kept.append((mtime, total, folder))
        if self.max_total_bytes is not None:
            used = sum(total for _, total, _ in kept)
            for _, total, folder in kept:  # oldest first
                if used <= self.max_total_bytes:
                    break
                removed += _remove_folder(folder)
                used -= total
        removed += self._remove_stale_partials(now)
        return removed

    def _remove_stale_partials(self, now: float) -> int:
        removed = 0
        try:
            with os.scandir(self._partial_dir) as it:
                for item in it:
                    try:
                        if item.stat(follow_symlinks=False).st_mtime < now - _PARTIAL_MAX_AGE:
                            os.unlink(item.path)
                            removed += 1
                    except OSError:
                        continue
        except FileNotFoundError:
            pass
        return removed

    def clear(self) -> None:
        """Delete every cached file and partial upload (the root and its id seed stay)."""
        with os.scandir(self.root) as it:
            for item in it:
                if _DIGEST_RE.match(item.name) and item.is_dir(follow_symlinks=False):
                    _remove_folder(Path(item.path))
        shutil.rmtree(self._partial_dir, ignore_errors=True)
        os.makedirs(self._partial_dir, mode=0o700, exist_ok=True)
        with self._source_ids_lock:
            self._source_ids.clear()

    def total_bytes(self) -> int:
        """Bytes used by cached files now (blocking)."""
        return sum(total for _, total, _ in self._entries())


def _write_hashed(file: BinaryIO, digest: hashlib._Hash, data: bytes) -> None:
    if data:
        digest.update(data)
        file.write(data)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _remove_folder(folder: Path) -> int:
    """Remove one digest folder; return how many files it held."""
    count = 0
    try:
        with os.scandir(folder) as it:
            for item in it:
                try:
                    if item.is_dir(follow_symlinks=False):
                        shutil.rmtree(item.path, ignore_errors=True)
                    else:
                        os.unlink(item.path)
                        count += 1
                except OSError:
                    continue
        os.rmdir(folder)
    except OSError:
        pass
    return count
