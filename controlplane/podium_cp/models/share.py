"""Share links: a public URL for an app on someone's laptop, served through the share server's tunnel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, utcnow


class ShareLink(Base):
    """One link. The secret token is never stored: only its sha256 (lookups go by it) and the subdomain derived
    from it. A link stops at `expires_at` (at most 7 days after creation) or when `revoked_at` is set."""

    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_created_ip_created_at", "created_ip", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a uuid4, as text: in URLs and tunnel grants
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    subdomain: Mapped[str] = mapped_column(String(32), unique=True)
    # None: created anonymously (rate-limited per address).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_ip: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_seen_at: Mapped[datetime | None]
    # The share server's run id of the client serving this link now; None while no client is connected.
    connected_run_id: Mapped[str | None] = mapped_column(String(64))
