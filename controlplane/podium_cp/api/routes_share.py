"""Share links (docs/design/share.md): create one (secret shown once), list yours, revoke one; and the HTTP
server-plugin endpoint through which a stock frps asks the same policy as Podium's own share server."""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from podium_cp import audit
from podium_cp.api.deps import DB, ActorDep, SettingsDep, SignedIn, client_ip, get_database
from podium_cp.api.routes_users import error_responses
from podium_cp.crypto import SecretKeyError
from podium_cp.db.base import utcnow
from podium_cp.deeplinks.tokens import mint_share_token
from podium_cp.errors import NotFound
from podium_cp.models import ShareLink
from podium_cp.settings import Settings, split_host_port
from podium_cp.share.policy import DatabasePolicy
from podium_cp.share.service import LinkStatus, ShareRateLimited, issue_link, link_status, list_links, revoke_link

router = APIRouter(tags=["share"])


class TunnelOut(BaseModel):
    """Where the SDK's tunnel client dials, and how."""

    host: str
    port: int
    tls: bool
    auth_token: str = Field(description="The FRP auth token (empty when the share server needs none)")
    server_name: str | None = Field(description="The TLS server name to verify (null without TLS)")


class ShareLinkCreate(BaseModel):
    lifetime_s: int | None = Field(
        None, description="Seconds the link lives: 60 up to the server's maximum (default, at most 7 days)"
    )
    label: str | None = Field(None, max_length=200, description="A note to tell your links apart")


class ShareLinkOut(BaseModel):
    """A share link's description (never its token)."""

    id: str
    subdomain: str
    url: str
    label: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    connected: bool = Field(description="A tunnel client serves the link now")
    status: LinkStatus


class NewShareLink(BaseModel):
    """A new link. `token` (the tunnel's proxy name) and `deep_link_token` are shown only in this response."""

    id: str
    token: str = Field(description="The link's secret: the tunnel client's proxy name; shown only here")
    subdomain: str
    url: str
    label: str | None
    created_at: datetime
    expires_at: datetime
    tunnel: TunnelOut
    deep_link_token: str | None = Field(
        description="The app's token for storing deep links (PODIUM_DEEP_LINK_TOKEN); shown only here. Null when "
        "the server has no PODIUM_SECRET_KEYS"
    )


class ShareLinkList(BaseModel):
    links: list[ShareLinkOut]


def tunnel_out(settings: Settings) -> TunnelOut:
    """What clients are told to dial: PODIUM_SHARE_TUNNEL_ADDRESS, with TLS when the share server has a cert."""
    host, port = split_host_port(settings.share_tunnel_address)
    tls = settings.share_tls_cert is not None
    return TunnelOut(host=host, port=port, tls=tls, auth_token=settings.share_auth_token,
                     server_name=host if tls else None)


def _link_out(link: ShareLink, settings: Settings, now: datetime) -> ShareLinkOut:
    return ShareLinkOut(
        id=link.id,
        subdomain=link.subdomain,
        url=settings.share_url(link.subdomain),
        label=link.label,
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        last_seen_at=link.last_seen_at,
        connected=link.connected_run_id is not None,
        status=link_status(link, now),
    )


@router.post(
    "/api/share/links",
    response_model=NewShareLink,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 422, 429),
)
async def create_share_link(
    body: ShareLinkCreate, actor: ActorDep, db: DB, settings: SettingsDep, request: Request
) -> Any:
    """A new share link for an app you run: its public URL, its secret token, where the tunnel dials, and the
    token with which the app stores deep links (docs/design/deep-links.md).

    Signed in (token or session), the link is yours to list and revoke. Without signing in, one address gets at
    most `PODIUM_SHARE_ANONYMOUS_PER_HOUR` links per hour (429 with `Retry-After` after that).
    """
    try:
        issued = await issue_link(db, settings, actor, ip=client_ip(request), lifetime_s=body.lifetime_s,
                                  label=body.label)
    except ShareRateLimited as limited:
        return JSONResponse(limited.body(), status_code=limited.status,
                            headers={"Retry-After": str(limited.retry_after_s)})
    link = issued.link
    await audit.record(db, actor, "share.create", "share_link", link.subdomain, request=request,
                       details={"id": link.id, "expires_at": link.expires_at.isoformat()})
    return NewShareLink(
        id=link.id,
        token=issued.token,
        subdomain=link.subdomain,
        url=settings.share_url(link.subdomain),
        label=link.label,
        created_at=link.created_at,
        expires_at=link.expires_at,
        tunnel=tunnel_out(settings),
        deep_link_token=_deep_link_token(settings, link.id),
    )


def _deep_link_token(settings: Settings, link_id: str) -> str | None:
    """The share link's deep-link token, or None when the server has no keyring to sign one."""
    try:
        return mint_share_token(settings, link_id)
    except SecretKeyError:
        return None


@router.get("/api/share/links", response_model=ShareLinkList, responses=error_responses(401, 403))
async def list_share_links(
    actor: SignedIn,
    db: DB,
    settings: SettingsDep,
    everyone: bool = Query(False, alias="all", description="Site admins: every user's links (and anonymous ones)"),
) -> ShareLinkList:
    """Your share links, newest first, expired and revoked ones included (never their tokens)."""
    now = utcnow()
    links = await list_links(db, actor, everyone=everyone)
    return ShareLinkList(links=[_link_out(link, settings, now) for link in links])


@router.delete(
    "/api/share/links/{link_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401, 403, 404)
)
async def revoke_share_link(link_id: str, actor: SignedIn, db: DB, request: Request) -> None:
    """Revoke a link (yours, or anyone's for a site admin): its tunnel closes within seconds and cannot reconnect.
    Revoking twice is fine."""
    link, changed = await revoke_link(db, actor, link_id)
    if changed:
        await audit.record(db, actor, "share.revoke", "share_link", link.subdomain, request=request,
                           details={"id": link.id})


@router.post("/api/share/frps-plugin/{secret}", include_in_schema=False)
async def frps_plugin(secret: str, request: Request, settings: SettingsDep, op: str = "") -> Response:
    """A stock frps's HTTP server-plugin calls (Login, NewProxy, NewWorkConn, Ping, CloseProxy), answered by the
    share-link policy. Off (404) unless PODIUM_SHARE_PLUGIN_SECRET is set; the path carries that secret."""
    expected = settings.share_plugin_secret
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise NotFound(f"No such endpoint: POST {request.url.path}")
    from podium_tunnel.plugin import PluginRequestError, handle_plugin_request

    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": {"code": "bad_request", "message": "the body must be JSON"}}, status_code=400)
    try:
        answer = await handle_plugin_request(_plugin_policy(request, settings), op, body)
    except PluginRequestError as error:
        return JSONResponse({"error": {"code": "bad_request", "message": str(error)}}, status_code=400)
    return JSONResponse(answer)


def _plugin_policy(request: Request, settings: Settings) -> DatabasePolicy:
    """The app's one DatabasePolicy for the plugin route (the plugin remembers grants per policy object)."""
    policy: DatabasePolicy | None = getattr(request.app.state, "share_policy", None)
    if policy is None:
        policy = request.app.state.share_policy = DatabasePolicy(get_database(request), settings)
    return policy
