"""A simulated Kubernetes cluster behind the `Runtime` protocol, for load/sim_scheduler.py and its test.

It does what the Kubernetes runtime (podium_cp/runtime/kube/runtime.py, docs/design/kubernetes.md) asks of a real
cluster, in memory: one Deployment `space-<id>` per Space with `spec.replicas` pods; a scheduler that binds each pod
to a node of the right pool with enough free GPUs, CPU and memory (first fit or least allocated); GPU nodes carry
the `nvidia.com/gpu` taint, so CPU pods never land on them; a pod nothing fits stays Pending with the scheduler's
own words ("0/62 nodes are available: 10 Insufficient nvidia.com/gpu, ..."), and is tried again whenever a
Deployment is removed; a bound pod becomes ready `start_delay_s` seconds later (wall clock). `status` reports
Pending-for-resources as `waiting_for_hardware`, `capacity()` one `NodeCapacity` per node.

Every call takes one lock (the reconciler calls from several worker threads) and costs microseconds, so the
simulation measures the reconciler and Postgres, not the fake. `starts`, `removes` and `created` let the
simulation check what the control plane asked for.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from podium_cp.runtime.base import (
    ContainerEngineError,
    ContainerSpec,
    NodeCapacity,
    Replica,
    RuntimeHandle,
    RuntimeStatus,
)

# The product label the GPU operator gives each GPU type's nodes (`nvidia.com/gpu.product`).
PRODUCTS = {"T4": "Tesla-T4", "A10G": "NVIDIA-A10G", "A100": "NVIDIA-A100-SXM4-80GB", "H100": "NVIDIA-H100-80GB-HBM3",
            "L4": "NVIDIA-L4"}
GPU_TAINT = "{nvidia.com/gpu: }"
NAMESPACE = "podium-spaces"


@dataclass(frozen=True)
class Pool:
    """A node pool: `nodes` identical nodes with `cpu` cores, `memory_gib` GiB and `gpus` GPUs of `gpu_type`."""

    name: str
    nodes: int
    cpu: float
    memory_gib: int
    gpu_type: str = ""
    gpus: int = 0

    @classmethod
    def parse(cls, text: str) -> Pool:
        """`NAME,NODES,CPU,MEMORY_GIB[,GPU_TYPE,GPUS]` (the --pool flag), e.g. `t4,10,48,192,T4,4`."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) not in (4, 6) or not parts[0]:
            raise ValueError(f"pool {text!r}: expected NAME,NODES,CPU,MEMORY_GIB[,GPU_TYPE,GPUS]")
        try:
            pool = cls(parts[0], int(parts[1]), float(parts[2]), int(parts[3]),
                       parts[4] if len(parts) == 6 else "", int(parts[5]) if len(parts) == 6 else 0)
        except ValueError:
            raise ValueError(f"pool {text!r}: NODES, CPU, MEMORY_GIB and GPUS must be numbers") from None
        if pool.nodes < 1 or pool.cpu <= 0 or pool.memory_gib <= 0 or pool.gpus < 0 or bool(pool.gpu_type) != (pool.gpus > 0):
            raise ValueError(f"pool {text!r}: needs at least one node, positive CPU and memory, and a GPU type "
                             "exactly when it has GPUs")
        return pool


@dataclass
class Node:
    name: str
    pool: str
    gpu_type: str
    gpus: int
    cpu: float
    memory_mb: int
    gpus_used: int = 0
    cpu_used: float = 0.0
    memory_used: int = 0

    def fits(self, pod: Pod) -> list[str]:
        """Why `pod` does not fit here now, as the scheduler says it (empty: it fits)."""
        if pod.gpus > 0 and self.gpu_type.lower() != pod.gpu_type.lower():
            return ["node(s) didn't match Pod's node affinity/selector"]
        if pod.gpus == 0 and self.gpus > 0:
            return [f"node(s) had untolerated taint {GPU_TAINT}"]
        reasons = []
        if pod.gpus > self.gpus - self.gpus_used:
            reasons.append("Insufficient nvidia.com/gpu")
        if pod.cpu > self.cpu - self.cpu_used + 1e-9:
            reasons.append("Insufficient cpu")
        if pod.memory_mb > self.memory_mb - self.memory_used:
            reasons.append("Insufficient memory")
        return reasons

    def allocated(self) -> float:
        """The larger share of CPU and memory requested (what least-allocated scoring minimises)."""
        return max(self.cpu_used / self.cpu, self.memory_used / self.memory_mb)

    def bind(self, pod: Pod, sign: int) -> None:
        self.gpus_used += sign * pod.gpus
        self.cpu_used += sign * pod.cpu
        self.memory_used += sign * pod.memory_mb


