"""`can` on Spaces and orgs (docs/design/console.md): every answer that shows a Space or an org lists what the
caller may do to it, from the one policy (`policy.allowed`), over the real API and Postgres."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from helpers import bearer, db_url, new_token, other_client, signup, sql, user_headers

from podium_cp.policy import ANONYMOUS, Action, Actor, OrgRef, SpaceRef, allowed
from podium_cp.roles import Role, Visibility

Headers = dict[str, str]
WRITE, ADMIN = "space.write", "space.admin"
ORG_ALL = ["org.update", "org.delete", "org.members.read", "org.members.invite", "org.members.set_role",
           "org.members.remove", "org.teams.read", "org.teams.manage", "org.audit.read", "org.spaces.create"]
ORG_READ = ["org.members.read", "org.teams.read"]
ORG_WRITE = ORG_READ + ["org.spaces.create"]
ORG_ADMIN = [a for a in ORG_ALL if a != "org.delete"]


def test_allowed_keeps_the_order_given_and_the_policy() -> None:
    space = SpaceRef(name="demo", visibility=Visibility.PUBLIC, org_id=1)
    writer = Actor(user_id=7, username="w", roles={1: Role.WRITE})
    assert allowed(writer, space, [Action.SPACE_ADMIN, Action.SPACE_WRITE, Action.SPACE_READ]) == [WRITE, "space.read"]
    assert allowed(ANONYMOUS, space, [Action.SPACE_WRITE, Action.SPACE_READ]) == ["space.read"]
    assert allowed(writer, OrgRef(id=1, name="acme"), [Action.ORG_DELETE, Action.ORG_SPACES_CREATE]) == [
        "org.spaces.create"
    ]
    assert allowed(writer, space, []) == []
    with pytest.raises(TypeError):
        allowed(writer, space, [Action.ORG_UPDATE])


@pytest.fixture
def acme(api: TestClient) -> dict[str, Headers]:
    """Org `acme`: alice owner, bob admin, carol write, dave read (dave's team `ops` has write on `ops-only`),
    eve an outsider; `site` the site admin. Spaces acme/demo (org), acme/secret (private), acme/open
    (public), acme/ops-only (org) and eve/mine (eve's own, private)."""
    people = {"site": user_headers(api, "siteadmin")}  # the first user is the site admin
    people.update({name: user_headers(api, name) for name in ("alice", "bob", "carol", "dave", "eve")})
    assert api.post("/api/orgs", json={"name": "acme"}, headers=people["alice"]).status_code == 201
    url = db_url(api)
    for name, role in (("bob", "admin"), ("carol", "write"), ("dave", "read")):
        sql(url, "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT o.id, u.id, :role, now() "
                 "FROM orgs o, users u WHERE o.name = 'acme' AND u.username = :name", role=role, name=name)
    for name, visibility in (("demo", "org"), ("secret", "private"), ("open", "public"), ("ops-only", "org")):
        created = api.post("/api/spaces", json={"owner": "acme", "name": name, "visibility": visibility},
                           headers=people["alice"])
        assert created.status_code == 201, created.text
    assert api.post("/api/spaces", json={"owner": "eve", "name": "mine", "visibility": "private"},
                    headers=people["eve"]).status_code == 201
    team = sql(url, "INSERT INTO teams (org_id, name, description, created_at) SELECT id, 'ops', '', now() "
                    "FROM orgs WHERE name = 'acme' RETURNING id")[0][0]
    sql(url, "INSERT INTO team_members (team_id, user_id, created_at) SELECT :team, id, now() FROM users "
             "WHERE username = 'dave'", team=team)
    sql(url, "INSERT INTO team_grants (team_id, space_name, role, created_at) VALUES (:team, 'ops-only', 'write', "
             "now())", team=team)
    return people


def can_on(api: TestClient, headers: Headers | None, space: str) -> list[str] | None:
    """`can` of GET /api/spaces/SPACE for that caller, or None when they get 404."""
    response = api.get(f"/api/spaces/{space}", headers=headers or {})
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    result: list[str] = response.json()["can"]
    return result


def test_space_can_follows_the_role(api: TestClient, acme: dict[str, Headers]) -> None:
    expected = {
        "alice": {"acme/demo": [WRITE, ADMIN], "acme/secret": [WRITE, ADMIN], "acme/open": [WRITE, ADMIN]},
        "bob": {"acme/demo": [WRITE, ADMIN], "acme/secret": [WRITE, ADMIN], "acme/open": [WRITE, ADMIN]},
        "carol": {"acme/demo": [WRITE], "acme/secret": None, "acme/open": [WRITE], "acme/ops-only": [WRITE]},
        "dave": {"acme/demo": [], "acme/secret": None, "acme/open": [], "acme/ops-only": [WRITE]},
        "eve": {"acme/demo": None, "acme/secret": None, "acme/open": [], "eve/mine": [WRITE, ADMIN]},
        "site": {"acme/secret": [WRITE, ADMIN], "eve/mine": [WRITE, ADMIN]},
    }
    for person, spaces in expected.items():
        for space, can in spaces.items():
            assert can_on(api, acme[person], space) == can, (person, space)
    anonymous = other_client(api)
    assert can_on(anonymous, None, "acme/open") == [] and can_on(anonymous, None, "acme/demo") is None
    assert can_on(api, acme["alice"], "eve/mine") is None


def test_every_space_answer_carries_can(api: TestClient, acme: dict[str, Headers]) -> None:
    listed = api.get("/api/spaces", params={"owner": "acme"}, headers=acme["dave"]).json()["items"]
    assert {s["name"]: s["can"] for s in listed} == {"demo": [], "open": [], "ops-only": [WRITE]}
    listed = api.get("/api/spaces", params={"owner": "acme"}, headers=acme["carol"]).json()["items"]
    assert {s["name"]: s["can"] for s in listed} == {"demo": [WRITE], "open": [WRITE], "ops-only": [WRITE]}
    anonymous = other_client(api).get("/api/spaces").json()["items"]
    assert [(s["name"], s["can"]) for s in anonymous] == [("open", [])]

    created = api.post("/api/spaces", json={"owner": "acme", "name": "new"}, headers=acme["carol"])
    assert created.status_code == 201 and created.json()["can"] == [WRITE]
    updated = api.patch("/api/spaces/acme/new", json={"title": "New"}, headers=acme["bob"])
    assert updated.status_code == 200 and updated.json()["can"] == [WRITE, ADMIN]
    # Making it private takes carol's read (and so her write) away; the answer to bob says what bob may do.
    assert api.patch("/api/spaces/acme/new", json={"visibility": "private"}, headers=acme["bob"]).json()["can"] == [
        WRITE, ADMIN
    ]
    assert can_on(api, acme["carol"], "acme/new") is None
    for action in ("restart", "pause", "resume"):
        answer = api.post(f"/api/spaces/acme/demo/{action}", headers=acme["alice"])
        assert answer.status_code == 200 and answer.json()["can"] == [WRITE, ADMIN], action
    assert api.post("/api/spaces/acme/ops-only/restart", headers=acme["dave"]).json()["can"] == [WRITE]


def test_space_can_respects_token_scopes(api: TestClient, acme: dict[str, Headers]) -> None:
    browser = other_client(api)
    signup(browser, "frank")
    sql(db_url(api), "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT o.id, u.id, 'owner', now() "
                     "FROM orgs o, users u WHERE o.name = 'acme' AND u.username = 'frank'")
    assert can_on(api, bearer(new_token(browser, scopes=["read"])), "acme/demo") == []
    assert can_on(api, bearer(new_token(browser, scopes=["write"])), "acme/demo") == [WRITE]
    assert can_on(browser, None, "acme/demo") == [WRITE, ADMIN]  # the browser's session: no scope limits
    token = bearer(new_token(browser, scopes=["read"]))
    org = api.get("/api/orgs/acme", headers=token).json()
    assert org["role"] == "owner" and org["can"] == ORG_READ


def test_org_can_follows_the_role(api: TestClient, acme: dict[str, Headers]) -> None:
    expected = {"alice": ORG_ALL, "bob": ORG_ADMIN, "carol": ORG_WRITE, "dave": ORG_READ, "eve": [], "site": ORG_ALL}
    for person, can in expected.items():
        org = api.get("/api/orgs/acme", headers=acme[person])
        assert org.status_code == 200 and org.json()["can"] == can, person
    assert other_client(api).get("/api/orgs/acme").json()["can"] == []
    for person in ("alice", "bob", "carol", "dave"):
        mine = api.get("/api/orgs", headers=acme[person]).json()["items"]
        assert [(o["name"], o["can"]) for o in mine] == [("acme", expected[person])], person
    assert api.get("/api/orgs", headers=acme["eve"]).json()["items"] == []


def test_a_new_org_answers_with_everything_an_owner_may_do(api: TestClient, acme: dict[str, Headers]) -> None:
    created = api.post("/api/orgs", json={"name": "newco"}, headers=acme["eve"])
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "owner" and created.json()["can"] == ORG_ALL
    updated = api.patch("/api/orgs/acme", json={"description": "d"}, headers=acme["bob"])
    assert updated.status_code == 200 and updated.json()["can"] == ORG_ADMIN
