"""Issuing, listing and revoking share links, and the anonymous rate limit.

A link's secret token is returned once, by `issue_link`; only its sha256 is stored. The public subdomain is the
first 18 hex digits of that sha256 (as `podium_tunnel.policy.gradio_subdomain` derives it), so the share server
can check a tunnel's token by one indexed lookup. Lookups of other people's links answer 404, like missing ones.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.db.base import utcnow
from podium_cp.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from podium_cp.models import ShareLink
from podium_cp.policy import Action, Actor, SiteRef, can
from podium_cp.roles import Scope
from podium_cp.settings import Settings

MIN_LIFETIME_S = 60
RATE_WINDOW = timedelta(hours=1)
_WRITE_SCOPES = frozenset({Scope.WRITE, Scope.ADMIN})

LinkStatus = Literal["active", "expired", "revoked"]


class ShareRateLimited(TooManyRequests):
    """Too many anonymous links from one address in the last hour; `retry_after_s` says when one more fits."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, code="share_rate_limited")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class IssuedLink:
    """A new link and its secret token (the only time the token is known to the control plane)."""

    link: ShareLink
    token: str


def token_digest(token: str) -> str:
    """The stored form of a share token: its sha256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def subdomain_of(token: str) -> str:
    """The public subdomain of a share token: the first 18 hex digits of its sha256."""
    return token_digest(token)[:18]


def link_status(link: ShareLink, now: datetime) -> LinkStatus:
    """"revoked", "expired" or "active" (revocation wins: it is the more deliberate of the two)."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    return "active"


def _spell_days(settings: Settings) -> str:
    days = round(settings.share_max_lifetime_s / 86400, 2)
    return f"{days:g} day{'' if days == 1 else 's'}"


def lifetime_error(settings: Settings) -> str:
    """The message for a lifetime longer than the maximum."""
    return f"a share link lives at most {_spell_days(settings)} ({settings.share_max_lifetime_s} s); ask for less"


def _check_lifetime(settings: Settings, lifetime_s: int | None) -> int:
    if lifetime_s is None:
        return settings.share_max_lifetime_s
    if lifetime_s < MIN_LIFETIME_S:
        raise InvalidInput(
            f"lifetime_s={lifetime_s}: a share link lives at least {MIN_LIFETIME_S} s and "
            f"at most {_spell_days(settings)} ({settings.share_max_lifetime_s} s)",
            code="share_lifetime",
        )
    if lifetime_s > settings.share_max_lifetime_s:
        raise InvalidInput(f"lifetime_s={lifetime_s}: {lifetime_error(settings)}", code="share_lifetime")
    return lifetime_s


def _require_write(actor: Actor, doing: str) -> None:
    if actor.scopes is not None and not (actor.scopes & _WRITE_SCOPES):
        raise Forbidden(
            f"This API token has only the read scope, which cannot {doing}; use a token with the write scope",
            code="insufficient_scope",
        )


async def _check_anonymous_rate(db: AsyncSession, settings: Settings, ip: str, now: datetime) -> None:
    """At most `share_anonymous_per_hour` anonymous links per address in any rolling hour, counted in Postgres."""
    limit = settings.share_anonymous_per_hour
    # One address's requests queue here, so two at once cannot both take the last place in the window.
    await db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"podium-share-anonymous:{ip}"})
    recent = (
        await db.scalars(
            select(ShareLink.created_at)
            .where(ShareLink.owner_id.is_(None), ShareLink.created_ip == ip, ShareLink.created_at > now - RATE_WINDOW)
            .order_by(ShareLink.created_at)
        )
    ).all()
    if len(recent) < limit:
        return
    if limit == 0:
        retry_after = int(RATE_WINDOW.total_seconds())
        message = "This server gives no share links without signing in; sign in with `podium login` first"
    else:
        # The window has room again once the oldest links that fill it are an hour old.
        frees_at = recent[len(recent) - limit] + RATE_WINDOW
        retry_after = max(1, math.ceil((frees_at - now).total_seconds()))
        message = (
            f"Without signing in, one address gets at most {limit} share links per hour; try again in "
            f"{retry_after} s, or sign in with `podium login` for more"
        )
    raise ShareRateLimited(message, retry_after)


async def issue_link(
    db: AsyncSession,
    settings: Settings,
    actor: Actor,
    *,
    ip: str | None,
    lifetime_s: int | None = None,
    label: str | None = None,
    now: datetime | None = None,
) -> IssuedLink:
    """A new link for `actor` (anonymous: no owner, rate-limited per `ip`), living `lifetime_s` (default: the
    maximum). Raises InvalidInput for a lifetime out of range, ShareRateLimited, Forbidden for a read-only token."""
    now = now or utcnow()
    seconds = _check_lifetime(settings, lifetime_s)
    _require_write(actor, "create share links")
    if actor.user_id is None:
        await _check_anonymous_rate(db, settings, ip or "unknown", now)
    token = secrets.token_urlsafe(32)
    digest = token_digest(token)
    link = ShareLink(
        id=str(uuid.uuid4()),
        token_sha256=digest,
        subdomain=digest[:18],
        owner_id=actor.user_id,
        created_ip=(ip or "unknown")[:64],
        label=_clean_label(label),
        created_at=now,
        expires_at=now + timedelta(seconds=seconds),
    )
    db.add(link)
    await db.flush()
    return IssuedLink(link=link, token=token)


async def list_links(db: AsyncSession, actor: Actor, *, everyone: bool = False) -> list[ShareLink]:
    """`actor`'s links, newest first (a site admin with `everyone`: every link, anonymous ones included)."""
    if actor.user_id is None:
        return []
    stmt = select(ShareLink).order_by(ShareLink.created_at.desc(), ShareLink.id)
    if everyone:
        if not can(actor, Action.SITE_ADMIN, SiteRef()):
            raise Forbidden("Only site admins may list everyone's share links (?all=true)", code="not_site_admin")
    else:
        stmt = stmt.where(ShareLink.owner_id == actor.user_id)
    return list((await db.scalars(stmt)).all())


async def revoke_link(
    db: AsyncSession, actor: Actor, link_id: str, *, now: datetime | None = None
) -> tuple[ShareLink, bool]:
    """Revoke one link (its owner or a site admin); the share server closes its tunnel within seconds.

    Returns the link and whether this call revoked it (revoking a revoked link changes nothing). Anyone else,
    like a link that does not exist, gets NotFound.
    """
    _require_write(actor, "revoke share links")
    link = await db.get(ShareLink, link_id, with_for_update=True) if _is_uuid(link_id) else None
    mine = link is not None and actor.user_id is not None and link.owner_id == actor.user_id
    if link is None or not (mine or can(actor, Action.SITE_ADMIN, SiteRef())):
        raise NotFound(f"You have no share link {link_id!r}", code="share_link_not_found")
    if link.revoked_at is not None:
        return link, False
    link.revoked_at = now or utcnow()
    link.revoked_by = actor.user_id
    return link, True


def _clean_label(label: str | None) -> str | None:
    # Postgres text cannot hold NUL characters.
    cleaned = (label or "").replace("\x00", "").strip()[:200]
    return cleaned or None


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False
