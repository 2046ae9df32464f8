"""Teams and grants, org secrets (sealed at rest, never shown) and reading the audit log, over the real API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from helpers import audit_actions, db_url, other_client, signup, sql, user_headers

Headers = dict[str, str]
SECRET_VALUE = "s3cr3t-value-that-must-never-leak-9f8e7d"


@pytest.fixture
def acme(api: TestClient) -> dict[str, Headers]:
    """Org `acme`: alice owner, bob admin, carol write, dave read; eve an outsider."""
    signup(other_client(api), "siteadmin")  # the first user is a site admin; the users under test are not
    people = {name: user_headers(api, name) for name in ("alice", "bob", "carol", "dave", "eve")}
    assert api.post("/api/orgs", json={"name": "acme"}, headers=people["alice"]).status_code == 201
    for name, role in (("bob", "admin"), ("carol", "write"), ("dave", "read")):
        sql(
            db_url(api),
            "INSERT INTO memberships (org_id, user_id, role, created_at) "
            "SELECT o.id, u.id, :role, now() FROM orgs o, users u WHERE o.name = 'acme' AND u.username = :name",
            role=role, name=name,
        )
    return people


# --- teams -------------------------------------------------------------------------------------------


def test_team_lifecycle(api: TestClient, acme: dict[str, Headers]) -> None:
    bob = acme["bob"]
    created = api.post("/api/orgs/acme/teams", json={"name": "ml", "description": "Models"}, headers=bob)
    assert created.status_code == 201 and created.json()["name"] == "ml"
    again = api.post("/api/orgs/acme/teams", json={"name": "ml"}, headers=bob)
    assert again.status_code == 409 and again.json()["error"]["code"] == "team_exists"
    assert api.post("/api/orgs/acme/teams", json={"name": "Bad_Name"}, headers=bob).status_code == 422
    assert [t["name"] for t in api.get("/api/orgs/acme/teams", headers=acme["dave"]).json()["items"]] == ["ml"]
    assert api.put("/api/orgs/acme/teams/ml/members/carol", headers=bob).status_code == 200
    assert api.put("/api/orgs/acme/teams/ml/members/carol", headers=bob).status_code == 200  # idempotent
    grant = api.put("/api/orgs/acme/teams/ml/grants/demo", json={"role": "admin"}, headers=bob)
    assert grant.status_code == 200 and grant.json() == {"space": "demo", "role": "admin"}
    assert api.put("/api/orgs/acme/teams/ml/grants/*", json={"role": "read"}, headers=bob).status_code == 200
    detail = api.get("/api/orgs/acme/teams/ml", headers=acme["dave"]).json()
    assert [m["username"] for m in detail["members"]] == ["carol"]
    assert detail["grants"] == [{"space": "*", "role": "read"}, {"space": "demo", "role": "admin"}]
    grants = api.get("/api/orgs/acme/teams/ml/grants", headers=acme["dave"]).json()
    assert sorted(grants["items"], key=lambda g: g["space"]) == sorted(detail["grants"], key=lambda g: g["space"])
    assert grants["next_cursor"] is None
    assert api.patch("/api/orgs/acme/teams/ml", json={"description": "ML"}, headers=bob).json()["description"] == "ML"
    assert api.delete("/api/orgs/acme/teams/ml/grants/demo", headers=bob).status_code == 204
    assert api.delete("/api/orgs/acme/teams/ml/grants/demo", headers=bob).status_code == 404
    assert api.delete("/api/orgs/acme/teams/ml/members/carol", headers=bob).status_code == 204
    assert api.delete("/api/orgs/acme/teams/ml", headers=bob).status_code == 204
    assert api.get("/api/orgs/acme/teams/ml", headers=bob).status_code == 404
    actions = audit_actions(db_url(api))
    for action in ("team.create", "team.member.add", "team.grant", "team.update", "team.revoke",
                   "team.member.remove", "team.delete"):
        assert action in actions, action
    assert actions.count("team.member.add") == 1


def test_team_grants_reach_the_members_actor(api: TestClient, acme: dict[str, Headers]) -> None:
    """A grant changes what the member may do: it shows in the policy's view of them (load_actor)."""
    bob = acme["bob"]
    api.post("/api/orgs/acme/teams", json={"name": "ml"}, headers=bob)
    api.put("/api/orgs/acme/teams/ml/members/dave", headers=bob)
    api.put("/api/orgs/acme/teams/ml/grants/demo", json={"role": "write"}, headers=bob)
    rows = sql(db_url(api), "SELECT g.space_name, g.role FROM team_grants g JOIN team_members m USING (team_id) "
                          "JOIN users u ON u.id = m.user_id WHERE u.username = 'dave'")
    assert [tuple(r) for r in rows] == [("demo", "write")]


