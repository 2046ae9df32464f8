"""The build queue against the test Postgres: claims under real concurrency (separate connections, open
transactions), supersession of waiting builds, heartbeats, take-over of a dead worker's job, and finishing."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest
from sqlalchemy import select, update

from podium_cp.builds import queue
from podium_cp.db import Database
from podium_cp.models import User
from podium_cp.models.spaces import Build, BuildLogLine, Space, SpaceRevision

pytestmark = pytest.mark.anyio


async def _space(database: Database, name: str = "demo", revisions: int = 1) -> tuple[Space, list[SpaceRevision]]:
    async with database.session() as db:
        user = (await db.execute(select(User).where(User.username == "alice"))).scalar_one_or_none()
        if user is None:
            user = User(username="alice", email="alice@example.com")
            db.add(user)
            await db.flush()
        space = Space(name=name, owner_name="alice", owner_user_id=user.id)
        db.add(space)
        await db.flush()
        revs = [
            SpaceRevision(space_id=space.id, number=n, manifest={"files": []}, manifest_digest=f"d{n}")
            for n in range(1, revisions + 1)
        ]
        db.add_all(revs)
        await db.flush()
        return space, revs


async def _enqueue(database: Database, space: Space, revision: SpaceRevision) -> int:
    async with database.session() as db:
        return (await queue.enqueue_build(db, space, revision)).id


async def _status(database: Database) -> dict[int, str]:
    async with database.session() as db:
        return {b.id: b.status for b in (await db.execute(select(Build).order_by(Build.id))).scalars()}


async def test_a_newer_push_supersedes_the_waiting_build(database: Database) -> None:
    space, (r1, r2) = await _space(database, revisions=2)
    other, (o1,) = await _space(database, name="other")
    first = await _enqueue(database, space, r1)
    elsewhere = await _enqueue(database, other, o1)
    second = await _enqueue(database, space, r2)
    assert await _status(database) == {first: "cancelled", elsewhere: "queued", second: "queued"}
    async with database.session() as db:
        old = await db.get(Build, first)
        assert old is not None and old.error == f"superseded by build {second}" and old.finished_at is not None


async def test_a_running_build_is_not_superseded(database: Database) -> None:
    space, (r1, r2) = await _space(database, revisions=2)
    first = await _enqueue(database, space, r1)
    async with database.session() as db:
        assert (await queue.claim_next(db, "w1")) is not None
    second = await _enqueue(database, space, r2)
    assert await _status(database) == {first: "running", second: "queued"}


async def test_claims_take_the_oldest_first_and_fill_in_the_claim(database: Database) -> None:
    space, (r1,) = await _space(database)
    other, (o1,) = await _space(database, name="other")
    first = await _enqueue(database, space, r1)
    second = await _enqueue(database, other, o1)
    async with database.session() as db:
        build = await queue.claim_next(db, "w1")
        assert build is not None and build.id == first
        assert (build.status, build.attempts, build.claimed_by) == ("running", 1, "w1")
        assert build.started_at is not None and build.heartbeat_at is not None
    async with database.session() as db:
        nxt = await queue.claim_next(db, "w2")
        assert nxt is not None and nxt.id == second
    async with database.session() as db:
        assert await queue.claim_next(db, "w3") is None


async def test_two_open_transactions_never_get_the_same_job(database: Database) -> None:
    """Worker A's claim is not committed yet when worker B claims: B skips A's locked row instead of waiting."""
    space, (r1,) = await _space(database)
    other, (o1,) = await _space(database, name="other")
    first = await _enqueue(database, space, r1)
    second = await _enqueue(database, other, o1)
    async with database.session() as a, database.session() as b:
        got_a = await queue.claim_next(a, "worker-a")
        with anyio.fail_after(5):  # SKIP LOCKED: no waiting on A's lock
            got_b = await queue.claim_next(b, "worker-b")
            assert got_a is not None and got_b is not None
            assert {got_a.id, got_b.id} == {first, second}
            async with database.session() as c:
                assert await queue.claim_next(c, "worker-c") is None  # both rows locked or taken


async def test_many_workers_claiming_at_once_share_out_the_jobs(database: Database) -> None:
    spaces = [await _space(database, name=f"s{i}") for i in range(12)]
    ids = {await _enqueue(database, space, revs[0]) for space, revs in spaces}
    claims: list[tuple[str, int]] = []

    async def worker(n: int) -> None:
        while True:
            async with database.session() as db:
                build = await queue.claim_next(db, f"w{n}")
            if build is None:
                return
            claims.append((f"w{n}", build.id))

    async with anyio.create_task_group() as tg:
        for n in range(6):
            tg.start_soon(worker, n)
    claimed = [build_id for _, build_id in claims]
    assert sorted(claimed) == sorted(ids)  # every job once, none twice
    assert set((await _status(database)).values()) == {"running"}


async def test_a_job_whose_heartbeat_stopped_is_reclaimed(database: Database) -> None:
    space, (r1,) = await _space(database)
    build_id = await _enqueue(database, space, r1)
    async with database.session() as db:
        assert (await queue.claim_next(db, "dead")) is not None
    async with database.session() as db:  # fresh heartbeat: nothing to take over
        assert await queue.claim_next(db, "alive", stale_after=timedelta(seconds=60)) is None
        assert await queue.heartbeat(db, build_id, "dead")
    async with database.session() as db:  # the worker dies: its heartbeat gets old
        await db.execute(update(Build).values(heartbeat_at=Build.heartbeat_at - timedelta(seconds=120)))
    async with database.session() as db:
        taken = await queue.claim_next(db, "alive", stale_after=timedelta(seconds=60))
        assert taken is not None and taken.id == build_id
        assert (taken.claimed_by, taken.attempts, taken.status) == ("alive", 2, "running")
    async with database.session() as db:
        assert not await queue.heartbeat(db, build_id, "dead")  # the old worker learns it lost the job
        assert not await queue.finish(db, build_id, "dead", ok=True, image="x")
        assert await queue.heartbeat(db, build_id, "alive")
        assert await queue.finish(db, build_id, "alive", ok=True, image="podium/space-1:abc")
    async with database.session() as db:
        build = await db.get(Build, build_id)
        assert build is not None
        assert (build.status, build.image, build.error) == ("succeeded", "podium/space-1:abc", "")
        assert build.finished_at is not None


async def test_a_cancelled_build_stops_its_heartbeat(database: Database) -> None:
    space, (r1,) = await _space(database)
    build_id = await _enqueue(database, space, r1)
    async with database.session() as db:
        assert (await queue.claim_next(db, "w1")) is not None
    async with database.session() as db:
        await db.execute(update(Build).values(status="cancelled"))
    async with database.session() as db:
        assert not await queue.heartbeat(db, build_id, "w1")
        assert not await queue.finish(db, build_id, "w1", ok=False, error="boom")


async def test_failed_builds_keep_their_error_and_logs_their_lines(database: Database) -> None:
    space, (r1,) = await _space(database)
    build_id = await _enqueue(database, space, r1)
    async with database.session() as db:
        assert (await queue.claim_next(db, "w1")) is not None
        assert await queue.append_log(db, build_id, ["Step 1/3\n", "x" * 10_000, ""]) == 3
        assert await queue.append_log(db, build_id, []) == 0
        assert await queue.finish(db, build_id, "w1", ok=False, error="pip install failed")
    async with database.session() as db:
        lines = list((await db.execute(
            select(BuildLogLine.line).where(BuildLogLine.build_id == build_id).order_by(BuildLogLine.id)
        )).scalars())
        assert lines == ["Step 1/3", "x" * queue.MAX_LINE_CHARS, ""]
        build = await db.get(Build, build_id)
        assert build is not None and (build.status, build.error) == ("failed", "pip install failed")
