"""The reconciler's decisions, pass by pass, on the real test Postgres: start, health, restart on a change, crash
and back-off, startup timeout, sleep and wake, pause, delete, GPU placement and quotas, adoption after a restart,
engine failures, and the advisory lock that keeps one reconciler active.

The container engine is an in-memory `FakeRuntime` (it records every call; tests choose when a replica answers
HTTP and when it exits) and time is a `Clock` the tests advance: back-offs of minutes and sleep times of hours
are decided without waiting. Real containers under real Podman are covered by tests/controlplane/test_spaces_e2e.py.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import anyio
import pytest
from sqlalchemy import delete, select, update

from podium_cp.db import Database
from podium_cp.db.base import utcnow
from podium_cp.models import Org, User
from podium_cp.models.spaces import (
    Build,
    OrgQuota,
    Space,
    SpaceRevision,
    SpaceRuntime,
    SpaceSecret,
    SpaceStageEvent,
    SpaceVariable,
)
from podium_cp.runtime.base import ContainerEngineError, ContainerSpec, Replica, RuntimeHandle, RuntimeStatus
from podium_cp.runtime.inventory import Gpu
from podium_cp.settings import Settings
from podium_cp.spaces.reconciler import HEALTHY_RESET_S, LABEL_CONFIG, Reconciler, backoff_s
from podium_cp.spaces.service import seal_space_secret

pytestmark = pytest.mark.anyio

T4 = Gpu(index="0", name="Tesla T4", memory_mb=15360)


@pytest.fixture(autouse=True)
def _no_swallowed_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """`pass_once` logs and swallows unexpected exceptions (one Space must not stop the others): fail on them."""
    with caplog.at_level(logging.INFO, logger="podium.reconciler"):
        yield
    errors = [r for r in caplog.records if r.name == "podium.reconciler" and r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


# --- the fakes ----------------------------------------------------------------------------------------------


class Clock:
    """The reconciler's `clock=`: starts now, moves only when a test advances it."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeReplica:
    spec: ContainerSpec
    handle: RuntimeHandle
    state: str = "running"  # the engine's word, as `Runtime.replicas` reports it
    healthy: bool = False
    exit_code: int | None = None
    lines: list[str] = field(default_factory=list)


class FakeRuntime:
    """An in-memory `Runtime`: one replica per Space (a start replaces the Space's old one, as the Docker runtime
    does), every call recorded in `calls`. New replicas answer HTTP at once unless `healthy_on_start` is False;
    `fail_start` makes `start` raise ContainerEngineError with that message; `start_delay_s` makes it take that long
    (a real engine takes a second or so: room for the reconciler's other work to interleave)."""

    def __init__(self) -> None:
        self.live: dict[str, FakeReplica] = {}
        self.calls: list[tuple[str, Any]] = []
        self.healthy_on_start = True
        self.fail_start: str | None = None
        self.start_delay_s = 0.0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # the Runtime protocol

    def start(self, spec: ContainerSpec) -> RuntimeHandle:
        time.sleep(self.start_delay_s)
        with self._lock:
            self.calls.append(("start", spec))
            if self.fail_start is not None:
                raise ContainerEngineError(self.fail_start)
            for cid in [c for c, r in self.live.items() if r.spec.space_id == spec.space_id]:
                del self.live[cid]
            n = next(self._ids)
            handle = RuntimeHandle(container_id=f"c{n:04d}", url=f"http://127.0.0.1:{20000 + n}")
            self.live[handle.container_id] = FakeReplica(spec, handle, healthy=self.healthy_on_start)
            return handle

    def stop(self, handle: RuntimeHandle) -> None:
        with self._lock:
            self.calls.append(("stop", handle.container_id))
            replica = self.live.get(handle.container_id)
            if replica is not None:
                replica.state, replica.exit_code = "exited", 143

    def status(self, handle: RuntimeHandle) -> RuntimeStatus:
        with self._lock:
            self.calls.append(("status", handle.container_id))
            replica = self.live.get(handle.container_id)
            if replica is None:
                return RuntimeStatus(state="missing")
            if replica.state != "running":
                return RuntimeStatus(state="exited", exit_code=replica.exit_code, health="unhealthy")
            if replica.healthy:
                return RuntimeStatus(state="running", health="healthy")
            return RuntimeStatus(state="starting", health="unhealthy")

    def logs(self, handle: RuntimeHandle, tail: int = 200) -> list[str]:
        with self._lock:
            self.calls.append(("logs", handle.container_id))
            replica = self.live.get(handle.container_id)
            return list(replica.lines[-tail:]) if replica is not None else []

    def remove(self, handle: RuntimeHandle) -> None:
        with self._lock:
            self.calls.append(("remove", handle.container_id))
            self.live.pop(handle.container_id, None)

    def replicas(self) -> list[Replica]:
        with self._lock:
            self.calls.append(("replicas", None))
            return [Replica(space_id=r.spec.space_id, handle=r.handle, labels=dict(r.spec.labels), state=r.state)
                    for r in self.live.values()]

    # what tests look at and control

    def starts(self) -> list[ContainerSpec]:
        return [spec for name, spec in self.calls if name == "start"]

    def removed(self) -> list[str]:
        return [cid for name, cid in self.calls if name == "remove"]

    def of(self, space_id: int) -> FakeReplica | None:
        return next((r for r in self.live.values() if r.spec.space_id == space_id), None)

    def add(self, space_id: int, labels: dict[str, str] | None = None) -> RuntimeHandle:
        """A replica found in the engine that this runtime did not start (another Space's, or a leftover)."""
        spec = ContainerSpec(space_id=space_id, name=f"x/{space_id}", image="leftover", labels=labels or {})
        handle = RuntimeHandle(container_id=f"left{space_id}", url="http://127.0.0.1:1")
        self.live[handle.container_id] = FakeReplica(spec, handle, healthy=True)
        return handle

    def crash(self, space_id: int, code: int, lines: list[str]) -> None:
        replica = self.of(space_id)
        assert replica is not None
        replica.state, replica.exit_code, replica.lines = "exited", code, lines


