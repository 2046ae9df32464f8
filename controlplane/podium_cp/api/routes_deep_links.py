"""Deep links (docs/design/deep-links.md): the app-facing API apps store and read snapshots through, with a
deep-link token (`Authorization: Bearer pdl1...`), and the user-facing API to list, show and delete a Space's
links (`space.write` on the Space: snapshots hold other visitors' inputs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError

from podium_cp import audit
from podium_cp.api.deps import DB, SettingsDep, SignedIn
from podium_cp.api.pagination import MAX_LIMIT, Page
from podium_cp.api.routes_orgs import error_docs
from podium_cp.api.routes_users import ErrorBody
from podium_cp.crypto import SecretKeyError
from podium_cp.deeplinks.service import (
    NewDeepLink,
    SnapshotTooLarge,
    create_link,
    delete_link,
    list_links,
    open_link,
    show_link,
)
from podium_cp.deeplinks.tokens import DeepLinkTokenError, Scope, open_token
from podium_cp.errors import APIError, InvalidInput, Unauthenticated
from podium_cp.policy import Action, require
from podium_cp.settings import Settings
from podium_cp.spaces.service import find_space

router = APIRouter(tags=["deep links"])
ONE_SPACE = "/api/spaces/{owner}/{name}/deep-links"
# The request may spell the snapshot less compactly than it is measured (escaped non-ASCII text, spaces).
BODY_SLACK_FACTOR, BODY_SLACK_BYTES = 4, 64 * 1024

Owner = Annotated[str, Path(description="The Space's owner: an org or a username", max_length=64)]
SpaceName = Annotated[str, Path(description="The Space's name", max_length=64)]
LinkId = Annotated[str, Path(description="The deep link's id (an id of no link here, whatever its shape: 404)")]


class DeepLinkCreate(BaseModel):
    """A snapshot to store (opaque JSON; the app server builds and reads it)."""

    snapshot: dict[str, Any]
    app_revision: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
                              description="The app's fingerprint when the snapshot was taken")
    space_revision: int | None = Field(None, ge=0, le=2**31 - 1, description="SPACE_REVISION of the app, if any")


class DeepLinkCreated(BaseModel):
    """A stored snapshot's id and lifetime."""

    id: str
    created_at: datetime
    expires_at: datetime


class DeepLinkData(BaseModel):
    """A stored snapshot, as the app server restores it."""

    id: str
    snapshot: dict[str, Any]
    app_revision: str
    space_revision: int | None
    created_at: datetime
    expires_at: datetime


class DeepLinkOut(BaseModel):
    """One of a Space's deep links (without its snapshot)."""

    id: str
    url: str = Field(description="The Space's URL that reopens the app as it was: SPACE_URL/?deep_link=ID")
    created_at: datetime
    expires_at: datetime
    size_bytes: int
    app_revision: str
    space_revision: int | None
    open_count: int
    last_opened_at: datetime | None
    labels: list[str] = Field(description="The labels (else keys) of the components the snapshot holds")


class DeepLinkDetail(DeepLinkOut):
    """One of a Space's deep links, with its snapshot."""

    snapshot: dict[str, Any]


_DESCRIPTIONS = {
    401: "The deep-link token is missing, garbled or forged",
    403: "The share link expired or was revoked",
    404: "No such deep link here, or the Space is gone",
    410: "The deep link expired",
    413: "The snapshot is over PODIUM_DEEP_LINK_MAX_BYTES",
    422: "The body is not of the documented shape",
}


