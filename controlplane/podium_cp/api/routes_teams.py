"""Teams: groups of org members with grants of their own on the org's Spaces (one Space, or `*` for all).

Members see an org's teams; admins manage them. Outsiders do not see a team at all (404).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp import audit
from podium_cp.api.deps import DB, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_orgs import OrgName, Username, error_docs, find_org, find_user, org_ref
from podium_cp.errors import Conflict, InvalidInput, NotFound
from podium_cp.models import Membership, Org, Team, TeamGrant, TeamMember, User
from podium_cp.models.identity import NAME_PATTERN
from podium_cp.policy import Action, Actor, TeamRef, require, visible
from podium_cp.roles import Role

router = APIRouter(tags=["teams"])

TeamName = Annotated[str, Path(description="The team's name", max_length=64)]
SpaceKey = Annotated[str, Path(description="A Space name of the org, or `*` for all of them", max_length=96)]
GrantRole = Literal["read", "write", "admin"]


class TeamCreate(BaseModel):
    """A new team."""

    name: str = Field(pattern=NAME_PATTERN, max_length=39, description="lower-case letters, digits, single hyphens")
    description: str = Field("", max_length=500)


class TeamUpdate(BaseModel):
    """The fields of a team that can change."""

    description: str | None = Field(None, max_length=500)


class TeamOut(BaseModel):
    """A team of an org."""

    name: str
    description: str
    created_at: datetime


class TeamMemberOut(BaseModel):
    """A member of a team."""

    username: str
    display_name: str
    added: datetime


class GrantOut(BaseModel):
    """A team's role on one Space (or `*`: every Space of the org)."""

    space: str
    role: Role


class TeamDetail(TeamOut):
    """A team with its members and grants."""

    members: list[TeamMemberOut]
    grants: list[GrantOut]


class GrantIn(BaseModel):
    """The role a team gets on a Space (never owner)."""

    role: GrantRole


def _team_ref(org: Org, name: str) -> TeamRef:
    return TeamRef(org_id=org.id, org_name=org.name, name=name)


async def _find_team(db: AsyncSession, actor: Actor, org_name: str, name: str) -> tuple[Org, Team, TeamRef]:
    """The org and its team, or 404 when either does not exist or the actor may not see the team."""
    org = await find_org(db, org_name)
    ref = _team_ref(org, name)
    team = (await db.execute(select(Team).where(Team.org_id == org.id, Team.name == name))).scalar_one_or_none()
    if team is None or not visible(actor, ref):
        raise NotFound(f"No team named {name!r} in org {org.name!r}", code="team_not_found")
    return org, team, ref


def _out(team: Team) -> TeamOut:
    return TeamOut(name=team.name, description=team.description, created_at=team.created_at)


@router.get(
    "/api/orgs/{org}/teams", response_model=Page[TeamOut], summary="An org's teams", responses=error_docs(401, 403, 404)
)
async def list_teams(org: OrgName, db: DB, actor: SignedIn, page: PageDep) -> Page[TeamOut]:
    """The org's teams, oldest first. Needs membership (any role)."""
    found = await find_org(db, org)
    require(actor, Action.ORG_TEAMS_READ, org_ref(found))
    rows, cursor = await fetch_page(db, select(Team).where(Team.org_id == found.id), Team.id, page, newest_first=False)
    return Page[TeamOut](items=[_out(team) for (team,) in rows], next_cursor=cursor)


@router.post(
    "/api/orgs/{org}/teams",
    response_model=TeamOut,
    status_code=201,
    summary="Create a team (admins)",
    responses=error_docs(401, 403, 404, 409, 422),
)
async def create_team(org: OrgName, body: TeamCreate, db: DB, actor: SignedIn, request: Request) -> TeamOut:
    """Create a team in the org. Needs the admin role; 409 `team_exists` if the name is taken in the org."""
    found = await find_org(db, org)
    require(actor, Action.ORG_TEAMS_MANAGE, org_ref(found))
    exists = await db.scalar(select(Team.id).where(Team.org_id == found.id, Team.name == body.name))
    if exists is not None:
        raise Conflict(f"Org {found.name!r} already has a team named {body.name!r}", code="team_exists")
    team = Team(org_id=found.id, name=body.name, description=body.description)
    db.add(team)
    try:
        await db.flush()
    except IntegrityError:
        raise Conflict(f"Org {found.name!r} already has a team named {body.name!r}", code="team_exists") from None
    await audit.record(db, actor, "team.create", "team", f"{found.name}/{team.name}", org_id=found.id, request=request)
    await db.flush()
    return _out(team)


