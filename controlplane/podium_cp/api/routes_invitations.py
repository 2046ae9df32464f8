"""Invitations: a secret link (stored as sha256) that lets whoever holds it join an org with a role, once.

Admins create, list and revoke them; anyone may preview a link; a signed-in user accepts it. A link that
expired, was used or was revoked answers 410 `invitation_gone` with what to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from podium_cp import audit
from podium_cp.api.deps import DB, ActorDep, SettingsDep, SignedIn
from podium_cp.api.pagination import Page, PageDep, fetch_page
from podium_cp.api.routes_orgs import OrgName, error_docs, find_org, org_ref
from podium_cp.auth.randomness import digest, new_public_id, new_secret
from podium_cp.db.base import utcnow
from podium_cp.errors import Conflict, Gone, NotFound
from podium_cp.models import Invitation, Membership, Org, User
from podium_cp.policy import Action, UserRef, require
from podium_cp.roles import Role

router = APIRouter(tags=["invitations"])

TOKEN_PREFIX = "pdi_"
InvitationToken = Annotated[str, Path(description="The secret of an invitation link", max_length=128)]


class InvitationCreate(BaseModel):
    """A new invitation; `email` is informative (whoever holds the link may accept it)."""

    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role
    expires_in_days: int = Field(7, ge=1, le=30)


class InvitationOut(BaseModel):
    """A pending invitation as admins see it (never its token)."""

    public_id: str
    email: str | None
    role: Role
    invited_by: str | None
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationOut):
    """The new invitation with its secret link: shown this once."""

    token: str
    accept_url: str


class InvitationPreview(BaseModel):
    """What the holder of a link is invited to."""

    org: str
    org_display_name: str
    role: Role
    invited_by: str | None
    expires_at: datetime


class InvitationAccepted(BaseModel):
    """The membership an accepted invitation created."""

    org: str
    role: Role


def _pending(now: datetime) -> list[ColumnElement[bool]]:
    return [Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now]


@router.get(
    "/api/orgs/{org}/invitations",
    response_model=Page[InvitationOut],
    summary="An org's pending invitations (admins)",
    responses=error_docs(401, 403, 404),
)
async def list_invitations(org: OrgName, db: DB, actor: SignedIn, page: PageDep) -> Page[InvitationOut]:
    """The org's invitations that can still be accepted, newest first. Needs the admin role."""
    found = await find_org(db, org)
    require(actor, Action.ORG_MEMBERS_INVITE, org_ref(found))
    stmt = (
        select(Invitation, User.username)
        .outerjoin(User, User.id == Invitation.invited_by_id)
        .where(Invitation.org_id == found.id, *_pending(utcnow()))
    )
    rows, cursor = await fetch_page(db, stmt, Invitation.id, page)
    return Page[InvitationOut](items=[_out(inv, inviter) for inv, inviter in rows], next_cursor=cursor)


def _out(invitation: Invitation, inviter: str | None) -> InvitationOut:
    return InvitationOut(
        public_id=invitation.public_id,
        email=invitation.email,
        role=Role(invitation.role),
        invited_by=inviter,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


@router.post(
    "/api/orgs/{org}/invitations",
    response_model=InvitationCreated,
    status_code=201,
    summary="Invite someone (admins)",
    responses=error_docs(401, 403, 404, 422),
)
async def create_invitation(
    org: OrgName, body: InvitationCreate, db: DB, actor: SignedIn, settings: SettingsDep, request: Request
) -> InvitationCreated:
    """Create an invitation link for a role (inviting an owner needs the owner role). The `token` and
    `accept_url` are in this response only; the server keeps just their digest."""
    found = await find_org(db, org)
    ref = org_ref(found)
    require(actor, Action.ORG_MEMBERS_INVITE, ref)
    if body.role is Role.OWNER:
        require(actor, Action.ORG_MEMBERS_SET_OWNER, ref)
    token, now = new_secret(TOKEN_PREFIX), utcnow()
    invitation = Invitation(
        public_id=new_public_id("inv_"),
        org_id=found.id,
        token_hash=digest(token),
        email=body.email,
        role=body.role.value,
        invited_by_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=body.expires_in_days),
    )
    db.add(invitation)
    await audit.record(
        db,
        actor,
        "org.invitation.create",
        "invitation",
        invitation.public_id,
        org_id=found.id,
        request=request,
        details={
            "org": found.name,
            "role": body.role.value,
            "email": body.email,
            "expires_in_days": body.expires_in_days,
        },
    )
    await db.flush()
    return InvitationCreated(
        **_out(invitation, actor.username or None).model_dump(),
        token=token,
        accept_url=f"{settings.public_url}/invitations/{token}",
    )


