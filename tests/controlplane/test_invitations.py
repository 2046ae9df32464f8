"""Invitations through the real API and Postgres: create (link shown once), list, preview, accept, revoke, expiry."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import audit_actions, csrf_headers, db_url, other_client, signup, sql, user_headers

Headers = dict[str, str]


@pytest.fixture
def acme(api: TestClient) -> dict[str, Headers]:
    """Org `acme`: alice owner, bob admin, carol write, dave read; eve and frank outsiders (plain users)."""
    signup(other_client(api), "siteadmin")  # the first user is a site admin; the users under test are not
    people = {name: user_headers(api, name) for name in ("alice", "bob", "carol", "dave", "eve", "frank")}
    assert api.post("/api/orgs", json={"name": "acme"}, headers=people["alice"]).status_code == 201
    for name, role in (("bob", "admin"), ("carol", "write"), ("dave", "read")):
        sql(
            str(api.app.state.settings.database_url),  # type: ignore[attr-defined]
            "INSERT INTO memberships (org_id, user_id, role, created_at) "
            "SELECT o.id, u.id, :role, now() FROM orgs o, users u WHERE o.name = 'acme' AND u.username = :name",
            role=role, name=name,
        )
    return people


def _invite(api: TestClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = api.post("/api/orgs/acme/invitations", json={"role": "write", **body}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _role_of(api: TestClient, headers: Headers, username: str) -> str | None:
    members = api.get("/api/orgs/acme/members", headers=headers).json()["items"]
    return next((m["role"] for m in members if m["username"] == username), None)


def test_invite_preview_accept(api: TestClient, acme: dict[str, Headers]) -> None:
    created = _invite(api, acme["bob"], email="eve@example.com", role="write", expires_in_days=3)
    token = created["token"]
    assert token.startswith("pdi_")
    assert created["accept_url"] == f"http://testserver/invitations/{token}"
    assert created["invited_by"] == "bob" and created["role"] == "write"
    # The token is stored only as a digest, and never appears in the list or the audit log.
    stored = sql(db_url(api), "SELECT token_hash FROM invitations")[0][0]
    assert token not in stored
    listed = api.get("/api/orgs/acme/invitations", headers=acme["bob"])
    assert listed.status_code == 200
    assert [i["public_id"] for i in listed.json()["items"]] == [created["public_id"]]
    assert token not in listed.text
    preview = api.get(f"/api/invitations/{token}")  # anyone with the link, signed in or not
    assert preview.status_code == 200
    assert preview.json()["org"] == "acme" and preview.json()["role"] == "write"
    assert preview.json()["invited_by"] == "bob"
    accepted = api.post(f"/api/invitations/{token}/accept", headers=acme["eve"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"org": "acme", "role": "write"}
    assert _role_of(api, acme["eve"], "eve") == "write"
    assert api.get("/api/orgs/acme/invitations", headers=acme["bob"]).json()["items"] == []  # no longer pending
    actions = audit_actions(db_url(api))
    assert "org.invitation.create" in actions and "invitation.accept" in actions
    assert not sql(db_url(api), "SELECT id FROM audit_events WHERE details::text LIKE :t", t=f"%{token}%")


def test_accept_by_cookie_needs_csrf(api: TestClient, acme: dict[str, Headers]) -> None:
    token = _invite(api, acme["bob"])["token"]
    browser = other_client(api)
    signup(browser, "gina")
    assert browser.post(f"/api/invitations/{token}/accept").status_code == 403
    assert browser.post(f"/api/invitations/{token}/accept", headers=csrf_headers(browser)).status_code == 200


def test_accept_needs_sign_in(api: TestClient, acme: dict[str, Headers]) -> None:
    token = _invite(api, acme["bob"])["token"]
    anonymous = TestClient(api.app, base_url="http://testserver")
    assert anonymous.post(f"/api/invitations/{token}/accept").status_code == 401


def test_only_admins_invite_and_only_owners_invite_owners(api: TestClient, acme: dict[str, Headers]) -> None:
    for name in ("carol", "dave", "eve"):
        refused = api.post("/api/orgs/acme/invitations", json={"role": "read"}, headers=acme[name])
        assert refused.status_code == 403, name
        assert api.get("/api/orgs/acme/invitations", headers=acme[name]).status_code == 403
    as_owner = api.post("/api/orgs/acme/invitations", json={"role": "owner"}, headers=acme["bob"])
    assert as_owner.status_code == 403 and "'owner' role" in as_owner.json()["error"]["message"]
    owner_link = _invite(api, acme["alice"], role="owner")["token"]
    assert api.post(f"/api/invitations/{owner_link}/accept", headers=acme["eve"]).status_code == 200
    assert _role_of(api, acme["alice"], "eve") == "owner"


def test_invitation_input_is_checked(api: TestClient, acme: dict[str, Headers]) -> None:
    for body in ({"role": "write", "expires_in_days": 0}, {"role": "write", "expires_in_days": 31},
                 {"role": "boss"}, {"role": "read", "email": "not an email"}):
        response = api.post("/api/orgs/acme/invitations", json=body, headers=acme["bob"])
        assert response.status_code == 422, body
    missing = api.post("/api/orgs/nope/invitations", json={"role": "read"}, headers=acme["bob"])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "org_not_found"


def test_used_invitation_is_gone(api: TestClient, acme: dict[str, Headers]) -> None:
    token = _invite(api, acme["bob"])["token"]
    assert api.post(f"/api/invitations/{token}/accept", headers=acme["eve"]).status_code == 200
    for response in (api.post(f"/api/invitations/{token}/accept", headers=acme["frank"]),
                     api.get(f"/api/invitations/{token}")):
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "invitation_gone"
        assert "already used" in response.json()["error"]["message"]
    assert _role_of(api, acme["alice"], "frank") is None


def test_expired_invitation_is_gone(api: TestClient, acme: dict[str, Headers]) -> None:
    created = _invite(api, acme["bob"])
    sql(db_url(api), "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE public_id = :p",
        p=created["public_id"])
    response = api.post(f"/api/invitations/{created['token']}/accept", headers=acme["eve"])
    assert response.status_code == 410 and "has expired" in response.json()["error"]["message"]
    assert "ask an org admin for a new one" in response.json()["error"]["message"]
    assert api.get("/api/orgs/acme/invitations", headers=acme["bob"]).json()["items"] == []


def test_revoked_invitation_is_gone(api: TestClient, acme: dict[str, Headers]) -> None:
    created = _invite(api, acme["bob"])
    path = f"/api/orgs/acme/invitations/{created['public_id']}"
    assert api.delete(path, headers=acme["carol"]).status_code == 403
    assert api.delete(path, headers=acme["bob"]).status_code == 204
    response = api.post(f"/api/invitations/{created['token']}/accept", headers=acme["eve"])
    assert response.status_code == 410 and "was revoked" in response.json()["error"]["message"]
    assert "org.invitation.revoke" in audit_actions(db_url(api))
    unknown = api.delete("/api/orgs/acme/invitations/inv_nope", headers=acme["bob"])
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "invitation_not_found"


def test_unknown_invitation_is_not_found(api: TestClient, acme: dict[str, Headers]) -> None:
    assert api.get("/api/invitations/pdi_nothing").status_code == 404
    response = api.post("/api/invitations/pdi_nothing/accept", headers=acme["eve"])
    assert response.status_code == 404 and response.json()["error"]["code"] == "invitation_not_found"


def test_members_cannot_accept_again(api: TestClient, acme: dict[str, Headers]) -> None:
    token = _invite(api, acme["bob"], role="admin")["token"]
    response = api.post(f"/api/invitations/{token}/accept", headers=acme["dave"])
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_member"
    assert _role_of(api, acme["alice"], "dave") == "read"
    assert api.get(f"/api/invitations/{token}").status_code == 200  # still usable by someone else
