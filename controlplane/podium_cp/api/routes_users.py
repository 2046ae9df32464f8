"""The signed-in user's own account (profile, password, linked identities), `whoami`, and public profiles."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp import audit
from podium_cp.api.deps import DB, ActorDep, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.responses import json_response
from podium_cp.auth.passwords import check_password_policy, hash_password, verify_password
from podium_cp.db import raw
from podium_cp.errors import Conflict, Forbidden, InvalidInput, NotFound
from podium_cp.models import ApiToken, Identity, Org, User, WebSession
from podium_cp.policy import Action, Actor, UserRef, require

router = APIRouter(tags=["users"])

# Deliberately loose: there is no mail verification, so this only catches obvious typos.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- shared response shapes (routes_auth and routes_tokens use them too) ---------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable, e.g. `invalid_credentials`")
    message: str = Field(description="For people: what happened and what to do")
    details: Any = None


class ErrorBody(BaseModel):
    """Every error response: `{"error": {"code", "message", "details"?}}`."""

    error: ErrorDetail


_ERROR_TEXT = {
    401: "Not signed in, or the session / API token is not valid",
    403: "Not allowed (or a cookie request without its CSRF header)",
    404: "Not found",
    409: "Conflicts with existing data",
    422: "Invalid input",
    429: "Too many attempts; wait and retry",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses an endpoint can answer."""
    return {code: {"model": ErrorBody, "description": _ERROR_TEXT[code]} for code in statuses}


class Me(BaseModel):
    """The signed-in user's own account."""

    username: str
    display_name: str
    email: str | None
    site_admin: bool
    has_password: bool = Field(description="False for users who only sign in through an identity provider")
    created_at: datetime


def me_out(user: User) -> Me:
    """The `Me` view of a user row."""
    return Me(
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        site_admin=user.is_site_admin,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
    )


def normalize_email(email: str) -> str:
    """`email` trimmed, checked for an obvious shape (InvalidInput `invalid_email` otherwise)."""
    email = email.strip()
    if len(email) > 320 or not EMAIL_PATTERN.match(email):
        raise InvalidInput(f"{email!r} does not look like an email address", code="invalid_email")
    return email


async def email_taken(db: AsyncSession, email: str, *, other_than: int | None = None) -> bool:
    """Whether another user already has `email` (compared case-insensitively)."""
    stmt = select(User.id).where(func.lower(User.email) == email.lower())
    if other_than is not None:
        stmt = stmt.where(User.id != other_than)
    return (await db.execute(stmt.limit(1))).first() is not None


async def load_me(db: AsyncSession, actor: Actor) -> User:
    """The acting user's row (the actor is signed in)."""
    user = await db.get(User, actor.user_id)
    if user is None:  # deleted while the request ran
        raise NotFound("Your account no longer exists", code="user_not_found")
    return user


def me_ref(actor: Actor) -> UserRef:
    assert actor.user_id is not None
    return UserRef(id=actor.user_id, username=actor.username)


# --- the account -------------------------------------------------------------------------------------


@router.get("/api/user", response_model=Me, responses=error_responses(401, 403))
async def get_me(actor: SignedIn, db: DB) -> Response:
    """The signed-in user's account."""
    require(actor, Action.USER_READ, me_ref(actor))
    row = await raw.fetch_one(db, _ME, {"id": actor.user_id})  # plain psycopg: every client asks this
    if row is None:  # deleted while the request ran
        raise NotFound("Your account no longer exists", code="user_not_found")
    me = Me(
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        site_admin=row.is_site_admin,
        has_password=row.has_password,
        created_at=row.created_at,
    )
    return json_response(me)


_ME = """SELECT username, display_name, email, is_site_admin, password_hash IS NOT NULL AS has_password, created_at
    FROM users WHERE id = %(id)s"""


class ProfileUpdate(BaseModel):
    display_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=320)


@router.patch("/api/user", response_model=Me, responses=error_responses(401, 403, 409, 422))
async def update_me(body: ProfileUpdate, actor: SignedIn, db: DB, request: Request) -> Me:
    """Change the display name and/or email address (unique across users, case-insensitively)."""
    require(actor, Action.USER_UPDATE, me_ref(actor))
    user = await load_me(db, actor)
    changed: list[str] = []
    if body.display_name is not None and body.display_name.strip() != user.display_name:
        user.display_name = body.display_name.strip()
        changed.append("display_name")
    if body.email is not None:
        email = normalize_email(body.email)
        if email != user.email:
            if await email_taken(db, email, other_than=user.id):
                raise Conflict(f"Another account already uses {email!r}", code="email_taken")
            user.email = email
            changed.append("email")
    if changed:
        try:
            await db.flush()
        except IntegrityError:  # a concurrent request took the email
            raise Conflict("Another account already uses this email address", code="email_taken") from None
        await audit.record(db, actor, "user.update", "user", user.username, request=request, details={"fields": changed})
    return me_out(user)


class PasswordChange(BaseModel):
    current_password: str | None = Field(
        None, max_length=1000, description="Required when the account has a password already"
    )
    new_password: str = Field(max_length=1000)


class PasswordChanged(BaseModel):
    sessions_ended: int = Field(description="Other web sessions signed out (API tokens keep working)")