def _docs(*statuses: int, app: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=`: the usual texts, or (`app`) those of the app-facing routes; 410 and 413 as here."""
    docs = error_docs(*(s for s in statuses if s != 413))
    for status in statuses:
        if app or status in (410, 413):
            docs[status] = {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
    return docs


async def _scope(request: Request, settings: Settings) -> Scope:
    """The scope of the request's `Authorization: Bearer pdl1...` deep-link token (401 without a valid one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send the app's deep-link token: 'Authorization: Bearer pdl1...' (PODIUM_DEEP_LINK_TOKEN)",
                              code="bad_authorization")
    try:
        return open_token(settings, token.strip())
    except DeepLinkTokenError as error:
        raise Unauthenticated(str(error), code="invalid_deep_link_token") from None
    except SecretKeyError:
        raise APIError("Deep links are not available: this server has no PODIUM_SECRET_KEYS",
                       code="deep_links_unavailable", status=503) from None


async def _read_body(request: Request, settings: Settings) -> DeepLinkCreate:
    """The body, read up to a bound (a huge body is refused before it is parsed), as a DeepLinkCreate."""
    limit = settings.deep_link_max_bytes * BODY_SLACK_FACTOR + BODY_SLACK_BYTES
    too_large = SnapshotTooLarge(f"This request is over {limit // 1024} KB; the snapshot limit is "
                                 f"{settings.deep_link_max_bytes // 1024} KB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    try:
        return DeepLinkCreate.model_validate_json(bytes(body))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "body"
        raise InvalidInput(f"{where}: {first.get('msg', 'invalid')}; send "
                           '{"snapshot": {...}, "app_revision": "...", "space_revision": N}',
                           code="invalid_input") from None


_CREATE_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": DeepLinkCreate.model_json_schema()}}}}


@router.post("/api/deep-links", response_model=DeepLinkCreated, status_code=201, openapi_extra=_CREATE_BODY,
             summary="Store a snapshot (apps, with a deep-link token)",
             responses=_docs(401, 403, 404, 413, 422, app=True))
async def create_deep_link(request: Request, db: DB, settings: SettingsDep) -> DeepLinkCreated:
    """Store a snapshot for the token's Space (kept its retention) or share link (kept while the link lives).
    413 over PODIUM_DEEP_LINK_MAX_BYTES (measured on the snapshot's compact JSON)."""
    scope = await _scope(request, settings)
    body = await _read_body(request, settings)
    link = await create_link(db, settings, scope, NewDeepLink(body.snapshot, body.app_revision, body.space_revision))
    return DeepLinkCreated(id=link.id, created_at=link.created_at, expires_at=link.expires_at)


@router.get("/api/deep-links/{link_id}", response_model=DeepLinkData,
            summary="Read a snapshot (apps, with a deep-link token)", responses=_docs(401, 404, 410, app=True))
async def get_deep_link(link_id: LinkId, request: Request, db: DB, settings: SettingsDep) -> DeepLinkData:
    """A snapshot of the token's Space or share link; counts the opening. 404 for unknown ids and ids of another
    Space or share link alike; 410 once expired."""
    scope = await _scope(request, settings)
    link = await open_link(db, scope, link_id)
    return DeepLinkData(id=link.id, snapshot=link.snapshot, app_revision=link.app_revision,
                        space_revision=link.space_revision, created_at=link.created_at, expires_at=link.expires_at)


# --- a Space's links, for its writers ----------------------------------------------------------------------


def _out(row: Any, space_url: str) -> dict[str, Any]:
    labels = [label for label in (row.labels or []) if isinstance(label, str)]
    return {
        "id": row.id, "url": f"{space_url}/?deep_link={row.id}", "created_at": row.created_at,
        "expires_at": row.expires_at, "size_bytes": row.size_bytes, "app_revision": row.app_revision,
        "space_revision": row.space_revision, "open_count": row.open_count, "last_opened_at": row.last_opened_at,
        "labels": labels,
    }


@router.get(ONE_SPACE, response_model=Page[DeepLinkOut], summary="A Space's deep links",
            responses=error_docs(401, 403, 404, 422))
async def list_space_deep_links(
    owner: Owner,
    name: SpaceName,
    db: DB,
    actor: SignedIn,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-200)")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
) -> Page[DeepLinkOut]:
    """The Space's deep links that have not expired, newest first. Needs `space.write`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    rows, next_cursor = await list_links(db, space.id, limit=limit, cursor=cursor)
    url = settings.space_url(space.owner_name, space.name)
    return Page[DeepLinkOut](items=[DeepLinkOut(**_out(row, url)) for row in rows], next_cursor=next_cursor)


@router.get(ONE_SPACE + "/{link_id}", response_model=DeepLinkDetail, summary="One deep link, with its snapshot",
            responses=_docs(401, 403, 404, 410))
async def show_space_deep_link(
    owner: Owner, name: SpaceName, link_id: LinkId, db: DB, actor: SignedIn, settings: SettingsDep
) -> DeepLinkDetail:
    """One of the Space's deep links and its snapshot (not counted as an opening). Needs `space.write`."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    row, snapshot = await show_link(db, space.id, link_id)
    return DeepLinkDetail(**_out(row, settings.space_url(space.owner_name, space.name)), snapshot=snapshot)


@router.delete(ONE_SPACE + "/{link_id}", status_code=204, response_class=Response, summary="Delete a deep link",
               responses=error_docs(401, 403, 404))
async def delete_space_deep_link(
    owner: Owner, name: SpaceName, link_id: LinkId, db: DB, actor: SignedIn, request: Request
) -> Response:
    """Delete one of the Space's deep links: its URL then opens the app with a "not found" notice. Needs
    `space.write`; audited."""
    space, ref = await find_space(db, actor, owner, name)
    require(actor, Action.SPACE_WRITE, ref)
    await delete_link(db, space.id, link_id)
    await audit.record(db, actor, "space.deep_link.delete", "deep_link", f"{space.owner_name}/{space.name}/{link_id}",
                       org_id=space.owner_org_id, request=request, details={"id": link_id})
    return Response(status_code=204)
