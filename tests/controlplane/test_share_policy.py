"""DatabasePolicy (the share server's decisions over share_links) against the real Postgres, on a clock the tests
move: refusals with their reasons, grants, expiry and revocation in the sweep, disconnects, restarts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from typing import Any

import httpx
import pytest
from helpers import sql

from podium_cp.db import Database
from podium_cp.policy import ANONYMOUS, SYSTEM
from podium_cp.settings import Settings
from podium_cp.share.policy import TOUCH_EVERY_S, DatabasePolicy
from podium_cp.share.service import issue_link, revoke_link
from podium_tunnel.policy import LoginRequest, ProxyGrant, ProxyRequest, Rejected

pytestmark = pytest.mark.anyio


class Clock:
    """A clock the test sets (unix seconds)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class NoDatabase:
    """Stands in for the Database where a step must not reach Postgres: any use fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the policy used the database ({name}) where it must answer from memory")


def proxy(token: str, run_id: str = "run-1", proxy_type: str = "http") -> ProxyRequest:
    return ProxyRequest(run_id=run_id, client_address="127.0.0.1:5000", user="", login_metas={}, proxy_name=token,
                        proxy_type=proxy_type, subdomain="random")


async def new_link(database: Database, settings: Settings, lifetime_s: int = 3600) -> tuple[str, str, float]:
    """(token, link id, expires_at as unix seconds) of a new anonymous link."""
    async with database.session() as db:
        issued = await issue_link(db, settings, ANONYMOUS, ip="10.0.0.1", lifetime_s=lifetime_s)
    return issued.token, issued.link.id, issued.link.expires_at.timestamp()


def row(url: str, link_id: str) -> Any:
    return sql(url, "SELECT * FROM share_links WHERE id = :id", id=link_id)[0]._mapping


async def test_a_live_link_is_granted_its_subdomain_and_expiry(
    database: Database, settings: Settings, pg_url: str
) -> None:
    token, link_id, expires_at = await new_link(database, settings)
    clock = Clock(expires_at - 1800)
    policy = DatabasePolicy(database, settings, clock=clock)
    await policy.login(LoginRequest(run_id="run-1", client_address="127.0.0.1:5000"))
    grant = await policy.new_proxy(proxy(token))
    stored = row(pg_url, link_id)
    assert grant == ProxyGrant(subdomain=stored["subdomain"], expires_at=expires_at, link_id=link_id)
    assert stored["connected_run_id"] == "run-1"
    assert stored["last_seen_at"].timestamp() == pytest.approx(clock.now)
    await policy.new_work_conn("run-1")
    await policy.ping("run-1")
    assert await policy.revoked([grant]) == {}


async def test_unknown_revoked_expired_and_non_http_are_refused(
    database: Database, settings: Settings, pg_url: str
) -> None:
    token, link_id, expires_at = await new_link(database, settings)
    clock = Clock(expires_at - 10)
    policy = DatabasePolicy(database, settings, clock=clock)
    with pytest.raises(Rejected) as refused:
        await policy.new_proxy(proxy("x" * 43))
    assert refused.value.reason == "unknown share link token; ask the share service for a new link"
    with pytest.raises(Rejected, match="http proxies"):
        await policy.new_proxy(proxy(token, proxy_type="tcp"))
    clock.now = expires_at  # expiry is inclusive: at expires_at the link is over
    with pytest.raises(Rejected, match="this share link expired at 20"):
        await policy.new_proxy(proxy(token))
    clock.now = expires_at - 10
    sql(pg_url, "UPDATE share_links SET revoked_at = now() WHERE id = :id", id=link_id)
    with pytest.raises(Rejected) as refused:
        await policy.new_proxy(proxy(token))
    assert refused.value.reason == "this share link was revoked"
    assert row(pg_url, link_id)["connected_run_id"] is None


async def test_the_sweep_reports_expiry_on_the_policy_clock_and_revocation_in_postgres(
    database: Database, settings: Settings, pg_url: str
) -> None:
    token_a, link_a, expires_a = await new_link(database, settings, lifetime_s=600)
    token_b, link_b, _ = await new_link(database, settings, lifetime_s=3600)
    clock = Clock(expires_a - 300)
    policy = DatabasePolicy(database, settings, clock=clock)
    grant_a = await policy.new_proxy(proxy(token_a, "run-a"))
    grant_b = await policy.new_proxy(proxy(token_b, "run-b"))
    assert await policy.revoked([grant_a, grant_b]) == {}
    clock.now = expires_a + 1
    stopped = await policy.revoked([grant_a, grant_b])
    assert set(stopped) == {link_a} and "expired at" in stopped[link_a]
    sql(pg_url, "UPDATE share_links SET revoked_at = now() WHERE id = :id", id=link_b)
    stopped = await policy.revoked([grant_a, grant_b])  # the next sweep sees it
    assert stopped[link_b] == "this share link was revoked"
    assert set(stopped) == {link_a, link_b}
    assert await policy.revoked([]) == {}


async def test_the_sweep_refreshes_last_seen_at_now_and_then_and_notices_deleted_links(
    database: Database, settings: Settings, pg_url: str
) -> None:
    token_a, link_a, expires_at = await new_link(database, settings)
    token_b, link_b, _ = await new_link(database, settings)
    clock = Clock(expires_at - 3000)
    policy = DatabasePolicy(database, settings, clock=clock)
    grants = [await policy.new_proxy(proxy(token_a, "run-a")), await policy.new_proxy(proxy(token_b, "run-b"))]
    assert await policy.revoked(grants) == {}
    seen = row(pg_url, link_a)["last_seen_at"].timestamp()
    assert seen == pytest.approx(clock.now)
    clock.now += TOUCH_EVERY_S / 2
    await policy.revoked(grants)
    assert row(pg_url, link_a)["last_seen_at"].timestamp() == pytest.approx(seen)  # not yet
    clock.now += TOUCH_EVERY_S
    sql(pg_url, "DELETE FROM share_links WHERE id = :id", id=link_b)  # e.g. its owner's account was deleted
    stopped = await policy.revoked(grants)
    assert stopped == {link_b: "this share link no longer exists"}
    assert row(pg_url, link_a)["last_seen_at"].timestamp() == pytest.approx(clock.now)


async def test_work_connections_and_pings_are_answered_from_memory(
    database: Database, settings: Settings, pg_url: str
) -> None:
    token, link_id, expires_at = await new_link(database, settings, lifetime_s=600)
    clock = Clock(expires_at - 100)
    policy = DatabasePolicy(database, settings, clock=clock)
    await policy.new_proxy(proxy(token, "run-1"))
    policy.database = NoDatabase()  # type: ignore[assignment]
    await policy.new_work_conn("run-1")
    await policy.new_work_conn("run-without-proxies")  # work connections come right after login, before proxies
    clock.now = expires_at + 1
    with pytest.raises(Rejected, match="expired at"):
        await policy.new_work_conn("run-1")
    with pytest.raises(Rejected, match="expired at"):
        await policy.ping("run-1")


async def test_a_ping_notices_a_revocation(database: Database, settings: Settings, pg_url: str) -> None:
    # Behind a stock frps (the plugin route) there is no sweep: a client's pings are where revocation shows.
    token, link_id, expires_at = await new_link(database, settings)
    clock = Clock(expires_at - 1000)
    policy = DatabasePolicy(database, settings, clock=clock)
    await policy.new_proxy(proxy(token, "run-1"))
    await policy.ping("run-1")
    sql(pg_url, "UPDATE share_links SET revoked_at = now() WHERE id = :id", id=link_id)
    clock.now += TOUCH_EVERY_S
    with pytest.raises(Rejected, match="revoked"):
        await policy.ping("run-1")


async def test_proxy_closed_clears_the_connection_only_for_its_own_run(
    database: Database, settings: Settings, pg_url: str
) -> None:
    token, link_id, expires_at = await new_link(database, settings)
    clock = Clock(expires_at - 1000)
    policy = DatabasePolicy(database, settings, clock=clock)
    grant = await policy.new_proxy(proxy(token, "run-1"))
    with pytest.raises(Rejected, match="already served by another client"):
        await policy.new_proxy(proxy(token, "run-2"))
    await policy.proxy_closed("run-2", grant)  # not the run that holds it: nothing changes
    assert row(pg_url, link_id)["connected_run_id"] == "run-1"
    clock.now += 5
    await policy.proxy_closed("run-1", grant)
    stored = row(pg_url, link_id)
    assert stored["connected_run_id"] is None
    assert stored["last_seen_at"].timestamp() == pytest.approx(clock.now)
    # The client may come back (a reconnect) under a new run id.
    assert (await policy.new_proxy(proxy(token, "run-2"))).link_id == link_id
    assert row(pg_url, link_id)["connected_run_id"] == "run-2"


async def test_a_restarted_server_grants_the_same_expiry(database: Database, settings: Settings, pg_url: str) -> None:
    token, link_id, expires_at = await new_link(database, settings, lifetime_s=7200)
    clock = Clock(expires_at - 7000)
    first = await DatabasePolicy(database, settings, clock=clock).new_proxy(proxy(token, "run-1"))
    clock.now += 3600  # an hour later, after a restart: a fresh policy, the client reconnects
    again = await DatabasePolicy(database, settings, clock=clock).new_proxy(proxy(token, "run-7"))
    assert again == first
    assert again.expires_at == pytest.approx(expires_at)
    assert row(pg_url, link_id)["expires_at"].timestamp() == pytest.approx(expires_at)
    assert row(pg_url, link_id)["expires_at"] - row(pg_url, link_id)["created_at"] == timedelta(hours=2)


# --- the share server (services/podium_services/share.py) over this policy ------------------------------------


async def _hello_app() -> asyncio.Server:
    """A tiny local HTTP app standing in for the laptop's app: answers every request with one line."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            body = b"hello from the laptop"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


