"""The access policy, cell by cell: every actor kind x every action x every Space visibility.

Pure policy (no database): the expected tables are written out by hand, not derived from the policy code.
"""

from __future__ import annotations

import itertools
from types import MappingProxyType

import pytest

from podium_cp.policy import (
    ANONYMOUS,
    SYSTEM,
    Action,
    Actor,
    OrgRef,
    PermissionDenied,
    Resource,
    SiteRef,
    SpaceRef,
    TeamRef,
    UserRef,
    can,
    require,
    visible,
)
from podium_cp.roles import Role, Scope, Visibility

ACME = OrgRef(id=1, name="acme")
OTHER_ORG = OrgRef(id=2, name="globex")
CORE_TEAM = TeamRef(org_id=1, org_name="acme", name="core")
ORG_SPACES = {v: SpaceRef(name=f"demo-{v.value}", visibility=v, org_id=1) for v in Visibility}
SPACE_NAMES = [s.name for s in ORG_SPACES.values()]


def member(user_id: int, name: str, role: Role, grant: Role | None = None, key: str | None = None) -> Actor:
    """A session user with `role` in acme and, optionally, a team grant on every acme test Space (or on `key`)."""
    grants = {}
    if grant is not None:
        grants = {1: {k: grant for k in ([key] if key else SPACE_NAMES)}}
    return Actor(user_id=user_id, username=name, roles={1: role}, grants=grants)


# Column order of the tables below.
ACTORS: dict[str, Actor] = {
    "anon": ANONYMOUS,
    "out": Actor(user_id=10, username="outsider"),
    "read": member(11, "reader", Role.READ),
    "write": member(12, "writer", Role.WRITE),
    "admin": member(13, "admin", Role.ADMIN),
    "owner": member(14, "owner", Role.OWNER),
    "gR": member(15, "granted-read", Role.READ, Role.READ),
    "gW": member(16, "granted-write", Role.READ, Role.WRITE),
    "gA": member(17, "granted-admin", Role.READ, Role.ADMIN),
    "g*W": member(18, "granted-all-write", Role.READ, Role.WRITE, key="*"),
    "site": Actor(user_id=19, username="root", site_admin=True),
}

# Y: allowed, .: refused. Org and team actions on org 'acme' / team 'acme/core'.
ORG_TABLE = """
action                 anon out read write admin owner gR gW gA g*W site
org.read                Y    Y   Y    Y     Y     Y    Y  Y  Y  Y   Y
org.members.read        .    .   Y    Y     Y     Y    Y  Y  Y  Y   Y
org.teams.read          .    .   Y    Y     Y     Y    Y  Y  Y  Y   Y
org.secrets.read        .    .   Y    Y     Y     Y    Y  Y  Y  Y   Y
org.leave               .    .   Y    Y     Y     Y    Y  Y  Y  Y   Y
org.spaces.create       .    .   .    Y     Y     Y    .  .  .  .   Y
org.update              .    .   .    .     Y     Y    .  .  .  .   Y
org.members.invite      .    .   .    .     Y     Y    .  .  .  .   Y
org.members.set_role    .    .   .    .     Y     Y    .  .  .  .   Y
org.members.remove      .    .   .    .     Y     Y    .  .  .  .   Y
org.teams.manage        .    .   .    .     Y     Y    .  .  .  .   Y
org.secrets.write       .    .   .    .     Y     Y    .  .  .  .   Y
org.audit.read          .    .   .    .     Y     Y    .  .  .  .   Y
org.delete              .    .   .    .     .     Y    .  .  .  .   Y
org.transfer            .    .   .    .     .     Y    .  .  .  .   Y
org.members.set_owner   .    .   .    .     .     Y    .  .  .  .   Y
team.read               .    .   Y    Y     Y     Y    Y  Y  Y  Y   Y
team.manage             .    .   .    .     Y     Y    .  .  .  .   Y
"""

