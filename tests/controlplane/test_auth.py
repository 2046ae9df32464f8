"""Sign-up, sign-in, sign-out and sessions through the real API on the test Postgres."""

from __future__ import annotations

import dataclasses

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

from podium_cp.api import create_app
from podium_cp.auth.randomness import digest
from podium_cp.settings import OidcProviderSettings, Settings

# --- sign-up -------------------------------------------------------------------------------------------


def test_setup_reports_first_user_and_the_first_user_becomes_site_admin(api: TestClient, pg_url: str) -> None:
    assert api.get("/api/auth/setup").json() == {"has_users": False, "signup": "open"}
    alice = signup(api, "alice")
    assert alice["username"] == "alice" and alice["site_admin"] is True and alice["has_password"] is True
    assert api.get("/api/auth/setup").json()["has_users"] is True
    assert api.cookies.get("podium_session") and api.cookies.get("podium_csrf")
    assert api.get("/api/user").json()["username"] == "alice"  # signed in by the sign-up
    bob = signup(other_client(api), "bob")
    assert bob["site_admin"] is False
    stored = sql(pg_url, "SELECT password_hash FROM users WHERE username = 'alice'")[0][0]
    assert stored.startswith("$argon2id$") and DEFAULT_PASSWORD not in stored
    assert audit_actions(pg_url) == ["user.signup", "user.signup"]


def test_signup_refuses_taken_usernames_and_emails(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    add_org(pg_url, "acme")
    second = other_client(api)
    for body, code in [
        ({"username": "alice", "email": "new@example.com"}, "username_taken"),
        ({"username": "ALICE", "email": "new@example.com"}, "username_taken"),  # names are lower-cased
        ({"username": "acme", "email": "new@example.com"}, "username_taken"),  # an org has the name
        ({"username": "bob", "email": "Alice@Example.COM"}, "email_taken"),  # case-insensitive
        ({"username": "api", "email": "new@example.com"}, "username_taken"),  # reserved
    ]:
        response = second.post("/api/auth/signup", json={**body, "password": DEFAULT_PASSWORD})
        assert response.status_code == 409, (body, response.text)
        assert error_code(response) == code
    assert "acme" in second.post(
        "/api/auth/signup", json={"username": "acme", "email": "x@example.com", "password": DEFAULT_PASSWORD}
    ).json()["error"]["message"]
    assert sql(pg_url, "SELECT count(*) FROM users")[0][0] == 1


def test_signup_checks_username_email_and_password(api: TestClient) -> None:
    cases = [
        ({"username": "-bad"}, "invalid_username"),
        ({"username": "a_b"}, "invalid_username"),
        ({"username": "a--b"}, "invalid_username"),
        ({"username": "x" * 40}, "invalid_username"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"password": "short"}, "weak_password"),
        ({"username": "carolinexy", "password": "CarolineXY"}, "weak_password"),
        ({"email": "longmailbox@example.com", "password": "longmailbox@example.com"}, "weak_password"),
    ]
    for change, code in cases:
        body = {"username": "carol", "email": "carol@example.com", "password": DEFAULT_PASSWORD, **change}
        response = api.post("/api/auth/signup", json=body)
        assert response.status_code == 422, (change, response.text)
        assert error_code(response) == code
        assert response.json()["error"]["message"]
    missing = api.post("/api/auth/signup", json={"username": "carol"})
    assert missing.status_code == 422 and error_code(missing) == "invalid_input"


def closed_app(settings: Settings) -> TestClient:
    return TestClient(create_app(dataclasses.replace(settings, signup="closed")), base_url="http://testserver")


