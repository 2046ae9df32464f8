"""A Space's settings, read from the front matter of its README.md (as on Hugging Face Spaces).

`load_metadata(folder)` returns a `SpaceMetadata` or raises `MetadataError` naming the file, the line and
what to write instead; `problems(folder)` says why a folder cannot run as a Space, with Hugging Face's
stage names (`NO_APP_FILE`, `CONFIG_ERROR`). Standard library only.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podium.spaces.frontmatter import FrontMatterError, Scalar, Value, parse_front_matter

__all__ = [
    "CONFIG_ERROR",
    "NO_APP_FILE",
    "PYTHON_VERSIONS",
    "README",
    "SDKS",
    "MetadataError",
    "SpaceMetadata",
    "SpaceProblem",
    "load_metadata",
    "problems",
]

README = "README.md"
SDKS = ("podium", "gradio", "docker")
PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")
NO_APP_FILE = "NO_APP_FILE"
CONFIG_ERROR = "CONFIG_ERROR"
_HARDWARE = re.compile(r"[a-z0-9][a-z0-9-]*")
_SHORT_DESCRIPTION_MAX = 60


class MetadataError(ValueError):
    """README.md's front matter is invalid; the message names the file, the line and what to write."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class SpaceMetadata:
    """The settings of a Space; every key is optional in README.md and defaults as below."""

    title: str | None = None
    emoji: str | None = None
    sdk: str = "podium"  # podium | gradio | docker
    sdk_version: str | None = None
    app_file: str = "app.py"  # the file the Space runs; docker Spaces build their Dockerfile instead
    app_port: int = 7860  # the port a docker Space's app listens on
    python_version: str | None = None  # 3.10 to 3.13; None: the platform's default
    suggested_hardware: str | None = None  # a hardware flavor name, e.g. cpu-basic, t4-small
    sleep_time: int | None = None  # seconds idle before the Space sleeps (>= 60), -1 never; None: default
    pinned: bool = False
    license: str | None = None
    short_description: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys Podium does not use, kept as written
    warnings: tuple[str, ...] = field(default=(), compare=False)  # `README.md:7: ...` for unused keys

    @property
    def entry_file(self) -> str:
        """The file the Space needs to start: `Dockerfile` for docker Spaces, else `app_file`."""
        return "Dockerfile" if self.sdk == "docker" else self.app_file


@dataclass(frozen=True)
class SpaceProblem:
    """Why a folder cannot run as a Space: a Hugging Face-style stage name and a message saying what to do."""

    stage: str  # NO_APP_FILE | CONFIG_ERROR
    message: str

    def __str__(self) -> str:
        return f"{self.stage}: {self.message}"


class _Fields:
    """Validates the known keys one by one, raising MetadataError with the key's line."""

    def __init__(self, values: dict[str, Value], lines: dict[str, int], path: str) -> None:
        self.values = values
        self.lines = lines
        self.path = path

    def fail(self, key: str, message: str) -> MetadataError:
        return MetadataError(self.path, self.lines.get(key, 0), message)

    def raw(self, key: str) -> Scalar:
        value = self.values.get(key)
        if value == []:
            return None  # `key:` with nothing after it leaves the key unset
        if isinstance(value, list):
            raise self.fail(key, f"{key} takes a single value, not a list; write `{key}: VALUE`")
        return value

    def text(self, key: str, example: str) -> str | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool):
            raise self.fail(key, f"{key} must be text, not {str(value).lower()}; write `{key}: \"{example}\"`")
        text = str(value).strip()
        if not text:
            raise self.fail(key, f"{key} is empty; write `{key}: {example}` or remove the line")
        return text

    def integer(self, key: str, example: str) -> int | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"{key} must be a whole number, got {value!r}; write `{key}: {example}`")
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(key, f"{key} must be true or false, got {value!r}; write `{key}: true`")


def _relative_file(fields: _Fields, key: str, value: str) -> str:
    normal = posixpath.normpath(value.replace("\\", "/"))
    if value.startswith(("/", "\\")) or normal == ".." or normal.startswith("../") or re.match(r"[A-Za-z]:", value):
        raise fields.fail(key, f"{key} must be a path inside the Space folder, got {value!r}; write `{key}: app.py`")
    return normal


