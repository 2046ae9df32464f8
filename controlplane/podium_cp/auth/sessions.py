"""Web sessions: a random secret in an HttpOnly cookie, its sha256 in `web_sessions`, plus a CSRF token.

Cookie-authenticated requests that change something must send the CSRF token (readable cookie `podium_csrf`)
back in the `X-CSRF-Token` header. The token is derived from the session secret, so it cannot be made up
without the session, and it changes with every new session.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from podium_cp.auth.randomness import digest, new_secret
from podium_cp.db.base import utcnow
from podium_cp.models import User, WebSession
from podium_cp.settings import Settings

SESSION_COOKIE = "podium_session"
CSRF_COOKIE = "podium_csrf"
CSRF_HEADER = "x-csrf-token"
# last_seen_at is written at most this often, so that reads do not each cost a write.
TOUCH_EVERY = timedelta(minutes=5)


def csrf_token(session_secret: str) -> str:
    return hashlib.sha256(b"podium-csrf:" + session_secret.encode()).hexdigest()[:40]


def csrf_matches(session_secret: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_token(session_secret), sent)


async def start_session(
    db: AsyncSession, user: User, settings: Settings, *, ip: str | None, user_agent: str | None
) -> str:
    """Create a session for `user`; returns the cookie's secret (set it with `set_session_cookies`)."""
    secret = new_secret("pds_")
    now = utcnow()
    db.add(
        WebSession(
            token_hash=digest(secret),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=settings.session_days),
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    await db.flush()
    return secret


async def lookup_session(
    db: AsyncSession, secret: str, settings: Settings, now: datetime | None = None
) -> tuple[WebSession, User] | None:
    """The live session for a cookie secret and its user, or None (unknown, expired, idle too long, disabled user)."""
    now = now or utcnow()
    row = (
        await db.execute(
            select(WebSession, User).join(User, User.id == WebSession.user_id).where(WebSession.token_hash == digest(secret))
        )
    ).first()
    if row is None:
        return None
    session, user = row
    idle_limit = timedelta(days=settings.session_idle_days)
    if session.expires_at <= now or session.last_seen_at + idle_limit <= now or user.disabled_at is not None:
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        await db.execute(update(WebSession).where(WebSession.id == session.id).values(last_seen_at=now))
    return session, user


async def end_session(db: AsyncSession, secret: str) -> None:
    await db.execute(delete(WebSession).where(WebSession.token_hash == digest(secret)))


async def end_all_sessions(db: AsyncSession, user_id: int) -> int:
    """Sign the user out everywhere; returns how many sessions ended."""
    result = await db.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def set_session_cookies(response: Response, secret: str, settings: Settings) -> None:
    max_age = settings.session_days * 86400
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=max_age, httponly=True, secure=settings.cookie_secure, samesite="lax", path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf_token(secret), max_age=max_age, httponly=False, secure=settings.cookie_secure,
        samesite="lax", path="/",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=settings.cookie_secure, samesite="lax")
