"""Deep links on the Spaces platform, in Chromium, with every part real: Postgres, the API (its app-facing deep-link
routes reached by the Space's container through the API's Unix socket), the builder and reconciler with Podman
and the Space base image, the router at NAME--OWNER.spaces.localhost, and the share server behind
SUB.share.localhost (the platform harness of tests/controlplane/spaces_platform.py, one for the module).

- A public Space pushed with the CLI: a visitor fills it, runs an event, picks a tab and clicks the
  DeepLinkButton; the copied URL is the Space's URL with `?deep_link=ID`, the link is a row of Postgres for that
  Space, and another browser opening the URL sees the same values and tab.
- The same Space made private: its link sends an anonymous browser to sign in, shows a signed-in outsider the
  not-found page, and opens for the owner.
- An app on this machine with `launch(share=True)`: a link made through the share URL is stored in Postgres
  for the share link and opens through the share URL.

Chromium resolves `*.localhost` to the loopback itself. Playwright's sync API needs a pytest process of its own
(tests/e2e); the platform's session fixtures come from tests/platform_fixtures.py.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import VIEWPORT, expect
from helpers import free_port, migrated_database, sql  # tests/controlplane: conftest imported platform_fixtures
from platform_fixtures import TEST_SECRET_KEYS
from spaces_platform import Platform, interrupt, podium_cli, remove_namespace

# The module's fixtures build an image and start a container; each test then takes seconds.
pytestmark = pytest.mark.timeout(600)
NAMESPACE = f"dl{random.randrange(10**6, 10**7)}"
PASSWORD = "correct horse battery staple"
LINK_ID = r"[A-Za-z0-9_-]{8,64}"

README = """---
title: Links
sdk: podium
app_file: app.py
---
# Links
"""
APP = '''
import podium as gr


def greet(name):
    return "Hello " + name + "!"


with gr.Blocks(title="Links") as demo:
    name = gr.Textbox(label="Name")
    greeting = gr.Textbox(label="Greeting")
    gr.Button("Greet").click(greet, name, greeting, api_name="greet")
    with gr.Tabs():
        with gr.Tab("First", id="first"):
            gr.Textbox(label="First note", value="one")
        with gr.Tab("Second", id="second"):
            gr.Textbox(label="Second note", value="two")
    gr.DeepLinkButton()

demo.launch(LAUNCH)
'''


# --- the platform, a user and a Space ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def database(pg_cluster: str) -> Iterator[str]:
    with migrated_database(pg_cluster, f"deep_links_{NAMESPACE}") as url:
        yield url


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, database: str, podman_socket: str,
             base_image: str) -> Iterator[Platform]:

    p = Platform(tmp_path_factory.mktemp("deep-links"), database, podman_socket, base_image, TEST_SECRET_KEYS)
    p.env["PODIUM_RUNTIME_NAMESPACE"] = NAMESPACE
    p.env["PODIUM_SHARE_ANONYMOUS_PER_HOUR"] = "1000"
    try:
        p.start_all()
        p.start("share")
        yield p
    finally:
        p.stop_all()
        remove_namespace(podman_socket, NAMESPACE)


def _user(platform: Platform, username: str) -> httpx.Client:
    """A new user, signed in: an API client carrying a full-scope token of theirs."""
    client = httpx.Client(base_url=platform.api_url, timeout=30)
    response = client.post("/api/auth/signup",
                           json={"username": username, "email": f"{username}@example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text
    csrf = {"X-CSRF-Token": client.cookies.get("podium_csrf") or ""}
    made = client.post("/api/user/tokens", json={"name": "e2e", "scopes": ["read", "write", "admin"]}, headers=csrf)
    assert made.status_code == 201, made.text
    client.headers["Authorization"] = f"Bearer {made.json()['token']}"
    return client


@pytest.fixture(scope="module")
def alice(platform: Platform) -> Iterator[httpx.Client]:
    client = _user(platform, "alice")
    token = client.headers["Authorization"].split(" ", 1)[1]
    done = podium_cli(platform, "login", "--server", platform.api_url, "--token", token)
    assert done.returncode == 0, done.stderr
    yield client
    client.close()


@pytest.fixture(scope="module")
def space(platform: Platform, alice: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> int:
    """alice/links pushed with the CLI and RUNNING (never sleeping); its id."""
    folder = tmp_path_factory.mktemp("links") / "links"
    folder.mkdir()
    (folder / "README.md").write_text(README)
    (folder / "app.py").write_text(APP.replace("LAUNCH", ""))
    created = alice.post("/api/spaces", json={"owner": "alice", "name": "links", "sleep_time": -1})
    assert created.status_code == 201, created.text
    done = podium_cli(platform, "push", str(folder), "--space", "alice/links", "--timeout", "300")
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{platform.output()}"
    found = alice.get("/api/spaces/alice/links").json()
    assert found["stage"] == "RUNNING", found
    return int(sql(platform.env["PODIUM_DATABASE_URL"], "SELECT id FROM spaces WHERE name = 'links'")[0][0])


# --- the browser side ---------------------------------------------------------------------------------------


def _open(page: Any, url: str) -> None:
    """Open `url` and wait until the app's runtime took over the server-rendered page."""
    page.goto(url, wait_until="load")
    page.wait_for_function("() => window.podium !== undefined")


