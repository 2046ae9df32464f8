"""A Space's runtime log: the last lines its container wrote, or followed as server-sent events.

The container is the one the Space's `space_runtimes` row names (the reconciler writes it); its lines come from
the installation's runtime (`podium_cp.runtime`), called in a worker thread since it blocks. Needs `space.read`
(a Space the caller may not read is 404). An engine that cannot be reached answers 503 `engine_unavailable`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from docker.errors import DockerException  # type: ignore[import-untyped]
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.api.deps import DB, ActorDep, get_database
from podium_cp.api.routes_orgs import error_docs
from podium_cp.errors import APIError
from podium_cp.models.spaces import Space, SpaceRuntime
from podium_cp.policy import Action, require
from podium_cp.runtime.base import ContainerEngineError, Runtime, RuntimeHandle
from podium_cp.settings import SettingsError
from podium_cp.spaces.service import find_space

router = APIRouter(tags=["spaces"])

FOLLOW_POLL_S = 1.0  # how often a followed log asks the engine for new lines
FOLLOW_WINDOW = 1000  # lines read per poll when following; more new lines than this within one poll are skipped
MAX_TAIL = 10_000
NO_CONTAINER = "The Space has no running container (it is building, sleeping, paused or stopped)"

Owner = Annotated[str, Path(description="The Space's owner: an org or a username", max_length=64)]
SpaceName = Annotated[str, Path(description="The Space's name", max_length=64)]


class EngineUnavailable(APIError):
    status, code = 503, "engine_unavailable"


class RuntimeLogsOut(BaseModel):
    """The last lines a Space's container wrote (stdout and stderr together)."""

    lines: list[str]
    container: str | None = Field(description="the container's short id; null when the Space runs none")
    note: str | None = Field(default=None, description="why there are no lines, when that is known")


def _runtime_sync(request: Request) -> Runtime:
    # Blocking: building a Docker client asks the engine for its API version.
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        from podium_cp.runtime.factory import runtime_from_settings

        runtime = runtime_from_settings(request.app.state.settings)
        request.app.state.runtime = runtime
    return runtime


async def _read_logs(request: Request, handle: RuntimeHandle, tail: int) -> list[str]:
    """The container's last `tail` lines, or 503 `engine_unavailable`."""

    def read() -> list[str]:
        return _runtime_sync(request).logs(handle, tail)

    try:
        return await anyio.to_thread.run_sync(read)
    except (ContainerEngineError, DockerException, OSError, SettingsError) as exc:
        # OSError covers the HTTP library's connection errors, which the engine client does not wrap.
        raise EngineUnavailable(
            f"Cannot read the Space's log: the container engine is unavailable ({exc}); try again in a moment"
        ) from None


async def _handle(db: AsyncSession, space: Space) -> RuntimeHandle | None:
    row = await db.get(SpaceRuntime, space.id, populate_existing=True)
    if row is None or not row.container_id:
        return None
    return RuntimeHandle(container_id=row.container_id, url=row.url or "")


def _event(data: str, event: str = "") -> str:
    # A newline would end the event's `data:` field early.
    data = data.replace("\r", " ").replace("\n", " ")
    return (f"event: {event}\n" if event else "") + f"data: {data}\n\n"


def new_lines(previous: list[str], current: list[str], window: int) -> list[str]:
    """The lines of `current` that `previous` did not have; both are the last (at most `window`) lines of one
    growing log. Under a full window the new lines follow the longest suffix of `previous` that `current`
    starts with (identical repeated lines may then be counted as old)."""
    if len(current) < window:
        return current[len(previous):] if current[: len(previous)] == previous else current
    for overlap in range(min(len(previous), len(current)), 0, -1):
        if current[overlap - 1] == previous[-1] and current[:overlap] == previous[-overlap:]:
            return current[overlap:]
    return current


async def _follow(
    request: Request, space_id: int, handle: RuntimeHandle | None, lines: list[str], tail: int
) -> AsyncIterator[str]:
    """Server-sent events: `event: container` (its short id) when a container appears or is replaced, one
    `data:` event per line (first the last `tail` of `lines`, already read from `handle`), `event: note` while
    none runs, `event: error` (then the end) when the engine fails, `event: end` when the Space is deleted."""
    database = get_database(request)
    window = max(tail, FOLLOW_WINDOW)
    shown: str | None = None  # the container whose lines were sent
    seen: list[str] = []
    noted = False
    while True:
        if handle is None:
            if not noted:
                yield _event(NO_CONTAINER, "note")
            noted, shown = True, None
        else:
            noted = False
            if handle.container_id != shown:
                yield _event(handle.container_id[:12], "container")
                fresh = lines[-tail:] if tail else []
                shown = handle.container_id
            else:
                fresh = new_lines(seen, lines, window)
            seen = lines
            for line in fresh:
                yield _event(line)
        if await request.is_disconnected():
            return
        await anyio.sleep(FOLLOW_POLL_S)
        async with database.read_session() as db:
            space = await db.get(Space, space_id)
            if space is None or space.desired_state == "deleted":
                yield _event("The Space was deleted", "end")
                return
            handle = await _handle(db, space)
        if handle is not None:
            try:
                lines = await _read_logs(request, handle, window)
            except EngineUnavailable as exc:
                yield _event(exc.message, "error")
                return


@router.get(
    "/api/spaces/{owner}/{name}/logs",
    response_model=RuntimeLogsOut,
    summary="A Space's runtime log (JSON, or followed as server-sent events)",
    responses={**error_docs(401, 404, 422, 503), 200: {"content": {"application/json": {}, "text/event-stream": {}}}},
)
async def runtime_logs(
    owner: Owner,
    name: SpaceName,
    db: DB,
    actor: ActorDep,
    request: Request,
    tail: Annotated[int, Query(ge=0, le=MAX_TAIL, description="How many of the last lines")] = 200,
    follow: Annotated[bool, Query(description="Stream new lines every second until the client disconnects")] = False,
) -> RuntimeLogsOut | Response:
    """The last `tail` lines the Space's container wrote, `{"lines", "container", "note"}`; no lines and a
    `note` when it runs no container. With `?follow=true` a `text/event-stream`: those lines, then new ones as
    they are written (see `_follow` for the events). 503 `engine_unavailable` when the container engine cannot be
    reached. Needs `space.read`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_READ, ref)
    handle = await _handle(db, space)
    if follow:
        # Read before the stream starts: an unreachable engine is a 503, not an empty stream.
        lines = await _read_logs(request, handle, max(tail, FOLLOW_WINDOW)) if handle is not None else []
        return StreamingResponse(
            _follow(request, space.id, handle, lines, tail),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    if handle is None:
        return RuntimeLogsOut(lines=[], container=None, note=NO_CONTAINER)
    lines = await _read_logs(request, handle, tail)
    return RuntimeLogsOut(lines=lines, container=handle.container_id[:12])