def metadata_from_values(values: dict[str, Value], lines: dict[str, int], path: str = README) -> SpaceMetadata:
    """Validate parsed front-matter `values` (with their `lines`) into a `SpaceMetadata`."""
    fields = _Fields(values, lines, path)
    sdk = fields.text("sdk", "podium") or "podium"
    if sdk not in SDKS:
        raise fields.fail("sdk", f"sdk {sdk!r} is not supported; write `sdk: podium` (or gradio, docker)")
    app_file = fields.text("app_file", "app.py")
    app_file = _relative_file(fields, "app_file", app_file) if app_file else "app.py"
    app_port = fields.integer("app_port", "7860")
    if app_port is not None and not 1 <= app_port <= 65535:
        raise fields.fail("app_port", f"app_port must be between 1 and 65535, got {app_port}; write `app_port: 7860`")
    python_version = fields.text("python_version", "3.12")
    if python_version is not None and ".".join(python_version.split(".")[:2]) not in PYTHON_VERSIONS:
        raise fields.fail("python_version", f"python_version {python_version!r} is not supported; write one of "
                          + ", ".join(f'"{v}"' for v in PYTHON_VERSIONS) + " (in quotes)")
    if python_version is not None and not re.fullmatch(r"3\.1[0-3](?:\.[0-9]+)?", python_version):
        raise fields.fail("python_version", f"python_version {python_version!r} is not a version; write \"3.12\"")
    hardware = fields.text("suggested_hardware", "cpu-basic")
    if hardware is not None and not _HARDWARE.fullmatch(hardware):
        raise fields.fail("suggested_hardware", f"suggested_hardware {hardware!r} is not a hardware name; "
                          "write a name such as `suggested_hardware: cpu-basic`")
    sleep_time = fields.integer("sleep_time", "3600")
    if sleep_time is not None and sleep_time != -1 and sleep_time < 60:
        raise fields.fail("sleep_time", f"sleep_time must be at least 60 seconds, or -1 to never sleep; got "
                          f"{sleep_time}; write `sleep_time: 3600`")
    short_description = fields.text("short_description", "What the Space does")
    if short_description is not None and len(short_description) > _SHORT_DESCRIPTION_MAX:
        raise fields.fail("short_description", f"short_description is {len(short_description)} characters; keep "
                          f"it to {_SHORT_DESCRIPTION_MAX} and put the rest in the README's text")
    known = {"title", "emoji", "sdk", "sdk_version", "app_file", "app_port", "python_version",
             "suggested_hardware", "sleep_time", "pinned", "license", "short_description"}
    extra = {key: value for key, value in values.items() if key not in known}
    warnings = tuple(
        f"{path}:{lines.get(key, 0)}: {key!r} is not used by Podium; it is kept as written" for key in extra
    )
    return SpaceMetadata(
        title=fields.text("title", "My Space"),
        emoji=fields.text("emoji", "🚀"),
        sdk=sdk,
        sdk_version=fields.text("sdk_version", "5.0.0"),
        app_file=app_file,
        app_port=7860 if app_port is None else app_port,
        python_version=python_version,
        suggested_hardware=hardware,
        sleep_time=sleep_time,
        pinned=bool(fields.boolean("pinned")),
        license=fields.text("license", "mit"),
        short_description=short_description,
        extra=extra,
        warnings=warnings,
    )


def parse_metadata(text: str, path: str = README) -> SpaceMetadata:
    """The `SpaceMetadata` of a README's `text` (`path` names it in errors); no front matter gives defaults."""
    try:
        front = parse_front_matter(text)
    except FrontMatterError as exc:
        raise MetadataError(path, exc.line, exc.message) from None
    return metadata_from_values(front.values, front.lines, path)


def load_metadata(folder: str | Path) -> SpaceMetadata:
    """The `SpaceMetadata` of the Space in `folder`, from its README.md; defaults when there is none.

    Raises `MetadataError` when the front matter is malformed or a value is invalid.
    """
    readme = Path(folder) / README
    try:
        text = readme.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SpaceMetadata()
    except (OSError, UnicodeDecodeError) as exc:
        raise MetadataError(README, 0, f"cannot be read ({exc}); save it as UTF-8 text") from None
    return parse_metadata(text, README)


def problems(folder: str | Path, bundled_paths: Collection[str] | None = None) -> list[SpaceProblem]:
    """Why `folder` cannot run as a Space, empty when it can.

    `CONFIG_ERROR` when README.md's front matter is invalid; `NO_APP_FILE` when the app file (the Dockerfile
    for docker Spaces) is missing, or, given `bundled_paths` (a bundle's files), would not be uploaded.
    """
    try:
        metadata = load_metadata(folder)
    except MetadataError as exc:
        return [SpaceProblem(CONFIG_ERROR, str(exc))]
    entry = metadata.entry_file
    what = "Dockerfile" if metadata.sdk == "docker" else f"app file {entry!r}"
    if not (Path(folder) / entry).is_file():
        hint = ("add a Dockerfile" if metadata.sdk == "docker"
                else f"create {entry}, or set `app_file: PATH` in {README}'s front matter")
        return [SpaceProblem(NO_APP_FILE, f"The {what} does not exist; {hint}")]
    if bundled_paths is not None and entry not in bundled_paths:
        return [SpaceProblem(NO_APP_FILE, f"The {what} is left out by .gitignore or .podiumignore, so it would "
                             f"not be uploaded; add `!{entry}` to .podiumignore")]
    return []
