"""The OIDC provider's HTTP endpoints (discovery, JWKS, authorize + consent, token, userinfo) and client registration.

The /oauth/* endpoints answer errors the OAuth way (`{error, error_description}`, or a redirect to the client);
the /api/oauth/clients endpoints use the API's usual errors.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp import audit
from podium_cp.api.deps import DB, SettingsDep, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.auth.oidc_provider import (
    AuthorizationRequest,
    OAuthError,
    RedirectableError,
    discovery_document,
    issue_code,
    public_jwks,
    register_client,
    validate_authorization_request,
)
from podium_cp.auth.oidc_provider_tokens import (
    authenticate_client_credentials,
    authenticated_client,
    exchange_code,
    refresh,
    userinfo,
)
from podium_cp.auth.sessions import SESSION_COOKIE, csrf_matches, csrf_token, lookup_session
from podium_cp.db.base import utcnow
from podium_cp.errors import InvalidInput, NotFound
from podium_cp.models import OAuthClient, OAuthToken, User, WebSession
from podium_cp.policy import Action, Actor, UserRef, require
from podium_cp.settings import Settings

router = APIRouter(tags=["oauth"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"' if exc.error == "invalid_token" else "Basic"
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


def _redirect_with(redirect_uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}", status_code=302)


def _error_page(exc: OAuthError) -> HTMLResponse:
    body = (f"<!doctype html><title>Sign-in error</title><h1>This sign-in request cannot continue</h1>"
            f"<p><code>{html.escape(exc.error)}</code>: {html.escape(exc.description)}</p>")
    return HTMLResponse(body, status_code=exc.status)


async def _session_user(request: Request, db: AsyncSession, settings: Settings) -> tuple[str, WebSession, User] | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    found = await lookup_session(db, secret, settings)
    return None if found is None else (secret, *found)


@router.get("/.well-known/openid-configuration", summary="OpenID Provider metadata")
async def openid_configuration(settings: SettingsDep) -> dict[str, Any]:
    """Discovery: the issuer (this installation's public URL) and its endpoints."""
    return discovery_document(settings)


@router.get("/oauth/jwks", summary="Public keys that verify ID tokens")
async def jwks(db: DB, settings: SettingsDep) -> dict[str, Any]:
    """The JSON Web Key Set of the ID-token signing keys (a key is generated on first use)."""
    return await public_jwks(db, settings)


def _consent_page(auth: AuthorizationRequest, user: User, csrf: str) -> HTMLResponse:
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in {**auth.as_form(), "csrf_token": csrf}.items()
    )
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in auth.scope.split())
    body = (
        "<!doctype html><meta charset=utf-8><title>Authorize application</title>"
        f"<h1>{html.escape(auth.client.name)} wants to sign you in</h1>"
        f"<p>Signed in as <b>{html.escape(user.username)}</b>. It will be able to see:</p><ul>{scopes}</ul>"
        f"<p>You will be sent to {html.escape(auth.redirect_uri)}</p>"
        f'<form method="post" action="/oauth/authorize">{fields}'
        '<button type="submit" name="decision" value="allow">Allow</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    # The consent page must not be framed (clickjacking) nor cached.
    return HTMLResponse(body, headers={**NO_STORE, "X-Frame-Options": "DENY",
                                       "Content-Security-Policy": "frame-ancestors 'none'"})


@router.get("/oauth/authorize", summary="Start an authorization (shows the consent page)")
async def authorize(request: Request, db: DB, settings: SettingsDep) -> Response:
    """Validate the request; send a visitor who is not signed in to the console's login page, else ask consent."""
    params = dict(request.query_params)
    try:
        auth = await validate_authorization_request(db, params)
    except RedirectableError as exc:
        return _redirect_with(params["redirect_uri"], {"error": exc.error, "error_description": exc.description,
                                                       "state": params.get("state")})
    except OAuthError as exc:
        return _error_page(exc)
    signed_in = await _session_user(request, db, settings)
    if signed_in is None:
        here = request.url.path + ("?" + request.url.query if request.url.query else "")
        return RedirectResponse(f"{settings.public_url}/login?next={quote(here, safe='')}", status_code=302)
    secret, _, user = signed_in
    return _consent_page(auth, user, csrf_token(secret))


@router.post("/oauth/authorize", summary="Answer the consent page")
async def authorize_decision(request: Request, db: DB, settings: SettingsDep) -> Response:
    """The consent form's answer: Allow issues a single-use code to the redirect URI, Deny sends access_denied."""
    params = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    signed_in = await _session_user(request, db, settings)
    if signed_in is None:
        return _error_page(OAuthError("login_required", "Your session has ended; sign in and start again", 401))
    secret, session, user = signed_in
    if not csrf_matches(secret, params.get("csrf_token")):
        return _error_page(OAuthError("invalid_request", "The consent form is stale or forged (CSRF check failed)", 403))
    try:
        auth = await validate_authorization_request(db, params)
    except RedirectableError as exc:
        return _redirect_with(params["redirect_uri"], {"error": exc.error, "error_description": exc.description,
                                                       "state": params.get("state")})
    except OAuthError as exc:
        return _error_page(exc)
    if params.get("decision") != "allow":
        return _redirect_with(auth.redirect_uri, {"error": "access_denied", "error_description": "The user declined",
                                                  "state": auth.state})
    code = await issue_code(db, auth, user.id, session.created_at)
    return _redirect_with(auth.redirect_uri, {"code": code, "state": auth.state})


@router.post("/oauth/token", summary="Exchange a code (or refresh token) for tokens")
async def token(request: Request, db: DB, settings: SettingsDep) -> JSONResponse:
    """authorization_code (PKCE S256 for public clients) and refresh_token grants; errors per RFC 6749 5.2."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        client_id, secret = authenticate_client_credentials(request.headers.get("authorization"), form)
        client = await authenticated_client(db, client_id, secret)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            body = await exchange_code(db, settings, client, form)
        elif grant == "refresh_token":
            body = await refresh(db, settings, client, form)
        else:
            raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
    except OAuthError as exc:
        # Returned, not raised: the request's transaction commits what the refusal wrote (a used or replayed code).
        return _oauth_error(exc)
    return JSONResponse(body, headers=NO_STORE)


@router.get("/oauth/userinfo", summary="Claims about the token's user")
async def userinfo_get(request: Request, db: DB) -> JSONResponse:
    """The user's claims for a Bearer access token (sub, preferred_username, name, email, email_verified)."""
    try:
        return JSONResponse(await userinfo(db, request.headers.get("authorization")), headers=NO_STORE)
    except OAuthError as exc:
        return _oauth_error(exc)


@router.post("/oauth/userinfo", summary="Claims about the token's user (POST form)")
async def userinfo_post(request: Request, db: DB) -> JSONResponse:
    """The same as GET /oauth/userinfo (OpenID Connect Core 5.3.1 allows both)."""
    return await userinfo_get(request, db)


class ClientIn(BaseModel):
    """A client to register."""

    name: str = Field(min_length=1, max_length=100)
    redirect_uris: list[str] = Field(min_length=1, max_length=20)
    confidential: bool = True


class ClientOut(BaseModel):
    """A registered client (the secret appears only in the answer that creates it)."""

    client_id: str
    name: str
    redirect_uris: list[str]
    confidential: bool
    token_endpoint_auth_method: str
    created_at: str
    client_secret: str | None = None


def _own_account(actor: Actor) -> UserRef:
    assert actor.user_id is not None  # SignedIn
    return UserRef(id=actor.user_id, username=actor.username)


def _client_out(client: OAuthClient, secret: str | None = None) -> ClientOut:
    return ClientOut(
        client_id=client.client_id, name=client.name, redirect_uris=list(client.redirect_uris),
        confidential=client.client_secret_hash is not None, token_endpoint_auth_method=client.token_endpoint_auth_method,
        created_at=client.created_at.isoformat(), client_secret=secret,
    )


@router.post("/api/oauth/clients", status_code=201, summary="Register an OAuth/OIDC client")
async def create_client(body: ClientIn, request: Request, actor: SignedIn, db: DB, settings: SettingsDep) -> ClientOut:
    """Register an application that signs users in with this installation; `client_secret` is shown once."""
    account = _own_account(actor)
    require(actor, Action.USER_UPDATE, account)
    try:
        client, secret = await register_client(
            db, account.id, name=body.name, redirect_uris=body.redirect_uris, confidential=body.confidential,
            allow_insecure=settings.oidc_allow_insecure,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), details={"where": "body.redirect_uris"}) from None
    await audit.record(db, actor, "oauth.client.create", "oauth_client", client.client_id, request=request,
                       details={"name": client.name, "confidential": body.confidential})
    return _client_out(client, secret)


