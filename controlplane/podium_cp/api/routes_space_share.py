"""Space share links (docs/design/space-share-links.md): a Space's writers create, list and revoke links that let
whoever holds one use the Space without an account, for a while. Needs `space.write` on the Space (a `read`
member gets 403, whoever may not see the Space 404). The secret is shown once, in the answer to the create.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from podium_cp import audit
from podium_cp.api.deps import DB, SettingsDep, SignedIn
from podium_cp.api.pagination import MAX_LIMIT, Page
from podium_cp.api.routes_orgs import error_docs
from podium_cp.db.base import utcnow
from podium_cp.policy import Action, require
from podium_cp.spaces.service import find_space
from podium_cp.spaces.share_links import (
    DEFAULT_LIFETIME_S,
    MAX_LIFETIME_S,
    MIN_LIFETIME_S,
    LinkStatus,
    create_link,
    link_status,
    list_links,
    revoke_link,
    share_url,
)

router = APIRouter(tags=["space share links"])
ONE_SPACE = "/api/spaces/{owner}/{name}/share-links"

Owner = Annotated[str, Path(description="The Space's owner: an org or a username", max_length=64)]
SpaceName = Annotated[str, Path(description="The Space's name", max_length=64)]
LinkId = Annotated[str, Path(description="The link's id, `ssl_...` (an id of no link of this Space: 404)")]


class SpaceShareLinkCreate(BaseModel):
    """A new link's label and lifetime."""

    label: str = Field("", max_length=200, description="A note to tell the Space's links apart")
    lifetime_s: int = Field(DEFAULT_LIFETIME_S, ge=MIN_LIFETIME_S, le=MAX_LIFETIME_S,
                            description="Seconds the link works: 60 up to 7 days (default 1 day)")


class NewSpaceShareLink(BaseModel):
    """A new link. `url` holds the secret `token`: both are shown only in this response."""

    id: str
    url: str = Field(description="What to share: SPACE_URL/.podium/share?token=TOKEN")
    token: str = Field(description="The link's secret, `pss_...`; shown only here")
    label: str
    created_at: datetime
    expires_at: datetime


class SpaceShareLinkOut(BaseModel):
    """One of a Space's share links (never its secret)."""

    id: str
    label: str
    created_by: str | None = Field(description="Who made it (null once their account is deleted)")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="When it was last used (noted at most once a minute)")
    use_count: int = Field(description="How many times a use was noted (at most one a minute)")
    status: LinkStatus


@router.post(ONE_SPACE, response_model=NewSpaceShareLink, status_code=201, summary="Create a Space share link",
             responses=error_docs(401, 403, 404, 422))
async def create_space_share_link(
    owner: Owner, name: SpaceName, body: SpaceShareLinkCreate, db: DB, actor: SignedIn, settings: SettingsDep,
    request: Request,
) -> NewSpaceShareLink:
    """A link that lets whoever holds it use the Space without signing in, until it expires or is revoked.
    Needs `space.write`; audited."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    issued = await create_link(db, space.id, actor.user_id, label=body.label, lifetime_s=body.lifetime_s)
    link = issued.link
    await audit.record(db, actor, "space.share_link.create", "space_share_link",
                       f"{space.owner_name}/{space.name}/{link.id}", org_id=space.owner_org_id, request=request,
                       details={"id": link.id, "label": link.label, "expires_at": link.expires_at.isoformat()})
    url = share_url(settings.space_url(space.owner_name, space.name), issued.token)
    return NewSpaceShareLink(id=link.id, url=url, token=issued.token, label=link.label, created_at=link.created_at,
                             expires_at=link.expires_at)


@router.get(ONE_SPACE, response_model=Page[SpaceShareLinkOut], summary="A Space's share links",
            responses=error_docs(401, 403, 404, 422))
async def list_space_share_links(
    owner: Owner,
    name: SpaceName,
    db: DB,
    actor: SignedIn,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-200)")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
) -> Page[SpaceShareLinkOut]:
    """The Space's share links, newest first, expired and revoked ones included. Needs `space.write`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    rows, next_cursor = await list_links(db, space.id, limit=limit, cursor=cursor)
    now = utcnow()
    return Page[SpaceShareLinkOut](items=[_out(row, now) for row in rows], next_cursor=next_cursor)


def _out(row: Any, now: datetime) -> SpaceShareLinkOut:
    return SpaceShareLinkOut(
        id=row.id, label=row.label, created_by=row.created_by, created_at=row.created_at, expires_at=row.expires_at,
        revoked_at=row.revoked_at, last_used_at=row.last_used_at, use_count=row.use_count,
        status=link_status(row.revoked_at, row.expires_at, now),
    )


@router.delete(ONE_SPACE + "/{link_id}", status_code=204, response_class=Response, summary="Revoke a Space share link",
               responses=error_docs(401, 403, 404))
async def revoke_space_share_link(
    owner: Owner, name: SpaceName, link_id: LinkId, db: DB, actor: SignedIn, request: Request
) -> Response:
    """Revoke one of the Space's links: visitors who opened it lose access within seconds; the link stays in the
    list as revoked. Revoking twice is fine. Needs `space.write`; audited."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    link, changed = await revoke_link(db, space.id, link_id)
    if changed:
        await audit.record(db, actor, "space.share_link.revoke", "space_share_link",
                           f"{space.owner_name}/{space.name}/{link.id}", org_id=space.owner_org_id, request=request,
                           details={"id": link.id})
    return Response(status_code=204)