# Spaces owned by org 'acme', one per visibility.
SPACE_TABLE = """
visibility action      anon out read write admin owner gR gW gA g*W site
public  space.read      Y    Y   Y    Y     Y     Y    Y  Y  Y  Y   Y
public  space.write     .    .   .    Y     Y     Y    .  Y  Y  Y   Y
public  space.admin     .    .   .    .     Y     Y    .  .  Y  .   Y
org     space.read      .    .   Y    Y     Y     Y    Y  Y  Y  Y   Y
org     space.write     .    .   .    Y     Y     Y    .  Y  Y  Y   Y
org     space.admin     .    .   .    .     Y     Y    .  .  Y  .   Y
private space.read      .    .   .    .     Y     Y    Y  Y  Y  Y   Y
private space.write     .    .   .    .     Y     Y    .  Y  Y  Y   Y
private space.admin     .    .   .    .     Y     Y    .  .  Y  .   Y
"""

# Spaces owned by user 'alice' (id 30); 'bob' is another user, 'acme-owner' owns org acme.
USER_ACTORS: dict[str, Actor] = {
    "anon": ANONYMOUS,
    "alice": Actor(user_id=30, username="alice"),
    "bob": Actor(user_id=31, username="bob"),
    "acme-owner": ACTORS["owner"],
    "site": ACTORS["site"],
}
USER_SPACES = {v: SpaceRef(name=f"alice-{v.value}", visibility=v, owner_user_id=30) for v in Visibility}
USER_SPACE_TABLE = """
visibility action      anon alice bob acme-owner site
public  space.read      Y    Y     Y   Y          Y
public  space.write     .    Y     .   .          Y
public  space.admin     .    Y     .   .          Y
org     space.read      .    Y     .   .          Y
org     space.write     .    Y     .   .          Y
org     space.admin     .    Y     .   .          Y
private space.read      .    Y     .   .          Y
private space.write     .    Y     .   .          Y
private space.admin     .    Y     .   .          Y
"""

# On user 'alice' herself, and on the site.
ALICE = UserRef(id=30, username="alice")
USER_TABLE = """
action              anon alice bob acme-owner site
user.read            .    Y     .   .          Y
user.update          .    Y     .   .          Y
user.tokens.manage   .    Y     .   .          Y
site.admin           .    .     .   .          Y
"""


def parse(table: str, keys: int) -> list[tuple[tuple[str, ...], str, bool]]:
    """Rows of a table as (row key, actor column, allowed)."""
    header, *rows = [line.split() for line in table.strip().splitlines()]
    columns = header[keys:]
    cells = []
    for row in rows:
        assert len(row) == keys + len(columns), row
        for column, mark in zip(columns, row[keys:]):
            assert mark in ("Y", "."), mark
            cells.append((tuple(row[:keys]), column, mark == "Y"))
    return cells


def cell_id(cell: tuple[tuple[str, ...], str, bool]) -> str:
    return "-".join(cell[0]) + "-" + cell[1]


def _org_resource(action: Action) -> Resource:
    return CORE_TEAM if action.value.startswith("team.") else ACME


@pytest.mark.parametrize("cell", parse(ORG_TABLE, 1), ids=cell_id)
def test_org_and_team_matrix(cell: tuple[tuple[str, ...], str, bool]) -> None:
    (action_name,), column, allowed = cell
    action = Action(action_name)
    assert can(ACTORS[column], action, _org_resource(action)) is allowed


@pytest.mark.parametrize("cell", parse(SPACE_TABLE, 2), ids=cell_id)
def test_org_space_matrix(cell: tuple[tuple[str, ...], str, bool]) -> None:
    (visibility, action_name), column, allowed = cell
    space = ORG_SPACES[Visibility(visibility)]
    assert can(ACTORS[column], Action(action_name), space) is allowed
    if action_name == "space.read":  # hidden exactly when unreadable
        assert visible(ACTORS[column], space) is allowed


@pytest.mark.parametrize("cell", parse(USER_SPACE_TABLE, 2), ids=cell_id)
def test_user_space_matrix(cell: tuple[tuple[str, ...], str, bool]) -> None:
    (visibility, action_name), column, allowed = cell
    space = USER_SPACES[Visibility(visibility)]
    assert can(USER_ACTORS[column], Action(action_name), space) is allowed
    if action_name == "space.read":
        assert visible(USER_ACTORS[column], space) is allowed


@pytest.mark.parametrize("cell", parse(USER_TABLE, 1), ids=cell_id)
def test_user_and_site_matrix(cell: tuple[tuple[str, ...], str, bool]) -> None:
    (action_name,), column, allowed = cell
    resource: Resource = SiteRef() if action_name == "site.admin" else ALICE
    assert can(USER_ACTORS[column], Action(action_name), resource) is allowed


