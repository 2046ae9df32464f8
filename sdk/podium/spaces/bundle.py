"""A Space folder as a bundle manifest: every file to upload with its size, sha256 and executable bit.

Files are content-addressed: `missing_files(manifest, known_digests)` is what an upload must send, and
`manifest_digest(manifest)` names one revision of the folder. Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from podium.spaces.ignore import IGNORE_FILES, IgnoreRules, parse_ignore_file

__all__ = [
    "ALWAYS_SKIPPED",
    "BundleError",
    "BundleFile",
    "BundleLimits",
    "BundleManifest",
    "IgnoredPath",
    "build_manifest",
    "manifest_digest",
    "missing_files",
    "size_text",
]

# Never part of a bundle, whatever the ignore files say: version control, bytecode, virtual environments.
ALWAYS_SKIPPED: dict[str, str] = {
    ".git": "version control data",
    "__pycache__": "Python bytecode cache",
    ".venv": "virtual environment",
    "venv": "virtual environment",
}
_DIGEST_HEADER = b"podium-bundle-v1\n"
_CHUNK = 1 << 20


class BundleError(Exception):
    """The folder cannot be bundled (a limit, a symlink leaving it, an unreadable file); the message says why."""


@dataclass(frozen=True)
class BundleLimits:
    """How much a bundle may hold; the defaults match what the Spaces service accepts."""

    max_files: int = 10_000
    max_total_bytes: int = 1 << 30  # 1 GiB
    max_file_bytes: int = 100 << 20  # 100 MiB


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle: `path` is relative and POSIX (`models/weights.bin`), `sha256` is hex."""

    path: str
    size: int
    sha256: str
    executable: bool = False

    @property
    def mode(self) -> int:
        """The file mode the bundle records, as git does: 0o755 when executable, else 0o644."""
        return 0o755 if self.executable else 0o644


@dataclass(frozen=True)
class IgnoredPath:
    """A file or folder left out of the bundle, and why (`.gitignore:3: *.log`, `always skipped: ...`)."""

    path: str
    is_dir: bool
    reason: str


@dataclass(frozen=True)
class BundleManifest:
    """The files of a bundle in path order, plus what was left out (for `podium spaces check --verbose`)."""

    files: tuple[BundleFile, ...]
    ignored: tuple[IgnoredPath, ...] = field(default=(), compare=False)

    @property
    def total_size(self) -> int:
        """The sum of the files' sizes, in bytes."""
        return sum(f.size for f in self.files)

    @property
    def paths(self) -> frozenset[str]:
        """The relative paths of the bundled files."""
        return frozenset(f.path for f in self.files)

    @property
    def digest(self) -> str:
        """`manifest_digest(self)`."""
        return manifest_digest(self)


def _encode(path: str) -> bytes:
    # Names that are not valid UTF-8 reach us as surrogate escapes; keep their exact bytes.
    return path.encode("utf-8", "surrogateescape")


def manifest_digest(manifest: BundleManifest) -> str:
    """The sha256 (hex) that identifies a revision: over the entries sorted by path (path, mode, size, sha256)."""
    digest = hashlib.sha256(_DIGEST_HEADER)
    for entry in sorted(manifest.files, key=lambda f: _encode(f.path)):
        # A path never holds NUL and the fields after it have a fixed shape, so the encoding is unambiguous.
        digest.update(_encode(entry.path) + b"\0" + f"{entry.mode:o} {entry.size} {entry.sha256}\n".encode())
    return digest.hexdigest()


def missing_files(manifest: BundleManifest, known_digests: Iterable[str]) -> list[BundleFile]:
    """The files whose content the server does not have yet, one per distinct sha256, in manifest order."""
    seen = set(known_digests)
    missing: list[BundleFile] = []
    for entry in manifest.files:
        if entry.sha256 not in seen:
            seen.add(entry.sha256)
            missing.append(entry)
    return missing


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def size_text(size: int) -> str:
    """`size` bytes for people: `532 bytes`, `12.5 KiB`, `1.0 GiB`."""
    if size < 1024:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:,.1f} {unit}"