# --- the database's side ------------------------------------------------------------------------------------


async def _owner(db: Any, owner: str, org: bool) -> tuple[int | None, int | None]:
    if org:
        found = (await db.execute(select(Org).where(Org.name == owner))).scalar_one_or_none()
        if found is None:
            found = Org(name=owner)
            db.add(found)
            await db.flush()
        return found.id, None
    user = (await db.execute(select(User).where(User.username == owner))).scalar_one_or_none()
    if user is None:
        user = User(username=owner, email=f"{owner}@example.com")
        db.add(user)
        await db.flush()
    return None, user.id


async def make_space(
    database: Database,
    name: str = "demo",
    *,
    owner: str = "alice",
    org: bool = False,
    hardware: str = "cpu-basic",
    title: str = "",
    sleep_time: int = 172800,
    built: bool = True,
    metadata: dict[str, Any] | None = None,
) -> int:
    """A Space with revision 1; with `built` its build succeeded (stage APP_STARTING, as the builder leaves it),
    without, it is still BUILDING."""
    async with database.session() as db:
        org_id, user_id = await _owner(db, owner, org)
        space = Space(name=name, owner_name=owner, owner_org_id=org_id, owner_user_id=user_id, title=title,
                      hardware=hardware, sleep_time=sleep_time, stage="APP_STARTING" if built else "BUILDING")
        db.add(space)
        await db.flush()
        space_id = space.id
    await add_revision(database, space_id, metadata=metadata, built=built)
    return space_id


async def add_revision(
    database: Database, space_id: int, *, metadata: dict[str, Any] | None = None, built: bool = True
) -> int:
    """Push a new revision of the Space; with `built`, its build succeeded and the Space is APP_STARTING."""
    async with database.session() as db:
        space = await db.get(Space, space_id)
        assert space is not None
        number = 1 + len((await db.execute(select(SpaceRevision.id).where(SpaceRevision.space_id == space_id))).all())
        revision = SpaceRevision(space_id=space_id, number=number, manifest={"files": []}, manifest_digest=f"d{number}",
                                 space_metadata=metadata or {"sdk": "podium", "app_file": "app.py"})
        db.add(revision)
        await db.flush()
        build = Build(space_id=space_id, revision_id=revision.id, status="succeeded" if built else "running")
        db.add(build)
        await db.flush()
        if built:
            build.image = f"localhost/podium-spaces/podium/{space.owner_name}--{space.name}:r{number}-b{build.id}"
            if space.stage in ("RUNNING", "RUNNING_BUILDING", "BUILDING", "BUILD_ERROR"):
                space.stage, space.stage_message = "APP_STARTING", ""
        space.latest_revision_id = revision.id
        return revision.id


async def space_of(database: Database, space_id: int) -> Space | None:
    async with database.session() as db:
        return await db.get(Space, space_id)


