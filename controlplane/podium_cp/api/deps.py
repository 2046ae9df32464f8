"""Per-request dependencies: the database session (one transaction per request) and the acting user.

Who acts: `Authorization: Bearer pdm_...` (an API token) or the `podium_session` cookie (a browser). A request
that presents a credential which is not valid (unknown, expired, revoked) is refused with 401; it never falls
back to anonymous. Cookie-authenticated requests that change something must carry the CSRF header.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.actors import actor_for_session, actor_for_token
from podium_cp.auth.sessions import CSRF_HEADER, SESSION_COOKIE, csrf_matches
from podium_cp.db import Database
from podium_cp.errors import Forbidden, Unauthenticated
from podium_cp.policy import ANONYMOUS, Actor
from podium_cp.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session. Requests that change something get one transaction, committed when the endpoint
    returns and rolled back if it raises; reads (GET/HEAD/OPTIONS) run in autocommit, which saves the BEGIN and
    COMMIT round trips (their few writes, such as a token's last use, stand alone)."""
    database = get_database(request)
    if request.method in SAFE_METHODS:
        async with database.read_session() as session:
            yield session
    else:
        async with database.session() as session:
            yield session


async def _settings(request: Request) -> Settings:
    # async: FastAPI would run a plain function dependency in a worker thread, one hop per request.
    return get_settings(request)


# scope="function": commit before the response is sent, so the client's next request sees the writes.
DB = Annotated[AsyncSession, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(_settings)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def current_actor(request: Request, db: DB, settings: SettingsDep) -> Actor:
    """Who makes this request (ANONYMOUS when no credential is presented)."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <token>'", code="bad_authorization")
        actor = await actor_for_token(db, secret.strip())
        if actor is None:
            raise Unauthenticated(
                "This API token is not valid (unknown, expired or revoked); create a new one with `podium login`",
                code="invalid_token",
            )
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        actor = await actor_for_session(db, cookie, settings)
        if actor is None:
            raise Unauthenticated("Your session has ended; sign in again", code="session_expired")
        if request.method not in SAFE_METHODS and not csrf_matches(cookie, request.headers.get(CSRF_HEADER)):
            raise Forbidden(
                "Missing or wrong CSRF token: send the podium_csrf cookie's value in the X-CSRF-Token header",
                code="csrf_failed",
            )
        request.state.session_secret = cookie
        return actor
    return ANONYMOUS


ActorDep = Annotated[Actor, Depends(current_actor)]


async def signed_in(actor: ActorDep) -> Actor:
    """The actor, who must be signed in (a session or a token)."""
    if actor.user_id is None:
        raise Unauthenticated("Sign in first (a session cookie or an `Authorization: Bearer` API token)")
    return actor


SignedIn = Annotated[Actor, Depends(signed_in)]
