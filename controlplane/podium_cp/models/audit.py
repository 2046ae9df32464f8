"""The audit log: one row per mutating action (who, what, target, when, from where)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, IdMixin, utcnow


class AuditEvent(IdMixin, Base):
    """Rows are only ever inserted. `actor_name` and `target` are copied so that rows outlive what they name."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_org_id_id", "org_id", "id"),)

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64))  # username, or "system" / "anonymous"
    via: Mapped[str] = mapped_column(String(16))  # "session" | "token" | "system"
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "org.member.invite"
    target_kind: Mapped[str] = mapped_column(String(32))  # "org", "team", "user", "token", "secret", ...
    target: Mapped[str] = mapped_column(String(200))  # a readable name: "acme/ml-team", "alice"
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