async def runtime_of(database: Database, space_id: int) -> SpaceRuntime | None:
    async with database.session() as db:
        return await db.get(SpaceRuntime, space_id)


async def stage_of(database: Database, space_id: int) -> tuple[str, str]:
    space = await space_of(database, space_id)
    assert space is not None
    return space.stage, space.stage_message


async def events_of(database: Database, space_id: int) -> list[tuple[str, str]]:
    async with database.session() as db:
        rows = await db.execute(select(SpaceStageEvent.stage, SpaceStageEvent.message)
                                .where(SpaceStageEvent.space_id == space_id).order_by(SpaceStageEvent.id))
        return [(str(stage), str(message)) for stage, message in rows.all()]


async def update_space(database: Database, space_id: int, **values: Any) -> None:
    async with database.session() as db:
        await db.execute(update(Space).where(Space.id == space_id).values(**values))


async def wake(database: Database, space_id: int) -> None:
    """What the router does for a request to a sleeping Space (podium_cp/router/spaces.py `_WAKE`)."""
    async with database.session() as db:
        space = await db.get(Space, space_id)
        assert space is not None and space.stage == "SLEEPING"
        space.desired_state, space.stage, space.stage_message = "running", "APP_STARTING", "Woken by a request"
        db.add(SpaceStageEvent(space_id=space_id, stage="APP_STARTING", message="Woken by a request", at=utcnow()))


@dataclass
class Env:
    database: Database
    runtime: FakeRuntime
    clock: Clock
    settings: Settings

    def reconciler(self, **options: Any) -> Reconciler:
        options.setdefault("startup_timeout_s", 60.0)
        return Reconciler(self.database, self.runtime, self.settings, clock=self.clock, **options)


@pytest.fixture
def env(database: Database, settings: Settings) -> Env:
    return Env(database, FakeRuntime(), Clock(), settings)


async def run_until_running(env: Env, reconciler: Reconciler, space_id: int) -> None:
    for _ in range(3):
        await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"


# --- starting ----------------------------------------------------------------------------------------------


async def test_a_built_space_starts_then_runs_once_it_answers(env: Env) -> None:
    space_id = await make_space(env.database, title="Demo", hardware="cpu-upgrade")
    async with env.database.session() as db:
        db.add_all([SpaceVariable(space_id=space_id, name="GREETING", value="hi"),
                    SpaceVariable(space_id=space_id, name="MODE", value="fast")])
        key_id, nonce, ciphertext = seal_space_secret(env.settings, space_id, "TOKEN", b"s3cret")
        db.add(SpaceSecret(space_id=space_id, name="TOKEN", key_id=key_id, nonce=nonce, ciphertext=ciphertext))
    env.runtime.healthy_on_start = False
    reconciler = env.reconciler()

    await reconciler.pass_once()
    (spec,) = env.runtime.starts()
    async with env.database.session() as db:
        build = (await db.execute(select(Build))).scalar_one()
    assert spec.image == build.image and spec.space_id == space_id and spec.name == "alice/demo"
    assert spec.cpu == min(8.0, float(os.cpu_count() or 1))  # cpu-upgrade: 8 cores, capped to this host's
    assert (spec.memory_mb, spec.gpu_count, spec.gpu_device_ids, spec.port) == (32768, 0, (), 7860)
    assert spec.env == {
        "SPACE_ID": "alice/demo",
        "SPACE_AUTHOR_NAME": "alice",
        "SPACE_REPO_NAME": "demo",
        "SPACE_TITLE": "Demo",
        "SPACE_HOST": "demo--alice.spaces.localhost:8080",
        "SPACE_URL": "http://demo--alice.spaces.localhost:8080",
        "SPACE_HARDWARE": "cpu-upgrade",
        "SPACE_REVISION": "1",
        "SYSTEM": "spaces",
        "PODIUM_SPACE": "1",
        "GREETING": "hi",
        "MODE": "fast",
        "TOKEN": "s3cret",
    }
    assert spec.labels[LABEL_CONFIG]
    assert await stage_of(env.database, space_id) == ("APP_STARTING", "Starting revision 1")
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and runtime.status == "starting" and runtime.image == spec.image
    handle = env.runtime.of(space_id)
    assert handle is not None and runtime.container_id == handle.handle.container_id
    assert runtime.url == handle.handle.url and runtime.started_at == env.clock.now

    env.clock.advance(5)
    await reconciler.pass_once()  # not answering yet: still starting, not started again
    assert len(env.runtime.starts()) == 1
    assert (await stage_of(env.database, space_id))[0] == "APP_STARTING"
    space = await space_of(env.database, space_id)
    assert space is not None and space.serving_revision_id is None

    handle.healthy = True
    await reconciler.pass_once()
    space = await space_of(env.database, space_id)
    assert space is not None and (space.stage, space.stage_message) == ("RUNNING", "")
    assert space.serving_revision_id == space.latest_revision_id and space.last_activity_at == env.clock.now
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and runtime.status == "running" and runtime.restarts == 0
    assert await events_of(env.database, space_id) == [("APP_STARTING", "Starting revision 1"), ("RUNNING", "")]
    assert len(env.runtime.starts()) == 1


