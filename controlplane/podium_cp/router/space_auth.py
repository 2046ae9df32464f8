"""Browser sign-in for org/private Spaces: tickets from the API and the per-Space cookie the router sets.

The console's session cookie lives on the API's host and never reaches `*.spaces.DOMAIN`, so:

1. the router sends a browser without credentials to `{public_url}/api/auth/space-login?space=OWNER/NAME&next=PATH`;
2. the API (routes_space_auth.py), when the visitor has a session and may read the Space, redirects to
   `{space_url}/.podium/auth?ticket=T&next=PATH` with a ticket T valid 60 s, for that Space and that session;
3. the router checks T (signature, expiry, Space, not used before in this process), sets the cookie
   `podium_space_auth` on the Space's host only (HttpOnly, SameSite=Lax, Secure when the Spaces URL is https,
   12 hours) and redirects to PATH. Every later request checks the session behind the cookie (still signed in,
   not expired, user not disabled) and the policy, with the answer cached at most `DECISION_TTL_S` seconds.

Tickets and cookies are `KID.PAYLOAD.MAC` tokens of `podium_cp.auth.signing` (HMAC-SHA256 with a key derived
from the keyring entry KID of PODIUM_SECRET_KEYS for one purpose), so rotating the keyring rotates these keys too,
and a ticket can never be used as a cookie or the other way round.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.actors import USER_FACTS, actor_from_row
from podium_cp.auth.signing import BadSignature, KeyringSigner
from podium_cp.db.base import utcnow
from podium_cp.db.raw import fetch_one
from podium_cp.policy import Actor
from podium_cp.settings import Settings

SPACE_COOKIE = "podium_space_auth"
AUTH_PATH = "/.podium/auth"
TICKET_TTL_S = 60
COOKIE_TTL_S = 12 * 3600
DECISION_TTL_S = 3.0  # membership changes reach a signed-in visitor within this long

_TICKET, _COOKIE = "space-ticket", "space-cookie"
_BY_SESSION_ID = (
    "SELECT s.id AS session_id, s.expires_at, s.last_seen_at, s.user_id AS session_user_id,"
    + USER_FACTS
    + " FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = %(id)s"
)


class SpaceAuthError(Exception):
    """A ticket or cookie that is refused; `reason` is forged | expired | wrong_space | replayed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SpacePass:
    """What a valid ticket or cookie says: the console session (and its user) it stands for, for one Space."""

    user_id: int
    session_id: int
    space: str  # OWNER/NAME
    expires_at: int  # unix seconds
    nonce: str


class SpaceSigner:
    """Signs and checks tickets and cookies with keys derived from the keyring (the first key signs)."""

    def __init__(self, keyring: str) -> None:
        self._signer = KeyringSigner(keyring)

    @classmethod
    def from_settings(cls, settings: Settings) -> SpaceSigner:
        """The signer for `settings.secret_keys` (raises SecretKeyError when none is configured)."""
        return cls(settings.secret_keys)

    def _sign(self, purpose: str, claims: SpacePass) -> str:
        return self._signer.sign(purpose, {"u": claims.user_id, "sid": claims.session_id, "s": claims.space,
                                           "exp": claims.expires_at, "n": claims.nonce})

    def _open(self, purpose: str, token: str, space: str, now: float | None) -> SpacePass:
        try:
            fields = self._signer.open(purpose, token)
            claims = SpacePass(user_id=int(fields["u"]), session_id=int(fields["sid"]), space=str(fields["s"]),
                               expires_at=int(fields["exp"]), nonce=str(fields["n"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            raise SpaceAuthError("forged") from None
        if claims.space != space:
            raise SpaceAuthError("wrong_space")
        if claims.expires_at <= (time.time() if now is None else now):
            raise SpaceAuthError("expired")
        return claims

    def mint_ticket(self, user_id: int, session_id: int, space: str, now: float | None = None) -> str:
        """A ticket for Space `space` (OWNER/NAME), valid TICKET_TTL_S seconds."""
        expires = int((time.time() if now is None else now) + TICKET_TTL_S)
        return self._sign(_TICKET, SpacePass(user_id, session_id, space, expires, secrets.token_urlsafe(12)))

    def open_ticket(self, ticket: str, space: str, now: float | None = None) -> SpacePass:
        """The ticket's claims; raises SpaceAuthError when it is forged, expired or for another Space."""
        return self._open(_TICKET, ticket, space, now)

    def mint_cookie(self, ticket: SpacePass, now: float | None = None) -> str:
        """The cookie value for the Space and session of a checked ticket, valid COOKIE_TTL_S seconds."""
        expires = int((time.time() if now is None else now) + COOKIE_TTL_S)
        return self._sign(_COOKIE, SpacePass(ticket.user_id, ticket.session_id, ticket.space, expires, ticket.nonce))

    def open_cookie(self, cookie: str, space: str, now: float | None = None) -> SpacePass:
        """The cookie's claims; raises SpaceAuthError when it is forged, expired or for another Space."""
        return self._open(_COOKIE, cookie, space, now)


class TicketLedger:
    """Nonces of tickets already used, kept until they would have expired anyway (per router process)."""

    def __init__(self) -> None:
        self._used: dict[str, float] = {}

    def use(self, ticket: SpacePass) -> None:
        """Record the ticket's use; raises SpaceAuthError("replayed") when it was used before."""
        now = time.time()
        if len(self._used) > 1000:
            self._used = {nonce: until for nonce, until in self._used.items() if until > now}
        if ticket.nonce in self._used:
            raise SpaceAuthError("replayed")
        self._used[ticket.nonce] = ticket.expires_at + 1.0


def safe_next(value: str | None) -> str:
    """`value` when it is a path on the same host ("/..."), else "/": never a redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or value.startswith("/\\"):
        return "/"
    if any(ord(ch) < 0x20 or ch == "\x7f" or ch == "\\" for ch in value):
        return "/"
    return value


async def actor_for_session_id(db: AsyncSession, session_id: int, user_id: int, settings: Settings) -> Actor | None:
    """The Actor behind console session `session_id` of `user_id`, or None when it ended (signed out, expired,
    idle too long) or the user is disabled."""
    row = await fetch_one(db, _BY_SESSION_ID, {"id": session_id})
    now = utcnow()
    if row is None or int(row.session_user_id) != user_id or row.disabled_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + timedelta(days=settings.session_idle_days) <= now:
        return None
    return actor_from_row(row, via="session", session_id=int(row.session_id))