def test_closed_signup_admits_the_first_user_then_only_invited_ones(settings: Settings, pg_url: str) -> None:
    with closed_app(settings) as api:
        assert api.get("/api/auth/setup").json() == {"has_users": False, "signup": "closed"}
        signup(api, "admin")
        body = {"username": "eve", "email": "eve@example.com", "password": DEFAULT_PASSWORD}
        refused = other_client(api).post("/api/auth/signup", json=body)
        assert refused.status_code == 403 and error_code(refused) == "signup_closed"

        org_id = add_org(pg_url, "acme", {"admin": "owner"})
        sql(pg_url, "INSERT INTO invitations (public_id, org_id, token_hash, role, expires_at, created_at) "
                    "VALUES ('inv_1', :org, :hash, 'write', now() + interval '1 day', now())",
            org=org_id, hash=digest("pdi_secret"))
        bad = other_client(api).post("/api/auth/signup", json={**body, "invitation": "pdi_wrong"})
        assert bad.status_code == 422 and error_code(bad) == "invalid_invitation"
        assert sql(pg_url, "SELECT count(*) FROM users WHERE username = 'eve'")[0][0] == 0

        signup(other_client(api), "eve", invitation="pdi_secret")
        rows = sql(pg_url, "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.username = 'eve'")
        assert [r[0] for r in rows] == ["write"]
        again = other_client(api).post(
            "/api/auth/signup", json={**body, "username": "mallory", "email": "m@example.com", "invitation": "pdi_secret"}
        )
        assert again.status_code == 422  # an invitation is used once


# --- sign-in ---------------------------------------------------------------------------------------------


