"""Recording the audit log: every mutating endpoint calls `record(...)` in the same transaction as its change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from podium_cp.db.base import utcnow
from podium_cp.models import AuditEvent
from podium_cp.policy import Actor


async def record(
    db: AsyncSession,
    actor: Actor,
    action: str,
    target_kind: str,
    target: str,
    *,
    org_id: int | None = None,
    request: Request | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One audit row: who (`actor`), what (`action`, e.g. "org.member.invite"), on what, when, from where.

    `details` must never hold secret values (tokens, passwords, secret contents): names and ids only.
    """
    db.add(
        AuditEvent(
            created_at=utcnow(),
            org_id=org_id,
            actor_id=actor.user_id,
            actor_name=actor.username or "anonymous",
            via=actor.via,
            action=action,
            target_kind=target_kind,
            target=target[:200],
            ip=request.client.host if request is not None and request.client else None,
            user_agent=(request.headers.get("user-agent", "")[:300] or None) if request is not None else None,
            details=details or {},
        )
    )