async def test_built_in_variables_win_over_the_spaces_own(env: Env) -> None:
    """docs/design/spaces.md: variables, then secrets, override nothing built in."""
    space_id = await make_space(env.database)
    async with env.database.session() as db:
        db.add_all([SpaceVariable(space_id=space_id, name="SPACE_ID", value="evil/space"),
                    SpaceVariable(space_id=space_id, name="SHARED", value="from a variable")])
        for name, value in (("SYSTEM", b"hijacked"), ("SHARED", b"from a secret")):
            key_id, nonce, ciphertext = seal_space_secret(env.settings, space_id, name, value)
            db.add(SpaceSecret(space_id=space_id, name=name, key_id=key_id, nonce=nonce, ciphertext=ciphertext))
    await env.reconciler().pass_once()
    (spec,) = env.runtime.starts()
    assert spec.env["SPACE_ID"] == "alice/demo" and spec.env["SYSTEM"] == "spaces"
    assert spec.env["SHARED"] == "from a secret"


async def test_a_docker_space_is_served_on_its_app_port(env: Env) -> None:
    space_id = await make_space(env.database, metadata={"sdk": "docker", "app_port": 8000})
    await env.reconciler().pass_once()
    (spec,) = env.runtime.starts()
    assert spec.port == 8000 and spec.space_id == space_id


async def test_nothing_starts_without_a_succeeded_build(env: Env) -> None:
    space_id = await make_space(env.database, built=False)
    reconciler = env.reconciler()
    for _ in range(3):
        await reconciler.pass_once()
    assert env.runtime.starts() == []
    assert await stage_of(env.database, space_id) == ("BUILDING", "")
    assert await runtime_of(env.database, space_id) is None
    assert await events_of(env.database, space_id) == []


async def test_an_unchanged_space_is_left_alone_pass_after_pass(env: Env) -> None:
    space_id = await make_space(env.database)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    events = await events_of(env.database, space_id)
    for _ in range(10):
        env.clock.advance(30)
        await reconciler.pass_once()
    assert len(env.runtime.starts()) == 1 and env.runtime.removed() == []
    assert await events_of(env.database, space_id) == events


@pytest.mark.parametrize("change", ["variable", "secret", "restart", "new build", "hardware"])
async def test_a_change_restarts_the_replica(env: Env, change: str) -> None:
    space_id = await make_space(env.database)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    (first,) = env.runtime.starts()
    if change == "variable":
        async with env.database.session() as db:
            db.add(SpaceVariable(space_id=space_id, name="GREETING", value="hello"))
    elif change == "secret":
        async with env.database.session() as db:
            key_id, nonce, ciphertext = seal_space_secret(env.settings, space_id, "TOKEN", b"t")
            db.add(SpaceSecret(space_id=space_id, name="TOKEN", key_id=key_id, nonce=nonce, ciphertext=ciphertext))
    elif change == "restart":
        await update_space(env.database, space_id, restart_generation=Space.restart_generation + 1)
    elif change == "new build":
        await add_revision(env.database, space_id)
    else:
        await update_space(env.database, space_id, hardware="cpu-upgrade")

    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2
    second = env.runtime.starts()[1]
    assert second.labels[LABEL_CONFIG] != first.labels[LABEL_CONFIG]
    assert len(env.runtime.live) == 1  # the new replica replaced the old one
    if change == "new build":
        assert second.env["SPACE_REVISION"] == "2" and second.image.endswith(":r2-b2")
        assert await stage_of(env.database, space_id) == ("APP_STARTING", "Starting revision 2")
    await reconciler.pass_once()
    space = await space_of(env.database, space_id)
    assert space is not None and space.stage == "RUNNING"
    if change == "new build":
        assert space.serving_revision_id == space.latest_revision_id
    for _ in range(3):
        await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2


