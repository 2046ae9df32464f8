"""Deep links: snapshots of an app's state that a URL (`APP_URL?deep_link=ID`) reopens.

Design: docs/design/deep-links.md. The snapshot is opaque JSON written by the app server; the control plane
stores it for a Space (kept `spaces.deep_link_retention_days`) or for a share link (kept while the link lives).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, utcnow


class DeepLink(Base):
    """One stored snapshot, owned by exactly one Space or one share link (deleted with it)."""

    __tablename__ = "deep_links"
    __table_args__ = (
        CheckConstraint("(space_id IS NULL) <> (share_link_id IS NULL)", name="one_owner"),
        CheckConstraint("size_bytes >= 0", name="size_known"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # secrets.token_urlsafe(12): in URLs
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    share_link_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("share_links.id", ondelete="CASCADE"), index=True
    )
    app_revision: Mapped[str] = mapped_column(Text)  # the app's fingerprint when the snapshot was taken
    space_revision: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]]
    size_bytes: Mapped[int] = mapped_column(Integer)  # of the snapshot's JSON, as the app sent it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)  # the periodic purge deletes rows past it
    open_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_opened_at: Mapped[datetime | None]


# A Space's links, newest first (the user-facing list pages through it).
Index("ix_deep_links_space_id_created_at", DeepLink.space_id, DeepLink.created_at.desc())
