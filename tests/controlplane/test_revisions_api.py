"""Pushing a Space through the real API (TestClient, test Postgres, the local object store): which contents are
missing, uploads, revisions, builds and build logs, and every refusal a push can meet."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import add_org, bearer, error_code, new_token, other_client, signup, sql

from podium_cp.api import routes_revisions

README = b"---\ntitle: Demo\nsdk: podium\napp_file: app.py\n---\n# Demo\n"
APP = b"import podium\nprint('hi')\n"
REQS = b"numpy==2.1.0\n"
BASE = "/api/spaces/acme/demo"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry(path: str, data: bytes, mode: int = 0o644) -> dict[str, Any]:
    return {"path": path, "size": len(data), "sha256": sha(data), "mode": mode}


def add_space(url: str, owner: str = "acme", name: str = "demo", visibility: str = "org") -> int:
    org_id = sql(url, "SELECT id FROM orgs WHERE name = :n", n=owner)[0][0]
    return int(sql(url, "INSERT INTO spaces (name, owner_name, owner_org_id, title, sdk, visibility, hardware, "
                        "sleep_time, desired_state, stage, stage_message, restart_generation, created_at, updated_at) "
                        "VALUES (:name, :owner, :org, '', 'podium', :vis, 'cpu-basic', 172800, 'running', "
                        "'NO_APP_FILE', '', 0, now(), now()) RETURNING id",
                   name=name, owner=owner, org=org_id, vis=visibility)[0][0])


@pytest.fixture
def push(api: TestClient, pg_url: str) -> dict[str, dict[str, str]]:
    """Org acme with the Space acme/demo (visibility org): alice owns it, bob only reads, carol is an outsider.
    Returns each user's bearer headers."""
    headers: dict[str, dict[str, str]] = {}
    for user in ("alice", "bob", "carol"):
        client = other_client(api)
        signup(client, user)
        headers[user] = bearer(new_token(client))
    add_org(pg_url, "acme", {"alice": "owner", "bob": "read"})
    add_space(pg_url)
    return headers


def upload(api: TestClient, h: dict[str, str], data: bytes, digest: str | None = None) -> Any:
    return api.put(f"{BASE}/blobs/{digest or sha(data)}", content=data,
                   headers={**h, "content-type": "application/octet-stream"})


def push_files(api: TestClient, h: dict[str, str], files: dict[str, bytes], message: str = "") -> Any:
    for data in files.values():
        assert upload(api, h, data).status_code == 200
    manifest = {"files": [entry(p, d) for p, d in files.items()]}
    return api.post(f"{BASE}/revisions", json={"manifest": manifest, "message": message}, headers=h)


def test_full_push_flow(api: TestClient, pg_url: str, push: dict[str, dict[str, str]]) -> None:
    h = push["alice"]
    files = {"README.md": README, "app.py": APP, "requirements.txt": REQS}
    digests = [sha(d) for d in files.values()]
    missing = api.post(f"{BASE}/blobs/missing", json={"digests": digests}, headers=h)
    assert missing.status_code == 200, missing.text
    assert missing.json() == {"missing": sorted(digests)}
    for data in files.values():
        up = upload(api, h, data)
        assert up.status_code == 200 and up.json() == {"sha256": sha(data), "size": len(data)}
    assert upload(api, h, APP).status_code == 200  # again: already stored, fine
    assert api.post(f"{BASE}/blobs/missing", json={"digests": digests}, headers=h).json() == {"missing": []}

    manifest = {"files": [entry("app.py", APP), entry("README.md", README), entry("requirements.txt", REQS)]}
    created = api.post(f"{BASE}/revisions", json={"manifest": manifest, "message": "first"}, headers=h)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["revision"]["number"] == 1 and body["revision"]["files"] == 3 and body["revision"]["sdk"] == "podium"
    assert body["revision"]["size"] == len(README) + len(APP) + len(REQS)
    assert body["build"]["status"] == "queued" and body["build"]["revision"] == 1
    assert body["stage"] == "BUILDING"
    stage, latest = sql(pg_url, "SELECT stage, latest_revision_id FROM spaces")[0]
    assert stage == "BUILDING" and latest is not None
    assert [r[0] for r in sql(pg_url, "SELECT stage FROM space_stage_events")] == ["BUILDING"]
    stored = sql(pg_url, "SELECT manifest, space_metadata FROM space_revisions")[0]
    assert [f["path"] for f in stored[0]["files"]] == ["README.md", "app.py", "requirements.txt"]
    assert stored[1]["title"] == "Demo" and stored[1]["app_file"] == "app.py"
    assert "space.revision.create" in [r[0] for r in sql(pg_url, "SELECT action FROM audit_events")]

    # A second push while the first build still waits supersedes it; while a revision serves: RUNNING_BUILDING.
    sql(pg_url, "UPDATE spaces SET serving_revision_id = latest_revision_id, stage = 'RUNNING'")
    second = push_files(api, h, {"README.md": README, "app.py": APP + b"# v2\n"}, "second")
    assert second.status_code == 201 and second.json()["stage"] == "RUNNING_BUILDING"
    builds = api.get(f"{BASE}/builds", headers=h).json()["items"]
    assert [(b["revision"], b["status"]) for b in builds] == [(2, "queued"), (1, "cancelled")]
    revisions = api.get(f"{BASE}/revisions", params={"limit": 1}, headers=h).json()
    assert [r["number"] for r in revisions["items"]] == [2] and revisions["next_cursor"]
    older = api.get(f"{BASE}/revisions", params={"cursor": revisions["next_cursor"]}, headers=h).json()
    assert [r["message"] for r in older["items"]] == ["first"] and older["next_cursor"] is None
    one = api.get(f"{BASE}/builds/{builds[0]['id']}", headers=h)
    assert one.status_code == 200 and one.json() == builds[0]
    assert error_code(api.get(f"{BASE}/builds/99999", headers=h)) == "build_not_found"


