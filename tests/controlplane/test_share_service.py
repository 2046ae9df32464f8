"""Share links' service (podium_cp.share.service) against the real Postgres: issue, lifetimes, the anonymous rate
limit per address, listing, revoking, and that the token is never stored in clear."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from helpers import sql

from podium_cp.db import Database
from podium_cp.db.base import utcnow
from podium_cp.errors import Forbidden, InvalidInput, NotFound
from podium_cp.policy import ANONYMOUS, Actor
from podium_cp.roles import Scope
from podium_cp.settings import Settings, SettingsError, split_host_port
from podium_cp.share.service import ShareRateLimited, issue_link, link_status, list_links, revoke_link
from podium_tunnel.policy import gradio_subdomain

pytestmark = pytest.mark.anyio

WEEK = 7 * 24 * 3600


def add_user(url: str, username: str, *, admin: bool = False) -> Actor:
    """A user row, and their Actor as a browser session would make it."""
    user_id = int(sql(url, "INSERT INTO users (username, display_name, is_site_admin, created_at) "
                           "VALUES (:name, '', :admin, now()) RETURNING id", name=username, admin=admin)[0][0])
    return Actor(user_id=user_id, username=username, site_admin=admin)


async def test_issue_stores_only_the_digest_and_derives_the_subdomain(
    database: Database, settings: Settings, pg_url: str
) -> None:
    alice = add_user(pg_url, "alice")
    async with database.session() as db:
        issued = await issue_link(db, settings, alice, ip="10.0.0.1", label="demo")
    token = issued.token
    assert len(token) == 43
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert issued.link.subdomain == digest[:18] == gradio_subdomain(token)
    assert issued.link.expires_at - issued.link.created_at == timedelta(seconds=WEEK)  # the default: the maximum
    rows = sql(pg_url, "SELECT * FROM share_links")
    assert len(rows) == 1
    row = rows[0]._mapping
    assert row["token_sha256"] == digest and row["owner_id"] == alice.user_id and row["label"] == "demo"
    assert row["created_ip"] == "10.0.0.1" and row["connected_run_id"] is None
    assert all(token not in str(value) for value in row.values()), "the token is stored in clear"


async def test_lifetime_limits(database: Database, settings: Settings, pg_url: str) -> None:
    alice = add_user(pg_url, "alice")
    async with database.session() as db:
        exact = await issue_link(db, settings, alice, ip="10.0.0.1", lifetime_s=WEEK)
        assert exact.link.expires_at - exact.link.created_at == timedelta(seconds=WEEK)
        short = await issue_link(db, settings, alice, ip="10.0.0.1", lifetime_s=60)
        assert short.link.expires_at - short.link.created_at == timedelta(seconds=60)
        with pytest.raises(InvalidInput, match=r"at most 7 days \(604800 s\)"):
            await issue_link(db, settings, alice, ip="10.0.0.1", lifetime_s=WEEK + 1)
        with pytest.raises(InvalidInput, match="at least 60 s"):
            await issue_link(db, settings, alice, ip="10.0.0.1", lifetime_s=59)
        # A smaller maximum from PODIUM_SHARE_MAX_LIFETIME is the default and the cap.
        one_day = replace(settings, share_max_lifetime_s=86400)
        capped = await issue_link(db, one_day, alice, ip="10.0.0.1")
        assert capped.link.expires_at - capped.link.created_at == timedelta(days=1)
        with pytest.raises(InvalidInput, match="at most 1 day"):
            await issue_link(db, one_day, alice, ip="10.0.0.1", lifetime_s=86401)


async def test_anonymous_links_are_limited_per_address_in_a_rolling_hour(
    database: Database, settings: Settings, pg_url: str
) -> None:
    limited = replace(settings, share_anonymous_per_hour=3)
    start = utcnow()
    for minute in range(3):
        async with database.session() as db:
            await issue_link(db, limited, ANONYMOUS, ip="10.0.0.1", now=start + timedelta(minutes=minute))
    async with database.session() as db:
        with pytest.raises(ShareRateLimited, match="podium login") as refused:
            await issue_link(db, limited, ANONYMOUS, ip="10.0.0.1", now=start + timedelta(minutes=10))
    # The first link leaves the window an hour after it was made: 50 minutes from then.
    assert refused.value.retry_after_s == 50 * 60 and refused.value.status == 429
    async with database.session() as db:  # another address has its own count
        await issue_link(db, limited, ANONYMOUS, ip="10.0.0.2", now=start + timedelta(minutes=10))
    alice = add_user(pg_url, "alice")
    async with database.session() as db:  # a signed-in user is not limited, even from the same address
        for _ in range(5):
            await issue_link(db, limited, alice, ip="10.0.0.1", now=start + timedelta(minutes=10))
    async with database.session() as db:  # an hour after the first link, there is room for one more
        await issue_link(db, limited, ANONYMOUS, ip="10.0.0.1", now=start + timedelta(minutes=60, seconds=1))
        with pytest.raises(ShareRateLimited):
            await issue_link(db, limited, ANONYMOUS, ip="10.0.0.1", now=start + timedelta(minutes=60, seconds=2))
    anonymous = sql(pg_url, "SELECT count(*) FROM share_links WHERE owner_id IS NULL")[0][0]
    assert anonymous == 5


async def test_no_anonymous_links_when_the_limit_is_zero(database: Database, settings: Settings) -> None:
    async with database.session() as db:
        with pytest.raises(ShareRateLimited, match="sign in with `podium login`"):
            await issue_link(db, replace(settings, share_anonymous_per_hour=0), ANONYMOUS, ip="10.0.0.1")


async def test_read_only_tokens_cannot_create_or_revoke(database: Database, settings: Settings, pg_url: str) -> None:
    alice = add_user(pg_url, "alice")
    reader = replace(alice, via="token", scopes=frozenset({Scope.READ}))
    async with database.session() as db:
        with pytest.raises(Forbidden, match="write scope"):
            await issue_link(db, settings, reader, ip="10.0.0.1")
        issued = await issue_link(db, settings, replace(reader, scopes=frozenset({Scope.WRITE})), ip="10.0.0.1")
        with pytest.raises(Forbidden, match="write scope"):
            await revoke_link(db, reader, issued.link.id)
        assert [link.id for link in await list_links(db, reader)] == [issued.link.id]


async def test_list_and_revoke(database: Database, settings: Settings, pg_url: str) -> None:
    alice = add_user(pg_url, "alice")
    bob = add_user(pg_url, "bob")
    admin = add_user(pg_url, "root", admin=True)
    async with database.session() as db:
        mine = await issue_link(db, settings, alice, ip="10.0.0.1", lifetime_s=60)
        theirs = await issue_link(db, settings, bob, ip="10.0.0.2")
        anonymous = await issue_link(db, settings, ANONYMOUS, ip="10.0.0.3")
    async with database.session() as db:
        assert [link.id for link in await list_links(db, alice)] == [mine.link.id]
        with pytest.raises(Forbidden):
            await list_links(db, alice, everyone=True)
        everyone = {link.id for link in await list_links(db, admin, everyone=True)}
        assert everyone == {mine.link.id, theirs.link.id, anonymous.link.id}
        assert await list_links(db, ANONYMOUS) == []
    async with database.session() as db:
        for missing in (theirs.link.id, anonymous.link.id, "no-such-link", "00000000-0000-0000-0000-000000000000"):
            with pytest.raises(NotFound):  # someone else's link reads as missing
                await revoke_link(db, alice, missing)
    async with database.session() as db:
        link, changed = await revoke_link(db, alice, mine.link.id)
        assert changed and link.revoked_by == alice.user_id
    first = sql(pg_url, "SELECT revoked_at FROM share_links WHERE id = :id", id=mine.link.id)[0][0]
    async with database.session() as db:
        _, changed = await revoke_link(db, alice, mine.link.id)  # twice: fine, and the first time stays
        assert not changed
        _, changed = await revoke_link(db, admin, anonymous.link.id)  # a site admin revokes anyone's
        assert changed
    assert sql(pg_url, "SELECT revoked_at FROM share_links WHERE id = :id", id=mine.link.id)[0][0] == first
    async with database.session() as db:
        statuses = {link.id: link_status(link, utcnow()) for link in await list_links(db, admin, everyone=True)}
        assert statuses == {mine.link.id: "revoked", theirs.link.id: "active", anonymous.link.id: "revoked"}
        later = utcnow() + timedelta(days=8)
        assert link_status(theirs.link, later) == "expired"


def test_share_settings_from_the_environment(tmp_path: Any) -> None:
    base = {"PODIUM_DATABASE_URL": "postgresql://podium@127.0.0.1/podium"}
    default = Settings.from_env(base)
    assert default.share_public_url == "http://share.localhost:8080"
    assert default.share_url("0123abcd") == "http://0123abcd.share.localhost:8080"
    assert (default.share_bind, default.share_tunnel_address, default.share_vhost) == (
        "0.0.0.0:7000", "127.0.0.1:7000", "127.0.0.1:7080")
    assert (default.share_max_lifetime_s, default.share_anonymous_per_hour, default.share_auth_token) == (WEEK, 20, "")
    assert default.share_tls_cert is None and default.share_plugin_secret == ""
    on_80 = Settings.from_env({**base, "PODIUM_SPACES_DOMAIN": "Example.COM", "PODIUM_ROUTER_PORT": "80"})
    assert on_80.share_url("abc") == "http://abc.share.example.com"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("x")
    key.write_text("x")
    custom = Settings.from_env({
        **base, "PODIUM_SPACES_DOMAIN": "example.com", "PODIUM_SHARE_PUBLIC_URL": "https://share.example.com/",
        "PODIUM_SHARE_BIND": "[::]:7443", "PODIUM_SHARE_TUNNEL_ADDRESS": "tunnel.example.com:7443",
        "PODIUM_SHARE_TLS_CERT": str(cert), "PODIUM_SHARE_TLS_KEY": str(key), "PODIUM_SHARE_MAX_LIFETIME": "3600",
        "PODIUM_SHARE_ANONYMOUS_PER_HOUR": "0", "PODIUM_SHARE_AUTH_TOKEN": "t", "PODIUM_SHARE_PLUGIN_SECRET": "p",
    })
    assert custom.share_url("abc") == "https://abc.share.example.com"
    assert split_host_port(custom.share_bind) == ("::", 7443)
    assert split_host_port(custom.share_tunnel_address) == ("tunnel.example.com", 7443)
    assert (custom.share_max_lifetime_s, custom.share_anonymous_per_hour) == (3600, 0)
    assert custom.share_tls_cert == str(cert) and custom.share_plugin_secret == "p"
    wrong = {
        "PODIUM_SHARE_MAX_LIFETIME": "604801",
        "PODIUM_SHARE_PUBLIC_URL": "http://links.localhost:8080",
        "PODIUM_SHARE_VHOST": "7080",
        "PODIUM_SHARE_TLS_CERT": str(cert),  # without the key
        "PODIUM_SHARE_ANONYMOUS_PER_HOUR": "-1",
    }
    for name, value in wrong.items():
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**base, name: value})
