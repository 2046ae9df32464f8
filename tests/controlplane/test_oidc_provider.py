"""The control plane as an OpenID Connect provider: discovery, JWKS, the code + PKCE flow and its refusals."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import create_engine, text

from podium_cp.auth.randomness import digest
from podium_cp.auth.sessions import CSRF_HEADER, SESSION_COOKIE, csrf_token

REDIRECT = "https://app.example/callback"


def sign_in_directly(pg_url: str, client: TestClient, username: str = "alice") -> int:
    """A user with a web session, made in the database (password sign-in is tested in its own module)."""
    secret = "pds_" + secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            user_id = int(conn.execute(
                text("INSERT INTO users (username, email, display_name, is_site_admin, created_at) "
                     "VALUES (:u, :e, :d, false, :now) RETURNING id"),
                {"u": username, "e": f"{username}@example.com", "d": username.title(), "now": now},
            ).scalar_one())
            conn.execute(
                text("INSERT INTO web_sessions (token_hash, user_id, expires_at, last_seen_at, created_at) "
                     "VALUES (:h, :uid, :exp, :now, :now)"),
                {"h": digest(secret), "uid": user_id, "exp": now + timedelta(days=1), "now": now},
            )
    finally:
        engine.dispose()
    client.cookies.set(SESSION_COOKIE, secret)
    client.headers[CSRF_HEADER] = csrf_token(secret)
    return user_id


def register(api: TestClient, *, confidential: bool, redirect_uris: list[str] | None = None) -> dict[str, Any]:
    response = api.post("/api/oauth/clients", json={"name": "Demo app", "redirect_uris": redirect_uris or [REDIRECT],
                                                    "confidential": confidential})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def consent_fields(page: str) -> dict[str, str]:
    import re

    return {m[0]: m[1].replace("&amp;", "&") for m in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


def authorize(api: TestClient, client_id: str, challenge: str | None, *, nonce: str = "n-0S6", decision: str = "allow",
              redirect_uri: str = REDIRECT) -> dict[str, list[str]]:
    """Run authorize + consent; returns the query parameters of the redirect back to the client."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": "openid profile email", "state": "st-123", "nonce": nonce}
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    page = api.get("/oauth/authorize", params=params, follow_redirects=False)
    assert page.status_code == 200, page.text
    assert "Demo app" in page.text
    fields = consent_fields(page.text)
    answer = api.post("/oauth/authorize", data={**fields, "decision": decision}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(redirect_uri + "?")
    return parse_qs(urlsplit(location).query)


def exchange(api: TestClient, client: dict[str, Any], code: str, verifier: str | None, **extra: str) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}
    if verifier:
        data["code_verifier"] = verifier
    auth = (client["client_id"], client["client_secret"]) if client.get("client_secret") else None
    if auth is None:
        data.setdefault("client_id", client["client_id"])
    return api.post("/oauth/token", data=data, auth=auth)


def test_discovery_names_the_public_url_as_issuer(api: TestClient) -> None:
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://testserver"
    assert doc["jwks_uri"] == "http://testserver/oauth/jwks"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


def test_jwks_publishes_one_public_rsa_key_whose_private_half_is_sealed(api: TestClient, pg_url: str) -> None:
    keys = api.get("/oauth/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"
    assert "d" not in keys[0] and "p" not in keys[0]
    assert api.get("/oauth/jwks").json()["keys"] == keys  # generated once
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        sealed = conn.execute(text("SELECT private_key_sealed FROM signing_keys")).scalar_one()
    engine.dispose()
    assert b"PRIVATE KEY" not in sealed


def test_full_code_flow_with_pkce_for_a_public_client(api: TestClient, pg_url: str) -> None:
    user_id = sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    assert client["client_secret"] is None
    verifier, challenge = pkce_pair()
    back = authorize(api, client["client_id"], challenge)
    assert back["state"] == ["st-123"]
    tokens = exchange(api, client, back["code"][0], verifier)
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["cache-control"] == "no-store"
    body = tokens.json()
    keyset = KeySet.import_key_set(api.get("/oauth/jwks").json())
    token = jwt.decode(body["id_token"], keyset, algorithms=["RS256"])
    claims = token.claims
    assert claims["iss"] == "http://testserver"
    assert claims["sub"] == str(user_id)
    assert claims["aud"] == client["client_id"]
    assert claims["nonce"] == "n-0S6"
    assert claims["exp"] > claims["iat"] and "auth_time" in claims
    info = api.get("/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    assert info.json() == {"sub": str(user_id), "preferred_username": "alice", "name": "Alice",
                           "email": "alice@example.com", "email_verified": False}
    assert api.post("/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200
    refreshed = api.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                               "client_id": client["client_id"]})
    assert refreshed.status_code == 200, refreshed.text
    again = api.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                           "client_id": client["client_id"]})
    assert again.json()["error"] == "invalid_grant"  # rotated: the old refresh token is spent


def test_confidential_client_authenticates_with_its_secret(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=True)
    assert client["client_secret"].startswith("pdcs_")
    assert api.get("/api/oauth/clients").json()["items"][0]["client_secret"] is None
    back = authorize(api, client["client_id"], None)
    wrong = exchange(api, {**client, "client_secret": "pdcs_wrong"}, back["code"][0], None)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    back = authorize(api, client["client_id"], None)
    post_auth = api.post("/oauth/token", data={"grant_type": "authorization_code", "code": back["code"][0],
                                               "redirect_uri": REDIRECT, "client_id": client["client_id"],
                                               "client_secret": client["client_secret"]})
    assert post_auth.status_code == 200, post_auth.text


