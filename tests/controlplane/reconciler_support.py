"""The in-memory container engine, the test clock and the database helpers of the reconciler's tests
(test_reconciler.py, test_reconciler_lifecycle.py)."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
    SpaceStageEvent,
)
from podium_cp.runtime.base import (
    ContainerEngineError,
    ContainerSpec,
    NodeCapacity,
    Replica,
    RuntimeHandle,
    RuntimeStatus,
)
from podium_cp.runtime.inventory import Gpu
from podium_cp.settings import Settings
from podium_cp.spaces.reconciler import Reconciler

T4 = Gpu(index="0", name="Tesla T4", memory_mb=15360)


@contextmanager
def no_swallowed_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
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
    waiting: str | None = None  # the scheduler's message while it cannot be placed (RuntimeStatus.waiting_for_hardware)


class FakeRuntime:
    """An in-memory `Runtime`: one replica per Space (a start replaces the Space's old one, as the Docker runtime
    does), every call recorded in `calls`. New replicas answer HTTP at once unless `healthy_on_start` is False;
    `fail_start` makes `start` raise ContainerEngineError with that message; `start_delay_s` makes it take that long
    (a real engine takes a second or so: room for the reconciler's other work to interleave). `name` and
    `places_gpus` play a Docker runtime by default (`cluster()`: a Kubernetes one); `nodes` is what `capacity()`
    reports (`fail_capacity`: it raises instead); `wait_for_hardware` makes a replica wait for a node."""

    def __init__(self) -> None:
        self.name = "docker"
        self.places_gpus = False
        self.nodes: list[NodeCapacity] = []
        self.fail_capacity: str | None = None
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
            if replica.waiting is not None:
                return RuntimeStatus(state="starting", message=replica.waiting, waiting_for_hardware=True)
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

    def capacity(self) -> list[NodeCapacity]:
        with self._lock:
            self.calls.append(("capacity", None))
            if self.fail_capacity is not None:
                raise ContainerEngineError(self.fail_capacity)
            return list(self.nodes)

    # what tests look at and control

    def cluster(self) -> FakeRuntime:
        """Play a cluster runtime: `kubernetes`, GPUs placed by its scheduler."""
        self.name, self.places_gpus = "kubernetes", True
        return self

    def wait_for_hardware(self, space_id: int, message: str | None) -> None:
        """The Space's replica waits for a node with `message` (None: it is placed)."""
        replica = self.of(space_id)
        assert replica is not None
        replica.waiting = message

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

async def run_until_running(env: Env, reconciler: Reconciler, space_id: int) -> None:
    for _ in range(3):
        await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "RUNNING"



async def set_quota(database: Database, org: str, max_gpus: int) -> None:
    async with database.session() as db:
        org_id = (await db.execute(select(Org.id).where(Org.name == org))).scalar_one()
        await db.execute(delete(OrgQuota).where(OrgQuota.org_id == org_id))
        db.add(OrgQuota(org_id=org_id, max_spaces=50, max_gpus=max_gpus))
