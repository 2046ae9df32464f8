"""The builder worker's decisions on the real test Postgres and a local object store: the image tag, the build
context it hands the image builder, the live and archived logs, the Space's stage after a success or a failure
(with and without an older revision serving, or a newer push meanwhile), jobs claimed too often, jobs taken over
by another worker, missing files, and the run loop.

The image builder is a `FakeBuilder` (it logs from the worker thread the worker runs it in, may sleep, and
succeeds or raises BuildFailed); real image builds under real Podman are covered by
tests/controlplane/test_spaces_e2e.py.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text, update

from podium_cp.builds.engine import BuildFailed
from podium_cp.builds.worker import MAX_ATTEMPTS, BuildWorker, image_tag
from podium_cp.db import Database
from podium_cp.models import User
from podium_cp.models.spaces import Build, BuildLogLine, Space, SpaceRevision
from podium_cp.storage import LocalObjectStore

pytestmark = pytest.mark.anyio

BASE_IMAGE = "localhost/podium-space-base:latest"
NAMESPACE = "ns1"
README = b"---\ntitle: Demo\nsdk: podium\napp_file: app.py\n---\n# Demo\n"
APP = b"import podium as gr\ngr.Interface(lambda x: x, 'textbox', 'textbox').launch()\n"
REQUIREMENTS = b"numpy==2.1.0\n"


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


@pytest.fixture
def sync_sql(pg_url: str) -> Iterator[Callable[..., list[Any]]]:
    """Run SQL from the builder's thread (what another process would do meanwhile)."""
    engine = create_engine(pg_url)

    def run(statement: str, **params: Any) -> list[Any]:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result.fetchall()) if result.returns_rows else []

    yield run
    engine.dispose()


# --- the fake image builder -----------------------------------------------------------------------------------


@dataclass
class FakeBuilder:
    """An `ImageBuilding` that logs `lines` (pausing `pause_s` after each), runs `during` (in its thread), then
    returns an image id, or raises BuildFailed(`error`)."""

    lines: list[str] = field(default_factory=lambda: ["Step 1/3 : FROM base", "Step 2/3 : COPY . /app", "Step 3/3 : CMD"])
    pause_s: float = 0.0
    error: str | None = None
    during: Callable[[], None] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def build(self, context_tar: bytes, tag: str, *, on_log: Callable[[str], None], ca_bundle_path: str | None = None) -> str:
        self.calls.append({"context": context_tar, "tag": tag, "ca_bundle_path": ca_bundle_path,
                           "thread": threading.current_thread()})
        for line in self.lines:
            on_log(line)
            time.sleep(self.pause_s)
        if self.during is not None:
            self.during()
        if self.error is not None:
            raise BuildFailed(self.error, self.lines[-3:])
        return "sha256:" + "ab" * 32

    def context_files(self, call: int = -1) -> dict[str, bytes]:
        raw = gzip.decompress(self.calls[call]["context"])
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


# --- the database's side ------------------------------------------------------------------------------------


async def manifest_of(store: LocalObjectStore, files: dict[str, bytes], *, store_them: bool = True) -> dict[str, Any]:
    entries = []
    for path, data in sorted(files.items()):
        digest = await store.put_blob(data) if store_them else hashlib.sha256(data).hexdigest()
        entries.append({"path": path, "size": len(data), "sha256": digest, "mode": 0o644})
    return {"files": entries}


async def make_space(database: Database, name: str = "demo", *, stage: str = "BUILDING") -> int:
    async with database.session() as db:
        user = (await db.execute(select(User).where(User.username == "alice"))).scalar_one_or_none()
        if user is None:
            user = User(username="alice", email="alice@example.com")
            db.add(user)
            await db.flush()
        space = Space(name=name, owner_name="alice", owner_user_id=user.id, stage=stage)
        db.add(space)
        await db.flush()
        return space.id


async def push(
    database: Database,
    store: LocalObjectStore,
    space_id: int,
    files: dict[str, bytes] | None = None,
    *,
    metadata: dict[str, Any] | None = None,
    store_them: bool = True,
    queue: bool = True,
) -> tuple[int, int | None]:
    """A new revision of the Space (its latest) and, with `queue`, its queued build: (revision id, build id)."""
    manifest = await manifest_of(store, files or {"README.md": README, "app.py": APP}, store_them=store_them)
    async with database.session() as db:
        count = len((await db.execute(select(SpaceRevision.id).where(SpaceRevision.space_id == space_id))).all())
        revision = SpaceRevision(space_id=space_id, number=count + 1, manifest=manifest, manifest_digest=f"d{count + 1}",
                                 space_metadata=metadata or {"sdk": "podium", "app_file": "app.py", "title": "Demo"})
        db.add(revision)
        await db.flush()
        build_id = None
        if queue:
            build = Build(space_id=space_id, revision_id=revision.id, status="queued")
            db.add(build)
            await db.flush()
            build_id = build.id
        await db.execute(update(Space).where(Space.id == space_id).values(latest_revision_id=revision.id))
        return revision.id, build_id


