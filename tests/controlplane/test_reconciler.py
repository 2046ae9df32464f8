"""The reconciler's decisions, pass by pass, on the real test Postgres: start, health, restart on a change, crash
and back-off, startup timeout, engine failures, adoption after a restart, and the advisory lock that keeps one
reconciler active. Sleep, pause, delete and GPU placement: test_reconciler_lifecycle.py.

The container engine is an in-memory `FakeRuntime` (it records every call; tests choose when a replica answers
HTTP and when it exits) and time is a `Clock` the tests advance (reconciler_support.py): back-offs of minutes
are decided without waiting. Real containers under real Podman are covered by tests/controlplane/test_spaces_e2e.py.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from reconciler_support import (
    Clock,
    Env,
    FakeRuntime,
    add_revision,
    events_of,
    make_space,
    no_swallowed_errors,
    run_until_running,
    runtime_of,
    space_of,
    stage_of,
    update_space,
)
from sqlalchemy import delete, select

from podium_cp.db import Database
from podium_cp.models.spaces import Build, Space, SpaceRuntime, SpaceSecret, SpaceVariable
from podium_cp.settings import Settings
from podium_cp.spaces.reconciler import HEALTHY_RESET_S, LABEL_CONFIG, Reconciler, backoff_s
from podium_cp.spaces.service import seal_space_secret

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _no_swallowed_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with no_swallowed_errors(caplog):
        yield


@pytest.fixture
def env(database: Database, settings: Settings) -> Env:
    return Env(database, FakeRuntime(), Clock(), settings)


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
    # The deep-link token and API: test_reconciler_deep_links.py.
    assert {k: v for k, v in spec.env.items() if not k.startswith("PODIUM_DEEP_LINK_")} == {
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
    }
    assert spec.secret_env == {"TOKEN": "s3cret"}  # apart from the variables (a Secret on a cluster)
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
    # A secret wins over a variable of its name (which then leaves `env`); a built-in one wins over both.
    assert spec.secret_env == {"SHARED": "from a secret"} and "SHARED" not in spec.env


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