@router.get(
    "/api/orgs/{org}/teams/{team}",
    response_model=TeamDetail,
    summary="A team with its members and grants",
    responses=error_docs(401, 403, 404),
)
async def get_team(org: OrgName, team: TeamName, db: DB, actor: SignedIn) -> TeamDetail:
    """A team, its members and its grants. Needs membership of the org."""
    _, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_READ, ref)
    members = (
        await db.execute(
            select(User.username, User.display_name, TeamMember.created_at)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == found.id)
            .order_by(User.username)
        )
    ).all()
    return TeamDetail(
        **_out(found).model_dump(),
        members=[TeamMemberOut(username=u, display_name=d, added=a) for u, d, a in members],
        grants=await _grants(db, found),
    )


async def _grants(db: AsyncSession, team: Team) -> list[GrantOut]:
    rows = await db.execute(
        select(TeamGrant.space_name, TeamGrant.role).where(TeamGrant.team_id == team.id).order_by(TeamGrant.space_name)
    )
    return [GrantOut(space=space, role=Role(role)) for space, role in rows.all()]


@router.patch(
    "/api/orgs/{org}/teams/{team}",
    response_model=TeamOut,
    summary="Update a team (admins)",
    responses=error_docs(401, 403, 404, 422),
)
async def update_team(
    org: OrgName, team: TeamName, body: TeamUpdate, db: DB, actor: SignedIn, request: Request
) -> TeamOut:
    """Change a team's description. Needs the admin role."""
    found_org, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_MANAGE, ref)
    if body.description is not None and body.description != found.description:
        found.description = body.description
        await audit.record(
            db,
            actor,
            "team.update",
            "team",
            f"{found_org.name}/{found.name}",
            org_id=found_org.id,
            request=request,
            details={"fields": ["description"]},
        )
        await db.flush()
    return _out(found)


@router.delete(
    "/api/orgs/{org}/teams/{team}",
    status_code=204,
    response_class=Response,
    summary="Delete a team",
    responses=error_docs(401, 403, 404),
)
async def delete_team(org: OrgName, team: TeamName, db: DB, actor: SignedIn, request: Request) -> Response:
    """Delete a team with its memberships and grants (its members stay in the org). Needs the admin role."""
    found_org, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_MANAGE, ref)
    await db.execute(delete(Team).where(Team.id == found.id))
    await audit.record(
        db, actor, "team.delete", "team", f"{found_org.name}/{found.name}", org_id=found_org.id, request=request
    )
    return Response(status_code=204)


@router.put(
    "/api/orgs/{org}/teams/{team}/members/{username}",
    response_model=TeamMemberOut,
    summary="Add a member to a team",
    responses=error_docs(401, 403, 404, 409),
)
async def add_team_member(
    org: OrgName, team: TeamName, username: Username, db: DB, actor: SignedIn, request: Request
) -> TeamMemberOut:
    """Add an org member to the team (idempotent). Needs the admin role; 409 `not_org_member` for outsiders."""
    found_org, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_MANAGE, ref)
    user = await find_user(db, username)
    is_member = await db.scalar(
        select(Membership.id).where(Membership.org_id == found_org.id, Membership.user_id == user.id)
    )
    if is_member is None:
        raise Conflict(
            f"{username!r} is not a member of org {found_org.name!r}; invite them to the org first",
            code="not_org_member",
        )
    row = await db.get(TeamMember, (found.id, user.id))
    if row is None:
        row = TeamMember(team_id=found.id, user_id=user.id)
        db.add(row)
        await audit.record(
            db,
            actor,
            "team.member.add",
            "team",
            f"{found_org.name}/{found.name}",
            org_id=found_org.id,
            request=request,
            details={"user": username},
        )
        await db.flush()
    return TeamMemberOut(username=user.username, display_name=user.display_name, added=row.created_at)


