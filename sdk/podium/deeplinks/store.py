"""What both deep-link stores (local SQLite, the platform's API) return and raise.

`save(snapshot, ...)` answers a `SavedLink`; `load(id)` answers a `LoadedLink` or raises `LinkNotFound`,
`LinkExpired`, `LinkUnavailable` (the store cannot be reached or refuses), and `save` raises
`SnapshotTooLarge` when the snapshot is over the store's limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_MAX_BYTES = 524288


class DeepLinkError(Exception):
    """A deep link could not be saved or loaded; the message says why."""


class LinkNotFound(DeepLinkError):
    """No link with this id (or one this app may not read)."""


class LinkExpired(DeepLinkError):
    """The link existed and has expired."""


class LinkUnavailable(DeepLinkError):
    """The store could not be reached, or refused this app (its token, its share link)."""


class SnapshotTooLarge(DeepLinkError):
    """The snapshot's JSON is over the store's limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"This snapshot is {_kb(size)}; the limit is {_kb(limit)}. Clear large outputs (long chats, big "
            "tables) before sharing, or raise PODIUM_DEEP_LINK_MAX_BYTES where the app runs."
        )
        self.size = size
        self.limit = limit


def _kb(size: int) -> str:
    return f"{(size + 1023) // 1024} KB"


@dataclass(frozen=True)
class SavedLink:
    """A stored snapshot's id and times (ISO 8601, UTC, `Z`)."""

    id: str
    created_at: str
    expires_at: str | None


@dataclass(frozen=True)
class LoadedLink:
    """A stored snapshot as read back."""

    id: str
    snapshot: dict[str, Any]
    created_at: str | None
    expires_at: str | None


class DeepLinkStore(Protocol):
    """Where snapshots live: the local SQLite store or the platform's API."""

    async def save(self, snapshot: dict[str, Any], *, app_revision: str, space_revision: str | None) -> SavedLink:
        """Store `snapshot`; its new id and times."""
        ...

    async def load(self, link_id: str) -> LoadedLink:
        """The snapshot stored as `link_id`."""
        ...


__all__ = [
    "DEFAULT_MAX_BYTES", "DeepLinkError", "DeepLinkStore", "LinkExpired", "LinkNotFound", "LinkUnavailable",
    "LoadedLink", "SavedLink", "SnapshotTooLarge",
]
