"""The deep-link service (podium_cp.deeplinks.service) against the real Postgres: storing with the size limit and
the owner's expiry, reads that check scope and expiry and count openings, the Space's list (newest first, paged),
delete, retention changes that move expiries, and the purge."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from helpers import sql

from podium_cp.db import Database
from podium_cp.db.base import utcnow
from podium_cp.deeplinks.service import (
    DeepLinkExpired,
    NewDeepLink,
    SnapshotTooLarge,
    create_link,
    delete_link,
    list_links,
    open_link,
    purge_expired,
    set_retention,
    show_link,
    snapshot_size,
)
from podium_cp.deeplinks.tokens import Scope
from podium_cp.errors import Forbidden, InvalidInput, NotFound
from podium_cp.models import Space
from podium_cp.settings import Settings

pytestmark = pytest.mark.anyio

SNAPSHOT: dict[str, Any] = {
    "v": 1, "app": "9f2c41d07a3b5e68", "space_revision": "3",
    "components": {"name": {"type": "textbox", "label": "Name", "value": "Ada"},
                   "chatbot#1": {"type": "chatbot", "label": None, "value": [{"role": "user", "content": "hi"}]}},
    "layout": {"tabs#1": {"type": "tabs", "selected": "tab-b"}},
}


def add_user(url: str, username: str) -> int:
    return int(sql(url, "INSERT INTO users (username, display_name, is_site_admin, created_at) "
                        "VALUES (:name, '', false, now()) RETURNING id", name=username)[0][0])


def add_space(url: str, owner_id: int, name: str = "demo", retention: int = 30) -> int:
    return int(sql(url, "INSERT INTO spaces (name, owner_name, owner_user_id, title, sdk, visibility, hardware, "
                        "sleep_time, desired_state, stage, stage_message, restart_generation, created_at, updated_at, "
                        "deep_link_retention_days) VALUES (:name, 'alice', :user, '', 'podium', 'public', 'cpu-basic', "
                        "3600, 'running', 'RUNNING', '', 0, now(), now(), :days) RETURNING id",
                   name=name, user=owner_id, days=retention)[0][0])


def add_share_link(url: str, *, expires_in: timedelta = timedelta(days=2), revoked: bool = False) -> str:
    link_id = str(uuid.uuid4())
    digest = uuid.uuid4().hex * 2
    sql(url, "INSERT INTO share_links (id, token_sha256, subdomain, created_at, expires_at, revoked_at) "
             "VALUES (:id, :digest, :sub, now(), now() + :life, CASE WHEN :revoked THEN now() END)",
        id=link_id, digest=digest, sub=digest[:18], life=expires_in, revoked=revoked)
    return link_id


@pytest.fixture
def space_id(pg_url: str) -> int:
    return add_space(pg_url, add_user(pg_url, "alice"))


async def _create(database: Database, settings: Settings, scope: Scope, now: datetime | None = None,
                  snapshot: dict[str, Any] | None = None) -> Any:
    async with database.session() as db:
        return await create_link(db, settings, scope, NewDeepLink(snapshot or SNAPSHOT, "9f2c41d07a3b5e68", 3),
                                 now=now)


async def test_a_space_link_lives_the_spaces_retention_and_counts_openings(
    database: Database, settings: Settings, space_id: int, pg_url: str
) -> None:
    sql(pg_url, "UPDATE spaces SET deep_link_retention_days = 7 WHERE id = :id", id=space_id)
    link = await _create(database, settings, Scope(space_id=space_id))
    assert len(link.id) == 16 and link.expires_at - link.created_at == timedelta(days=7)
    assert link.size_bytes == snapshot_size(SNAPSHOT) and link.open_count == 0
    for count in (1, 2):
        async with database.read_session() as db:
            opened = await open_link(db, Scope(space_id=space_id), link.id)
        assert opened.snapshot == SNAPSHOT and opened.space_revision == 3 and opened.app_revision == "9f2c41d07a3b5e68"
        assert opened.open_count == count and opened.last_opened_at is not None


async def test_the_size_limit_and_unstorable_snapshots(database: Database, settings: Settings, space_id: int) -> None:
    scope = Scope(space_id=space_id)
    small = replace(settings, deep_link_max_bytes=2048)
    big = {"components": {"t": {"type": "textbox", "label": "T", "value": "é" * 1100}}}  # 2200 bytes in UTF-8
    with pytest.raises(SnapshotTooLarge) as refused:
        await _create(database, small, scope, snapshot=big)
    assert refused.value.status == 413 and "the limit is 2 KB" in refused.value.message
    fits = {"components": {"t": {"type": "textbox", "label": "T", "value": "x" * 1900}}}
    assert (await _create(database, small, scope, snapshot=fits)).size_bytes <= 2048
    with pytest.raises(InvalidInput, match="NUL"):
        await _create(database, settings, scope, snapshot={"components": {"t\x00": {"value": "a"}}})
    with pytest.raises(InvalidInput, match="NUL"):
        await _create(database, settings, scope, snapshot={"components": {"t": {"value": ["ok", {"x": "a\x00"}]}}})


async def test_deleted_spaces_and_dead_share_links_store_nothing(
    database: Database, settings: Settings, space_id: int, pg_url: str
) -> None:
    sql(pg_url, "UPDATE spaces SET desired_state = 'deleted' WHERE id = :id", id=space_id)
    with pytest.raises(NotFound, match="no longer exists"):
        await _create(database, settings, Scope(space_id=space_id))
    with pytest.raises(NotFound, match="no longer exists"):
        await _create(database, settings, Scope(space_id=space_id + 1000))
    with pytest.raises(Forbidden, match="revoked"):
        await _create(database, settings, Scope(share_link_id=add_share_link(pg_url, revoked=True)))
    with pytest.raises(Forbidden, match="expired"):
        await _create(database, settings, Scope(share_link_id=add_share_link(pg_url, expires_in=-timedelta(hours=1))))
    with pytest.raises(NotFound, match="no longer exists"):
        await _create(database, settings, Scope(share_link_id=str(uuid.uuid4())))


async def test_a_share_links_snapshots_expire_with_it(database: Database, settings: Settings, pg_url: str) -> None:
    link_id = add_share_link(pg_url, expires_in=timedelta(hours=5))
    link = await _create(database, settings, Scope(share_link_id=link_id))
    (expires,) = sql(pg_url, "SELECT expires_at FROM share_links WHERE id = :id", id=link_id)[0]
    assert link.expires_at == expires
    async with database.read_session() as db:
        assert (await open_link(db, Scope(share_link_id=link_id), link.id)).open_count == 1
    sql(pg_url, "UPDATE share_links SET revoked_at = now() WHERE id = :id", id=link_id)
    async with database.read_session() as db:
        with pytest.raises(DeepLinkExpired):
            await open_link(db, Scope(share_link_id=link_id), link.id)
    async with database.session() as db:
        assert await purge_expired(db) == 1


async def test_reads_are_scoped_and_check_expiry(
    database: Database, settings: Settings, space_id: int, pg_url: str
) -> None:
    other = add_space(pg_url, add_user(pg_url, "bob"), name="other")
    link = await _create(database, settings, Scope(space_id=space_id))
    share_id = add_share_link(pg_url)
    for scope in (Scope(space_id=other), Scope(share_link_id=share_id)):
        async with database.read_session() as db:
            with pytest.raises(NotFound):
                await open_link(db, scope, link.id)
    for wrong in ("nope", "../../etc/passwd", "x" * 65, "abcdefgh"):
        async with database.read_session() as db:
            with pytest.raises(NotFound):
                await open_link(db, Scope(space_id=space_id), wrong)
    later = utcnow() + timedelta(days=31)
    async with database.read_session() as db:
        with pytest.raises(DeepLinkExpired) as expired:
            await open_link(db, Scope(space_id=space_id), link.id, now=later)
        assert expired.value.status == 410 and expired.value.body()["detail"].startswith("This link expired on ")
    assert sql(pg_url, "SELECT open_count FROM deep_links")[0][0] == 0  # refused reads count nothing


async def test_list_is_newest_first_paged_and_leaves_out_expired_links(
    database: Database, settings: Settings, space_id: int, pg_url: str
) -> None:
    start = utcnow() - timedelta(hours=1)
    ids = [(await _create(database, settings, Scope(space_id=space_id), now=start + timedelta(minutes=i))).id
           for i in range(5)]
    same_time = [(await _create(database, settings, Scope(space_id=space_id), now=start)).id for _ in range(2)]
    other = add_space(pg_url, add_user(pg_url, "bob"), name="other")
    await _create(database, settings, Scope(space_id=other))
    sql(pg_url, "UPDATE deep_links SET expires_at = now() - interval '1 second' WHERE id = :id", id=ids[2])
    seen: list[str] = []
    cursor = None
    async with database.read_session() as db:
        while True:
            rows, cursor = await list_links(db, space_id, limit=2, cursor=cursor)
            seen += [row.id for row in rows]
            if cursor is None:
                break
        assert rows[0].labels is not None
    expected_tail = sorted([ids[0], *same_time], reverse=True)  # equal times: by id, descending
    assert seen == [ids[4], ids[3], ids[1], *expected_tail]
    async with database.read_session() as db:
        (first, *_), _ = await list_links(db, space_id, limit=1)
        assert sorted(first.labels) == ["Name", "chatbot#1"]  # the label, else the key
        for bad in ("garbage", "AAAA", "MjAyNi0wMS0wMXxzaG9ydA"):
            with pytest.raises(InvalidInput, match="cursor"):
                await list_links(db, space_id, limit=2, cursor=bad)


async def test_show_and_delete(database: Database, settings: Settings, space_id: int, pg_url: str) -> None:
    link = await _create(database, settings, Scope(space_id=space_id))
    async with database.read_session() as db:
        row, snapshot = await show_link(db, space_id, link.id)
    assert snapshot == SNAPSHOT and row.open_count == 0 and row.size_bytes == link.size_bytes
    async with database.session() as db:
        with pytest.raises(NotFound):
            await delete_link(db, space_id + 1, link.id)
        await delete_link(db, space_id, link.id)
    async with database.session() as db:
        with pytest.raises(NotFound):
            await delete_link(db, space_id, link.id)
    assert sql(pg_url, "SELECT count(*) FROM deep_links")[0][0] == 0


async def test_retention_moves_existing_expiries_and_purge_deletes_expired(
    database: Database, settings: Settings, space_id: int, pg_url: str
) -> None:
    old = await _create(database, settings, Scope(space_id=space_id), now=utcnow() - timedelta(days=10))
    new = await _create(database, settings, Scope(space_id=space_id))
    share = await _create(database, settings, Scope(share_link_id=add_share_link(pg_url)))
    async with database.session() as db:
        space = await db.get(Space, space_id, with_for_update=True)
        assert space is not None
        assert await set_retention(db, space, 5) == 2
        with pytest.raises(InvalidInput):
            await set_retention(db, space, 0)
        with pytest.raises(InvalidInput):
            await set_retention(db, space, 366)
    rows = dict(sql(pg_url, "SELECT id, expires_at - created_at FROM deep_links WHERE space_id IS NOT NULL"))
    assert rows == {old.id: timedelta(days=5), new.id: timedelta(days=5)}
    assert sql(pg_url, "SELECT deep_link_retention_days FROM spaces")[0][0] == 5
    async with database.read_session() as db:
        with pytest.raises(DeepLinkExpired):
            await open_link(db, Scope(space_id=space_id), old.id)
    async with database.session() as db:
        assert await purge_expired(db) == 1
        assert await purge_expired(db) == 0
    remaining = {row[0] for row in sql(pg_url, "SELECT id FROM deep_links")}
    assert remaining == {new.id, share.id}
    # A later retention brings nothing back, and a longer one lengthens what is left.
    async with database.session() as db:
        space = await db.get(Space, space_id, with_for_update=True)
        assert space is not None and await set_retention(db, space, 365) == 1
    assert sql(pg_url, "SELECT expires_at - created_at FROM deep_links WHERE id = :id", id=new.id)[0][0] == \
        timedelta(days=365)


async def test_deleting_the_owner_deletes_its_links(
    database: Database, settings: Settings, space_id: int, pg_url: str
) -> None:
    await _create(database, settings, Scope(space_id=space_id))
    link_id = add_share_link(pg_url)
    await _create(database, settings, Scope(share_link_id=link_id))
    sql(pg_url, "DELETE FROM spaces WHERE id = :id", id=space_id)
    sql(pg_url, "DELETE FROM share_links WHERE id = :id", id=link_id)
    assert sql(pg_url, "SELECT count(*) FROM deep_links")[0][0] == 0


def test_the_table_refuses_a_link_of_both_or_neither(pg_url: str, space_id: int) -> None:
    from sqlalchemy.exc import IntegrityError

    link_id = add_share_link(pg_url)
    for space, share in ((space_id, link_id), (None, None)):
        with pytest.raises(IntegrityError, match="ck_deep_links_one_owner"):
            sql(pg_url, "INSERT INTO deep_links (id, space_id, share_link_id, app_revision, snapshot, size_bytes, "
                        "created_at, expires_at) VALUES ('abcdefgh', :s, :l, 'x', '{}', 2, now(), now())",
                s=space, l=share)
    with pytest.raises(IntegrityError, match="ck_spaces_deep_link_retention_days_range"):
        sql(pg_url, "UPDATE spaces SET deep_link_retention_days = 0")


def test_the_deep_link_settings(tmp_path: Any) -> None:
    from pathlib import Path

    from podium_cp.settings import SettingsError

    base = {"PODIUM_DATABASE_URL": "postgresql://u@h/db", "PODIUM_DATA_DIR": str(tmp_path)}
    defaults = Settings.from_env(base)
    assert (defaults.deep_link_max_bytes, defaults.deep_link_retention_days) == (524288, 30)
    assert defaults.spaces_api_socket == tmp_path.resolve() / "run" / "api.sock" and defaults.spaces_api_url == ""
    chosen = Settings.from_env({**base, "PODIUM_DEEP_LINK_MAX_BYTES": "2048", "PODIUM_DEEP_LINK_RETENTION_DAYS": "365",
                                "PODIUM_SPACES_API_SOCKET": "/run/podium-api/api.sock",
                                "PODIUM_SPACES_API_URL": "http://podium-api.podium.svc:8700/"})
    assert (chosen.deep_link_max_bytes, chosen.deep_link_retention_days) == (2048, 365)
    assert chosen.spaces_api_socket == Path("/run/podium-api/api.sock")
    assert chosen.spaces_api_url == "http://podium-api.podium.svc:8700"
    for name, value in (("PODIUM_DEEP_LINK_MAX_BYTES", "100"), ("PODIUM_DEEP_LINK_MAX_BYTES", "big"),
                        ("PODIUM_DEEP_LINK_RETENTION_DAYS", "0"), ("PODIUM_DEEP_LINK_RETENTION_DAYS", "366"),
                        ("PODIUM_SPACES_API_URL", "podium-api:8700")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**base, name: value})
