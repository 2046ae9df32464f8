"""The capacity view: pools and per-flavor free counts (pure functions), this machine as one node (DockerRuntime with
a stand-in engine client), and GET /api/hardware/capacity serving what the reconciler stored."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import user_headers
from reconciler_support import FakeRuntime

from podium_cp.runtime.base import NodeCapacity
from podium_cp.runtime.capacity import FlavorShape, fits_on, flavor_free, pools
from podium_cp.runtime.docker import DockerRuntime, host_memory_mb, requested
from podium_cp.runtime.inventory import Gpu
from podium_cp.settings import Settings

T4_SMALL = FlavorShape("t4-small", cpu=4.0, memory_mb=15360, gpu_type="T4", gpu_count=1)
A100_X2 = FlavorShape("a100-large", cpu=12.0, memory_mb=65536, gpu_type="a100", gpu_count=2)
CPU_BASIC = FlavorShape("cpu-basic", cpu=2.0, memory_mb=16384)


def node(name: str, pool: str, gpu_type: str = "", gpus: int = 0, gpus_free: int = 0, cpu_free: float = 32.0,
         memory_free: int = 131072, schedulable: bool = True) -> NodeCapacity:
    return NodeCapacity(name, pool, gpu_type, gpus, gpus_free, 32.0, cpu_free, 131072, memory_free, schedulable)


# --- pure functions ----------------------------------------------------------------------------------------


def test_a_gpu_flavor_fits_on_nodes_of_its_gpu_type_only() -> None:
    nodes = [node("t4-a", "t4", "Tesla-T4", 4, 3), node("t4-b", "t4", "Tesla T4", 1, 1),
             node("a100", "big", "NVIDIA-A100-SXM4-80GB", 8, 8), node("cpu", "cpu")]
    assert flavor_free(nodes, T4_SMALL) == 4  # "T4" in "Tesla-T4" and "Tesla T4", case-insensitive
    assert flavor_free(nodes, A100_X2) == 2  # 8 free GPUs // 2 would be 4, but 32 cores // 12 and 128 GiB // 64
    assert fits_on(nodes[3], T4_SMALL) == 0


def test_the_scarcest_resource_decides() -> None:
    assert fits_on(node("n", "p", "T4", 4, 4, cpu_free=9.0), T4_SMALL) == 2  # 9 cores // 4
    assert fits_on(node("n", "p", "T4", 4, 4, memory_free=20000), T4_SMALL) == 1  # memory // 15360
    assert fits_on(node("n", "p", "A100", 8, 3), A100_X2) == 1  # 3 free GPUs // 2
    assert fits_on(node("n", "p", "T4", 4, 0), T4_SMALL) == 0
    # Overcommitted nodes (negative free) take nothing; 0.1 + 0.2 cores do fit a 0.3-core flavor.
    assert fits_on(node("n", "p", cpu_free=-2.0), CPU_BASIC) == 0
    assert fits_on(node("n", "p", cpu_free=0.1 + 0.2), FlavorShape("tiny", cpu=0.3, memory_mb=1)) == 1


def test_cpu_flavors_stay_off_gpu_nodes_and_cordoned_nodes_take_nothing() -> None:
    nodes = [node("gpu", "t4", "Tesla-T4", 4, 4), node("cpu-a", "cpu"), node("cpu-b", "cpu", schedulable=False)]
    assert flavor_free(nodes, CPU_BASIC) == 8  # cpu-a only: 32 cores // 2, 128 GiB // 16 GiB
    assert flavor_free([node("t4", "t4", "T4", 4, 4, schedulable=False)], T4_SMALL) == 0
    assert flavor_free([], CPU_BASIC) == 0


def test_pools_group_nodes_and_count_free_on_schedulable_ones() -> None:
    nodes = [node("t4-a", "t4", "Tesla-T4", 4, 3, cpu_free=10.0), node("t4-b", "t4", "Tesla-T4", 4, 4, schedulable=False),
             node("cpu", "cpu")]
    cpu, t4 = pools(nodes)
    assert (cpu.name, cpu.nodes, cpu.gpus, cpu.gpu_types) == ("cpu", 1, 0, ())
    assert (t4.name, t4.nodes, t4.schedulable_nodes, t4.gpu_types) == ("t4", 2, 1, ("Tesla-T4",))
    assert (t4.gpus, t4.gpus_free, t4.cpu, t4.cpu_free) == (8, 3, 64.0, 10.0)
    assert (t4.memory_mb, t4.memory_mb_free) == (262144, 131072)


# --- this machine as one node --------------------------------------------------------------------------


class StandInApi:
    """The two engine calls `capacity()` makes: list running Space containers, inspect each."""

    def __init__(self, containers: dict[str, dict[str, Any]]) -> None:
        self.containers_by_id = containers
        self.filters: Any = None

    def containers(self, filters: Any = None, **_: Any) -> list[dict[str, Any]]:
        self.filters = filters
        return [{"Id": cid} for cid in self.containers_by_id]

    def inspect_container(self, cid: str) -> dict[str, Any]:
        return self.containers_by_id[cid]


class StandInClient:
    def __init__(self, api: StandInApi) -> None:
        self.api = api


def test_this_machine_is_one_node_minus_what_its_spaces_ask_for() -> None:
    gpu_request = {"Driver": "nvidia", "DeviceIDs": ["1"], "Count": 0}
    api = StandInApi({
        "a": {"HostConfig": {"NanoCpus": 2_000_000_000, "Memory": 4096 * 1024 * 1024, "DeviceRequests": [gpu_request]}},
        "b": {"HostConfig": {"NanoCpus": 500_000_000, "Memory": 1024 * 1024 * 1024}},
    })
    gpus = [Gpu("0", "Tesla T4", 15360), Gpu("1", "Tesla T4", 15360)]
    runtime = DockerRuntime(StandInClient(api), namespace="acme", gpus=gpus, node_name="box", cpus=16.0,
                            memory_mb=65536)
    (only,) = runtime.capacity()
    assert (only.name, only.pool, only.gpu_type, only.gpus, only.gpus_free) == ("box", "local", "Tesla T4", 2, 1)
    assert (only.cpu, only.cpu_free, only.memory_mb, only.memory_mb_free) == (16.0, 13.5, 65536, 60416)
    assert only.schedulable and api.filters["status"] == "running"
    assert "org.podium.namespace=acme" in api.filters["label"]
    assert flavor_free([only], T4_SMALL) == 1


def test_what_a_container_asks_for_and_the_memory_of_this_machine(tmp_path: Path) -> None:
    assert requested({"HostConfig": {"DeviceRequests": [{"Count": -1}]}}, all_gpus=4) == (0.0, 0, 4)
    assert requested({"HostConfig": {"DeviceRequests": [{"Count": 2, "DeviceIDs": None}]}}, all_gpus=4)[2] == 2
    assert requested({}, all_gpus=4) == (0.0, 0, 0)
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemFree:  1000 kB\nMemTotal:       16318784 kB\n")
    assert host_memory_mb(meminfo) == 15936
    meminfo.write_text("garbage\nMemTotal: lots\n")
    assert host_memory_mb(meminfo) == 0
    assert host_memory_mb(tmp_path / "missing") == 0


# --- the API -------------------------------------------------------------------------------------------


async def _store(settings: Settings, nodes: list[NodeCapacity]) -> None:
    from podium_cp.db import Database
    from podium_cp.spaces.reconciler import Reconciler

    runtime = FakeRuntime()
    runtime.nodes = nodes
    database = Database(settings.database_url, pool_size=1, max_overflow=0)
    try:
        await Reconciler(database, runtime, settings).pass_once()
    finally:
        await database.dispose()


def test_the_api_serves_the_stored_capacity(api: TestClient, settings: Settings) -> None:
    assert api.get("/api/hardware/capacity").status_code == 401
    alice = user_headers(api, "alice")
    empty = api.get("/api/hardware/capacity", headers=alice).json()
    assert empty["observed_at"] is None and empty["pools"] == [] and empty["backend"] == "docker"
    assert {f["name"]: f["free"] for f in empty["flavors"]}["cpu-basic"] == 0

    asyncio.run(_store(settings, [node("t4-a", "t4", "Tesla-T4", 4, 3), node("cpu-a", "cpu", cpu_free=8.0)]))
    body = api.get("/api/hardware/capacity", headers=alice).json()
    assert body["observed_at"] is not None
    assert [(p["name"], p["nodes"], p["gpus"], p["gpus_free"]) for p in body["pools"]] == [("cpu", 1, 0, 0),
                                                                                          ("t4", 1, 4, 3)]
    free = {f["name"]: f for f in body["flavors"]}
    assert free["cpu-basic"]["free"] == 4 and free["t4-small"]["free"] == 3 and free["t4-small"]["gpu_type"] == "T4"
    assert free["a10g-small"]["free"] == 0 and free["t4-small"]["gpu_count"] == 1


def test_the_capacity_names_the_clusters_backend(settings: Settings) -> None:
    from podium_cp.api import create_app

    cluster = dataclasses.replace(settings, runtime="kubernetes", spaces_api_url="http://api.podium.svc:8700")
    with TestClient(create_app(cluster), base_url="http://testserver") as client:
        body = client.get("/api/hardware/capacity", headers=user_headers(client, "bob")).json()
    assert body["backend"] == "kubernetes"


@pytest.mark.parametrize("flavor", [CPU_BASIC, T4_SMALL])
def test_no_nodes_fit_nothing(flavor: FlavorShape) -> None:
    assert flavor_free([node("x", "p", schedulable=False)], flavor) == 0


def _podium(home: Path, *args: str) -> Any:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("PODIUM_SERVER", "PODIUM_HOME")}
    env["PODIUM_HOME"] = str(home)
    return subprocess.run([str(Path(sys.executable).with_name("podium")), *args], capture_output=True, text=True,
                          timeout=120, env=env, input="")


def test_podium_hardware_capacity_prints_tables(api: TestClient, settings: Settings, tmp_path: Path) -> None:
    import json

    from helpers import bearer, new_token, served, signup

    from podium_cp.api import create_app

    signup(api, "alice")
    token = new_token(api)
    assert api.post("/api/spaces", json={"owner": "alice", "name": "demo"}, headers=bearer(token)).status_code == 201
    home = tmp_path / "home"
    with served(create_app(settings)) as server:
        assert _podium(home, "login", "--server", server, "--token", token).returncode == 0
        early = _podium(home, "hardware", "capacity")
        assert early.returncode == 0 and "not been read yet" in early.stderr
        asyncio.run(_store(settings, [node("t4-a", "t4", "Tesla-T4", 4, 3), node("cpu-a", "cpu", cpu_free=8.0)]))
        done = _podium(home, "hardware", "capacity")
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].startswith("backend docker, observed at ")
        assert lines[1].split() == ["POOL", "NODES", "GPU", "TYPES", "GPUS", "FREE", "CPU", "FREE", "MEMORY", "FREE"]
        assert lines[3].split()[:5] == ["t4", "1/1", "Tesla-T4", "3/4", "32/32"]
        assert ["t4-small", "1x", "T4", "3"] in [line.split() for line in lines]
        assert json.loads(_podium(home, "hardware", "capacity", "--json").stdout)["backend"] == "docker"
        scaled = _podium(home, "spaces", "hardware", "alice/demo", "--replicas", "2")
        assert scaled.stdout.strip() == "alice/demo: 2 replica(s) of cpu-basic; stage NO_APP_FILE", scaled.stderr
        bad = _podium(home, "spaces", "hardware", "alice/demo", "--replicas", "11")
        assert bad.returncode == 1 and "1 to 10 replicas" in bad.stderr
    assert _podium(tmp_path / "nobody", "hardware", "capacity", "--server", server).returncode == 1
    assert _podium(home, "hardware").returncode == 2  # the group alone prints its help
