"""The runtime's capacity as the reconciler last read it: the `runtime_capacity` rows, written and read back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.models.spaces import RuntimeCapacity
from podium_cp.runtime.base import NodeCapacity


async def replace_capacity(db: AsyncSession, nodes: list[NodeCapacity], observed_at: datetime) -> None:
    """Replace every row with `nodes` (one per node name; call it in one transaction: readers see the old rows or
    the new ones)."""
    await db.execute(delete(RuntimeCapacity))
    db.add_all([RuntimeCapacity(
        name=n.name, pool=n.pool, gpu_type=n.gpu_type, gpus=n.gpus, gpus_free=n.gpus_free, cpu=n.cpu,
        cpu_free=n.cpu_free, memory_mb=n.memory_mb, memory_mb_free=n.memory_mb_free, schedulable=n.schedulable,
        observed_at=observed_at,
    ) for n in {node.name: node for node in nodes}.values()])


async def stored_capacity(db: AsyncSession) -> tuple[list[NodeCapacity], datetime | None]:
    """The stored nodes by name, and when they were read (None: never)."""
    rows = (await db.execute(select(RuntimeCapacity).order_by(RuntimeCapacity.name))).scalars().all()
    nodes = [NodeCapacity(name=r.name, pool=r.pool, gpu_type=r.gpu_type, gpus=r.gpus, gpus_free=r.gpus_free,
                          cpu=r.cpu, cpu_free=r.cpu_free, memory_mb=r.memory_mb, memory_mb_free=r.memory_mb_free,
                          schedulable=r.schedulable) for r in rows]
    return nodes, max((r.observed_at for r in rows), default=None)
