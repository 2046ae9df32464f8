"""The OIDC provider's token endpoint (authorization_code and refresh_token grants) and userinfo.

A code is single use: presenting it marks it used whatever happens next, and presenting a used code again is
refused (invalid_grant) AND revokes every token issued from it (RFC 6749 section 4.1.2: a replay suggests the
code leaked). Access and refresh tokens are random strings stored as sha256, revocable like API tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.oidc_provider import OAuthError, active_signing_key, find_client, secret_matches
from podium_cp.auth.randomness import digest, new_secret
from podium_cp.db.base import utcnow
from podium_cp.models import OAuthClient, OAuthCode, OAuthToken, User
from podium_cp.settings import Settings

ACCESS_TOKEN_TTL = timedelta(hours=1)
REFRESH_TOKEN_TTL = timedelta(days=30)
ID_TOKEN_TTL = timedelta(hours=1)
ACCESS_TOKEN_PREFIX = "pda_"
REFRESH_TOKEN_PREFIX = "pdr_"


def authenticate_client_credentials(
    authorization: str | None, form: dict[str, str]
) -> tuple[str, str | None]:
    """(client_id, client_secret or None) from client_secret_basic (header) or client_secret_post / none (form)."""
    if authorization and authorization.lower().startswith("basic "):
        from urllib.parse import unquote_plus

        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except ValueError:
            raise OAuthError("invalid_client", "Malformed Basic authorization header", 401) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise OAuthError("invalid_client", "Malformed Basic authorization header", 401)
        return unquote_plus(client_id), unquote_plus(secret)
    client_id = form.get("client_id", "")
    if not client_id:
        raise OAuthError("invalid_client", "Client authentication is missing (Basic header or client_id)", 401)
    return client_id, form.get("client_secret") or None


async def authenticated_client(db: AsyncSession, client_id: str, secret: str | None) -> OAuthClient:
    """The client, when its credentials hold: confidential clients need their secret, public ones send none."""
    client = await find_client(db, client_id)
    if client is None:
        raise OAuthError("invalid_client", "Unknown client or wrong client secret", 401)
    if client.client_secret_hash is not None:
        if not secret_matches(client, secret):
            raise OAuthError("invalid_client", "Unknown client or wrong client secret", 401)
    elif secret is not None:
        raise OAuthError("invalid_client", "This public client has no secret; send none", 401)
    return client


def pkce_s256(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (RFC 7636 section 4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def _check_pkce(code: OAuthCode, verifier: str | None) -> None:
    if code.code_challenge is None:
        if verifier:
            raise OAuthError("invalid_grant", "code_verifier sent, but the authorization request had no challenge")
        return
    if not verifier or not (43 <= len(verifier) <= 128):
        raise OAuthError("invalid_grant", "code_verifier is missing or not 43 to 128 characters")
    try:
        expected = pkce_s256(verifier)
    except UnicodeEncodeError:
        raise OAuthError("invalid_grant", "code_verifier is not ASCII") from None
    if not hmac.compare_digest(expected, code.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")


async def exchange_code(
    db: AsyncSession, settings: Settings, client: OAuthClient, form: dict[str, str]
) -> dict[str, Any]:
    """The authorization_code grant: checks the code, its client, redirect URI, expiry and PKCE; returns tokens.

    Writes (the code marked used, tokens revoked on replay) must be committed even when this raises.
    """
    presented = form.get("code", "")
    code = (
        await db.execute(select(OAuthCode).where(OAuthCode.code_hash == digest(presented)).with_for_update())
    ).scalar_one_or_none() if presented else None
    if code is None:
        raise OAuthError("invalid_grant", "Unknown authorization code")
    now = utcnow()
    if code.used_at is not None:
        await db.execute(
            update(OAuthToken).where(OAuthToken.code_id == code.id, OAuthToken.revoked_at.is_(None)).values(revoked_at=now)
        )
        raise OAuthError("invalid_grant", "This authorization code was already used; tokens issued from it are revoked")
    code.used_at = now
    if code.client_id != client.client_id:
        raise OAuthError("invalid_grant", "This authorization code was issued to another client")
    if form.get("redirect_uri", "") != code.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the one of the authorization request")
    if code.expires_at <= now:
        raise OAuthError("invalid_grant", "This authorization code has expired; start the sign-in again")
    _check_pkce(code, form.get("code_verifier") or None)
    user = await db.get(User, code.user_id)
    if user is None or user.disabled_at is not None:
        raise OAuthError("invalid_grant", "The user of this code no longer exists or is disabled")
    return await _issue_tokens(
        db, settings, client, user, scope=code.scope, code_id=code.id, nonce=code.nonce, auth_time=code.auth_time,
    )


async def refresh(db: AsyncSession, settings: Settings, client: OAuthClient, form: dict[str, str]) -> dict[str, Any]:
    """The refresh_token grant: the old token pair is revoked and a new one issued (rotation)."""
    presented = form.get("refresh_token", "")
    token = (
        await db.execute(
            select(OAuthToken).where(OAuthToken.refresh_token_hash == digest(presented)).with_for_update()
        )
    ).scalar_one_or_none() if presented else None
    now = utcnow()
    if token is None or token.client_id != client.client_id or token.revoked_at is not None:
        raise OAuthError("invalid_grant", "Unknown, revoked or foreign refresh token")
    if token.created_at + REFRESH_TOKEN_TTL <= now:
        raise OAuthError("invalid_grant", "This refresh token has expired; sign in again")
    user = await db.get(User, token.user_id)
    if user is None or user.disabled_at is not None:
        raise OAuthError("invalid_grant", "The user of this token no longer exists or is disabled")
    token.revoked_at = now
    return await _issue_tokens(db, settings, client, user, scope=token.scope, code_id=token.code_id)


async def _issue_tokens(
    db: AsyncSession, settings: Settings, client: OAuthClient, user: User, *, scope: str, code_id: int | None,
    nonce: str | None = None, auth_time: datetime | None = None,
) -> dict[str, Any]:
    access = new_secret(ACCESS_TOKEN_PREFIX)
    refresh_token = new_secret(REFRESH_TOKEN_PREFIX)
    now = utcnow()
    db.add(
        OAuthToken(
            access_token_hash=digest(access), refresh_token_hash=digest(refresh_token), client_id=client.client_id,
            user_id=user.id, scope=scope, expires_at=now + ACCESS_TOKEN_TTL, code_id=code_id, created_at=now,
        )
    )
    await db.flush()
    body: dict[str, Any] = {
        "access_token": access, "token_type": "Bearer", "expires_in": int(ACCESS_TOKEN_TTL.total_seconds()),
        "refresh_token": refresh_token, "scope": scope,
    }
    if "openid" in scope.split():
        body["id_token"] = await id_token(db, settings, client, user, scope=scope, nonce=nonce, auth_time=auth_time)
    return body


async def id_token(
    db: AsyncSession, settings: Settings, client: OAuthClient, user: User, *, scope: str, nonce: str | None,
    auth_time: datetime | None,
) -> str:
    """An RS256 ID token for `user` and `client` (iss, sub, aud, exp, iat, auth_time, nonce, profile claims)."""
    kid, key = await active_signing_key(db, settings)
    now = utcnow()
    claims: dict[str, Any] = {
        "iss": settings.public_url, "sub": str(user.id), "aud": client.client_id, "azp": client.client_id,
        "iat": int(now.timestamp()), "exp": int((now + ID_TOKEN_TTL).timestamp()),
        "auth_time": int((auth_time or now).timestamp()),
        **user_claims(user, scope),
    }
    if nonce is not None:
        claims["nonce"] = nonce
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key, algorithms=["RS256"])


def user_claims(user: User, scope: str) -> dict[str, Any]:
    """The standard claims the scope allows (profile: name and username; email: the address, unverified)."""
    scopes = scope.split()
    claims: dict[str, Any] = {"sub": str(user.id)}
    if "profile" in scopes:
        claims["preferred_username"] = user.username
        claims["name"] = user.display_name or user.username
    if "email" in scopes and user.email:
        # Podium does not verify addresses (yet): relying parties must not trust them for account linking.
        claims["email"] = user.email
        claims["email_verified"] = False
    return claims


async def userinfo(db: AsyncSession, authorization: str | None) -> dict[str, Any]:
    """The userinfo response for a Bearer access token; OAuthError invalid_token (401) when it is not live."""
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise OAuthError("invalid_token", "Send the access token as 'Authorization: Bearer <token>'", 401)
    row = (
        await db.execute(
            select(OAuthToken, User)
            .join(User, User.id == OAuthToken.user_id)
            .where(OAuthToken.access_token_hash == digest(presented.strip()))
        )
    ).first()
    if row is None:
        raise OAuthError("invalid_token", "Unknown access token", 401)
    token, user = row
    if token.revoked_at is not None or token.expires_at <= utcnow() or user.disabled_at is not None:
        raise OAuthError("invalid_token", "This access token is revoked or expired", 401)
    return user_claims(user, token.scope)