async def test_a_new_build_while_an_older_revision_is_building_keeps_the_stage(env: Env) -> None:
    """RUNNING_BUILDING belongs to the push: the reconciler serves the newest built revision but leaves it."""
    space_id = await make_space(env.database)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    await update_space(env.database, space_id, stage="RUNNING_BUILDING", stage_message="")
    for _ in range(3):
        await reconciler.pass_once()
    assert await stage_of(env.database, space_id) == ("RUNNING_BUILDING", "")
    assert len(env.runtime.starts()) == 1


# --- crashes, back-off, timeouts -----------------------------------------------------------------------------


def test_backoff_doubles_up_to_five_minutes() -> None:
    assert [backoff_s(n) for n in (0, 1, 2, 3, 4, 8, 9, 50)] == [2, 2, 4, 8, 16, 256, 300, 300]


async def test_a_crash_is_a_runtime_error_restarted_after_the_backoff(env: Env) -> None:
    space_id = await make_space(env.database)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    old = env.runtime.of(space_id)
    assert old is not None
    env.runtime.crash(space_id, 3, ["booting", "", *[f"line {i}" for i in range(12)], "Traceback: boom"])

    await reconciler.pass_once()
    stage, message = await stage_of(env.database, space_id)
    assert stage == "RUNTIME_ERROR"
    assert message.startswith("The app exited with code 3; restarting in 2 s\n")
    assert message.splitlines()[1:] == [*[f"line {i}" for i in range(5, 12)], "Traceback: boom"]  # the last 8
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and (runtime.status, runtime.restarts, runtime.url) == ("failed", 1, None)
    assert runtime.last_error == "exited with code 3"
    assert len(env.runtime.starts()) == 1

    env.clock.advance(1)
    await reconciler.pass_once()  # within the back-off: not restarted, nothing recorded again
    assert len(env.runtime.starts()) == 1
    assert (await events_of(env.database, space_id)).count(("RUNTIME_ERROR", message)) == 1

    env.clock.advance(1.5)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2
    assert await stage_of(env.database, space_id) == ("APP_STARTING", "Starting revision 1")
    new = env.runtime.of(space_id)
    assert new is not None and new.handle != old.handle

    # It crashes again at once: the second back-off is 4 s.
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"
    env.runtime.crash(space_id, 1, ["again"])
    await reconciler.pass_once()
    assert await stage_of(env.database, space_id) == (
        "RUNTIME_ERROR", "The app exited with code 1; restarting in 4 s\nagain")
    env.clock.advance(3)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2
    env.clock.advance(1.5)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 3
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and runtime.restarts == 2

    # Running long enough resets the back-off.
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"
    env.clock.advance(HEALTHY_RESET_S + 1)
    await reconciler.pass_once()
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and runtime.restarts == 0
    env.runtime.crash(space_id, 2, [])
    await reconciler.pass_once()
    assert await stage_of(env.database, space_id) == ("RUNTIME_ERROR", "The app exited with code 2; restarting in 2 s")


async def test_a_replica_that_never_answers_times_out(env: Env) -> None:
    space_id = await make_space(env.database)
    env.runtime.healthy_on_start = False
    reconciler = env.reconciler(startup_timeout_s=30)
    await reconciler.pass_once()
    replica = env.runtime.of(space_id)
    assert replica is not None
    replica.lines = ["Running on 127.0.0.1:7860"]
    env.clock.advance(30)
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "APP_STARTING" and env.runtime.removed() == []

    env.clock.advance(1)
    await reconciler.pass_once()
    assert env.runtime.removed() == [replica.handle.container_id] and env.runtime.live == {}
    assert await stage_of(env.database, space_id) == (
        "RUNTIME_ERROR",
        "The app did not answer HTTP on port 7860 within 30 s (it must listen on 0.0.0.0)\nRunning on 127.0.0.1:7860",
    )
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and (runtime.status, runtime.restarts) == ("failed", 1)
    assert runtime.last_error == "did not answer HTTP on port 7860 within 30 s"

    env.clock.advance(1)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 1  # back-off
    env.clock.advance(1.5)
    env.runtime.healthy_on_start = True
    await reconciler.pass_once()
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2 and (await stage_of(env.database, space_id))[0] == "RUNNING"