def test_login_by_username_or_email_sets_a_new_session(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    browser = other_client(api)
    assert login(browser, "alice")["username"] == "alice"
    assert browser.get("/api/user").status_code == 200
    assert login(other_client(api), "ALICE@example.com")["username"] == "alice"
    assert sql(pg_url, "SELECT count(*) FROM web_sessions")[0][0] == 3
    assert audit_actions(pg_url) == ["user.signup", "user.login", "user.login"]


def test_login_replaces_the_browsers_previous_session(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    old = api.cookies.get("podium_session")
    login(api, "alice")
    assert api.cookies.get("podium_session") != old
    assert sql(pg_url, "SELECT count(*) FROM web_sessions")[0][0] == 1


def test_wrong_password_and_unknown_user_get_the_same_answer(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    browser = other_client(api)
    wrong = browser.post("/api/auth/login", json={"login": "alice", "password": "wrong password!"})
    unknown = browser.post("/api/auth/login", json={"login": "nobody", "password": "wrong password!"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["error"] == {"code": "invalid_credentials", "message": "Wrong username, email or password"}
    assert "podium_session" not in browser.cookies
    assert audit_actions(pg_url) == ["user.signup"]  # failures are not audit rows (and never carry the password)


def test_repeated_failures_are_rate_limited_per_login(api: TestClient) -> None:
    signup(api, "alice")
    signup(other_client(api), "bob")
    browser = other_client(api)
    for _ in range(10):
        assert browser.post("/api/auth/login", json={"login": "alice", "password": "wrong password!"}).status_code == 401
    limited = browser.post("/api/auth/login", json={"login": "alice", "password": DEFAULT_PASSWORD})
    assert limited.status_code == 429 and error_code(limited) == "rate_limited"
    assert limited.json()["error"]["details"]["retry_after_seconds"] > 0
    assert login(browser, "bob")["username"] == "bob"  # another login is not affected


def test_disabled_account_cannot_sign_in(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    sql(pg_url, "UPDATE users SET disabled_at = now()")
    response = other_client(api).post("/api/auth/login", json={"login": "alice", "password": DEFAULT_PASSWORD})
    assert response.status_code == 403 and error_code(response) == "account_disabled"
    assert api.get("/api/user").status_code == 401  # the live session stops working too


# --- sessions: forged, expired, idle, CSRF ----------------------------------------------------------------


def test_forged_session_cookie_is_refused_not_anonymous(api: TestClient) -> None:
    signup(api, "alice")
    browser = other_client(api)
    browser.cookies.set("podium_session", "pds_forged")
    for response in (browser.get("/api/user"), browser.get("/api/users/alice")):
        assert response.status_code == 401 and error_code(response) == "session_expired"


def test_expired_and_idle_sessions_end(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    sql(pg_url, "UPDATE web_sessions SET expires_at = now() - interval '1 minute'")
    response = api.get("/api/user")
    assert response.status_code == 401 and error_code(response) == "session_expired"

    login(api, "alice")
    assert api.get("/api/user").status_code == 200
    sql(pg_url, "UPDATE web_sessions SET last_seen_at = now() - interval '3 days'")  # idle limit: 2 days
    assert error_code(api.get("/api/user")) == "session_expired"


def test_cookie_requests_that_change_something_need_the_csrf_header(api: TestClient) -> None:
    signup(api, "alice")
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        response = api.patch("/api/user", json={"display_name": "Alice"}, headers=headers)
        assert response.status_code == 403 and error_code(response) == "csrf_failed"
    assert api.patch("/api/user", json={"display_name": "Alice"}, headers=csrf_headers(api)).status_code == 200
    assert api.get("/api/user").status_code == 200  # reads need no header


# --- sign-out ---------------------------------------------------------------------------------------------


def test_logout_ends_this_session_and_clears_cookies(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    stale = api.cookies.get("podium_session")
    assert stale is not None
    refused = api.post("/api/auth/logout")
    assert refused.status_code == 403 and error_code(refused) == "csrf_failed"
    assert api.post("/api/auth/logout", headers=csrf_headers(api)).status_code == 204
    assert "podium_session" not in api.cookies and "podium_csrf" not in api.cookies
    assert sql(pg_url, "SELECT count(*) FROM web_sessions")[0][0] == 0
    assert error_code(api.get("/api/user")) == "unauthenticated"
    browser = other_client(api)
    browser.cookies.set("podium_session", stale)
    assert browser.post("/api/auth/logout").status_code == 204  # an ended session signs out fine


def test_logout_all_ends_every_session_but_not_api_tokens(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    token = new_token(api, ["read"])
    laptop = other_client(api)
    login(laptop, "alice")
    response = api.post("/api/auth/logout-all", headers=csrf_headers(api))
    assert response.status_code == 200 and response.json() == {"sessions_ended": 2}
    assert error_code(laptop.get("/api/user")) == "session_expired"
    assert "podium_session" not in api.cookies
    assert other_client(api).get("/api/whoami", headers=bearer(token)).json()["username"] == "alice"
    assert audit_actions(pg_url)[-1] == "user.logout_all"


def test_logout_all_needs_sign_in(api: TestClient) -> None:
    response = api.post("/api/auth/logout-all")
    assert response.status_code == 401 and error_code(response) == "unauthenticated"


# --- what the sign-in page needs -----------------------------------------------------------------------


def test_providers_lists_configured_identity_providers(settings: Settings) -> None:
    github = OidcProviderSettings(name="github", display_name="GitHub", client_id="id", client_secret="s", kind="github")
    corp = OidcProviderSettings(name="corp", display_name="Corp SSO", client_id="id", client_secret="s",
                                discovery_url="https://sso.example.com/.well-known/openid-configuration")
    with TestClient(create_app(dataclasses.replace(settings, oidc_providers=(github, corp)))) as api:
        assert api.get("/api/auth/providers").json() == [
            {"name": "github", "display_name": "GitHub", "login_url": "/api/auth/oidc/github/login"},
            {"name": "corp", "display_name": "Corp SSO", "login_url": "/api/auth/oidc/corp/login"},
        ]
    with TestClient(create_app(settings)) as api:
        providers = api.get("/api/auth/providers").json()
        assert providers == [] and "client_secret" not in str(providers)


def test_openapi_documents_the_auth_endpoints(api: TestClient) -> None:
    paths = api.get("/api/openapi.json").json()["paths"]
    for path in ("/api/auth/signup", "/api/auth/login", "/api/auth/logout", "/api/auth/logout-all",
                 "/api/auth/providers", "/api/auth/setup"):
        operations = paths[path]
        assert all(op.get("description") for op in operations.values()), path
    assert "429" in paths["/api/auth/login"]["post"]["responses"]
