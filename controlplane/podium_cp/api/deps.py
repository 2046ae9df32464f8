"""Per-request dependencies: the database session (one transaction per request) and the acting user.

Who acts: `Authorization: Bearer pdm_...` (an API token) or the `podium_session` cookie (a browser). A request
that presents a credential which is not valid (unknown, expired, revoked) is refused with 401; it never falls
back to anonymous. Cookie-authenticated requests that change something must carry the CSRF header.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.sessions import CSRF_HEADER, SESSION_COOKIE, csrf_matches, lookup_session
from podium_cp.auth.tokens import lookup_token
from podium_cp.db import Database
from podium_cp.errors import Forbidden, Unauthenticated
from podium_cp.models import Membership, Team, TeamGrant, TeamMember, User
from podium_cp.policy import ANONYMOUS, Actor
from podium_cp.roles import Role, Scope
from podium_cp.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: one transaction, committed when the endpoint returns, rolled back if it raises."""
    async with get_database(request).session() as session:
        yield session


DB = Annotated[AsyncSession, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def load_actor(db: AsyncSession, user: User, *, via: str, **extra: object) -> Actor:
    """An Actor for `user` with their org roles and team grants (two small queries)."""
    roles = {
        org_id: Role(role)
        for org_id, role in (
            await db.execute(select(Membership.org_id, Membership.role).where(Membership.user_id == user.id))
        ).all()
    }
    grants: dict[int, dict[str, Role]] = {}
    if roles:
        rows = await db.execute(
            select(Team.org_id, TeamGrant.space_name, TeamGrant.role)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .join(TeamGrant, TeamGrant.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
        )
        for org_id, space_name, role in rows.all():
            best = grants.setdefault(org_id, {})
            if space_name not in best or Role(role).rank > best[space_name].rank:
                best[space_name] = Role(role)
    return Actor(
        user_id=user.id,
        username=user.username,
        site_admin=user.is_site_admin,
        via=via,
        roles=roles,
        grants=grants,
        **extra,  # type: ignore[arg-type]
    )


async def current_actor(request: Request, db: DB, settings: SettingsDep) -> Actor:
    """Who makes this request (ANONYMOUS when no credential is presented)."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <token>'", code="bad_authorization")
        found = await lookup_token(db, secret.strip())
        if found is None:
            raise Unauthenticated(
                "This API token is not valid (unknown, expired or revoked); create a new one with `podium login`",
                code="invalid_token",
            )
        token, user = found
        return await load_actor(
            db,
            user,
            via="token",
            scopes=frozenset(Scope(s) for s in token.scopes),
            token_org_id=token.org_id,
            token_id=token.id,
        )
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found_session = await lookup_session(db, cookie, settings)
        if found_session is None:
            raise Unauthenticated("Your session has ended; sign in again", code="session_expired")
        session, user = found_session
        if request.method not in SAFE_METHODS and not csrf_matches(cookie, request.headers.get(CSRF_HEADER)):
            raise Forbidden(
                "Missing or wrong CSRF token: send the podium_csrf cookie's value in the X-CSRF-Token header",
                code="csrf_failed",
            )
        request.state.session_secret = cookie
        return await load_actor(db, user, via="session", session_id=session.id)
    return ANONYMOUS


ActorDep = Annotated[Actor, Depends(current_actor)]


async def signed_in(actor: ActorDep) -> Actor:
    """The actor, who must be signed in (a session or a token)."""
    if actor.user_id is None:
        raise Unauthenticated("Sign in first (a session cookie or an `Authorization: Bearer` API token)")
    return actor


SignedIn = Annotated[Actor, Depends(signed_in)]
