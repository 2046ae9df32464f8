"""The router's view of the database: which Space a host names and where its replica runs, in ONE query,
cached about a second per host; waking a sleeping Space; recording activity (at most once per 30 s a Space).

Stage changes here are written as `podium_cp/spaces/stages.py: set_stage` would (the stage, its message and a
`space_stage_events` row), in one statement on the router's own connection.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from podium_cp.db.base import utcnow
from podium_cp.db.engine import Database
from podium_cp.db.raw import execute, fetch_one
from podium_cp.policy import SpaceRef
from podium_cp.roles import Visibility
from podium_cp.router.hosts import SpaceHost

# Stages in which no request can be served unless a replica still runs: the router shows a status page.
FAILED_STAGES = frozenset({"BUILD_ERROR", "RUNTIME_ERROR", "NO_APP_FILE", "CONFIG_ERROR", "PAUSED"})
# Written at most this often per Space (per router process): enough for sleep_time, cheap under load.
ACTIVITY_EVERY_S = 30.0
ACTIVITY_INTERVAL = timedelta(seconds=ACTIVITY_EVERY_S)

_LOOKUP = """
    SELECT s.id, s.name, s.owner_name, s.owner_org_id, s.owner_user_id, s.visibility, s.stage, s.stage_message,
           s.desired_state, r.url, r.status AS runtime_status
      FROM spaces s LEFT JOIN space_runtimes r ON r.space_id = s.id
     WHERE s.owner_name = %(owner)s AND s.name = %(name)s AND s.desired_state <> 'deleted'
"""
# Wake: desired running, SLEEPING -> APP_STARTING with a stage event; a no-op when it is no longer SLEEPING.
_WAKE = """
    WITH woken AS (
        UPDATE spaces SET desired_state = 'running', stage = 'APP_STARTING',
               stage_message = 'Woken by a request', updated_at = %(now)s
         WHERE id = %(id)s AND stage = 'SLEEPING'
        RETURNING id
    )
    INSERT INTO space_stage_events (space_id, at, stage, message)
    SELECT id, %(now)s, 'APP_STARTING', 'Woken by a request' FROM woken
"""
_WANT_RUNNING = "UPDATE spaces SET desired_state = 'running' WHERE id = %(id)s AND desired_state <> 'running'"
_TOUCH = """
    UPDATE spaces SET last_activity_at = %(now)s
     WHERE id = %(id)s AND (last_activity_at IS NULL OR last_activity_at < %(before)s)
"""


@dataclass(frozen=True)
class SpaceTarget:
    """A Space as the router needs it: identity and access facts, stage, and its replica (if any)."""

    id: int
    name: str
    owner_name: str
    owner_org_id: int | None
    owner_user_id: int | None
    visibility: Visibility
    stage: str
    stage_message: str
    desired_state: str
    url: str | None
    runtime_status: str | None

    @property
    def ref(self) -> SpaceRef:
        """The policy's reference to this Space."""
        return SpaceRef(
            name=self.name, visibility=self.visibility, org_id=self.owner_org_id, owner_user_id=self.owner_user_id
        )

    @property
    def full_name(self) -> str:
        """`OWNER/NAME`."""
        return f"{self.owner_name}/{self.name}"

    @property
    def serving(self) -> bool:
        """True when a replica runs and can take requests now."""
        return self.url is not None and self.runtime_status == "running" and self.stage != "SLEEPING"

    @property
    def failed(self) -> bool:
        """True when nothing serves and waiting would not help (build or runtime error, paused, ...)."""
        return not self.serving and self.stage in FAILED_STAGES


class SpaceDirectory:
    """Looks Spaces up by host (cached `ttl_s` seconds, misses too), wakes them and records their activity."""

    def __init__(self, database: Database, *, ttl_s: float = 1.0) -> None:
        self.database = database
        self.ttl_s = ttl_s
        self._cache: dict[SpaceHost, tuple[float, SpaceTarget | None]] = {}
        self._activity: dict[int, float] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def lookup(self, host: SpaceHost, *, fresh: bool = False) -> SpaceTarget | None:
        """The Space `host` names (None: no such Space). `fresh` skips the cache (and refreshes it)."""
        now = time.monotonic()
        if not fresh:
            cached = self._cache.get(host)
            if cached is not None and cached[0] > now:
                return cached[1]
        async with self.database.read_session() as db:
            row = await fetch_one(db, _LOOKUP, {"owner": host.owner, "name": host.name})
        target = None if row is None else SpaceTarget(
            id=int(row.id),
            name=row.name,
            owner_name=row.owner_name,
            owner_org_id=row.owner_org_id,
            owner_user_id=row.owner_user_id,
            visibility=Visibility(row.visibility),
            stage=row.stage,
            stage_message=row.stage_message,
            desired_state=row.desired_state,
            url=row.url.rstrip("/") if row.url else None,
            runtime_status=row.runtime_status,
        )
        if len(self._cache) > 10_000:
            self._cache.clear()  # bound memory against floods of made-up hosts
        self._cache[host] = (time.monotonic() + self.ttl_s, target)
        return target

    def forget(self, host: SpaceHost) -> None:
        """Drop the cached lookup of `host` (after a wake, so the next request sees the new replica)."""
        self._cache.pop(host, None)

    async def wake(self, space: SpaceTarget) -> None:
        """Ask for the Space to run: desired_state=running, and SLEEPING -> APP_STARTING (the reconciler starts it)."""
        async with self.database.read_session() as db:
            if space.stage == "SLEEPING":
                await execute(db, _WAKE, {"id": space.id, "now": utcnow()})
            else:
                await execute(db, _WANT_RUNNING, {"id": space.id})

    def record_activity(self, space_id: int) -> None:
        """Note a request to the Space; writes `last_activity_at` in the background at most every 30 s."""
        now = time.monotonic()
        last = self._activity.get(space_id)
        if last is not None and now - last < ACTIVITY_EVERY_S:
            return
        self._activity[space_id] = now
        task = asyncio.get_running_loop().create_task(self._touch(space_id, utcnow()))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _touch(self, space_id: int, at: datetime) -> None:
        try:
            async with self.database.read_session() as db:
                await execute(db, _TOUCH, {"id": space_id, "now": at, "before": at - ACTIVITY_INTERVAL})
        except Exception:  # activity is best effort: a lost write only delays sleep by one interval
            self._activity.pop(space_id, None)

    async def close(self) -> None:
        """Wait for pending activity writes."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
