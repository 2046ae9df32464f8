"""The signed-in user's API tokens (for the CLI and SDK): list, create (secret shown once), revoke."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from podium_cp import audit
from podium_cp.api.deps import DB, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_users import error_responses, load_me, me_ref
from podium_cp.auth.tokens import mint_token
from podium_cp.db.base import utcnow
from podium_cp.errors import Forbidden, NotFound
from podium_cp.models import ApiToken, Org
from podium_cp.policy import Action, Actor, require
from podium_cp.roles import Scope

router = APIRouter(tags=["tokens"])

DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
_SCOPE_RANK = {Scope.READ: 1, Scope.WRITE: 2, Scope.ADMIN: 3}


class TokenOut(BaseModel):
    """An API token's description. The secret itself is never shown again after creation."""

    public_id: str = Field(description="Names the token in URLs: DELETE /api/user/tokens/{public_id}")
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart")
    scopes: list[Scope]
    org: str | None = Field(description="The one org the token is limited to, if any")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool
    revoked_at: datetime | None


class NewToken(TokenOut):
    token: str = Field(description="The secret (`pdm_...`): shown only in this response; store it now")


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["laptop CLI"])
    scopes: list[Scope] = Field(min_length=1, description="`read`, `write` (also changes content), `admin`")
    org: str | None = Field(None, max_length=39, description="Limit the token to this org (you must be a member)")
    expires_in_days: int = Field(DEFAULT_EXPIRY_DAYS, ge=1, le=MAX_EXPIRY_DAYS)


def _token_out(token: ApiToken, org_name: str | None) -> TokenOut:
    return TokenOut(
        public_id=token.public_id,
        name=token.name,
        prefix=token.prefix,
        scopes=[Scope(s) for s in token.scopes],
        org=org_name,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked_at is not None,
        revoked_at=token.revoked_at,
    )


@router.get("/api/user/tokens", response_model=Page[TokenOut], responses=error_responses(401, 403))
async def list_tokens(actor: SignedIn, db: DB, page: PageDep) -> Page[TokenOut]:
    """The signed-in user's API tokens, newest first, revoked and expired ones included (never the secrets)."""
    require(actor, Action.USER_READ, me_ref(actor))
    stmt = (
        select(ApiToken, Org.name)
        .outerjoin(Org, Org.id == ApiToken.org_id)
        .where(ApiToken.user_id == actor.user_id)
    )
    rows, cursor = await fetch_page(db, stmt, ApiToken.id, page)
    return Page[TokenOut](items=[_token_out(token, org_name) for token, org_name in rows], next_cursor=cursor)


def _check_within_own_limits(actor: Actor, scopes: list[Scope], org_id: int | None) -> None:
    """A token may only mint tokens that can do no more than itself."""
    if actor.scopes is not None:
        best = max((_SCOPE_RANK[s] for s in actor.scopes), default=0)
        wider = sorted(s.value for s in scopes if _SCOPE_RANK[s] > best)
        if wider:
            raise Forbidden(
                f"This token cannot create a token with more scope than its own ({', '.join(wider)})",
                code="scope_exceeds_token",
            )
    if actor.token_org_id is not None and org_id != actor.token_org_id:
        raise Forbidden("This token is limited to one org; tokens it creates must be limited to that org too",
                        code="scope_exceeds_token")


@router.post(
    "/api/user/tokens",
    response_model=NewToken,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 422),
)
async def create_token(body: TokenCreate, actor: SignedIn, db: DB, request: Request) -> NewToken:
    """Create an API token. The response's `token` is the only time the secret is shown.

    Tokens expire after `expires_in_days` (default 90, at most 365). With `org`, the token works only for that
    org's resources. Requests authenticated by a token need its `admin` scope here, and cannot create a token
    with more scope than their own.
    """
    require(actor, Action.USER_TOKENS_MANAGE, me_ref(actor))
    user = await load_me(db, actor)
    org: Org | None = None
    if body.org is not None:
        org = await db.scalar(select(Org).where(Org.name == body.org.strip().lower()))
        if org is None:
            raise NotFound(f"No org named {body.org!r}", code="org_not_found")
        if org.id not in actor.roles:
            raise Forbidden(f"You are not a member of org {org.name!r}, so a token cannot be limited to it",
                            code="not_a_member")
    _check_within_own_limits(actor, body.scopes, org.id if org else None)
    secret, token = await mint_token(
        db,
        user,
        name=body.name.strip() or "token",
        scopes=body.scopes,
        org_id=org.id if org else None,
        expires_at=utcnow() + timedelta(days=body.expires_in_days),
    )
    await audit.record(
        db, actor, "token.create", "token", token.public_id, org_id=org.id if org else None, request=request,
        details={"name": token.name, "scopes": token.scopes, "org": org.name if org else None,
                 "expires_in_days": body.expires_in_days},
    )
    out = _token_out(token, org.name if org else None)
    return NewToken(**out.model_dump(), token=secret)


@router.delete(
    "/api/user/tokens/{public_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
async def revoke_token(public_id: str, actor: SignedIn, db: DB, request: Request) -> None:
    """Revoke one of your tokens: requests using it get 401 `invalid_token` from now on. Revoking twice is fine."""
    require(actor, Action.USER_TOKENS_MANAGE, me_ref(actor))
    token = await db.scalar(
        select(ApiToken).where(ApiToken.public_id == public_id, ApiToken.user_id == actor.user_id)
    )
    if token is None:
        raise NotFound(f"You have no API token {public_id!r}", code="token_not_found")
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    await audit.record(db, actor, "token.revoke", "token", token.public_id, org_id=token.org_id, request=request,
                       details={"name": token.name})
