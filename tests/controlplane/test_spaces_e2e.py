"""Spaces end to end, with every part real: `podium push` (the CLI) to the API, the builder building images with
REAL Podman (its Docker-compatible socket), the reconciler running containers, the router serving them at
NAME--OWNER.spaces.localhost, Postgres underneath. Each service is a subprocess the tests kill and restart.

The database is one of its own in the test cluster (not emptied between these tests: they share the built
`alice/hello` Space). Containers and images carry a namespace of this run and are removed at the end.

`*.localhost` names resolve to the loopback in browsers, but this machine's resolver does not map them: HTTP
requests here connect to 127.0.0.1 with the Space's Host header, and the `gradio_client` test resolves the name
to 127.0.0.1 itself (a patched `getaddrinfo`).
"""

from __future__ import annotations

import random
import secrets
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import migrated_database, sql
from platform_fixtures import TEST_SECRET_KEYS
from spaces_platform import Platform, podium_cli, remove_namespace

# Builds and starts take seconds each; the module's fixtures (base image, first build) take longer.
pytestmark = pytest.mark.timeout(300)
NAMESPACE = f"e2e{random.randrange(10**6, 10**7)}"
PASSWORD = "correct horse battery staple"

HELLO_README = """---
title: Hello
sdk: podium
app_file: app.py
---
# Hello
"""
HELLO_APP = """
import os
import podium as gr

VERSION = "{version}"


def greet(name):
    return (f"Hello {{name}} from {{os.environ['SPACE_ID']}} v{{VERSION}}: "
            f"{{os.environ.get('GREETING', 'no greeting')}}, secret of {{len(os.environ.get('TOKEN', ''))}} chars")


demo = gr.Interface(greet, "textbox", "textbox", title="Hello v" + VERSION)
demo.launch()
"""
# A docker Space whose build takes a few seconds without the network: room to kill things mid-build.
SLOW_README = "---\ntitle: Slow\nsdk: docker\napp_port: 7860\n---\n"
SLOW_DOCKERFILE = """FROM {base}
RUN echo "slow build {nonce} starting" && sleep 12 && echo "slow build done"
COPY app.py /srv/app.py
CMD ["python", "/srv/app.py"]
"""
SLOW_APP = """
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"slow space"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(("0.0.0.0", 7860), H).serve_forever()
"""


@pytest.fixture(scope="module")
def e2e_database(pg_cluster: str) -> Iterator[str]:
    with migrated_database(pg_cluster, f"spaces_{NAMESPACE}") as url:
        yield url


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, e2e_database: str, podman_socket: str, base_image: str
) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("spaces-e2e")
    p = Platform(folder, e2e_database, podman_socket, base_image, TEST_SECRET_KEYS)
    p.env["PODIUM_RUNTIME_NAMESPACE"] = NAMESPACE
    p.start_all()
    try:
        yield p
    finally:
        p.stop_all()
        remove_namespace(podman_socket, NAMESPACE)


