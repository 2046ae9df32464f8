"""`POST /api/spaces/OWNER/NAME/rollback` (docs/design/console.md) over the real API, Postgres and the local object
store: a new revision with an earlier revision's files, built like a push, and every refusal."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import add_org, audit_actions, bearer, error_code, new_token, other_client, served, signup, sql

from podium_cp.api import create_app
from podium_cp.settings import Settings

README = b"---\ntitle: Demo\nsdk: podium\napp_file: app.py\n---\n# Demo\n"
APP_V1 = b"import podium\nprint('one')\n"
APP_V2 = b"import podium\nprint('two')\n"
BASE = "/api/spaces/acme/demo"
Headers = dict[str, str]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def people(api: TestClient, pg_url: str) -> dict[str, Headers]:
    """Org acme with the Space acme/demo (visibility org): alice owns the org, carol writes, bob reads, eve is an
    outsider. Returns each user's bearer headers."""
    headers: dict[str, Headers] = {}
    for user in ("alice", "bob", "carol", "eve"):
        client = other_client(api)
        signup(client, user)
        headers[user] = bearer(new_token(client))
    add_org(pg_url, "acme", {"alice": "owner", "bob": "read", "carol": "write"})
    created = api.post("/api/spaces", json={"owner": "acme", "name": "demo", "visibility": "org"},
                       headers=headers["alice"])
    assert created.status_code == 201, created.text
    return headers


def push(api: TestClient, h: Headers, files: dict[str, bytes], message: str = "") -> Any:
    for data in files.values():
        put = api.put(f"{BASE}/blobs/{sha(data)}", content=data,
                      headers={**h, "content-type": "application/octet-stream"})
        assert put.status_code == 200, put.text
    manifest = {"files": [{"path": p, "size": len(d), "sha256": sha(d), "mode": 0o644} for p, d in files.items()]}
    response = api.post(f"{BASE}/revisions", json={"manifest": manifest, "message": message}, headers=h)
    assert response.status_code == 201, response.text
    return response.json()


def rollback(api: TestClient, h: Headers | None, body: Any) -> Any:
    return api.post(f"{BASE}/rollback", json=body, headers=h or {})


def test_rollback_deploys_an_earlier_revisions_files(api: TestClient, pg_url: str,
                                                      people: dict[str, Headers]) -> None:
    first = push(api, people["alice"], {"README.md": README, "app.py": APP_V1}, "first")
    push(api, people["alice"], {"README.md": README, "app.py": APP_V2}, "second")
    sql(pg_url, "UPDATE spaces SET serving_revision_id = latest_revision_id, stage = 'RUNNING'")

    answer = rollback(api, people["carol"], {"revision": 1})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"revision", "build", "stage", "stage_message"}  # what POST .../revisions answers
    assert body["revision"]["number"] == 3 and body["revision"]["message"] == "Rollback to revision 1"
    assert body["revision"]["manifest_digest"] == first["revision"]["manifest_digest"]
    assert body["revision"]["files"] == 2 and body["revision"]["sdk"] == "podium"
    assert body["build"]["status"] == "queued" and body["build"]["revision"] == 3
    assert body["stage"] == "RUNNING_BUILDING" and body["stage_message"] == "Building revision 3"

    manifests = sql(pg_url, "SELECT number, manifest, created_by_id FROM space_revisions ORDER BY number")
    assert manifests[2][1] == manifests[0][1]
    assert manifests[2][2] == sql(pg_url, "SELECT id FROM users WHERE username = 'carol'")[0][0]
    builds = api.get(f"{BASE}/builds", headers=people["bob"]).json()["items"]
    assert [(b["revision"], b["status"]) for b in builds] == [(3, "queued"), (2, "cancelled"), (1, "cancelled")]
    space = api.get(BASE, headers=people["bob"]).json()
    assert space["latest_revision"] == 3 and space["stage"] == "RUNNING_BUILDING"
    assert "space.rollback" in audit_actions(pg_url)
    details = sql(pg_url, "SELECT target, details FROM audit_events WHERE action = 'space.rollback'")[0]
    assert details[0] == "acme/demo" and details[1]["to"] == 1 and details[1]["revision"] == 3

    again = rollback(api, people["alice"], {"revision": 3})  # the newest one: a fresh build of the same files
    assert again.status_code == 201 and again.json()["revision"]["number"] == 4


