"""Users and how they prove who they are: passwords, linked upstream identities, web sessions, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, CreatedMixin, IdMixin

# Names appear in URLs (NAME--OWNER.spaces.DOMAIN): lower-case letters, digits and single hyphens.
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,37}[a-z0-9])?$"


class User(IdMixin, CreatedMixin, Base):
    """A person. `username` is unique across users AND orgs (both own Spaces under one namespace)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"username ~ '{NAME_PATTERN}'", name="username_format"),
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
    )

    username: Mapped[str] = mapped_column(String(39), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    # argon2id hash; None for users who only sign in through an identity provider.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    disabled_at: Mapped[datetime | None]


class Identity(IdMixin, CreatedMixin, Base):
    """An upstream account (OIDC `sub` at an issuer, or a GitHub user id) linked to a user."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    last_login_at: Mapped[datetime | None]


class WebSession(IdMixin, CreatedMixin, Base):
    """A browser sign-in. The cookie holds a random secret; only its sha256 is stored here."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiToken(IdMixin, CreatedMixin, Base):
    """A token for the CLI and SDK: scoped, optionally limited to one org, expiring, revocable, stored hashed."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scopes <@ ARRAY['read','write','admin']::varchar[]", name="scopes_known"),)

    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # in URLs: DELETE /api/user/tokens/{public_id}
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginState(IdMixin, CreatedMixin, Base):
    """One OIDC login in flight (the `state` we sent upstream): single use, short-lived, so a replay fails."""

    __tablename__ = "login_states"

    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    next_url: Mapped[str] = mapped_column(String(2000), default="/")
    # Set when a signed-in user links another identity instead of signing in.
    link_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