async def build_of(database: Database, build_id: int) -> Build:
    async with database.session() as db:
        build = await db.get(Build, build_id)
        assert build is not None
        return build


async def log_of(database: Database, build_id: int) -> list[str]:
    async with database.session() as db:
        rows = await db.execute(select(BuildLogLine.line).where(BuildLogLine.build_id == build_id).order_by(BuildLogLine.id))
        return [str(line) for line in rows.scalars()]


async def space_of(database: Database, space_id: int) -> Space:
    async with database.session() as db:
        space = await db.get(Space, space_id)
        assert space is not None
        return space


def worker(database: Database, store: LocalObjectStore, builder: FakeBuilder, **options: Any) -> BuildWorker:
    options.setdefault("worker_id", "w1")
    return BuildWorker(database, store, builder, base_image=BASE_IMAGE, namespace=NAMESPACE, **options)


# --- success ------------------------------------------------------------------------------------------------


async def test_a_build_succeeds_with_its_tag_logs_and_stage(database: Database, store: LocalObjectStore) -> None:
    space_id = await make_space(database)
    revision_id, build_id = await push(database, store, space_id, {"README.md": README, "app.py": APP,
                                                                    "requirements.txt": REQUIREMENTS})
    assert build_id is not None
    builder = FakeBuilder()
    assert await worker(database, store, builder).run_once()

    tag = f"localhost/podium-spaces/{NAMESPACE}/alice--demo:r1-b{build_id}"
    assert image_tag("alice", "demo", 1, build_id, NAMESPACE) == tag
    (call,) = builder.calls
    assert call["tag"] == tag and call["ca_bundle_path"] is None
    assert call["thread"] is not threading.main_thread()  # the blocking build runs in a worker thread
    build = await build_of(database, build_id)
    assert (build.status, build.image, build.error, build.attempts) == ("succeeded", tag, "", 1)
    assert build.finished_at is not None and build.log_key == f"logs/builds/{build_id}.log"

    lines = await log_of(database, build_id)
    assert lines[0] == f"==> Building revision 1 of alice/demo as {tag}"
    assert lines[1:4] == builder.lines
    assert lines[4].startswith(f"==> Built {tag} in ") and len(lines) == 5
    assert await store.get(build.log_key) == "".join(f"{line}\n" for line in lines).encode()

    space = await space_of(database, space_id)
    assert (space.stage, space.stage_message) == ("APP_STARTING", "Starting revision 1")

    files = builder.context_files()
    assert set(files) == {"README.md", "app.py", "requirements.txt", "Dockerfile"}
    assert files["app.py"] == APP and files["requirements.txt"] == REQUIREMENTS
    dockerfile = files["Dockerfile"].decode()
    assert f"\nFROM {BASE_IMAGE}\n" in dockerfile and 'CMD ["python", "app.py"]' in dockerfile
    assert "COPY requirements.txt /tmp/podium/requirements.txt" in dockerfile
    assert not await worker(database, store, builder).run_once()  # nothing else waits


async def test_a_docker_space_is_built_from_its_own_dockerfile(database: Database, store: LocalObjectStore) -> None:
    own = b"FROM python:3.12-slim\nCOPY app.py /srv/app.py\nCMD [\"python\", \"/srv/app.py\"]\n"
    space_id = await make_space(database)
    _, build_id = await push(database, store, space_id, {"Dockerfile": own, "app.py": APP},
                             metadata={"sdk": "docker", "app_port": 8000})
    builder = FakeBuilder()
    assert await worker(database, store, builder).run_once()
    assert builder.context_files() == {"Dockerfile": own, "app.py": APP}
    assert build_id is not None and (await build_of(database, build_id)).status == "succeeded"


async def test_the_ca_bundle_goes_to_the_builder_and_the_dockerfile(database: Database, store: LocalObjectStore) -> None:
    space_id = await make_space(database)
    await push(database, store, space_id)
    builder = FakeBuilder()
    assert await worker(database, store, builder, ca_bundle="/etc/ssl/corp.pem").run_once()
    assert builder.calls[0]["ca_bundle_path"] == "/etc/ssl/corp.pem"
    assert "COPY podium-ca.crt /etc/podium/ca.crt" in builder.context_files()["Dockerfile"].decode()


