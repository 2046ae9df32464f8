"""The console's home and New Space pages in Chromium against the real platform: the Spaces a user can see (own,
their org's, others' public ones; not others' private ones) with stage badges, search and filters kept in the URL,
a Space made through the API showing up without a reload, the New Space form (the name rule, the API's 409) and its
success view, whose exact `podium login` / `podium push` commands are then run with the real CLI while the home page
shows the Space's badge go from building to running by itself; and the list and header menu at phone width.

Users of this module are named `hm-*`, its org `hm-lab`; every Space name starts with `hm-` (a search for `hm-`
shows this module's Spaces only). One Space is pushed and built (`hm-hana/hm-web`).
"""

from __future__ import annotations

import re
import shlex
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_helpers import PHONE, api_client, cli, screenshot, signed_in, space_folder
from playwright.sync_api import expect
from spaces_platform import Platform

USER, ORG, OTHER = "hm-hana", "hm-lab", "hm-zed"
BUILD_TIMEOUT_MS = 300_000


@pytest.fixture(scope="module")
def hana(console: Platform) -> Iterator[httpx.Client]:
    """`hm-hana` (owner of org `hm-lab`) with a private Space of her own and an org-visible one of the org; `hm-zed`
    with a public Space and a private one. None has an app yet."""
    api_client(console, "hm-first").close()  # whoever signs up first is site admin (and sees every Space): not hana
    client = api_client(console, USER)
    assert client.post("/api/orgs", json={"name": ORG, "display_name": "HM Lab"}).status_code == 201
    for body in ({"owner": USER, "name": "hm-notes", "title": "Field notes", "visibility": "private"},
                 {"owner": ORG, "name": "hm-board", "title": "Team board", "visibility": "org"}):
        made = client.post("/api/spaces", json={**body, "sleep_time": -1})
        assert made.status_code == 201, made.text
    paused = client.post(f"/api/spaces/{ORG}/hm-board/pause")
    assert paused.status_code == 200, paused.text
    with closing(api_client(console, OTHER)) as zed:
        for name, visibility in (("hm-gallery", "public"), ("hm-hidden", "private")):
            made = zed.post("/api/spaces", json={"owner": OTHER, "name": name, "visibility": visibility})
            assert made.status_code == 201, made.text
    yield client
    client.close()


@contextmanager
def browsing(browser: Any, console: Platform, path: str, **options: Any) -> Iterator[Any]:
    """A page of hana's signed-in browser at `path`; an uncaught JavaScript error fails the test."""
    context = signed_in(browser, console, USER, **options)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        page = context.new_page()
        page.goto(console.api_url + path)
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


def cards(page: Any) -> Any:
    return page.locator(".pc-space-card")


def card(page: Any, space: str) -> Any:
    return page.locator(f".pc-space-card[data-space='{space}']")


def path_of(page: Any) -> str:
    return str(page.evaluate("location.pathname + location.search"))


