"""Space share links: a time-limited, revocable link that lets whoever holds it use one org or private Space
without an account (docs/design/space-share-links.md). Not the tunnel share links of `launch(share=True)`
(`models/share.py`), which publish an app that runs outside the platform.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, utcnow


class SpaceShareLink(Base):
    """One link of one Space. The secret (`pss_...`) is never stored, only its sha256; the link works until
    `expires_at` or `revoked_at`, and its row stays afterwards for the record (deleted with its Space)."""

    __tablename__ = "space_share_links"

    id: Mapped[str] = mapped_column(Text, primary_key=True)  # public: "ssl_" + 16 url-safe characters
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    label: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]  # written at most once a minute
    use_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # minutes with uses, at most


# A Space's links, newest first (the list pages through it).
Index("ix_space_share_links_space_id_created_at", SpaceShareLink.space_id, SpaceShareLink.created_at.desc())
