"""Pushing Spaces and following their builds: blobs, revisions, builds and build logs.

`podium push` asks which contents the server lacks (`POST .../blobs/missing`), uploads those (`PUT
.../blobs/{sha256}`), then creates the revision (`POST .../revisions`), which queues a build; it follows the
build's log as server-sent events (`GET .../builds/{id}/logs?follow=true`). `POST .../rollback` deploys an
earlier revision's files again. Reads need `space.read` (a Space the actor may not read is 404), pushes and
rollbacks need `space.write`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp import audit
from podium_cp.api.deps import DB, ActorDep, SignedIn, get_database
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_orgs import error_docs
from podium_cp.builds.queue import FINISHED
from podium_cp.db import Database
from podium_cp.errors import APIError, InvalidInput, NotFound
from podium_cp.models.spaces import Build, BuildLogLine, Space, SpaceRevision
from podium_cp.policy import Action, Actor, require
from podium_cp.spaces.revisions import LIMITS, NewRevision, create_revision, rollback
from podium_cp.spaces.service import find_space
from podium_cp.storage import BlobDigestMismatch, ObjectStore, object_store_from_settings

router = APIRouter(tags=["spaces: push and builds"])

MAX_BLOB_BYTES = LIMITS.max_file_bytes  # 100 MiB, as the SDK's bundle limit per file
MAX_DIGESTS = 10_000
FOLLOW_POLL_S = 0.5  # how often a followed log looks for new lines
SHA256_PATTERN = r"^[0-9a-f]{64}$"

Owner = Annotated[str, Path(description="The Space's owner (org or user)", max_length=64)]
SpaceName = Annotated[str, Path(description="The Space's name", max_length=64)]
Digest = Annotated[str, Path(description="The content's sha256 (64 lower-case hex)", pattern=SHA256_PATTERN)]


class MissingIn(BaseModel):
    """The sha256 digests of the contents a push needs."""

    digests: list[Annotated[str, Field(pattern=SHA256_PATTERN)]] = Field(max_length=MAX_DIGESTS)


class MissingOut(BaseModel):
    """The digests the server does not have yet: upload these."""

    missing: list[str]


class BlobOut(BaseModel):
    """An uploaded (or already stored) content."""

    sha256: str
    size: int


class ManifestFile(BaseModel):
    """One file of a revision: relative POSIX path, size in bytes, sha256 of its content, mode (0o644 / 0o755)."""

    path: str = Field(max_length=1024)
    size: int
    sha256: str
    mode: int = 0o644


class Manifest(BaseModel):
    """The files of a revision (the shape of `podium.spaces.BundleManifest`)."""

    files: list[ManifestFile] = Field(max_length=LIMITS.max_files)


class RevisionIn(BaseModel):
    """A new revision: its manifest (every content uploaded before) and a message."""

    manifest: Manifest
    message: str = Field("", max_length=500)


class RollbackIn(BaseModel):
    """Which revision's files to deploy again."""

    revision: int = Field(ge=1, le=2**31 - 1, strict=True, description="the number of an earlier revision")


class RevisionOut(BaseModel):
    """A revision of a Space."""

    number: int
    manifest_digest: str
    message: str
    files: int
    size: int
    sdk: str | None
    created_at: datetime


class BuildOut(BaseModel):
    """An image build of a revision."""

    id: int
    revision: int
    status: str
    attempts: int
    image: str | None
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RevisionCreated(BaseModel):
    """What a push did: the revision, its build (null when the Space cannot be built as it is) and the stage."""

    revision: RevisionOut
    build: BuildOut | None
    stage: str
    stage_message: str


def get_object_store(request: Request) -> ObjectStore:
    """The app's object store (one per app, made on first use from its settings)."""
    store: ObjectStore | None = getattr(request.app.state, "object_store", None)
    if store is None:
        store = object_store_from_settings(request.app.state.settings)
        request.app.state.object_store = store
    return store


async def _space(db: AsyncSession, actor: Actor, owner: str, name: str, action: Action, **kw: bool) -> Space:
    space, ref = await find_space(db, actor, owner, name, **kw)
    require(actor, action, ref)
    return space


def _revision_out(revision: SpaceRevision) -> RevisionOut:
    files = revision.manifest.get("files", [])
    sdk = revision.space_metadata.get("sdk")
    return RevisionOut(
        number=revision.number,
        manifest_digest=revision.manifest_digest,
        message=revision.message,
        files=len(files),
        size=sum(int(f.get("size", 0)) for f in files),
        sdk=sdk if isinstance(sdk, str) else None,
        created_at=revision.created_at,
    )


def _build_out(build: Build, revision_number: int) -> BuildOut:
    return BuildOut(
        id=build.id,
        revision=revision_number,
        status=build.status,
        attempts=build.attempts,
        image=build.image,
        error=build.error,
        created_at=build.created_at,
        started_at=build.started_at,
        finished_at=build.finished_at,
    )