def test_an_upload_that_does_not_match_its_digest_is_refused(api: TestClient, push: dict[str, dict[str, str]]) -> None:
    h = push["alice"]
    response = upload(api, h, b"not the app", sha(APP))
    assert response.status_code == 422 and error_code(response) == "digest_mismatch"
    assert api.post(f"{BASE}/blobs/missing", json={"digests": [sha(APP)]}, headers=h).json() == {"missing": [sha(APP)]}
    bad = api.put(f"{BASE}/blobs/NOTHEX", content=b"x", headers=h)
    assert bad.status_code == 422


def test_uploads_over_the_size_limit_are_refused(
    api: TestClient, push: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes_revisions, "MAX_BLOB_BYTES", 1000)
    h = push["alice"]
    data = b"x" * 1001
    declared = upload(api, h, data)  # Content-Length says it all
    assert declared.status_code == 413 and error_code(declared) == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield data[:600]
        yield data[600:]

    streamed = api.put(f"{BASE}/blobs/{sha(data)}", content=chunks(), headers=h)
    assert streamed.status_code == 413 and error_code(streamed) == "too_large"
    assert api.post(f"{BASE}/blobs/missing", json={"digests": [sha(data)]}, headers=h).json()["missing"] == [sha(data)]
    assert upload(api, h, b"y" * 1000).status_code == 200


def test_a_revision_needs_every_content_uploaded(api: TestClient, pg_url: str, push: dict[str, dict[str, str]]) -> None:
    h = push["alice"]
    assert upload(api, h, APP).status_code == 200
    manifest = {"files": [entry("app.py", APP), entry("README.md", README), entry("copy.md", README)]}
    response = api.post(f"{BASE}/revisions", json={"manifest": manifest}, headers=h)
    assert response.status_code == 409 and error_code(response) == "missing_blobs"
    assert response.json()["error"]["details"] == {"missing": [sha(README)]}
    assert sql(pg_url, "SELECT count(*) FROM space_revisions")[0][0] == 0


@pytest.mark.parametrize(
    ("path", "problem"),
    [("../etc/passwd", "'..'"), ("/abs.py", "absolute"), ("a//b.py", "empty"), ("./a.py", "'.'"),
     ("a\\b.py", "backslash"), ("", "non-empty"), ("C:/x.py", "absolute")],
)
def test_unsafe_manifest_paths_are_refused(
    api: TestClient, push: dict[str, dict[str, str]], path: str, problem: str
) -> None:
    h = push["alice"]
    manifest = {"files": [entry("app.py", APP), entry(path, APP)]}
    response = api.post(f"{BASE}/revisions", json={"manifest": manifest}, headers=h)
    assert response.status_code == 422 and error_code(response) == "invalid_manifest"
    assert problem in response.json()["error"]["message"]


def test_manifest_shapes_are_checked(api: TestClient, push: dict[str, dict[str, str]]) -> None:
    h = push["alice"]
    files = [entry("app.py", APP), entry("app.py", APP), {"path": "b.py", "size": -1, "sha256": "XYZ", "mode": 0o777}]
    response = api.post(f"{BASE}/revisions", json={"manifest": {"files": files}}, headers=h)
    assert response.status_code == 422 and error_code(response) == "invalid_manifest"
    wheres = [p["where"] for p in response.json()["error"]["details"]["problems"]]
    assert wheres == ["manifest.files.1.path", "manifest.files.2.size", "manifest.files.2.sha256",
                      "manifest.files.2.mode"]
    too_many = [entry(f"f{i}.py", APP) for i in range(10_001)]
    assert api.post(f"{BASE}/revisions", json={"manifest": {"files": too_many}}, headers=h).status_code == 422
    digests = api.post(f"{BASE}/blobs/missing", json={"digests": ["a" * 64] * 10_001}, headers=h)
    assert digests.status_code == 422
    assert api.post(f"{BASE}/blobs/missing", json={"digests": ["ABC"]}, headers=h).status_code == 422


