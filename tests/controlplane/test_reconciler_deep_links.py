"""What the reconciler does for deep links (docs/design/deep-links.md): each replica gets its Space's token
(PODIUM_DEEP_LINK_TOKEN) and the API's address (PODIUM_DEEP_LINK_API: the API's Unix socket, its folder mounted
read-only at /run/podium, or PODIUM_SPACES_API_URL), and expired links are purged about once a minute.

The container engine is the in-memory `FakeRuntime` and time the `Clock` of reconciler_support.py; a real
container reaching the socket through the mount is in test_container_engine.py.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import sql
from reconciler_support import Clock, Env, FakeRuntime, make_space, no_swallowed_errors
from sqlalchemy import select

from podium_cp.db import Database
from podium_cp.deeplinks.tokens import Scope, open_token
from podium_cp.models.deep_links import DeepLink
from podium_cp.runtime.base import Mount
from podium_cp.settings import Settings
from podium_cp.spaces.reconciler import LABEL_CONFIG, PURGE_EVERY_S
from podium_cp.spaces.replica_env import deep_link_api

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _no_swallowed_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with no_swallowed_errors(caplog):
        yield


@pytest.fixture
def env(database: Database, settings: Settings) -> Env:
    return Env(database, FakeRuntime(), Clock(), settings)


async def test_each_replica_gets_its_spaces_token_and_the_api_socket(env: Env) -> None:
    demo = await make_space(env.database, "demo")
    other = await make_space(env.database, "other")
    await env.reconciler().pass_once()
    specs = {spec.space_id: spec for spec in env.runtime.starts()}
    for space_id in (demo, other):
        spec = specs[space_id]
        assert open_token(env.settings, spec.env["PODIUM_DEEP_LINK_TOKEN"]) == Scope(space_id=space_id)
        assert spec.env["PODIUM_DEEP_LINK_API"] == "unix:///run/podium/api.sock"
        assert spec.mounts == (Mount(host_path=str(env.settings.data_dir / "run"), container_path="/run/podium"),)
    assert env.settings.spaces_api_socket == env.settings.data_dir / "run" / "api.sock"


async def test_a_spaces_own_variables_cannot_replace_the_token(env: Env) -> None:
    from podium_cp.models.spaces import SpaceVariable

    space_id = await make_space(env.database)
    async with env.database.session() as db:
        db.add_all([SpaceVariable(space_id=space_id, name="PODIUM_DEEP_LINK_TOKEN", value="pdl1.forged"),
                    SpaceVariable(space_id=space_id, name="PODIUM_DEEP_LINK_API", value="http://elsewhere")])
    await env.reconciler().pass_once()
    (spec,) = env.runtime.starts()
    assert open_token(env.settings, spec.env["PODIUM_DEEP_LINK_TOKEN"]) == Scope(space_id=space_id)
    assert spec.env["PODIUM_DEEP_LINK_API"] == "unix:///run/podium/api.sock"


def test_the_api_address_on_a_cluster_and_with_a_socket_of_another_name(settings: Settings, tmp_path: Path) -> None:
    cluster = dataclasses.replace(settings, spaces_api_url="http://podium-api.podium.svc:8700")
    assert deep_link_api(cluster) == ("http://podium-api.podium.svc:8700", ())
    elsewhere = dataclasses.replace(settings, spaces_api_socket=tmp_path / "sockets" / "podium.sock")
    assert deep_link_api(elsewhere) == ("unix:///run/podium/podium.sock",
                                        (Mount(str(tmp_path / "sockets"), "/run/podium"),))


async def test_a_new_api_address_restarts_the_replica(env: Env) -> None:
    space_id = await make_space(env.database)
    await env.reconciler().pass_once()
    (first,) = env.runtime.starts()
    env.settings = dataclasses.replace(env.settings, spaces_api_url="http://api.internal:8700")
    await env.reconciler().pass_once()
    assert [spec.space_id for spec in env.runtime.starts()] == [space_id, space_id]
    second = env.runtime.starts()[1]
    assert second.labels[LABEL_CONFIG] != first.labels[LABEL_CONFIG]
    assert second.env["PODIUM_DEEP_LINK_API"] == "http://api.internal:8700" and second.mounts == ()


async def test_without_secret_keys_spaces_start_without_a_token(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    env.settings = dataclasses.replace(env.settings, secret_keys="")
    await make_space(env.database, "one")
    await make_space(env.database, "two")
    await env.reconciler().pass_once()
    assert len(env.runtime.starts()) == 2
    for spec in env.runtime.starts():
        assert "PODIUM_DEEP_LINK_TOKEN" not in spec.env and "PODIUM_DEEP_LINK_API" not in spec.env
        assert spec.mounts == ()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "deep-link token" in r.getMessage()]
    assert len(warnings) == 1  # said once, not per Space


async def _add_link(env: Env, link_id: str, space_id: int, expires_in_s: float) -> None:
    async with env.database.session() as db:
        db.add(DeepLink(id=link_id, space_id=space_id, app_revision="0123456789abcdef", space_revision=1,
                        snapshot={"v": 1}, size_bytes=8, created_at=env.clock.now,
                        expires_at=env.clock.now + timedelta(seconds=expires_in_s)))


async def _link_ids(env: Env) -> set[str]:
    async with env.database.session() as db:
        return set((await db.execute(select(DeepLink.id))).scalars())


async def test_expired_deep_links_are_purged_about_once_a_minute(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    space_id = await make_space(env.database)
    await _add_link(env, "expired-aaaa", space_id, -1)
    await _add_link(env, "fresh-bbbbbb", space_id, 30)
    reconciler = env.reconciler()
    await reconciler.pass_once()
    assert await _link_ids(env) == {"fresh-bbbbbb"}
    assert any("purged 1 expired deep link" in r.getMessage() for r in caplog.records)

    env.clock.advance(PURGE_EVERY_S / 2)  # the fresh one has expired, but the next purge is not due yet
    await reconciler.pass_once()
    assert await _link_ids(env) == {"fresh-bbbbbb"}
    env.clock.advance(PURGE_EVERY_S / 2)
    await reconciler.pass_once()
    assert await _link_ids(env) == set()


async def test_a_failing_purge_is_logged_and_spaces_are_still_reconciled(
    env: Env, pg_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("podium_cp.spaces.reconciler.purge_expired", broken)
    await make_space(env.database)
    with caplog.at_level(logging.INFO, logger="podium.reconciler"):
        await env.reconciler().pass_once()
    assert len(env.runtime.starts()) == 1
    failed = [r for r in caplog.records if r.getMessage() == "purging expired deep links failed"]
    assert len(failed) == 1
    caplog.records.remove(failed[0])  # expected here; no_swallowed_errors checks the rest
    assert sql(pg_url, "SELECT count(*) FROM deep_links")[0][0] == 0
