"""`podium push`: send a Space folder to a Podium server and follow its build.

The steps, each reported on stderr:

1. check the folder (`problems`: README front matter, app file) and make its manifest (`build_manifest`);
2. find the Space, or create it (`--hardware`, `--private` / `--org`);
3. ask which file contents the server lacks (`POST .../blobs/missing`) and upload only those, with a
   progress bar: an unchanged file is never sent twice, whatever its name;
4. create the revision (`POST .../revisions`), which queues the build;
5. follow the build's log live (`GET .../builds/{id}/logs?follow=true`) and then the Space's stage until it
   runs, or fails: the exit code is non-zero for BUILD_ERROR, CONFIG_ERROR, NO_APP_FILE or RUNTIME_ERROR.

The server and the API token come from `podium login` (podium.platform_auth); the API calls are
`podium.spaces.client.SpacesClient`'s (re-exported here).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from podium.spaces.bundle import BundleFile, build_manifest, size_text
from podium.spaces.client import SpacesClient as SpacesClient  # re-exported: `podium push` callers import it here
from podium.spaces.client import SpacesError
from podium.spaces.metadata import load_metadata, problems

FAILED_STAGES = frozenset({"BUILD_ERROR", "CONFIG_ERROR", "NO_APP_FILE", "RUNTIME_ERROR", "WAITING_FOR_HARDWARE"})
UPLOAD_CHUNK = 1 << 20


# The push's own errors and those of the API calls it makes are one type: `podium push` reports both alike.
PushError = SpacesError


@dataclass(frozen=True)
class PushOptions:
    folder: Path
    owner: str
    name: str
    hardware: str | None = None
    visibility: str | None = None  # "public" | "org" | "private"; None keeps the Space's (public when created)
    message: str = ""
    follow: bool = True
    timeout_s: float = 1800.0


@dataclass(frozen=True)
class PushResult:
    revision: int
    build_id: int | None
    stage: str
    url: str | None
    uploaded_files: int
    uploaded_bytes: int


def parse_space_id(value: str) -> tuple[str, str]:
    """`OWNER/NAME` -> (owner, name), with a clear error otherwise."""
    owner, sep, name = value.partition("/")
    if not sep or not owner or not name or "/" in name:
        raise PushError(f"--space takes OWNER/NAME (e.g. acme/demo), not {value!r}")
    return owner, name


class Progress:
    """A one-line progress bar on a terminal (plain lines otherwise, so CI logs stay readable)."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total, self.done, self.stream = max(total, 1), 0, stream
        self.tty = stream.isatty()
        self.last_line = -1.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.tty:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r  [{bar}] {size_text(self.done)} / {size_text(self.total)}")
            self.stream.flush()
        elif now - self.last_line > 2 or self.done >= self.total:
            self.last_line = now
            self.stream.write(f"  uploaded {size_text(self.done)} of {size_text(self.total)}\n")

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _chunks(path: Path, progress: Progress) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(UPLOAD_CHUNK):
            progress.advance(len(chunk))
            yield chunk


def push(client: SpacesClient, options: PushOptions, err: IO[str] = sys.stderr) -> PushResult:
    """Push `options.folder` to the Space; see the module docstring for the steps."""
    folder = options.folder
    if not folder.is_dir():
        raise PushError(f"No such folder: {folder}")
    metadata = load_metadata(folder)
    manifest = build_manifest(folder)
    for problem in problems(folder, manifest.paths):
        raise PushError(f"{problem.stage}: {problem.message}")
    owner, name = options.owner, options.name
    err.write(f"Pushing {folder} to {owner}/{name}: {len(manifest.files)} files, {size_text(manifest.total_size)}\n")

    space = client.space(owner, name)
    settings: dict[str, Any] = {}
    if options.hardware:
        settings["hardware"] = options.hardware
    if options.visibility:
        settings["visibility"] = options.visibility
    if space is None:
        body = {"sdk": metadata.sdk, "title": metadata.title or name, **settings}
        if metadata.sleep_time is not None:
            body["sleep_time"] = metadata.sleep_time
        space = client.create_space(owner, name, body)
        err.write(f"Created the Space {owner}/{name}\n")
    elif settings:
        client.update_space(owner, name, settings)

    digests = sorted({f.sha256 for f in manifest.files})
    missing = client.missing(owner, name, digests)
    to_send: list[BundleFile] = []
    for file in manifest.files:  # one upload per missing content, whatever the number of files holding it
        if file.sha256 in missing:
            missing.discard(file.sha256)
            to_send.append(file)
    total = sum(f.size for f in to_send)
    err.write(f"Uploading {len(to_send)} of {len(manifest.files)} files ({size_text(total)}); the rest is unchanged\n")
    progress = Progress(total, err)
    for file in to_send:
        client.upload(owner, name, file, _chunks(folder / file.path, progress))
    progress.finish()

    created = client.create_revision(owner, name, manifest, options.message)
    revision = int(created["revision"]["number"])
    build = created.get("build")
    build_id = int(build["id"]) if build else None
    err.write(f"Revision {revision} created" + (f", build {build_id} queued\n" if build_id else "\n"))
    stage = str(created.get("stage") or (space or {}).get("stage") or "")
    if build_id is not None and options.follow:
        client.follow_build_log(owner, name, build_id, lambda line: err.write(f"  | {line}\n"))
    if options.follow:
        stage = wait_for_stage(client, owner, name, options.timeout_s, err)
    info = client.space(owner, name) or {}
    if stage in FAILED_STAGES:
        message = info.get("stage_message") or ""
        raise PushError(f"{owner}/{name} is in stage {stage}" + (f": {message}" if message else ""))
    return PushResult(revision, build_id, stage, info.get("url"), len(to_send), total)


def wait_for_stage(client: SpacesClient, owner: str, name: str, timeout_s: float, err: IO[str]) -> str:
    """Poll the Space until it runs or fails (or `timeout_s` passes); returns the last stage seen."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while True:
        info = client.space(owner, name) or {}
        stage = str(info.get("stage") or "")
        if stage != last:
            err.write(f"Stage: {stage}\n")
            last = stage
        if stage in ("RUNNING", "SLEEPING", "PAUSED") or stage in FAILED_STAGES:
            return stage
        if time.monotonic() > deadline:
            raise PushError(f"{owner}/{name} did not start within {timeout_s:.0f} s (stage {stage})")
        time.sleep(1.0)
