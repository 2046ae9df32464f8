"""Share links end to end, every part real: Postgres, the API (`POST /api/share/links`), the share server
(`python -m podium_services.share`), the router (`*.share.localhost`), and a Podium app on its own port that
calls `launch(share=True)` with PODIUM_SHARE_SERVER pointing at the API, the way a laptop would.

Visitors go through the router with the link's Host header (this machine's resolver does not map `*.localhost`;
the `gradio_client` test resolves the name to 127.0.0.1 itself). Expiry is moved by writing `expires_at` in
Postgres: the share server compares it with its own clock on each sweep (the controllable-clock tests of the
policy are in test_share_policy.py and tests/tunnel/).
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import free_port, migrated_database, sql
from spaces_platform import Platform, interrupt, podium_cli

pytestmark = pytest.mark.timeout(300)

TEST_SECRET_KEYS = "k1:" + "A" * 43 + "="
PASSWORD = "correct horse battery staple"
DATABASE = f"share_{uuid.uuid4().hex[:8]}"

APP = '''
import time
import podium as gr

def greet(name):
    return "Hello " + name + "!"

def count(n):
    for i in range(int(n)):
        time.sleep(0.15)
        yield f"step {i + 1}"

with gr.Blocks(title="Shared demo") as demo:
    gr.Markdown("# Shared demo")
    name = gr.Textbox(label="Name")
    out = gr.Textbox(label="Greeting")
    gr.Button("Greet").click(greet, name, out, api_name="greet")
    n = gr.Number(value=3)
    steps = gr.Textbox()
    gr.Button("Count").click(count, n, steps, api_name="count")

demo.launch(server_name="127.0.0.1", server_port={port}, share=True)
'''


@pytest.fixture(scope="module")
def share_database(pg_cluster: str) -> Iterator[str]:
    with migrated_database(pg_cluster, DATABASE) as url:
        yield url


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, share_database: str) -> Iterator[Platform]:
    """The API, the router and the share server (no builder, reconciler or container engine: not needed here)."""
    folder = tmp_path_factory.mktemp("share-e2e")
    p = Platform(folder, share_database, "/nonexistent/podman.sock", "unused", TEST_SECRET_KEYS)
    p.env["PODIUM_SHARE_ANONYMOUS_PER_HOUR"] = "1000"
    for name in ("api", "router", "share"):
        p.start(name)
    try:
        yield p
    finally:
        p.stop_all()


class SharedApp:
    """A Podium app started as `python app.py` with share=True; its output is kept to find the public URL."""

    def __init__(self, platform: Platform, folder: Path, env: dict[str, str] | None = None) -> None:
        self.platform = platform
        self.port = free_port()
        script = folder / f"app_{self.port}.py"
        script.write_text(APP.replace("{port}", str(self.port)))
        self.log = folder / f"app_{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(script)],
            env={**platform.env, "PODIUM_SHARE_SERVER": platform.api_url, **(env or {})},
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        match = platform.wait(lambda: re.search(r"Running on public URL:\s+(\S+)", self.output()), 60,
                              f"the app to print its public URL\n{self.output()}", every=0.05)
        self.url = match[1].rstrip("/")
        self.host = self.url.split("://", 1)[1]

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def get(self, path: str = "/", **kwargs: Any) -> httpx.Response:
        """GET through the router with the link's Host header."""
        return httpx.get(f"http://127.0.0.1:{self.platform.router_port}{path}", headers={"Host": self.host},
                         timeout=30, **kwargs)

    def stop(self) -> None:
        interrupt(self.proc)


@pytest.fixture
def shared(platform: Platform, tmp_path: Path) -> Iterator[SharedApp]:
    app = SharedApp(platform, tmp_path)
    try:
        yield app
    finally:
        app.stop()


def _link_row(database_url: str, subdomain: str) -> Any:
    rows = sql(database_url, "SELECT id, expires_at, revoked_at, connected_run_id FROM share_links "
                             "WHERE subdomain = :s", s=subdomain)
    assert rows, f"no share link with subdomain {subdomain}"
    return rows[0]


def _subdomain(app: SharedApp) -> str:
    return app.host.split(".", 1)[0]