def _field(page: Any, label: str) -> Any:
    return page.get_by_label(label, exact=True)


def _use_and_share(browser: Any, app_url: str, name: str) -> str:
    """A visitor fills Name, greets, picks the Second tab, edits its note and clicks the DeepLinkButton; the URL
    that landed on their clipboard (the same as the button's `data-deep-link`)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url.rstrip("/"))
        page = context.new_page()
        _open(page, app_url)
        _field(page, "Name").fill(name)
        page.get_by_role("button", name="Greet").click()
        expect(_field(page, "Greeting")).to_have_value(f"Hello {name}!")
        page.get_by_role("tab", name="Second").click()
        _field(page, "Second note").fill(f"a note from {name}")
        button = page.get_by_role("button", name="Share via Link")
        button.click()
        expect(button).to_have_attribute("data-deep-link", re.compile(rf"\?deep_link={LINK_ID}$"))
        expect(page.get_by_test_id("toast-success")).to_contain_text("Link copied to clipboard")
        copied = str(page.evaluate("navigator.clipboard.readText()"))
        assert copied == button.get_attribute("data-deep-link")
        return copied
    finally:
        context.close()


def _expect_restored(page: Any, name: str) -> None:
    expect(page.locator(".pd-deeplink-notice")).to_have_attribute("data-status", "restored")
    expect(_field(page, "Name")).to_have_value(name)
    expect(_field(page, "Greeting")).to_have_value(f"Hello {name}!")
    expect(page.get_by_role("tab", name="Second")).to_have_attribute("aria-selected", "true")
    expect(_field(page, "Second note")).to_be_visible()
    expect(_field(page, "Second note")).to_have_value(f"a note from {name}")


def _link_id(url: str) -> str:
    return url.rsplit("=", 1)[1]


def _signed_in_context(browser: Any, platform: Platform, username: str) -> Any:
    """A browser context signed in to the console as `username` (the API's session cookie)."""
    context = browser.new_context(viewport=VIEWPORT)
    response = context.request.post(f"{platform.api_url}/api/auth/login",
                                    data={"login": username, "password": PASSWORD})
    assert response.status == 200, response.text()
    return context


# --- the tests ----------------------------------------------------------------------------------------------


def test_a_spaces_deep_link_is_stored_in_postgres_and_reopens_the_space(
    browser: Any, platform: Platform, space: int
) -> None:
    app_url = f"http://{platform.space_host('alice', 'links')}/"
    url = _use_and_share(browser, app_url, "Ada")
    assert re.fullmatch(rf"http://links--alice\.spaces\.localhost:{platform.router_port}/\?deep_link={LINK_ID}", url)
    rows = sql(platform.env["PODIUM_DATABASE_URL"],
               "SELECT space_id, share_link_id, space_revision, snapshot FROM deep_links WHERE id = :id",
               id=_link_id(url))
    assert len(rows) == 1, "the link is not a row of the platform's Postgres"
    row = rows[0]
    assert (row.space_id, row.share_link_id, row.space_revision) == (space, None, 1)
    assert any(c.get("value") == "Ada" for c in row.snapshot["components"].values())

    other = browser.new_context(viewport=VIEWPORT)  # another visitor
    try:
        page = other.new_page()
        _open(page, url)
        _expect_restored(page, "Ada")
    finally:
        other.close()
    opened = sql(platform.env["PODIUM_DATABASE_URL"], "SELECT open_count FROM deep_links WHERE id = :id",
                 id=_link_id(url))
    assert opened[0].open_count >= 1


def test_a_private_spaces_deep_link_opens_only_for_those_who_may_see_it(
    browser: Any, platform: Platform, alice: httpx.Client, space: int
) -> None:
    app_url = f"http://{platform.space_host('alice', 'links')}/"
    url = _use_and_share(browser, app_url, "Grace")
    bob = _user(platform, "bob")
    assert alice.patch("/api/spaces/alice/links", json={"visibility": "private"}).status_code == 200
    try:
        # The router caches a lookup about a second.
        platform.wait(lambda: platform.space_get("alice", "links")[0] != 200, 10, "the router to see it private")

        anonymous = browser.new_context(viewport=VIEWPORT)
        try:
            page = anonymous.new_page()
            page.goto(url, wait_until="load")
            assert page.url.startswith(f"{platform.api_url}/login"), page.url  # sent to sign in
            assert "deep_link" in page.url  # ... and back to the link afterwards
        finally:
            anonymous.close()

        outsider = _signed_in_context(browser, platform, "bob")
        try:
            page = outsider.new_page()
            response = page.goto(url, wait_until="load")
            assert response is not None and response.status == 404
            assert "not found" in (page.text_content("body") or "").lower()
            assert "Hello Grace!" not in page.content()
        finally:
            outsider.close()

        owner = _signed_in_context(browser, platform, "alice")
        try:
            page = owner.new_page()
            _open(page, url)
            assert page.url == url
            _expect_restored(page, "Grace")
        finally:
            owner.close()
    finally:
        assert alice.patch("/api/spaces/alice/links", json={"visibility": "public"}).status_code == 200
        bob.close()


class SharedApp:
    """The test app run here as `python app.py` with `launch(share=True)` against the platform's share server."""

    def __init__(self, platform: Platform, folder: Path) -> None:
        self.port = free_port()
        script = folder / "app.py"
        script.write_text(APP.replace("LAUNCH", f'server_name="127.0.0.1", server_port={self.port}, share=True'))
        self.log = folder / "app.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(script)],
            env={**platform.env, "PODIUM_SHARE_SERVER": platform.api_url,
                 "PODIUM_DEEP_LINK_DIR": str(folder / "local-links")},
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        found = platform.wait(lambda: re.search(r"Running on public URL:\s+(\S+)", self.output()), 60,
                              f"the app to print its public URL\n{self.output()}", every=0.1)
        self.url = found[1].rstrip("/")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        interrupt(self.proc)


def test_a_deep_link_made_through_a_share_link_is_stored_for_it(
    browser: Any, platform: Platform, tmp_path: Path
) -> None:
    shared = SharedApp(platform, tmp_path)
    try:
        url = _use_and_share(browser, shared.url + "/", "Linus")
        assert re.fullmatch(rf"{re.escape(shared.url)}/\?deep_link={LINK_ID}", url), url
        subdomain = shared.url.split("://", 1)[1].split(".", 1)[0]
        rows = sql(platform.env["PODIUM_DATABASE_URL"],
                   "SELECT d.space_id, d.share_link_id = l.id AS ours, d.expires_at <= l.expires_at AS with_link "
                   "FROM deep_links d JOIN share_links l ON l.subdomain = :sub WHERE d.id = :id",
                   sub=subdomain, id=_link_id(url))
        assert len(rows) == 1, f"the link is not a row of the platform's Postgres\n{shared.output()}"
        assert (rows[0].space_id, rows[0].ours, rows[0].with_link) == (None, True, True)
        assert not (tmp_path / "local-links").exists() or not any((tmp_path / "local-links").iterdir())

        other = browser.new_context(viewport=VIEWPORT)
        try:
            page = other.new_page()
            _open(page, url)
            _expect_restored(page, "Linus")
        finally:
            other.close()
    finally:
        shared.stop()
