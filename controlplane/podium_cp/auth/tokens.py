"""API tokens for the CLI and SDK: `pdm_` + 256 random bits, shown once, stored as sha256."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.randomness import digest, new_public_id, new_secret
from podium_cp.db.base import utcnow
from podium_cp.models import ApiToken, User
from podium_cp.roles import Scope

TOKEN_PREFIX = "pdm_"
# last_used_at is written at most this often.
TOUCH_EVERY = timedelta(minutes=1)


async def mint_token(
    db: AsyncSession,
    user: User,
    *,
    name: str,
    scopes: list[Scope],
    org_id: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Create a token; returns the secret (shown to the user once) and its row."""
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        public_id=new_public_id("tok_"),
        user_id=user.id,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:12],
        scopes=sorted({s.value for s in scopes}),
        org_id=org_id,
        expires_at=expires_at,
        created_at=utcnow(),
    )
    db.add(token)
    await db.flush()
    return secret, token


async def lookup_token(
    db: AsyncSession, secret: str, now: datetime | None = None
) -> tuple[ApiToken, User] | None:
    """The token's row and user when it is live (known, not revoked, not expired, user enabled), else None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    row = (
        await db.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest(secret))
        )
    ).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if user.disabled_at is not None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        await db.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token, user