@router.post("/api/user/password", response_model=PasswordChanged, responses=error_responses(401, 403, 422))
async def change_password(body: PasswordChange, actor: SignedIn, db: DB, request: Request) -> PasswordChanged:
    """Set a new password (the current one is needed if there is one); every other web session is signed out.

    API tokens are not revoked; revoke them under /api/user/tokens if they may have leaked.
    """
    require(actor, Action.USER_UPDATE, me_ref(actor))
    user = await load_me(db, actor)
    if user.password_hash is not None:
        if not body.current_password or not await verify_password(user.password_hash, body.current_password):
            raise Forbidden("The current password is wrong", code="wrong_password")
    check_password_policy(body.new_password, username=user.username, email=user.email)
    user.password_hash = await hash_password(body.new_password)
    ended = await db.execute(
        delete(WebSession).where(WebSession.user_id == user.id, WebSession.id != (actor.session_id or 0))
    )
    count = int(getattr(ended, "rowcount", 0) or 0)
    await audit.record(db, actor, "user.password.change", "user", user.username, request=request,
                       details={"sessions_ended": count})
    return PasswordChanged(sessions_ended=count)


# --- linked identities -------------------------------------------------------------------------------


class IdentityOut(BaseModel):
    id: int
    provider: str
    email: str | None
    created_at: datetime
    last_login_at: datetime | None


@router.get("/api/user/identities", response_model=Page[IdentityOut], responses=error_responses(401, 403))
async def list_identities(actor: SignedIn, db: DB, page: PageDep) -> Page[IdentityOut]:
    """The upstream accounts (GitHub, Google, OIDC providers) linked to the signed-in user."""
    require(actor, Action.USER_READ, me_ref(actor))
    rows, cursor = await fetch_page(db, select(Identity).where(Identity.user_id == actor.user_id), Identity.id, page)
    items = [
        IdentityOut(id=i.id, provider=i.provider, email=i.email, created_at=i.created_at, last_login_at=i.last_login_at)
        for (i,) in rows
    ]
    return Page[IdentityOut](items=items, next_cursor=cursor)


@router.delete(
    "/api/user/identities/{identity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
async def unlink_identity(identity_id: int, actor: SignedIn, db: DB, request: Request) -> None:
    """Unlink an upstream account. Refused (409 `last_sign_in_method`) when it is the only way left to sign in."""
    require(actor, Action.USER_UPDATE, me_ref(actor))
    user = await load_me(db, actor)
    identity = await db.get(Identity, identity_id)
    if identity is None or identity.user_id != user.id:
        raise NotFound(f"You have no linked identity with id {identity_id}", code="identity_not_found")
    others = await db.scalar(
        select(func.count()).select_from(Identity).where(Identity.user_id == user.id, Identity.id != identity.id)
    )
    if user.password_hash is None and not others:
        raise Conflict(
            "This is your only way to sign in: set a password (POST /api/user/password) or link another account first",
            code="last_sign_in_method",
        )
    await db.delete(identity)
    await audit.record(db, actor, "user.identity.unlink", "user", user.username, request=request,
                       details={"provider": identity.provider, "identity_id": identity.id})


# --- who am I / public profiles ----------------------------------------------------------------------


class WhoAmI(BaseModel):
    username: str
    display_name: str
    via: str = Field(description="`session` (browser) or `token` (API token)")
    scopes: list[str] | None = Field(description="The token's scopes; null for a web session (no scope limit)")
    org: str | None = Field(description="The one org the token is limited to, if any")
    site_admin: bool
    token: str | None = Field(None, description="The token's public id (for DELETE /api/user/tokens/{public_id})")


@router.get("/api/whoami", response_model=WhoAmI, responses=error_responses(401))
async def whoami(actor: SignedIn, db: DB) -> WhoAmI:
    """Who the presented credential belongs to, how it signed in, and (for an API token) its scopes and org."""
    require(actor, Action.USER_READ, me_ref(actor))
    user = await load_me(db, actor)
    org_name = None
    if actor.token_org_id is not None:
        org_name = await db.scalar(select(Org.name).where(Org.id == actor.token_org_id))
    scopes = sorted(s.value for s in actor.scopes) if actor.scopes is not None else None
    token_public_id = None
    if actor.token_id is not None:
        token_public_id = await db.scalar(select(ApiToken.public_id).where(ApiToken.id == actor.token_id))
    return WhoAmI(
        username=user.username,
        display_name=user.display_name,
        via=actor.via,
        scopes=scopes,
        org=org_name,
        site_admin=user.is_site_admin,
        token=token_public_id,
    )


class PublicProfile(BaseModel):
    username: str
    display_name: str


@router.get("/api/users/{username}", response_model=PublicProfile, responses=error_responses(401, 404))
async def public_profile(username: str, actor: ActorDep, db: DB) -> PublicProfile:
    """A user's public profile (anyone may read it, signed in or not)."""
    user = await db.scalar(select(User).where(User.username == username.lower(), User.disabled_at.is_(None)))
    if user is None:
        raise NotFound(f"No user named {username!r}", code="user_not_found")
    return PublicProfile(username=user.username, display_name=user.display_name)
