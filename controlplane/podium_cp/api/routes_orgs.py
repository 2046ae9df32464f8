"""Orgs and their members: create, read, update, delete, roles, leaving and transferring ownership.

Every org keeps at least one owner: the last owner cannot leave, be removed or be demoted (409 `last_owner`).
The lookups here (`find_org`, `find_user`, `org_ref`) are shared by the other org routers.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp import audit
from podium_cp.api.deps import DB, ActorDep, SignedIn
from podium_cp.api.pagination import Page, PageDep, encode_cursor
from podium_cp.api.responses import json_response
from podium_cp.api.routes_users import ErrorBody, error_responses
from podium_cp.db import raw
from podium_cp.errors import Conflict, InvalidInput, NotFound
from podium_cp.models import Membership, Org, Team, TeamMember, User
from podium_cp.models.identity import NAME_PATTERN
from podium_cp.policy import Action, Actor, OrgRef, UserRef, allowed, require
from podium_cp.roles import Role

router = APIRouter(tags=["orgs"])

OrgName = Annotated[str, Path(description="The org's name", max_length=64)]
Username = Annotated[str, Path(description="A member's username", max_length=64)]
# What `OrgOut.can` may list: the org actions the console offers controls for.
ORG_ACTIONS = (
    Action.ORG_UPDATE,
    Action.ORG_DELETE,
    Action.ORG_MEMBERS_READ,
    Action.ORG_MEMBERS_INVITE,
    Action.ORG_MEMBERS_SET_ROLE,
    Action.ORG_MEMBERS_REMOVE,
    Action.ORG_TEAMS_READ,
    Action.ORG_TEAMS_MANAGE,
    Action.ORG_AUDIT_READ,
    Action.ORG_SPACES_CREATE,
)


class OrgCreate(BaseModel):
    """A new org; its name shares one namespace with usernames."""

    name: str = Field(pattern=NAME_PATTERN, max_length=39, description="lower-case letters, digits, single hyphens")
    display_name: str = Field("", max_length=100)
    description: str = Field("", max_length=500)


class OrgUpdate(BaseModel):
    """The fields of an org that can change (its name cannot)."""

    display_name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=500)


class OrgOut(BaseModel):
    """An org as the API shows it, with the caller's role in it (null when not a member)."""

    name: str
    display_name: str
    description: str
    created_at: datetime
    role: Role | None = None
    can: list[str] = Field(description="the org actions the caller may do (org.update, org.members.invite, ...)")


class MemberOut(BaseModel):
    """A member of an org."""

    username: str
    display_name: str
    role: Role
    joined: datetime


class RoleChange(BaseModel):
    """A member's new role."""

    role: Role


class TransferIn(BaseModel):
    """Who becomes an owner (an existing member)."""

    username: str = Field(max_length=64)


_MORE_ERRORS = {
    410: "The invitation expired, was used or was revoked",
    503: "Secrets cannot be stored: no encryption key is configured",
}


def error_docs(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses an endpoint of the org routers can answer."""
    docs = error_responses(*(s for s in statuses if s not in _MORE_ERRORS))
    docs.update({s: {"model": ErrorBody, "description": _MORE_ERRORS[s]} for s in statuses if s in _MORE_ERRORS})
    return docs


# --- lookups shared by the org routers ---------------------------------------------------------------


async def find_org(db: AsyncSession, name: str) -> Org:
    """The org named `name`, or 404 `org_not_found`."""
    org = (await db.execute(select(Org).where(Org.name == name))).scalar_one_or_none()
    if org is None:
        raise NotFound(f"No org named {name!r}", code="org_not_found")
    return org


_ORG_BY_NAME = "SELECT id, name, display_name, description, created_at FROM orgs WHERE name = %(name)s"


async def find_org_row(db: AsyncSession, name: str) -> Any:
    """`find_org` for read-only endpoints: the org as a plain row (no ORM object), or 404 `org_not_found`."""
    row = await raw.fetch_one(db, _ORG_BY_NAME, {"name": name})
    if row is None:
        raise NotFound(f"No org named {name!r}", code="org_not_found")
    return row


def org_ref(org: Any) -> OrgRef:
    """The policy's reference to `org`."""
    return OrgRef(id=org.id, name=org.name)


async def find_user(db: AsyncSession, username: str) -> User:
    """The user named `username`, or 404 `user_not_found`."""
    user = (await db.execute(select(User).where(User.username == username))).scalar_one_or_none()
    if user is None:
        raise NotFound(f"No user named {username!r}", code="user_not_found")
    return user


async def find_membership(db: AsyncSession, org: Org, username: str) -> tuple[Membership, User]:
    """`username`'s membership of `org`, or 404 `member_not_found`."""
    row = (
        await db.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.org_id == org.id, User.username == username)
        )
    ).first()
    if row is None:
        raise NotFound(f"{username!r} is not a member of org {org.name!r}", code="member_not_found")
    return row[0], row[1]