async def test_an_engine_that_cannot_start_the_replica(env: Env) -> None:
    space_id = await make_space(env.database)
    env.runtime.fail_start = "could not start podium-space-1 from localhost/x: no such image"
    reconciler = env.reconciler()
    await reconciler.pass_once()
    assert await stage_of(env.database, space_id) == (
        "RUNTIME_ERROR", "Could not start the container: could not start podium-space-1 from localhost/x: no such image")
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and (runtime.status, runtime.restarts, runtime.container_id) == ("failed", 1, None)
    assert "no such image" in runtime.last_error

    env.clock.advance(1)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 1  # back-off: 2 s
    env.clock.advance(1.5)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and runtime.restarts == 2
    env.clock.advance(3)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2  # back-off: 4 s
    env.runtime.fail_start = None
    env.clock.advance(1.5)
    await reconciler.pass_once()
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 3 and (await stage_of(env.database, space_id))[0] == "RUNNING"


# --- sleep, pause, delete ----------------------------------------------------------------------------------


async def test_an_idle_space_sleeps_and_a_request_wakes_it(env: Env) -> None:
    space_id = await make_space(env.database, sleep_time=3600)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    replica = env.runtime.of(space_id)
    assert replica is not None

    env.clock.advance(1800)
    await update_space(env.database, space_id, last_activity_at=env.clock.now)  # a request (the router)
    env.clock.advance(3599)
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING" and env.runtime.removed() == []

    env.clock.advance(2)
    await reconciler.pass_once()
    assert env.runtime.removed() == [replica.handle.container_id] and env.runtime.live == {}
    assert await stage_of(env.database, space_id) == ("SLEEPING", "Sleeping after 1 h without requests; a request wakes it")
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and (runtime.status, runtime.container_id, runtime.url) == ("stopped", None, None)
    for _ in range(3):
        env.clock.advance(600)
        await reconciler.pass_once()
    assert len(env.runtime.starts()) == 1 and (await stage_of(env.database, space_id))[0] == "SLEEPING"

    await wake(env.database, space_id)
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2
    assert await stage_of(env.database, space_id) == ("APP_STARTING", "Starting revision 1")
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"
    env.clock.advance(3599)  # the idle clock starts again when it runs
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"


async def test_sleep_time_minus_one_never_sleeps(env: Env) -> None:
    space_id = await make_space(env.database, sleep_time=-1)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    env.clock.advance(365 * 24 * 3600)
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING" and env.runtime.removed() == []


async def test_pause_removes_the_replica_and_keeps_the_stage(env: Env) -> None:
    space_id = await make_space(env.database)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    replica = env.runtime.of(space_id)
    assert replica is not None
    await update_space(env.database, space_id, desired_state="paused", stage="PAUSED", stage_message="Paused by alice")
    await reconciler.pass_once()
    assert env.runtime.removed() == [replica.handle.container_id] and env.runtime.live == {}
    assert await stage_of(env.database, space_id) == ("PAUSED", "Paused by alice")
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and (runtime.status, runtime.container_id) == ("stopped", None)
    for _ in range(3):
        await reconciler.pass_once()
    assert len(env.runtime.starts()) == 1 and len(env.runtime.removed()) == 1

    # Resume (the API sets desired running and APP_STARTING): started again.
    await update_space(env.database, space_id, desired_state="running", stage="APP_STARTING", stage_message="")
    await reconciler.pass_once()
    await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2 and (await stage_of(env.database, space_id))[0] == "RUNNING"


async def test_delete_removes_the_replica_then_the_space(env: Env) -> None:
    space_id = await make_space(env.database)
    other_id = await make_space(env.database, "other")
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    replica = env.runtime.of(space_id)
    assert replica is not None
    await update_space(env.database, space_id, desired_state="deleted", stage="DELETING")
    await reconciler.pass_once()
    assert env.runtime.removed() == [replica.handle.container_id]
    assert await space_of(env.database, space_id) is None
    assert await runtime_of(env.database, space_id) is None
    assert env.runtime.of(other_id) is not None and await space_of(env.database, other_id) is not None


async def test_replicas_of_unknown_spaces_are_removed(env: Env) -> None:
    space_id = await make_space(env.database)
    stray = env.runtime.add(space_id + 1000, {LABEL_CONFIG: "whatever"})
    await env.reconciler().pass_once()
    assert env.runtime.removed() == [stray.container_id]
    assert [r.spec.space_id for r in env.runtime.live.values()] == [space_id]


# --- hardware ----------------------------------------------------------------------------------------------