@router.post(
    "/api/spaces/{owner}/{name}/blobs/missing",
    response_model=MissingOut,
    summary="Which file contents the server lacks",
    responses=error_docs(401, 403, 404),
)
async def missing_blobs(owner: Owner, name: SpaceName, body: MissingIn, db: DB, actor: SignedIn,
                        request: Request) -> MissingOut:
    """The digests among `digests` (at most 10,000) whose content is not stored yet. Needs `space.write`."""
    await _space(db, actor, owner, name, Action.SPACE_WRITE)
    wanted = sorted(set(body.digests))
    have = await get_object_store(request).has_blobs(wanted) if wanted else set()
    return MissingOut(missing=[d for d in wanted if d not in have])


@router.put(
    "/api/spaces/{owner}/{name}/blobs/{sha256}",
    response_model=BlobOut,
    summary="Upload one file content",
    responses={**error_docs(401, 403, 404), 413: {"description": "Larger than 100 MiB"},
               422: {"description": "The content does not hash to the sha256 in the URL"}},
)
async def upload_blob(owner: Owner, name: SpaceName, sha256: Digest, db: DB, actor: SignedIn,
                      request: Request) -> BlobOut:
    """Store the raw request body (`application/octet-stream`, at most 100 MiB) under its sha256, which must be
    the one in the URL (422 `digest_mismatch` otherwise). Contents are shared by all Spaces. Needs `space.write`."""
    await _space(db, actor, owner, name, Action.SPACE_WRITE)
    too_large = APIError(f"A file may hold at most {MAX_BLOB_BYTES:,} bytes (100 MiB); list larger files in "
                         ".podiumignore", code="too_large", status=413)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BLOB_BYTES:
        raise too_large
    received = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal received
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_BLOB_BYTES:
                raise too_large
            yield chunk

    try:
        await get_object_store(request).put_blob(body(), expected_sha256=sha256)
    except BlobDigestMismatch as exc:
        raise InvalidInput(str(exc), code="digest_mismatch") from None
    return BlobOut(sha256=sha256, size=received)


@router.post(
    "/api/spaces/{owner}/{name}/revisions",
    response_model=RevisionCreated,
    status_code=201,
    summary="Create a revision (and queue its build)",
    responses={**error_docs(401, 403, 404), 409: {"description": "Contents not uploaded (`missing_blobs`)"}},
)
async def post_revision(owner: Owner, name: SpaceName, body: RevisionIn, db: DB, actor: SignedIn,
                        request: Request) -> RevisionCreated:
    """A new revision from a manifest whose contents are all uploaded (409 `missing_blobs` lists the others).

    README.md's front matter is read: invalid front matter gives stage CONFIG_ERROR, a missing app file (or
    Dockerfile) NO_APP_FILE, and no build; otherwise a build is queued (stage BUILDING, or RUNNING_BUILDING while
    the previous revision keeps serving). Needs `space.write`.
    """
    space = await _space(db, actor, owner, name, Action.SPACE_WRITE, for_update=True)
    files = [f.model_dump() for f in body.manifest.files]
    created = await create_revision(db, get_object_store(request), space, files, message=body.message,
                                    created_by_id=actor.user_id)
    await audit.record(db, actor, "space.revision.create", "space", f"{owner}/{name}", org_id=space.owner_org_id,
                       request=request, details={"revision": created.revision.number, "stage": created.stage,
                                                 "build": created.build.id if created.build else None})
    return _created_out(created)


def _created_out(created: NewRevision) -> RevisionCreated:
    number = created.revision.number
    return RevisionCreated(
        revision=_revision_out(created.revision),
        build=_build_out(created.build, number) if created.build else None,
        stage=created.stage,
        stage_message=created.stage_message,
    )


@router.post(
    "/api/spaces/{owner}/{name}/rollback",
    response_model=RevisionCreated,
    status_code=201,
    summary="Deploy an earlier revision's files again",
    responses={**error_docs(401, 403, 404), 409: {"description": "Contents no longer stored (`missing_blobs`)"},
               422: {"description": "The revision cannot be built (`revision_not_buildable`)"}},
)
async def post_rollback(owner: Owner, name: SpaceName, body: RollbackIn, db: DB, actor: SignedIn,
                        request: Request) -> RevisionCreated:
    """A new revision with revision `revision`'s files and the message `Rollback to revision N`, built and
    deployed like a push (answers what `POST .../revisions` answers). 404 `revision_not_found` for an unknown
    number; 422 `revision_not_buildable` for a revision whose files stop at CONFIG_ERROR or NO_APP_FILE (it was
    never built). Needs `space.write`."""
    space = await _space(db, actor, owner, name, Action.SPACE_WRITE, for_update=True)
    created = await rollback(db, get_object_store(request), space, body.revision, created_by_id=actor.user_id)
    await audit.record(db, actor, "space.rollback", "space", f"{owner}/{name}", org_id=space.owner_org_id,
                       request=request, details={"to": body.revision, "revision": created.revision.number,
                                                 "build": created.build.id if created.build else None})
    return _created_out(created)


