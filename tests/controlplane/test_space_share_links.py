"""Space share links through the real API and Postgres (docs/design/space-share-links.md): writers create, list
and revoke a Space's links (read members 403, outsiders 404, anonymous 401), lifetimes out of 60 s .. 7 days are
422, the secret is shown once and only its digest stored, creating and revoking are audited, and a link's use is
counted at most once a minute."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import add_org, audit_actions, bearer, error_code, new_token, other_client, signup, sql

from podium_cp.db import Database

Headers = dict[str, str]
ONE = "/api/spaces/acme/demo/share-links"


@pytest.fixture
def people(api: TestClient, pg_url: str) -> dict[str, Headers]:
    """Org `acme` with the Space acme/demo (visible to the org): alice owner, carol write, dave read; eve an
    outsider; `alice-read` is a read-scope token of alice."""
    headers: dict[str, Headers] = {}
    for user in ("alice", "carol", "dave", "eve"):
        client = other_client(api)
        signup(client, user)
        headers[user] = bearer(new_token(client))
        if user == "alice":
            headers["alice-read"] = bearer(new_token(client, ("read",)))
    add_org(pg_url, "acme", {"alice": "owner", "carol": "write", "dave": "read"})
    created = api.post("/api/spaces", json={"owner": "acme", "name": "demo", "visibility": "org"},
                       headers=headers["alice"])
    assert created.status_code == 201, created.text
    return headers


def create(api: TestClient, headers: Headers, body: Any = None, path: str = ONE) -> Any:
    return api.post(path, json={} if body is None else body, headers=headers)


def test_a_writer_creates_a_link_whose_secret_is_shown_once(
    api: TestClient, people: dict[str, Headers], pg_url: str
) -> None:
    created = create(api, people["carol"], {"label": "  for the review  "})
    assert created.status_code == 201, created.text
    link = created.json()
    assert set(link) == {"id", "url", "token", "label", "created_at", "expires_at"}
    assert re.fullmatch(r"ssl_[A-Za-z0-9_-]{16}", link["id"]) and re.fullmatch(r"pss_[A-Za-z0-9_-]{32}", link["token"])
    assert link["url"] == f"http://demo--acme.spaces.localhost:8080/.podium/share?token={link['token']}"
    assert link["label"] == "for the review"
    lifetime = datetime.fromisoformat(link["expires_at"]) - datetime.fromisoformat(link["created_at"])
    assert lifetime == timedelta(days=1)  # the default
    # Only the digest is stored; the secret is in no row, not even the audit log's.
    (row,) = sql(pg_url, "SELECT token_hash, use_count, last_used_at, revoked_at FROM space_share_links")
    assert row == (hashlib.sha256(link["token"].encode()).hexdigest(), 0, None, None)
    everything = str(sql(pg_url, "SELECT * FROM space_share_links")) + str(sql(pg_url, "SELECT * FROM audit_events"))
    assert link["token"] not in everything
    # The list never shows it again.
    (item,) = api.get(ONE, headers=people["alice"]).json()["items"]
    assert item == {"id": link["id"], "label": "for the review", "created_by": "carol",
                    "created_at": link["created_at"], "expires_at": link["expires_at"], "revoked_at": None,
                    "last_used_at": None, "use_count": 0, "status": "active"}
    assert audit_actions(pg_url)[-1] == "space.share_link.create"
    (audit,) = sql(pg_url, "SELECT actor_name, target_kind, target, org_id IS NOT NULL, details FROM audit_events "
                           "WHERE action = 'space.share_link.create'")
    assert audit[:4] == ("carol", "space_share_link", f"acme/demo/{link['id']}", True)
    assert audit[4] == {"id": link["id"], "label": "for the review", "expires_at": audit[4]["expires_at"]}


def test_lifetimes_and_bodies_out_of_bounds_are_422(api: TestClient, people: dict[str, Headers], pg_url: str) -> None:
    alice = people["alice"]
    for body in ({"lifetime_s": 59}, {"lifetime_s": 7 * 86400 + 1}, {"lifetime_s": 0}, {"lifetime_s": -60},
                 {"lifetime_s": 10**30}, {"lifetime_s": "a day"}, {"lifetime_s": None}, {"lifetime_s": 60.5},
                 {"label": "x" * 201}, {"label": 3}, [], "x"):
        refused = create(api, alice, body)
        assert refused.status_code == 422 and error_code(refused) == "invalid_input", (body, refused.text)
    for raw in (b"", b"{", b"not json"):
        refused = api.post(ONE, content=raw, headers={**alice, "Content-Type": "application/json"})
        assert refused.status_code == 422, raw
    assert sql(pg_url, "SELECT count(*) FROM space_share_links")[0][0] == 0
    for seconds in (60, 7 * 86400):
        link = create(api, alice, {"lifetime_s": seconds}).json()
        lifetime = datetime.fromisoformat(link["expires_at"]) - datetime.fromisoformat(link["created_at"])
        assert lifetime == timedelta(seconds=seconds)
    # What Postgres cannot hold in a label is dropped (NUL) or refused (a lone surrogate), never a 500.
    odd = create(api, alice, {"label": "a\u0000b"})
    assert odd.status_code == 201 and odd.json()["label"] == "ab"
    surrogate = api.post(ONE, content=b'{"label": "a\\ud800b"}', headers={**alice, "Content-Type": "application/json"})
    assert surrogate.status_code == 422


def test_read_members_get_403_outsiders_404_anonymous_401(
    api: TestClient, people: dict[str, Headers], pg_url: str
) -> None:
    link_id = create(api, people["alice"]).json()["id"]
    for who, status in (("dave", 403), ("alice-read", 403), ("eve", 404)):
        refused = create(api, people[who])
        assert refused.status_code == status, (who, refused.text)
        assert api.get(ONE, headers=people[who]).status_code == status, who
        assert api.delete(f"{ONE}/{link_id}", headers=people[who]).status_code == status, who
    assert error_code(create(api, people["eve"])) == "space_not_found"
    assert error_code(create(api, people["dave"])) == "forbidden"
    anonymous = other_client(api)
    assert create(anonymous, {}).status_code == 401
    assert anonymous.get(ONE).status_code == 401
    assert anonymous.delete(f"{ONE}/{link_id}").status_code == 401
    assert create(api, people["alice"], path="/api/spaces/acme/nothing/share-links").status_code == 404
    # A private Space: whoever may not see it gets 404, like a Space that does not exist.
    sql(pg_url, "UPDATE spaces SET visibility = 'private'")
    assert create(api, people["alice"]).status_code == 201
    for who in ("carol", "dave", "eve"):
        assert create(api, people[who]).status_code == 404
    assert sql(pg_url, "SELECT count(*) FROM space_share_links")[0][0] == 2
    assert audit_actions(pg_url).count("space.share_link.create") == 2
    assert "space.share_link.revoke" not in audit_actions(pg_url)


def test_list_is_newest_first_in_pages_with_each_links_status(
    api: TestClient, people: dict[str, Headers], pg_url: str
) -> None:
    ids = [create(api, people["alice"], {"label": f"link {i}"}).json()["id"] for i in range(3)]
    sql(pg_url, "UPDATE space_share_links SET expires_at = now() - interval '1 second' WHERE id = :id", id=ids[0])
    assert api.delete(f"{ONE}/{ids[1]}", headers=people["alice"]).status_code == 204
    first = api.get(ONE, params={"limit": 2}, headers=people["carol"])
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.get(ONE, params={"limit": 2, "cursor": page["next_cursor"]}, headers=people["carol"]).json()
    assert rest["next_cursor"] is None
    items = page["items"] + rest["items"]
    assert [item["id"] for item in items] == ids[::-1]
    assert [item["status"] for item in items] == ["active", "revoked", "expired"]
    assert items[1]["revoked_at"] is not None
    for cursor in ("garbage", "a" * 200, "MjAyNi0wMS0wMXxub3BlCg"):
        refused = api.get(ONE, params={"cursor": cursor}, headers=people["alice"])
        assert refused.status_code == 422 and error_code(refused) == "bad_cursor", cursor
    assert api.get(ONE, params={"limit": 0}, headers=people["alice"]).status_code == 422
    assert api.get(ONE, params={"limit": 201}, headers=people["alice"]).status_code == 422
    # Another Space's list holds none of these.
    assert create(api, people["alice"], path="/api/spaces/acme/other/share-links").status_code == 404
    assert api.post("/api/spaces", json={"owner": "acme", "name": "other"}, headers=people["alice"]).status_code == 201
    assert api.get("/api/spaces/acme/other/share-links", headers=people["alice"]).json()["items"] == []


def test_revoking_keeps_the_row_is_idempotent_and_audited(
    api: TestClient, people: dict[str, Headers], pg_url: str
) -> None:
    link_id = create(api, people["alice"]).json()["id"]
    assert api.post("/api/spaces", json={"owner": "acme", "name": "other"}, headers=people["alice"]).status_code == 201
    theirs = create(api, people["alice"], path="/api/spaces/acme/other/share-links").json()["id"]
    for wrong in ("ssl_AAAAAAAAAAAAAAAA", "nope", "ssl_" + "A" * 200, theirs, "..%2F..%2Fetc"):
        refused = api.delete(f"{ONE}/{wrong}", headers=people["alice"])
        assert refused.status_code == 404, wrong
    assert error_code(api.delete(f"{ONE}/{theirs}", headers=people["alice"])) == "space_share_link_not_found"
    assert api.delete(f"{ONE}/{link_id}", headers=people["carol"]).status_code == 204
    assert api.delete(f"{ONE}/{link_id}", headers=people["alice"]).status_code == 204  # again: nothing changes
    (row,) = sql(pg_url, "SELECT revoked_at IS NOT NULL FROM space_share_links WHERE id = :id", id=link_id)
    assert row == (True,)
    revokes = sql(pg_url, "SELECT actor_name, target, details FROM audit_events "
                          "WHERE action = 'space.share_link.revoke'")
    assert revokes == [("carol", f"acme/demo/{link_id}", {"id": link_id})]
    assert sql(pg_url, "SELECT revoked_at FROM space_share_links WHERE id = :id", id=theirs)[0][0] is None


def test_deleting_a_space_deletes_its_links_and_deleting_a_user_keeps_theirs(
    api: TestClient, people: dict[str, Headers], pg_url: str
) -> None:
    create(api, people["carol"])
    sql(pg_url, "DELETE FROM users WHERE username = 'carol'")
    (item,) = api.get(ONE, headers=people["alice"]).json()["items"]
    assert item["created_by"] is None
    sql(pg_url, "DELETE FROM spaces")
    assert sql(pg_url, "SELECT count(*) FROM space_share_links")[0][0] == 0


@pytest.mark.anyio
async def test_checking_a_secret_and_counting_uses_at_most_once_a_minute(
    api: TestClient, people: dict[str, Headers], pg_url: str, database: Database
) -> None:
    from podium_cp.spaces.share_links import ShareTokenRefused, check_token, note_use

    link = create(api, people["alice"]).json()
    assert api.post("/api/spaces", json={"owner": "acme", "name": "other"}, headers=people["alice"]).status_code == 201
    demo, other = (int(sql(pg_url, "SELECT id FROM spaces WHERE name = :n", n=n)[0][0]) for n in ("demo", "other"))
    async with database.read_session() as db:
        assert (await check_token(db, demo, link["token"])).id == link["id"]
        flipped = link["token"][:-1] + ("x" if not link["token"].endswith("x") else "y")
        for space_id, token in ((other, link["token"]), (demo, flipped), (demo, ""),
                                (demo, "pss_" + "A" * 32), (demo, link["token"] + "A"), (demo, "\x00")):
            with pytest.raises(ShareTokenRefused) as refused:
                await check_token(db, space_id, token)
            assert refused.value.reason == "unknown"
        start = datetime.fromisoformat(link["created_at"])
        counted = [await note_use(db, link["id"], now=start + timedelta(seconds=s)) for s in (1, 30, 60, 62, 200)]
        assert counted == [True, False, False, True, True]
        assert sql(pg_url, "SELECT use_count FROM space_share_links")[0][0] == 3
        later = start + timedelta(days=1, seconds=1)
        with pytest.raises(ShareTokenRefused) as refused:
            await check_token(db, demo, link["token"], now=later)
        assert refused.value.reason == "expired"
    sql(pg_url, "UPDATE space_share_links SET revoked_at = now()")
    async with database.read_session() as db:
        with pytest.raises(ShareTokenRefused) as refused:
            await check_token(db, demo, link["token"], now=later)
        assert refused.value.reason == "revoked"  # revocation wins over expiry