def test_team_refusals(api: TestClient, acme: dict[str, Headers]) -> None:
    bob = acme["bob"]
    api.post("/api/orgs/acme/teams", json={"name": "ml"}, headers=bob)
    for name in ("carol", "dave"):  # members who are not admins see teams but may not manage them
        headers = acme[name]
        assert api.post("/api/orgs/acme/teams", json={"name": "x"}, headers=headers).status_code == 403
        assert api.get("/api/orgs/acme/teams/ml", headers=headers).status_code == 200
        assert api.put("/api/orgs/acme/teams/ml/members/dave", headers=headers).status_code == 403
        put_grant = api.put("/api/orgs/acme/teams/ml/grants/demo", json={"role": "read"}, headers=headers)
        assert put_grant.status_code == 403 and "'admin' role" in put_grant.json()["error"]["message"]
        assert api.delete("/api/orgs/acme/teams/ml", headers=headers).status_code == 403
    # Outsiders do not see teams at all.
    assert api.get("/api/orgs/acme/teams", headers=acme["eve"]).status_code == 403
    hidden = api.get("/api/orgs/acme/teams/ml", headers=acme["eve"])
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "team_not_found"
    assert api.put("/api/orgs/acme/teams/ml/members/eve", headers=acme["eve"]).status_code == 404
    # Team members must be org members; grants are read/write/admin on a Space name or "*".
    outsider = api.put("/api/orgs/acme/teams/ml/members/eve", headers=bob)
    assert outsider.status_code == 409 and outsider.json()["error"]["code"] == "not_org_member"
    assert api.put("/api/orgs/acme/teams/ml/members/nobody", headers=bob).status_code == 404
    assert api.put("/api/orgs/acme/teams/ml/grants/demo", json={"role": "owner"}, headers=bob).status_code == 422
    bad_space = api.put("/api/orgs/acme/teams/ml/grants/Not%20A%20Space", json={"role": "read"}, headers=bob)
    assert bad_space.status_code == 422 and bad_space.json()["error"]["code"] == "invalid_space"
    assert api.get("/api/orgs/acme/teams/nope", headers=bob).status_code == 404


# --- secrets -----------------------------------------------------------------------------------------


def test_secrets_are_sealed_and_never_shown(api: TestClient, acme: dict[str, Headers]) -> None:
    bob = acme["bob"]
    responses = []
    created = api.put("/api/orgs/acme/secrets/HF_TOKEN", json={"value": SECRET_VALUE}, headers=bob)
    assert created.status_code == 200, created.text
    assert set(created.json()) == {"name", "created_at", "updated_at"}
    replaced = api.put("/api/orgs/acme/secrets/HF_TOKEN", json={"value": SECRET_VALUE + "2"}, headers=bob)
    assert replaced.status_code == 200
    assert replaced.json()["created_at"] == created.json()["created_at"]
    assert replaced.json()["updated_at"] >= created.json()["updated_at"]
    listed = api.get("/api/orgs/acme/secrets", headers=acme["dave"])  # members see names only
    assert [s["name"] for s in listed.json()["items"]] == ["HF_TOKEN"]
    audit = api.get("/api/orgs/acme/audit", headers=bob)
    mine = api.get("/api/user/audit", headers=bob)
    responses += [created, replaced, listed, audit, mine]
    for response in responses:
        assert SECRET_VALUE not in response.text
    # At rest: ciphertext under the configured key, not the value; nothing in the audit log either.
    key_id, ciphertext = sql(db_url(api), "SELECT key_id, ciphertext FROM secrets")[0]
    assert key_id == "k1" and SECRET_VALUE.encode() not in bytes(ciphertext)
    assert not sql(db_url(api), "SELECT id FROM audit_events WHERE details::text LIKE '%s3cr3t%' OR target LIKE '%s3cr3t%'")
    assert audit_actions(db_url(api)).count("secret.write") == 2
    assert api.delete("/api/orgs/acme/secrets/HF_TOKEN", headers=bob).status_code == 204
    assert api.delete("/api/orgs/acme/secrets/HF_TOKEN", headers=bob).status_code == 404
    assert sql(db_url(api), "SELECT count(*) FROM secrets")[0][0] == 0
    assert "secret.delete" in audit_actions(db_url(api))


def test_secret_ciphertext_opens_only_on_its_row(api: TestClient, acme: dict[str, Headers]) -> None:
    from podium_cp.crypto import DecryptionError, SecretBox, secret_aad

    api.put("/api/orgs/acme/secrets/A", json={"value": SECRET_VALUE}, headers=acme["bob"])
    org_id, key_id, nonce, ciphertext = sql(db_url(api), "SELECT org_id, key_id, nonce, ciphertext FROM secrets")[0]
    box = SecretBox(api.app.state.settings.secret_keys)  # type: ignore[attr-defined]
    assert box.open(key_id, bytes(nonce), bytes(ciphertext), secret_aad(org_id, "", "A")) == SECRET_VALUE.encode()
    with pytest.raises(DecryptionError):
        box.open(key_id, bytes(nonce), bytes(ciphertext), secret_aad(org_id, "", "B"))


