"""Signing in with upstream providers: generic OpenID Connect (discovery), and the GitHub and Google presets.

The flow: `start_login` stores a single-use `LoginState` (sha256 of `state`, nonce, PKCE verifier, where to go
next) and returns the provider's authorization URL; the browser also gets the state in a short-lived cookie, so
a callback only completes in the browser that started it. `consume_state` spends the state (a replay fails);
`fetch_account` exchanges the code with PKCE (authlib's httpx client) and validates the ID token (signature
against the provider's JWKS, iss, aud, exp, iat, nonce) or, for GitHub, reads the user API. Who the account
belongs to is decided in `oidc_accounts.py`.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.randomness import digest, new_secret
from podium_cp.db.base import utcnow
from podium_cp.models import LoginState
from podium_cp.settings import OidcProviderSettings, Settings

LOGIN_STATE_TTL = timedelta(minutes=10)
STATE_COOKIE = "podium_oidc_state"
HTTP_TIMEOUT = 10.0
# Asymmetric algorithms only: never "none", never HS* (whose key would be our client secret).
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
CLOCK_LEEWAY_S = 60
DISCOVERY_TTL_S = 300.0

GITHUB_AUTHORIZE = "https://github.com/login/oauth/authorize"
GITHUB_TOKEN = "https://github.com/login/oauth/access_token"
GITHUB_USER = "https://api.github.com/user"
GITHUB_EMAILS = "https://api.github.com/user/emails"


class OidcLoginError(Exception):
    """A sign-in with an upstream provider failed; the message says why, for the person signing in."""


@dataclass(frozen=True)
class ProviderEndpoints:
    """Where a provider's endpoints are (from discovery, or a preset)."""

    authorization_endpoint: str
    token_endpoint: str
    issuer: str | None = None
    jwks_uri: str | None = None
    userinfo_endpoint: str | None = None
    algorithms: tuple[str, ...] = ("RS256",)


@dataclass(frozen=True)
class UpstreamAccount:
    """Who the provider says signed in."""

    subject: str
    email: str | None
    email_verified: bool
    preferred_username: str | None
    name: str | None


def find_provider(settings: Settings, name: str) -> OidcProviderSettings | None:
    """The configured provider called `name`, or None."""
    return next((p for p in settings.oidc_providers if p.name == name), None)


def callback_url(settings: Settings, provider: OidcProviderSettings) -> str:
    """The redirect URI registered with the provider: PUBLIC_URL/api/auth/oidc/{name}/callback."""
    return f"{settings.public_url}/api/auth/oidc/{provider.name}/callback"


def safe_next(next_url: str | None) -> str:
    """`next` when it is a path on this site; "/" otherwise (no open redirects: no scheme, host or "//")."""
    if not next_url or not next_url.startswith("/") or next_url.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in next_url) or urlsplit(next_url).netloc:
        return "/"
    return next_url[:2000]


def check_outbound_url(url: str, settings: Settings) -> None:
    """Refuse plain-HTTP and loopback/private URLs unless `oidc_allow_insecure` (tests, local development)."""
    parts = urlsplit(url)
    if settings.oidc_allow_insecure:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OidcLoginError(f"The provider URL {url!r} is not an http(s) URL")
        return
    if parts.scheme != "https" or not parts.hostname:
        raise OidcLoginError(f"The provider URL {url!r} must use https")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        if parts.hostname == "localhost" or parts.hostname.endswith(".localhost"):
            raise OidcLoginError(f"The provider URL {url!r} points at this machine") from None
        return
    if address.is_loopback or address.is_private or address.is_link_local:
        raise OidcLoginError(f"The provider URL {url!r} points at a private address")