@dataclass
class Pod:
    gpus: int
    gpu_type: str
    cpu: float
    memory_mb: int
    node: Node | None = None
    ready_at: float = 0.0  # time.monotonic() when its readiness probe first passes
    message: str = ""  # the scheduler's, while Pending


@dataclass
class Deployment:
    spec: ContainerSpec
    handle: RuntimeHandle
    pods: list[Pod] = field(default_factory=list)
    serial: int = 0  # creation order: Pending pods are retried oldest first


class SimulatedCluster:
    """An in-memory cluster that satisfies `podium_cp.runtime.base.Runtime` (name "kubernetes", places_gpus)."""

    name = "kubernetes"
    places_gpus = True

    def __init__(self, pools: list[Pool], *, start_delay_s: float = 0.5, strategy: str = "least-allocated") -> None:
        if strategy not in ("least-allocated", "first-fit"):
            raise ValueError(f"strategy {strategy!r}: use least-allocated or first-fit")
        self.pools = list(pools)
        self.nodes = [
            Node(f"{pool.name}-{i:03d}", pool.name, pool.gpu_type, pool.gpus, pool.cpu, pool.memory_gib * 1024)
            for pool in pools for i in range(pool.nodes)
        ]
        self.start_delay_s = start_delay_s
        self.strategy = strategy
        self.deployments: dict[int, Deployment] = {}
        self.calls: Counter[str] = Counter()
        self.starts: Counter[int] = Counter()  # Space id -> how many times `start` created or replaced it
        self.removes: Counter[int] = Counter()
        self.created: set[int] = set()  # every Space that ever had a Deployment
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    # --- the Runtime protocol -------------------------------------------------------------------------------

    def start(self, spec: ContainerSpec) -> RuntimeHandle:
        if spec.replicas < 1:
            raise ContainerEngineError(f"Deployment space-{spec.space_id}: replicas must be at least 1")
        with self._lock:
            self.calls["start"] += 1
            self.starts[spec.space_id] += 1
            self.created.add(spec.space_id)
            self._delete(spec.space_id)
            name = f"space-{spec.space_id}"
            handle = RuntimeHandle(container_id=name, url=f"http://{name}.{NAMESPACE}.svc:{spec.port}")
            deployment = Deployment(spec, handle, serial=next(self._serial))
            deployment.pods = [Pod(spec.gpu_count, spec.gpu_type, spec.cpu, spec.memory_mb)
                               for _ in range(spec.replicas)]
            self.deployments[spec.space_id] = deployment
            for pod in deployment.pods:
                self._schedule(pod)
            return handle

    def stop(self, handle: RuntimeHandle) -> None:
        self.remove(handle)

    def remove(self, handle: RuntimeHandle) -> None:
        with self._lock:
            self.calls["remove"] += 1
            space_id = _space_id(handle)
            if space_id in self.deployments:
                self.removes[space_id] += 1
                self._delete(space_id)
                self._retry_pending()

    def status(self, handle: RuntimeHandle) -> RuntimeStatus:
        with self._lock:
            self.calls["status"] += 1
            deployment = self.deployments.get(_space_id(handle))
            if deployment is None:
                return RuntimeStatus(state="missing")
            now = time.monotonic()
            pending = [p for p in deployment.pods if p.node is None]
            if pending:
                return RuntimeStatus(state="starting", health="unhealthy", message=pending[0].message,
                                     waiting_for_hardware=True)
            if all(p.ready_at <= now for p in deployment.pods):
                return RuntimeStatus(state="running", health="healthy")
            return RuntimeStatus(state="starting", health="unhealthy")

    def logs(self, handle: RuntimeHandle, tail: int = 200) -> list[str]:
        with self._lock:
            self.calls["logs"] += 1
            deployment = self.deployments.get(_space_id(handle))
            if deployment is None:
                return []
            return [f"Warning FailedScheduling pod/{handle.container_id}: {p.message}"
                    for p in deployment.pods if p.node is None][-tail:]

    def replicas(self) -> list[Replica]:
        with self._lock:
            self.calls["replicas"] += 1
            return [Replica(space_id=d.spec.space_id, handle=d.handle, labels=dict(d.spec.labels), state="running")
                    for d in self.deployments.values()]

    def capacity(self) -> list[NodeCapacity]:
        with self._lock:
            self.calls["capacity"] += 1
            return [NodeCapacity(
                name=n.name, pool=n.pool, gpu_type=PRODUCTS.get(n.gpu_type, n.gpu_type), gpus=n.gpus,
                gpus_free=n.gpus - n.gpus_used, cpu=n.cpu, cpu_free=n.cpu - n.cpu_used, memory_mb=n.memory_mb,
                memory_mb_free=n.memory_mb - n.memory_used, schedulable=True,
                labels={"podium.dev/pool": n.pool, **({"nvidia.com/gpu.product": PRODUCTS.get(n.gpu_type, n.gpu_type)}
                                                      if n.gpus else {})},
            ) for n in self.nodes]

    # --- what the simulation looks at -----------------------------------------------------------------------

    def placed(self, space_id: int) -> str | None:
        """The pool every pod of the Space's Deployment is bound to (the first pod's), or None when one is Pending
        or there is no Deployment."""
        with self._lock:
            deployment = self.deployments.get(space_id)
            if deployment is None or any(p.node is None for p in deployment.pods):
                return None
            node = deployment.pods[0].node
            return node.pool if node is not None else None

    def pending_message(self, space_id: int) -> str:
        with self._lock:
            deployment = self.deployments.get(space_id)
            pending = [p for p in deployment.pods if p.node is None] if deployment else []
            return pending[0].message if pending else ""

    def gpus_requested(self) -> dict[int, int]:
        """Space id -> GPUs its Deployment asks for (bound or Pending)."""
        with self._lock:
            return {sid: sum(p.gpus for p in d.pods) for sid, d in self.deployments.items()}

    # --- the scheduler (callers hold the lock) --------------------------------------------------------------

    def _schedule(self, pod: Pod) -> bool:
        fitting: list[Node] = []
        reasons: Counter[str] = Counter()
        for node in self.nodes:
            why = node.fits(pod)
            if not why:
                fitting.append(node)
                if self.strategy == "first-fit":
                    break
            reasons.update(why)
        if not fitting:
            pod.message = (f"0/{len(self.nodes)} nodes are available: "
                           + ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items())) + ".")
            return False
        node = min(fitting, key=Node.allocated) if self.strategy == "least-allocated" else fitting[0]
        node.bind(pod, +1)
        pod.node, pod.message = node, ""
        pod.ready_at = time.monotonic() + self.start_delay_s
        return True

    def _delete(self, space_id: int) -> None:
        deployment = self.deployments.pop(space_id, None)
        if deployment is None:
            return
        for pod in deployment.pods:
            if pod.node is not None:
                pod.node.bind(pod, -1)
                pod.node = None

    def _retry_pending(self) -> None:
        for deployment in sorted(self.deployments.values(), key=lambda d: d.serial):
            for pod in deployment.pods:
                if pod.node is None:
                    self._schedule(pod)


def _space_id(handle: RuntimeHandle) -> int:
    prefix, _, number = handle.container_id.partition("-")
    if prefix != "space" or not number.isdigit():
        raise ContainerEngineError(f"no Deployment named {handle.container_id!r} in namespace {NAMESPACE}")
    return int(number)
