"""The builder: claims builds from the Postgres queue and turns revisions into images through the engine.

One `BuildWorker` builds one job at a time (run several processes for more). For a job it packs the revision's
files with the Dockerfile Podium writes (or the Space's own, for `sdk: docker`), builds the image
`localhost/podium-spaces/NAMESPACE/OWNER--NAME:r<revision>-b<build>` through the Docker Engine API in a worker thread, and
meanwhile writes the log lines into `build_log_lines` (every `FLUSH_EVERY_S`) and heartbeats the job. The
finished log is also stored in the object store (`logs/builds/<id>.log`).

With a registry (`registry=RegistryConfig`, from PODIUM_REGISTRY*) the built image is then tagged
`REGISTRY/<namespace>-space-<space id>:<build id>` and pushed (its progress goes to the same live log);
`builds.image` holds that reference, which is what a cluster pulls. A failed push fails the build (the local image
stays). Without one, `builds.image` is the local tag (one machine).

What the Space shows afterwards:
- success: `APP_STARTING` (the reconciler starts the new image and moves it to `RUNNING`);
- failure: `BUILD_ERROR` with the reason, or, when an older revision still serves, `RUNNING` with a message
  saying which revision failed (the old one keeps serving);
- a newer push queued meanwhile decides the stage itself: an outdated build changes nothing.

A worker killed mid-build stops heartbeating; after `stale_after` another worker claims the job again
(`attempts` counts the claims) and, after `MAX_ATTEMPTS`, fails it with a clear reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from anyio import to_thread
from sqlalchemy import select

from podium.spaces import SpaceMetadata
from podium_cp.builds.dockerfile import build_context, render_dockerfile
from podium_cp.builds.engine import BuildFailed, RegistryConfig
from podium_cp.builds.queue import STALE_AFTER, append_log, claim_next, finish, heartbeat
from podium_cp.db.engine import Database
from podium_cp.models.spaces import Build, Space, SpaceRevision
from podium_cp.spaces.stages import set_stage
from podium_cp.storage import ObjectNotFound, ObjectStore, StorageError

__all__ = ["MAX_ATTEMPTS", "BuildWorker", "ImageBuilding", "image_tag", "metadata_from_json"]

log = logging.getLogger("podium.builder")

MAX_ATTEMPTS = 3  # claims of one job (a worker that dies mid-build counts as one)
FLUSH_EVERY_S = 0.25  # how often live log lines reach the database
HEARTBEAT_EVERY_S = 10.0
IMAGE_REPOSITORY = "localhost/podium-spaces"
_SERVING_STAGES = ("RUNNING", "RUNNING_BUILDING")


class ImageBuilding(Protocol):
    """What the worker needs of an image builder (`podium_cp.builds.engine.ImageBuilder`)."""

    def build(
        self, context_tar: bytes, tag: str, *, on_log: Callable[[str], None], ca_bundle_path: str | None = None
    ) -> str: ...

    def push(self, image: str, reference: str, registry: RegistryConfig, *, on_log: Callable[[str], None]) -> str:
        """Push `image` as `reference`; returns `reference@digest` (called only with a registry)."""
        ...


def image_tag(owner: str, name: str, revision: int, build_id: int, namespace: str = "podium") -> str:
    """The image reference of a build: `localhost/podium-spaces/NAMESPACE/OWNER--NAME:r<revision>-b<build>`."""
    return f"{IMAGE_REPOSITORY}/{namespace}/{owner.lower()}--{name.lower()}:r{revision}-b{build_id}"


def metadata_from_json(data: dict[str, Any]) -> SpaceMetadata:
    """The `SpaceMetadata` a revision stored as JSON (`space_metadata`); unknown keys are ignored."""
    known = {f.name for f in dataclasses.fields(SpaceMetadata)} - {"warnings"}
    return SpaceMetadata(**{key: value for key, value in data.items() if key in known})


@dataclass
class _Job:
    build_id: int
    attempts: int
    space_id: int
    owner: str
    name: str
    revision_id: int
    revision_number: int
    manifest: dict[str, Any]
    metadata: SpaceMetadata


class _LiveLog:
    """Log lines from the build thread, handed to the event loop in batches (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self.all: list[str] = []

    def add(self, line: str) -> None:
        with self._lock:
            self._pending.append(line)
            self.all.append(line)

    def take(self) -> list[str]:
        with self._lock:
            lines, self._pending = self._pending, []
        return lines


class BuildWorker:
    """Claims and runs builds until stopped. `builder` does the image builds (blocking; run in a thread)."""

    def __init__(
        self,
        database: Database,
        store: ObjectStore,
        builder: ImageBuilding,
        *,
        base_image: str,
        ca_bundle: str | None = None,
        worker_id: str | None = None,
        namespace: str = "podium",
        registry: RegistryConfig | None = None,
        poll_s: float = 1.0,
        stale_after: timedelta = STALE_AFTER,
        heartbeat_s: float = HEARTBEAT_EVERY_S,
    ) -> None:
        self.database = database
        self.store = store
        self.builder = builder
        self.base_image = base_image
        self.ca_bundle = ca_bundle
        self.namespace = namespace
        self.registry = registry
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.poll_s = poll_s
        self.stale_after = stale_after
        self.heartbeat_s = heartbeat_s

    async def run(self, stop: asyncio.Event) -> None:
        """Build jobs until `stop` is set (a job under way is finished first)."""
        log.info("builder %s: waiting for builds", self.worker_id)
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except Exception:  # a database or store outage: log it, wait, try again
                log.exception("builder %s: a build loop iteration failed; retrying", self.worker_id)
                worked = False
            if not worked:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_s)
                except TimeoutError:
                    pass

    async def run_once(self) -> bool:
        """Claim and run one build; False when none waits."""
        job = await self._claim()
        if job is None:
            return False
        if job.attempts > MAX_ATTEMPTS:
            error = (f"The builder stopped {job.attempts - 1} times while building this revision "
                     "(out of memory, or the machine restarted?); push again to retry")
            live = _LiveLog()
            live.add(error)
            await self._end(job, live, ok=False, error=error)
            return True
        await self._build(job)
        return True

    async def _claim(self) -> _Job | None:
        async with self.database.session() as db:
            build = await claim_next(db, self.worker_id, self.stale_after)
            if build is None:
                return None
            revision = await db.get(SpaceRevision, build.revision_id)
            space = await db.get(Space, build.space_id)
            if revision is None or space is None:  # deleted meanwhile (cascade): nothing to build
                return None
            return _Job(
                build_id=build.id,
                attempts=build.attempts,
                space_id=space.id,
                owner=space.owner_name,
                name=space.name,
                revision_id=revision.id,
                revision_number=revision.number,
                manifest=dict(revision.manifest),
                metadata=metadata_from_json(dict(revision.space_metadata)),
            )

    async def _build(self, job: _Job) -> None:
        live = _LiveLog()
        tag = image_tag(job.owner, job.name, job.revision_number, job.build_id, self.namespace)
        again = f" (attempt {job.attempts})" if job.attempts > 1 else ""
        live.add(f"==> Building revision {job.revision_number} of {job.owner}/{job.name} as {tag}{again}")
        started = time.monotonic()
        try:
            files = [str(f["path"]) for f in job.manifest.get("files", [])]
            dockerfile = None
            if job.metadata.sdk != "docker":
                dockerfile = render_dockerfile(
                    job.metadata, files, base_image=self.base_image, ca_bundle=self.ca_bundle is not None
                )
            context = await build_context(job.manifest, self._blob_reader(job), dockerfile=dockerfile)
        except (ValueError, OSError) as exc:
            error = f"Could not prepare the build: {exc}"
        except Exception as exc:  # the object store failed: say so, the job is not lost (push again)
            error = f"Could not read the revision's files: {exc}"
        else:
            error = ""
        if error:
            live.add(f"==> {error}")
            await self._end(job, live, ok=False, error=error)
            return

        registry = self.registry
        reference = registry.reference(self.namespace, job.space_id, job.build_id) if registry else None

        def run_build() -> str:
            image = self.builder.build(context, tag, on_log=live.add, ca_bundle_path=self.ca_bundle)
            if registry is None or reference is None:
                return image
            live.add(f"==> Built {tag} in {time.monotonic() - started:.1f} s")
            live.add(f"==> Pushing {reference}")
            pushed = self.builder.push(tag, reference, registry, on_log=live.add)
            live.add(f"==> Pushed {pushed}")
            return image

        task = asyncio.ensure_future(to_thread.run_sync(run_build, abandon_on_cancel=True))
        held = True
        last_beat = time.monotonic()
        while not task.done():
            await asyncio.wait({task}, timeout=FLUSH_EVERY_S)
            lines = live.take()
            beat = time.monotonic() - last_beat >= self.heartbeat_s
            if lines or beat:
                async with self.database.session() as db:
                    await append_log(db, job.build_id, lines)
                    if beat:
                        held = await heartbeat(db, job.build_id, self.worker_id) and held
                        last_beat = time.monotonic()
        seconds = time.monotonic() - started
        try:
            image: str | None = task.result()
        except Exception as exc:
            message = exc.message if isinstance(exc, BuildFailed) else str(exc) or type(exc).__name__
            live.add(f"==> Build failed after {seconds:.1f} s: {message}")
            await self._end(job, live, ok=False, error=message)
            return
        if not held:
            log.warning("builder %s: build %s was taken over while it ran; its result is dropped",
                        self.worker_id, job.build_id)
            return
        if reference is not None:
            await self._end(job, live, ok=True, image=reference)
            return
        live.add(f"==> Built {tag} in {seconds:.1f} s")
        await self._end(job, live, ok=True, image=tag if image else None)

    def _blob_reader(self, job: _Job) -> Callable[[str], Awaitable[bytes]]:
        """`store.get_blob`, naming the revision's file when its content is not in the store."""
        paths: dict[str, str] = {}
        for f in job.manifest.get("files", []):
            paths.setdefault(str(f["sha256"]), str(f["path"]))

        async def read(sha256: str) -> bytes:
            try:
                return await self.store.get_blob(sha256)
            except ObjectNotFound:
                raise StorageError(f"{paths.get(sha256, 'a file')} (sha256 {sha256[:12]}) is missing from the "
                                   "object store; push the Space again to upload it") from None

        return read

    async def _end(self, job: _Job, live: _LiveLog, *, ok: bool, image: str | None = None, error: str = "") -> None:
        """Record the outcome, the log lines not written yet and the Space's stage, in one transaction."""
        async with self.database.session() as db:
            await append_log(db, job.build_id, live.take())
            if not await finish(db, job.build_id, self.worker_id, ok=ok, image=image, error=error):
                return  # another worker holds the job now: it decides, and it stores the log
            # Stored only once `finish` holds the build row: a worker that lost the job never overwrites the log.
            build = await db.get(Build, job.build_id)
            if build is not None:
                build.log_key = await self._archive(job, live)
            space = (
                await db.execute(select(Space).where(Space.id == job.space_id).with_for_update())
            ).scalar_one_or_none()
            if space is None or space.latest_revision_id != job.revision_id or space.desired_state == "deleted":
                return  # a newer push (or a delete) decides the stage
            if ok:
                if space.stage in ("BUILDING", "RUNNING_BUILDING", "BUILD_ERROR"):
                    set_stage(db, space, "APP_STARTING", f"Starting revision {job.revision_number}")
            elif space.serving_revision_id is not None and space.stage in _SERVING_STAGES:
                serving = await db.get(SpaceRevision, space.serving_revision_id)
                number = serving.number if serving is not None else "?"
                set_stage(db, space, "RUNNING", f"Revision {job.revision_number} failed to build ({error}); "
                                                f"revision {number} still serves")
            else:
                set_stage(db, space, "BUILD_ERROR", error)
        log.info("builder %s: build %s of %s/%s %s", self.worker_id, job.build_id, job.owner, job.name,
                 "succeeded" if ok else f"failed: {error}")

    async def _archive(self, job: _Job, live: _LiveLog) -> str | None:
        """Store the whole log in the object store; its key, or None when the store failed."""
        key = f"logs/builds/{job.build_id}.log"
        try:
            await self.store.put(key, "".join(f"{line}\n" for line in live.all).encode(),
                                 content_type="text/plain; charset=utf-8")
        except Exception:  # the live log in Postgres is complete; the archived copy is a convenience
            log.exception("builder %s: could not store the log of build %s", self.worker_id, job.build_id)
            return None
        return key
