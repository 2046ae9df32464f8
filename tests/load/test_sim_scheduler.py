"""load/sim_scheduler.py at small scale (60 Spaces on small pools, the real reconciler and Postgres) and the
simulated cluster's scheduler (load/sim_cluster.py) on its own. Accounting only: no wall-clock asserts."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest
from platform_fixtures import pg_cluster  # noqa: F401 (the session fixture)

LOAD = Path(__file__).resolve().parents[2] / "load"
if str(LOAD) not in sys.path:
    sys.path.insert(0, str(LOAD))

from helpers import migrated_database  # noqa: E402 (tests/controlplane, on sys.path via platform_fixtures)
from sim_cluster import Pool, SimulatedCluster  # noqa: E402
from sim_scheduler import parse_args, simulate  # noqa: E402

from podium_cp.runtime.base import ContainerEngineError, ContainerSpec, RuntimeHandle  # noqa: E402

SMALL = ["--pool", "cpu,4,16,96", "--pool", "t4,2,16,128,T4,4", "--pool", "a10g,1,48,192,A10G,4",
         "--pool", "a100,1,96,1152,A100,8"]


def test_sixty_spaces_converge_and_a_restart_restarts_nothing(
    pg_cluster: str,  # noqa: F811 (the fixture imported above)
    caplog: pytest.LogCaptureFixture,
) -> None:
    args = parse_args(["--spaces", "60", "--orgs", "6", *SMALL, "--start-delay", "0.05", "--interval", "0.05",
                       "--max-seconds", "45"])
    with caplog.at_level(logging.ERROR, logger="podium.reconciler"), \
            migrated_database(pg_cluster, "sim_scheduler") as url:
        result = asyncio.run(simulate(url, args))
    errors = [r.getMessage() for r in caplog.records if r.name == "podium.reconciler" and r.levelno >= logging.ERROR]
    assert not errors

    outcome = result["outcome"]
    assert result["converge"]["converged"], outcome["other"]
    assert outcome["other"] == []
    assert outcome["placed_total"] + outcome["waiting_total"] + outcome["quota_refused_total"] == 60
    # The small pools fill up and the tight orgs' quotas refuse some GPU Spaces: every outcome happens.
    assert outcome["placed_total"] > 0 and outcome["waiting_total"] > 0 and outcome["quota_refused_total"] > 0
    assert outcome["quota_refused_with_objects"] == []  # quota is checked before anything is created
    assert all("0/8 nodes are available" in m for m in outcome["waiting_messages"].values())
    assert all(m.startswith("Waiting for hardware: ") for m in outcome["waiting_messages"].values())
    assert "max_gpus" in outcome["quota_refused_sample"]
    assert set(outcome["placed"]) <= {"cpu", "t4", "a10g", "a100"}
    assert "h100" not in {f for flavors in outcome["placed"].values() for f in flavors}  # no pool has H100s

    restart = result["restart"]
    assert restart["converged"]
    assert restart["bugs"] == []
    assert restart["adopted_running"] == outcome["placed_total"]


# --- the simulated cluster on its own -------------------------------------------------------------------------


def spec(space_id: int, *, gpus: int = 0, gpu_type: str = "", cpu: float = 2.0, memory_mb: int = 4096,
         replicas: int = 1) -> ContainerSpec:
    return ContainerSpec(space_id=space_id, name=f"o/s{space_id}", image="img", cpu=cpu, memory_mb=memory_mb,
                         gpu_count=gpus, gpu_type=gpu_type, replicas=replicas)


def test_a_gpu_pod_nothing_fits_is_pending_with_the_schedulers_words_until_a_gpu_frees() -> None:
    cluster = SimulatedCluster([Pool("cpu", 2, 8, 32), Pool("t4", 1, 16, 64, "T4", 2)], start_delay_s=0)
    first = cluster.start(spec(1, gpus=2, gpu_type="T4"))
    second = cluster.start(spec(2, gpus=1, gpu_type="T4"))
    status = cluster.status(second)
    assert status.waiting_for_hardware and status.state == "starting"
    assert status.message == ("0/3 nodes are available: 1 Insufficient nvidia.com/gpu, "
                              "2 node(s) didn't match Pod's node affinity/selector.")
    assert cluster.status(first).health == "healthy"
    assert cluster.placed(2) is None and cluster.placed(1) == "t4"

    cluster.remove(first)  # the Pending pod is scheduled again when GPUs free
    assert cluster.placed(2) == "t4"
    assert not cluster.status(second).waiting_for_hardware
    assert cluster.status(first).state == "missing"
    assert [n.gpus_free for n in cluster.capacity() if n.pool == "t4"] == [1]


def test_cpu_pods_never_land_on_tainted_gpu_nodes() -> None:
    cluster = SimulatedCluster([Pool("cpu", 1, 4, 16), Pool("t4", 1, 64, 256, "T4", 4)], start_delay_s=0)
    cluster.start(spec(1, cpu=4))
    handle = cluster.start(spec(2, cpu=1))
    assert cluster.status(handle).message == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {nvidia.com/gpu: }.")


def test_every_replica_must_be_placed_and_first_fit_packs() -> None:
    cluster = SimulatedCluster([Pool("a100", 2, 96, 1024, "A100", 8)], start_delay_s=0, strategy="first-fit")
    cluster.start(spec(1, gpus=4, gpu_type="a100", replicas=3))  # GPU types match case-insensitively
    assert [n.gpus_free for n in cluster.capacity()] == [0, 4]
    partly = cluster.start(spec(2, gpus=4, gpu_type="A100", replicas=2))
    assert cluster.status(partly).waiting_for_hardware and cluster.placed(2) is None
    assert cluster.gpus_requested() == {1: 12, 2: 8}


def test_replacing_a_deployment_frees_its_pods_first() -> None:
    cluster = SimulatedCluster([Pool("t4", 1, 16, 64, "T4", 1)], start_delay_s=0)
    cluster.start(spec(1, gpus=1, gpu_type="T4"))
    handle = cluster.start(spec(1, gpus=1, gpu_type="T4"))
    assert cluster.status(handle).health == "healthy" and cluster.starts[1] == 2
    assert [r.space_id for r in cluster.replicas()] == [1]


@pytest.mark.parametrize("bad", ["cpu", "cpu,0,4,16", "cpu,x,4,16", "t4,1,4,16,T4", "t4,1,4,16,,2",
                                 "t4,1,4,16,T4,0", ",1,4,16", "cpu,1,-4,16"])
def test_a_malformed_pool_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="pool"):
        Pool.parse(bad)
    with pytest.raises(SystemExit):
        parse_args(["--pool", bad])


def test_bad_arguments_and_handles_are_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--spaces", "0"])
    with pytest.raises(ValueError, match="strategy"):
        SimulatedCluster([], strategy="random")
    cluster = SimulatedCluster([Pool("cpu", 1, 4, 16)])
    with pytest.raises(ContainerEngineError, match="no Deployment named"):
        cluster.status(RuntimeHandle("../space-1", ""))
    with pytest.raises(ContainerEngineError, match="replicas"):
        cluster.start(spec(1, replicas=0))
