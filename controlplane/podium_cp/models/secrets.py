"""Secrets at rest: AES-GCM ciphertext with the id of the key that sealed it (see podium_cp.crypto)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, CreatedMixin, IdMixin, utcnow


class Secret(IdMixin, CreatedMixin, Base):
    """A named secret of an org (later also of a Space). The value is never returned after it is set."""

    __tablename__ = "secrets"
    __table_args__ = (
        UniqueConstraint("org_id", "scope", "name"),
        CheckConstraint("name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'", name="name_format"),
    )

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    # "" for the org itself; later issues scope secrets to one Space by its name.
    scope: Mapped[str] = mapped_column(String(96), default="")
    name: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