async def _lock_owners(db: AsyncSession, org: Org) -> list[int]:
    """The ids of the org's owners, locked until the transaction ends (so two last-owner changes cannot race)."""
    rows = await db.execute(
        select(Membership.user_id)
        .where(Membership.org_id == org.id, Membership.role == Role.OWNER.value)
        .with_for_update()
    )
    return [int(user_id) for user_id in rows.scalars()]


def _refuse_last_owner(owners: list[int], membership: Membership, org: Org, what: str) -> None:
    if membership.role == Role.OWNER.value and owners == [membership.user_id]:
        raise Conflict(
            f"{what}: they are the last owner of org {org.name!r}; transfer ownership first "
            f"(POST /api/orgs/{org.name}/transfer) or make another member an owner",
            code="last_owner",
        )


def _org_out(org: Any, actor: Actor) -> OrgOut:
    """`org` (an Org or a row with its columns) as the caller sees it: their role in it and what they may do."""
    return OrgOut(
        name=org.name,
        display_name=org.display_name,
        description=org.description,
        created_at=org.created_at,
        role=actor.roles.get(org.id),
        can=allowed(actor, org_ref(org), ORG_ACTIONS),
    )


# --- orgs --------------------------------------------------------------------------------------------


@router.get("/api/orgs", response_model=Page[OrgOut], summary="The orgs you belong to", responses=error_docs(401, 403))
async def list_my_orgs(db: DB, actor: SignedIn, page: PageDep) -> Response:
    """The orgs the caller is a member of, with the caller's role in each, newest membership first."""
    assert actor.user_id is not None
    require(actor, Action.USER_READ, UserRef(id=actor.user_id, username=actor.username))
    rows = await raw.fetch_all(
        db,
        _MY_ORGS_PAGE,
        {
            "user": actor.user_id,
            "only": actor.token_org_id,  # a token limited to one org sees only that one
            "before": page.after_id,
            "limit": page.limit + 1,
        },
    )
    cursor = encode_cursor(rows[page.limit - 1].membership_id) if len(rows) > page.limit else None
    items = [_org_out(r, actor) for r in rows[: page.limit]]
    return json_response(Page[OrgOut](items=items, next_cursor=cursor))


_MY_ORGS_PAGE = """SELECT o.id, o.name, o.display_name, o.description, o.created_at, m.role, m.id AS membership_id
    FROM memberships m JOIN orgs o ON o.id = m.org_id
    WHERE m.user_id = %(user)s
      AND (%(only)s::bigint IS NULL OR o.id = %(only)s::bigint)
      AND (%(before)s::bigint IS NULL OR m.id < %(before)s::bigint)
    ORDER BY m.id DESC LIMIT %(limit)s"""


@router.post(
    "/api/orgs",
    response_model=OrgOut,
    status_code=201,
    summary="Create an org",
    responses=error_docs(401, 403, 409, 422),
)
async def create_org(body: OrgCreate, db: DB, actor: SignedIn, request: Request) -> OrgOut:
    """Create an org; the caller becomes its owner. 409 `name_taken` if an org or user has the name."""
    assert actor.user_id is not None
    # Creating an org acts on the caller's own account (a read-only or org-limited token may not).
    require(actor, Action.USER_UPDATE, UserRef(id=actor.user_id, username=actor.username))
    taken = await db.scalar(select(func.count()).select_from(User).where(User.username == body.name))
    taken = taken or await db.scalar(select(func.count()).select_from(Org).where(Org.name == body.name))
    if taken:
        raise Conflict(f"The name {body.name!r} is taken by a user or an org; pick another", code="name_taken")
    org = Org(name=body.name, display_name=body.display_name, description=body.description)
    db.add(org)
    try:
        await db.flush()
    except IntegrityError:
        raise Conflict(
            f"The name {body.name!r} is taken by a user or an org; pick another", code="name_taken"
        ) from None
    db.add(Membership(org_id=org.id, user_id=actor.user_id, role=Role.OWNER.value))
    await audit.record(db, actor, "org.create", "org", org.name, org_id=org.id, request=request)
    await db.flush()
    # The caller's roles were loaded before the org existed: they own it now.
    return _org_out(org, dataclasses.replace(actor, roles={**actor.roles, org.id: Role.OWNER}))