@router.delete(
    "/api/orgs/{org}/invitations/{public_id}",
    status_code=204,
    response_class=Response,
    summary="Revoke an invitation (admins)",
    responses=error_docs(401, 403, 404, 409),
)
async def revoke_invitation(
    org: OrgName, public_id: Annotated[str, Path(max_length=32)], db: DB, actor: SignedIn, request: Request
) -> Response:
    """Revoke a pending invitation: its link stops working. Needs the admin role."""
    found = await find_org(db, org)
    require(actor, Action.ORG_MEMBERS_INVITE, org_ref(found))
    invitation = (
        await db.execute(select(Invitation).where(Invitation.org_id == found.id, Invitation.public_id == public_id))
    ).scalar_one_or_none()
    if invitation is None:
        raise NotFound(f"No invitation {public_id!r} in org {found.name!r}", code="invitation_not_found")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted; remove the member instead", code="invitation_used")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        await audit.record(
            db,
            actor,
            "org.invitation.revoke",
            "invitation",
            public_id,
            org_id=found.id,
            request=request,
            details={"org": found.name},
        )
        await db.flush()
    return Response(status_code=204)


async def _by_token(db: AsyncSession, token: str, *, lock: bool = False) -> tuple[Invitation, Org, str | None]:
    """The invitation a link names with its org and inviter; 404 if unknown, 410 if it cannot be accepted."""
    stmt = (
        select(Invitation, Org, User.username)
        .join(Org, Org.id == Invitation.org_id)
        .outerjoin(User, User.id == Invitation.invited_by_id)
        .where(Invitation.token_hash == digest(token))
    )
    row = (await db.execute(stmt.with_for_update(of=Invitation) if lock else stmt)).first()
    if row is None:
        raise NotFound(
            "No such invitation; check the link, or ask an org admin for a new one", code="invitation_not_found"
        )
    invitation, org, inviter = row
    problem = (
        "was already used"
        if invitation.accepted_at is not None
        else "was revoked"
        if invitation.revoked_at is not None
        else "has expired"
        if invitation.expires_at <= utcnow()
        else None
    )
    if problem is not None:
        raise Gone(
            f"This invitation to org {org.name!r} {problem}; ask an org admin for a new one", code="invitation_gone"
        )
    return invitation, org, inviter


@router.get(
    "/api/invitations/{token}",
    response_model=InvitationPreview,
    summary="Preview an invitation link",
    responses=error_docs(404, 410),
)
async def preview_invitation(token: InvitationToken, db: DB, actor: ActorDep) -> InvitationPreview:
    """What a link invites to (org, role, inviter, expiry); anyone holding the link may look. 404 unknown,
    410 expired, used or revoked."""
    invitation, org, inviter = await _by_token(db, token)
    require(actor, Action.ORG_READ, org_ref(org))
    return InvitationPreview(
        org=org.name,
        org_display_name=org.display_name,
        role=Role(invitation.role),
        invited_by=inviter,
        expires_at=invitation.expires_at,
    )


@router.post(
    "/api/invitations/{token}/accept",
    response_model=InvitationAccepted,
    summary="Accept an invitation",
    responses=error_docs(401, 403, 404, 409, 410),
)
async def accept_invitation(token: InvitationToken, db: DB, actor: SignedIn, request: Request) -> InvitationAccepted:
    """Join the org with the invitation's role (signed-in users). 409 if already a member; 410 if the link
    expired, was used or was revoked."""
    assert actor.user_id is not None
    # Joining changes the caller's own account: a read-only or org-limited token may not.
    require(actor, Action.USER_UPDATE, UserRef(id=actor.user_id, username=actor.username))
    invitation, org, _ = await _by_token(db, token, lock=True)
    member = await db.scalar(
        select(Membership.role).where(Membership.org_id == org.id, Membership.user_id == actor.user_id)
    )
    if member is not None:
        raise Conflict(
            f"You are already a member of org {org.name!r} (role {member!r}); ask an admin to change your role",
            code="already_member",
        )
    now = utcnow()
    invitation.accepted_at, invitation.accepted_by_id = now, actor.user_id
    db.add(Membership(org_id=org.id, user_id=actor.user_id, role=invitation.role, created_at=now))
    await audit.record(
        db,
        actor,
        "invitation.accept",
        "invitation",
        invitation.public_id,
        org_id=org.id,
        request=request,
        details={"org": org.name, "role": invitation.role},
    )
    await db.flush()
    return InvitationAccepted(org=org.name, role=Role(invitation.role))
