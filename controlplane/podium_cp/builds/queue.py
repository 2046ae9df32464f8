"""The build queue: `Build` rows in Postgres, claimed by builder workers with `FOR UPDATE SKIP LOCKED`.

A job goes `queued` -> `running` -> `succeeded` | `failed`, or `cancelled` when a newer push of the same Space
supersedes it while it still waits. A running job carries its worker's heartbeat; when a worker dies its job's
heartbeat gets old and `claim_next` hands the job to another worker (`attempts` counts the claims). Every call
runs in the caller's transaction: commit right after `claim_next` so the claim is visible to the other workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.models.spaces import Build, BuildLogLine, Space, SpaceRevision

__all__ = ["FINISHED", "STALE_AFTER", "append_log", "claim_next", "enqueue_build", "finish", "heartbeat"]

STALE_AFTER = timedelta(seconds=60)
FINISHED = frozenset({"succeeded", "failed", "cancelled"})
MAX_LINE_CHARS = 8192  # one log line; longer ones are cut (a progress bar without newlines can be megabytes)


async def enqueue_build(db: AsyncSession, space: Space, revision: SpaceRevision) -> Build:
    """Queue a build of `revision`; builds of the same Space still waiting are cancelled (superseded)."""
    build = Build(space_id=space.id, revision_id=revision.id, status="queued")
    db.add(build)
    await db.flush()
    await db.execute(
        update(Build)
        .where(Build.space_id == space.id, Build.status == "queued", Build.id < build.id)
        .values(status="cancelled", finished_at=func.now(), error=f"superseded by build {build.id}")
        .execution_options(synchronize_session=False)
    )
    return build


async def claim_next(db: AsyncSession, worker_id: str, stale_after: timedelta = STALE_AFTER) -> Build | None:
    """Claim the oldest waiting job, or a running one whose worker stopped heartbeating; None when there is none.

    One statement: the candidate row is locked with `FOR UPDATE SKIP LOCKED`, so two workers claiming at the
    same time never get the same job, and neither waits for the other.
    """
    candidate = (
        select(Build.id)
        .where(
            or_(
                Build.status == "queued",
                and_(Build.status == "running", Build.heartbeat_at < func.now() - stale_after),
            )
        )
        .order_by(Build.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = await db.execute(
        update(Build)
        .where(Build.id == candidate)
        .values(
            status="running",
            attempts=Build.attempts + 1,
            claimed_by=worker_id,
            started_at=func.now(),
            heartbeat_at=func.now(),
        )
        .returning(Build)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return claimed.scalars().first()


async def heartbeat(db: AsyncSession, build_id: int, worker_id: str) -> bool:
    """Record that `worker_id` still works on the build; False when it no longer holds it (taken over, cancelled)."""
    kept = await db.execute(
        update(Build)
        .where(Build.id == build_id, Build.claimed_by == worker_id, Build.status == "running")
        .values(heartbeat_at=func.now())
        .returning(Build.id)
        .execution_options(synchronize_session=False)
    )
    return kept.first() is not None


async def append_log(db: AsyncSession, build_id: int, lines: Iterable[str]) -> int:
    """Add output lines to the build's live log (trailing newlines dropped, long lines cut); returns how many."""
    rows = [{"build_id": build_id, "line": line.rstrip("\r\n")[:MAX_LINE_CHARS]} for line in lines]
    if rows:
        await db.execute(insert(BuildLogLine), rows)
    return len(rows)


async def finish(
    db: AsyncSession, build_id: int, worker_id: str, *, ok: bool, image: str | None = None, error: str = ""
) -> bool:
    """End the build as `succeeded` (with its `image`) or `failed` (with `error`).

    False, and nothing changes, when `worker_id` no longer holds the build (another worker took it over).
    """
    done = await db.execute(
        update(Build)
        .where(Build.id == build_id, Build.claimed_by == worker_id, Build.status == "running")
        .values(
            status="succeeded" if ok else "failed",
            image=image,
            error="" if ok else error,
            finished_at=func.now(),
        )
        .returning(Build.id)
        .execution_options(synchronize_session=False)
    )
    return done.first() is not None
