"""Which files an app may read, return and serve: one place for every path rule.

Three questions, three methods of `FilePolicy`:

* `resolve_input`: a client sent a FileData path as an input. Only files in the upload cache qualify
  (a client cannot make a handler open `/etc/passwd`).
* `check_output`: a handler returned a local file. It may come from `allowed_paths`/static paths, the
  working directory (no hidden files), the system temp directory or the cache, never from `blocked_paths`.
* `resolve_served`: `GET /gradio_api/file=...` asks for a file. Only cache entries and files inside
  `allowed_paths`/static paths are served, never anything in `blocked_paths`.

Every comparison is made on `os.path.realpath` (symlinks resolved) against the realpath of each root;
`blocked_paths` is also compared on the unresolved path and case-insensitively, so neither a symlink nor
`/ETC/passwd` on a case-insensitive disk gets around it.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from podium.exceptions import PodiumError

if TYPE_CHECKING:
    from podium.files.cache import FileCache

MAX_SERVED_PATH_CHARS = 4096  # PATH_MAX on Linux; longer requests are refused before touching the disk
MAX_SEGMENT_BYTES = 255  # NAME_MAX on common filesystems

# After the router's percent-decoding, a second layer of encoding can only be an attack or a mistake.
_ENCODED_TRICK = re.compile(r"%(?:2f|5c|00|2e)", re.IGNORECASE)
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


class FileAccessDenied(PodiumError):
    """A path was refused by the file policy.

    `message` is safe to show to the client and says what is wrong and what to do;
    `reason` is a short machine-readable cause for logs and tests (`"blocked"`, `"not_allowed"`, ...).
    """

    def __init__(self, message: str, reason: str = "not_allowed") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return self.message


def _real(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.path.abspath(os.fspath(path)))


def _is_within(path: str, root: str) -> bool:
    """Whether `path` is `root` or inside it (both absolute and normalized)."""
    if path == root:
        return True
    prefix = root if root.endswith(os.sep) else root + os.sep
    return path.startswith(prefix)


def _fold(path: str) -> str:
    """Case- and normalization-insensitive form, for blocked_paths (macOS and Windows disks ignore case)."""
    return unicodedata.normalize("NFC", path).casefold()


def _is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


class FilePolicy:
    """The file rules of one app. The server builds it at launch from `launch()`'s arguments.

    `working_dir` is the folder whose files handlers may return (hidden ones excepted); it defaults to the
    current working directory when the policy is made, and `temp_dir` (whose files handlers may return too)
    to `tempfile.gettempdir()`. `static_paths` are served like `allowed_paths`.
    """

    def __init__(
        self,
        cache: FileCache,
        allowed_paths: Sequence[str | os.PathLike[str]] = (),
        blocked_paths: Sequence[str | os.PathLike[str]] = (),
        static_paths: Sequence[str | os.PathLike[str]] = (),
        working_dir: str | os.PathLike[str] | None = None,
        temp_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.cache = cache
        self._cache_root = _real(cache.root)
        self._allowed_roots = tuple(dict.fromkeys(_real(p) for p in (*allowed_paths, *static_paths)))
        # Blocked roots in both forms (resolved and as written) so a symlinked blocked folder is caught too.
        blocked: list[str] = []
        for p in blocked_paths:
            blocked.extend((_fold(_real(p)), _fold(os.path.normpath(os.path.abspath(os.fspath(p))))))
        self._blocked_roots = tuple(dict.fromkeys(blocked))
        self.working_dir = _real(working_dir if working_dir is not None else os.getcwd())
        self._temp_dir = _real(temp_dir if temp_dir is not None else tempfile.gettempdir())

    # -- shared checks ---------------------------------------------------------------------------------

    def is_blocked(self, path: str | os.PathLike[str]) -> bool:
        """Whether `path` (resolved or as written) is inside one of `blocked_paths`, ignoring case."""
        if not self._blocked_roots:
            return False
        lexical = os.path.normpath(os.path.abspath(os.fspath(path)))
        forms = {_fold(lexical), _fold(_real(lexical))}
        return any(_is_within(form, root) for form in forms for root in self._blocked_roots)

    def is_allowed_root_path(self, path: str | os.PathLike[str]) -> bool:
        """Whether the resolved `path` is inside `allowed_paths` or static paths."""
        real = _real(path)
        return any(_is_within(real, root) for root in self._allowed_roots)

    def _in_cache(self, real: str) -> bool:
        return _is_within(real, self._cache_root)

    def _cache_entry(self, real: str) -> Path | None:
        """The cache file at resolved path `real`, or None if it is not a well-formed, existing cache entry."""
        try:
            return self.cache.path_of(self.cache.cache_id(Path(real)))
        except (FileAccessDenied, ValueError):
            return None

    # -- inputs ----------------------------------------------------------------------------------------

    def resolve_input(self, path: str) -> Path:
        """Return the absolute path of an input file a client sent (a cache id or a path inside the cache).

        Raises `FileAccessDenied` for any other path: clients may only pass files they uploaded.
        """
        denied = FileAccessDenied(
            f"File {path!r} was not uploaded by a user of this app, so it cannot be used as an input. "
            "Upload it first (POST /gradio_api/upload, or handle_file() in gradio_client) and send the "
            "path the upload returned.",
            reason="not_uploaded",
        )
        if not isinstance(path, str) or not path or "\x00" in path:
            raise denied
        try:
            if os.path.isabs(path):
                real = _real(path)
                resolved = self._cache_entry(real) if self._in_cache(real) else None
            else:
                resolved = self.cache.path_of(path)
        except FileAccessDenied:
            raise denied from None
        except (OSError, ValueError):  # undecodable names, over-long paths
            raise denied from None
        if resolved is None:
            raise denied
        if self.is_blocked(resolved):
            raise FileAccessDenied(
                f"File {path!r} is inside blocked_paths, so it cannot be used as an input.", reason="blocked"
            )
        return resolved

    # -- outputs ---------------------------------------------------------------------------------------

    def check_output(self, path: str | os.PathLike[str]) -> Path:
        """Return the resolved path of a file a handler returned, if the app may send it to clients.

        Allowed: files inside `allowed_paths`/static paths, the working directory (not hidden files or
        files in hidden folders), the system temp directory, or the upload cache. Files inside
        `blocked_paths` are always refused. The file must exist and be a regular file.
        """
        shown = os.fspath(path)
        if "\x00" in shown:
            raise FileAccessDenied(f"Cannot return file {shown!r}: the path contains a NUL byte.", reason="invalid")
        try:
            real = _real(shown)
        except (OSError, ValueError):
            raise FileAccessDenied(f"Cannot return file {shown!r}: the path is not valid.", reason="invalid") from None
        if self.is_blocked(shown):
            raise FileAccessDenied(
                f"Cannot return file {shown!r}: it is inside blocked_paths. Remove it from blocked_paths in "
                "launch() if the app really should send it.",
                reason="blocked",
            )
        if not os.path.exists(real):
            raise FileAccessDenied(f"Cannot return file {shown!r}: it does not exist.", reason="missing")
        if not _is_regular_file(real):
            raise FileAccessDenied(
                f"Cannot return file {shown!r}: it is not a regular file (a folder or a device?). "
                "Return the path of a file instead.",
                reason="not_a_file",
            )
        if self._in_cache(real):
            # Cache entries may be returned; the cache's own files (id seed, partial uploads) never.
            entry = self._cache_entry(real)
            if entry is None:
                raise FileAccessDenied(
                    f"Cannot return file {shown!r}: it is an internal file of the upload cache.", reason="not_allowed"
                )
            return entry
        if self.is_allowed_root_path(real) or _is_within(real, self._temp_dir):
            return Path(real)
        if _is_within(real, self.working_dir):
            relative = os.path.relpath(real, self.working_dir)
            if any(part.startswith(".") for part in Path(relative).parts):
                raise FileAccessDenied(
                    f"Cannot return file {shown!r}: it is a hidden file, or inside a hidden folder, of the "
                    "working directory. Add its folder to allowed_paths in launch() if the app really should "
                    "send it.",
                    reason="hidden",
                )
            return Path(real)
        raise FileAccessDenied(
            f"Cannot return file {shown!r}: it is not inside the app's working directory ({self.working_dir}), "
            f"the system temp directory ({self._temp_dir}), the upload cache or allowed_paths. Move it into one "
            "of them, or add its folder to allowed_paths in launch().",
            reason="not_allowed",
        )

    # -- serving ---------------------------------------------------------------------------------------

    def resolve_served(self, requested: str) -> tuple[Path, bool]:
        """Check a `GET /gradio_api/file={requested}` path (already percent-decoded once by the router).

        Returns `(absolute resolved path, inline_allowed)`: cache entries come back with
        `inline_allowed=False`, files inside `allowed_paths`/static paths with `True`. Anything else
        (blocked, missing, a folder, `..`, encoded separators, backslashes, NUL, drive letters, paths
        outside every root, symlinks leading out of their root) raises `FileAccessDenied` whose message
        (`"File not allowed: ..."`) is safe to send back with a 403.
        """
        shown = requested if isinstance(requested, str) else repr(requested)

        def deny(reason: str) -> FileAccessDenied:
            return FileAccessDenied(f"File not allowed: {shown[:300]}.", reason=reason)

        if not isinstance(requested, str) or not requested:
            raise deny("invalid")
        if len(requested) > MAX_SERVED_PATH_CHARS:
            raise deny("too_long")
        if any(ord(c) < 32 or ord(c) == 127 or c == "\\" for c in requested):
            raise deny("invalid")  # NUL, control characters and Windows separators never name a served file
        if _ENCODED_TRICK.search(requested) or _WINDOWS_DRIVE.match(requested):
            raise deny("invalid")
        segments = requested.split("/")
        if ".." in segments:
            raise deny("traversal")
        try:
            if any(len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES for segment in segments):
                raise deny("too_long")
            if not os.path.isabs(requested):
                entry = self._cache_id_entry(requested)
                if entry is not None:
                    if self.is_blocked(entry):
                        raise deny("blocked")
                    return entry, False
                lexical = os.path.normpath(os.path.join(self.working_dir, requested))
            else:
                lexical = os.path.normpath(requested)
            real = _real(lexical)
        except (OSError, ValueError):  # lone surrogates, paths the OS cannot represent
            raise deny("invalid") from None

        if self.is_blocked(lexical) or self.is_blocked(real):
            raise deny("blocked")
        if self._in_cache(real):
            # Inside the cache only well-formed entries are served, even when an allowed path contains the
            # cache: partial uploads and the id seed stay private.
            entry = self._cache_entry(real)
            if entry is None:
                raise deny("not_allowed")
            return entry, False
        if not any(_is_within(real, root) for root in self._allowed_roots):
            raise deny("not_allowed")
        if not _is_regular_file(real):
            raise deny("missing")
        return Path(real), True

    def _cache_id_entry(self, requested: str) -> Path | None:
        """The cache file for cache id `requested`, or None when it is not one."""
        try:
            return self.cache.path_of(requested)
        except (FileAccessDenied, ValueError, OSError):
            return None