@router.delete(
    "/api/orgs/{org}/teams/{team}/members/{username}",
    status_code=204,
    response_class=Response,
    summary="Remove a member from a team",
    responses=error_docs(401, 403, 404),
)
async def remove_team_member(
    org: OrgName, team: TeamName, username: Username, db: DB, actor: SignedIn, request: Request
) -> Response:
    """Take a user off the team (they stay in the org). Needs the admin role."""
    found_org, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_MANAGE, ref)
    user = await find_user(db, username)
    row = await db.get(TeamMember, (found.id, user.id))
    if row is None:
        raise NotFound(f"{username!r} is not in team '{found_org.name}/{found.name}'", code="team_member_not_found")
    await db.delete(row)
    await audit.record(
        db,
        actor,
        "team.member.remove",
        "team",
        f"{found_org.name}/{found.name}",
        org_id=found_org.id,
        request=request,
        details={"user": username},
    )
    return Response(status_code=204)


@router.get(
    "/api/orgs/{org}/teams/{team}/grants",
    response_model=Page[GrantOut],
    summary="A team's grants",
    responses=error_docs(401, 403, 404),
)
async def list_grants(org: OrgName, team: TeamName, db: DB, actor: SignedIn, page: PageDep) -> Page[GrantOut]:
    """The team's roles on the org's Spaces (`*`: every Space), in the order they were granted. Needs
    membership of the org."""
    _, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_READ, ref)
    stmt = select(TeamGrant.id, TeamGrant.space_name, TeamGrant.role).where(TeamGrant.team_id == found.id)
    rows, cursor = await fetch_page(db, stmt, TeamGrant.id, page, newest_first=False)
    return Page[GrantOut](items=[GrantOut(space=s, role=Role(r)) for _, s, r in rows], next_cursor=cursor)


def _check_space(space: str) -> None:
    if space != "*" and re.fullmatch(NAME_PATTERN, space) is None:
        raise InvalidInput(
            f"{space!r} is not a Space name (lower-case letters, digits, single hyphens) or '*' (every Space)",
            code="invalid_space",
        )


@router.put(
    "/api/orgs/{org}/teams/{team}/grants/{space}",
    response_model=GrantOut,
    summary="Grant a team a role",
    responses=error_docs(401, 403, 404, 422),
)
async def set_grant(
    org: OrgName, team: TeamName, space: SpaceKey, body: GrantIn, db: DB, actor: SignedIn, request: Request
) -> GrantOut:
    """Give the team `role` (read, write or admin) on one Space of the org, or on all with `*`; replaces an
    earlier grant on the same Space. Needs the admin role."""
    found_org, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_MANAGE, ref)
    _check_space(space)
    grant = (
        await db.execute(select(TeamGrant).where(TeamGrant.team_id == found.id, TeamGrant.space_name == space))
    ).scalar_one_or_none()
    previous = grant.role if grant is not None else None
    if grant is None:
        db.add(TeamGrant(team_id=found.id, space_name=space, role=body.role))
    else:
        grant.role = body.role
    if previous != body.role:
        await audit.record(
            db,
            actor,
            "team.grant",
            "team",
            f"{found_org.name}/{found.name}",
            org_id=found_org.id,
            request=request,
            details={"space": space, "role": body.role, "previous": previous},
        )
    await db.flush()
    return GrantOut(space=space, role=Role(body.role))


@router.delete(
    "/api/orgs/{org}/teams/{team}/grants/{space}",
    status_code=204,
    response_class=Response,
    summary="Take a grant away from a team",
    responses=error_docs(401, 403, 404),
)
async def delete_grant(
    org: OrgName, team: TeamName, space: SpaceKey, db: DB, actor: SignedIn, request: Request
) -> Response:
    """Remove the team's grant on a Space (or `*`). Needs the admin role."""
    found_org, found, ref = await _find_team(db, actor, org, team)
    require(actor, Action.TEAM_MANAGE, ref)
    grant = (
        await db.execute(select(TeamGrant).where(TeamGrant.team_id == found.id, TeamGrant.space_name == space))
    ).scalar_one_or_none()
    if grant is None:
        raise NotFound(f"Team '{found_org.name}/{found.name}' has no grant on {space!r}", code="grant_not_found")
    await db.delete(grant)
    await audit.record(
        db,
        actor,
        "team.revoke",
        "team",
        f"{found_org.name}/{found.name}",
        org_id=found_org.id,
        request=request,
        details={"space": space, "role": grant.role},
    )
    return Response(status_code=204)