async def test_log_lines_reach_the_database_while_the_build_runs(
    database: Database, store: LocalObjectStore, sync_sql: Callable[..., list[Any]]
) -> None:
    space_id = await make_space(database)
    _, build_id = await push(database, store, space_id)
    seen: list[str] = []

    def look() -> None:  # from the build thread, half a second after the last line (a flush every 0.25 s)
        seen.extend(row[0] for row in sync_sql("SELECT line FROM build_log_lines WHERE build_id = :b ORDER BY id",
                                               b=build_id))

    builder = FakeBuilder(lines=["one", "two"], pause_s=0.5, during=look)
    assert await worker(database, store, builder).run_once()
    assert seen[1:] == ["one", "two"]
    assert build_id is not None and (await log_of(database, build_id))[1:3] == ["one", "two"]


async def test_a_success_restarts_a_space_that_failed_to_build_before(database: Database, store: LocalObjectStore) -> None:
    space_id = await make_space(database, stage="BUILD_ERROR")
    await push(database, store, space_id)
    assert await worker(database, store, FakeBuilder()).run_once()
    assert (await space_of(database, space_id)).stage == "APP_STARTING"


# --- failure ------------------------------------------------------------------------------------------------


async def test_a_failed_build_without_a_serving_revision_is_a_build_error(
    database: Database, store: LocalObjectStore
) -> None:
    space_id = await make_space(database)
    _, build_id = await push(database, store, space_id)
    assert build_id is not None
    error = "The command 'pip install -r requirements.txt' returned a non-zero code: 1"
    builder = FakeBuilder(lines=["Step 1/2", "ERROR: No matching distribution found for nump"], error=error)
    assert await worker(database, store, builder).run_once()
    build = await build_of(database, build_id)
    assert (build.status, build.error, build.image) == ("failed", error, None)
    assert build.log_key == f"logs/builds/{build_id}.log"
    lines = await log_of(database, build_id)
    assert lines[1:3] == builder.lines and lines[3].startswith("==> Build failed after ")
    assert lines[3].endswith(f" s: {error}")
    space = await space_of(database, space_id)
    assert (space.stage, space.stage_message) == ("BUILD_ERROR", error)


async def test_a_failed_build_keeps_the_older_revision_serving(database: Database, store: LocalObjectStore) -> None:
    space_id = await make_space(database)
    first, _ = await push(database, store, space_id, queue=False)
    await push(database, store, space_id)
    async with database.session() as db:
        await db.execute(update(Space).where(Space.id == space_id)
                         .values(serving_revision_id=first, stage="RUNNING_BUILDING"))
    assert await worker(database, store, FakeBuilder(error="pip failed")).run_once()
    space = await space_of(database, space_id)
    assert (space.stage, space.stage_message) == ("RUNNING", "Revision 2 failed to build (pip failed); revision 1 still serves")
    assert space.serving_revision_id == first


async def test_an_outdated_build_does_not_change_the_stage(
    database: Database, store: LocalObjectStore, sync_sql: Callable[..., list[Any]]
) -> None:
    space_id = await make_space(database)
    _, first_build = await push(database, store, space_id)
    _, second_build = await push(database, store, space_id)  # a newer push while the first waits to be built
    builder = FakeBuilder()
    assert await worker(database, store, builder).run_once()
    assert first_build is not None and (await build_of(database, first_build)).status == "succeeded"
    assert (await space_of(database, space_id)).stage == "BUILDING"  # the newer build decides

    def newer_push() -> None:  # a push arrives while revision 2 builds
        sync_sql("INSERT INTO space_revisions (space_id, number, manifest, manifest_digest, space_metadata, message,"
                 " created_at) VALUES (:s, 3, '{\"files\": []}', 'd3', '{}', '', now())", s=space_id)
        sync_sql("UPDATE spaces SET latest_revision_id = (SELECT max(id) FROM space_revisions) WHERE id = :s", s=space_id)

    failing = FakeBuilder(error="boom", during=newer_push)
    assert await worker(database, store, failing).run_once()
    assert second_build is not None and (await build_of(database, second_build)).status == "failed"
    space = await space_of(database, space_id)
    assert (space.stage, space.stage_message) == ("BUILDING", "")