def test_authorize_sends_visitors_to_the_login_page(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    api.cookies.clear()
    _, challenge = pkce_pair()
    response = api.get("/oauth/authorize", params={"response_type": "code", "client_id": client["client_id"],
                                                   "redirect_uri": REDIRECT, "scope": "openid",
                                                   "code_challenge": challenge, "code_challenge_method": "S256"},
                       follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://testserver/login?next=%2Foauth%2Fauthorize%3F")


def test_wrong_redirect_uri_is_refused_without_redirecting(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    _, challenge = pkce_pair()
    for uri in ("https://evil.example/callback", REDIRECT + "/x", REDIRECT + "?a=1"):
        response = api.get("/oauth/authorize", params={"response_type": "code", "client_id": client["client_id"],
                                                       "redirect_uri": uri, "scope": "openid",
                                                       "code_challenge": challenge, "code_challenge_method": "S256"},
                           follow_redirects=False)
        assert response.status_code == 400 and "redirect_uri" in response.text


def test_public_client_without_pkce_or_with_plain_is_refused(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    base = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT, "scope": "openid",
            "state": "s"}
    for extra in ({}, {"code_challenge": "x" * 43, "code_challenge_method": "plain"}):
        response = api.get("/oauth/authorize", params={**base, **extra}, follow_redirects=False)
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["error"] == ["invalid_request"] and query["state"] == ["s"]


def test_bad_pkce_verifier_is_refused_and_burns_the_code(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    verifier, challenge = pkce_pair()
    code = authorize(api, client["client_id"], challenge)["code"][0]
    bad = exchange(api, client, code, pkce_pair()[0])
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    assert exchange(api, client, code, None).json()["error"] == "invalid_grant"
    assert exchange(api, client, code, verifier).json()["error"] == "invalid_grant"


def test_replayed_code_is_refused_and_revokes_its_tokens(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    verifier, challenge = pkce_pair()
    code = authorize(api, client["client_id"], challenge)["code"][0]
    first = exchange(api, client, code, verifier)
    assert first.status_code == 200
    access = first.json()["access_token"]
    assert api.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 200
    replay = exchange(api, client, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    revoked = api.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert revoked.status_code == 401 and revoked.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in revoked.headers["www-authenticate"]
    refresh = api.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"],
                                             "client_id": client["client_id"]})
    assert refresh.json()["error"] == "invalid_grant"


def test_expired_code_is_refused(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    verifier, challenge = pkce_pair()
    code = authorize(api, client["client_id"], challenge)["code"][0]
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE oauth_codes SET expires_at = now() - interval '1 second'"))
    engine.dispose()
    response = exchange(api, client, code, verifier)
    assert response.status_code == 400 and response.json() == {
        "error": "invalid_grant", "error_description": "This authorization code has expired; start the sign-in again"}


def test_code_redirect_uri_and_client_must_match_at_the_token_endpoint(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False, redirect_uris=[REDIRECT, "https://app.example/other"])
    other = register(api, confidential=False)
    verifier, challenge = pkce_pair()
    code = authorize(api, client["client_id"], challenge)["code"][0]
    wrong_uri = exchange(api, client, code, verifier, redirect_uri="https://app.example/other")
    assert wrong_uri.json()["error"] == "invalid_grant"
    code = authorize(api, client["client_id"], challenge)["code"][0]
    assert exchange(api, other, code, verifier).json()["error"] == "invalid_grant"


def test_denied_consent_and_forged_consent_form(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=False)
    _, challenge = pkce_pair()
    back = authorize(api, client["client_id"], challenge, decision="deny")
    assert back["error"] == ["access_denied"] and "code" not in back
    forged = api.post("/oauth/authorize", data={"response_type": "code", "client_id": client["client_id"],
                                                "redirect_uri": REDIRECT, "scope": "openid", "code_challenge": challenge,
                                                "code_challenge_method": "S256", "csrf_token": "nope",
                                                "decision": "allow"}, follow_redirects=False)
    assert forged.status_code == 403


@pytest.mark.parametrize("header", [None, "Bearer pda_unknown", "Basic abc"])
def test_userinfo_refuses_missing_or_unknown_tokens(api: TestClient, header: str | None) -> None:
    response = api.get("/oauth/userinfo", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_clients_are_listed_and_deleted_by_their_owner_only(api: TestClient, pg_url: str) -> None:
    sign_in_directly(pg_url, api)
    client = register(api, confidential=True)
    assert [c["client_id"] for c in api.get("/api/oauth/clients").json()["items"]] == [client["client_id"]]
    bad = api.post("/api/oauth/clients", json={"name": "x", "redirect_uris": ["http://evil.example/cb"],
                                               "confidential": False})
    assert bad.status_code == 422
    alice = (api.cookies[SESSION_COOKIE], api.headers[CSRF_HEADER])
    sign_in_directly(pg_url, api, username="bob")
    assert api.get("/api/oauth/clients").json()["items"] == []
    assert api.delete(f"/api/oauth/clients/{client['client_id']}").status_code == 404
    api.cookies.set(SESSION_COOKIE, alice[0])
    api.headers[CSRF_HEADER] = alice[1]
    back = authorize(api, client["client_id"], None)
    access = exchange(api, client, back["code"][0], None).json()["access_token"]
    assert api.delete(f"/api/oauth/clients/{client['client_id']}").status_code == 204
    assert api.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code == 401
    assert api.get("/api/oauth/clients").json()["items"] == []
    api.cookies.clear()
    assert api.get("/api/oauth/clients").status_code == 401
