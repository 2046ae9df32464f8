"""The control plane as an OpenID Connect provider: registered clients, authorization codes, tokens, keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, CreatedMixin, IdMixin


class OAuthClient(IdMixin, CreatedMixin, Base):
    """An application that signs users in with Podium. Confidential clients have a secret (stored hashed)."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    redirect_uris: Mapped[list[str]] = mapped_column(ARRAY(Text))
    scope: Mapped[str] = mapped_column(String(200), default="openid profile email")
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32), default="client_secret_basic")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class OAuthCode(IdMixin, CreatedMixin, Base):
    """An authorization code: single use (`used_at`), short-lived, bound to client, redirect URI and PKCE."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    auth_time: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class OAuthToken(IdMixin, CreatedMixin, Base):
    """An access token (and refresh token) issued to a client for a user; stored hashed."""

    __tablename__ = "oauth_tokens"

    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # The code it was issued for: a replayed code revokes the tokens issued from it.
    code_id: Mapped[int | None] = mapped_column(ForeignKey("oauth_codes.id", ondelete="SET NULL"))


class SigningKey(IdMixin, CreatedMixin, Base):
    """An RSA key that signs ID tokens. The private key is sealed like a secret; the JWKS publishes the public part."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(16), default="RS256")
    key_id: Mapped[str] = mapped_column(String(32))  # which secret key sealed it
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]]
    retired_at: Mapped[datetime | None]