async def test_a_job_claimed_too_often_fails_with_the_reason(database: Database, store: LocalObjectStore) -> None:
    space_id = await make_space(database)
    _, build_id = await push(database, store, space_id)
    async with database.session() as db:  # claimed MAX_ATTEMPTS times by builders that died
        await db.execute(update(Build).where(Build.id == build_id).values(
            status="running", attempts=MAX_ATTEMPTS, claimed_by="dead",
            heartbeat_at=text("now() - interval '10 minutes'")))
    builder = FakeBuilder()
    assert await worker(database, store, builder, stale_after=timedelta(seconds=60)).run_once()
    assert builder.calls == []
    assert build_id is not None
    build = await build_of(database, build_id)
    reason = ("The builder stopped 3 times while building this revision (out of memory, or the machine restarted?); "
              "push again to retry")
    assert (build.status, build.error, build.attempts, build.claimed_by) == ("failed", reason, 4, "w1")
    assert (await log_of(database, build_id))[-1] == reason
    assert (await space_of(database, space_id)).stage_message == reason


async def test_the_last_allowed_attempt_still_builds(database: Database, store: LocalObjectStore) -> None:
    space_id = await make_space(database)
    _, build_id = await push(database, store, space_id)
    async with database.session() as db:
        await db.execute(update(Build).where(Build.id == build_id).values(
            status="running", attempts=MAX_ATTEMPTS - 1, claimed_by="dead",
            heartbeat_at=text("now() - interval '10 minutes'")))
    assert await worker(database, store, FakeBuilder()).run_once()
    assert build_id is not None
    assert (await build_of(database, build_id)).status == "succeeded"
    assert (await log_of(database, build_id))[0].endswith(f" (attempt {MAX_ATTEMPTS})")


@pytest.mark.parametrize("outcome", ["success", "failure"])
async def test_a_job_taken_over_by_another_worker_has_its_result_dropped(
    database: Database, store: LocalObjectStore, sync_sql: Callable[..., list[Any]], outcome: str
) -> None:
    space_id = await make_space(database)
    _, build_id = await push(database, store, space_id)

    def taken_over() -> None:  # this worker's heartbeat was late: another one claimed the job
        sync_sql("UPDATE builds SET claimed_by = 'w2', attempts = attempts + 1 WHERE id = :b", b=build_id)

    builder = FakeBuilder(during=taken_over, error=None if outcome == "success" else "boom")
    assert await worker(database, store, builder, heartbeat_s=0.0).run_once()
    assert build_id is not None
    build = await build_of(database, build_id)
    assert (build.status, build.claimed_by, build.image, build.error, build.log_key) == ("running", "w2", None, "", None)
    assert (await space_of(database, space_id)).stage == "BUILDING"
    assert not await store.exists(f"logs/builds/{build_id}.log")  # the log belongs to the worker holding the job


async def test_a_missing_file_fails_the_build_and_the_worker_goes_on(
    database: Database, store: LocalObjectStore
) -> None:
    broken = await make_space(database, "broken")
    _, broken_build = await push(database, store, broken, {"README.md": README, "app.py": b"never uploaded\n"},
                                 store_them=False)
    fine = await make_space(database, "fine")
    _, fine_build = await push(database, store, fine)
    assert broken_build is not None and fine_build is not None
    builder = FakeBuilder()
    stop = asyncio.Event()
    running = asyncio.create_task(worker(database, store, builder, poll_s=0.05).run(stop))
    try:
        for _ in range(500):
            if (await build_of(database, fine_build)).status == "succeeded":
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)

    build = await build_of(database, broken_build)
    assert build.status == "failed"
    assert build.error.startswith("Could not read the revision's files: ") and "app.py" in build.error
    assert "push the Space again" in build.error
    assert (await log_of(database, broken_build))[-1] == f"==> {build.error}"
    space = await space_of(database, broken)
    assert (space.stage, space.stage_message) == ("BUILD_ERROR", build.error)
    assert [call["tag"] for call in builder.calls] == [image_tag("alice", "fine", 1, fine_build, NAMESPACE)]
    assert (await space_of(database, fine)).stage == "APP_STARTING"


async def test_run_stops_on_the_stop_event(database: Database, store: LocalObjectStore) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(worker(database, store, FakeBuilder(), poll_s=60).run(stop))
    await asyncio.sleep(0.2)
    assert not running.done()
    stop.set()
    await asyncio.wait_for(running, 2)  # no waiting out the poll interval


async def test_run_finishes_the_build_under_way_before_stopping(database: Database, store: LocalObjectStore) -> None:
    space_id = await make_space(database)
    _, build_id = await push(database, store, space_id)
    stop = asyncio.Event()
    builder = FakeBuilder(lines=["slow"], during=lambda: time.sleep(0.3))
    running = asyncio.create_task(worker(database, store, builder, poll_s=0.05).run(stop))
    for _ in range(200):
        if builder.calls:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert build_id is not None and (await build_of(database, build_id)).status == "succeeded"