def _signed_in(platform: Platform, username: str) -> tuple[httpx.Client, str]:
    """A new user's API client (session) and an API token."""
    client = httpx.Client(base_url=platform.api_url, timeout=30)
    response = client.post("/api/auth/signup",
                           json={"username": username, "email": f"{username}@example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text
    csrf = {"X-CSRF-Token": client.cookies.get("podium_csrf") or ""}
    made = client.post("/api/user/tokens", json={"name": "e2e", "scopes": ["read", "write", "admin"]}, headers=csrf)
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client, token


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content)
    return folder


def _space(api: httpx.Client, full: str) -> dict[str, Any]:
    response = api.get(f"/api/spaces/{full}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _build(database_url: str, build_id: int) -> Any:
    return sql(database_url, "SELECT status, attempts, error, image FROM builds WHERE id = :id", id=build_id)[0]


@pytest.fixture(scope="module")
def alice(platform: Platform) -> httpx.Client:
    client, token = _signed_in(platform, "alice")
    done = podium_cli(platform, "login", "--server", platform.api_url, "--token", token)
    assert done.returncode == 0, done.stderr
    return client


@pytest.fixture(scope="module")
def hello(platform: Platform, alice: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alice/hello pushed with the CLI (following its build and start) and RUNNING, with a variable and a secret."""
    folder = _write(tmp_path_factory.mktemp("hello") / "hello", {"README.md": HELLO_README,
                                                                 "app.py": HELLO_APP.format(version=1)})
    created = alice.post("/api/spaces", json={"owner": "alice", "name": "hello", "sleep_time": -1})
    assert created.status_code == 201, created.text
    assert alice.put("/api/spaces/alice/hello/variables/GREETING", json={"value": "good morning"}).status_code == 200
    assert alice.put("/api/spaces/alice/hello/secrets/TOKEN", json={"value": "s3cret-value"}).status_code == 200
    done = podium_cli(platform, "push", str(folder), "--space", "alice/hello", "--timeout", "240")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{platform.output()}"
    assert "Building revision 1" in done.stderr  # the build log was followed live
    assert _space(alice, "alice/hello")["stage"] == "RUNNING"
    return folder


def test_pushed_space_serves_its_page_and_api_through_the_router(platform: Platform, hello: Path) -> None:
    status, page = platform.space_get("alice", "hello")
    assert status == 200
    assert "Hello v1" in page  # the app's server-rendered page, through the router

    # The real gradio_client, at the Space's public URL.
    from gradio_client import Client

    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "getaddrinfo", resolve)
        client = Client(f"http://{platform.space_host('alice', 'hello')}/", verbose=False)
        try:
            result = client.predict("Ada", api_name="/greet")
        finally:
            client.close()
    # Built-in variables, the Space's variable and its secret (decrypted) reach the app.
    assert result == "Hello Ada from alice/hello v1: good morning, secret of 12 chars"


def test_private_space_needs_a_reader(platform: Platform, alice: httpx.Client, hello: Path) -> None:
    bob, bob_token = _signed_in(platform, "bob")
    assert alice.patch("/api/spaces/alice/hello", json={"visibility": "private"}).status_code == 200
    try:
        # The router caches a lookup about a second.
        platform.wait(lambda: platform.space_get("alice", "hello")[0] == 401, 10, "the router to see it private")
        status, page = platform.space_get("alice", "hello")
        assert "sign in" in page.lower()
        assert platform.space_get("alice", "hello", headers={"Authorization": f"Bearer {bob_token}"})[0] == 404
        token = alice.headers["Authorization"]
        assert platform.space_get("alice", "hello", headers={"Authorization": token})[0] == 200
    finally:
        assert alice.patch("/api/spaces/alice/hello", json={"visibility": "public"}).status_code == 200
        bob.close()


def test_failed_build_keeps_the_old_revision_serving(platform: Platform, alice: httpx.Client, hello: Path) -> None:
    (hello / "app.py").write_text(HELLO_APP.format(version=2))
    (hello / "packages.txt").write_text("Not A Package!\n")
    try:
        done = podium_cli(platform, "push", str(hello), "--space", "alice/hello", "--timeout", "120")
    finally:
        (hello / "packages.txt").unlink()
        (hello / "app.py").write_text(HELLO_APP.format(version=1))
    assert done.returncode == 0, done.stderr  # the Space still runs: the push did not break it
    assert "not a Debian package name" in done.stderr
    space = _space(alice, "alice/hello")
    assert space["stage"] == "RUNNING"
    assert space["serving_revision"] == 1 and space["latest_revision"] == 2
    assert "Revision 2 failed to build" in space["stage_message"]
    status, page = platform.space_get("alice", "hello")
    assert status == 200 and "Hello v1" in page


def test_code_only_change_rebuilds_and_replaces_the_container(
    platform: Platform, alice: httpx.Client, hello: Path
) -> None:
    (hello / "app.py").write_text(HELLO_APP.format(version=3))
    done = podium_cli(platform, "push", str(hello), "--space", "alice/hello", "--timeout", "120")
    assert done.returncode == 0, done.stderr
    assert "Uploading 1 of 2 files" in done.stderr
    space = _space(alice, "alice/hello")
    assert space["stage"] == "RUNNING" and space["serving_revision"] == 3
    platform.wait(lambda: "Hello v3" in platform.space_get("alice", "hello")[1], 30, "revision 3 to serve")


def test_space_sleeps_when_idle_and_a_request_wakes_it(platform: Platform, alice: httpx.Client, hello: Path) -> None:
    database = platform.env["PODIUM_DATABASE_URL"]
    # The API allows 60 s at least; the test shortens it in the database.
    sql(database, "UPDATE spaces SET sleep_time = 1 WHERE name = 'hello'")
    try:
        platform.wait(lambda: _space(alice, "alice/hello")["stage"] == "SLEEPING", 60, "the Space to sleep")
        assert "without requests" in _space(alice, "alice/hello")["stage_message"]
        sql(database, "UPDATE spaces SET sleep_time = -1 WHERE name = 'hello'")
        assert not sql(database, "SELECT 1 FROM space_runtimes WHERE status = 'running' AND url IS NOT NULL "
                                 "AND space_id = (SELECT id FROM spaces WHERE name = 'hello')")
        status, page = platform.space_get("alice", "hello")  # waits while the Space wakes
        assert status == 200 and "Hello v" in page
        assert _space(alice, "alice/hello")["stage"] == "RUNNING"
        stages = [e["stage"] for e in alice.get("/api/spaces/alice/hello/stages").json()["items"]]
        assert "SLEEPING" in stages and "APP_STARTING" in stages
    finally:
        sql(database, "UPDATE spaces SET sleep_time = -1 WHERE name = 'hello'")


def test_reconciler_restart_adopts_the_running_container(platform: Platform, alice: httpx.Client, hello: Path) -> None:
    database = platform.env["PODIUM_DATABASE_URL"]
    before = sql(database, "SELECT container_id FROM space_runtimes r JOIN spaces s ON s.id = r.space_id "
                           "WHERE s.name = 'hello'")[0][0]
    platform.kill("reconciler")
    platform.start("reconciler")
    time.sleep(3)  # several passes
    after = sql(database, "SELECT container_id, status FROM space_runtimes r JOIN spaces s ON s.id = r.space_id "
                          "WHERE s.name = 'hello'")[0]
    assert tuple(after) == (before, "running")
    assert platform.space_get("alice", "hello")[0] == 200


def _push_slow(platform: Platform, alice: httpx.Client, folder: Path, name: str) -> int:
    _write(folder, {"README.md": SLOW_README, "app.py": SLOW_APP,
                    "Dockerfile": SLOW_DOCKERFILE.format(base=platform.env["PODIUM_SPACE_BASE_IMAGE"],
                                                         nonce=secrets.token_hex(4))})
    done = podium_cli(platform, "push", str(folder), "--space", f"alice/{name}", "--no-follow")
    assert done.returncode == 0, done.stderr
    builds = alice.get(f"/api/spaces/alice/{name}/builds").json()["items"]
    return int(builds[0]["id"])


def _log_has(alice: httpx.Client, name: str, build_id: int, needle: str) -> bool:
    return needle in alice.get(f"/api/spaces/alice/{name}/builds/{build_id}/logs").text


def test_killed_builder_job_is_claimed_again(platform: Platform, alice: httpx.Client, tmp_path: Path) -> None:
    database = platform.env["PODIUM_DATABASE_URL"]
    build_id = _push_slow(platform, alice, tmp_path / "slow", "slow")
    platform.wait(lambda: _log_has(alice, "slow", build_id, "starting"), 120, "the slow build to start")
    platform.kill("builder")  # SIGKILL mid-build: no clean-up, the job stays `running` without heartbeats
    assert _build(database, build_id).status == "running"
    platform.start("builder")
    platform.wait(lambda: _build(database, build_id).status == "succeeded", 180, "the build to be retried")
    assert _build(database, build_id).attempts == 2
    assert _log_has(alice, "slow", build_id, "(attempt 2)")
    platform.wait(lambda: _space(alice, "alice/slow")["stage"] == "RUNNING", 120, "the slow Space to run")
    assert platform.space_get("alice", "slow") == (200, "slow space")


def test_api_restarted_mid_build_loses_nothing(platform: Platform, alice: httpx.Client, tmp_path: Path) -> None:
    build_id = _push_slow(platform, alice, tmp_path / "slow2", "slow2")
    platform.wait(lambda: _log_has(alice, "slow2", build_id, "starting"), 120, "the slow build to start")
    platform.kill("api", signal.SIGKILL)
    time.sleep(1)
    platform.start("api")
    # Following the log after the restart shows the whole build, start to end.
    with alice.stream("GET", f"/api/spaces/alice/slow2/builds/{build_id}/logs", params={"follow": "true"},
                      timeout=180) as response:
        body = "".join(response.iter_text())
    assert "slow build" in body and "slow build done" in body and "Build succeeded" in body
    platform.wait(lambda: _space(alice, "alice/slow2")["stage"] == "RUNNING", 120, "the Space to run")
    assert platform.space_get("alice", "slow2") == (200, "slow space")


def test_crashing_app_is_a_runtime_error_restarted_with_back_off(
    platform: Platform, alice: httpx.Client, tmp_path: Path
) -> None:
    database = platform.env["PODIUM_DATABASE_URL"]
    folder = _write(tmp_path / "crash", {
        "README.md": "---\ntitle: Crash\nsdk: docker\n---\n",
        "Dockerfile": f"FROM {platform.env['PODIUM_SPACE_BASE_IMAGE']}\n"
                      "CMD [\"python\", \"-c\", \"print('boom: no model file', flush=True); raise SystemExit(3)\"]\n",
    })
    done = podium_cli(platform, "push", str(folder), "--space", "alice/crash", "--timeout", "120")
    assert done.returncode == 1  # the push reports the failed start
    assert "RUNTIME_ERROR" in done.stderr
    space = _space(alice, "alice/crash")
    assert space["stage"] == "RUNTIME_ERROR"
    assert "exited with code 3" in space["stage_message"] and "boom: no model file" in space["stage_message"]

    def restarts() -> int:
        return int(sql(database, "SELECT r.restarts FROM space_runtimes r JOIN spaces s ON s.id = r.space_id "
                                 "WHERE s.name = 'crash'")[0][0])

    platform.wait(lambda: restarts() >= 2, 30, "a restart after the back-off")
    status, page = platform.space_get("alice", "crash")  # a visitor gets the status page, not a hang
    assert status == 503 and "boom: no model file" in page


def test_runtime_logs_reach_the_cli(platform: Platform, hello: Path) -> None:
    done = podium_cli(platform, "spaces", "logs", "alice/hello", "--tail", "50")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()  # the app's own output, read from the engine through the API
