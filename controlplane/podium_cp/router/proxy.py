"""The edge proxy as a plain ASGI app: `NAME--OWNER.spaces.DOMAIN` -> the Space's running replica, and
`SUB.share.DOMAIN` -> the share server's vhost (share links: Host kept, no access check, no wake, no activity).

Per request: parse the Host (hosts.py), look the Space and its runtime up (one query, cached ~1 s per host;
spaces.py), check access (public: anyone; org/private: a session cookie or an API token, then
`policy.can(actor, SPACE_READ, ...)`: anonymous gets a 401 sign-in page, others who may not read it a 404),
wake it if it sleeps (the request waits up to PODIUM_WAKE_TIMEOUT), then forward it with streaming bodies both
ways (SSE unbuffered) or, for WebSockets, pump frames both ways (websocket.py).

Signing in: a browser without credentials opening a page of an org/private Space is redirected to the API's
`/api/auth/space-login`, which sends it back to `/.podium/auth?ticket=...` here; that sets the Space's own
`podium_space_auth` cookie (space_auth.py explains the tickets and cookies). A Space share link's
`/.podium/share?token=...` sets `podium_space_share` instead, which lets a visitor without access of their own
read that one Space (space_share.py). Programs use
`Authorization: Bearer pdm_...`. A console `podium_session` cookie is also accepted, for installations that scope
it to a parent domain; headers.py strips all of Podium's cookies before a request reaches a Space's code.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode

from starlette.requests import cookie_parser
from starlette.types import Message, Receive, Scope, Send

from podium_cp.auth.actors import actor_for_session, actor_for_token
from podium_cp.auth.sessions import SESSION_COOKIE
from podium_cp.crypto import SecretKeyError
from podium_cp.db.engine import Database
from podium_cp.policy import Action, Actor, can
from podium_cp.roles import Visibility
from podium_cp.router import headers as rewrite
from podium_cp.router import pages
from podium_cp.router.config import RouterConfig
from podium_cp.router.hosts import HostParser, SpaceHost
from podium_cp.router.space_auth import (
    AUTH_PATH,
    COOKIE_TTL_S,
    DECISION_TTL_S,
    SPACE_COOKIE,
    SpaceAuthError,
    SpaceSigner,
    TicketLedger,
    actor_for_session_id,
    safe_next,
)
from podium_cp.router.space_share import CLEAR_SHARE_COOKIE, ShareEnded, SpaceShares
from podium_cp.router.spaces import SpaceDirectory, SpaceTarget
from podium_cp.router.upstream import UpstreamError, UpstreamPool, UpstreamResponse
from podium_cp.router.websocket import proxy_websocket, refuse_websocket
from podium_cp.settings import Settings
from podium_cp.spaces.share_links import SHARE_PATH

# Sent with the page that refuses a forged sign-in cookie, so that signing in again starts afresh.
_CLEAR_SPACE_COOKIE = (b"set-cookie", f"{SPACE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax".encode())
# Not forwarded: the ASGI server already answered `Expect: 100-continue` when the body was first read.
_REQUEST_ONLY_DROP = frozenset({b"expect"})


@dataclass(frozen=True)
class ShareTarget:
    """A share link's request: it goes to the share server's vhost (`url`), which routes it by its Host."""

    subdomain: str
    url: str

    @property
    def unreachable(self) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """What a visitor gets when the vhost does not take the request."""
        return 503, pages.SHARE_UNREACHABLE, [(b"retry-after", b"5")]


Target = SpaceTarget | ShareTarget


def unreachable_page(target: Target) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """The status, page and extra headers answered when `target`'s upstream does not take the request."""
    if isinstance(target, ShareTarget):
        return target.unreachable
    return 502, pages.REPLICA_UNREACHABLE, [(b"retry-after", b"2")]


