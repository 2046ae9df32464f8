"""A Space's user-facing stage: every change goes through `set_stage`, which also appends to its history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.db.base import utcnow
from podium_cp.models import Space, SpaceStageEvent
from podium_cp.models.spaces import STAGES


def set_stage(db: AsyncSession, space: Space, stage: str, message: str = "", *, record_unchanged: bool = False) -> bool:
    """Move `space` (already flushed: it needs its id) to `stage` with `message` and append a `SpaceStageEvent`.

    Returns False, recording nothing, when the Space already is in that stage with that message, so a reconciler
    may call it on every pass; `record_unchanged=True` records it anyway (a new Space's first event).
    Raises ValueError for a stage not in `STAGES` or a Space without an id.
    """
    if stage not in STAGES:
        raise ValueError(f"Unknown Space stage {stage!r}; expected one of {', '.join(STAGES)}")
    if space.id is None:
        raise ValueError(f"Space {space.name!r} has no id yet; flush it before setting its stage")
    if space.stage == stage and space.stage_message == message and not record_unchanged:
        return False
    space.stage, space.stage_message = stage, message
    db.add(SpaceStageEvent(space_id=space.id, stage=stage, message=message, at=utcnow()))
    return True
