"""The deep-link API through the real app and Postgres (docs/design/deep-links.md): apps store and read snapshots
with Space and share-link tokens (401 / 403 / 404 / 410 / 413 / 422 as the contract says), writers of a Space
list, show and delete its links (read members 403, outsiders 404), retention in PATCH /api/spaces moves expiries,
the purge, and the deep-link token of a new share link."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import add_org, audit_actions, bearer, error_code, new_token, other_client, signup, sql

from podium_cp.db import Database
from podium_cp.deeplinks.service import purge_expired
from podium_cp.deeplinks.tokens import mint_share_token, mint_space_token
from podium_cp.settings import Settings

Headers = dict[str, str]
SNAPSHOT: dict[str, Any] = {
    "v": 1, "app": "9f2c41d07a3b5e68", "space_revision": "3",
    "components": {"name": {"type": "textbox", "label": "Name", "value": "Ada"},
                   "textbox:Greeting": {"type": "textbox", "label": "Greeting", "value": "Hello Ada!"}},
    "layout": {"accordion:Advanced": {"type": "accordion", "open": True}},
}
BODY = {"snapshot": SNAPSHOT, "app_revision": "9f2c41d07a3b5e68", "space_revision": 3}
ONE = "/api/spaces/acme/demo/deep-links"


@pytest.fixture
def people(api: TestClient, pg_url: str) -> dict[str, Headers]:
    """Org `acme` with the Space acme/demo (visible to the org): alice owner, carol write, dave read; eve an
    outsider."""
    headers: dict[str, Headers] = {}
    for user in ("alice", "carol", "dave", "eve"):
        client = other_client(api)
        signup(client, user)
        headers[user] = bearer(new_token(client))
    add_org(pg_url, "acme", {"alice": "owner", "carol": "write", "dave": "read"})
    created = api.post("/api/spaces", json={"owner": "acme", "name": "demo", "visibility": "org"},
                       headers=headers["alice"])
    assert created.status_code == 201, created.text
    assert created.json()["deep_link_retention_days"] == 30
    return headers


def space_id(pg_url: str, name: str = "demo") -> int:
    return int(sql(pg_url, "SELECT id FROM spaces WHERE name = :n", n=name)[0][0])


def app_headers(settings: Settings, pg_url: str, name: str = "demo") -> Headers:
    return bearer(mint_space_token(settings, space_id(pg_url, name)))


def store(api: TestClient, headers: Headers, body: Any = None) -> Any:
    return api.post("/api/deep-links", json=BODY if body is None else body, headers=headers)


def test_an_app_stores_and_reads_a_snapshot_with_its_space_token(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str
) -> None:
    headers = app_headers(settings, pg_url)
    created = store(api, headers)
    assert created.status_code == 201, created.text
    link = created.json()
    assert set(link) == {"id", "created_at", "expires_at"} and len(link["id"]) == 16
    lifetime = datetime.fromisoformat(link["expires_at"]) - datetime.fromisoformat(link["created_at"])
    assert lifetime == timedelta(days=30)
    read = api.get(f"/api/deep-links/{link['id']}", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json() == {"id": link["id"], "snapshot": SNAPSHOT, "app_revision": "9f2c41d07a3b5e68",
                           "space_revision": 3, "created_at": link["created_at"], "expires_at": link["expires_at"]}
    api.get(f"/api/deep-links/{link['id']}", headers=headers)
    assert sql(pg_url, "SELECT open_count, last_opened_at IS NOT NULL FROM deep_links")[0] == (2, True)
    # space_revision may be left out (an app run outside a Space).
    assert store(api, headers, {"snapshot": {}, "app_revision": "abc"}).status_code == 201


def test_tokens_missing_forged_or_of_another_purpose_are_401(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str
) -> None:
    good = mint_space_token(settings, space_id(pg_url))
    link_id = store(api, bearer(good)).json()["id"]
    kid_payload, _, mac = good.rpartition(".")
    for headers in ({}, {"Authorization": good}, {"Authorization": "Bearer "}, bearer(kid_payload + "." + mac[::-1]),
                    bearer("pdl1.garbage"), people["alice"]):  # a user's API token is not a deep-link token
        assert store(api, headers).status_code == 401, headers
        refused = api.get(f"/api/deep-links/{link_id}", headers=headers)
        assert refused.status_code == 401 and error_code(refused) in ("bad_authorization", "invalid_deep_link_token")


def test_a_snapshot_over_the_limit_is_413(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str
) -> None:
    headers = app_headers(settings, pg_url)
    big = {**BODY, "snapshot": {"components": {"t": {"value": "x" * (settings.deep_link_max_bytes + 1)}}}}
    refused = store(api, headers, big)
    assert refused.status_code == 413 and error_code(refused) == "snapshot_too_large"
    assert "the limit is 512 KB" in refused.json()["error"]["message"]
    # A body far beyond any snapshot is refused before it is parsed, declared or not.
    huge = b'{"snapshot": {"x": "' + b"y" * (5 * settings.deep_link_max_bytes) + b'"}, "app_revision": "a"}'
    assert api.post("/api/deep-links", content=huge, headers=headers).status_code == 413
    chunks = iter([huge[i:i + 65536] for i in range(0, len(huge), 65536)])
    assert api.post("/api/deep-links", content=chunks, headers=headers).status_code == 413
    assert sql(pg_url, "SELECT count(*) FROM deep_links")[0][0] == 0


def test_bodies_not_of_the_contracts_shape_are_422(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str
) -> None:
    headers = app_headers(settings, pg_url)
    for body in ([], "x", {"snapshot": []}, {"snapshot": {}}, {"snapshot": "x", "app_revision": "a"},
                 {"snapshot": {}, "app_revision": ""}, {"snapshot": {}, "app_revision": "a b"},
                 {"snapshot": {}, "app_revision": "a", "space_revision": -1},
                 {"snapshot": {}, "app_revision": "a", "space_revision": "three"},
                 {"snapshot": {"k": "nul \u0000"}, "app_revision": "a"}):
        refused = store(api, headers, body)
        assert refused.status_code == 422, (body, refused.text)
    for raw in (b"", b"{", b"not json", b'{"snapshot": ' + b"[" * 500 + b"]" * 500 + b"}"):
        assert api.post("/api/deep-links", content=raw, headers=headers).status_code == 422


def test_share_link_tokens_and_dead_share_links(api: TestClient, settings: Settings, pg_url: str) -> None:
    signup(api, "alice")
    alice = bearer(new_token(api))
    answer = api.post("/api/share/links", json={"lifetime_s": 3600}, headers=alice).json()
    token = answer["deep_link_token"]
    assert token == mint_share_token(settings, answer["id"])
    assert token not in str(sql(pg_url, "SELECT * FROM audit_events")) + str(sql(pg_url, "SELECT * FROM share_links"))
    created = store(api, bearer(token))
    assert created.status_code == 201, created.text
    assert created.json()["expires_at"] == answer["expires_at"]  # a share link's snapshots expire with it
    assert api.get(f"/api/deep-links/{created.json()['id']}", headers=bearer(token)).status_code == 200
    assert api.delete(f"/api/share/links/{answer['id']}", headers=alice).status_code == 204
    refused = store(api, bearer(token))
    assert refused.status_code == 403 and error_code(refused) == "share_link_revoked"
    assert api.get(f"/api/deep-links/{created.json()['id']}", headers=bearer(token)).status_code == 410
    second = api.post("/api/share/links", json={}, headers=alice).json()
    sql(pg_url, "UPDATE share_links SET expires_at = now() - interval '1 minute' WHERE id = :id", id=second["id"])
    refused = store(api, bearer(second["deep_link_token"]))
    assert refused.status_code == 403 and error_code(refused) == "share_link_expired"


def test_ids_of_another_space_or_share_link_are_404(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str
) -> None:
    assert api.post("/api/spaces", json={"owner": "acme", "name": "other"}, headers=people["alice"]).status_code == 201
    mine = store(api, app_headers(settings, pg_url)).json()["id"]
    theirs = app_headers(settings, pg_url, "other")
    share = bearer(mint_share_token(settings, "0d7f1c9a-4b3e-4f55-9a51-2f0c3b1de0aa"))
    for headers in (theirs, share):
        refused = api.get(f"/api/deep-links/{mine}", headers=headers)
        assert refused.status_code == 404 and error_code(refused) == "deep_link_not_found"
    for wrong in ("unknown-id-1234", "..%2F..%2Fetc", "a" * 65, "short"):
        assert api.get(f"/api/deep-links/{wrong}", headers=theirs).status_code == 404
    # A token of a Space that was deleted stores nothing.
    api.delete("/api/spaces/acme/other", headers=people["alice"])
    refused = store(api, theirs)
    assert refused.status_code == 404 and error_code(refused) == "space_gone"


def test_an_expired_link_is_410(api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str) -> None:
    headers = app_headers(settings, pg_url)
    link_id = store(api, headers).json()["id"]
    sql(pg_url, "UPDATE deep_links SET expires_at = now() - interval '1 second'")
    gone = api.get(f"/api/deep-links/{link_id}", headers=headers)
    assert gone.status_code == 410 and gone.json()["detail"].startswith("This link expired on ")
    assert error_code(gone) == "deep_link_expired"
    assert api.get(f"{ONE}/{link_id}", headers=people["alice"]).status_code == 410
    assert api.get(ONE, headers=people["alice"]).json()["items"] == []


def test_writers_list_show_and_delete_read_members_403_outsiders_404(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str
) -> None:
    headers = app_headers(settings, pg_url)
    ids = [store(api, headers).json()["id"] for _ in range(3)]
    for who in ("alice", "carol"):
        listed = api.get(ONE, params={"limit": 2}, headers=people[who])
        assert listed.status_code == 200, listed.text
        page = listed.json()
        assert len(page["items"]) == 2 and page["next_cursor"]
        rest = api.get(ONE, params={"limit": 2, "cursor": page["next_cursor"]}, headers=people[who]).json()
        assert [item["id"] for item in page["items"] + rest["items"]] == ids[::-1]
        assert rest["next_cursor"] is None
    item = page["items"][0]
    assert set(item) == {"id", "url", "created_at", "expires_at", "size_bytes", "app_revision", "space_revision",
                         "open_count", "last_opened_at", "labels"}
    assert item["url"] == f"http://demo--acme.spaces.localhost:8080/?deep_link={item['id']}"
    assert sorted(item["labels"]) == ["Greeting", "Name"] and item["open_count"] == 0
    shown = api.get(f"{ONE}/{ids[0]}", headers=people["alice"])
    assert shown.status_code == 200 and shown.json()["snapshot"] == SNAPSHOT
    assert api.get(ONE, params={"cursor": "garbage"}, headers=people["alice"]).status_code == 422
    for who, status in (("dave", 403), ("eve", 404)):
        assert api.get(ONE, headers=people[who]).status_code == status
        assert api.get(f"{ONE}/{ids[0]}", headers=people[who]).status_code == status
        assert api.delete(f"{ONE}/{ids[0]}", headers=people[who]).status_code == status
    assert api.get(ONE).status_code == 401
    assert api.delete(f"{ONE}/{ids[0]}", headers=people["carol"]).status_code == 204
    assert api.delete(f"{ONE}/{ids[0]}", headers=people["carol"]).status_code == 404
    assert api.get(f"/api/deep-links/{ids[0]}", headers=headers).status_code == 404
    assert api.get(f"{ONE}/not-a-link-id", headers=people["alice"]).status_code == 404
    # A private Space: only its admins (here the org's owner) see it; others get 404 like outsiders.
    sql(pg_url, "UPDATE spaces SET visibility = 'private'")
    assert api.get(ONE, headers=people["alice"]).status_code == 200
    for who in ("carol", "dave", "eve"):
        assert api.get(ONE, headers=people[who]).status_code == 404
        assert api.delete(f"{ONE}/{ids[1]}", headers=people[who]).status_code == 404
    assert "space.deep_link.delete" in audit_actions(pg_url)
    (details,) = sql(pg_url, "SELECT details FROM audit_events WHERE action = 'space.deep_link.delete'")[0]
    assert details == {"id": ids[0]}


def test_retention_change_moves_expiry(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str
) -> None:
    headers = app_headers(settings, pg_url)
    link_id = store(api, headers).json()["id"]
    for wrong in (0, 366, "a week"):
        assert api.patch("/api/spaces/acme/demo", json={"deep_link_retention_days": wrong},
                         headers=people["alice"]).status_code == 422
    assert api.patch("/api/spaces/acme/demo", json={"deep_link_retention_days": 3},
                     headers=people["carol"]).status_code == 403  # retention is a Space setting: admins
    changed = api.patch("/api/spaces/acme/demo", json={"deep_link_retention_days": 3}, headers=people["alice"])
    assert changed.status_code == 200 and changed.json()["deep_link_retention_days"] == 3
    (item,) = api.get(ONE, headers=people["alice"]).json()["items"]
    lifetime = datetime.fromisoformat(item["expires_at"]) - datetime.fromisoformat(item["created_at"])
    assert lifetime == timedelta(days=3) and item["id"] == link_id
    new = store(api, headers).json()
    assert datetime.fromisoformat(new["expires_at"]) - datetime.fromisoformat(new["created_at"]) == timedelta(days=3)
    (details,) = sql(pg_url, "SELECT details FROM audit_events WHERE action = 'space.update'")[0]
    assert details == {"changed": {"deep_link_retention_days": 3}}


def test_new_spaces_get_the_configured_retention(api: TestClient, pg_url: str, settings: Settings) -> None:
    from dataclasses import replace

    from podium_cp.api import create_app

    with TestClient(create_app(replace(settings, deep_link_retention_days=90))) as client:
        headers = bearer(new_token(client)) if signup(client, "alice") else {}
        created = client.post("/api/spaces", json={"owner": "alice", "name": "demo"}, headers=headers)
    assert created.status_code == 201 and created.json()["deep_link_retention_days"] == 90


@pytest.mark.anyio
async def test_purge_deletes_expired_links(
    api: TestClient, people: dict[str, Headers], settings: Settings, pg_url: str, database: Database
) -> None:
    headers = app_headers(settings, pg_url)
    ids = [store(api, headers).json()["id"] for _ in range(3)]
    sql(pg_url, "UPDATE deep_links SET expires_at = now() - interval '1 second' WHERE id <> :id", id=ids[1])
    async with database.session() as db:
        assert await purge_expired(db) == 2
    assert [row[0] for row in sql(pg_url, "SELECT id FROM deep_links")] == [ids[1]]
