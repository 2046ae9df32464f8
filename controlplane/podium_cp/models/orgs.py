"""Orgs, their members and roles, teams with grants on Spaces, and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from podium_cp.db.base import Base, CreatedMixin, IdMixin
from podium_cp.models.identity import NAME_PATTERN

ROLE_CHECK = "role IN ('read', 'write', 'admin', 'owner')"


class Org(IdMixin, CreatedMixin, Base):
    """A team's namespace for Spaces. `name` shares one namespace with usernames (the service checks both)."""

    __tablename__ = "orgs"
    __table_args__ = (CheckConstraint(f"name ~ '{NAME_PATTERN}'", name="name_format"),)

    name: Mapped[str] = mapped_column(String(39), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(String(500), default="")


class Membership(IdMixin, CreatedMixin, Base):
    """A user's role in an org. Every org keeps at least one `owner`."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        CheckConstraint(ROLE_CHECK, name="role_known"),
        # Member lists page through an org's memberships in id order.
        Index("ix_memberships_org_id_id", "org_id", "id"),
    )

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))


class Team(IdMixin, CreatedMixin, Base):
    """A group of org members with grants of their own on the org's Spaces."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("org_id", "name"), CheckConstraint(f"name ~ '{NAME_PATTERN}'", name="name_format"))

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(39))
    description: Mapped[str] = mapped_column(String(500), default="")


class TeamMember(CreatedMixin, Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class TeamGrant(IdMixin, CreatedMixin, Base):
    """A team's role on one Space of its org (`space_name`), or on all of them (`*`). Never `owner`."""

    __tablename__ = "team_grants"
    __table_args__ = (
        UniqueConstraint("team_id", "space_name"),
        CheckConstraint("role IN ('read', 'write', 'admin')", name="role_known"),
    )

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    space_name: Mapped[str] = mapped_column(String(96))
    role: Mapped[str] = mapped_column(String(8))


class Invitation(IdMixin, CreatedMixin, Base):
    """An invitation to join an org with a role: a secret link (stored hashed) that expires and is used once."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role_known"),)

    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))  # informative; whoever holds the link may accept
    role: Mapped[str] = mapped_column(String(8))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