def test_home_lists_spaces_with_badges_and_filters(browser: Any, console: Platform, hana: httpx.Client) -> None:
    """Own, org and others' public Spaces are listed with their stage, visibility and hardware; another user's
    private one is not. Search (sent to the API), owner, status and visibility filters narrow the list and live in
    the URL: a reload and the back button keep them."""
    with browsing(browser, console, "/?q=hm-") as page:
        expect(page.get_by_role("heading", name="Spaces", exact=True)).to_be_visible()
        expect(page.get_by_role("searchbox")).to_have_value("hm-")
        notes, board, gallery = card(page, f"{USER}/hm-notes"), card(page, f"{ORG}/hm-board"), card(page, f"{OTHER}/hm-gallery")
        expect(notes.get_by_role("link", name="Field notes")).to_have_attribute("href", f"/spaces/{USER}/hm-notes")
        expect(notes.locator(".pc-stage")).to_have_attribute("data-stage", "NO_APP_FILE")
        expect(notes.locator(".pc-visibility")).to_have_text("private")
        expect(notes).to_contain_text("cpu-basic")
        expect(board.locator(".pc-stage")).to_have_text("Paused")
        expect(board.locator(".pc-visibility")).to_have_text("org")
        expect(gallery.get_by_role("link", name="hm-gallery")).to_be_visible()  # no title: the name
        expect(card(page, f"{OTHER}/hm-hidden")).to_have_count(0)

        # Search: typed, then sent (debounced) to the API and the URL.
        page.get_by_role("searchbox").fill("hm-no")
        expect(cards(page)).to_have_count(1)
        expect(notes).to_be_visible()
        assert path_of(page) == "/?q=hm-no"

        page.get_by_role("searchbox").fill("hm-")
        page.get_by_label("Owner").select_option(ORG)
        expect(cards(page)).to_have_count(1)
        expect(board).to_be_visible()
        page.get_by_label("Owner").select_option("")
        page.get_by_label("Visibility").select_option("private")
        expect(cards(page)).to_have_count(1)
        expect(notes).to_be_visible()
        page.get_by_label("Status").select_option("stopped")
        expect(page.get_by_text("No Spaces match these filters")).to_be_visible()
        page.get_by_label("Visibility").select_option("all")
        expect(cards(page)).to_have_count(1)
        expect(board).to_be_visible()
        assert path_of(page) == "/?q=hm-&stage=stopped"

        page.reload()
        expect(board).to_be_visible()
        expect(cards(page)).to_have_count(1)
        expect(page.get_by_label("Status")).to_have_value("stopped")
        board.get_by_role("link", name="Team board").click()
        page.wait_for_url(f"{console.api_url}/spaces/{ORG}/hm-board")
        page.go_back()
        expect(board).to_be_visible()
        expect(page.get_by_role("searchbox")).to_have_value("hm-")
        expect(page.get_by_label("Status")).to_have_value("stopped")

        page.get_by_role("searchbox").fill("hm-zzz-none")
        expect(page.get_by_text("No Spaces match these filters")).to_be_visible()
        page.get_by_role("button", name="Clear filters").click()
        assert path_of(page) == "/"
        expect(page.get_by_role("searchbox")).to_have_value("")
        expect(page.get_by_label("Status")).to_have_value("all")