def test_no_app_file_stores_the_revision_without_a_build(
    api: TestClient, pg_url: str, push: dict[str, dict[str, str]]
) -> None:
    readme = b"---\napp_file: main.py\n---\n"
    response = push_files(api, push["alice"], {"README.md": readme, "app.py": APP})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["build"] is None and body["stage"] == "NO_APP_FILE" and "main.py" in body["stage_message"]
    assert sql(pg_url, "SELECT stage FROM spaces")[0][0] == "NO_APP_FILE"
    assert sql(pg_url, "SELECT count(*) FROM builds")[0][0] == 0
    docker = push_files(api, push["alice"], {"README.md": b"---\nsdk: docker\n---\n", "app.py": APP})
    assert docker.json()["stage"] == "NO_APP_FILE" and "Dockerfile" in docker.json()["stage_message"]
    assert docker.json()["revision"]["number"] == 2


def test_invalid_front_matter_is_a_config_error(
    api: TestClient, pg_url: str, push: dict[str, dict[str, str]]
) -> None:
    response = push_files(api, push["alice"], {"README.md": b"---\nsdk: rails\n---\n", "app.py": APP})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["build"] is None and body["stage"] == "CONFIG_ERROR"
    assert body["stage_message"].startswith("README.md:2:") and "rails" in body["stage_message"]
    assert sql(pg_url, "SELECT stage, stage_message FROM spaces")[0] == ("CONFIG_ERROR", body["stage_message"])
    binary = push_files(api, push["alice"], {"README.md": b"\xff\xfe", "app.py": APP})
    assert binary.json()["stage"] == "CONFIG_ERROR" and "UTF-8" in binary.json()["stage_message"]


def test_outsiders_get_404_and_readers_may_not_push(api: TestClient, push: dict[str, dict[str, str]]) -> None:
    pushed = push_files(api, push["alice"], {"README.md": README, "app.py": APP})
    build_id = pushed.json()["build"]["id"]
    manifest = {"files": [entry("app.py", APP)]}
    reads = ["/revisions", "/builds", f"/builds/{build_id}", f"/builds/{build_id}/logs"]
    for path in reads:
        response = api.get(BASE + path, headers=push["carol"])
        assert response.status_code == 404 and error_code(response) == "space_not_found", path
        assert api.get(BASE + path, headers=push["bob"]).status_code == 200, path
    carol_push = api.post(f"{BASE}/revisions", json={"manifest": manifest}, headers=push["carol"])
    assert carol_push.status_code == 404
    for response in (
        api.post(f"{BASE}/blobs/missing", json={"digests": [sha(APP)]}, headers=push["bob"]),
        upload(api, push["bob"], b"new content"),
        api.post(f"{BASE}/revisions", json={"manifest": manifest}, headers=push["bob"]),
    ):
        assert response.status_code == 403 and error_code(response) == "forbidden"
    assert api.post(f"{BASE}/blobs/missing", json={"digests": []}).status_code == 401  # anonymous


def test_build_logs_plain_and_followed_until_the_build_ends(
    api: TestClient, pg_url: str, push: dict[str, dict[str, str]]
) -> None:
    h = push["alice"]
    build_id = push_files(api, h, {"README.md": README, "app.py": APP}).json()["build"]["id"]
    sql(pg_url, "INSERT INTO build_log_lines (build_id, at, line) VALUES (:b, now(), 'Step 1/2'), "
                "(:b, now(), 'Step 2/2')", b=build_id)
    plain = api.get(f"{BASE}/builds/{build_id}/logs", headers=h)
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("text/plain")
    assert plain.text == "Step 1/2\nStep 2/2\n"

    def builder() -> None:  # the build goes on while the client follows, then ends
        time.sleep(1.0)
        sql(pg_url, "INSERT INTO build_log_lines (build_id, at, line) VALUES (:b, now(), 'pushed image')", b=build_id)
        time.sleep(0.7)
        sql(pg_url, "UPDATE builds SET status = 'failed', error = 'exit 1', finished_at = now() WHERE id = :b",
            b=build_id)

    thread = threading.Thread(target=builder)
    thread.start()
    started = time.monotonic()
    with api.stream("GET", f"{BASE}/builds/{build_id}/logs", params={"follow": "true"}, headers=h) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    thread.join()
    assert time.monotonic() - started >= 1.5  # it waited for the build to end
    events = [e for e in text.split("\n\n") if e]
    assert [e.split("data: ", 1)[1] for e in events] == ["Step 1/2", "Step 2/2", "pushed image", "Build failed: exit 1"]
    assert events[-1].startswith("event: end")
    first_id = events[0].split("\n")[0].removeprefix("id: ")
    resumed = api.get(f"{BASE}/builds/{build_id}/logs", params={"follow": "true"},
                      headers={**h, "Last-Event-ID": first_id})
    assert [e.split("data: ", 1)[1] for e in resumed.text.split("\n\n") if e] == [
        "Step 2/2", "pushed image", "Build failed: exit 1"]
