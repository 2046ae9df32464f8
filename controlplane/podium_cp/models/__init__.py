"""Every table of the control plane. Importing this package registers them all on `Base.metadata`."""

from podium_cp.models.audit import AuditEvent
from podium_cp.models.deep_links import DeepLink
from podium_cp.models.identity import ApiToken, Identity, LoginState, User, WebSession
from podium_cp.models.oauth import OAuthClient, OAuthCode, OAuthToken, SigningKey
from podium_cp.models.orgs import Invitation, Membership, Org, Team, TeamGrant, TeamMember
from podium_cp.models.secrets import Secret
from podium_cp.models.share import ShareLink
from podium_cp.models.space_share import SpaceShareLink
from podium_cp.models.spaces import (
    Build,
    BuildLogLine,
    Flavor,
    OrgQuota,
    RuntimeCapacity,
    Space,
    SpaceRevision,
    SpaceRuntime,
    SpaceSecret,
    SpaceStageEvent,
    SpaceVariable,
)

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Build",
    "BuildLogLine",
    "DeepLink",
    "Flavor",
    "OrgQuota",
    "RuntimeCapacity",
    "Space",
    "SpaceRevision",
    "SpaceRuntime",
    "SpaceSecret",
    "SpaceShareLink",
    "SpaceStageEvent",
    "SpaceVariable",
    "Identity",
    "Invitation",
    "LoginState",
    "Membership",
    "OAuthClient",
    "OAuthCode",
    "OAuthToken",
    "Org",
    "Secret",
    "ShareLink",
    "SigningKey",
    "Team",
    "TeamGrant",
    "TeamMember",
    "User",
    "WebSession",
]