def _gone(app: SharedApp) -> bool:
    return app.get().status_code == 404


def test_app_behind_a_share_link_serves_its_page_api_and_streams(platform: Platform, shared: SharedApp) -> None:
    assert re.fullmatch(rf"http://[0-9a-f]{{18}}\.share\.localhost:{platform.router_port}", shared.url)
    assert "expires" in shared.output()  # launch() says when the link stops
    page = shared.get()
    assert page.status_code == 200
    assert "Shared demo" in page.text  # the server-rendered page, through router, share server and tunnel

    # SSE through the tunnel: the generator's steps arrive as separate events, before the call completes.
    base = f"http://127.0.0.1:{platform.router_port}"
    with httpx.Client(base_url=base, headers={"Host": shared.host}, timeout=30) as client:
        started = client.post("/gradio_api/call/count", json={"data": [4]})
        assert started.status_code == 200, started.text
        event_id = started.json()["event_id"]
        kinds: list[tuple[str, float]] = []
        with client.stream("GET", f"/gradio_api/call/count/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kinds.append((line.split(":", 1)[1].strip(), time.monotonic()))
        generating = [at for kind, at in kinds if kind == "generating"]
        assert len(generating) >= 3, kinds
        assert kinds[-1][0] == "complete"
        assert generating[-1] - generating[0] > 0.2  # streamed as produced, not buffered to the end

    # The real gradio_client at the public URL.
    from gradio_client import Client

    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "getaddrinfo", resolve)
        client = Client(shared.url + "/", verbose=False)
        try:
            assert client.predict("Ada", api_name="/greet") == "Hello Ada!"
        finally:
            client.close()


def test_two_hundred_concurrent_requests_through_one_tunnel(platform: Platform, shared: SharedApp) -> None:
    def one(i: int) -> tuple[int, str]:
        response = httpx.post(f"http://127.0.0.1:{platform.router_port}/gradio_api/run/greet",
                              headers={"Host": shared.host}, json={"data": [f"n{i}"]}, timeout=60)
        return response.status_code, response.text

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, range(200)))
    failures = [r for r in results if r[0] != 200]
    assert not failures, failures[:3]
    for i, (_, body) in enumerate(results):
        assert json.loads(body)["data"] == [f"Hello n{i}!"]


def test_revoked_link_stops_serving_within_seconds(platform: Platform, shared: SharedApp) -> None:
    assert shared.get().status_code == 200
    row = _link_row(platform.env["PODIUM_DATABASE_URL"], _subdomain(shared))
    assert row.connected_run_id  # the share server marked the link connected
    # Revoke through the API as the owner would; an anonymous link is revoked by a site admin here.
    sql(platform.env["PODIUM_DATABASE_URL"], "UPDATE share_links SET revoked_at = now() WHERE id = :id", id=row.id)
    revoked_at = time.monotonic()
    platform.wait(lambda: _gone(shared), 5, "the revoked link to stop serving", every=0.1)
    assert time.monotonic() - revoked_at <= 5
    page = shared.get()
    assert page.status_code == 404 and "expired" in page.text.lower()
    platform.wait(lambda: "revoked" in shared.output().lower(), 10, "the app to say its link was revoked")
    # The local app keeps running.
    assert httpx.get(f"http://127.0.0.1:{shared.port}/", timeout=10).status_code == 200


def test_expired_link_stops_serving_within_seconds(platform: Platform, shared: SharedApp) -> None:
    assert shared.get().status_code == 200
    database_url = platform.env["PODIUM_DATABASE_URL"]
    row = _link_row(database_url, _subdomain(shared))
    sql(database_url, "UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = :id", id=row.id)
    expired_at = time.monotonic()
    platform.wait(lambda: _gone(shared), 5, "the expired link to stop serving", every=0.1)
    assert time.monotonic() - expired_at <= 5
    platform.wait(lambda: "expire" in shared.output().lower().split("public url", 1)[1], 10,
                  "the app to say its link expired")


