"""Spaces over the real API and Postgres: create, visibility (404 for what one may not see), settings, stages,
restart / pause / resume / delete, variables, secrets (never shown, never audited), pagination and token scopes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import (
    audit_actions,
    bearer,
    csrf_headers,
    db_url,
    error_code,
    new_token,
    other_client,
    signup,
    sql,
    user_headers,
)

Headers = dict[str, str]
SECRET_VALUE = "space-s3cr3t-that-must-never-leak-4c3b2a"


@pytest.fixture
def acme(api: TestClient) -> dict[str, Headers]:
    """Org `acme`: alice owner, bob admin, carol write, dave read; eve an outsider; `site` the site admin."""
    people = {"site": user_headers(api, "siteadmin")}  # the first user is a site admin
    people.update({name: user_headers(api, name) for name in ("alice", "bob", "carol", "dave", "eve")})
    assert api.post("/api/orgs", json={"name": "acme"}, headers=people["alice"]).status_code == 201
    for name, role in (("bob", "admin"), ("carol", "write"), ("dave", "read")):
        sql(
            db_url(api),
            "INSERT INTO memberships (org_id, user_id, role, created_at) "
            "SELECT o.id, u.id, :role, now() FROM orgs o, users u WHERE o.name = 'acme' AND u.username = :name",
            role=role, name=name,
        )
    return people


def _create(api: TestClient, headers: Headers, owner: str = "acme", name: str = "demo", **body: Any) -> Any:
    return api.post("/api/spaces", json={"owner": owner, "name": name, **body}, headers=headers)


def test_create_and_read(api: TestClient, acme: dict[str, Headers], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODIUM_SPACES_DOMAIN", "example.org")
    monkeypatch.setenv("PODIUM_ROUTER_PORT", "80")
    created = _create(api, acme["carol"], title="Demo app", sdk="gradio")
    assert created.status_code == 201, created.text
    space = created.json()
    assert space["owner"] == "acme" and space["name"] == "demo" and space["title"] == "Demo app"
    assert space["sdk"] == "gradio" and space["visibility"] == "public" and space["hardware"] == "cpu-basic"
    assert space["stage"] == "NO_APP_FILE" and "podium push" in space["stage_message"]
    assert space["url"] == "http://demo--acme.spaces.example.org"
    assert space["latest_revision"] is None and space["serving_revision"] is None
    monkeypatch.setenv("PODIUM_ROUTER_PORT", "8080")
    assert api.get("/api/spaces/acme/demo").json()["url"] == "http://demo--acme.spaces.example.org:8080"
    assert api.get("/api/spaces/acme/demo/stages").json()["items"][0]["stage"] == "NO_APP_FILE"
    personal = _create(api, acme["eve"], owner="eve", name="mine")
    assert personal.status_code == 201 and personal.json()["owner"] == "eve"
    assert "space.create" in audit_actions(db_url(api))


def test_create_refusals(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _create(api, acme["carol"]).status_code == 201
    again = _create(api, acme["bob"])
    assert again.status_code == 409 and error_code(again) == "space_exists"
    for bad in ("Demo", "-demo", "a--b", "x" * 40, "demo_app"):
        response = _create(api, acme["carol"], name=bad)
        assert response.status_code == 422 and error_code(response) in ("invalid_space_name", "invalid_input"), bad
    unknown = _create(api, acme["carol"], name="big", hardware="tpu-v5")
    assert unknown.status_code == 422 and error_code(unknown) == "unknown_hardware"
    assert "cpu-basic" in unknown.json()["error"]["message"]
    reader = _create(api, acme["dave"], name="nope")  # read role: may not create in the org
    assert reader.status_code == 403
    outsider = _create(api, acme["eve"], name="nope")
    assert outsider.status_code == 403
    someone_else = _create(api, acme["eve"], owner="alice", name="nope")  # another user's namespace
    assert someone_else.status_code == 403 and error_code(someone_else) == "owner_not_allowed"
    assert api.post("/api/spaces", json={"owner": "acme", "name": "anon"}).status_code == 401


def test_read_token_cannot_create(api: TestClient, acme: dict[str, Headers]) -> None:
    browser = other_client(api)
    signup(browser, "frank")
    read_only = bearer(new_token(browser, scopes=("read",)))
    for owner in ("frank", "acme"):
        response = _create(api, read_only, owner=owner, name="x")
        assert response.status_code == 403 and "scope" in response.json()["error"]["message"]
    # A browser session needs the CSRF header to create.
    assert browser.post("/api/spaces", json={"owner": "frank", "name": "web"}).status_code == 403
    ok = browser.post("/api/spaces", json={"owner": "frank", "name": "web"}, headers=csrf_headers(browser))
    assert ok.status_code == 201


def test_visibility(api: TestClient, acme: dict[str, Headers]) -> None:
    alice = acme["alice"]
    for name, visibility in (("pub", "public"), ("internal", "org"), ("secret", "private")):
        assert _create(api, alice, name=name, visibility=visibility).status_code == 201
    assert _create(api, acme["eve"], owner="eve", name="eves", visibility="private").status_code == 201

    def names(headers: Headers | None, **params: str) -> set[str]:
        response = api.get("/api/spaces", params=params, headers=headers or {})
        assert response.status_code == 200, response.text
        return {f"{s['owner']}/{s['name']}" for s in response.json()["items"]}

    assert names(None) == {"acme/pub"}
    assert names(acme["eve"]) == {"acme/pub", "eve/eves"}
    assert names(acme["dave"]) == {"acme/pub", "acme/internal"}
    assert names(acme["bob"]) == {"acme/pub", "acme/internal", "acme/secret"}
    assert names(acme["site"]) == {"acme/pub", "acme/internal", "acme/secret", "eve/eves"}
    for path in ("/api/spaces/acme/internal", "/api/spaces/acme/secret", "/api/spaces/eve/eves"):
        hidden = api.get(path)
        assert hidden.status_code == 404 and error_code(hidden) == "space_not_found"
    assert api.get("/api/spaces/acme/secret", headers=acme["eve"]).status_code == 404
    assert api.get("/api/spaces/acme/internal", headers=acme["eve"]).status_code == 404
    assert api.get("/api/spaces/acme/secret", headers=acme["dave"]).status_code == 404
    assert api.get("/api/spaces/acme/pub", headers=acme["eve"]).status_code == 200
    assert api.get("/api/spaces/acme/pub").status_code == 200
    # The outsider cannot change a private Space either: 404, not 403.
    assert api.patch("/api/spaces/acme/secret", json={"title": "x"}, headers=acme["eve"]).status_code == 404
    # A team grant opens a private Space to a read member.
    assert api.post("/api/orgs/acme/teams", json={"name": "ml"}, headers=alice).status_code == 201
    assert api.put("/api/orgs/acme/teams/ml/members/dave", headers=alice).status_code == 200
    assert api.put("/api/orgs/acme/teams/ml/grants/secret", json={"role": "read"}, headers=alice).status_code == 200
    assert names(acme["dave"]) == {"acme/pub", "acme/internal", "acme/secret"}
    assert api.get("/api/spaces/acme/secret", headers=acme["dave"]).status_code == 200
    # Filters.
    assert names(acme["eve"], owner="eve") == {"eve/eves"}
    assert names(acme["bob"], search="SEC") == {"acme/secret"}
    api.patch("/api/spaces/acme/pub", json={"title": "Chat with 100% recall"}, headers=alice)
    assert names(acme["bob"], search="100%") == {"acme/pub"}
    assert names(acme["bob"], search="_") == set()


def test_pagination(api: TestClient, acme: dict[str, Headers]) -> None:
    for i in range(5):
        assert _create(api, acme["carol"], name=f"app-{i}").status_code == 201
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/spaces", params=params).json()
        assert len(page["items"]) <= 2
        seen += [s["name"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"app-{i}" for i in reversed(range(5))]


def test_settings_need_admin(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _create(api, acme["carol"], visibility="org").status_code == 201
    denied = api.patch("/api/spaces/acme/demo", json={"title": "x"}, headers=acme["dave"])
    assert denied.status_code == 403 and error_code(denied) == "forbidden"
    assert api.patch("/api/spaces/acme/demo", json={"title": "x"}, headers=acme["carol"]).status_code == 403
    changed = api.patch(
        "/api/spaces/acme/demo",
        json={"title": "New", "visibility": "private", "sleep_time": -1, "hardware": "cpu-upgrade"},
        headers=acme["bob"],
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["visibility"], body["sleep_time"], body["hardware"]) == ("New", "private", -1, "cpu-upgrade")
    assert api.patch("/api/spaces/acme/demo", json={"sleep_time": 5}, headers=acme["bob"]).status_code == 422
    unknown = api.patch("/api/spaces/acme/demo", json={"hardware": "nope"}, headers=acme["bob"])
    assert unknown.status_code == 422 and error_code(unknown) == "unknown_hardware"
    assert "space.update" in audit_actions(db_url(api))


def test_restart_pause_resume_delete(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _create(api, acme["carol"]).status_code == 201
    url = "/api/spaces/acme/demo"
    assert api.post(f"{url}/restart", headers=acme["dave"]).status_code == 403
    assert api.post(f"{url}/restart", headers=acme["carol"]).status_code == 200
    generation = sql(db_url(api), "SELECT restart_generation FROM spaces WHERE name = 'demo'")[0][0]
    assert generation == 1
    assert api.post(f"{url}/pause", headers=acme["carol"]).status_code == 403
    paused = api.post(f"{url}/pause", headers=acme["bob"])
    assert paused.status_code == 200 and paused.json()["stage"] == "PAUSED"
    assert paused.json()["desired_state"] == "paused"
    refused = api.post(f"{url}/restart", headers=acme["carol"])
    assert refused.status_code == 409 and error_code(refused) == "space_paused"
    resumed = api.post(f"{url}/resume", headers=acme["bob"])
    assert resumed.json()["stage"] == "NO_APP_FILE" and resumed.json()["desired_state"] == "running"
    # With a serving revision, resuming starts the app.
    sql(db_url(api), "INSERT INTO space_revisions (space_id, number, manifest, manifest_digest, space_metadata, message,"
        " created_at) SELECT id, 1, '{\"files\": []}', 'sha256:x', '{}', '', now() FROM spaces WHERE name = 'demo'")
    sql(db_url(api), "UPDATE spaces SET serving_revision_id = r.id, latest_revision_id = r.id FROM space_revisions r"
        " WHERE r.space_id = spaces.id")
    api.post(f"{url}/pause", headers=acme["bob"])
    resumed = api.post(f"{url}/resume", headers=acme["bob"]).json()
    assert resumed["stage"] == "APP_STARTING" and resumed["serving_revision"] == 1 and resumed["latest_revision"] == 1
    stages = [e["stage"] for e in api.get(f"{url}/stages").json()["items"]]
    assert stages == ["APP_STARTING", "PAUSED", "NO_APP_FILE", "PAUSED", "NO_APP_FILE"]
    page = api.get(f"{url}/stages", params={"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    # Delete: admins only; hidden at once, its name stays taken until the reconciler removes it.
    assert api.delete(url, headers=acme["carol"]).status_code == 403
    assert api.delete(url, headers=acme["bob"]).status_code == 204
    assert api.get(url, headers=acme["bob"]).status_code == 404
    assert api.get("/api/spaces", headers=acme["bob"]).json()["items"] == []
    assert sql(db_url(api), "SELECT desired_state, stage FROM spaces")[0] == ("deleted", "DELETING")
    taken = _create(api, acme["bob"])
    assert taken.status_code == 409 and error_code(taken) == "space_exists"
    actions = audit_actions(db_url(api))
    for action in ("space.restart", "space.pause", "space.resume", "space.delete"):
        assert action in actions


def test_variables(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _create(api, acme["carol"]).status_code == 201
    url = "/api/spaces/acme/demo/variables"
    assert api.put(f"{url}/MODEL", json={"value": "gpt2"}, headers=acme["carol"]).status_code == 403
    put = api.put(f"{url}/MODEL", json={"value": "gpt2"}, headers=acme["bob"])
    assert put.status_code == 200 and put.json()["value"] == "gpt2"
    assert api.put(f"{url}/MODEL", json={"value": "gpt3"}, headers=acme["bob"]).status_code == 200
    assert api.put(f"{url}/1BAD", json={"value": "x"}, headers=acme["bob"]).status_code == 422
    listed = api.get(url, headers=acme["carol"]).json()["items"]
    assert [(v["name"], v["value"]) for v in listed] == [("MODEL", "gpt3")]
    assert api.get(url, headers=acme["dave"]).status_code == 403
    assert api.delete(f"{url}/MODEL", headers=acme["bob"]).status_code == 204
    missing = api.delete(f"{url}/MODEL", headers=acme["bob"])
    assert missing.status_code == 404 and error_code(missing) == "variable_not_found"
    actions = audit_actions(db_url(api))
    assert actions.count("space.variable.write") == 2 and "space.variable.delete" in actions


def test_secrets_never_shown(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _create(api, acme["carol"]).status_code == 201
    url = "/api/spaces/acme/demo/secrets"
    assert api.put(f"{url}/HF_TOKEN", json={"value": SECRET_VALUE}, headers=acme["carol"]).status_code == 403
    put = api.put(f"{url}/HF_TOKEN", json={"value": SECRET_VALUE}, headers=acme["bob"])
    assert put.status_code == 200 and SECRET_VALUE not in put.text and put.json()["name"] == "HF_TOKEN"
    listed = api.get(url, headers=acme["carol"])
    assert [s["name"] for s in listed.json()["items"]] == ["HF_TOKEN"] and SECRET_VALUE not in listed.text
    assert api.get(url, headers=acme["dave"]).status_code == 403
    row = sql(db_url(api), "SELECT s.space_id, s.key_id, s.nonce, s.ciphertext FROM space_secrets s")[0]
    assert SECRET_VALUE.encode() not in bytes(row[3])
    from platform_fixtures import TEST_SECRET_KEYS

    from podium_cp.crypto import SecretBox

    opened = SecretBox(TEST_SECRET_KEYS).open(row[1], bytes(row[2]), bytes(row[3]), f"space-secret:{row[0]}:HF_TOKEN".encode())
    assert opened == SECRET_VALUE.encode()
    assert api.delete(f"{url}/HF_TOKEN", headers=acme["bob"]).status_code == 204
    assert api.delete(f"{url}/HF_TOKEN", headers=acme["bob"]).status_code == 404
    audit_rows = sql(db_url(api), "SELECT action, target, details::text FROM audit_events")
    assert {"space.secret.write", "space.secret.delete"} <= {r[0] for r in audit_rows}
    assert all(SECRET_VALUE not in " ".join(str(c) for c in r) for r in audit_rows)


def test_org_limited_token(api: TestClient, acme: dict[str, Headers]) -> None:
    """A token limited to another org reads only public Spaces of acme; one limited to acme cannot create
    personal Spaces."""
    browser = other_client(api)
    signup(browser, "gina")
    assert browser.post("/api/orgs", json={"name": "other"}, headers=csrf_headers(browser)).status_code == 201
    sql(db_url(api), "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT o.id, u.id, 'write', now() "
        "FROM orgs o, users u WHERE o.name = 'acme' AND u.username = 'gina'")
    assert _create(api, acme["alice"], name="internal", visibility="org").status_code == 201
    assert _create(api, acme["alice"], name="pub").status_code == 201
    only_other = bearer(new_token(browser, org="other"))
    only_acme = bearer(new_token(browser, org="acme"))
    listed = api.get("/api/spaces", headers=only_other).json()["items"]
    assert [s["name"] for s in listed] == ["pub"]
    assert api.get("/api/spaces/acme/internal", headers=only_other).status_code == 404
    assert api.get("/api/spaces/acme/internal", headers=only_acme).status_code == 200
    assert _create(api, only_acme, owner="gina", name="mine").status_code == 403
    assert _create(api, only_acme, name="team-app").status_code == 201


def test_resume_running_space_keeps_its_stage(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _create(api, acme["bob"]).status_code == 201
    sql(db_url(api), "UPDATE spaces SET stage = 'RUNNING'")
    assert api.post("/api/spaces/acme/demo/resume", headers=acme["bob"]).json()["stage"] == "RUNNING"


def test_replicas(api: TestClient, acme: dict[str, Headers]) -> None:
    assert _create(api, acme["carol"]).json()["replicas"] == 1
    for bad in (0, 11, -1, "x", "3", 2.5, True, None):
        refused = api.patch("/api/spaces/acme/demo", json={"replicas": bad}, headers=acme["bob"])
        if bad is None:  # null leaves it as it is
            assert refused.status_code == 200 and refused.json()["replicas"] == 1
            continue
        assert refused.status_code == 422, (bad, refused.text)
    assert api.patch("/api/spaces/acme/demo", json={"replicas": 3}, headers=acme["carol"]).status_code == 403
    changed = api.patch("/api/spaces/acme/demo", json={"replicas": 3}, headers=acme["bob"])
    assert changed.status_code == 200 and changed.json()["replicas"] == 3
    assert api.get("/api/spaces/acme/demo", headers=acme["dave"]).json()["replicas"] == 3
    details = sql(db_url(api), "SELECT details FROM audit_events WHERE action = 'space.update' ORDER BY id DESC LIMIT 1")
    assert details[0][0]["changed"] == {"replicas": 3}


def test_gpu_replicas_count_against_the_quota(api: TestClient, acme: dict[str, Headers]) -> None:
    api.put("/api/orgs/acme/quota", json={"max_spaces": 50, "max_gpus": 2}, headers=acme["site"])
    assert _create(api, acme["alice"], name="gpu", hardware="t4-small").json()["stage"] == "NO_APP_FILE"
    more = api.patch("/api/spaces/acme/gpu", json={"replicas": 3}, headers=acme["alice"]).json()
    assert more["stage"] == "WAITING_FOR_HARDWARE" and "1 GPU x 3 replicas = 3 GPUs" in more["stage_message"]
    fewer = api.patch("/api/spaces/acme/gpu", json={"replicas": 2}, headers=acme["alice"]).json()
    assert fewer["stage"] == "NO_APP_FILE"
    sql(db_url(api), "UPDATE spaces SET stage = 'RUNNING' WHERE name = 'gpu'")
    assert api.get("/api/orgs/acme/quota", headers=acme["dave"]).json()["gpus_in_use"] == 2