def test_tables_cover_every_action() -> None:
    covered = {
        row[0][-1] for table, keys in ((ORG_TABLE, 1), (SPACE_TABLE, 2), (USER_TABLE, 1)) for row in parse(table, keys)
    }
    assert covered == {a.value for a in Action}


def test_visibility_of_orgs_teams_users_and_site() -> None:
    assert visible(ANONYMOUS, ACME) and visible(ANONYMOUS, ALICE) and visible(ANONYMOUS, SiteRef())
    assert not visible(ANONYMOUS, CORE_TEAM) and not visible(ACTORS["out"], CORE_TEAM)
    assert visible(ACTORS["read"], CORE_TEAM)


def test_team_grants_count_only_for_org_members() -> None:
    stale = Actor(user_id=40, username="ex-member", grants={1: {"*": Role.ADMIN}})
    assert not can(stale, Action.SPACE_READ, ORG_SPACES[Visibility.PRIVATE])
    assert not can(stale, Action.SPACE_WRITE, ORG_SPACES[Visibility.PUBLIC])


def test_grant_on_one_space_does_not_reach_another() -> None:
    actor = member(41, "narrow", Role.READ, Role.ADMIN, key="demo-private")
    other = SpaceRef(name="secret", visibility=Visibility.PRIVATE, org_id=1)
    assert can(actor, Action.SPACE_ADMIN, ORG_SPACES[Visibility.PRIVATE])
    assert not can(actor, Action.SPACE_READ, other) and not visible(actor, other)


def test_roles_in_one_org_do_not_reach_another() -> None:
    owner = ACTORS["owner"]
    other_space = SpaceRef(name="demo-private", visibility=Visibility.PRIVATE, org_id=2)
    assert not can(owner, Action.ORG_MEMBERS_READ, OTHER_ORG)
    assert not can(owner, Action.SPACE_READ, other_space)
    assert not can(owner, Action.TEAM_READ, TeamRef(org_id=2, org_name="globex", name="core"))


# --- monotonicity: a higher role or scope can do everything a lower one can -----------------------------

ROLES = sorted(Role, key=lambda r: r.rank)
SCOPES = [Scope.READ, Scope.WRITE, Scope.ADMIN]
ALL_RESOURCES: list[Resource] = [ACME, CORE_TEAM, *ORG_SPACES.values(), *USER_SPACES.values(), ALICE, SiteRef()]


def applicable(action: Action) -> list[Resource]:
    kind = {"org": OrgRef, "team": TeamRef, "space": SpaceRef, "user": UserRef, "site": SiteRef}[
        action.value.split(".")[0]
    ]
    return [r for r in ALL_RESOURCES if isinstance(r, kind)]


def assert_monotone(results: list[bool], what: str) -> None:
    # Once allowed, every later (higher) entry stays allowed.
    assert results == sorted(results), f"{what}: a lower level may do what a higher one may not: {results}"


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_org_roles_are_monotone(action: Action) -> None:
    for resource in applicable(action):
        results = [can(member(50, "m", role), action, resource) for role in ROLES]
        assert_monotone(results, f"{action.value} on {resource}")


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_team_grants_are_monotone(action: Action) -> None:
    for resource, key in itertools.product(applicable(action), ["demo-private", "*"]):
        results = [can(member(51, "m", Role.READ, grant, key=key), action, resource) for grant in ROLES]
        assert_monotone(results, f"{action.value} on {resource} via grant {key!r}")


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_token_scopes_are_monotone(action: Action) -> None:
    bases = [ACTORS["owner"], ACTORS["gA"], ACTORS["site"], USER_ACTORS["alice"]]
    for base, resource in itertools.product(bases, applicable(action)):
        by_scope = [can(token(base, {scope}), action, resource) for scope in SCOPES]
        assert_monotone([*by_scope, can(base, action, resource)], f"{action.value} on {resource} by {base.username}")


# --- tokens ---------------------------------------------------------------------------------------------


