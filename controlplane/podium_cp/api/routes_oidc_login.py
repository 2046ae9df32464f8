"""Sign in with an upstream provider (GitHub, Google, any OpenID Connect issuer), and link one to your account.

`GET /api/auth/oidc/{provider}/login?next=/path` -> the provider -> `GET /api/auth/oidc/{provider}/callback`,
which signs the browser in (or links the identity) and sends it to `next` (a path on this site only). A callback
that fails answers the API's JSON error, or, to a browser (`Accept: text/html`), redirects to the console's
`/login?error=CODE&provider=NAME`, which says what went wrong in its own words.
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from podium_cp import audit
from podium_cp.api.deps import SettingsDep, SignedIn, client_ip, get_database
from podium_cp.auth.oidc_accounts import IdentityTaken, SignupClosed, resolve_user
from podium_cp.auth.oidc_client import (
    LOGIN_STATE_TTL,
    STATE_COOKIE,
    OidcLoginError,
    consume_state,
    fetch_account,
    find_provider,
    start_login,
)
from podium_cp.auth.sessions import SESSION_COOKIE, lookup_session, set_session_cookies, start_session
from podium_cp.errors import APIError, Conflict, Forbidden, NotFound, Unauthenticated
from podium_cp.policy import Action, Actor, UserRef, require
from podium_cp.settings import OidcProviderSettings, Settings

logger = logging.getLogger("podium_cp.oidc")
router = APIRouter(tags=["auth"])
CALLBACK_PATH = "/api/auth/oidc"
NextParam = Annotated[str, Query(alias="next", description="A path on this site to go to afterwards")]


class APIErrorFromLogin(Unauthenticated):
    """A failed upstream sign-in, as a 401 `oidc_login_failed`."""

    def __init__(self, exc: OidcLoginError) -> None:
        super().__init__(str(exc), code="oidc_login_failed")


def _provider(settings: Settings, name: str) -> OidcProviderSettings:
    provider = find_provider(settings, name)
    if provider is None:
        raise NotFound(f"No sign-in provider named {name!r}; see GET /api/auth/providers", code="provider_not_found")
    return provider


def _set_state_cookie(response: Response, state: str, settings: Settings) -> None:
    # Binds the login to this browser: a callback URL sent to someone else does not complete there.
    response.set_cookie(STATE_COOKIE, state, max_age=int(LOGIN_STATE_TTL.total_seconds()), httponly=True,
                        secure=settings.cookie_secure, samesite="lax", path=CALLBACK_PATH)


@router.get("/api/auth/oidc/{provider}/login", summary="Sign in with an upstream provider")
async def oidc_login(provider: str, request: Request, settings: SettingsDep, next_url: NextParam = "/") -> Response:
    """Redirect to the provider's sign-in page; afterwards the browser lands on `next` (a path here), signed in."""
    chosen = _provider(settings, provider)
    try:
        async with get_database(request).session() as db:
            url, state = await start_login(db, settings, chosen, next_url=next_url)
    except OidcLoginError as exc:
        raise APIErrorFromLogin(exc) from None
    response = RedirectResponse(url, status_code=302)
    _set_state_cookie(response, state, settings)
    return response


@router.get("/api/auth/oidc/{provider}/callback", summary="Where the provider sends the browser back")
async def oidc_callback(
    provider: str, request: Request, settings: SettingsDep, code: str = "", state: str = "", error: str = "",
) -> Response:
    """Check the state, exchange the code, validate the ID token; then sign in (or link) and go to `next`.
    A failure is the API's error, or for a browser a redirect to the console's sign-in page naming its code."""
    chosen = _provider(settings, provider)
    try:
        return await _finish_callback(chosen, request, settings, code, state, error)
    except APIError as exc:
        if "text/html" not in request.headers.get("accept", ""):
            raise
        response = RedirectResponse("/login?" + urlencode({"error": exc.code, "provider": chosen.name}), 302)
        response.delete_cookie(STATE_COOKIE, path=CALLBACK_PATH)
        return response


async def _finish_callback(chosen: OidcProviderSettings, request: Request, settings: Settings, code: str, state: str,
                           error: str) -> Response:
    database = get_database(request)
    try:
        # Spent in its own transaction: whatever happens next, this state cannot be used again.
        async with database.session() as db:
            login = await consume_state(db, chosen, state)
        if not hmac.compare_digest(request.cookies.get(STATE_COOKIE, ""), state):
            raise OidcLoginError("This sign-in was started in another browser; start it again here")
        if error:
            raise OidcLoginError(f"The provider did not sign you in ({re.sub(r'[^A-Za-z0-9_.-]', '', error)[:60]})")
        if not code:
            raise OidcLoginError("The provider sent no authorization code")
        account = await fetch_account(settings, chosen, login, code)
    except OidcLoginError as exc:
        logger.info("OIDC sign-in with %s refused: %s", chosen.name, exc)
        raise APIErrorFromLogin(exc) from None
    response = RedirectResponse(login.next_url, status_code=302)
    response.delete_cookie(STATE_COOKIE, path=CALLBACK_PATH)
    async with database.session() as db:
        if login.link_user_id is not None:
            current = request.cookies.get(SESSION_COOKIE)
            session = await lookup_session(db, current, settings) if current else None
            if session is None or session[1].id != login.link_user_id:
                raise Forbidden("Linking must finish in the session that started it; sign in and link again",
                                code="oidc_link_failed")
        try:
            user, created = await resolve_user(db, chosen.name, account, link_user_id=login.link_user_id,
                                               signup=settings.signup)
        except IdentityTaken as exc:
            raise Conflict(str(exc), code="identity_taken") from None
        except SignupClosed as exc:
            raise Forbidden(str(exc), code="signup_closed") from None
        except OidcLoginError as exc:
            raise APIErrorFromLogin(exc) from None
        actor = Actor(user_id=user.id, username=user.username, site_admin=user.is_site_admin, via="oidc")
        if login.link_user_id is not None:
            await audit.record(db, actor, "user.identity.link", "user", user.username, request=request,
                               details={"provider": chosen.name})
            return response
        if created:
            await audit.record(db, actor, "user.signup", "user", user.username, request=request,
                               details={"provider": chosen.name})
        secret = await start_session(db, user, settings, ip=client_ip(request),
                                     user_agent=request.headers.get("user-agent"))
        await audit.record(db, actor, "user.login", "user", user.username, request=request,
                           details={"provider": chosen.name})
    set_session_cookies(response, secret, settings)
    return response


@router.post("/api/user/identities/{provider}/link", summary="Start linking an upstream account to mine")
async def link_identity(
    provider: str, request: Request, actor: SignedIn, settings: SettingsDep, next_url: NextParam = "/",
) -> Response:
    """Returns `{"url": ...}`: open it in this browser to sign in at the provider; the identity is then linked."""
    chosen = _provider(settings, provider)
    assert actor.user_id is not None  # SignedIn
    require(actor, Action.USER_UPDATE, UserRef(id=actor.user_id, username=actor.username))
    if actor.via != "session":
        raise Forbidden("Link accounts from the browser (a session), not with an API token", code="session_required")
    try:
        async with get_database(request).session() as db:
            url, state = await start_login(db, settings, chosen, next_url=next_url, link_user_id=actor.user_id)
    except OidcLoginError as exc:
        raise APIErrorFromLogin(exc) from None
    response = JSONResponse({"url": url})
    _set_state_cookie(response, state, settings)
    return response