@router.get("/api/oauth/clients", summary="My OAuth clients", response_model=Page[ClientOut])
async def list_clients(actor: SignedIn, db: DB, page: PageDep) -> Page[ClientOut]:
    """The clients the signed-in user registered (no secrets), oldest first."""
    require(actor, Action.USER_READ, _own_account(actor))
    stmt = select(OAuthClient).where(OAuthClient.owner_id == actor.user_id)
    rows, cursor = await fetch_page(db, stmt, OAuthClient.id, page, newest_first=False)
    return Page[ClientOut](items=[_client_out(row[0]) for row in rows], next_cursor=cursor)


@router.delete("/api/oauth/clients/{client_id}", status_code=204, summary="Delete one of my OAuth clients")
async def delete_client(client_id: str, request: Request, actor: SignedIn, db: DB) -> Response:
    """Delete a client the signed-in user owns; the tokens issued to it are revoked."""
    require(actor, Action.USER_UPDATE, _own_account(actor))
    result = await db.execute(
        delete(OAuthClient).where(OAuthClient.client_id == client_id, OAuthClient.owner_id == actor.user_id)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound(f"You have no OAuth client {client_id!r}", code="oauth_client_not_found")
    await db.execute(
        update(OAuthToken).where(OAuthToken.client_id == client_id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await audit.record(db, actor, "oauth.client.delete", "oauth_client", client_id, request=request)
    return Response(status_code=204)