@router.get("/api/orgs/{org}", response_model=OrgOut, summary="An org's public profile", responses=error_docs(404))
async def get_org(org: OrgName, db: DB, actor: ActorDep) -> Response:
    """An org's name, display name and description (public), plus the caller's role in it."""
    found = await find_org_row(db, org)
    require(actor, Action.ORG_READ, org_ref(found))
    return json_response(_org_out(found, actor))


@router.patch(
    "/api/orgs/{org}", response_model=OrgOut, summary="Update an org (admins)", responses=error_docs(401, 403, 404, 422)
)
async def update_org(org: OrgName, body: OrgUpdate, db: DB, actor: SignedIn, request: Request) -> OrgOut:
    """Change an org's display name or description. Needs the admin role."""
    found = await find_org(db, org)
    require(actor, Action.ORG_UPDATE, org_ref(found))
    changed: dict[str, str] = {}
    if body.display_name is not None and body.display_name != found.display_name:
        found.display_name = changed["display_name"] = body.display_name
    if body.description is not None and body.description != found.description:
        found.description = changed["description"] = body.description
    if changed:
        await audit.record(
            db,
            actor,
            "org.update",
            "org",
            found.name,
            org_id=found.id,
            request=request,
            details={"fields": sorted(changed)},
        )
        await db.flush()
    return _org_out(found, actor)


@router.delete(
    "/api/orgs/{org}",
    status_code=204,
    response_class=Response,
    summary="Delete an org (owners)",
    responses=error_docs(401, 403, 404),
)
async def delete_org(org: OrgName, db: DB, actor: SignedIn, request: Request) -> Response:
    """Delete an org with its memberships, teams, invitations and secrets. Needs the owner role."""
    found = await find_org(db, org)
    require(actor, Action.ORG_DELETE, org_ref(found))
    # The audit row outlives the org: no org_id (it would be nulled anyway), the id in details.
    await audit.record(db, actor, "org.delete", "org", found.name, request=request, details={"org_id": found.id})
    await db.execute(delete(Org).where(Org.id == found.id))
    return Response(status_code=204)


# --- members -----------------------------------------------------------------------------------------


@router.get(
    "/api/orgs/{org}/members",
    response_model=Page[MemberOut],
    summary="An org's members",
    responses=error_docs(401, 403, 404),
)
async def list_members(org: OrgName, db: DB, actor: SignedIn, page: PageDep) -> Response:
    """The org's members with their roles, in the order they joined. Needs membership (any role)."""
    found = await find_org_row(db, org)
    require(actor, Action.ORG_MEMBERS_READ, org_ref(found))
    rows = await raw.fetch_all(db, _MEMBERS_PAGE, {"org": found.id, "after": page.after_id or 0, "limit": page.limit + 1})
    cursor = encode_cursor(rows[page.limit - 1].id) if len(rows) > page.limit else None
    items = [
        MemberOut(username=r.username, display_name=r.display_name, role=Role(r.role), joined=r.created_at)
        for r in rows[: page.limit]
    ]
    return json_response(Page[MemberOut](items=items, next_cursor=cursor))


_MEMBERS_PAGE = """SELECT m.id, u.username, u.display_name, m.role, m.created_at
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.org_id = %(org)s AND m.id > %(after)s ORDER BY m.id LIMIT %(limit)s"""