class Refusal(Exception):
    """The request ends with one of the router's pages instead of reaching the Space."""

    def __init__(self, status: int, page: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.page = page
        self.headers = headers or []


class VisitorGone(Exception):
    """The visitor disconnected before the request was forwarded: nobody is left to answer."""


class SpacesRouter:
    """The ASGI app. `database` defaults to one built from `settings` (closed at shutdown)."""

    def __init__(self, settings: Settings, config: RouterConfig, database: Database | None = None) -> None:
        self.settings = settings
        self.config = config
        self._owns_database = database is None
        self.database = database or Database(settings.database_url)
        self.hosts = HostParser(config.spaces_domain)
        self.share_vhost_url = f"http://{settings.share_vhost}"
        self.directory = SpaceDirectory(self.database, ttl_s=config.cache_ttl_s)
        # One shared pool of keep-alive connections to the replicas (no read timeout: SSE streams and long
        # model calls may stay quiet for minutes).
        self.upstream = UpstreamPool()
        self._wakers: dict[int, asyncio.Task[SpaceTarget | None]] = {}
        self._parsed_hosts: dict[bytes, SpaceHost] = {}  # Host header -> the Space it names (parsing is a regex)
        try:
            self.signer: SpaceSigner | None = SpaceSigner.from_settings(settings)
        except SecretKeyError:
            self.signer = None  # no keyring: browsers cannot sign in to org/private Spaces (tokens still work)
        self.tickets = TicketLedger()
        self.shares = SpaceShares(settings, self.database, self.hosts, self.directory)
        self._session_actors: dict[int, tuple[float, Actor | None]] = {}  # console session id -> who, briefly

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        """Close the upstream pool, wait for activity writes, and close the database if this app made it."""
        for task in self._wakers.values():
            task.cancel()
        self.upstream.close()
        await self.directory.close()
        await self.shares.close()
        if self._owns_database:
            await self.database.dispose()

    # -- deciding where a request goes -------------------------------------------------------------------

    async def resolve(self, scope: Scope) -> Target:
        """Who serves this request: a share link's vhost, or the Space, running; raises Refusal with the page to
        answer otherwise."""
        raw_host = _header(scope, b"host")
        space_host = self._parsed_hosts.get(raw_host)
        if space_host is None:
            subdomain = self.hosts.share_subdomain(raw_host.decode("latin-1"))
            if subdomain is not None:  # the share server checks links itself (its 404 page names unknown ones)
                return ShareTarget(subdomain, self.share_vhost_url)
            space_host = self.hosts.parse(raw_host.decode("latin-1"))
            if space_host is not None:
                if len(self._parsed_hosts) > 10_000:
                    self._parsed_hosts.clear()  # bound memory against floods of made-up hosts
                self._parsed_hosts[raw_host] = space_host
        host_header = raw_host.decode("latin-1")
        if space_host is None:
            raise Refusal(404, pages.not_found(host_header))
        target = await self.directory.lookup(space_host)
        if target is None:
            raise Refusal(404, pages.not_found(host_header))
        if target.visibility is not Visibility.PUBLIC:
            actor = await self._actor(scope, target)
            if actor is None or not can(actor, Action.SPACE_READ, target.ref):
                await self._admit_shared(scope, target, actor, host_header)
        if not target.serving:
            if target.failed:
                raise Refusal(503, pages.status(target.full_name, target.stage, target.stage_message))
            woken = await self._wait_until_serving(space_host, target)
            if woken is None:
                raise Refusal(404, pages.not_found(host_header))
            if not woken.serving:
                retry = [] if woken.failed else [(b"retry-after", b"5")]
                raise Refusal(503, pages.status(woken.full_name, woken.stage, woken.stage_message), retry)
            target = woken
        self.directory.record_activity(target.id)
        return target

    async def _actor(self, scope: Scope, target: SpaceTarget) -> Actor | None:
        """Who asks: an API token (Authorization: Bearer), this Space's sign-in cookie, or a console session
        cookie sent to the Spaces' domain; None when none is presented or valid."""
        authorization = _header(scope, b"authorization").decode("latin-1")
        scheme, _, secret = authorization.partition(" ")
        cookies = cookie_parser(_header(scope, b"cookie").decode("latin-1"))
        if scheme.lower() == "bearer" and secret.strip():
            async with self.database.read_session() as db:
                actor = await actor_for_token(db, secret.strip())
            if actor is not None:
                return actor
        space_cookie = cookies.get(SPACE_COOKIE, "")
        if space_cookie and self.signer is not None:
            try:
                claims = self.signer.open_cookie(space_cookie, target.full_name)
            except SpaceAuthError as error:
                if error.reason != "expired":
                    raise Refusal(401, pages.bad_sign_in(target.full_name, "forged", self._space_login_url(scope, target)),
                                  [_CLEAR_SPACE_COOKIE]) from None
            else:
                actor = await self._session_actor(claims.session_id, claims.user_id)
                if actor is not None:
                    return actor
        session = cookies.get(SESSION_COOKIE, "")
        if session:
            async with self.database.read_session() as db:
                return await actor_for_session(db, session, self.settings)
        return None

    async def _admit_shared(self, scope: Scope, target: SpaceTarget, actor: Actor | None, host_header: str) -> None:
        """A visitor without access of their own may read the Space with its share cookie; otherwise the refusal
        they would get without one (sign in, or not found)."""
        try:
            if await self.shares.admits(_header(scope, b"cookie"), target):
                return
        except ShareEnded as ended:
            page = pages.bad_share_link(target.full_name, ended.reason, self._space_login_url(scope, target))
            raise Refusal(401, page, [CLEAR_SHARE_COOKIE]) from None
        if actor is None:
            raise self._sign_in_refusal(scope, target)
        raise Refusal(404, pages.not_found(host_header))

    async def _session_actor(self, session_id: int, user_id: int) -> Actor | None:
        """The console session's actor, looked up at most every DECISION_TTL_S seconds (sign-outs, membership
        and role changes reach visitors that fast)."""
        now = time.monotonic()
        cached = self._session_actors.get(session_id)
        if cached is not None and cached[0] > now:
            actor = cached[1]
        else:
            async with self.database.read_session() as db:
                actor = await actor_for_session_id(db, session_id, user_id, self.settings)
            if len(self._session_actors) > 10_000:
                self._session_actors.clear()
            self._session_actors[session_id] = (now + DECISION_TTL_S, actor)
        return actor if actor is not None and actor.user_id == user_id else None

    def _space_login_url(self, scope: Scope, target: SpaceTarget) -> str:
        """The API's sign-in for this Space, coming back to the path of this request."""
        query = scope.get("query_string", b"").decode("latin-1")
        back = safe_next(quote(scope.get("path", "/")) + (f"?{query}" if query else ""))
        return f"{self.settings.public_url}/api/auth/space-login?" + urlencode(
            {"space": target.full_name, "next": back})

    def _sign_in_refusal(self, scope: Scope, target: SpaceTarget) -> Refusal:
        """A browser opening a page is sent to sign in; other clients get a 401 page saying how."""
        url = self._space_login_url(scope, target)
        accept = _header(scope, b"accept")
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and b"text/html" in accept:
            return Refusal(302, pages.redirect(url), [(b"location", url.encode())])
        return Refusal(401, pages.sign_in(target.full_name, url))

    async def _redeem_ticket(self, scope: Scope, send: Send) -> None:
        """`/.podium/auth?ticket=...&next=...`: set this Space's sign-in cookie and go on to `next`."""
        host_header = _header(scope, b"host").decode("latin-1")
        space_host = self.hosts.parse(host_header)
        target = await self.directory.lookup(space_host) if space_host is not None else None
        if target is None:
            await pages.send_page(send, 404, pages.not_found(host_header))
            return
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        next_path = safe_next(params.get("next", ["/"])[0])
        if self.signer is None:
            await pages.send_page(send, 503, pages.bad_sign_in(target.full_name, "unconfigured", ""))
            return
        try:
            claims = self.signer.open_ticket(params.get("ticket", [""])[0], target.full_name)
            self.tickets.use(claims)
        except SpaceAuthError as error:
            again = f"{self.settings.public_url}/api/auth/space-login?" + urlencode(
                {"space": target.full_name, "next": next_path})
            await pages.send_page(send, 400, pages.bad_sign_in(target.full_name, error.reason, again))
            return
        secure = "; Secure" if self.settings.spaces_public_url.startswith("https://") else ""
        cookie = (f"{SPACE_COOKIE}={self.signer.mint_cookie(claims)}; Path=/; Max-Age={COOKIE_TTL_S}; HttpOnly; "
                  f"SameSite=Lax{secure}")
        await pages.send_page(send, 302, pages.redirect(next_path),
                              [(b"location", next_path.encode("latin-1")), (b"set-cookie", cookie.encode())])

    async def _wait_until_serving(self, host: SpaceHost, target: SpaceTarget) -> SpaceTarget | None:
        """Wake the Space once for every request waiting on it; each waiter may give up on its own."""
        task = self._wakers.get(target.id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._wake_and_wait(host, target))
            self._wakers[target.id] = task
            task.add_done_callback(lambda _: self._wakers.pop(target.id, None))
        return await asyncio.shield(task)

    async def _wake_and_wait(self, host: SpaceHost, target: SpaceTarget) -> SpaceTarget | None:
        await self.directory.wake(target)
        deadline = time.monotonic() + self.config.wake_timeout_s
        current: SpaceTarget | None = target
        while True:
            current = await self.directory.lookup(host, fresh=True)
            if current is None or current.failed:
                return current
            if current.serving and current.url is not None and await self._answers(current.url):
                return current
            if time.monotonic() + self.config.wake_poll_s > deadline:
                return current
            await asyncio.sleep(self.config.wake_poll_s)

    async def _answers(self, url: str) -> bool:
        """Whether the replica answers HTTP at all (any status): a listening port alone is not enough."""
        host = url.split("://", 1)[-1].encode()
        try:
            response = await asyncio.wait_for(self.upstream.request("GET", url, "/", [(b"host", host)]), 2.0)
        except (UpstreamError, asyncio.TimeoutError):
            return False
        response.release()  # closes it: the body was not read
        return True

    # -- HTTP ---------------------------------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == AUTH_PATH:
            await self._redeem_ticket(scope, send)
            return
        if scope["path"] == SHARE_PATH:
            await self.shares.redeem(scope, send)
            return
        for attempt in (1, 2):
            try:
                target = await self.resolve(scope)
            except Refusal as refusal:
                await pages.send_page(send, refusal.status, refusal.page, refusal.headers)
                return
            if await self._forward(scope, receive, send, target, retry=attempt == 1):
                return
            # The replica did not take the connection: the cached lookup may be stale (the Space just went to
            # sleep or was replaced). Look again, waking the Space if it sleeps now, and try once more.
            space_host = self._parsed_hosts.get(_header(scope, b"host"))
            if space_host is not None:
                self.directory.forget(space_host)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, target: Target, *, retry: bool = False) -> bool:
        """Send the request to the replica (or the share vhost) and stream its answer back, chunk by chunk.

        False (nothing sent) when the replica could not be reached, `retry` is set and the request has no body,
        so the caller may look the Space up again; otherwise a failure is answered with a 502 page."""
        assert target.url is not None
        base_url = target.url
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        client = scope.get("client")
        upstream_headers = rewrite.to_upstream(
            raw_headers, client_ip=client[0] if client else None, scheme=scope.get("scheme", "http"),
            host=_header(scope, b"host"), drop=_REQUEST_ONLY_DROP,
        )
        has_body = False
        has_length = False
        for name, value in raw_headers:
            if name == b"content-length":
                has_length = True
                has_body = has_body or value.strip() != b"0"
            elif name == b"transfer-encoding":
                has_body = True
        body_read: asyncio.Event | None = None

        async def request_body() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise VisitorGone("the visitor went away while sending the body")
                if message.get("body"):
                    yield message["body"]
                if not message.get("more_body", False):
                    break
            if body_read is not None:
                body_read.set()

        chunked = has_body and not has_length
        if chunked:
            upstream_headers.append((b"transfer-encoding", b"chunked"))
        path = scope.get("raw_path") or quote(scope["path"]).encode()
        query = scope.get("query_string", b"")
        request_target = path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        if has_body:
            body_read = asyncio.Event()
        try:
            response = await self.upstream.request(
                scope["method"], base_url, request_target, upstream_headers, request_body() if has_body else None,
                chunked=chunked,
            )
        except VisitorGone:
            return True
        except UpstreamError:
            if retry and not has_body:
                return False
            status, page, extra = unreachable_page(target)
            await pages.send_page(send, status, page, extra)
            return True
        try:
            await send({"type": "http.response.start", "status": response.status,
                        "headers": rewrite.to_client(response.headers)})
            if response.bounded:
                # A bounded body ends on its own; no need to watch for the visitor leaving.
                await _pump(response, send)
            else:
                await _pump_until_disconnect(response, send, receive, body_read)
        finally:
            response.release()
        return True

    # -- WebSockets ---------------------------------------------------------------------------------------

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        try:
            target = await self.resolve(scope)
        except Refusal as refusal:
            await refuse_websocket(scope, send, refusal.status, refusal.page)
            return
        assert target.url is not None
        await proxy_websocket(scope, receive, send, target.url)


async def _pump(response: UpstreamResponse, send: Send) -> None:
    """Send the body on as it arrives. Whatever arrived is sent at once (SSE is never held back); when the
    whole body is there already (the usual small answer) it goes out as one message with `more_body=False`."""
    while True:
        chunk = await response.read()
        if response.finished:
            await send({"type": "http.response.body", "body": chunk, "more_body": False})
            return
        if chunk:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _pump_until_disconnect(
    response: UpstreamResponse, send: Send, receive: Receive, body_read: asyncio.Event | None
) -> None:
    """Stream an unbounded body (SSE, chunked) until it ends or the visitor disconnects, whichever is first."""

    async def visitor_left() -> None:
        if body_read is not None:
            await body_read.wait()  # only one reader of `receive` at a time
        message: Message = await receive()
        while message["type"] != "http.disconnect":
            message = await receive()

    pump = asyncio.ensure_future(_pump(response, send))
    watch = asyncio.ensure_future(visitor_left())
    try:
        await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump, watch):
            task.cancel()
        await asyncio.gather(pump, watch, return_exceptions=True)
    if pump.done() and not pump.cancelled() and pump.exception() is not None:
        raise pump.exception()  # type: ignore[misc]


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""