async def _set_quota(database: Database, org: str, max_gpus: int) -> None:
    async with database.session() as db:
        org_id = (await db.execute(select(Org.id).where(Org.name == org))).scalar_one()
        await db.execute(delete(OrgQuota).where(OrgQuota.org_id == org_id))
        db.add(OrgQuota(org_id=org_id, max_spaces=50, max_gpus=max_gpus))


async def test_a_gpu_space_waits_for_quota_then_for_a_gpu_then_starts(env: Env) -> None:
    space_id = await make_space(env.database, "vision", owner="acme", org=True, hardware="t4-small")
    reconciler = env.reconciler()
    await reconciler.pass_once()
    stage, message = await stage_of(env.database, space_id)
    assert stage == "WAITING_FOR_HARDWARE" and env.runtime.starts() == []
    assert "'t4-small'" in message and "max_gpus" in message and "0 GPU(s)" in message

    await _set_quota(env.database, "acme", 1)
    await reconciler.pass_once()  # a node without GPUs
    stage, message = await stage_of(env.database, space_id)
    assert stage == "WAITING_FOR_HARDWARE" and env.runtime.starts() == []
    assert message.startswith("Waiting for 1 T4 GPU(s) for hardware 't4-small': this node has no T4 GPU")

    on_gpu_node = env.reconciler(gpus=[T4])
    await on_gpu_node.pass_once()
    (spec,) = env.runtime.starts()
    assert (spec.gpu_count, spec.gpu_device_ids, spec.cpu) == (1, ("0",), min(4.0, float(os.cpu_count() or 1)))
    assert spec.memory_mb == 15360
    assert await stage_of(env.database, space_id) == ("APP_STARTING", "Starting revision 1")
    await on_gpu_node.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"


async def test_a_second_gpu_space_waits_while_the_first_holds_the_gpu(env: Env) -> None:
    first = await make_space(env.database, "one", owner="acme", org=True, hardware="t4-small")
    await _set_quota(env.database, "acme", 2)
    reconciler = env.reconciler(gpus=[T4])
    await run_until_running(env, reconciler, first)
    second = await make_space(env.database, "two", owner="acme", org=True, hardware="t4-medium")
    await reconciler.pass_once()
    stage, message = await stage_of(env.database, second)
    assert stage == "WAITING_FOR_HARDWARE"
    assert message.startswith("Waiting for 1 T4 GPU(s) for hardware 't4-medium': this node has 1 T4 GPU(s), 0 free")
    assert len(env.runtime.starts()) == 1

    await update_space(env.database, first, desired_state="paused", stage="PAUSED")
    await reconciler.pass_once()  # the first is removed in this pass; the second starts in the next
    await reconciler.pass_once()
    assert [s.space_id for s in env.runtime.starts()] == [first, second]
    assert env.runtime.starts()[1].gpu_device_ids == ("0",)


async def test_two_gpu_spaces_starting_in_one_pass_never_share_the_gpu(env: Env) -> None:
    ids = [await make_space(env.database, name, owner="acme", org=True, hardware="t4-small") for name in ("a", "b")]
    await _set_quota(env.database, "acme", 2)
    env.runtime.start_delay_s = 0.2
    reconciler = env.reconciler(gpus=[T4])
    for _ in range(4):
        await reconciler.pass_once()
    holders = [s.space_id for s in env.runtime.starts()]
    assert len(holders) == 1, holders
    (waiting,) = set(ids) - set(holders)
    assert (await stage_of(env.database, waiting))[0] == "WAITING_FOR_HARDWARE"
    assert (await stage_of(env.database, holders[0]))[0] == "RUNNING"


async def test_gpu_quota_holds_when_two_spaces_start_in_one_pass(env: Env) -> None:
    ids = [await make_space(env.database, name, owner="acme", org=True, hardware="t4-small") for name in ("a", "b")]
    await _set_quota(env.database, "acme", 1)
    env.runtime.start_delay_s = 0.2
    reconciler = env.reconciler(gpus=[T4, Gpu(index="1", name="Tesla T4", memory_mb=15360)])
    for _ in range(4):
        await reconciler.pass_once()
    assert len(env.runtime.starts()) == 1
    stages = sorted([(await stage_of(env.database, i))[0] for i in ids])
    assert stages == ["RUNNING", "WAITING_FOR_HARDWARE"]


async def test_a_personal_space_cannot_use_gpus(env: Env) -> None:
    space_id = await make_space(env.database, hardware="t4-small")
    await env.reconciler(gpus=[T4]).pass_once()
    stage, message = await stage_of(env.database, space_id)
    assert stage == "WAITING_FOR_HARDWARE" and "personal Spaces cannot use GPUs" in message
    assert env.runtime.starts() == []