@router.get(
    "/api/spaces/{owner}/{name}/revisions",
    response_model=Page[RevisionOut],
    summary="A Space's revisions, newest first",
    responses=error_docs(401, 404),
)
async def list_revisions(owner: Owner, name: SpaceName, db: DB, actor: ActorDep, page: PageDep) -> Page[RevisionOut]:
    """The Space's revisions, newest first. Needs `space.read`."""
    space = await _space(db, actor, owner, name, Action.SPACE_READ)
    stmt = select(SpaceRevision).where(SpaceRevision.space_id == space.id)
    rows, cursor = await fetch_page(db, stmt, SpaceRevision.id, page)
    return Page[RevisionOut](items=[_revision_out(r) for (r,) in rows], next_cursor=cursor)


@router.get(
    "/api/spaces/{owner}/{name}/builds",
    response_model=Page[BuildOut],
    summary="A Space's builds, newest first",
    responses=error_docs(401, 404),
)
async def list_builds(owner: Owner, name: SpaceName, db: DB, actor: ActorDep, page: PageDep) -> Page[BuildOut]:
    """The Space's builds (queued, running, finished), newest first. Needs `space.read`."""
    space = await _space(db, actor, owner, name, Action.SPACE_READ)
    stmt = (select(Build, SpaceRevision.number).join(SpaceRevision, SpaceRevision.id == Build.revision_id)
            .where(Build.space_id == space.id))
    rows, cursor = await fetch_page(db, stmt, Build.id, page)
    return Page[BuildOut](items=[_build_out(b, n) for (b, n) in rows], next_cursor=cursor)


async def _find_build(db: AsyncSession, space: Space, build_id: int) -> tuple[Build, int]:
    row = (await db.execute(
        select(Build, SpaceRevision.number).join(SpaceRevision, SpaceRevision.id == Build.revision_id)
        .where(Build.id == build_id, Build.space_id == space.id)
    )).first()
    if row is None:
        raise NotFound(f"Space '{space.owner_name}/{space.name}' has no build {build_id}", code="build_not_found")
    return row[0], int(row[1])


@router.get(
    "/api/spaces/{owner}/{name}/builds/{build_id}",
    response_model=BuildOut,
    summary="One build",
    responses=error_docs(401, 404),
)
async def get_build(owner: Owner, name: SpaceName, build_id: int, db: DB, actor: ActorDep) -> BuildOut:
    """One build of the Space, with its status, image and error. Needs `space.read`."""
    space = await _space(db, actor, owner, name, Action.SPACE_READ)
    build, number = await _find_build(db, space, build_id)
    return _build_out(build, number)


async def _lines_after(db: AsyncSession, build_id: int, after_id: int) -> list[tuple[int, str]]:
    rows = await db.execute(
        select(BuildLogLine.id, BuildLogLine.line)
        .where(BuildLogLine.build_id == build_id, BuildLogLine.id > after_id)
        .order_by(BuildLogLine.id)
        .limit(1000)
    )
    return [(int(i), str(line)) for i, line in rows.all()]


def _one_line(text: str) -> str:
    # A newline would end the event's `data:` field early.
    return text.replace("\r", " ").replace("\n", " ")


async def _follow(database: Database, request: Request, build_id: int, after_id: int) -> AsyncIterator[str]:
    """Server-sent events: one `data:` event per log line (`id:` = the line's id), then `event: end`."""
    last = after_id
    while True:
        async with database.read_session() as db:
            build = await db.get(Build, build_id)
            status = build.status if build is not None else "cancelled"
            error = build.error if build is not None else ""
            while lines := await _lines_after(db, build_id, last):  # read after the status: no line is missed
                for line_id, line in lines:
                    yield f"id: {line_id}\ndata: {_one_line(line)}\n\n"
                    last = line_id
        if status in FINISHED:
            end = f"Build {status}" + (f": {error}" if error else "")
            yield f"event: end\ndata: {_one_line(end)}\n\n"
            return
        if await request.is_disconnected():
            return
        await anyio.sleep(FOLLOW_POLL_S)


@router.get(
    "/api/spaces/{owner}/{name}/builds/{build_id}/logs",
    summary="A build's log (plain text, or followed as server-sent events)",
    response_class=PlainTextResponse,
    responses={**error_docs(401, 404), 200: {"content": {"text/plain": {}, "text/event-stream": {}}}},
)
async def build_logs(owner: Owner, name: SpaceName, build_id: int, db: DB, actor: ActorDep, request: Request,
                     follow: Annotated[bool, Query(description="Stream new lines until the build ends")] = False
                     ) -> Response:
    """The build's log as plain text; with `?follow=true` a `text/event-stream` that sends each line as it is
    written (resuming after the `Last-Event-ID` header when given) and ends with `event: end` when the build
    finishes. Needs `space.read`."""
    space = await _space(db, actor, owner, name, Action.SPACE_READ)
    build, _ = await _find_build(db, space, build_id)
    if follow:
        resume = request.headers.get("last-event-id", "")
        after = int(resume) if resume.isdigit() else 0
        return StreamingResponse(
            _follow(get_database(request), request, build.id, after),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    lines: list[str] = []
    last = 0
    while chunk := await _lines_after(db, build.id, last):
        lines.extend(line for _, line in chunk)
        last = chunk[-1][0]
    return PlainTextResponse("".join(f"{line}\n" for line in lines))
