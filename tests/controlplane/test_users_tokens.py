"""The account endpoints (/api/user, password, identities, whoami, profiles) and API tokens, on the test Postgres."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import (
    DEFAULT_PASSWORD,
    add_org,
    audit_actions,
    bearer,
    csrf_headers,
    error_code,
    login,
    new_token,
    other_client,
    signup,
    sql,
)

# --- the account ------------------------------------------------------------------------------------------


def test_me_and_profile_update(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    signup(other_client(api), "bob")
    me = api.get("/api/user").json()
    assert me["email"] == "alice@example.com" and me["display_name"] == ""
    changed = api.patch("/api/user", json={"display_name": " Alice A. ", "email": "a@corp.example"},
                        headers=csrf_headers(api))
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == "Alice A." and changed.json()["email"] == "a@corp.example"
    taken = api.patch("/api/user", json={"email": "BOB@example.com"}, headers=csrf_headers(api))
    assert taken.status_code == 409 and error_code(taken) == "email_taken"
    invalid = api.patch("/api/user", json={"email": "nope"}, headers=csrf_headers(api))
    assert invalid.status_code == 422 and error_code(invalid) == "invalid_email"
    assert audit_actions(pg_url)[-1] == "user.update"
    details = sql(pg_url, "SELECT details FROM audit_events WHERE action = 'user.update'")[0][0]
    assert details == {"fields": ["display_name", "email"]}


def test_anonymous_requests_to_account_endpoints_get_401(api: TestClient) -> None:
    for method, path in [("GET", "/api/user"), ("GET", "/api/whoami"), ("GET", "/api/user/tokens"),
                         ("POST", "/api/user/tokens"), ("GET", "/api/user/identities")]:
        response = api.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.text)
        assert error_code(response) == "unauthenticated"


def test_password_change_needs_the_current_one_and_ends_other_sessions(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    laptop = other_client(api)
    login(laptop, "alice")
    token = new_token(api, ["read"])
    new = "a brand new passphrase"
    wrong = api.post("/api/user/password", json={"current_password": "not it at all", "new_password": new},
                     headers=csrf_headers(api))
    assert wrong.status_code == 403 and error_code(wrong) == "wrong_password"
    weak = api.post("/api/user/password", json={"current_password": DEFAULT_PASSWORD, "new_password": "alice"},
                    headers=csrf_headers(api))
    assert weak.status_code == 422 and error_code(weak) == "weak_password"
    done = api.post("/api/user/password", json={"current_password": DEFAULT_PASSWORD, "new_password": new},
                    headers=csrf_headers(api))
    assert done.status_code == 200 and done.json() == {"sessions_ended": 1}
    assert api.get("/api/user").status_code == 200  # this session stays
    assert error_code(laptop.get("/api/user")) == "session_expired"
    assert other_client(api).get("/api/whoami", headers=bearer(token)).status_code == 200  # tokens stay
    old = other_client(api).post("/api/auth/login", json={"login": "alice", "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    login(other_client(api), "alice", new)
    assert "user.password.change" in audit_actions(pg_url)
    assert new not in str(sql(pg_url, "SELECT details FROM audit_events"))


def test_identities_list_and_unlink_keep_a_way_to_sign_in(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    for provider, subject in [("github", "1"), ("google", "2")]:
        sql(pg_url, "INSERT INTO identities (user_id, provider, subject, email, created_at) "
                    "SELECT id, :p, :s, 'alice@example.com', now() FROM users", p=provider, s=subject)
    listed = api.get("/api/user/identities").json()
    assert sorted(i["provider"] for i in listed["items"]) == ["github", "google"] and listed["next_cursor"] is None
    ids = {i["provider"]: i["id"] for i in listed["items"]}
    sql(pg_url, "UPDATE users SET password_hash = NULL")  # an account that signs in only through providers
    assert api.delete(f"/api/user/identities/{ids['github']}", headers=csrf_headers(api)).status_code == 204
    last = api.delete(f"/api/user/identities/{ids['google']}", headers=csrf_headers(api))
    assert last.status_code == 409 and error_code(last) == "last_sign_in_method"
    missing = api.delete("/api/user/identities/999999", headers=csrf_headers(api))
    assert missing.status_code == 404 and error_code(missing) == "identity_not_found"
    # Someone else's identity looks the same as a missing one.
    bob = other_client(api)
    signup(bob, "bob")
    assert bob.delete(f"/api/user/identities/{ids['google']}", headers=csrf_headers(bob)).status_code == 404
    assert "user.identity.unlink" in audit_actions(pg_url)


def test_whoami_by_session_and_by_token(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    add_org(pg_url, "acme", {"alice": "admin"})
    assert api.get("/api/whoami").json() == {
        "username": "alice", "display_name": "", "via": "session", "scopes": None, "org": None, "site_admin": True,
        "token": None,
    }
    token = new_token(api, ["write", "read"], org="acme")
    whoami = other_client(api).get("/api/whoami", headers=bearer(token)).json()
    assert whoami["via"] == "token" and whoami["scopes"] == ["read", "write"] and whoami["org"] == "acme"
    assert whoami["token"] == api.get("/api/user/tokens").json()["items"][0]["public_id"]


def test_public_profiles(api: TestClient) -> None:
    signup(api, "alice", display_name="Alice")
    anonymous = other_client(api)
    assert anonymous.get("/api/users/alice").json() == {"username": "alice", "display_name": "Alice"}
    missing = anonymous.get("/api/users/nobody")
    assert missing.status_code == 404 and error_code(missing) == "user_not_found"


# --- API tokens ---------------------------------------------------------------------------------------------


def test_token_is_shown_once_and_lists_never_contain_secrets(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    created = api.post("/api/user/tokens", json={"name": "laptop", "scopes": ["read"]}, headers=csrf_headers(api))
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["token"]
    assert secret.startswith("pdm_") and body["prefix"] == secret[:12] and body["scopes"] == ["read"]
    assert body["expires_at"] is not None and body["revoked"] is False and body["org"] is None
    listed = api.get("/api/user/tokens")
    assert listed.status_code == 200
    assert secret not in listed.text and "token_hash" not in listed.text
    [item] = listed.json()["items"]
    assert item["public_id"] == body["public_id"] and "token" not in item
    assert secret not in str(sql(pg_url, "SELECT * FROM api_tokens")) + str(sql(pg_url, "SELECT * FROM audit_events"))
    assert audit_actions(pg_url)[-1] == "token.create"


def test_token_list_is_paginated(api: TestClient) -> None:
    signup(api, "alice")
    for n in range(3):
        new_token(api, ["read"], name=f"t{n}")
    first = api.get("/api/user/tokens?limit=2").json()
    assert [t["name"] for t in first["items"]] == ["t2", "t1"] and first["next_cursor"]
    second = api.get(f"/api/user/tokens?limit=2&cursor={first['next_cursor']}").json()
    assert [t["name"] for t in second["items"]] == ["t0"] and second["next_cursor"] is None


def test_token_creation_checks_its_input(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    add_org(pg_url, "other")
    for body, status, code in [
        ({"name": "x", "scopes": []}, 422, "invalid_input"),
        ({"name": "x", "scopes": ["root"]}, 422, "invalid_input"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 0}, 422, "invalid_input"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": 366}, 422, "invalid_input"),
        ({"name": "x", "scopes": ["read"], "org": "nope"}, 404, "org_not_found"),
        ({"name": "x", "scopes": ["read"], "org": "other"}, 403, "not_a_member"),
    ]:
        response = api.post("/api/user/tokens", json=body, headers=csrf_headers(api))
        assert response.status_code == status, (body, response.text)
        assert error_code(response) == code
    assert sql(pg_url, "SELECT count(*) FROM api_tokens")[0][0] == 0


def test_revoked_expired_forged_and_malformed_tokens_get_401(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    client = other_client(api)
    revoked = new_token(api, ["read"], name="revoked")
    public_id = api.get("/api/user/tokens").json()["items"][0]["public_id"]
    assert api.delete(f"/api/user/tokens/{public_id}", headers=csrf_headers(api)).status_code == 204
    assert api.delete(f"/api/user/tokens/{public_id}", headers=csrf_headers(api)).status_code == 204  # again: fine
    assert api.get("/api/user/tokens").json()["items"][0]["revoked"] is True
    expired = new_token(api, ["read"], name="expired")
    sql(pg_url, "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'expired'")
    for secret in (revoked, expired, "pdm_" + "A" * 43, "not-even-a-token"):
        response = client.get("/api/whoami", headers=bearer(secret))
        assert response.status_code == 401 and error_code(response) == "invalid_token", secret
    for header in ("Basic YWxpY2U6cHc=", "Bearer", "Token pdm_x"):
        response = client.get("/api/whoami", headers={"Authorization": header})
        assert response.status_code == 401 and error_code(response) == "bad_authorization", header
    assert audit_actions(pg_url).count("token.revoke") == 1


def test_someone_elses_token_cannot_be_revoked(api: TestClient) -> None:
    signup(api, "alice")
    new_token(api, ["read"])
    public_id = api.get("/api/user/tokens").json()["items"][0]["public_id"]
    bob = other_client(api)
    signup(bob, "bob")
    response = bob.delete(f"/api/user/tokens/{public_id}", headers=csrf_headers(bob))
    assert response.status_code == 404 and error_code(response) == "token_not_found"
    assert api.get("/api/user/tokens").json()["items"][0]["revoked"] is False


def test_token_scopes_cap_what_a_token_may_do(api: TestClient) -> None:
    signup(api, "alice")
    client = other_client(api)  # no cookies: only the bearer token speaks
    read, write, admin = (new_token(api, [s]) for s in ("read", "write", "admin"))
    assert client.get("/api/user", headers=bearer(read)).status_code == 200
    for token in (read, write):
        for response in (
            client.post("/api/user/tokens", json={"name": "x", "scopes": ["read"]}, headers=bearer(token)),
            client.patch("/api/user", json={"display_name": "X"}, headers=bearer(token)),
        ):
            assert response.status_code == 403 and error_code(response) == "forbidden", response.text
            assert "'admin' scope" in response.json()["error"]["message"]
    # An admin token manages tokens without any CSRF header (bearer requests carry none).
    minted = client.post("/api/user/tokens", json={"name": "child", "scopes": ["read", "admin"]}, headers=bearer(admin))
    assert minted.status_code == 201, minted.text
    child = minted.json()["token"]
    assert client.get("/api/whoami", headers=bearer(child)).json()["scopes"] == ["admin", "read"]


def test_org_limited_token_cannot_manage_tokens_or_escape_its_org(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    add_org(pg_url, "acme", {"alice": "owner"})
    limited = new_token(api, ["read", "write", "admin"], org="acme")
    client = other_client(api)
    assert client.get("/api/whoami", headers=bearer(limited)).json()["org"] == "acme"
    response = client.post("/api/user/tokens", json={"name": "x", "scopes": ["read"]}, headers=bearer(limited))
    assert response.status_code == 403 and "limited to" in response.json()["error"]["message"]
    listed = api.get("/api/user/tokens").json()["items"]
    assert listed[0]["org"] == "acme"


def test_token_requests_update_last_used(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    token = new_token(api, ["read"])
    assert api.get("/api/user/tokens").json()["items"][0]["last_used_at"] is None
    other_client(api).get("/api/whoami", headers=bearer(token))
    assert api.get("/api/user/tokens").json()["items"][0]["last_used_at"] is not None