async def test_a_link_works_through_the_share_server_until_it_is_revoked(
    database: Database, settings: Settings, pg_url: str
) -> None:
    from podium_services.share import share_server
    from podium_tunnel.client import TunnelClient, TunnelRejected

    token, link_id, _ = await new_link(database, settings)
    subdomain = row(pg_url, link_id)["subdomain"]
    app = await _hello_app()
    server = share_server(settings, DatabasePolicy(database, settings), bind=("127.0.0.1", 0),
                          vhost=("127.0.0.1", 0), sweep_interval=0.2)
    await server.start()
    client = TunnelClient("127.0.0.1", server.bind_port, local_port=app.sockets[0].getsockname()[1],
                          proxy_name=token, subdomain="random", pool_count=1, reconnect=False)
    visitor = httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.vhost_port}", timeout=30)
    host = {"Host": f"{subdomain}.share.localhost:8080"}
    try:
        assert await asyncio.wait_for(client.start(), 30) == settings.share_url(subdomain)
        assert row(pg_url, link_id)["connected_run_id"]
        answer = await visitor.get("/", headers=host)
        assert (answer.status_code, answer.text) == (200, "hello from the laptop")

        async with database.session() as db:
            await revoke_link(db, SYSTEM, link_id)
        ended = await asyncio.wait_for(client.wait_closed(), 30)  # the next sweep kills the tunnel
        assert ended.kind == "killed" and "revoked" in ended.message
        gone = await visitor.get("/", headers=host)
        assert gone.status_code == 404 and "was revoked" in gone.text and "Podium" in gone.text
        again = TunnelClient("127.0.0.1", server.bind_port, local_port=1, proxy_name=token, reconnect=False)
        with pytest.raises(TunnelRejected, match="this share link was revoked"):
            await asyncio.wait_for(again.start(), 30)
        await again.close()
        for _ in range(100):  # the server tells the policy the proxy closed, which clears the connection
            if row(pg_url, link_id)["connected_run_id"] is None:
                break
            await asyncio.sleep(0.1)
        assert row(pg_url, link_id)["connected_run_id"] is None
    finally:
        await visitor.aclose()
        await client.close()
        await server.close()
        app.close()
        await app.wait_closed()


def test_the_share_server_process_starts_and_stops_cleanly(pg_url: str) -> None:
    env = {**os.environ, "PODIUM_DATABASE_URL": pg_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "podium_services.share", "--bind", "127.0.0.1:0", "--vhost", "127.0.0.1:0"],
        env=env, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stderr is not None
        line = ""
        while "links at" not in line:
            line = process.stderr.readline()
            assert line, f"the share server ended before it said where it listens (exit {process.poll()})"
        assert "http://SUB.share.localhost:8080" in line
        vhost_port = int(re.findall(r"visitors on 127\.0\.0\.1:(\d+)", line)[0])
        page = httpx.get(f"http://127.0.0.1:{vhost_port}/", headers={"Host": "nothing.share.localhost"}, timeout=30)
        assert page.status_code == 404 and "has expired, was revoked, or its app is not running" in page.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
