"""The reconciler on a runtime that places replicas itself (a Kubernetes cluster, played by `FakeRuntime.cluster()`):
the flavor, sdk and replicas in the spec, quota checked before anything is created, WAITING_FOR_HARDWARE while the
scheduler finds no node (without a start-up timeout), replicas restarting a Space, the capacity snapshot, the
namespace policy ensured once, and the settings a cluster needs. One machine's GPU placement:
test_reconciler_lifecycle.py.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from reconciler_support import (
    Clock,
    Env,
    FakeRuntime,
    events_of,
    make_space,
    no_swallowed_errors,
    run_until_running,
    runtime_of,
    set_quota,
    stage_of,
    update_space,
)
from sqlalchemy import select

from podium_cp.db import Database
from podium_cp.models.spaces import RuntimeCapacity, SpaceSecret, SpaceVariable
from podium_cp.runtime.base import NodeCapacity
from podium_cp.runtime.factory import runtime_from_settings
from podium_cp.settings import Settings, SettingsError
from podium_cp.spaces.reconciler import CAPACITY_EVERY_S, LABEL_CONFIG, Reconciler
from podium_cp.spaces.service import seal_space_secret

pytestmark = pytest.mark.anyio
API_URL = "http://podium-api.podium.svc:8700"
UNSCHEDULABLE = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."


@pytest.fixture(autouse=True)
def _no_swallowed_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with no_swallowed_errors(caplog):
        yield


@pytest.fixture
def env(database: Database, settings: Settings) -> Env:
    cluster = dataclasses.replace(settings, runtime="kubernetes", spaces_api_url=API_URL)
    return Env(database, FakeRuntime().cluster(), Clock(), cluster)


async def test_a_gpu_space_is_placed_by_the_cluster_with_its_flavor_and_sdk(env: Env) -> None:
    space_id = await make_space(env.database, owner="acme", org=True, hardware="a10g-small",
                                metadata={"sdk": "gradio", "app_file": "app.py"})
    await set_quota(env.database, "acme", 1)
    reconciler = env.reconciler()  # no GPUs of its own: on one machine this Space would wait
    await run_until_running(env, reconciler, space_id)
    (spec,) = env.runtime.starts()
    assert (spec.hardware, spec.gpu_type, spec.gpu_count, spec.gpu_device_ids) == ("a10g-small", "A10G", 1, ())
    assert (spec.sdk, spec.replicas, spec.mounts) == ("gradio", 1, ())
    assert spec.env["PODIUM_DEEP_LINK_API"] == API_URL  # the API's in-cluster URL, no socket to mount
    runtime = await runtime_of(env.database, space_id)
    assert runtime is not None and runtime.backend == "kubernetes"


def events_of_waiting(events: list[tuple[str, str]]) -> int:
    return sum(stage == "WAITING_FOR_HARDWARE" for stage, _ in events)


async def test_cpu_cores_are_not_capped_to_this_machine_on_a_cluster(env: Env) -> None:
    await make_space(env.database, hardware="cpu-upgrade")
    await env.reconciler(startup_timeout_s=60.0).pass_once()
    (spec,) = env.runtime.starts()
    assert (spec.cpu, spec.gpu_type, spec.hardware) == (8.0, "", "cpu-upgrade")


async def test_the_quota_refuses_before_anything_is_created(env: Env) -> None:
    space_id = await make_space(env.database, owner="acme", org=True, hardware="t4-small")
    await set_quota(env.database, "acme", 0)
    reconciler = env.reconciler()
    for _ in range(3):
        await reconciler.pass_once()
    stage, message = await stage_of(env.database, space_id)
    assert stage == "WAITING_FOR_HARDWARE" and "max_gpus" in message
    assert env.runtime.starts() == [] and env.runtime.live == {}


async def test_replicas_times_gpus_count_against_the_quota(env: Env) -> None:
    space_id = await make_space(env.database, owner="acme", org=True, hardware="t4-small")
    await update_space(env.database, space_id, replicas=3)
    await set_quota(env.database, "acme", 2)
    reconciler = env.reconciler()
    await reconciler.pass_once()
    stage, message = await stage_of(env.database, space_id)
    assert stage == "WAITING_FOR_HARDWARE" and env.runtime.starts() == []
    assert "1 GPU x 3 replicas = 3 GPUs" in message and "run fewer replicas" in message
    await set_quota(env.database, "acme", 3)
    await reconciler.pass_once()
    (spec,) = env.runtime.starts()
    assert spec.replicas == 3 and spec.gpu_count == 1


async def test_waiting_for_a_node_shows_the_scheduler_and_never_times_out(env: Env) -> None:
    space_id = await make_space(env.database, owner="acme", org=True, hardware="t4-small")
    await set_quota(env.database, "acme", 2)
    env.runtime.healthy_on_start = False
    reconciler = env.reconciler(startup_timeout_s=60.0)
    await reconciler.pass_once()
    env.runtime.wait_for_hardware(space_id, UNSCHEDULABLE)
    for _ in range(10):  # far longer than the start-up timeout
        env.clock.advance(50)
        await reconciler.pass_once()
        assert await stage_of(env.database, space_id) == ("WAITING_FOR_HARDWARE",
                                                          f"Waiting for hardware: {UNSCHEDULABLE}")
    assert len(env.runtime.starts()) == 1 and env.runtime.removed() == []

    # Waiting for the same reason writes nothing on later passes; a new reason from the scheduler is shown.
    before = await runtime_of(env.database, space_id)
    env.clock.advance(50)
    await reconciler.pass_once()
    after = await runtime_of(env.database, space_id)
    assert before is not None and after is not None and after.updated_at == before.updated_at
    env.runtime.wait_for_hardware(space_id, "0/4 nodes are available: 4 Insufficient nvidia.com/gpu.")
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[1] == ("Waiting for hardware: 0/4 nodes are available: "
                                                           "4 Insufficient nvidia.com/gpu.")
    env.runtime.wait_for_hardware(space_id, UNSCHEDULABLE)
    await reconciler.pass_once()
    assert events_of_waiting(await events_of(env.database, space_id)) == 3

    # While its replica waits, it holds its GPU: a second GPU Space of the org gets the quota's rest only.
    other = await make_space(env.database, "other", owner="acme", org=True, hardware="t4-medium")
    await update_space(env.database, other, replicas=2)
    await reconciler.pass_once()
    stage, message = await stage_of(env.database, other)
    assert stage == "WAITING_FOR_HARDWARE" and "1 are in use" in message
    assert [s.space_id for s in env.runtime.starts()] == [space_id]

    env.runtime.wait_for_hardware(space_id, None)  # placed: the start-up timeout counts from here
    env.clock.advance(50)
    await reconciler.pass_once()
    assert await stage_of(env.database, space_id) == ("APP_STARTING", "Starting revision 1")
    env.clock.advance(50)  # 100 s since the replica was started, 50 s since it was placed
    await reconciler.pass_once()
    assert (await stage_of(env.database, space_id))[0] == "APP_STARTING" and env.runtime.removed() == []
    replica = env.runtime.of(space_id)
    assert replica is not None
    replica.healthy = True
    await reconciler.pass_once()
    assert await stage_of(env.database, space_id) == ("RUNNING", "")
    assert len(env.runtime.starts()) == 1


async def test_secrets_go_apart_from_the_variables(env: Env) -> None:
    space_id = await make_space(env.database)
    async with env.database.session() as db:
        db.add(SpaceVariable(space_id=space_id, name="MODE", value="fast"))
        for name, value in (("TOKEN", b"t0ken"), ("SPACE_ID", b"hijacked"), ("PODIUM_DEEP_LINK_API", b"http://evil")):
            key_id, nonce, ciphertext = seal_space_secret(env.settings, space_id, name, value)
            db.add(SpaceSecret(space_id=space_id, name=name, key_id=key_id, nonce=nonce, ciphertext=ciphertext))
    await env.reconciler().pass_once()
    (spec,) = env.runtime.starts()
    assert spec.secret_env == {"TOKEN": "t0ken"}  # built-in names are left out
    assert spec.env["MODE"] == "fast" and spec.env["SPACE_ID"] == "alice/demo"
    assert spec.env["PODIUM_DEEP_LINK_API"] == API_URL and not set(spec.env) & set(spec.secret_env)


async def test_new_replicas_restart_the_space(env: Env) -> None:
    space_id = await make_space(env.database)
    reconciler = env.reconciler()
    await run_until_running(env, reconciler, space_id)
    await update_space(env.database, space_id, replicas=4)
    await reconciler.pass_once()
    first, second = env.runtime.starts()
    assert (first.replicas, second.replicas) == (1, 4)
    assert first.labels[LABEL_CONFIG] != second.labels[LABEL_CONFIG]
    for _ in range(3):
        await reconciler.pass_once()
    assert len(env.runtime.starts()) == 2 and (await stage_of(env.database, space_id))[0] == "RUNNING"


async def _capacity_rows(database: Database) -> list[tuple[str, str, int, int, bool]]:
    async with database.session() as db:
        rows = (await db.execute(select(RuntimeCapacity).order_by(RuntimeCapacity.name))).scalars().all()
        return [(r.name, r.pool, r.gpus, r.gpus_free, r.schedulable) for r in rows]


async def test_the_capacity_is_stored_every_30_s_and_replaced(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    env.runtime.nodes = [
        NodeCapacity("gpu-1", "t4-pool", "Tesla-T4", 4, 3, 16.0, 12.0, 65536, 60000),
        NodeCapacity("cpu-1", "cpu-pool", "", 0, 0, 8.0, 6.5, 32768, 30000, schedulable=False),
    ]
    reconciler = env.reconciler()
    await reconciler.pass_once()
    assert await _capacity_rows(env.database) == [("cpu-1", "cpu-pool", 0, 0, False), ("gpu-1", "t4-pool", 4, 3, True)]

    env.runtime.nodes = [NodeCapacity("gpu-2", "t4-pool", "Tesla-T4", 2, 2, 8.0, 8.0, 32768, 32768)]
    env.clock.advance(CAPACITY_EVERY_S / 2)
    await reconciler.pass_once()  # too soon: not read again
    assert [c for c, _ in env.runtime.calls].count("capacity") == 1
    env.clock.advance(CAPACITY_EVERY_S)
    await reconciler.pass_once()
    assert await _capacity_rows(env.database) == [("gpu-2", "t4-pool", 2, 2, True)]

    # A runtime that cannot say is logged; the rows stay and Spaces still start.
    env.runtime.fail_capacity = "the cluster's API is unreachable"
    space_id = await make_space(env.database)
    env.clock.advance(CAPACITY_EVERY_S + 1)
    with caplog.at_level(logging.WARNING, logger="podium.reconciler"):
        await reconciler.pass_once()
    assert "the cluster's API is unreachable" in caplog.text
    assert await _capacity_rows(env.database) == [("gpu-2", "t4-pool", 2, 2, True)]
    assert [s.space_id for s in env.runtime.starts()] == [space_id]


class PolicyRuntime(FakeRuntime):
    """A cluster runtime with a namespace policy whose first `failures` attempts fail."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.cluster()
        self.failures = failures
        self.ensured = 0

    def ensure_namespace_policy(self) -> None:
        self.ensured += 1
        if self.ensured <= self.failures:
            raise RuntimeError("forbidden: networkpolicies")


async def test_the_namespace_policy_is_ensured_once(env: Env) -> None:
    runtime = PolicyRuntime(failures=1)
    reconciler = Reconciler(env.database, runtime, env.settings, clock=env.clock)
    space_id = await make_space(env.database)
    await reconciler.pass_once()  # the failure is logged; the Space starts all the same
    assert runtime.ensured == 1 and [s.space_id for s in runtime.starts()] == [space_id]
    for _ in range(3):
        await reconciler.pass_once()
    assert runtime.ensured == 2


async def test_a_cluster_needs_the_apis_url(env: Env) -> None:
    without = dataclasses.replace(env.settings, spaces_api_url="")
    with pytest.raises(SettingsError, match="PODIUM_SPACES_API_URL"):
        Reconciler(env.database, env.runtime, without)
    with pytest.raises(SettingsError, match="PODIUM_SPACES_API_URL"):
        runtime_from_settings(without)


async def test_the_factory_picks_the_kubernetes_backend(env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    runtime = runtime_from_settings(env.settings)
    assert (runtime.name, runtime.places_gpus) == ("kubernetes", True)