def test_rollback_refusals(api: TestClient, pg_url: str, people: dict[str, Headers]) -> None:
    push(api, people["alice"], {"README.md": README, "app.py": APP_V1})
    unknown = rollback(api, people["alice"], {"revision": 99})
    assert unknown.status_code == 404 and error_code(unknown) == "revision_not_found"
    assert "no revision 99" in unknown.json()["error"]["message"]
    reader = rollback(api, people["bob"], {"revision": 1})
    assert reader.status_code == 403 and error_code(reader) == "forbidden"
    outsider = rollback(api, people["eve"], {"revision": 1})
    assert outsider.status_code == 404 and error_code(outsider) == "space_not_found"
    anonymous = rollback(other_client(api), None, {"revision": 1})
    assert anonymous.status_code == 401
    nowhere = api.post("/api/spaces/acme/nope/rollback", json={"revision": 1}, headers=people["alice"])
    assert nowhere.status_code == 404 and error_code(nowhere) == "space_not_found"
    for bad in ({}, {"revision": 0}, {"revision": -1}, {"revision": "1"}, {"revision": True}, {"revision": 1.5},
                {"revision": 2**40}, {"revision": None}, [1]):
        response = rollback(api, people["alice"], bad)
        assert response.status_code == 422 and error_code(response) == "invalid_input", bad
    garbage = api.post(f"{BASE}/rollback", content=b"{not json", headers={**people["alice"],
                                                                          "content-type": "application/json"})
    assert garbage.status_code == 422
    assert sql(pg_url, "SELECT count(*) FROM space_revisions")[0][0] == 1  # nothing was made by any refusal


def test_a_read_scoped_token_cannot_roll_back(api: TestClient, pg_url: str, people: dict[str, Headers]) -> None:
    push(api, people["alice"], {"README.md": README, "app.py": APP_V1})
    browser = other_client(api)
    signup(browser, "owner2")
    sql(pg_url, "INSERT INTO memberships (org_id, user_id, role, created_at) SELECT o.id, u.id, 'owner', now() "
                "FROM orgs o, users u WHERE o.name = 'acme' AND u.username = 'owner2'")
    response = rollback(api, bearer(new_token(browser, scopes=["read"])), {"revision": 1})
    assert response.status_code == 403 and "scope" in response.json()["error"]["message"]


def test_a_revision_that_cannot_be_built_is_refused(api: TestClient, pg_url: str,
                                                    people: dict[str, Headers]) -> None:
    no_app = push(api, people["alice"], {"README.md": README})
    assert no_app["stage"] == "NO_APP_FILE" and no_app["build"] is None
    bad_config = push(api, people["alice"], {"README.md": b"---\nsdk: [\n---\n", "app.py": APP_V1})
    assert bad_config["stage"] == "CONFIG_ERROR"
    push(api, people["alice"], {"README.md": README, "app.py": APP_V1})
    for number, stage in ((1, "NO_APP_FILE"), (2, "CONFIG_ERROR")):
        response = rollback(api, people["alice"], {"revision": number})
        assert response.status_code == 422 and error_code(response) == "revision_not_buildable", response.text
        assert stage in response.json()["error"]["message"]
    assert sql(pg_url, "SELECT count(*) FROM space_revisions")[0][0] == 3
    assert rollback(api, people["alice"], {"revision": 3}).status_code == 201


def test_files_no_longer_stored_are_a_conflict(api: TestClient, pg_url: str, settings: Any,
                                               people: dict[str, Headers]) -> None:
    push(api, people["alice"], {"README.md": README, "app.py": APP_V1})
    blobs = [p for p in (settings.data_dir / "objects").rglob("*") if p.is_file() and p.name.endswith(sha(APP_V1)[2:])]
    assert len(blobs) == 1
    blobs[0].unlink()
    response = rollback(api, people["alice"], {"revision": 1})
    assert response.status_code == 409 and error_code(response) == "missing_blobs"
    assert "no longer stored" in response.json()["error"]["message"]
    assert response.json()["error"]["details"]["missing"] == [sha(APP_V1)]


def test_the_cli_rolls_back(api: TestClient, settings: Settings, people: dict[str, Headers], tmp_path: Path) -> None:
    """`podium spaces rollback OWNER/NAME REVISION`: the real CLI (a subprocess) against the API under uvicorn."""
    push(api, people["alice"], {"README.md": README, "app.py": APP_V1})
    push(api, people["alice"], {"README.md": README})  # NO_APP_FILE
    env = {k: v for k, v in os.environ.items() if k not in ("PODIUM_SERVER", "PODIUM_HOME")}
    env["PODIUM_HOME"] = str(tmp_path / "home")
    cli = [str(Path(sys.executable).with_name("podium"))]

    def podium(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], capture_output=True, text=True, timeout=120, env=env, input="")

    with served(create_app(settings)) as url:
        token = people["carol"]["Authorization"].removeprefix("Bearer ")
        assert podium("login", "--server", url, "--token", token).returncode == 0
        done = podium("spaces", "rollback", "acme/demo", "1")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "acme/demo: revision 3 has revision 1's files; stage BUILDING"
        assert "podium spaces logs acme/demo --build --follow" in done.stderr
        for args, words in ((("acme/demo", "9"), ("no revision 9",)),
                            (("acme/demo", "2"), ("cannot be built", "NO_APP_FILE")),
                            (("acme/nope", "1"), ("no Space acme/nope",))):
            refused = podium("spaces", "rollback", *args)
            line = refused.stderr.strip()
            assert refused.returncode == 1 and "\n" not in line and line.startswith("podium spaces rollback: ")
            assert all(w in line for w in words), line
        assert podium("spaces", "rollback", "acme/demo", "one").returncode == 2  # not a number: usage error