class _Walker:
    """One pass over a folder; collects files and ignored paths and enforces the limits."""

    def __init__(self, root: Path, limits: BundleLimits) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.limits = limits
        self.files: list[BundleFile] = []
        self.ignored: list[IgnoredPath] = []
        self.total = 0
        self.open_dirs: list[str] = [self.real_root]  # the real paths of the folders being walked

    def _read_rules(self, folder: Path, rel: str, rules: IgnoreRules) -> IgnoreRules:
        for name in IGNORE_FILES:
            path = folder / name
            if path.is_file():
                shown = f"{rel}/{name}" if rel else name
                try:
                    text = path.read_text(encoding="utf-8", errors="surrogateescape")
                except OSError as exc:
                    raise BundleError(f"Cannot read {shown}: {exc}") from None
                rules = rules.extended(parse_ignore_file(text, shown, rel))
        return rules

    def _inside(self, target: str) -> bool:
        return target == self.real_root or target.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def walk(self, folder: Path, rel: str, rules: IgnoreRules) -> None:
        rules = self._read_rules(folder, rel, rules)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise BundleError(f"Cannot list {rel or '.'}: {exc}") from None
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=True)
            if entry.name in ALWAYS_SKIPPED and (is_dir or entry.name == ".git"):
                self.ignored.append(IgnoredPath(path, is_dir, f"always skipped: {ALWAYS_SKIPPED[entry.name]}"))
                continue
            rule = rules.deciding_rule(path, is_dir)
            if rule is not None and not rule.negated:
                self.ignored.append(IgnoredPath(path, is_dir, f"{rule.source}: {rule.pattern}"))
                continue
            if is_link:
                target = os.path.realpath(entry.path)
                if not os.path.exists(target):
                    raise BundleError(f"{path} is a symlink to {os.readlink(entry.path)!r}, which does not exist; "
                                      "remove it or list it in .podiumignore")
                if not self._inside(target):
                    raise BundleError(f"{path} is a symlink to {target}, outside the Space folder; copy the file "
                                      "into the folder instead, or list the link in .podiumignore")
            if is_dir:
                real = os.path.realpath(entry.path)
                if real in self.open_dirs:
                    raise BundleError(f"{path} is a symlink loop (it leads back to a folder that contains it); "
                                      "remove it or list it in .podiumignore")
                self.open_dirs.append(real)
                self.walk(Path(entry.path), path, rules)
                self.open_dirs.pop()
            elif entry.is_file(follow_symlinks=True):
                self._add_file(Path(entry.path), path)
            else:
                self.ignored.append(IgnoredPath(path, False, "not a regular file (socket, pipe or device)"))

    def _add_file(self, file: Path, path: str) -> None:
        limits = self.limits
        if len(self.files) >= limits.max_files:
            raise BundleError(f"The folder has more than {limits.max_files:,} files; list generated or data "
                              "folders in .podiumignore, or store large data sets outside the Space")
        info = file.stat()
        if info.st_size > limits.max_file_bytes:
            raise BundleError(f"{path} is {size_text(info.st_size)}, over the {size_text(limits.max_file_bytes)} "
                              "limit per file; list it in .podiumignore and download it when the app starts")
        self.total += info.st_size
        if self.total > limits.max_total_bytes:
            raise BundleError(f"The folder holds more than {size_text(limits.max_total_bytes)} (at {path}); list "
                              "large files in .podiumignore")
        try:
            sha = _sha256_of(file)
        except OSError as exc:
            raise BundleError(f"Cannot read {path}: {exc}") from None
        executable = bool(info.st_mode & stat.S_IXUSR)
        self.files.append(BundleFile(path=path, size=info.st_size, sha256=sha, executable=executable))


def build_manifest(folder: str | os.PathLike[str], limits: BundleLimits | None = None) -> BundleManifest:
    """Walk `folder` into a manifest, leaving out what `ALWAYS_SKIPPED`, `.gitignore` and `.podiumignore` exclude.

    Raises `BundleError` when the folder is missing, a limit is exceeded, or a symlink leads outside it.
    """
    root = Path(folder)
    if not root.is_dir():
        raise BundleError(f"{folder} is not a folder")
    walker = _Walker(root, limits or BundleLimits())
    walker.walk(root, "", IgnoreRules())
    files = tuple(sorted(walker.files, key=lambda f: _encode(f.path)))
    ignored = tuple(sorted(walker.ignored, key=lambda i: _encode(i.path)))
    return BundleManifest(files=files, ignored=ignored)

