"""Who makes a request, in ONE database round trip: the credential's row, its user, the user's org roles and
team grants come back from a single query (every authenticated request pays for this, so it is kept lean).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.randomness import digest
from podium_cp.auth.sessions import TOUCH_EVERY as SESSION_TOUCH_EVERY
from podium_cp.auth.tokens import TOKEN_PREFIX
from podium_cp.auth.tokens import TOUCH_EVERY as TOKEN_TOUCH_EVERY
from podium_cp.db.base import utcnow
from podium_cp.db.raw import execute, fetch_one
from podium_cp.policy import Actor
from podium_cp.roles import Role, Scope
from podium_cp.settings import Settings

# The columns every actor query selects about the user (their roles and team grants), for `actor_from_row`.
USER_FACTS = """
    u.id AS user_id, u.username, u.is_site_admin, u.disabled_at,
    (SELECT coalesce(json_agg(json_build_array(m.org_id, m.role)), '[]'::json)
       FROM memberships m WHERE m.user_id = u.id) AS roles,
    (SELECT coalesce(json_agg(json_build_array(t.org_id, g.space_name, g.role)), '[]'::json)
       FROM team_members tm JOIN teams t ON t.id = tm.team_id JOIN team_grants g ON g.team_id = t.id
      WHERE tm.user_id = u.id) AS grants
"""

_BY_TOKEN = (
    """SELECT k.id AS token_id, k.scopes, k.org_id AS token_org_id, k.expires_at, k.revoked_at, k.last_used_at,"""
    + USER_FACTS
    + """ FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE k.token_hash = %(hash)s"""
)
_BY_SESSION = (
    """SELECT s.id AS session_id, s.expires_at, s.last_seen_at,"""
    + USER_FACTS
    + """ FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = %(hash)s"""
)
_TOUCH_TOKEN = "UPDATE api_tokens SET last_used_at = %(now)s WHERE id = %(id)s"
_TOUCH_SESSION = "UPDATE web_sessions SET last_seen_at = %(now)s WHERE id = %(id)s"


def actor_from_row(row: Any, **extra: Any) -> Actor:
    """The Actor of a row that selected USER_FACTS (`extra`: how they signed in: via, token or session ids)."""
    roles = {int(org_id): Role(role) for org_id, role in row.roles}
    grants: dict[int, dict[str, Role]] = {}
    for org_id, space_name, role in row.grants:
        best = grants.setdefault(int(org_id), {})
        granted = Role(role)
        if space_name not in best or granted.rank > best[space_name].rank:
            best[space_name] = granted
    return Actor(
        user_id=int(row.user_id),
        username=row.username,
        site_admin=bool(row.is_site_admin),
        roles=roles,
        grants=grants,
        **extra,
    )


async def actor_for_token(db: AsyncSession, secret: str, now: datetime | None = None) -> Actor | None:
    """The Actor behind an API token, or None when the token is unknown, revoked, expired or its user disabled."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    row = await fetch_one(db, _BY_TOKEN, {"hash": digest(secret)})
    if row is None or row.revoked_at is not None or row.disabled_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH_EVERY:
        await execute(db, _TOUCH_TOKEN, {"now": now, "id": row.token_id})
    return actor_from_row(
        row,
        via="token",
        scopes=frozenset(Scope(s) for s in row.scopes),
        token_org_id=row.token_org_id,
        token_id=int(row.token_id),
    )


async def actor_for_session(
    db: AsyncSession, secret: str, settings: Settings, now: datetime | None = None
) -> Actor | None:
    """The Actor behind a session cookie, or None when it is unknown, expired, idle too long or its user disabled."""
    now = now or utcnow()
    row = await fetch_one(db, _BY_SESSION, {"hash": digest(secret)})
    if row is None or row.disabled_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + timedelta(days=settings.session_idle_days) <= now:
        return None
    if now - row.last_seen_at >= SESSION_TOUCH_EVERY:
        await execute(db, _TOUCH_SESSION, {"now": now, "id": row.session_id})
    return actor_from_row(row, via="session", session_id=int(row.session_id))
