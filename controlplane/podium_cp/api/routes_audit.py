"""Reading the audit log: an org's events (org admins) and the caller's own actions, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, select

from podium_cp.api.deps import DB, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_orgs import OrgName, error_docs, find_org, org_ref
from podium_cp.errors import InvalidInput
from podium_cp.models import AuditEvent, Org
from podium_cp.policy import Action, UserRef, require

router = APIRouter(tags=["audit"])

ActionFilter = Annotated[
    str | None, Query(max_length=64, description="An action (`org.create`), or a prefix ending in `*` (`org.*`)")
]
TargetFilter = Annotated[str | None, Query(max_length=200, description="The target's name, e.g. `acme/ml-team`")]
Since = Annotated[datetime | None, Query(description="Only events at or after this time (ISO 8601)")]
Until = Annotated[datetime | None, Query(description="Only events before this time (ISO 8601)")]


class AuditEventOut(BaseModel):
    """One audited action."""

    id: int
    created_at: datetime
    org: str | None
    actor: str
    via: str
    action: str
    target_kind: str
    target: str
    ip: str | None
    details: dict[str, Any]


def _filters(
    action: str | None, target: str | None, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    for name, when in (("since", since), ("until", until)):
        if when is not None and when.tzinfo is None:
            raise InvalidInput(f"{name} needs a timezone, e.g. 2024-05-01T00:00:00Z", code="naive_datetime")
    conditions: list[ColumnElement[bool]] = []
    if action:
        if action.endswith("*"):
            conditions.append(AuditEvent.action.startswith(action[:-1], autoescape=True))
        else:
            conditions.append(AuditEvent.action == action)
    if target:
        conditions.append(AuditEvent.target == target)
    if since is not None:
        conditions.append(AuditEvent.created_at >= since)
    if until is not None:
        conditions.append(AuditEvent.created_at < until)
    return conditions


def _base() -> Select[AuditEvent, str | None]:
    return select(AuditEvent, Org.name).outerjoin(Org, Org.id == AuditEvent.org_id)


async def _page(db: DB, stmt: Select[AuditEvent, str | None], page: PageDep) -> Page[AuditEventOut]:
    rows, cursor = await fetch_page(db, stmt, AuditEvent.id, page)
    items = [
        AuditEventOut(
            id=event.id,
            created_at=event.created_at,
            org=org_name,
            actor=event.actor_name,
            via=event.via,
            action=event.action,
            target_kind=event.target_kind,
            target=event.target,
            ip=event.ip,
            details=event.details,
        )
        for event, org_name in rows
    ]
    return Page[AuditEventOut](items=items, next_cursor=cursor)


@router.get(
    "/api/orgs/{org}/audit",
    response_model=Page[AuditEventOut],
    summary="An org's audit log (admins)",
    responses=error_docs(401, 403, 404, 422),
)
async def org_audit(
    org: OrgName,
    db: DB,
    actor: SignedIn,
    page: PageDep,
    action: ActionFilter = None,
    actor_name: Annotated[str | None, Query(alias="actor", max_length=64, description="The acting username")] = None,
    target: TargetFilter = None,
    since: Since = None,
    until: Until = None,
) -> Page[AuditEventOut]:
    """What happened in the org, newest first, optionally filtered by action, actor, target and time.
    Needs the admin role."""
    found = await find_org(db, org)
    require(actor, Action.ORG_AUDIT_READ, org_ref(found))
    stmt = _base().where(AuditEvent.org_id == found.id, *_filters(action, target, since, until))
    if actor_name:
        stmt = stmt.where(AuditEvent.actor_name == actor_name)
    return await _page(db, stmt, page)


@router.get(
    "/api/user/audit",
    response_model=Page[AuditEventOut],
    summary="Your own actions",
    responses=error_docs(401, 403, 422),
)
async def my_audit(
    db: DB,
    actor: SignedIn,
    page: PageDep,
    action: ActionFilter = None,
    target: TargetFilter = None,
    since: Since = None,
    until: Until = None,
) -> Page[AuditEventOut]:
    """The caller's own audited actions in every org and on their account, newest first."""
    assert actor.user_id is not None
    require(actor, Action.USER_READ, UserRef(id=actor.user_id, username=actor.username))
    stmt = _base().where(AuditEvent.actor_id == actor.user_id, *_filters(action, target, since, until))
    if actor.token_org_id is not None:  # a token limited to one org reads only that org's events
        stmt = stmt.where(AuditEvent.org_id == actor.token_org_id)
    return await _page(db, stmt, page)
