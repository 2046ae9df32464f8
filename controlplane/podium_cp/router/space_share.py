"""Space share links at the router (docs/design/space-share-links.md): `/.podium/share?token=pss_...` on a
Space's host, and the `podium_space_share` cookie it sets there.

1. A visitor opens `SPACE_URL/.podium/share?token=T`. The link whose secret is T must belong to this Space and be
   neither revoked nor expired (`podium_cp/spaces/share_links.py: check_token`); else an HTML page says which
   (400: unknown, expired, revoked) and no cookie is set.
2. The router sets `podium_space_share` on the Space's host only (HttpOnly, SameSite=Lax, Secure when the Spaces
   URL is https), lasting until the link expires or 12 hours, whichever is sooner, and redirects to `/`. The
   cookie is a `KeyringSigner` token for the purpose `space-share-cookie` holding the link id and the Space (its
   id and OWNER/NAME), so it opens nothing on any other Space, and no other token opens as one.
3. Later requests of a visitor without access of their own (proxy.py asks their own credentials first) may read
   that Space with the cookie: the link must still be active, looked up at most `DECISION_TTL_S` seconds ago (a
   revoke reaches visitors that fast). Each use is counted at most once a minute. The visitor stays anonymous to
   the app: the cookie is stripped before the request reaches it (headers.py) and no user is passed on.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.requests import cookie_parser
from starlette.types import Scope, Send

from podium_cp.auth.signing import BadSignature, KeyringSigner
from podium_cp.crypto import SecretKeyError
from podium_cp.db.base import utcnow
from podium_cp.db.engine import Database
from podium_cp.router import pages
from podium_cp.router.hosts import HostParser
from podium_cp.router.space_auth import DECISION_TTL_S
from podium_cp.router.spaces import SpaceDirectory, SpaceTarget
from podium_cp.settings import Settings
from podium_cp.spaces.share_links import LinkState, ShareTokenRefused, check_token, link_state, note_use

SHARE_COOKIE = "podium_space_share"
COOKIE_MAX_S = 12 * 3600
NOTE_EVERY_S = 60.0  # a link's use is written at most this often (per router process; note_use checks again)
# Sent with the page that refuses the cookie of a link that ended, so the browser stops sending it.
CLEAR_SHARE_COOKIE = (b"set-cookie", f"{SHARE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax".encode())
_PURPOSE = "space-share-cookie"


class ShareEnded(Exception):
    """The visitor's share cookie names a link of this Space that has since expired or been revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SharePass:
    """What a valid share cookie says: the link it came from, for one Space, until `expires_at` (unix seconds)."""

    link_id: str
    space_id: int
    space: str  # OWNER/NAME
    expires_at: int


