"""The control plane's one access policy: who may do what to which org, team, Space, user or the site.

Pure functions over facts the caller has loaded (the actor's org roles and team grants, the resource's
owner and visibility); no database here. The API maps `visible() == False` to 404 and `can() == False` to 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Final, NamedTuple, TypeAlias

from podium_cp.roles import Role, Scope, Visibility


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user (by session or API token), an anonymous visitor, or the system.

    `scopes` is None unless the actor is an API token; `token_org_id` limits a token to one org.
    `roles` maps org id to the user's org role; `grants` maps org id to {Space name or "*": the best role
    any of the user's teams in that org grants}.
    """

    user_id: int | None
    username: str
    site_admin: bool = False
    via: str = "session"
    scopes: frozenset[Scope] | None = None
    token_org_id: int | None = None
    roles: Mapping[int, Role] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    grants: Mapping[int, Mapping[str, Role]] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    session_id: int | None = None
    token_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        """True for a signed-in user (session or token) and the system, False for an anonymous visitor."""
        return self.user_id is not None or self.via == "system"


ANONYMOUS: Final = Actor(user_id=None, username="", via="anonymous")
"""The actor of a request without a session or token."""

SYSTEM: Final = Actor(user_id=None, username="system", site_admin=True, via="system")
"""The control plane's own background work (reconcilers, cleanup): allowed everything."""


@dataclass(frozen=True)
class OrgRef:
    """An organisation, by id and name."""

    id: int
    name: str


@dataclass(frozen=True)
class TeamRef:
    """A team inside an org."""

    org_id: int
    org_name: str
    name: str


@dataclass(frozen=True)
class SpaceRef:
    """A Space, owned by exactly one of an org (`org_id`) or a user (`owner_user_id`)."""

    name: str
    visibility: Visibility
    org_id: int | None = None
    owner_user_id: int | None = None

    def __post_init__(self) -> None:
        if (self.org_id is None) == (self.owner_user_id is None):
            raise ValueError(f"Space {self.name!r} must be owned by exactly one of an org or a user")


@dataclass(frozen=True)
class UserRef:
    """A user account (profile, identities, password, API tokens)."""

    id: int
    username: str


@dataclass(frozen=True)
class SiteRef:
    """The Podium installation itself (site administration)."""


Resource: TypeAlias = OrgRef | TeamRef | SpaceRef | UserRef | SiteRef


class Action(str, Enum):
    """Everything the policy decides; the value names the resource kind it applies to."""

    ORG_READ = "org.read"
    ORG_UPDATE = "org.update"
    ORG_DELETE = "org.delete"
    ORG_MEMBERS_READ = "org.members.read"
    ORG_MEMBERS_INVITE = "org.members.invite"
    ORG_MEMBERS_SET_ROLE = "org.members.set_role"
    ORG_MEMBERS_SET_OWNER = "org.members.set_owner"
    ORG_MEMBERS_REMOVE = "org.members.remove"
    ORG_LEAVE = "org.leave"
    ORG_TRANSFER = "org.transfer"
    ORG_TEAMS_READ = "org.teams.read"
    ORG_TEAMS_MANAGE = "org.teams.manage"
    ORG_SECRETS_READ = "org.secrets.read"
    ORG_SECRETS_WRITE = "org.secrets.write"
    ORG_AUDIT_READ = "org.audit.read"
    ORG_SPACES_CREATE = "org.spaces.create"
    TEAM_READ = "team.read"
    TEAM_MANAGE = "team.manage"
    SPACE_READ = "space.read"
    SPACE_WRITE = "space.write"
    SPACE_ADMIN = "space.admin"
    USER_READ = "user.read"
    USER_UPDATE = "user.update"
    USER_TOKENS_MANAGE = "user.tokens.manage"
    SITE_ADMIN = "site.admin"


class _Rule(NamedTuple):
    kind: type[object]  # the resource class the action applies to
    role: Role | None  # minimum org role (org/team) or effective Space role; None: not role-based
    scope: Scope  # minimum token scope


_R, _W, _A, _O = Role.READ, Role.WRITE, Role.ADMIN, Role.OWNER

