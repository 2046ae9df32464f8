"""`DatabasePolicy`: the share server's decisions (podium_tunnel.policy.Policy) over the `share_links` table.

A tunnel's NewProxy names the link's secret token; the policy looks up its sha256, refuses unknown, revoked and
expired links, and grants the link's subdomain until its `expires_at`. Work connections and pings are answered
from memory (no database round trip each); the server's sweep asks `revoked()` about every proxy it serves once
a second, which is one indexed query. Times are compared on the policy's own clock, so tests can move it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone

from podium_cp.db import Database
from podium_cp.db.raw import execute, fetch_all, fetch_one
from podium_cp.settings import Settings
from podium_cp.share.service import token_digest
from podium_tunnel.policy import LoginRequest, ProxyGrant, ProxyRequest, Rejected

logger = logging.getLogger("podium_cp.share")

TOUCH_EVERY_S = 30.0  # how often the sweep refreshes last_seen_at of the links being served
UNAVAILABLE = "the share service cannot reach its database right now; try again in a minute"

_BY_TOKEN = """SELECT id, subdomain, expires_at, revoked_at, connected_run_id FROM share_links
                WHERE token_sha256 = %(hash)s"""
_CONNECT = "UPDATE share_links SET connected_run_id = %(run)s, last_seen_at = %(now)s WHERE id = %(id)s"
_DISCONNECT = """UPDATE share_links SET connected_run_id = NULL, last_seen_at = %(now)s
                  WHERE id = %(id)s AND connected_run_id = %(run)s"""
_STOPPED = """SELECT id, expires_at, revoked_at FROM share_links
               WHERE id = ANY(%(ids)s) AND (revoked_at IS NOT NULL OR expires_at <= %(now)s)"""
_EXISTING = "SELECT id FROM share_links WHERE id = ANY(%(ids)s)"
_TOUCH = "UPDATE share_links SET last_seen_at = %(now)s WHERE id = ANY(%(ids)s) AND connected_run_id IS NOT NULL"


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _spell(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def expired_reason(expires_at: datetime) -> str:
    """The reason given for a link past its expiry."""
    return f"this share link expired at {_spell(expires_at)}; ask the share service for a new link"


class DatabasePolicy:
    """The share server's policy over Postgres. One instance per share server process.

    `clock` (unix seconds) is what expiry is compared against, here and in the tunnel server.
    """

    def __init__(self, database: Database, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.settings = settings
        self._clock = clock
        # run id -> {link id: expires_at (unix seconds)} of the proxies this process serves for that client.
        self._runs: dict[str, dict[str, float]] = {}
        self._touched_at = float("-inf")
        self._pinged_at: dict[str, float] = {}  # run id -> when its ping last checked Postgres

    def now(self) -> float:
        return self._clock()

    async def login(self, request: LoginRequest) -> None:
        """Any client may log in (the tunnel server checks the FRP auth token); links are checked per proxy."""
        return None

    async def new_proxy(self, request: ProxyRequest) -> ProxyGrant:
        """The link named by `request.proxy_name` (its secret token), if it is live: its subdomain and expiry."""
        if request.proxy_type != "http":
            raise Rejected(f"proxy type {request.proxy_type!r} is not served here; share links are http proxies")
        now = self.now()
        try:
            async with self.database.read_session() as db:
                row = await fetch_one(db, _BY_TOKEN, {"hash": token_digest(request.proxy_name)})
                if row is not None and row.revoked_at is None and row.expires_at.timestamp() > now:
                    self._check_not_served_elsewhere(row.id, request.run_id)
                    await execute(db, _CONNECT, {"run": request.run_id, "now": _utc(now), "id": row.id})
        except Rejected:
            raise
        except Exception:
            logger.exception("share link lookup failed")
            raise Rejected(UNAVAILABLE) from None
        if row is None:
            raise Rejected("unknown share link token; ask the share service for a new link")
        if row.revoked_at is not None:
            raise Rejected("this share link was revoked")
        if row.expires_at.timestamp() <= now:
            raise Rejected(expired_reason(row.expires_at))
        expires_at = row.expires_at.timestamp()
        self._runs.setdefault(request.run_id, {})[row.id] = expires_at
        return ProxyGrant(subdomain=row.subdomain, expires_at=expires_at, link_id=row.id)

    def _check_not_served_elsewhere(self, link_id: str, run_id: str) -> None:
        for other_run, links in self._runs.items():
            if other_run != run_id and link_id in links:
                raise Rejected("this share link is already served by another client; stop that one first")

    async def new_work_conn(self, run_id: str) -> None:
        """Refuses a client whose every link has expired (from memory: no database round trip)."""
        self._check_run(run_id)

    async def ping(self, run_id: str) -> None:
        """As `new_work_conn`; also, at most every TOUCH_EVERY_S per client, asks Postgres whether its links were
        revoked (a stock frps behind the plugin route has no sweep: its clients' pings are where revocation shows)."""
        self._check_run(run_id)
        links = self._runs.get(run_id)
        now = self.now()
        if not links or now - self._pinged_at.get(run_id, float("-inf")) < TOUCH_EVERY_S:
            return
        self._pinged_at[run_id] = now
        grants = [ProxyGrant(subdomain="", expires_at=expires_at, link_id=i) for i, expires_at in links.items()]
        stopped = await self.revoked(grants)
        if stopped and all(link_id in stopped for link_id in links):
            raise Rejected(next(iter(stopped.values())))

    def _check_run(self, run_id: str) -> None:
        links = self._runs.get(run_id)
        if not links:
            return None  # no proxy yet (work connections come right after login) or none left
        now = self.now()
        if all(expires_at <= now for expires_at in links.values()):
            raise Rejected(expired_reason(_utc(max(links.values()))))
        return None

    async def proxy_closed(self, run_id: str, grant: ProxyGrant) -> None:
        """Forgets the proxy and marks its link as not connected (unless another client took it over since)."""
        links = self._runs.get(run_id)
        if links is not None:
            links.pop(grant.link_id, None)
            if not links:
                del self._runs[run_id]
                self._pinged_at.pop(run_id, None)
        try:
            async with self.database.read_session() as db:
                await execute(db, _DISCONNECT, {"now": _utc(self.now()), "id": grant.link_id, "run": run_id})
        except Exception:
            logger.warning("could not mark share link %s as disconnected", grant.link_id, exc_info=True)

    async def revoked(self, grants: Sequence[ProxyGrant]) -> Mapping[str, str]:
        """Of the links being served, those revoked, expired or deleted: `{link_id: reason}`."""
        ids = sorted({grant.link_id for grant in grants})
        if not ids:
            return {}
        now = self.now()
        stopped: dict[str, str] = {}
        try:
            async with self.database.read_session() as db:
                for row in await fetch_all(db, _STOPPED, {"ids": ids, "now": _utc(now)}):
                    stopped[row.id] = (
                        "this share link was revoked" if row.revoked_at is not None else expired_reason(row.expires_at)
                    )
                if now - self._touched_at >= TOUCH_EVERY_S:
                    self._touched_at = now
                    live = [link_id for link_id in ids if link_id not in stopped]
                    existing = {row.id for row in await fetch_all(db, _EXISTING, {"ids": live})}
                    for link_id in live:
                        if link_id not in existing:  # its owner's account was deleted
                            stopped[link_id] = "this share link no longer exists"
                    await execute(db, _TOUCH, {"now": _utc(now), "ids": sorted(existing)})
        except Exception:
            # The server still closes links past their expiry on its own; revocations wait for the database.
            logger.warning("could not check share links for revocation", exc_info=True)
        return stopped
