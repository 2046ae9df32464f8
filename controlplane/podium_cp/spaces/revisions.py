"""Pushing a Space: checking a revision's manifest, storing the revision and deciding what happens next.

A push uploads the file contents as blobs first (content-addressed, shared by every Space), then creates a
revision from a manifest of (path, size, sha256, mode). `create_revision` refuses manifests that are unsafe or
name blobs the store lacks; it reads the README's front matter from its blob, and either stops at a stage that
says what to fix (`CONFIG_ERROR`, `NO_APP_FILE`: no build) or queues a build (`BUILDING`, or `RUNNING_BUILDING`
while an older revision keeps serving). `rollback` makes a new revision from an older one's files.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podium.spaces import (
    CONFIG_ERROR,
    NO_APP_FILE,
    BundleFile,
    BundleLimits,
    BundleManifest,
    MetadataError,
    SpaceMetadata,
    SpaceProblem,
    manifest_digest,
    parse_metadata,
)
from podium_cp.builds.queue import enqueue_build
from podium_cp.errors import Conflict, InvalidInput, NotFound
from podium_cp.models.spaces import Build, Space, SpaceRevision
from podium_cp.spaces.stages import set_stage
from podium_cp.storage import ObjectNotFound, ObjectStore, StorageError

__all__ = ["LIMITS", "NewRevision", "README", "create_revision", "manifest_problems", "rollback", "space_problem"]

LIMITS = BundleLimits()  # what the SDK's `build_manifest` allows is what the server accepts
README = "README.md"
MODES = (0o644, 0o755)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SERVING_STAGES = ("RUNNING", "RUNNING_BUILDING")


@dataclass(frozen=True)
class NewRevision:
    """What `create_revision` did: the stored revision, the queued build (None at a problem stage), the stage."""

    revision: SpaceRevision
    build: Build | None
    stage: str
    stage_message: str


def _path_problem(path: Any) -> str | None:
    if not isinstance(path, str) or not path:
        return "must be a non-empty relative path"
    if len(path.encode("utf-8", "surrogatepass")) > 1024:
        return "is longer than 1024 bytes"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path) or "\\" in path:
        return "contains a control character or a backslash; paths use '/' between folders"
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return "is absolute; paths are relative to the Space folder"
    if any(segment in ("", ".", "..") for segment in path.split("/")):
        return "has an empty, '.' or '..' segment"
    return None


def manifest_problems(files: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Every reason the manifest's `files` cannot be a revision, as `{"where", "problem"}` (empty when fine)."""
    problems: list[dict[str, str]] = []
    if len(files) > LIMITS.max_files:
        problems.append({"where": "manifest.files", "problem": f"has {len(files)} files; at most "
                         f"{LIMITS.max_files:,} are allowed (list the rest in .podiumignore)"})
    seen: set[str] = set()
    total = 0
    for index, entry in enumerate(files):
        where = f"manifest.files.{index}"
        path = entry.get("path")
        problem = _path_problem(path)
        if problem is not None:
            problems.append({"where": f"{where}.path", "problem": f"{path!r} {problem}"})
        elif str(path) in seen:
            problems.append({"where": f"{where}.path", "problem": f"{path!r} is listed twice"})
        else:
            seen.add(str(path))
        size = entry.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= LIMITS.max_file_bytes:
            problems.append({"where": f"{where}.size", "problem": f"{size!r} is not a size in bytes from 0 to "
                             f"{LIMITS.max_file_bytes:,} (100 MiB per file)"})
        else:
            total += size
        if not isinstance(entry.get("sha256"), str) or not _SHA256.fullmatch(entry["sha256"]):
            problems.append({"where": f"{where}.sha256", "problem": "must be 64 lower-case hex characters"})
        if entry.get("mode", 0o644) not in MODES:
            problems.append({"where": f"{where}.mode", "problem": "must be 420 (0o644) or 493 (0o755)"})
    if total > LIMITS.max_total_bytes:
        problems.append({"where": "manifest.files", "problem": f"the files hold {total:,} bytes; at most "
                         f"{LIMITS.max_total_bytes:,} (1 GiB) are allowed"})
    return problems


def _bundle(files: Sequence[dict[str, Any]]) -> BundleManifest:
    entries = sorted(
        (BundleFile(path=f["path"], size=f["size"], sha256=f["sha256"], executable=f.get("mode", 0o644) == 0o755)
         for f in files),
        key=lambda f: f.path,
    )
    return BundleManifest(files=tuple(entries))


def space_problem(metadata: SpaceMetadata, paths: frozenset[str]) -> SpaceProblem | None:
    """`NO_APP_FILE` when the revision lacks the file the Space starts from (its Dockerfile for docker Spaces)."""
    entry = metadata.entry_file
    if entry in paths:
        return None
    if metadata.sdk == "docker":
        return SpaceProblem(NO_APP_FILE, "The Dockerfile does not exist; add a Dockerfile to the Space folder")
    return SpaceProblem(NO_APP_FILE, f"The app file {entry!r} does not exist; create {entry}, or set "
                        f"`app_file: PATH` in {README}'s front matter")


async def _read_metadata(store: ObjectStore, bundle: BundleManifest) -> SpaceMetadata | SpaceProblem:
    readme = next((f for f in bundle.files if f.path == README), None)
    if readme is None:
        return SpaceMetadata()
    try:
        text = (await store.get_blob(readme.sha256)).decode("utf-8")
    except UnicodeDecodeError:
        return SpaceProblem(CONFIG_ERROR, f"{README} is not UTF-8 text; save it as UTF-8")
    except (ObjectNotFound, StorageError) as exc:
        raise Conflict(f"The content of {README} cannot be read ({exc}); push again",
                       code="missing_blobs", details={"missing": [readme.sha256]}) from None
    try:
        return parse_metadata(text, README)
    except MetadataError as exc:
        return SpaceProblem(CONFIG_ERROR, str(exc))