# The whole policy as data: resource kind, minimum role, minimum token scope.
RULES: Final[Mapping[Action, _Rule]] = MappingProxyType(
    {
        Action.ORG_READ: _Rule(OrgRef, None, Scope.READ),  # orgs are public namespaces
        Action.ORG_MEMBERS_READ: _Rule(OrgRef, _R, Scope.READ),
        Action.ORG_TEAMS_READ: _Rule(OrgRef, _R, Scope.READ),
        Action.ORG_SECRETS_READ: _Rule(OrgRef, _R, Scope.READ),  # names only
        Action.ORG_LEAVE: _Rule(OrgRef, _R, Scope.ADMIN),  # "last owner cannot leave" needs data: the API checks it
        Action.ORG_SPACES_CREATE: _Rule(OrgRef, _W, Scope.WRITE),
        Action.ORG_UPDATE: _Rule(OrgRef, _A, Scope.ADMIN),
        Action.ORG_MEMBERS_INVITE: _Rule(OrgRef, _A, Scope.ADMIN),
        Action.ORG_MEMBERS_SET_ROLE: _Rule(OrgRef, _A, Scope.ADMIN),
        Action.ORG_MEMBERS_REMOVE: _Rule(OrgRef, _A, Scope.ADMIN),
        Action.ORG_TEAMS_MANAGE: _Rule(OrgRef, _A, Scope.ADMIN),
        Action.ORG_SECRETS_WRITE: _Rule(OrgRef, _A, Scope.ADMIN),
        Action.ORG_AUDIT_READ: _Rule(OrgRef, _A, Scope.ADMIN),
        Action.ORG_DELETE: _Rule(OrgRef, _O, Scope.ADMIN),
        Action.ORG_TRANSFER: _Rule(OrgRef, _O, Scope.ADMIN),
        Action.ORG_MEMBERS_SET_OWNER: _Rule(OrgRef, _O, Scope.ADMIN),
        Action.TEAM_READ: _Rule(TeamRef, _R, Scope.READ),
        Action.TEAM_MANAGE: _Rule(TeamRef, _A, Scope.ADMIN),
        Action.SPACE_READ: _Rule(SpaceRef, _R, Scope.READ),  # public Spaces: anyone, see _space_role
        Action.SPACE_WRITE: _Rule(SpaceRef, _W, Scope.WRITE),
        Action.SPACE_ADMIN: _Rule(SpaceRef, _A, Scope.ADMIN),
        Action.USER_READ: _Rule(UserRef, None, Scope.READ),  # user.* : only the user themself
        Action.USER_UPDATE: _Rule(UserRef, None, Scope.ADMIN),
        Action.USER_TOKENS_MANAGE: _Rule(UserRef, None, Scope.ADMIN),
        Action.SITE_ADMIN: _Rule(SiteRef, None, Scope.ADMIN),  # site admins only
    }
)

_SCOPE_RANK: Final[Mapping[Scope, int]] = MappingProxyType({Scope.READ: 1, Scope.WRITE: 2, Scope.ADMIN: 3})


class PermissionDenied(Exception):
    """Raised by `require`: `actor` may not do `action` on `resource`; `message` says what is needed."""

    def __init__(self, action: Action, resource: Resource, message: str) -> None:
        super().__init__(message)
        self.action = action
        self.resource = resource
        self.message = message


def _rule(action: Action, resource: Resource) -> _Rule:
    rule = RULES[action]
    if not isinstance(resource, rule.kind):
        raise TypeError(f"{action.value!r} applies to a {rule.kind.__name__}, not a {type(resource).__name__}")
    return rule


def _org_id(resource: Resource) -> int | None:
    if isinstance(resource, OrgRef):
        return resource.id
    if isinstance(resource, (TeamRef, SpaceRef)):
        return resource.org_id
    return None


def _scope_allows(actor: Actor, scope: Scope) -> bool:
    return actor.scopes is None or any(_SCOPE_RANK[s] >= _SCOPE_RANK[scope] for s in actor.scopes)


def _token_org_allows(actor: Actor, action: Action, resource: Resource) -> bool:
    if actor.token_org_id is None or _org_id(resource) == actor.token_org_id:
        return True
    if action is Action.SPACE_READ and isinstance(resource, SpaceRef):
        return resource.visibility is Visibility.PUBLIC
    return action is Action.USER_READ and isinstance(resource, UserRef) and resource.id == actor.user_id


def _space_role(actor: Actor, space: SpaceRef) -> Role | None:
    """The actor's effective role on a Space: its owner, or the best of org role and team grants."""
    if space.owner_user_id is not None:
        return Role.OWNER if actor.user_id == space.owner_user_id else None
    assert space.org_id is not None
    org_role = actor.roles.get(space.org_id)
    if org_role is None:  # team grants count only for org members
        return None
    # On a private Space only org admins and owners see in without a team grant.
    best = org_role if space.visibility is not Visibility.PRIVATE or org_role.at_least(_A) else None
    grants = actor.grants.get(space.org_id, {})
    for key in (space.name, "*"):
        granted = grants.get(key)
        if granted is not None and (best is None or granted.rank > best.rank):
            best = granted
    return best


