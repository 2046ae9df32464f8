"""The capacity view: nodes grouped into pools, and how many more replicas of each hardware flavor fit now.

Pure functions over `NodeCapacity` (what `Runtime.capacity()` reports, or the rows the reconciler stored), so the
API, the CLI and the scheduler simulation count the same way. Rules of `flavor_free`:

- a node that is not schedulable (cordoned, not ready) takes nothing;
- a GPU flavor fits only on nodes whose GPU type contains the flavor's (case-insensitive: flavor "T4" matches
  "Tesla-T4" and "Tesla T4", "A100" matches "NVIDIA-A100-SXM4-80GB");
- a CPU flavor fits only on nodes without GPUs: GPU nodes are kept for GPU Spaces (a cluster taints them so,
  and on one machine with GPUs the CPU flavors then show 0 free even though they would start there);
- per node, the replicas that fit are the smallest of free GPUs // GPUs per replica, free CPU // CPU per replica
  and free memory // memory per replica; the flavor's count is the sum over its nodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from podium_cp.runtime.base import NodeCapacity


@dataclass(frozen=True)
class FlavorShape:
    """What one replica of a hardware flavor asks for."""

    name: str
    cpu: float
    memory_mb: int
    gpu_type: str = ""  # "" (or None in the database) for CPU flavors
    gpu_count: int = 0


@dataclass(frozen=True)
class Pool:
    """A node pool's totals."""

    name: str
    nodes: int
    schedulable_nodes: int
    gpu_types: tuple[str, ...]
    gpus: int
    gpus_free: int
    cpu: float
    cpu_free: float
    memory_mb: int
    memory_mb_free: int


def pools(nodes: Iterable[NodeCapacity]) -> list[Pool]:
    """The nodes grouped by pool, by pool name. Free resources count schedulable nodes only (nothing new lands on a
    cordoned node); totals count every node."""
    grouped: dict[str, list[NodeCapacity]] = {}
    for node in nodes:
        grouped.setdefault(node.pool, []).append(node)
    out = []
    for name in sorted(grouped):
        members = grouped[name]
        open_nodes = [n for n in members if n.schedulable]
        out.append(Pool(
            name=name,
            nodes=len(members),
            schedulable_nodes=len(open_nodes),
            gpu_types=tuple(sorted({n.gpu_type for n in members if n.gpu_type})),
            gpus=sum(n.gpus for n in members),
            gpus_free=sum(max(n.gpus_free, 0) for n in open_nodes),
            cpu=round(sum(n.cpu for n in members), 3),
            cpu_free=round(sum(max(n.cpu_free, 0.0) for n in open_nodes), 3),
            memory_mb=sum(n.memory_mb for n in members),
            memory_mb_free=sum(max(n.memory_mb_free, 0) for n in open_nodes),
        ))
    return out


def fits_on(node: NodeCapacity, flavor: FlavorShape) -> int:
    """How many more replicas of `flavor` fit on `node` now (see the module docstring)."""
    if not node.schedulable:
        return 0
    wanted_type = (flavor.gpu_type or "").lower()
    if flavor.gpu_count > 0:
        if node.gpus <= 0 or wanted_type not in node.gpu_type.lower():
            return 0
        limits = [max(node.gpus_free, 0) // flavor.gpu_count]
    else:
        if node.gpus > 0:
            return 0
        limits = []
    if flavor.cpu > 0:
        # A little slack: 0.1 + 0.2 cores free must fit a 0.3-core flavor.
        limits.append(math.floor(max(node.cpu_free, 0.0) / flavor.cpu + 1e-9))
    if flavor.memory_mb > 0:
        limits.append(max(node.memory_mb_free, 0) // flavor.memory_mb)
    return max(min(limits), 0) if limits else 0


def flavor_free(nodes: Sequence[NodeCapacity], flavor: FlavorShape) -> int:
    """How many more replicas of `flavor` fit now, over every node."""
    return sum(fits_on(node, flavor) for node in nodes)
