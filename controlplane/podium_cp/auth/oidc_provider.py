"""The control plane as an OpenID Connect provider: discovery, signing keys (JWKS), clients and authorization.

The authorization-code flow with PKCE (RFC 6749, RFC 7636, OpenID Connect Core), implemented directly on our
tables rather than through authlib's server (which has no Starlette integration): the rules that matter are
few and all live here and in `oidc_provider_tokens.py` (token endpoint, userinfo).

- Redirect URIs match exactly; public clients must use PKCE with S256 ("plain" is refused for everyone).
- Codes are single use and live 5 minutes; only their sha256 is stored (like every secret we hand out).
- ID tokens are RS256 JWTs signed with a `SigningKey` whose private half is sealed with `SecretBox`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.randomness import digest, new_public_id, new_secret
from podium_cp.crypto import SecretBox, signing_key_aad
from podium_cp.db.base import utcnow
from podium_cp.models import OAuthClient, OAuthCode, SigningKey, User
from podium_cp.settings import Settings

CODE_TTL = timedelta(minutes=5)
SUPPORTED_SCOPES = ("openid", "profile", "email")
CODE_PREFIX = "pdc_"
CLIENT_SECRET_PREFIX = "pdcs_"


class OAuthError(Exception):
    """An OAuth 2.0 error (RFC 6749 section 5.2): answered as JSON `{error, error_description}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        """The JSON body of the error response."""
        return {"error": self.error, "error_description": self.description}


class RedirectableError(OAuthError):
    """An authorization error to send back to the (already validated) client's redirect URI."""


def discovery_document(settings: Settings) -> dict[str, Any]:
    """The OpenID Provider metadata served at /.well-known/openid-configuration (issuer = public URL)."""
    issuer = settings.public_url
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": list(SUPPORTED_SCOPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "preferred_username", "name",
                             "email", "email_verified"],
    }


# --- signing keys -------------------------------------------------------------------------------------------


async def active_signing_key(db: AsyncSession, settings: Settings) -> tuple[str, RSAKey]:
    """The newest unretired signing key as (kid, private key); an RSA 2048 key is generated on first use."""
    row = (
        await db.execute(
            select(SigningKey).where(SigningKey.retired_at.is_(None)).order_by(SigningKey.id.desc()).limit(1)
        )
    ).scalar_one_or_none()
    box = SecretBox.from_settings(settings)
    if row is None:
        kid = new_public_id("sk_")
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
        key_id, nonce, sealed = box.seal(key.as_pem(private=True), signing_key_aad(kid))
        db.add(
            SigningKey(
                kid=kid, alg="RS256", key_id=key_id, nonce=nonce, private_key_sealed=sealed,
                public_jwk=dict(key.as_dict(private=False)), created_at=utcnow(),
            )
        )
        await db.flush()
        return kid, key
    pem = box.open(row.key_id, row.nonce, row.private_key_sealed, signing_key_aad(row.kid))
    return row.kid, RSAKey.import_key(pem, parameters={"kid": row.kid, "alg": "RS256", "use": "sig"})


async def public_jwks(db: AsyncSession, settings: Settings) -> dict[str, Any]:
    """The JWKS: public halves of every signing key (retired ones too, so tokens they signed still verify)."""
    rows = (await db.execute(select(SigningKey).order_by(SigningKey.id))).scalars().all()
    if not rows:
        await active_signing_key(db, settings)
        rows = (await db.execute(select(SigningKey).order_by(SigningKey.id))).scalars().all()
    return {"keys": [{**row.public_jwk, "kid": row.kid, "alg": row.alg, "use": "sig"} for row in rows]}


# --- clients ------------------------------------------------------------------------------------------------


def _validate_redirect_uris(uris: list[str], allow_insecure: bool) -> list[str]:
    if not uris:
        raise ValueError("redirect_uris needs at least one URI")
    for uri in uris:
        parts = urlsplit(uri)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.fragment or not parts.netloc or parts.scheme not in ("https", "http"):
            raise ValueError(f"{uri!r} is not an absolute http(s) URI without a fragment")
        if parts.scheme == "http" and not (loopback or allow_insecure):
            raise ValueError(f"{uri!r}: plain http is only allowed for loopback addresses; use https")
    return list(dict.fromkeys(uris))


async def register_client(
    db: AsyncSession, owner: User | int, *, name: str, redirect_uris: list[str], confidential: bool,
    allow_insecure: bool = False,
) -> tuple[OAuthClient, str | None]:
    """Create a client; returns it and its secret (None for public clients), which is shown only this once.

    Raises ValueError (with a message for the user) for unusable redirect URIs.
    """
    uris = _validate_redirect_uris(redirect_uris, allow_insecure)
    secret = new_secret(CLIENT_SECRET_PREFIX) if confidential else None
    client = OAuthClient(
        client_id=new_public_id("pdo_"),
        client_secret_hash=digest(secret) if secret else None,
        name=name,
        redirect_uris=uris,
        scope=" ".join(SUPPORTED_SCOPES),
        token_endpoint_auth_method="client_secret_basic" if confidential else "none",
        owner_id=owner if isinstance(owner, int) else owner.id,
        created_at=utcnow(),
    )
    db.add(client)
    await db.flush()
    return client, secret


async def find_client(db: AsyncSession, client_id: str) -> OAuthClient | None:
    """The registered client with this client_id, or None."""
    return (await db.execute(select(OAuthClient).where(OAuthClient.client_id == client_id))).scalar_one_or_none()


def is_confidential(client: OAuthClient) -> bool:
    """Whether the client has a secret (and so must authenticate at the token endpoint)."""
    return client.client_secret_hash is not None


def secret_matches(client: OAuthClient, secret: str | None) -> bool:
    """Constant-time check of a presented client secret against the stored hash."""
    if client.client_secret_hash is None or not secret:
        return False
    return hmac.compare_digest(client.client_secret_hash, digest(secret))


# --- authorization ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request (GET /oauth/authorize, and the consent form that repeats it)."""

    client: OAuthClient
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None

    def as_form(self) -> dict[str, str]:
        """The request's parameters, to carry through the consent form."""
        fields = {"response_type": "code", "client_id": self.client.client_id, "redirect_uri": self.redirect_uri,
                  "scope": self.scope, "state": self.state, "nonce": self.nonce,
                  "code_challenge": self.code_challenge, "code_challenge_method": self.code_challenge_method}
        return {k: v for k, v in fields.items() if v is not None}


async def validate_authorization_request(db: AsyncSession, params: dict[str, str]) -> AuthorizationRequest:
    """Check an authorization request.

    Raises OAuthError (shown to the user, never redirected) while the client or redirect URI is not trusted yet,
    and RedirectableError (to send to the redirect URI) for the rest.
    """
    client_id = params.get("client_id", "")
    client = await find_client(db, client_id) if client_id else None
    if client is None:
        raise OAuthError("invalid_client", "Unknown client_id: the application is not registered here")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        raise OAuthError("invalid_request", "redirect_uri does not exactly match one registered for this client")
    if params.get("response_type") != "code":
        raise RedirectableError("unsupported_response_type", "Only response_type=code is supported")
    requested = params.get("scope", "").split()
    allowed = set(client.scope.split())
    if not requested or any(s not in allowed for s in requested):
        raise RedirectableError("invalid_scope", f"scope must be a non-empty subset of: {client.scope}")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or None
    if challenge is None:
        if not is_confidential(client):
            raise RedirectableError("invalid_request", "Public clients must use PKCE (code_challenge, S256)")
        if method is not None:
            raise RedirectableError("invalid_request", "code_challenge_method without code_challenge")
    else:
        if method != "S256":
            raise RedirectableError("invalid_request", "code_challenge_method must be S256")
        if not (43 <= len(challenge) <= 128):
            raise RedirectableError("invalid_request", "code_challenge must be 43 to 128 characters")
    nonce = params.get("nonce") or None
    if nonce is not None and len(nonce) > 255:
        raise RedirectableError("invalid_request", "nonce is longer than 255 characters")
    return AuthorizationRequest(
        client=client, redirect_uri=redirect_uri, scope=" ".join(dict.fromkeys(requested)),
        state=params.get("state") or None, nonce=nonce, code_challenge=challenge, code_challenge_method=method,
    )


async def issue_code(db: AsyncSession, request: AuthorizationRequest, user_id: int, auth_time: datetime) -> str:
    """Store a new single-use code for the approved request; returns the code (only its sha256 is kept)."""
    code = new_secret(CODE_PREFIX)
    now = utcnow()
    db.add(
        OAuthCode(
            code_hash=digest(code), client_id=request.client.client_id, user_id=user_id,
            redirect_uri=request.redirect_uri, scope=request.scope, nonce=request.nonce,
            code_challenge=request.code_challenge, code_challenge_method=request.code_challenge_method,
            auth_time=auth_time, expires_at=now + CODE_TTL, created_at=now,
        )
    )
    await db.flush()
    return code