async def _get_json(url: str, settings: Settings, headers: dict[str, str] | None = None) -> Any:
    check_outbound_url(url, settings)
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False) as client:
            response = await client.get(url, headers={"Accept": "application/json", **(headers or {})})
    except httpx.HTTPError as exc:
        raise OidcLoginError(f"Could not reach the sign-in provider ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise OidcLoginError(f"The sign-in provider answered {response.status_code} for {url}")
    try:
        return response.json()
    except ValueError:
        raise OidcLoginError(f"The sign-in provider's answer from {url} is not JSON") from None


_discovery_cache: dict[str, tuple[float, ProviderEndpoints]] = {}


async def endpoints(provider: OidcProviderSettings, settings: Settings) -> ProviderEndpoints:
    """The provider's endpoints: GitHub's preset, or its discovery document (cached for 5 minutes)."""
    if provider.kind == "github":
        return ProviderEndpoints(authorization_endpoint=GITHUB_AUTHORIZE, token_endpoint=GITHUB_TOKEN)
    if not provider.discovery_url:
        raise OidcLoginError(f"The provider {provider.name!r} has no discovery URL configured")
    cached = _discovery_cache.get(provider.discovery_url)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    doc = await _get_json(provider.discovery_url, settings)
    expected_issuer = provider.discovery_url.removesuffix("/.well-known/openid-configuration")
    if not isinstance(doc, dict) or doc.get("issuer") != expected_issuer:
        raise OidcLoginError("The provider's discovery document names another issuer than its URL")
    try:
        found = ProviderEndpoints(
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            issuer=expected_issuer,
            jwks_uri=str(doc["jwks_uri"]),
            userinfo_endpoint=str(doc["userinfo_endpoint"]) if doc.get("userinfo_endpoint") else None,
            algorithms=tuple(a for a in doc.get("id_token_signing_alg_values_supported", ["RS256"])
                             if a in ID_TOKEN_ALGORITHMS) or ("RS256",),
        )
    except KeyError as exc:
        raise OidcLoginError(f"The provider's discovery document lacks {exc.args[0]}") from None
    for url in (found.authorization_endpoint, found.token_endpoint, found.jwks_uri):
        check_outbound_url(str(url), settings)
    _discovery_cache[provider.discovery_url] = (time.monotonic() + DISCOVERY_TTL_S, found)
    return found


def _oauth_client(provider: OidcProviderSettings, settings: Settings) -> Any:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret or None,
        token_endpoint_auth_method="client_secret_basic" if provider.client_secret else "none",
        scope=provider.scope,
        redirect_uri=callback_url(settings, provider),
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


async def start_login(
    db: AsyncSession, settings: Settings, provider: OidcProviderSettings, *, next_url: str | None,
    link_user_id: int | None = None,
) -> tuple[str, str]:
    """Store a LoginState and return (the provider's authorization URL, the state for the browser's cookie)."""
    found = await endpoints(provider, settings)
    state, nonce, verifier = new_secret(), new_secret(), new_secret(nbytes=48)
    now = utcnow()
    db.add(
        LoginState(
            state_hash=digest(state), provider=provider.name, nonce=nonce, code_verifier=verifier,
            next_url=safe_next(next_url), link_user_id=link_user_id, expires_at=now + LOGIN_STATE_TTL, created_at=now,
        )
    )
    await db.flush()
    client = _oauth_client(provider, settings)
    extra = {"nonce": nonce} if provider.kind == "oidc" else {}
    url, _ = client.create_authorization_url(found.authorization_endpoint, state=state, code_verifier=verifier, **extra)
    await client.aclose()
    return str(url), state


async def consume_state(db: AsyncSession, provider: OidcProviderSettings, state: str) -> LoginState:
    """The login in flight for `state`, now spent; OidcLoginError when unknown, used, expired or another provider's."""
    row = (
        await db.execute(select(LoginState).where(LoginState.state_hash == digest(state)).with_for_update())
    ).scalar_one_or_none() if state else None
    if row is None or row.provider != provider.name:
        raise OidcLoginError("This sign-in link is not valid; start the sign-in again")
    if row.used_at is not None:
        raise OidcLoginError("This sign-in link was already used; start the sign-in again")
    now = utcnow()
    row.used_at = now
    if row.expires_at <= now:
        raise OidcLoginError("This sign-in took too long (over 10 minutes); start it again")
    return row


def validate_id_token(
    id_token: str, jwks: dict[str, Any], *, issuer: str, client_id: str, nonce: str,
    algorithms: tuple[str, ...] = ("RS256",), now: int | None = None,
) -> dict[str, Any]:
    """The claims of an ID token whose signature (against `jwks`), iss, aud, azp, exp, iat and nonce hold.

    Raises OidcLoginError saying which check failed.
    """
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=list(algorithms))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcLoginError(f"The provider's ID token does not verify ({type(exc).__name__})") from None
    claims = dict(token.claims)
    registry = JWTClaimsRegistry(
        now=now, leeway=CLOCK_LEEWAY_S,
        iss={"essential": True, "value": issuer}, aud={"essential": True, "value": client_id},
        sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise OidcLoginError(f"The provider's ID token was refused: {exc.description or exc.error}") from None
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise OidcLoginError("The provider's ID token was issued to another party (azp)")
    if claims.get("nonce") != nonce:
        raise OidcLoginError("The provider's ID token belongs to another sign-in (nonce mismatch)")
    return claims


def _account_from_claims(claims: dict[str, Any]) -> UpstreamAccount:
    email = claims.get("email")
    return UpstreamAccount(
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and "@" in email else None,
        email_verified=claims.get("email_verified") is True,
        preferred_username=str(claims["preferred_username"]) if claims.get("preferred_username") else None,
        name=str(claims["name"]) if claims.get("name") else None,
    )


async def fetch_account(
    settings: Settings, provider: OidcProviderSettings, login: LoginState, code: str
) -> UpstreamAccount:
    """Exchange the code (with the PKCE verifier) and establish who signed in."""
    found = await endpoints(provider, settings)
    if provider.kind != "github":
        check_outbound_url(found.token_endpoint, settings)
    client = _oauth_client(provider, settings)
    try:
        token = await client.fetch_token(
            found.token_endpoint, grant_type="authorization_code", code=code, code_verifier=login.code_verifier,
            redirect_uri=callback_url(settings, provider),
        )
    except Exception as exc:  # authlib raises its OAuthError, httpx its errors, ValueError for bad JSON
        error = getattr(exc, "error", None) or type(exc).__name__
        raise OidcLoginError(f"The sign-in provider refused the code exchange ({error})") from None
    finally:
        await client.aclose()
    access_token = token.get("access_token")
    if provider.kind == "github":
        if not isinstance(access_token, str):
            raise OidcLoginError("GitHub returned no access token")
        return await _github_account(settings, access_token)
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or found.issuer is None or found.jwks_uri is None:
        raise OidcLoginError("The provider returned no ID token; is the 'openid' scope configured?")
    jwks = await _get_json(found.jwks_uri, settings)
    claims = validate_id_token(id_token, jwks, issuer=found.issuer, client_id=provider.client_id,
                               nonce=login.nonce, algorithms=found.algorithms)
    if not (claims.get("email") or claims.get("preferred_username")) and found.userinfo_endpoint and access_token:
        info = await _get_json(found.userinfo_endpoint, settings, {"Authorization": f"Bearer {access_token}"})
        if isinstance(info, dict) and info.get("sub") == claims["sub"]:
            claims = {**info, **claims}
    return _account_from_claims(claims)


async def _github_account(settings: Settings, access_token: str) -> UpstreamAccount:
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/vnd.github+json"}
    user = await _get_json(GITHUB_USER, settings, headers)
    if not isinstance(user, dict) or "id" not in user:
        raise OidcLoginError("GitHub's user API answered without a user id")
    emails = await _get_json(GITHUB_EMAILS, settings, headers)
    primary = next((e for e in emails if isinstance(e, dict) and e.get("primary")), None) if isinstance(emails, list) \
        else None
    return UpstreamAccount(
        subject=str(user["id"]),
        email=str(primary["email"]) if primary else None,
        email_verified=bool(primary and primary.get("verified") is True),
        preferred_username=str(user["login"]) if user.get("login") else None,
        name=str(user["name"]) if user.get("name") else None,
    )
