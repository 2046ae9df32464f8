"""Whose account an upstream sign-in is: the linked Identity's user, or a new user; never linked by email.

Matching accounts by email would let anyone who controls an address at some provider (or a provider that does not
verify addresses) take over the Podium user with that address, so an identity joins an existing user only when
that user, signed in, links it explicitly (`LoginState.link_user_id`).
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.auth.oidc_client import OidcLoginError, UpstreamAccount
from podium_cp.db.base import utcnow
from podium_cp.models import Identity, Org, User

USERNAME_MAX = 39


class SignupClosed(OidcLoginError):
    """The account is new, and this installation only admits invited users."""


class IdentityTaken(OidcLoginError):
    """The upstream account is already linked to another user."""


def username_base(account: UpstreamAccount) -> str:
    """A username candidate from preferred_username, the email's local part or the name (lower-case, hyphens)."""
    for raw in (account.preferred_username, (account.email or "").split("@")[0], account.name):
        cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", (raw or "").lower())).strip("-")
        cleaned = cleaned[:USERNAME_MAX].rstrip("-")
        if cleaned:
            return cleaned
    return "user"


async def _name_taken(db: AsyncSession, name: str) -> bool:
    user = await db.execute(select(User.id).where(User.username == name))
    org = await db.execute(select(Org.id).where(Org.name == name))
    return user.first() is not None or org.first() is not None


async def unique_username(db: AsyncSession, base: str) -> str:
    """`base`, or `base-2`, `base-3`, ... (then a random suffix) until no user or org has the name."""
    for n in range(1, 10):
        suffix = "" if n == 1 else f"-{n}"
        candidate = base[: USERNAME_MAX - len(suffix)].rstrip("-") + suffix
        if not await _name_taken(db, candidate):
            return candidate
    while True:
        suffix = f"-{secrets.token_hex(3)}"
        candidate = base[: USERNAME_MAX - len(suffix)].rstrip("-") + suffix
        if not await _name_taken(db, candidate):
            return candidate


async def _email_free(db: AsyncSession, email: str) -> bool:
    found = await db.execute(select(User.id).where(func.lower(User.email) == email.lower()))
    return found.first() is None


async def resolve_user(
    db: AsyncSession, provider: str, account: UpstreamAccount, *, link_user_id: int | None, signup: str,
) -> tuple[User, bool]:
    """The user to sign in (or to link to) and whether it was created now.

    Raises IdentityTaken when linking an identity another user has, SignupClosed when a new user is not allowed,
    and OidcLoginError for a disabled user.
    """
    now = utcnow()
    identity = (
        await db.execute(select(Identity).where(Identity.provider == provider, Identity.subject == account.subject))
    ).scalar_one_or_none()
    if link_user_id is not None:
        if identity is not None and identity.user_id != link_user_id:
            raise IdentityTaken(f"This {provider} account is already linked to another Podium user")
        user = await db.get(User, link_user_id)
        if user is None or user.disabled_at is not None:
            raise OidcLoginError("The user this sign-in was linking for no longer exists")
        if identity is None:
            db.add(Identity(user_id=user.id, provider=provider, subject=account.subject, email=account.email,
                            last_login_at=now, created_at=now))
        await db.flush()
        return user, False
    if identity is not None:
        existing = await db.get(User, identity.user_id)
        if existing is None or existing.disabled_at is not None:
            raise OidcLoginError("This account is disabled; ask a site admin")
        identity.last_login_at = now
        identity.email = account.email
        return existing, False
    first_user = (await db.execute(select(User.id).limit(1))).first() is None
    if signup == "closed" and not first_user:
        raise SignupClosed("Sign-up is closed on this installation; ask an admin for an invitation")
    email = account.email if account.email and account.email_verified and await _email_free(db, account.email) else None
    user = User(
        username=await unique_username(db, username_base(account)),
        email=email,
        display_name=(account.name or account.preferred_username or "")[:100],
        password_hash=None,
        is_site_admin=first_user,  # as with password sign-up: the installation's first user administers it
        created_at=now,
    )
    db.add(user)
    await db.flush()
    db.add(Identity(user_id=user.id, provider=provider, subject=account.subject, email=account.email,
                    last_login_at=now, created_at=now))
    await db.flush()
    return user, True