def token(base: Actor, scopes: set[Scope], org_id: int | None = None) -> Actor:
    return Actor(
        user_id=base.user_id,
        username=base.username,
        site_admin=base.site_admin,
        via="token",
        scopes=frozenset(scopes),
        token_org_id=org_id,
        roles=base.roles,
        grants=base.grants,
        token_id=99,
    )


def test_read_token_only_reads() -> None:
    reader = token(ACTORS["owner"], {Scope.READ})
    private = ORG_SPACES[Visibility.PRIVATE]
    assert can(reader, Action.SPACE_READ, private) and can(reader, Action.ORG_SECRETS_READ, ACME)
    assert not can(reader, Action.SPACE_WRITE, private)
    assert not can(reader, Action.ORG_SPACES_CREATE, ACME)
    assert not can(reader, Action.ORG_UPDATE, ACME)
    assert not can(reader, Action.ORG_LEAVE, ACME)


def test_write_token_changes_content_but_does_not_manage() -> None:
    writer = token(ACTORS["owner"], {Scope.WRITE})
    assert can(writer, Action.SPACE_WRITE, ORG_SPACES[Visibility.PRIVATE])
    assert can(writer, Action.ORG_SPACES_CREATE, ACME)
    assert not can(writer, Action.SPACE_ADMIN, ORG_SPACES[Visibility.PRIVATE])
    assert not can(writer, Action.ORG_MEMBERS_INVITE, ACME)
    assert not can(writer, Action.USER_TOKENS_MANAGE, UserRef(id=14, username="owner"))


def test_admin_token_does_what_the_user_can_and_no_more() -> None:
    for action in Action:
        for resource in applicable(action):
            expected = can(ACTORS["write"], action, resource)
            assert can(token(ACTORS["write"], {Scope.ADMIN}), action, resource) is expected, (action, resource)


def test_scopes_cap_site_admins_too() -> None:
    assert not can(token(ACTORS["site"], {Scope.READ}), Action.ORG_DELETE, ACME)
    assert not can(token(ACTORS["site"], {Scope.WRITE}), Action.SITE_ADMIN, SiteRef())
    assert can(token(ACTORS["site"], {Scope.ADMIN}), Action.SITE_ADMIN, SiteRef())


def test_token_with_no_scopes_can_do_nothing() -> None:
    empty = token(ACTORS["owner"], set())
    assert not any(can(empty, a, r) for a in Action for r in applicable(a))


def test_org_limited_token_stays_in_its_org() -> None:
    both = Actor(user_id=60, username="both", roles={1: Role.OWNER, 2: Role.OWNER})
    limited = token(both, {Scope.ADMIN}, org_id=1)
    globex_public = SpaceRef(name="pub", visibility=Visibility.PUBLIC, org_id=2)
    globex_org = SpaceRef(name="internal", visibility=Visibility.ORG, org_id=2)
    assert can(limited, Action.ORG_DELETE, ACME) and can(limited, Action.SPACE_ADMIN, ORG_SPACES[Visibility.PRIVATE])
    assert can(limited, Action.TEAM_MANAGE, CORE_TEAM)
    assert not can(limited, Action.ORG_MEMBERS_READ, OTHER_ORG)
    assert not can(limited, Action.ORG_READ, OTHER_ORG)
    assert not can(limited, Action.TEAM_READ, TeamRef(org_id=2, org_name="globex", name="core"))
    assert can(limited, Action.SPACE_READ, globex_public)
    assert not can(limited, Action.SPACE_WRITE, globex_public)
    assert not can(limited, Action.SPACE_READ, globex_org) and not visible(limited, globex_org)
    assert can(limited, Action.USER_READ, UserRef(id=60, username="both"))
    assert not can(limited, Action.USER_UPDATE, UserRef(id=60, username="both"))
    assert not can(limited, Action.USER_TOKENS_MANAGE, UserRef(id=60, username="both"))
    own_private = SpaceRef(name="mine", visibility=Visibility.PRIVATE, owner_user_id=60)
    assert not can(limited, Action.SPACE_READ, own_private)


def test_org_limited_token_of_a_site_admin_cannot_administer_the_site() -> None:
    limited = token(ACTORS["site"], {Scope.ADMIN}, org_id=1)
    assert can(limited, Action.ORG_DELETE, ACME)
    assert not can(limited, Action.SITE_ADMIN, SiteRef())
    assert not can(limited, Action.ORG_UPDATE, OTHER_ORG)


