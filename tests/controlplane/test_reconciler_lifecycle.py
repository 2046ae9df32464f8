"""The reconciler's decisions about a Space's life after it runs, on the real test Postgres: sleep after
`sleep_time` and wake on a request, pause, delete, replicas of unknown Spaces, GPU placement and org quotas.

Same in-memory engine and test clock as test_reconciler.py (reconciler_support.py): sleep times of hours are
decided without waiting. Real containers under real Podman are covered by tests/controlplane/test_spaces_e2e.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from reconciler_support import (
    T4,
    Clock,
    Env,
    FakeRuntime,
    make_space,
    no_swallowed_errors,
    run_until_running,
    runtime_of,
    set_quota,
    space_of,
    stage_of,
    update_space,
    wake,
)

from podium_cp.db import Database
from podium_cp.runtime.inventory import Gpu
from podium_cp.settings import Settings
from podium_cp.spaces.reconciler import LABEL_CONFIG

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _no_swallowed_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with no_swallowed_errors(caplog):
        yield


@pytest.fixture
def env(database: Database, settings: Settings) -> Env:
    return Env(database, FakeRuntime(), Clock(), settings)


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


async def test_a_gpu_space_waits_for_quota_then_for_a_gpu_then_starts(env: Env) -> None:
    space_id = await make_space(env.database, "vision", owner="acme", org=True, hardware="t4-small")
    reconciler = env.reconciler()
    await reconciler.pass_once()
    stage, message = await stage_of(env.database, space_id)
    assert stage == "WAITING_FOR_HARDWARE" and env.runtime.starts() == []
    assert "'t4-small'" in message and "max_gpus" in message and "0 GPU(s)" in message

    await set_quota(env.database, "acme", 1)
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
    await set_quota(env.database, "acme", 2)
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
    await set_quota(env.database, "acme", 2)
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
    await set_quota(env.database, "acme", 1)
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

