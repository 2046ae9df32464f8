"""The share-link API (/api/share/links) through the real app and Postgres: the JSON of docs/design/share.md,
the token shown once, lifetimes, the anonymous limit (429 + Retry-After), listing, revoking, and the frps
server-plugin route."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from helpers import audit_actions, bearer, error_code, new_token, other_client, signup, sql

from podium_cp.api import create_app
from podium_cp.settings import Settings

WEEK = 7 * 24 * 3600


def create(client: TestClient, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return client.post("/api/share/links", json=body, headers=headers or {})


def test_a_signed_in_user_gets_a_link_with_the_tunnel_to_dial(api: TestClient, pg_url: str) -> None:
    signup(api, "alice")
    headers = bearer(new_token(api))
    response = create(api, headers, label="my demo", lifetime_s=3600)
    assert response.status_code == 201, response.text
    link = response.json()
    assert set(link) == {"id", "token", "subdomain", "url", "label", "created_at", "expires_at", "tunnel",
                         "deep_link_token"}
    token = link["token"]
    assert len(token) == 43
    assert link["subdomain"] == hashlib.sha256(token.encode()).hexdigest()[:18]
    assert link["url"] == f"http://{link['subdomain']}.share.localhost:8080"
    assert link["label"] == "my demo"
    lifetime = datetime.fromisoformat(link["expires_at"]) - datetime.fromisoformat(link["created_at"])
    assert lifetime == timedelta(hours=1)
    assert link["tunnel"] == {"host": "127.0.0.1", "port": 7000, "tls": False, "auth_token": "", "server_name": None}
    assert sql(pg_url, "SELECT owner_id IS NOT NULL FROM share_links")[0][0]
    assert "share.create" in audit_actions(pg_url)
    # Never again: not in the list, not in the audit log, not in the table.
    listed = api.get("/api/share/links", headers=headers)
    assert listed.status_code == 200
    assert token not in listed.text
    assert token not in str(sql(pg_url, "SELECT * FROM share_links")) + str(sql(pg_url, "SELECT * FROM audit_events"))
    (entry,) = listed.json()["links"]
    assert entry == {
        "id": link["id"], "subdomain": link["subdomain"], "url": link["url"], "label": "my demo",
        "created_at": entry["created_at"], "expires_at": entry["expires_at"], "revoked_at": None,
        "last_seen_at": None, "connected": False, "status": "active",
    }


def test_the_settings_shape_the_answer(settings: Settings, tmp_path: Any) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    configured = replace(
        settings, share_public_url="https://share.example.com", share_tunnel_address="tunnel.example.com:443",
        share_auth_token="frp-secret", share_tls_cert=str(cert), share_tls_key=str(key),
    )
    with TestClient(create_app(configured)) as client:
        link = create(client).json()
    assert link["url"] == f"https://{link['subdomain']}.share.example.com"
    assert link["tunnel"] == {"host": "tunnel.example.com", "port": 443, "tls": True, "auth_token": "frp-secret",
                              "server_name": "tunnel.example.com"}


def test_lifetimes(api: TestClient) -> None:
    assert create(api, lifetime_s=WEEK).status_code == 201
    for wrong in (WEEK + 1, 59, 0, -5):
        response = create(api, lifetime_s=wrong)
        assert response.status_code == 422, response.text
        assert "at most 7 days (604800 s)" in response.json()["error"]["message"]
    assert create(api, lifetime_s="a week").status_code == 422


def test_anonymous_links_are_rate_limited_per_address(settings: Settings, pg_url: str) -> None:
    with TestClient(create_app(replace(settings, share_anonymous_per_hour=2))) as client:
        assert create(client).status_code == 201
        assert create(client).status_code == 201
        refused = create(client)
        assert refused.status_code == 429
        assert error_code(refused) == "share_rate_limited"
        assert "podium login" in refused.json()["error"]["message"]
        assert 3500 <= int(refused.headers["retry-after"]) <= 3600
        signup(client, "alice")  # signed in, the same address may make more
        headers = bearer(new_token(client))
        for _ in range(3):
            assert create(client, headers).status_code == 201
    assert sql(pg_url, "SELECT count(*) FROM share_links WHERE owner_id IS NULL")[0][0] == 2


def test_a_bad_token_is_refused_not_taken_as_anonymous(api: TestClient) -> None:
    response = create(api, bearer("pdm_not-a-real-token"))
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_listing_and_revoking(api: TestClient, pg_url: str) -> None:
    signup(api, "root")  # the first user is the site admin
    admin = bearer(new_token(api))
    alice_browser = other_client(api)
    signup(alice_browser, "alice")
    alice = bearer(new_token(alice_browser))
    bob_browser = other_client(api)
    signup(bob_browser, "bob")
    bob = bearer(new_token(bob_browser))
    mine = create(api, alice).json()
    theirs = create(api, bob).json()
    anonymous = create(other_client(api)).json()

    assert other_client(api).get("/api/share/links").status_code == 401
    assert [link["id"] for link in api.get("/api/share/links", headers=alice).json()["links"]] == [mine["id"]]
    assert api.get("/api/share/links?all=true", headers=alice).status_code == 403
    everyone = api.get("/api/share/links?all=true", headers=admin).json()["links"]
    assert {link["id"] for link in everyone} == {mine["id"], theirs["id"], anonymous["id"]}

    # Someone else's link, an anonymous one, and one that does not exist all read as missing.
    for link_id in (theirs["id"], anonymous["id"], "nope", "00000000-0000-0000-0000-000000000000"):
        response = api.delete(f"/api/share/links/{link_id}", headers=alice)
        assert response.status_code == 404, response.text
        assert error_code(response) == "share_link_not_found"
    assert other_client(api).delete(f"/api/share/links/{mine['id']}").status_code == 401
    assert api.delete(f"/api/share/links/{mine['id']}", headers=alice).status_code == 204
    assert api.delete(f"/api/share/links/{mine['id']}", headers=alice).status_code == 204  # twice is fine
    assert api.delete(f"/api/share/links/{anonymous['id']}", headers=admin).status_code == 204
    assert audit_actions(pg_url).count("share.revoke") == 2
    (entry,) = api.get("/api/share/links", headers=alice).json()["links"]
    assert entry["status"] == "revoked" and entry["revoked_at"] is not None
    sql(pg_url, "UPDATE share_links SET expires_at = now() - interval '1 second', connected_run_id = 'run1' "
                "WHERE id = :id", id=theirs["id"])
    (entry,) = api.get("/api/share/links", headers=bob).json()["links"]
    assert entry["status"] == "expired" and entry["connected"] is True


def test_the_frps_plugin_route(settings: Settings, pg_url: str) -> None:
    with TestClient(create_app(settings)) as client:  # no secret set: the route is off
        assert client.post("/api/share/frps-plugin/anything", json={}).status_code == 404
    with TestClient(create_app(replace(settings, share_plugin_secret="s3cret"))) as client:
        assert client.post("/api/share/frps-plugin/wrong", json={}).status_code == 404
        link = create(client).json()
        url = "/api/share/frps-plugin/s3cret"

        def call(op: str, content: dict[str, Any]) -> Any:
            response = client.post(f"{url}?version=0.1.0&op={op}", json={"version": "0.1.0", "op": op,
                                                                           "content": content})
            assert response.status_code == 200, response.text
            return response.json()

        user = {"user": "", "metas": {}, "run_id": "run-1"}
        assert call("Login", {"version": "0.58.0", "run_id": "", "pool_count": 1})["reject"] is False
        granted = call("NewProxy", {"user": user, "proxy_name": link["token"], "proxy_type": "http",
                                    "subdomain": "random"})
        assert granted["reject"] is False and granted["content"]["subdomain"] == link["subdomain"]
        assert sql(pg_url, "SELECT connected_run_id FROM share_links")[0][0] == "run-1"
        refused = call("NewProxy", {"user": user, "proxy_name": "not-a-token", "proxy_type": "http"})
        assert refused == {"reject": True, "reject_reason": "unknown share link token; ask the share service for "
                                                            "a new link"}
        assert call("NewWorkConn", {"user": user, "run_id": "run-1"})["reject"] is False
        assert call("CloseProxy", {"user": user, "proxy_name": link["token"]})["reject"] is False
        assert sql(pg_url, "SELECT connected_run_id FROM share_links")[0][0] is None
        bad = client.post(url, content=b"not json")
        assert bad.status_code == 400
        assert client.post(f"{url}?op=Login", json={"op": "Login"}).status_code == 400
