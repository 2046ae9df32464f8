"""Storing, reading, listing, deleting and purging deep links (docs/design/deep-links.md).

A link belongs to one Space (kept `spaces.deep_link_retention_days` after it was made; changing the retention
moves the expiry of existing links) or to one share link (kept while the share link lives). Reads check expiry
themselves (410); the reconciler's periodic `purge_expired` deletes what has expired. Ids of other Spaces or share
links answer 404 like unknown ones, so a token never learns whether an id exists elsewhere.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp.db.base import utcnow
from podium_cp.db.keyset import fetch_newest_first
from podium_cp.deeplinks.tokens import Scope
from podium_cp.errors import APIError, Forbidden, Gone, InvalidInput, NotFound
from podium_cp.models import DeepLink, ShareLink, Space
from podium_cp.settings import Settings

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 1, 365

# The labels of the components a snapshot holds (a component without one: its key), computed in Postgres so
# that lists need not load whole snapshots.
LABELS = literal_column(
    "(SELECT coalesce(jsonb_agg(coalesce(nullif(c.value ->> 'label', ''), c.key)), '[]'::jsonb)"
    " FROM jsonb_each(CASE jsonb_typeof(deep_links.snapshot -> 'components')"
    " WHEN 'object' THEN deep_links.snapshot -> 'components' ELSE '{}'::jsonb END) AS c)",
    type_=JSONB,
).label("labels")
# Every column but the snapshot, and the labels: what lists show.
_SUMMARY = (
    DeepLink.id, DeepLink.space_id, DeepLink.share_link_id, DeepLink.app_revision, DeepLink.space_revision,
    DeepLink.size_bytes, DeepLink.created_at, DeepLink.expires_at, DeepLink.open_count, DeepLink.last_opened_at,
    LABELS,
)


class SnapshotTooLarge(APIError):
    """A snapshot over PODIUM_DEEP_LINK_MAX_BYTES (413)."""

    status, code = 413, "snapshot_too_large"


class DeepLinkExpired(Gone):
    """A link past its expiry (410). The body also carries `detail`, as the app-facing contract spells it."""

    code = "deep_link_expired"

    def body(self) -> dict[str, Any]:
        return {**super().body(), "detail": self.message}


@dataclass(frozen=True)
class NewDeepLink:
    """What an app sends to store a snapshot."""

    snapshot: dict[str, Any]
    app_revision: str
    space_revision: int | None = None


def snapshot_size(snapshot: dict[str, Any]) -> int:
    """Bytes of the snapshot as compact UTF-8 JSON (what the size limit measures)."""
    return len(json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False).encode())


def _holds_nul(value: Any) -> bool:
    """Whether a NUL character is in any key or string of `value` (Postgres's JSONB cannot hold one)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} KB"


def _not_found(link_id: str) -> NotFound:
    return NotFound(f"No deep link {link_id!r} here", code="deep_link_not_found")


def _expired(link_id: str, when: datetime) -> DeepLinkExpired:
    return DeepLinkExpired(f"This link expired on {when:%Y-%m-%d %H:%M} UTC", details={"id": link_id})


def _check_id(link_id: str) -> None:
    if not ID_PATTERN.fullmatch(link_id):
        raise _not_found(link_id)


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.space_id is not None:
        return DeepLink.space_id == scope.space_id
    return DeepLink.share_link_id == scope.share_link_id


async def _expiry_for(db: AsyncSession, scope: Scope, now: datetime) -> datetime:
    """When a link made now in `scope` expires; refuses a deleted Space (404) and a dead share link (403)."""
    if scope.space_id is not None:
        # FOR SHARE: a retention change (which locks the row for update) waits for this insert, or comes first.
        space = (
            await db.execute(select(Space).where(Space.id == scope.space_id).with_for_update(read=True))
        ).scalar_one_or_none()
        if space is None or space.desired_state == "deleted":
            raise NotFound("This Space no longer exists; its app cannot store deep links", code="space_gone")
        return now + timedelta(days=space.deep_link_retention_days)
    link = await db.get(ShareLink, scope.share_link_id)
    if link is None:
        raise NotFound("This share link no longer exists; its app cannot store deep links", code="share_link_gone")
    if link.revoked_at is not None:
        raise Forbidden("This share link was revoked; start a new one to make deep links", code="share_link_revoked")
    if link.expires_at <= now:
        raise Forbidden("This share link expired; start a new one to make deep links", code="share_link_expired")
    return link.expires_at


async def create_link(
    db: AsyncSession, settings: Settings, scope: Scope, new: NewDeepLink, *, now: datetime | None = None
) -> DeepLink:
    """Store a snapshot for `scope`. Raises SnapshotTooLarge (413) over the limit, InvalidInput (422) for a
    snapshot Postgres cannot hold, NotFound (404) for a deleted Space, Forbidden (403) for a dead share link."""
    now = now or utcnow()
    size = snapshot_size(new.snapshot)
    if size > settings.deep_link_max_bytes:
        raise SnapshotTooLarge(
            f"This snapshot is {_kb(size)}; the limit is {_kb(settings.deep_link_max_bytes)}. "
            "Large values (long chats, big tables) make large snapshots",
            details={"size_bytes": size, "max_bytes": settings.deep_link_max_bytes},
        )
    if _holds_nul(new.snapshot):
        raise InvalidInput("The snapshot holds a NUL character (\\u0000), which cannot be stored", code="bad_snapshot")
    expires_at = await _expiry_for(db, scope, now)
    link = DeepLink(
        id=secrets.token_urlsafe(12),
        space_id=scope.space_id,
        share_link_id=scope.share_link_id,
        app_revision=new.app_revision,
        space_revision=new.space_revision,
        snapshot=new.snapshot,
        size_bytes=size,
        created_at=now,
        expires_at=expires_at,
        open_count=0,
    )
    db.add(link)
    await db.flush()
    return link


async def open_link(db: AsyncSession, scope: Scope, link_id: str, *, now: datetime | None = None) -> DeepLink:
    """The link `link_id` of `scope`, for an app restoring it: counts the opening (`open_count`,
    `last_opened_at`). NotFound (404) when unknown or of another scope, DeepLinkExpired (410) when expired (a
    revoked share link's links count as expired), NotFound when the Space was deleted."""
    now = now or utcnow()
    _check_id(link_id)
    live = and_(DeepLink.id == link_id, _in_scope(scope), DeepLink.expires_at > now)
    if scope.space_id is not None:
        live = and_(live, select(Space.id).where(Space.id == scope.space_id, Space.desired_state != "deleted").exists())
    else:
        live = and_(live, select(ShareLink.id).where(ShareLink.id == scope.share_link_id,
                                                     ShareLink.revoked_at.is_(None)).exists())
    opened = (
        await db.execute(
            update(DeepLink)
            .where(live)
            .values(open_count=DeepLink.open_count + 1, last_opened_at=now)
            .returning(DeepLink)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if opened is not None:
        return opened
    found = (await db.execute(select(DeepLink).where(DeepLink.id == link_id, _in_scope(scope)))).scalar_one_or_none()
    if found is None:
        raise _not_found(link_id)
    if scope.share_link_id is not None:
        link = await db.get(ShareLink, scope.share_link_id)
        if link is not None and link.revoked_at is not None:
            raise _expired(link_id, min(link.revoked_at, found.expires_at))
    if found.expires_at <= now:
        raise _expired(link_id, found.expires_at)
    raise _not_found(link_id)  # the Space is being deleted


# --- the user-facing side: one Space's links ---------------------------------------------------------------


async def list_links(
    db: AsyncSession, space_id: int, *, limit: int, cursor: str | None = None, now: datetime | None = None
) -> tuple[Sequence[Row[Any]], str | None]:
    """One page of the Space's links that have not expired, newest first: rows of the snapshot-less summary
    (with `labels`), and the cursor of the next page (None on the last)."""
    now = now or utcnow()
    stmt = select(*_SUMMARY).where(DeepLink.space_id == space_id, DeepLink.expires_at > now)
    return await fetch_newest_first(db, stmt, DeepLink.created_at, DeepLink.id, limit=limit, cursor=cursor,
                                    id_pattern=ID_PATTERN)


async def show_link(
    db: AsyncSession, space_id: int, link_id: str, *, now: datetime | None = None
) -> tuple[Row[Any], dict[str, Any]]:
    """The summary row and the snapshot of the Space's link `link_id` (not counted as an opening).
    NotFound (404) when the Space has no such link, DeepLinkExpired (410) when it expired."""
    now = now or utcnow()
    _check_id(link_id)
    row = (
        await db.execute(select(*_SUMMARY, DeepLink.snapshot).where(DeepLink.id == link_id,
                                                                    DeepLink.space_id == space_id))
    ).one_or_none()
    if row is None:
        raise _not_found(link_id)
    if row.expires_at <= now:
        raise _expired(link_id, row.expires_at)
    return row, row.snapshot


async def delete_link(db: AsyncSession, space_id: int, link_id: str) -> None:
    """Delete the Space's link `link_id` (expired or not); NotFound (404) when it has none by that id."""
    _check_id(link_id)
    deleted = (
        await db.execute(
            delete(DeepLink).where(DeepLink.id == link_id, DeepLink.space_id == space_id).returning(DeepLink.id)
        )
    ).scalar_one_or_none()
    if deleted is None:
        raise _not_found(link_id)


async def set_retention(db: AsyncSession, space: Space, days: int) -> int:
    """Keep the Space's deep links `days` days: new links get it, existing ones expire at `created_at + days`
    (sooner or later than before). Returns how many links moved. Lock the Space's row first (FOR UPDATE)."""
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise InvalidInput(
            f"deep_link_retention_days={days}: keep deep links {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days",
            code="bad_retention",
        )
    space.deep_link_retention_days = days
    moved = await db.execute(
        update(DeepLink)
        .where(DeepLink.space_id == space.id)
        .values(expires_at=DeepLink.created_at + func.make_interval(0, 0, 0, days))
        .execution_options(synchronize_session=False)
    )
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]


async def purge_expired(db: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete every expired link, and the links of revoked share links; returns how many went."""
    now = now or utcnow()
    revoked = select(ShareLink.id).where(ShareLink.revoked_at.is_not(None))
    result = await db.execute(
        delete(DeepLink)
        .where(or_(DeepLink.expires_at <= now, DeepLink.share_link_id.in_(revoked)))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