def test_secret_refusals(api: TestClient, acme: dict[str, Headers]) -> None:
    for name in ("carol", "dave", "eve"):
        refused = api.put("/api/orgs/acme/secrets/X", json={"value": "v"}, headers=acme[name])
        assert refused.status_code == 403, name
    api.put("/api/orgs/acme/secrets/X", json={"value": "v"}, headers=acme["bob"])
    assert api.delete("/api/orgs/acme/secrets/X", headers=acme["carol"]).status_code == 403
    assert api.get("/api/orgs/acme/secrets", headers=acme["eve"]).status_code == 403
    for bad_name in ("1ABC", "has-dash", "x" * 129):
        assert api.put(f"/api/orgs/acme/secrets/{bad_name}", json={"value": "v"}, headers=acme["bob"]).status_code == 422
    too_big = api.put("/api/orgs/acme/secrets/BIG", json={"value": "é" * 40000}, headers=acme["bob"])  # 80 KB UTF-8
    assert too_big.status_code == 422 and "64 KiB" in too_big.json()["error"]["message"]
    assert "é" not in too_big.text
    assert api.put("/api/orgs/nope/secrets/X", json={"value": "v"}, headers=acme["bob"]).status_code == 404


def test_secrets_without_a_key_say_how_to_configure(api: TestClient, acme: dict[str, Headers]) -> None:
    from dataclasses import replace

    api.app.state.settings = replace(api.app.state.settings, secret_keys="")  # type: ignore[attr-defined]
    response = api.put("/api/orgs/acme/secrets/X", json={"value": "v"}, headers=acme["bob"])
    assert response.status_code == 503
    assert "PODIUM_SECRET_KEYS" in response.json()["error"]["message"]


# --- audit -------------------------------------------------------------------------------------------


def test_org_audit_filters_and_pages(api: TestClient, acme: dict[str, Headers]) -> None:
    bob = acme["bob"]
    api.post("/api/orgs/acme/teams", json={"name": "ml"}, headers=bob)
    api.post("/api/orgs/acme/teams", json={"name": "web"}, headers=bob)
    api.patch("/api/orgs/acme/members/dave", json={"role": "write"}, headers=bob)
    everything = api.get("/api/orgs/acme/audit", headers=bob).json()["items"]
    assert [e["action"] for e in everything] == ["org.member.role", "team.create", "team.create", "org.create"]
    assert everything[0]["org"] == "acme" and everything[0]["actor"] == "bob" and everything[0]["via"] == "token"

    def actions(query: str) -> list[str]:
        response = api.get(f"/api/orgs/acme/audit?{query}", headers=bob)
        assert response.status_code == 200, response.text
        return [e["action"] for e in response.json()["items"]]

    assert actions("action=team.create") == ["team.create", "team.create"]
    assert actions("action=team.*") == ["team.create", "team.create"]
    assert actions("actor=alice") == ["org.create"]
    assert actions("target=acme/web") == ["team.create"]
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert len(actions(f"since={past}")) == 4
    assert actions(f"since={future}") == []
    assert actions(f"until={past}") == []
    naive = api.get("/api/orgs/acme/audit?since=2024-01-01T00:00:00", headers=bob)
    assert naive.status_code == 422
    page = api.get("/api/orgs/acme/audit?limit=3", headers=bob).json()
    rest = api.get(f"/api/orgs/acme/audit?limit=3&cursor={page['next_cursor']}", headers=bob).json()
    assert [e["action"] for e in page["items"] + rest["items"]] == [e["action"] for e in everything]


def test_org_audit_is_for_admins(api: TestClient, acme: dict[str, Headers]) -> None:
    for name in ("carol", "dave", "eve"):
        refused = api.get("/api/orgs/acme/audit", headers=acme[name])
        assert refused.status_code == 403, name
    assert api.get("/api/orgs/nope/audit", headers=acme["bob"]).status_code == 404


def test_user_audit_shows_only_own_actions(api: TestClient, acme: dict[str, Headers]) -> None:
    api.post("/api/orgs/acme/teams", json={"name": "ml"}, headers=acme["bob"])
    mine = [e["action"] for e in api.get("/api/user/audit", headers=acme["alice"]).json()["items"]]
    assert "org.create" in mine and "team.create" not in mine
    bobs = api.get("/api/user/audit", headers=acme["bob"]).json()["items"]
    assert "team.create" in [e["action"] for e in bobs] and "org.create" not in [e["action"] for e in bobs]
    assert {e["actor"] for e in bobs} == {"bob"}
    filtered = api.get("/api/user/audit?action=team.*", headers=acme["bob"]).json()["items"]
    assert [(e["action"], e["target"], e["org"]) for e in filtered] == [("team.create", "acme/ml", "acme")]
    assert api.get("/api/user/audit").status_code == 401