class SpaceShares:
    """Redeems share links into cookies and admits the visitors who hold them (one per router process)."""

    def __init__(self, settings: Settings, database: Database, hosts: HostParser, directory: SpaceDirectory) -> None:
        self.database = database
        self.hosts = hosts
        self.directory = directory
        self._secure = settings.spaces_public_url.startswith("https://")
        try:
            self._signer: KeyringSigner | None = KeyringSigner(settings.secret_keys)
        except SecretKeyError:
            self._signer = None  # no keyring: share links cannot be redeemed (the page says so)
        self._states: dict[str, tuple[float, LinkState | None]] = {}  # link id -> (fresh until, state)
        self._noted: dict[str, float] = {}  # link id -> when this process last counted a use
        self._background: set[asyncio.Task[None]] = set()

    # -- cookies ------------------------------------------------------------------------------------------

    def mint_cookie(self, claims: SharePass) -> str:
        """The cookie value for `claims` (raises SecretKeyError without a keyring)."""
        if self._signer is None:
            raise SecretKeyError("share cookies need PODIUM_SECRET_KEYS")
        return self._signer.sign(_PURPOSE, {"l": claims.link_id, "sp": claims.space_id, "s": claims.space,
                                            "exp": claims.expires_at})

    def open_cookie(self, cookie: str, target: SpaceTarget, now: float | None = None) -> SharePass | None:
        """The cookie's claims when it is genuine, unexpired and for `target`; None otherwise."""
        if self._signer is None:
            return None
        try:
            fields = self._signer.open(_PURPOSE, cookie)
            claims = SharePass(link_id=str(fields["l"]), space_id=int(fields["sp"]), space=str(fields["s"]),
                               expires_at=int(fields["exp"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        if claims.space_id != target.id or claims.space != target.full_name:
            return None
        if claims.expires_at <= (time.time() if now is None else now):
            return None
        return claims

    # -- redeeming a link ---------------------------------------------------------------------------------

    async def redeem(self, scope: Scope, send: Send) -> None:
        """`/.podium/share?token=...`: set this Space's share cookie and go to `/`, or answer a page saying why
        not (no cookie then)."""
        host_header = next((bytes(v) for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
        space_host = self.hosts.parse(host_header)
        target = await self.directory.lookup(space_host) if space_host is not None else None
        if target is None:
            await pages.send_page(send, 404, pages.not_found(host_header))
            return
        if self._signer is None:
            await pages.send_page(send, 503, pages.bad_share_link(target.full_name, "unconfigured"))
            return
        token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        try:
            async with self.database.read_session() as db:
                link = await check_token(db, target.id, token)
                self._noted[link.id] = time.monotonic()
                await note_use(db, link.id)
        except ShareTokenRefused as refused:
            await pages.send_page(send, 400, pages.bad_share_link(target.full_name, refused.reason))
            return
        now = time.time()
        expires_at = int(min(link.expires_at.timestamp(), now + COOKIE_MAX_S))
        cookie = self.mint_cookie(SharePass(link.id, target.id, target.full_name, expires_at))
        secure = "; Secure" if self._secure else ""
        header = (f"{SHARE_COOKIE}={cookie}; Path=/; Max-Age={max(1, expires_at - int(now))}; HttpOnly; "
                  f"SameSite=Lax{secure}")
        await pages.send_page(send, 302, pages.redirect("/"), [(b"location", b"/"), (b"set-cookie", header.encode())])

    # -- admitting a visitor ------------------------------------------------------------------------------

    async def admits(self, cookie_header: bytes, target: SpaceTarget) -> bool:
        """Whether the request's share cookie lets it read `target`. Raises ShareEnded when the cookie is for
        this Space but its link has expired or been revoked; a missing, forged or misdirected cookie is False."""
        cookie = cookie_parser(cookie_header.decode("latin-1")).get(SHARE_COOKIE, "") if cookie_header else ""
        claims = self.open_cookie(cookie, target) if cookie else None
        if claims is None:
            return False
        state = await self._state(claims.link_id)
        if state is None or state.space_id != target.id:
            return False  # the link is gone (its Space was deleted and made again under the same name)
        status = state.status(utcnow())
        if status != "active":
            raise ShareEnded(status)
        self._note_use(claims.link_id)
        return True

    async def _state(self, link_id: str) -> LinkState | None:
        """The link's state, looked up at most every DECISION_TTL_S seconds."""
        now = time.monotonic()
        cached = self._states.get(link_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self.database.read_session() as db:
            state = await link_state(db, link_id)
        if len(self._states) > 10_000:
            self._states.clear()
        self._states[link_id] = (now + DECISION_TTL_S, state)
        return state

    def _note_use(self, link_id: str) -> None:
        """Count a use of the link in the background, at most once a minute from this process."""
        now = time.monotonic()
        last = self._noted.get(link_id)
        if last is not None and now - last < NOTE_EVERY_S:
            return
        if len(self._noted) > 10_000:
            self._noted.clear()
        self._noted[link_id] = now
        task = asyncio.get_running_loop().create_task(self._write_use(link_id))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _write_use(self, link_id: str) -> None:
        try:
            async with self.database.read_session() as db:
                await note_use(db, link_id)
        except Exception:  # counting is best effort: a lost write only misses one minute's use
            self._noted.pop(link_id, None)

    async def close(self) -> None:
        """Wait for pending use counts."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