# --- restarts of the reconciler ------------------------------------------------------------------------------


async def test_a_new_reconciler_adopts_the_running_replica(env: Env) -> None:
    space_id = await make_space(env.database)
    await run_until_running(env, env.reconciler(), space_id)
    replica = env.runtime.of(space_id)
    assert replica is not None
    restarted = env.reconciler()
    for _ in range(3):
        await restarted.pass_once()
    assert len(env.runtime.starts()) == 1 and env.runtime.removed() == []
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"


async def test_a_reconciler_killed_before_recording_its_start_adopts_the_replica(env: Env) -> None:
    """The replica was started but the runtime row never written (killed in between): its label matches, so the
    next reconciler records it instead of starting another."""
    space_id = await make_space(env.database)
    await env.reconciler().pass_once()
    replica = env.runtime.of(space_id)
    assert replica is not None
    async with env.database.session() as db:
        await db.execute(delete(SpaceRuntime))
    restarted = env.reconciler()
    await restarted.pass_once()
    await restarted.pass_once()
    assert len(env.runtime.starts()) == 1
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and runtime.status == "running"
    assert (runtime.container_id, runtime.url) == (replica.handle.container_id, replica.handle.url)
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"


async def test_a_replica_with_another_configuration_is_replaced(env: Env) -> None:
    space_id = await make_space(env.database)
    env.runtime.add(space_id, {LABEL_CONFIG: "an older configuration"})
    await env.reconciler().pass_once()
    assert len(env.runtime.starts()) == 1
    replica = env.runtime.of(space_id)
    assert replica is not None and replica.spec.image != "leftover"


# --- the loop -----------------------------------------------------------------------------------------------


async def _wait_for(condition: Any) -> None:
    for _ in range(1000):  # 10 s
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not come true within 10 s")


async def test_one_reconciler_works_while_another_stands_by(pg_url: str, settings: Settings) -> None:
    space_id = await make_space_on(pg_url)
    first_db, second_db = Database(pg_url, pool_size=2), Database(pg_url, pool_size=2)
    first_rt, second_rt = FakeRuntime(), FakeRuntime()
    first = Reconciler(first_db, first_rt, settings, interval_s=0.01)
    second = Reconciler(second_db, second_rt, settings, interval_s=0.01)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    try:
        running_first = asyncio.create_task(first.run(stop_first))
        await _wait_for(lambda: first_rt.of(space_id) is not None)
        running_second = asyncio.create_task(second.run(stop_second))
        passes = len([c for c in first_rt.calls if c[0] == "replicas"])
        await _wait_for(lambda: len([c for c in first_rt.calls if c[0] == "replicas"]) > passes + 5)
        assert second_rt.calls == []  # standing by: no pass at all
        assert not running_second.done()

        stop_second.set()
        stop_first.set()
        with anyio.fail_after(5):
            await running_first
            await running_second
    finally:
        stop_first.set()
        stop_second.set()
        await first_db.dispose()
        await second_db.dispose()
    assert second_rt.calls == []


async def test_a_standby_takes_over_when_the_active_reconciler_stops(pg_url: str, settings: Settings) -> None:
    space_id = await make_space_on(pg_url)
    first_db, second_db = Database(pg_url, pool_size=2), Database(pg_url, pool_size=2)
    runtime = FakeRuntime()
    first = Reconciler(first_db, runtime, settings, interval_s=0.01)
    second = Reconciler(second_db, runtime, settings, interval_s=0.01, standby_poll_s=0.05)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    try:
        running_first = asyncio.create_task(first.run(stop_first))
        await _wait_for(lambda: runtime.of(space_id) is not None)
        running_second = asyncio.create_task(second.run(stop_second))
        await asyncio.sleep(0.2)
        stop_first.set()
        with anyio.fail_after(5):
            await running_first
        calls = len(runtime.calls)
        await _wait_for(lambda: len(runtime.calls) > calls + 3)  # the second one passes now
        stop_second.set()
        with anyio.fail_after(5):
            await running_second
    finally:
        stop_first.set()
        stop_second.set()
        await first_db.dispose()
        await second_db.dispose()
    assert len(runtime.starts()) == 1  # the second adopted the first one's replica


async def make_space_on(pg_url: str) -> int:
    database = Database(pg_url, pool_size=1)
    try:
        return await make_space(database)
    finally:
        await database.dispose()