@router.patch(
    "/api/orgs/{org}/members/{username}",
    response_model=MemberOut,
    summary="Change a member's role",
    responses=error_docs(401, 403, 404, 409, 422),
)
async def set_member_role(
    org: OrgName, username: Username, body: RoleChange, db: DB, actor: SignedIn, request: Request
) -> MemberOut:
    """Set a member's role. Admins may set read, write or admin on non-owners; granting or taking `owner`
    needs the owner role. The last owner cannot be demoted (409 `last_owner`)."""
    found = await find_org(db, org)
    ref = org_ref(found)
    require(actor, Action.ORG_MEMBERS_SET_ROLE, ref)
    membership, user = await find_membership(db, found, username)
    if body.role is Role.OWNER or membership.role == Role.OWNER.value:
        require(actor, Action.ORG_MEMBERS_SET_OWNER, ref)
    if membership.role != body.role.value:
        _refuse_last_owner(await _lock_owners(db, found), membership, found, f"Cannot demote {username!r}")
        previous, membership.role = membership.role, body.role.value
        await audit.record(
            db,
            actor,
            "org.member.role",
            "user",
            username,
            org_id=found.id,
            request=request,
            details={"org": found.name, "from": previous, "to": body.role.value},
        )
        await db.flush()
    return MemberOut(
        username=user.username, display_name=user.display_name, role=body.role, joined=membership.created_at
    )


@router.delete(
    "/api/orgs/{org}/members/{username}",
    status_code=204,
    response_class=Response,
    summary="Remove a member, or leave",
    responses=error_docs(401, 403, 404, 409),
)
async def remove_member(org: OrgName, username: Username, db: DB, actor: SignedIn, request: Request) -> Response:
    """Remove a member (admins; removing an owner needs the owner role), or leave the org when `username` is
    yourself (any member). The member's team memberships in the org go too. The last owner can do neither."""
    found = await find_org(db, org)
    ref = org_ref(found)
    leaving = username == actor.username
    require(actor, Action.ORG_LEAVE if leaving else Action.ORG_MEMBERS_REMOVE, ref)
    membership, user = await find_membership(db, found, username)
    if not leaving and membership.role == Role.OWNER.value:
        require(actor, Action.ORG_MEMBERS_SET_OWNER, ref)
    what = f"{username!r} cannot leave" if leaving else f"Cannot remove {username!r}"
    _refuse_last_owner(await _lock_owners(db, found), membership, found, what)
    await drop_member(db, found, user)
    await audit.record(
        db,
        actor,
        "org.leave" if leaving else "org.member.remove",
        "user",
        username,
        org_id=found.id,
        request=request,
        details={"org": found.name, "role": membership.role},
    )
    return Response(status_code=204)


async def drop_member(db: AsyncSession, org: Org, user: User) -> None:
    """Remove `user` from `org` and from every team of it."""
    team_ids = select(Team.id).where(Team.org_id == org.id).scalar_subquery()
    await db.execute(delete(TeamMember).where(TeamMember.user_id == user.id, TeamMember.team_id.in_(team_ids)))
    await db.execute(delete(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id))


@router.post(
    "/api/orgs/{org}/transfer",
    response_model=list[MemberOut],
    summary="Transfer ownership (owners)",
    responses=error_docs(401, 403, 404, 422),
)
async def transfer_org(org: OrgName, body: TransferIn, db: DB, actor: SignedIn, request: Request) -> list[MemberOut]:
    """Make another member an owner; the caller becomes an admin. Returns both changed memberships."""
    found = await find_org(db, org)
    require(actor, Action.ORG_TRANSFER, org_ref(found))
    if body.username == actor.username:
        raise InvalidInput("You cannot transfer an org to yourself; name another member", code="transfer_to_self")
    target, target_user = await find_membership(db, found, body.username)
    await _lock_owners(db, found)
    target.role = Role.OWNER.value
    changed = [
        MemberOut(
            username=target_user.username,
            display_name=target_user.display_name,
            role=Role.OWNER,
            joined=target.created_at,
        )
    ]
    mine = (
        await db.execute(select(Membership).where(Membership.org_id == found.id, Membership.user_id == actor.user_id))
    ).scalar_one_or_none()
    if mine is not None:  # a site admin acting from outside has no membership to change
        mine.role = Role.ADMIN.value
        me = await find_user(db, actor.username)
        changed.append(
            MemberOut(username=me.username, display_name=me.display_name, role=Role.ADMIN, joined=mine.created_at)
        )
    await audit.record(
        db,
        actor,
        "org.transfer",
        "org",
        found.name,
        org_id=found.id,
        request=request,
        details={"to": target_user.username},
    )
    await db.flush()
    return changed