def test_anonymous_can_only_read_org_profiles_and_public_spaces() -> None:
    allowed = {(a, r) for a in Action for r in applicable(a) if can(ANONYMOUS, a, r)}
    public = {s for s in ALL_RESOURCES if isinstance(s, SpaceRef) and s.visibility is Visibility.PUBLIC}
    assert allowed == {(Action.ORG_READ, ACME)} | {(Action.SPACE_READ, s) for s in public}
    assert not ANONYMOUS.is_authenticated and ACTORS["out"].is_authenticated


# --- require, errors, shapes ----------------------------------------------------------------------------


def test_require_passes_silently_when_allowed() -> None:
    assert require(ACTORS["admin"], Action.ORG_UPDATE, ACME) is None


def test_require_says_which_role_is_needed() -> None:
    with pytest.raises(PermissionDenied) as denied:
        require(ACTORS["write"], Action.ORG_UPDATE, ACME)
    assert "needs the 'admin' role in org 'acme'" in str(denied.value)
    assert denied.value.action is Action.ORG_UPDATE and denied.value.resource == ACME
    assert denied.value.message == str(denied.value)
    with pytest.raises(PermissionDenied, match="needs the 'owner' role in org 'acme'"):
        require(ACTORS["admin"], Action.ORG_MEMBERS_SET_OWNER, ACME)
    with pytest.raises(PermissionDenied, match="needs the 'admin' role in org 'acme'"):
        require(ACTORS["read"], Action.TEAM_MANAGE, CORE_TEAM)
    with pytest.raises(PermissionDenied, match="'space.write' on Space 'demo-private' needs the 'write' role"):
        require(ACTORS["write"], Action.SPACE_WRITE, ORG_SPACES[Visibility.PRIVATE])


def test_require_explains_token_anonymous_user_and_site_refusals() -> None:
    with pytest.raises(PermissionDenied, match="needs a token with the 'write' scope \\(this token has: read\\)"):
        require(token(ACTORS["owner"], {Scope.READ}), Action.SPACE_WRITE, ORG_SPACES[Visibility.PUBLIC])
    with pytest.raises(PermissionDenied, match="outside the one org this token is limited to"):
        require(token(ACTORS["owner"], {Scope.ADMIN}, org_id=1), Action.ORG_MEMBERS_READ, OTHER_ORG)
    with pytest.raises(PermissionDenied, match="needs you to sign in"):
        require(ANONYMOUS, Action.ORG_MEMBERS_READ, ACME)
    with pytest.raises(PermissionDenied, match="only for that user themself"):
        require(USER_ACTORS["bob"], Action.USER_UPDATE, ALICE)
    with pytest.raises(PermissionDenied, match="needs a site administrator"):
        require(ACTORS["owner"], Action.SITE_ADMIN, SiteRef())
    with pytest.raises(PermissionDenied, match="only for the Space's owner"):
        require(USER_ACTORS["bob"], Action.SPACE_WRITE, USER_SPACES[Visibility.PUBLIC])


def test_action_on_the_wrong_kind_of_resource_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="'space.read' applies to a SpaceRef, not a OrgRef"):
        can(ACTORS["owner"], Action.SPACE_READ, ACME)


def test_space_has_exactly_one_owner() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SpaceRef(name="x", visibility=Visibility.PUBLIC, org_id=1, owner_user_id=2)
    with pytest.raises(ValueError, match="exactly one"):
        SpaceRef(name="x", visibility=Visibility.PUBLIC)


def test_actor_and_refs_are_immutable_and_hashable() -> None:
    actor = Actor(user_id=1, username="a", roles=MappingProxyType({1: Role.READ}))
    with pytest.raises(AttributeError):
        actor.username = "b"  # type: ignore[misc]
    assert len({ACME, OrgRef(id=1, name="acme"), CORE_TEAM, ALICE, SiteRef(), *ORG_SPACES.values()}) == 7
    assert hash(actor) == hash(Actor(user_id=1, username="a", roles={1: Role.READ}))


def test_system_actor_may_do_everything() -> None:
    assert SYSTEM.is_authenticated
    assert all(can(SYSTEM, a, r) for a in Action for r in applicable(a))