def _metadata_json(metadata: SpaceMetadata) -> dict[str, Any]:
    data = dataclasses.asdict(metadata)
    data["warnings"] = list(metadata.warnings)
    return data


@dataclass(frozen=True)
class _Checked:
    """A manifest that may become a revision: its files, its metadata (or why it has none), and the problem
    stage it would stop at (None: it can be built)."""

    bundle: BundleManifest
    read: SpaceMetadata | SpaceProblem
    problem: SpaceProblem | None


async def _check(store: ObjectStore, files: Sequence[dict[str, Any]]) -> _Checked:
    """422 `invalid_manifest` listing each problem; 409 `missing_blobs` (`details.missing`) when the store lacks
    content; else the manifest with its README's metadata and the problem stage it would stop at."""
    problems = manifest_problems(files)
    if problems:
        first = problems[0]
        raise InvalidInput(f"{first['where']}: {first['problem']}", code="invalid_manifest",
                           details={"problems": problems})
    bundle = _bundle(files)
    digests = sorted({f.sha256 for f in bundle.files})
    missing = sorted(set(digests) - await store.has_blobs(digests)) if digests else []
    if missing:
        raise Conflict(f"{len(missing)} file contents were not uploaded; upload them "
                       f"(PUT .../blobs/SHA256) and create the revision again",
                       code="missing_blobs", details={"missing": missing})
    read = await _read_metadata(store, bundle)
    problem = read if isinstance(read, SpaceProblem) else space_problem(read, bundle.paths)
    return _Checked(bundle, read, problem)


async def _store(db: AsyncSession, space: Space, checked: _Checked, message: str,
                 created_by_id: int | None) -> NewRevision:
    """Store `checked` as the next revision of `space`; queue its build unless it stops at a problem stage."""
    bundle, read, problem = checked.bundle, checked.read, checked.problem
    number = int(await db.scalar(
        select(func.coalesce(func.max(SpaceRevision.number), 0)).where(SpaceRevision.space_id == space.id)
    ) or 0) + 1
    revision = SpaceRevision(
        space_id=space.id,
        number=number,
        manifest={"files": [{"path": f.path, "size": f.size, "sha256": f.sha256, "mode": f.mode}
                            for f in bundle.files]},
        manifest_digest=manifest_digest(bundle),
        space_metadata={} if isinstance(read, SpaceProblem) else _metadata_json(read),
        message=message,
        created_by_id=created_by_id,
    )
    db.add(revision)
    await db.flush()
    space.latest_revision_id = revision.id
    build: Build | None = None
    if problem is not None:
        stage, stage_message = problem.stage, problem.message
    else:
        build = await enqueue_build(db, space, revision)
        serving = space.serving_revision_id is not None and space.stage in _SERVING_STAGES
        stage = "RUNNING_BUILDING" if serving else "BUILDING"
        stage_message = f"Building revision {number}"
    set_stage(db, space, stage, stage_message)
    await db.flush()
    return NewRevision(revision=revision, build=build, stage=stage, stage_message=stage_message)


async def create_revision(
    db: AsyncSession,
    store: ObjectStore,
    space: Space,
    files: Sequence[dict[str, Any]],
    *,
    message: str = "",
    created_by_id: int | None = None,
) -> NewRevision:
    """Store a revision of `space` (locked by the caller: revision numbers are per Space) from a manifest's `files`.

    422 `invalid_manifest` listing each problem; 409 `missing_blobs` (`details.missing`) when the store lacks
    content. A CONFIG_ERROR or NO_APP_FILE revision is stored but not built; otherwise a build is queued.
    """
    return await _store(db, space, await _check(store, files), message, created_by_id)


async def rollback(
    db: AsyncSession, store: ObjectStore, space: Space, number: int, *, created_by_id: int | None = None
) -> NewRevision:
    """A new revision of `space` (locked by the caller) with revision `number`'s files and the message
    `Rollback to revision N`, built and deployed like any push (its contents are in the store already).

    404 `revision_not_found`; 422 `revision_not_buildable` when those files stop at CONFIG_ERROR or NO_APP_FILE
    (a rollback is meant to bring back a working app, so it never replaces one with a problem stage); 409
    `missing_blobs` when some content is no longer stored.
    """
    where = f"Space '{space.owner_name}/{space.name}'"
    old = (await db.execute(
        select(SpaceRevision).where(SpaceRevision.space_id == space.id, SpaceRevision.number == number)
    )).scalar_one_or_none()
    if old is None:
        raise NotFound(f"{where} has no revision {number}; list them with GET .../revisions",
                       code="revision_not_found")
    try:
        checked = await _check(store, old.manifest.get("files", []))
    except Conflict as exc:
        raise Conflict(f"Some files of revision {number} of {where} are no longer stored; push them again "
                       "(podium push)", code=exc.code, details=exc.details) from None
    if checked.problem is not None:
        raise InvalidInput(f"Revision {number} of {where} cannot be built ({checked.problem.stage}: "
                           f"{checked.problem.message}); roll back to a revision that built, or push a fix",
                           code="revision_not_buildable")
    return await _store(db, space, checked, f"Rollback to revision {number}", created_by_id)
