"""Hardware flavors, the runtime's capacity and org quotas: which flavors a Space can ask for, how many more of
each fit now, and how much of them an org may use.

Members read their org's quota and usage; only site administrators change it (`PUT /api/orgs/{org}/quota`).
Any signed-in user reads the capacity (`GET /api/hardware/capacity`), which the reconciler stores about every 30 s.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from podium_cp import audit
from podium_cp.api.deps import DB, ActorDep, SettingsDep, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_orgs import OrgName, error_docs, find_org, org_ref
from podium_cp.models import Flavor, OrgQuota
from podium_cp.policy import Action, SiteRef, require
from podium_cp.runtime.capacity import FlavorShape, flavor_free, pools
from podium_cp.spaces.capacity_store import stored_capacity
from podium_cp.spaces.service import gpus_in_use, quota_for, spaces_count

router = APIRouter(tags=["hardware"])


class FlavorOut(BaseModel):
    """A hardware flavor: what a Space's container gets."""

    name: str
    display_name: str
    cpu: float = Field(description="cores")
    memory_mb: int
    gpu_type: str | None
    gpu_count: int
    available: bool


class QuotaIn(BaseModel):
    """An org's new limits."""

    max_spaces: int = Field(ge=0, le=100_000, description="Spaces the org may have")
    max_gpus: int = Field(ge=0, le=10_000, description="GPUs its running Spaces may hold at once")


class QuotaOut(BaseModel):
    """An org's limits and what it uses now."""

    org: str
    max_spaces: int
    max_gpus: int
    custom: bool = Field(description="False: the defaults apply (no quota was set for this org)")
    spaces: int = Field(description="Spaces the org has (not counting those being deleted)")
    gpus_in_use: int = Field(description="GPUs held by the org's running or starting Spaces")


@router.get("/api/hardware", response_model=Page[FlavorOut], summary="Hardware flavors", responses=error_docs(422))
async def list_hardware(db: DB, actor: ActorDep, page: PageDep) -> Page[FlavorOut]:
    """The hardware flavors of this installation, smallest first, and whether each can be chosen now."""
    rows, cursor = await fetch_page(db, select(Flavor), Flavor.id, page, newest_first=False)
    items = [
        FlavorOut(
            name=f.name,
            display_name=f.display_name,
            cpu=f.cpu,
            memory_mb=f.memory_mb,
            gpu_type=f.gpu_type,
            gpu_count=f.gpu_count,
            available=f.available,
        )
        for (f,) in rows
    ]
    return Page[FlavorOut](items=items, next_cursor=cursor)


class PoolOut(BaseModel):
    """A node pool: its nodes and what is free on those that take new replicas."""

    name: str
    nodes: int
    schedulable_nodes: int = Field(description="nodes that take new replicas (not cordoned, ready)")
    gpu_types: list[str]
    gpus: int
    gpus_free: int
    cpu: float = Field(description="cores")
    cpu_free: float
    memory_mb: int
    memory_mb_free: int


class FlavorFreeOut(BaseModel):
    """How many more replicas of a flavor fit now."""

    name: str
    gpu_type: str | None
    gpu_count: int
    free: int = Field(description="replicas of this flavor that fit on the nodes now (GPU flavors on nodes with "
                                  "their GPU type, CPU flavors on nodes without GPUs)")


class CapacityOut(BaseModel):
    """What the runtime reported last."""

    observed_at: datetime | None = Field(description="when the reconciler read it; null: not yet")
    backend: str = Field(description="docker (one machine) or kubernetes (a cluster)")
    pools: list[PoolOut]
    flavors: list[FlavorFreeOut]


@router.get("/api/hardware/capacity", response_model=CapacityOut, summary="Capacity of the runtime",
            responses=error_docs(401))
async def get_capacity(db: DB, actor: SignedIn, settings: SettingsDep) -> CapacityOut:
    """The node pools (nodes, GPUs, free GPUs, CPU, memory) as the reconciler last stored them, and for each
    available flavor how many more replicas fit now. Needs a signed-in user."""
    nodes, observed_at = await stored_capacity(db)
    flavors = (await db.execute(select(Flavor).where(Flavor.available).order_by(Flavor.id))).scalars().all()
    return CapacityOut(
        observed_at=observed_at,
        backend=settings.runtime,
        pools=[PoolOut(**{**vars(p), "gpu_types": list(p.gpu_types)}) for p in pools(nodes)],
        flavors=[
            FlavorFreeOut(name=f.name, gpu_type=f.gpu_type, gpu_count=f.gpu_count, free=flavor_free(nodes, FlavorShape(
                name=f.name, cpu=f.cpu, memory_mb=f.memory_mb, gpu_type=f.gpu_type or "", gpu_count=f.gpu_count)))
            for f in flavors
        ],
    )


async def _quota_out(db: DB, org_id: int, org_name: str) -> QuotaOut:
    quota = await quota_for(db, org_id)
    return QuotaOut(
        org=org_name,
        max_spaces=quota.max_spaces,
        max_gpus=quota.max_gpus,
        custom=quota.custom,
        spaces=await spaces_count(db, org_id=org_id),
        gpus_in_use=await gpus_in_use(db, org_id=org_id),
    )


@router.get(
    "/api/orgs/{org}/quota", response_model=QuotaOut, summary="An org's quota and usage", responses=error_docs(401, 403, 404)
)
async def get_quota(org: OrgName, db: DB, actor: SignedIn) -> QuotaOut:
    """The org's limits (max_spaces, max_gpus) and its current usage. Needs membership of the org."""
    found = await find_org(db, org)
    require(actor, Action.ORG_MEMBERS_READ, org_ref(found))
    return await _quota_out(db, found.id, found.name)


@router.put(
    "/api/orgs/{org}/quota",
    response_model=QuotaOut,
    summary="Set an org's quota (site admins)",
    responses=error_docs(401, 403, 404, 422),
)
async def put_quota(org: OrgName, body: QuotaIn, db: DB, actor: SignedIn, request: Request) -> QuotaOut:
    """Set the org's limits. Lowering them stops nothing that runs; new Spaces and starts are checked against them.
    Needs a site administrator."""
    found = await find_org(db, org)
    require(actor, Action.SITE_ADMIN, SiteRef())
    row = (await db.execute(select(OrgQuota).where(OrgQuota.org_id == found.id).with_for_update())).scalar_one_or_none()
    before = await quota_for(db, found.id)
    if row is None:
        row = OrgQuota(org_id=found.id)
        db.add(row)
    row.max_spaces, row.max_gpus = body.max_spaces, body.max_gpus
    await audit.record(
        db,
        actor,
        "quota.update",
        "org",
        found.name,
        org_id=found.id,
        request=request,
        details={
            "before": {"max_spaces": before.max_spaces, "max_gpus": before.max_gpus},
            "after": body.model_dump(),
        },
    )
    await db.flush()
    return await _quota_out(db, found.id, found.name)
