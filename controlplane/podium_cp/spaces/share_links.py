"""Space share links (docs/design/space-share-links.md): create, list and revoke a Space's links; check a link's
secret for a Space; note a link's use (at most once a minute).

The secret `pss_...` is returned once, by `create_link`; only its sha256 is stored, so a lookup by secret is one
indexed query and a database dump opens nothing. Revoking keeps the row (for the record and the list). The
router (`podium_cp/router/space_share.py`) turns a checked secret into a cookie for the Space's host.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.db.base import utcnow
from podium_cp.db.keyset import fetch_newest_first
from podium_cp.errors import InvalidInput, NotFound
from podium_cp.models import SpaceShareLink, User

TOKEN_PREFIX, ID_PREFIX = "pss_", "ssl_"
SHARE_PATH = "/.podium/share"  # where the router redeems a link, on the Space's host
MIN_LIFETIME_S, MAX_LIFETIME_S, DEFAULT_LIFETIME_S = 60, 7 * 86400, 86400
USE_EVERY = timedelta(minutes=1)  # a link's use is written at most this often
TOKEN_PATTERN = re.compile(r"^pss_[A-Za-z0-9_-]{32}$")
ID_PATTERN = re.compile(r"^ssl_[A-Za-z0-9_-]{16}$")

LinkStatus = Literal["active", "expired", "revoked"]
# What lists show: every column but the digest, and the creator's username (None once the user is deleted).
_SUMMARY = (
    SpaceShareLink.id, SpaceShareLink.label, SpaceShareLink.created_at, SpaceShareLink.expires_at,
    SpaceShareLink.revoked_at, SpaceShareLink.last_used_at, SpaceShareLink.use_count,
    User.username.label("created_by"),
)


class ShareTokenRefused(Exception):
    """A secret that opens nothing for this Space; `reason` is unknown | expired | revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IssuedSpaceShareLink:
    """A new link and its secret (the only time the secret is known to the control plane)."""

    link: SpaceShareLink
    token: str


def share_url(space_url: str, token: str) -> str:
    """What a writer shares: `SPACE_URL/.podium/share?token=TOKEN`."""
    return f"{space_url}{SHARE_PATH}?token={token}"


def token_digest(token: str) -> str:
    """The stored form of a secret: its sha256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_status(revoked_at: datetime | None, expires_at: datetime, now: datetime) -> LinkStatus:
    """"revoked", "expired" or "active" (revocation wins: it is the more deliberate of the two)."""
    if revoked_at is not None:
        return "revoked"
    if expires_at <= now:
        return "expired"
    return "active"


def _not_found(link_id: str) -> NotFound:
    return NotFound(f"This Space has no share link {link_id!r}", code="space_share_link_not_found")


def _clean_label(label: str) -> str:
    # Postgres text cannot hold NUL characters.
    return label.replace("\x00", "").strip()[:200]


async def create_link(
    db: AsyncSession,
    space_id: int,
    created_by_id: int | None,
    *,
    label: str = "",
    lifetime_s: int = DEFAULT_LIFETIME_S,
    now: datetime | None = None,
) -> IssuedSpaceShareLink:
    """A new link of Space `space_id` living `lifetime_s` seconds (60 s to 7 days; InvalidInput otherwise)."""
    if not MIN_LIFETIME_S <= lifetime_s <= MAX_LIFETIME_S:
        raise InvalidInput(
            f"lifetime_s={lifetime_s}: a Space share link lives {MIN_LIFETIME_S} s to 7 days ({MAX_LIFETIME_S} s)",
            code="share_link_lifetime",
        )
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    link = SpaceShareLink(
        id=ID_PREFIX + secrets.token_urlsafe(12),
        space_id=space_id,
        token_hash=token_digest(token),
        label=_clean_label(label),
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime_s),
        use_count=0,
    )
    db.add(link)
    await db.flush()
    return IssuedSpaceShareLink(link=link, token=token)


async def list_links(
    db: AsyncSession, space_id: int, *, limit: int, cursor: str | None = None
) -> tuple[Sequence[Any], str | None]:
    """One page of the Space's links, newest first, expired and revoked ones included: rows of `_SUMMARY`, and
    the cursor of the next page (None on the last)."""
    stmt = (
        select(*_SUMMARY)
        .outerjoin(User, User.id == SpaceShareLink.created_by_id)
        .where(SpaceShareLink.space_id == space_id)
    )
    return await fetch_newest_first(db, stmt, SpaceShareLink.created_at, SpaceShareLink.id, limit=limit,
                                    cursor=cursor, id_pattern=ID_PATTERN)


async def revoke_link(
    db: AsyncSession, space_id: int, link_id: str, *, now: datetime | None = None
) -> tuple[SpaceShareLink, bool]:
    """Revoke the Space's link `link_id`: returns it and whether this call revoked it (a second revoke changes
    nothing). NotFound when the Space has no such link."""
    link = await db.get(SpaceShareLink, link_id, with_for_update=True) if ID_PATTERN.fullmatch(link_id) else None
    if link is None or link.space_id != space_id:
        raise _not_found(link_id)
    if link.revoked_at is not None:
        return link, False
    link.revoked_at = now or utcnow()
    return link, True


async def check_token(db: AsyncSession, space_id: int, token: str, *, now: datetime | None = None) -> SpaceShareLink:
    """The active link of Space `space_id` whose secret is `token`; raises ShareTokenRefused otherwise (a link of
    another Space is "unknown" here, so a secret never tells which Space it opens)."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise ShareTokenRefused("unknown")
    link = (
        await db.execute(select(SpaceShareLink).where(SpaceShareLink.token_hash == token_digest(token)))
    ).scalar_one_or_none()
    if link is None or link.space_id != space_id:
        raise ShareTokenRefused("unknown")
    status = link_status(link.revoked_at, link.expires_at, now or utcnow())
    if status != "active":
        raise ShareTokenRefused(status)
    return link


@dataclass(frozen=True)
class LinkState:
    """What the router needs to know of a link on every request (cached briefly)."""

    space_id: int
    expires_at: datetime
    revoked_at: datetime | None

    def status(self, now: datetime) -> LinkStatus:
        """The link's status at `now`."""
        return link_status(self.revoked_at, self.expires_at, now)


async def link_state(db: AsyncSession, link_id: str) -> LinkState | None:
    """The link `link_id`'s Space, expiry and revocation, or None when there is no such link (any more)."""
    row = (
        await db.execute(select(SpaceShareLink.space_id, SpaceShareLink.expires_at, SpaceShareLink.revoked_at)
                         .where(SpaceShareLink.id == link_id))
    ).one_or_none()
    return None if row is None else LinkState(space_id=int(row.space_id), expires_at=row.expires_at,
                                              revoked_at=row.revoked_at)


async def note_use(db: AsyncSession, link_id: str, *, now: datetime | None = None) -> bool:
    """Count a use of the link: `use_count` + 1 and `last_used_at`, unless a use was noted in the last minute
    (by any router process). Returns whether it was counted."""
    now = now or utcnow()
    counted = await db.execute(
        update(SpaceShareLink)
        .where(SpaceShareLink.id == link_id,
               or_(SpaceShareLink.last_used_at.is_(None), SpaceShareLink.last_used_at <= now - USE_EVERY))
        .values(use_count=SpaceShareLink.use_count + 1, last_used_at=now)
        .returning(SpaceShareLink.id)
        .execution_options(synchronize_session=False)
    )
    return counted.scalar_one_or_none() is not None