def _role_allows(actor: Actor, action: Action, resource: Resource, rule: _Rule) -> bool:
    if isinstance(resource, OrgRef | TeamRef):
        if rule.role is None:
            return True  # org.read: the public profile
        org_role = actor.roles.get(resource.id if isinstance(resource, OrgRef) else resource.org_id)
        return org_role is not None and org_role.at_least(rule.role)
    if isinstance(resource, SpaceRef):
        if action is Action.SPACE_READ and resource.visibility is Visibility.PUBLIC:
            return True
        effective = _space_role(actor, resource)
        return effective is not None and rule.role is not None and effective.at_least(rule.role)
    if isinstance(resource, UserRef):
        return actor.user_id == resource.id
    return False  # SiteRef: site admins only, handled by the caller


def can(actor: Actor, action: Action, resource: Resource) -> bool:
    """Whether `actor` may do `action` on `resource`. Raises TypeError if the action does not apply to it."""
    rule = _rule(action, resource)
    if not (_scope_allows(actor, rule.scope) and _token_org_allows(actor, action, resource)):
        return False  # token limits apply even to site admins
    if not actor.is_authenticated:
        return action is Action.ORG_READ or (
            action is Action.SPACE_READ and isinstance(resource, SpaceRef) and resource.visibility is Visibility.PUBLIC
        )
    if actor.site_admin:
        return True
    return _role_allows(actor, action, resource, rule)


def allowed(actor: Actor, resource: Resource, actions: Iterable[Action]) -> list[str]:
    """The names of those `actions` that `actor` may do on `resource`, in the order given (what the console
    shows as `can`: it offers a control only when its action is listed; the API checks again)."""
    return [action.value for action in actions if can(actor, action, resource)]


def visible(actor: Actor, resource: Resource) -> bool:
    """Whether `actor` may know `resource` exists; False must look like "not found" (404), not 403.

    Orgs, users and the site are public names. A Space is visible to those who can read it, a team to
    those who can read the org's teams.
    """
    if isinstance(resource, SpaceRef):
        return can(actor, Action.SPACE_READ, resource)
    if isinstance(resource, TeamRef):
        return can(actor, Action.TEAM_READ, resource)
    return True


def _describe(resource: Resource) -> str:
    if isinstance(resource, OrgRef):
        return f"org {resource.name!r}"
    if isinstance(resource, TeamRef):
        return f"team '{resource.org_name}/{resource.name}'"
    if isinstance(resource, SpaceRef):
        return f"Space {resource.name!r}"
    if isinstance(resource, UserRef):
        return f"user {resource.username!r}"
    return "this site"


def _explain(actor: Actor, action: Action, resource: Resource, rule: _Rule) -> str:
    what, needed = f"{action.value!r} on {_describe(resource)}", (rule.role or Role.READ).value
    if not _scope_allows(actor, rule.scope):
        have = ", ".join(sorted(s.value for s in actor.scopes or ())) or "none"
        return f"{what} needs a token with the {rule.scope.value!r} scope (this token has: {have}); create one with that scope"
    if not _token_org_allows(actor, action, resource):
        return f"{what} is outside the one org this token is limited to; use a token that is not limited to it"
    if not actor.is_authenticated:
        return f"{what} needs you to sign in"
    if isinstance(resource, OrgRef | TeamRef):
        org_name = resource.name if isinstance(resource, OrgRef) else resource.org_name
        return f"{action.value!r} needs the {needed!r} role in org {org_name!r}; ask an org admin"
    if isinstance(resource, SpaceRef):
        if resource.owner_user_id is not None:
            return f"{what} is only for the Space's owner"
        return f"{what} needs the {needed!r} role on it, from your org role or a team; ask an org admin"
    if isinstance(resource, UserRef):
        return f"{what} is only for that user themself"
    return f"{what} needs a site administrator"


def require(actor: Actor, action: Action, resource: Resource) -> None:
    """Return if `can(actor, action, resource)`, else raise PermissionDenied saying what is needed."""
    rule = _rule(action, resource)
    if not can(actor, action, resource):
        raise PermissionDenied(action, resource, _explain(actor, action, resource, rule))