def test_a_space_made_elsewhere_shows_up_without_a_reload(browser: Any, console: Platform, hana: httpx.Client) -> None:
    with browsing(browser, console, f"/?q=hm-&owner={USER}") as page:
        expect(card(page, f"{USER}/hm-notes")).to_be_visible()
        expect(card(page, f"{USER}/hm-fresh")).to_have_count(0)
        made = hana.post("/api/spaces", json={"owner": USER, "name": "hm-fresh", "title": "Fresh", "sleep_time": -1})
        assert made.status_code == 201, made.text
        expect(card(page, f"{USER}/hm-fresh").get_by_role("link", name="Fresh")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^\d+ Spaces$"))).to_be_visible()


def test_new_space_then_push_with_the_commands_shown(browser: Any, console: Platform, hana: httpx.Client,
                                                    tmp_path: Path) -> None:
    """The form checks the name as the API does and shows the API's 409 for a taken one; the commands beside it
    follow the choices. Once created, the success view shows the exact commands; run with the real CLI (the token
    `podium login` asks for given on its command line) they push the app, and the home page, open meanwhile, shows
    the Space's badge change from building to running without a reload."""
    with browsing(browser, console, "/new") as page:
        form = page.locator("form.pc-card")
        expect(page.get_by_role("heading", name="New Space")).to_be_visible()
        expect(form.get_by_label("Owner")).to_have_value(USER)
        expect(form.get_by_label("Owner").locator("option")).to_have_text([USER, ORG])
        cpu = form.get_by_role("radio", name=re.compile("cpu-basic"))
        expect(cpu).to_be_checked()

        name = form.get_by_role("textbox", name=re.compile("^Name"))
        name.fill("Bad--Name")
        form.get_by_role("button", name="Create Space").click()
        expect(form.get_by_role("alert")).to_have_text(
            "Use lower-case letters, digits and single hyphens, starting and ending with a letter or digit")
        expect(name).to_be_focused()

        name.fill("hm-notes")  # hana has one
        form.get_by_label("Title (optional)").fill("Hello web")
        form.get_by_role("radio", name=re.compile("^Private")).check()
        aside = page.locator("aside")
        expect(aside.locator(".pc-codeline code").last).to_have_text(f"podium push . --space {USER}/hm-notes --private")
        form.get_by_label("Owner").select_option(ORG)
        expect(form.get_by_role("radio", name=re.compile("^Org"))).to_be_visible()
        form.get_by_label("Owner").select_option(USER)
        form.get_by_role("radio", name=re.compile("^Public")).check()
        form.get_by_label("Sleep").select_option(label="After 1 hour idle")
        expect(aside.locator("pre")).to_have_text(
            "---\ntitle: Hello web\nsdk: podium\napp_file: app.py\nsleep_time: 3600\n---")
        form.get_by_role("button", name="Create Space").click()
        expect(form.get_by_role("alert")).to_have_text(f"A Space named '{USER}/hm-notes' already exists; pick another name")

        name.fill("hm-web")
        expect(form.get_by_role("alert")).to_have_count(0)  # the answer was about the name before
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "new-space", tmp_path)
        form.get_by_role("button", name="Create Space").click()
        created = page.get_by_test_id("space-created")
        expect(created.get_by_role("heading")).to_have_text(f"Created {USER}/hm-web")
        commands = created.locator(".pc-codeline code")
        expect(commands).to_have_text(["pip install podium", f"podium login --server {console.api_url}",
                                       f"podium push . --space {USER}/hm-web"])
        readme = created.locator("pre").inner_text()
        assert readme == "---\ntitle: Hello web\nsdk: podium\napp_file: app.py\n---"
        expect(created.get_by_role("link", name=f"Open {USER}/hm-web")).to_have_attribute("href", f"/spaces/{USER}/hm-web")
        login_command, push_command = commands.nth(1).inner_text(), commands.nth(2).inner_text()
        space = hana.get(f"/api/spaces/{USER}/hm-web").json()
        assert (space["title"], space["visibility"], space["hardware"], space["sleep_time"], space["sdk"]) == (
            "Hello web", "public", "cpu-basic", 3600, "podium")

        # The app's folder, its README starting with the front matter shown.
        folder = space_folder(tmp_path / "hm-web", "Hello web")
        body = (folder / "README.md").read_text().split("---", 2)[2]
        (folder / "README.md").write_text(readme + body)
        home = tmp_path / "cli-home"
        token = hana.headers["Authorization"].split(" ", 1)[1]
        login = cli(console, home, *shlex.split(login_command)[1:], "--token", token)
        assert login.returncode == 0, login.stderr
        args = [str(folder) if arg == "." else arg for arg in shlex.split(push_command)[1:]]

        page.goto(console.api_url + f"/?q=hm-web&owner={USER}")
        badge = card(page, f"{USER}/hm-web").locator(".pc-stage")
        expect(badge).to_have_attribute("data-stage", "NO_APP_FILE")
        pushed: dict[str, Any] = {}
        pusher = threading.Thread(target=lambda: pushed.update(done=cli(console, home, *args)))
        pusher.start()
        try:
            expect(badge).to_have_attribute("data-stage", re.compile("^(BUILDING|APP_STARTING)$"), timeout=BUILD_TIMEOUT_MS)
            expect(badge).to_have_attribute("data-stage", "RUNNING", timeout=BUILD_TIMEOUT_MS)
        finally:
            pusher.join(timeout=BUILD_TIMEOUT_MS / 1000)
        done = pushed["done"]
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{console.output()}"
        expect(badge).to_have_text("Running")


def test_screenshots_light_and_dark(browser: Any, console: Platform, hana: httpx.Client, tmp_path: Path) -> None:
    """Home in both themes (after the push above, one Space of this module runs)."""
    for scheme, name in (("light", "home"), ("dark", "home-dark")):
        with browsing(browser, console, "/?q=hm-", color_scheme=scheme) as page:
            expect(card(page, f"{USER}/hm-notes")).to_be_visible()
            expect(page.locator("html")).to_have_attribute("data-theme", scheme)
            screenshot(page, name, tmp_path)


def test_phone_width(browser: Any, console: Platform, hana: httpx.Client, tmp_path: Path) -> None:
    """At 375 px the navigation folds into the menu button, the cards stack in one column and nothing scrolls
    sideways; the menu opens and its links work."""
    with browsing(browser, console, "/?q=hm-", viewport=PHONE) as page:
        notes = card(page, f"{USER}/hm-notes")
        expect(notes).to_be_visible()
        nav_new = page.locator("#pc-nav").get_by_role("link", name="New Space")
        expect(nav_new).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        box = notes.bounding_box()
        assert box is not None and box["width"] > PHONE["width"] * 0.8  # one column
        screenshot(page, "home-phone", tmp_path)

        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        nav_new.click()
        expect(page.get_by_role("heading", name="New Space")).to_be_visible()
        expect(nav_new).to_be_hidden()  # the menu closes on navigation
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.go_back()
        expect(notes).to_be_visible()
        notes.get_by_role("link", name="Field notes").click()
        page.wait_for_url(f"{console.api_url}/spaces/{USER}/hm-notes")