def test_share_server_restart_keeps_the_link_and_its_expiry(platform: Platform, shared: SharedApp) -> None:
    database_url = platform.env["PODIUM_DATABASE_URL"]
    before = _link_row(database_url, _subdomain(shared))
    platform.kill("share")  # SIGKILL: no goodbye to the client
    platform.start("share")
    platform.wait(lambda: shared.get().status_code == 200, 60, "the app to reconnect and serve again", every=0.3)
    after = _link_row(database_url, _subdomain(shared))
    assert after.expires_at == before.expires_at
    assert "reconnect" in shared.output().lower()


def test_share_cli_lists_and_revokes_a_signed_in_users_links(platform: Platform, tmp_path: Path) -> None:
    client = httpx.Client(base_url=platform.api_url, timeout=30)
    response = client.post("/api/auth/signup",
                           json={"username": "carol", "email": "carol@example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text
    csrf = {"X-CSRF-Token": client.cookies.get("podium_csrf") or ""}
    made = client.post("/api/user/tokens", json={"name": "e2e", "scopes": ["read", "write"]}, headers=csrf)
    assert made.status_code == 201, made.text
    done = podium_cli(platform, "login", "--server", platform.api_url, "--token", made.json()["token"])
    assert done.returncode == 0, done.stderr

    app = SharedApp(platform, tmp_path, env={"PODIUM_HOME": platform.env["PODIUM_HOME"]})
    try:
        assert app.get().status_code == 200
        listed = podium_cli(platform, "share", "ls", "--server", platform.api_url)
        assert listed.returncode == 0, listed.stderr
        assert app.url in listed.stdout and "active" in listed.stdout
        link_id = str(_link_row(platform.env["PODIUM_DATABASE_URL"], _subdomain(app)).id)
        assert link_id in listed.stdout
        revoked = podium_cli(platform, "share", "revoke", link_id, "--server", platform.api_url)
        assert revoked.returncode == 0, revoked.stderr
        platform.wait(lambda: _gone(app), 5, "the revoked link to stop serving", every=0.1)
    finally:
        app.stop()


def test_podium_share_command_shares_any_local_web_app(platform: Platform, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>plain static site</h1>")
    port = free_port()
    site = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    podium = Path(sys.executable).with_name("podium")
    log = tmp_path / "share.log"
    env = {k: v for k, v in platform.env.items() if k != "PODIUM_SERVER"}
    share = subprocess.Popen([str(podium), "share", str(port), "--server", platform.api_url, "--expires", "2h"],
                             env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        match = platform.wait(lambda: re.search(r"(http://[0-9a-f]{18}\.share\.localhost:\d+)", log.read_text()),
                              60, "podium share to print the URL")
        host = match[1].split("://", 1)[1]
        page = httpx.get(f"http://127.0.0.1:{platform.router_port}/", headers={"Host": host}, timeout=30)
        assert page.status_code == 200 and "plain static site" in page.text
        row = _link_row(platform.env["PODIUM_DATABASE_URL"], host.split(".", 1)[0])
        lifetime = sql(platform.env["PODIUM_DATABASE_URL"],
                       "SELECT extract(epoch FROM expires_at - created_at) AS s FROM share_links WHERE id = :id",
                       id=row.id)[0].s
        assert abs(float(lifetime) - 7200) < 5
    finally:
        share.send_signal(signal.SIGINT)
        site.terminate()
        share.wait(timeout=15)
        site.wait(timeout=15)


def test_unknown_share_host_is_a_not_found_page(platform: Platform) -> None:
    response = httpx.get(f"http://127.0.0.1:{platform.router_port}/",
                         headers={"Host": f"0123456789abcdef01.share.localhost:{platform.router_port}"}, timeout=30)
    assert response.status_code == 404
    assert "share link" in response.text.lower()


def test_a_link_cannot_be_asked_for_longer_than_seven_days(platform: Platform) -> None:
    response = httpx.post(f"{platform.api_url}/api/share/links", json={"lifetime_s": 7 * 86400 + 1}, timeout=30)
    assert response.status_code == 422
    assert "7 days" in response.text
    ok = httpx.post(f"{platform.api_url}/api/share/links", json={"lifetime_s": 7 * 86400}, timeout=30)
    assert ok.status_code == 201, ok.text
