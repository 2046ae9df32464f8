"""Orgs and members through the real API and Postgres: create, read, update, delete, roles, leave, transfer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from helpers import audit_actions, bearer, csrf_headers, new_token, other_client, signup, sql

Headers = dict[str, str]
MakeUser = Callable[[str], Headers]


@pytest.fixture
def user(api: TestClient) -> MakeUser:
    """Sign a user up in a browser of their own; returns the headers of a full-scope API token of theirs.

    A site admin (the first user, who may do anything) is signed up first so the users under test are plain.
    """
    signup(other_client(api), "siteadmin")

    def make(username: str) -> Headers:
        browser = other_client(api)
        signup(browser, username)
        return bearer(new_token(browser))

    return make


@pytest.fixture
def acme(api: TestClient, user: MakeUser) -> dict[str, Headers]:
    """Org `acme` owned by alice, with bob (admin), carol (write), dave (read); and eve, an outsider."""
    people = {name: user(name) for name in ("alice", "bob", "carol", "dave", "eve")}
    assert api.post("/api/orgs", json={"name": "acme"}, headers=people["alice"]).status_code == 201
    for name, role in (("bob", "admin"), ("carol", "write"), ("dave", "read")):
        sql(
            _db_url(api),
            "INSERT INTO memberships (org_id, user_id, role, created_at) "
            "SELECT o.id, u.id, :role, now() FROM orgs o, users u WHERE o.name = 'acme' AND u.username = :name",
            role=role, name=name,
        )
    return people


def _db_url(api: TestClient) -> str:
    return str(api.app.state.settings.database_url)  # type: ignore[attr-defined]


def _roles(api: TestClient, headers: Headers) -> dict[str, str]:
    response = api.get("/api/orgs/acme/members", headers=headers)
    assert response.status_code == 200, response.text
    return {m["username"]: m["role"] for m in response.json()["items"]}


def test_create_org_makes_the_creator_owner_and_is_audited(api: TestClient, user: MakeUser) -> None:
    alice = user("alice")
    response = api.post(
        "/api/orgs", json={"name": "acme", "display_name": "Acme", "description": "Rockets"}, headers=alice
    )
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "owner"
    assert response.json()["display_name"] == "Acme"
    mine = api.get("/api/orgs", headers=alice).json()
    assert [(o["name"], o["role"]) for o in mine["items"]] == [("acme", "owner")]
    assert mine["next_cursor"] is None
    assert _roles(api, alice) == {"alice": "owner"}
    assert "org.create" in audit_actions(_db_url(api))


def test_create_org_refuses_taken_names_and_bad_formats(api: TestClient, user: MakeUser) -> None:
    alice = user("alice")
    assert api.post("/api/orgs", json={"name": "acme"}, headers=alice).status_code == 201
    again = api.post("/api/orgs", json={"name": "acme"}, headers=alice)
    assert again.status_code == 409 and again.json()["error"]["code"] == "name_taken"
    username = api.post("/api/orgs", json={"name": "alice"}, headers=alice)  # usernames share the namespace
    assert username.status_code == 409 and username.json()["error"]["code"] == "name_taken"
    for bad in ("Acme", "-acme", "a_b", "x" * 40, ""):
        response = api.post("/api/orgs", json={"name": bad}, headers=alice)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "invalid_input"


def test_create_org_needs_sign_in_and_a_full_token(api: TestClient, user: MakeUser) -> None:
    user("alice")
    assert api.post("/api/orgs", json={"name": "acme"}).status_code in (401, 403)
    browser = other_client(api)
    signup(browser, "zed")
    read_only = bearer(new_token(browser, scopes=["read"]))
    response = api.post("/api/orgs", json={"name": "acme"}, headers=read_only)
    assert response.status_code == 403
    assert "scope" in response.json()["error"]["message"]


def test_create_org_by_cookie_needs_csrf(api: TestClient, user: MakeUser) -> None:
    user("alice")
    browser = other_client(api)
    signup(browser, "zed")
    assert browser.post("/api/orgs", json={"name": "acme"}).status_code == 403
    assert browser.post("/api/orgs", json={"name": "acme"}, headers=csrf_headers(browser)).status_code == 201


def test_get_org_is_public_and_shows_the_callers_role(api: TestClient, acme: dict[str, Headers]) -> None:
    assert api.get("/api/orgs/acme", headers=acme["carol"]).json()["role"] == "write"
    assert api.get("/api/orgs/acme", headers=acme["eve"]).json()["role"] is None
    missing = api.get("/api/orgs/nope", headers=acme["alice"])
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": "org_not_found", "message": "No org named 'nope'"}


def test_update_org_needs_admin(api: TestClient, acme: dict[str, Headers]) -> None:
    response = api.patch("/api/orgs/acme", json={"display_name": "ACME Inc"}, headers=acme["bob"])
    assert response.status_code == 200 and response.json()["display_name"] == "ACME Inc"
    for name in ("carol", "dave", "eve"):
        refused = api.patch("/api/orgs/acme", json={"description": "x"}, headers=acme[name])
        assert refused.status_code == 403, name
        assert "'admin' role" in refused.json()["error"]["message"]
    assert "org.update" in audit_actions(_db_url(api))


def test_delete_org_needs_owner(api: TestClient, acme: dict[str, Headers]) -> None:
    refused = api.delete("/api/orgs/acme", headers=acme["bob"])
    assert refused.status_code == 403 and "'owner' role" in refused.json()["error"]["message"]
    assert api.delete("/api/orgs/acme", headers=acme["alice"]).status_code == 204
    assert api.get("/api/orgs/acme", headers=acme["alice"]).status_code == 404
    assert api.get("/api/orgs", headers=acme["bob"]).json()["items"] == []
    assert "org.delete" in audit_actions(_db_url(api))


def test_members_list_is_for_members_only(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _roles(api, acme["dave"]) == {"alice": "owner", "bob": "admin", "carol": "write", "dave": "read"}
    outsider = api.get("/api/orgs/acme/members", headers=acme["eve"])
    assert outsider.status_code == 403
    page = api.get("/api/orgs/acme/members?limit=3", headers=acme["dave"]).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = api.get(f"/api/orgs/acme/members?limit=3&cursor={page['next_cursor']}", headers=acme["dave"]).json()
    assert [m["username"] for m in rest["items"]] == ["dave"] and rest["next_cursor"] is None


def test_admin_sets_roles_of_non_owners(api: TestClient, acme: dict[str, Headers]) -> None:
    response = api.patch("/api/orgs/acme/members/dave", json={"role": "write"}, headers=acme["bob"])
    assert response.status_code == 200 and response.json()["role"] == "write"
    assert _roles(api, acme["bob"])["dave"] == "write"
    row = sql(_db_url(api), "SELECT details FROM audit_events WHERE action = 'org.member.role'")[0][0]
    assert row == {"org": "acme", "from": "read", "to": "write"}


def test_role_changes_refused(api: TestClient, acme: dict[str, Headers]) -> None:
    for name in ("carol", "dave", "eve"):  # write, read, outsider
        assert api.patch("/api/orgs/acme/members/dave", json={"role": "admin"}, headers=acme[name]).status_code == 403
    # An admin may neither grant nor take the owner role.
    grant = api.patch("/api/orgs/acme/members/carol", json={"role": "owner"}, headers=acme["bob"])
    assert grant.status_code == 403 and "'owner' role" in grant.json()["error"]["message"]
    demote = api.patch("/api/orgs/acme/members/alice", json={"role": "read"}, headers=acme["bob"])
    assert demote.status_code == 403
    unknown = api.patch("/api/orgs/acme/members/eve", json={"role": "read"}, headers=acme["bob"])
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "member_not_found"
    bad = api.patch("/api/orgs/acme/members/dave", json={"role": "god"}, headers=acme["bob"])
    assert bad.status_code == 422


def test_last_owner_cannot_be_demoted_but_one_of_two_can(api: TestClient, acme: dict[str, Headers]) -> None:
    last = api.patch("/api/orgs/acme/members/alice", json={"role": "admin"}, headers=acme["alice"])
    assert last.status_code == 409
    assert last.json()["error"]["code"] == "last_owner"
    assert "transfer ownership first" in last.json()["error"]["message"]
    assert api.patch("/api/orgs/acme/members/bob", json={"role": "owner"}, headers=acme["alice"]).status_code == 200
    assert api.patch("/api/orgs/acme/members/alice", json={"role": "admin"}, headers=acme["alice"]).status_code == 200
    assert _roles(api, acme["bob"])["alice"] == "admin"


def test_last_owner_cannot_leave_or_be_removed(api: TestClient, acme: dict[str, Headers]) -> None:
    leave = api.delete("/api/orgs/acme/members/alice", headers=acme["alice"])
    assert leave.status_code == 409 and leave.json()["error"]["code"] == "last_owner"
    assert "transfer ownership first" in leave.json()["error"]["message"]
    removed_by_admin = api.delete("/api/orgs/acme/members/alice", headers=acme["bob"])
    assert removed_by_admin.status_code == 403  # an admin may not remove an owner at all
    assert _roles(api, acme["alice"])["alice"] == "owner"


def test_admin_removes_a_member_and_their_team_memberships(api: TestClient, acme: dict[str, Headers]) -> None:
    assert api.post("/api/orgs/acme/teams", json={"name": "ml"}, headers=acme["bob"]).status_code == 201
    assert api.put("/api/orgs/acme/teams/ml/members/dave", headers=acme["bob"]).status_code == 200
    assert api.delete("/api/orgs/acme/members/dave", headers=acme["carol"]).status_code == 403  # write may not
    assert api.delete("/api/orgs/acme/members/dave", headers=acme["bob"]).status_code == 204
    assert "dave" not in _roles(api, acme["bob"])
    assert sql(_db_url(api), "SELECT count(*) FROM team_members")[0][0] == 0
    assert api.get("/api/orgs/acme/members", headers=acme["dave"]).status_code == 403
    assert "org.member.remove" in audit_actions(_db_url(api))


def test_any_member_may_leave(api: TestClient, acme: dict[str, Headers]) -> None:
    assert api.delete("/api/orgs/acme/members/dave", headers=acme["dave"]).status_code == 204
    assert api.get("/api/orgs", headers=acme["dave"]).json()["items"] == []
    assert "org.leave" in audit_actions(_db_url(api))
    assert api.delete("/api/orgs/acme/members/eve", headers=acme["eve"]).status_code == 403  # not a member


def test_transfer_makes_the_target_owner_and_the_caller_admin(api: TestClient, acme: dict[str, Headers]) -> None:
    assert api.post("/api/orgs/acme/transfer", json={"username": "dave"}, headers=acme["bob"]).status_code == 403
    outsider = api.post("/api/orgs/acme/transfer", json={"username": "eve"}, headers=acme["alice"])
    assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "member_not_found"
    response = api.post("/api/orgs/acme/transfer", json={"username": "dave"}, headers=acme["alice"])
    assert response.status_code == 200, response.text
    assert {m["username"]: m["role"] for m in response.json()} == {"dave": "owner", "alice": "admin"}
    assert _roles(api, acme["alice"]) == {"alice": "admin", "bob": "admin", "carol": "write", "dave": "owner"}
    # alice is no longer an owner, so alice can now leave; dave, the only owner, cannot.
    assert api.delete("/api/orgs/acme/members/dave", headers=acme["dave"]).status_code == 409
    assert api.delete("/api/orgs/acme/members/alice", headers=acme["alice"]).status_code == 204
    assert "org.transfer" in audit_actions(_db_url(api))


def test_org_limited_token_lists_only_its_org(api: TestClient, user: MakeUser) -> None:
    user("alice")
    browser = other_client(api)
    signup(browser, "zed")
    full = bearer(new_token(browser))
    for name in ("one", "two"):
        assert api.post("/api/orgs", json={"name": name}, headers=full).status_code == 201
    limited = bearer(new_token(browser, org="two"))
    assert [o["name"] for o in api.get("/api/orgs", headers=limited).json()["items"]] == ["two"]
    assert api.patch("/api/orgs/one", json={"description": "x"}, headers=limited).status_code == 403
