"""The console's Space page in Chromium against the whole platform (tests/e2e/console/conftest.py).

One Space for the module: org `sp-org` made by `sp-owner`, who pushes `sp-org/sp-demo` with the real CLI (a
small app that prints "greeting NAME" for each greeting). The org has a `read` member (`sp-reader`); `sp-outsider`
belongs to nothing. The tests run in file order on that one Space: the app in its frame and the stage history;
runtime logs streamed live (a greeting made after the page opened shows without a reload), searched and
downloaded; the build log; revisions with a second push and a rollback followed live; settings (sleep time,
visibility, a write-only secret, a variable, the API's refusals); restart, pause and resume; share links
(created, copied, opening the private Space for a signed-out browser through the router, revoked); deep links
made through the Space and deleted; what a read member and an outsider see; the phone layout; and last,
deleting the Space.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import VIEWPORT, expect
from console_helpers import PHONE, api_client, push, screenshot, signed_in, space_folder
from spaces_platform import Platform

# The module's fixture builds an image and starts a container; a second push and a rollback build twice more.
pytestmark = pytest.mark.timeout(900)

OWNER, ORG, NAME = "sp-owner", "sp-org", "sp-demo"
READER, OUTSIDER = "sp-reader", "sp-outsider"
SPACE = f"{ORG}/{NAME}"
TITLE = "Space demo"
BUILD_MS = 300_000  # a build and a start, on a loaded machine
SECRET_VALUE = "sp-secret-value-4f1c9a"


# --- the org, its users and the Space ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def owner(console: Platform) -> Iterator[httpx.Client]:
    client = api_client(console, OWNER)
    yield client
    client.close()


@pytest.fixture(scope="module")
def org(console: Platform, owner: httpx.Client) -> str:
    """sp-org, with sp-reader as a `read` member; sp-outsider signed up and in no org."""
    made = owner.post("/api/orgs", json={"name": ORG, "display_name": "Space page tests"})
    assert made.status_code == 201, made.text
    invited = owner.post(f"/api/orgs/{ORG}/invitations", json={"role": "read"})
    assert invited.status_code == 201, invited.text
    reader = api_client(console, READER)
    try:
        accepted = reader.post(f"/api/invitations/{invited.json()['token']}/accept")
        assert accepted.status_code == 200, accepted.text
    finally:
        reader.close()
    api_client(console, OUTSIDER).close()
    return ORG


@pytest.fixture(scope="module")
def space(console: Platform, owner: httpx.Client, org: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """sp-org/sp-demo pushed with the CLI (public, never sleeping) and RUNNING; its URL."""
    root = tmp_path_factory.mktemp("space")
    push(console, owner, root / "home", space_folder(root / "app", TITLE), SPACE, visibility="public", title=TITLE)
    console.wait(lambda: _space(owner)["stage"] == "RUNNING", 180, "the Space to run")
    url = str(_space(owner)["url"])
    assert url == f"http://{console.space_host(ORG, NAME)}", url
    return url


def _space(client: httpx.Client) -> dict[str, Any]:
    answer = client.get(f"/api/spaces/{SPACE}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _patch(client: httpx.Client, **changes: Any) -> None:
    answer = client.patch(f"/api/spaces/{SPACE}", json=changes)
    assert answer.status_code == 200, answer.text


@contextmanager
def _signed_in_page(browser: Any, console: Platform, username: str, **options: Any) -> Iterator[Any]:
    """A page of a new context signed in as `username`; an uncaught JavaScript error fails the test."""
    context = signed_in(browser, console, username, **options)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


def _page_url(console: Platform, tab: str = "") -> str:
    return f"{console.api_url}/spaces/{SPACE}" + (f"/{tab}" if tab else "")


def _stage(page: Any) -> Any:
    return page.get_by_test_id("space-status").locator("[data-stage]")


def _quiet(page: Any) -> None:
    """Dismiss the toasts (before a screenshot)."""
    page.evaluate("document.querySelectorAll('.pc-toast-close').forEach((button) => button.click())")
    expect(page.get_by_role("button", name="Dismiss")).to_have_count(0)


def _make_public(console: Platform, client: httpx.Client) -> None:
    """Make the Space public again, and wait until the router (which caches its decisions) lets anyone in."""
    _patch(client, visibility="public")
    console.wait(lambda: _router_get(console, "/config") == 200, 30, "the router to see the Space public")


def _app_ready(frame: Any) -> None:
    """Wait until the app's runtime took over the server-rendered page (a page or a frame)."""
    frame.wait_for_function("() => window.podium !== undefined", timeout=60_000)


def _router_get(console: Platform, path: str, cookie: str = "") -> int:
    """GET `path` of the Space through the router (with `cookie` when given): the status."""
    return console.space_get(ORG, NAME, path, headers={"Cookie": cookie} if cookie else None)[0]


# --- the app, the stage and the logs ---------------------------------------------------------------------------


def test_the_app_answers_inside_the_page_with_its_stage_and_history(
    browser: Any, console: Platform, space: str, tmp_path: Path
) -> None:
    with _signed_in_page(browser, console, OWNER) as page:
        page.goto(_page_url(console))
        expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
        expect(page.get_by_text(SPACE, exact=True)).to_be_visible()
        expect(_stage(page)).to_have_attribute("data-stage", "RUNNING")
        expect(page.get_by_test_id("space-status")).to_contain_text("public")
        expect(page.get_by_test_id("space-status")).to_contain_text("cpu-basic")
        opener = page.get_by_role("link", name=re.compile("^Open app"))
        expect(opener).to_have_attribute("href", space)
        expect(opener).to_have_attribute("target", "_blank")

        frame_element = page.get_by_test_id("space-frame")
        expect(frame_element).to_have_attribute("src", space)
        expect(frame_element).to_have_attribute("title", f"{TITLE}: the app")
        sandbox = set((frame_element.get_attribute("sandbox") or "").split())
        assert sandbox == {"allow-scripts", "allow-same-origin", "allow-forms", "allow-popups", "allow-downloads"}
        handle = frame_element.element_handle()
        assert handle is not None
        _app_ready(handle.content_frame())
        frame = page.frame_locator("[data-testid=space-frame]")
        frame.get_by_label("Name", exact=True).fill("Ada")
        frame.get_by_role("button", name="Submit").click()
        expect(frame.get_by_label("Greeting", exact=True)).to_have_value("Hello Ada!", timeout=30_000)

        history = page.get_by_test_id("stage-history")
        expect(history.locator("[data-stage=RUNNING]").first).to_be_visible()
        expect(history.locator("[data-stage=BUILDING]").first).to_be_visible()
        screenshot(page, "space-app", tmp_path)


def test_runtime_logs_stream_live_and_can_be_searched_and_downloaded(
    browser: Any, console: Platform, space: str, tmp_path: Path
) -> None:
    with _signed_in_page(browser, console, OWNER) as page:
        page.goto(_page_url(console, "logs"))
        expect(page.get_by_role("button", name="Runtime")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_test_id("log-connection")).to_have_text("Live")
        log = page.get_by_test_id("log-lines")
        expect(page.get_by_role("log", name="Runtime log")).to_be_visible()

        # A visitor greets after the page opened: the line the app prints shows without a reload. The name holds
        # markup, which the log shows as text.
        visitor = page.context.new_page()
        visitor.goto(space + "/")
        _app_ready(visitor)
        visitor.get_by_label("Name", exact=True).fill("Zoe <b>bold</b>")
        visitor.get_by_role("button", name="Submit").click()
        expect(visitor.get_by_label("Greeting", exact=True)).to_have_value("Hello Zoe <b>bold</b>!", timeout=30_000)
        visitor.close()
        expect(log).to_contain_text("greeting Zoe <b>bold</b>", timeout=30_000)
        expect(log.locator("b")).to_have_count(0)
        screenshot(page, "space-logs", tmp_path)

        search = page.get_by_role("searchbox", name="Search the log")
        search.fill("greeting zoe")
        expect(log.locator(".pc-log-line")).to_have_count(1)
        expect(log.locator("mark")).to_have_text("greeting Zoe")
        expect(page.get_by_text(re.compile(r"^1 of \d+ lines match$"))).to_be_visible()

        with page.expect_download() as info:
            page.get_by_role("button", name="Download").click()
        download = info.value
        assert download.suggested_filename == f"{ORG}-{NAME}-runtime.log"
        assert Path(download.path()).read_text() == "greeting Zoe <b>bold</b>\n"

        search.fill("no line has this")
        expect(log).to_contain_text("No line matches the search.")
        expect(page.get_by_role("button", name="Download")).to_be_disabled()
        search.fill("")
        expect(log.locator(".pc-log-line").first).to_be_visible()

        # Follow pauses when the reader scrolls up.
        follow = page.get_by_role("checkbox", name="Follow")
        expect(follow).to_be_checked()
        page.evaluate("() => { const b = document.querySelector('[data-testid=log-lines]'); b.scrollTop = 0; "
                      "b.dispatchEvent(new Event('scroll')); }")
        if page.evaluate("() => { const b = document.querySelector('[data-testid=log-lines]'); "
                         "return b.scrollHeight - b.clientHeight > 24; }"):
            expect(follow).not_to_be_checked()
        follow.check()
        expect(follow).to_be_checked()

        # The current build's log, to its end.
        page.get_by_role("button", name="Build").click()
        expect(page).to_have_url(re.compile(r"/logs\?log=build$"))
        expect(page.get_by_role("log", name=re.compile(r"^Log of build \d+$"))).to_be_visible()
        expect(page.get_by_test_id("log-connection")).to_have_text("Ended", timeout=30_000)
        expect(page.get_by_role("status").filter(has_text="Build succeeded")).to_be_visible()
        expect(page.get_by_test_id("log-lines").locator(".pc-log-line").first).to_be_visible()


def test_revisions_show_builds_and_a_rollback_is_followed_live(
    browser: Any, console: Platform, owner: httpx.Client, space: str, tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    with _signed_in_page(browser, console, OWNER) as page:
        page.goto(_page_url(console, "revisions"))
        table = page.get_by_test_id("revisions")
        first = table.locator("tr[data-revision='1']")
        expect(first).to_contain_text("Serving")
        expect(first).to_contain_text("Latest")
        expect(first.locator("[data-build-status]")).to_have_attribute("data-build-status", "succeeded")
        expect(first.get_by_role("button", name="Roll back to this revision")).to_have_count(0)  # the latest
        first.get_by_role("button", name="Build log").click()
        expect(first.get_by_role("button", name="Build log")).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_test_id("build-log-text")).not_to_be_empty()

        # A second push shows up in the open page.
        root = tmp_path_factory.mktemp("second")
        push(console, owner, root / "home", space_folder(root / "app", "Space demo two"), SPACE, create=False)
        second = table.locator("tr[data-revision='2']")
        expect(second).to_contain_text("Latest", timeout=BUILD_MS)
        expect(second.locator("[data-build-status]")).to_have_attribute("data-build-status", "succeeded",
                                                                          timeout=BUILD_MS)
        expect(second).to_contain_text("Serving", timeout=BUILD_MS)

        # Roll back to the first: a third revision appears with its build log followed.
        first.get_by_role("button", name="Roll back to this revision").click()
        dialog = page.get_by_role("dialog", name="Roll back to revision 1?")
        dialog.get_by_role("button", name="Roll back").click()
        expect(dialog).to_be_hidden()
        third = table.locator("tr[data-revision='3']")
        expect(third).to_contain_text("Rollback to revision 1")
        expect(third.get_by_role("button", name="Build log")).to_have_attribute("aria-expanded", "true")
        followed = page.get_by_role("log", name=re.compile(r"^Log of build \d+$"))
        expect(followed).to_be_visible()
        expect(followed.locator(".pc-log-line").first).to_be_visible(timeout=BUILD_MS)
        _quiet(page)
        page.evaluate("scrollTo(0, 0)")
        screenshot(page, "space-revisions", tmp_path)
        expect(third.locator("[data-build-status]")).to_have_attribute("data-build-status", "succeeded",
                                                                         timeout=BUILD_MS)
        expect(page.get_by_text("Build succeeded")).to_be_visible(timeout=30_000)
        expect(third).to_contain_text("Serving", timeout=BUILD_MS)
    console.wait(lambda: _space(owner)["stage"] == "RUNNING", 180, "the rolled-back Space to run")


# --- settings ----------------------------------------------------------------------------------------------------


def test_settings_change_sleep_time_visibility_secrets_and_variables(
    browser: Any, console: Platform, owner: httpx.Client, space: str, tmp_path: Path
) -> None:
    try:
        with _signed_in_page(browser, console, OWNER) as page:
            page.goto(_page_url(console, "settings"))
            expect(page.get_by_test_id("quota")).to_contain_text(f"Org {ORG} uses 0 of")
            page.get_by_label("Sleep after").select_option(label="1 hour")
            page.get_by_label("Visibility").select_option("org")
            page.get_by_label("Keep deep links (days)").fill("0")
            expect(page.get_by_text("Deep links are kept 1 to 365 days")).to_be_visible()
            expect(page.get_by_role("button", name="Save settings")).to_be_disabled()
            page.get_by_label("Keep deep links (days)").fill("14")
            page.get_by_role("button", name="Save settings").click()
            expect(page.get_by_test_id("toast-ok").filter(has_text="Settings saved")).to_be_visible()
            saved = _space(owner)
            assert (saved["sleep_time"], saved["visibility"], saved["deep_link_retention_days"]) == (3600, "org", 14)
            expect(page.get_by_test_id("space-status")).to_contain_text("org")

            # A secret: set, listed by name, its value never shown (nor in the API's list).
            secrets = page.locator("#pc-space-secrets")
            adding = page.get_by_test_id("add-secret")
            adding.get_by_label("Name").fill("SP_TOKEN")
            adding.get_by_label("Value").fill(SECRET_VALUE)
            expect(adding.get_by_label("Value")).to_have_attribute("type", "password")
            adding.get_by_role("button", name="Add secret").click()
            expect(secrets.get_by_test_id("secrets")).to_contain_text("SP_TOKEN")
            expect(adding.get_by_label("Value")).to_have_value("")
            assert SECRET_VALUE not in page.content()
            listed = owner.get(f"/api/spaces/{SPACE}/secrets")
            assert "SP_TOKEN" in listed.text and SECRET_VALUE not in listed.text
            # replacing it asks for a new value and shows none
            secrets.get_by_role("button", name="Replace SP_TOKEN").click()
            dialog = page.get_by_role("dialog", name="Replace secret SP_TOKEN")
            expect(dialog.get_by_label("New value")).to_have_value("")
            dialog.get_by_label("New value").fill(SECRET_VALUE + "-2")
            dialog.get_by_role("button", name="Save").click()
            expect(dialog).to_be_hidden()
            assert SECRET_VALUE not in page.content()
            # the API's refusal is shown as it is: a value over 64 KiB
            adding.get_by_label("Name").fill("SP_HUGE")
            adding.get_by_label("Value").fill("x" * (65 * 1024))
            adding.get_by_role("button", name="Add secret").click()
            expect(adding.get_by_role("alert")).to_be_visible()
            expect(secrets.get_by_test_id("secrets")).not_to_contain_text("SP_HUGE")
            adding.get_by_label("Name").fill("1BAD")
            adding.get_by_role("button", name="Add secret").click()
            expect(adding.get_by_role("alert")).to_contain_text("letters, digits and _")

            # A variable: added, shown with its value, edited.
            variables = page.locator("#pc-space-variables")
            adding = page.get_by_test_id("add-variable")
            adding.get_by_label("Name").fill("GREETING_STYLE")
            adding.get_by_label("Value").fill("warm")
            adding.get_by_role("button", name="Add variable").click()
            row = variables.locator("tr[data-name=GREETING_STYLE]")
            expect(row).to_contain_text("warm")
            row.get_by_role("button", name="Edit GREETING_STYLE").click()
            dialog = page.get_by_role("dialog", name="Edit variable GREETING_STYLE")
            expect(dialog.get_by_label("New value")).to_have_value("warm")
            dialog.get_by_label("New value").fill("cheerful")
            dialog.get_by_role("button", name="Save").click()
            expect(row).to_contain_text("cheerful")
            _quiet(page)
            page.evaluate("scrollTo(0, 0)")
            screenshot(page, "space-settings", tmp_path)
            variables_api = owner.get(f"/api/spaces/{SPACE}/variables").json()["items"]
            assert [(v["name"], v["value"]) for v in variables_api] == [("GREETING_STYLE", "cheerful")]

            row.get_by_role("button", name="Delete GREETING_STYLE").click()
            page.get_by_role("dialog").get_by_role("button", name="Delete").click()
            expect(row).to_have_count(0)
    finally:
        _patch(owner, sleep_time=-1)
        _make_public(console, owner)


# --- restart, pause, resume ----------------------------------------------------------------------------------------


def test_restart_pause_and_resume_change_the_badge_live(
    browser: Any, console: Platform, owner: httpx.Client, space: str
) -> None:
    with _signed_in_page(browser, console, OWNER) as page:
        page.goto(_page_url(console))
        expect(_stage(page)).to_have_attribute("data-stage", "RUNNING")
        page.get_by_role("button", name="Restart").click()
        expect(page.get_by_test_id("toast-ok").filter(has_text="Restarting the Space")).to_be_visible()
        expect(_stage(page)).to_have_attribute("data-stage", "RUNNING", timeout=BUILD_MS)

        page.get_by_role("button", name="Pause").click()
        expect(_stage(page)).to_have_attribute("data-stage", "PAUSED")
        expect(page.get_by_role("button", name="Restart")).to_have_count(0)
        expect(page.get_by_text("The Space is paused; resume it to use the app.")).to_be_visible()
        expect(page.get_by_test_id("space-frame")).to_have_count(0)

        # Resumed elsewhere (the API): the open page follows by itself.
        resumed = owner.post(f"/api/spaces/{SPACE}/resume")
        assert resumed.status_code == 200, resumed.text
        expect(page.get_by_role("button", name="Pause")).to_be_visible()
        expect(_stage(page)).to_have_attribute("data-stage", "RUNNING", timeout=BUILD_MS)
        expect(page.get_by_test_id("space-frame")).to_be_visible()
        history = page.get_by_test_id("stage-history")
        expect(history.locator("[data-stage=PAUSED]").first).to_be_visible()


# --- links -----------------------------------------------------------------------------------------------------


def test_a_share_link_opens_the_private_space_signed_out_until_it_is_revoked(
    browser: Any, console: Platform, owner: httpx.Client, space: str
) -> None:
    _patch(owner, visibility="private")
    try:
        console.wait(lambda: _router_get(console, "/config") != 200, 15, "the router to see the Space private")
        with _signed_in_page(browser, console, OWNER) as page:
            page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.api_url)
            page.goto(_page_url(console, "links"))
            section = page.locator("#pc-space-share-links")
            section.get_by_label("Label").fill("for a reviewer")
            section.get_by_label("Works for").select_option(label="1 hour")
            section.get_by_role("button", name="Create share link").click()
            created = page.get_by_test_id("new-share-link")
            url = created.locator("code").inner_text()
            assert re.fullmatch(rf"{re.escape(space)}/\.podium/share\?token=pss_[A-Za-z0-9_-]+", url), url
            created.get_by_role("button", name="Copy link").click()
            expect(created.get_by_role("button", name="Copied")).to_be_visible()
            assert page.evaluate("navigator.clipboard.readText()") == url
            row = page.get_by_test_id("share-links").locator("tr", has_text="for a reviewer")
            expect(row.locator("[data-status]")).to_have_attribute("data-status", "active")
            expect(row).to_contain_text(f"by {OWNER}")
            link_id = row.get_attribute("data-id") or ""
            listed = owner.get(f"/api/spaces/{SPACE}/share-links").json()["items"]
            assert [(item["id"], item["expires_at"] > item["created_at"]) for item in listed] == [(link_id, True)]

            # Shown once: gone from the page once dismissed.
            created.get_by_role("button", name="Done").click()
            expect(created).to_have_count(0)
            assert url.split("token=")[1] not in page.content()

            # A signed-out browser opens the private Space through the link, via the router.
            visitor = browser.new_context(viewport=VIEWPORT)
            try:
                shared = visitor.new_page()
                shared.goto(url)
                _app_ready(shared)
                assert shared.url == space + "/"
                shared.get_by_label("Name", exact=True).fill("Sam")
                shared.get_by_role("button", name="Submit").click()
                expect(shared.get_by_label("Greeting", exact=True)).to_have_value("Hello Sam!", timeout=30_000)

                row.get_by_role("button", name="Revoke share link for a reviewer").click()
                page.get_by_role("dialog", name="Revoke this share link?").get_by_role("button", name="Revoke").click()
                expect(row.locator("[data-status]")).to_have_attribute("data-status", "revoked")
                expect(row.get_by_role("button", name=re.compile("^Revoke"))).to_have_count(0)

                # The visitor loses the Space within seconds; the link itself now says it was revoked.
                cookie = "; ".join(f"{c['name']}={c['value']}" for c in visitor.cookies())
                assert "podium_space_share=" in cookie
                console.wait(lambda: _router_get(console, "/config", cookie) == 401, 30, "the revoked link to stop working")
                answer = shared.reload()
                assert answer is not None and answer.status == 401
                answer = shared.goto(url)
                assert answer is not None and answer.status == 400
                assert "revoked" in (shared.text_content("body") or "").lower()
            finally:
                visitor.close()
    finally:
        _make_public(console, owner)


def _make_deep_link(console: Platform, name: str) -> str:
    """A deep link made the way the app's button makes one: POST /gradio_api/deep_link through the router, with
    the Name textbox's value; its id."""
    host = console.space_host(ORG, NAME)
    base = f"http://127.0.0.1:{console.router_port}"
    with httpx.Client(base_url=base, headers={"Host": host}, timeout=60) as client:
        config = client.get("/config")
        assert config.status_code == 200, config.text
        ids = [c["id"] for c in config.json()["components"] if c.get("props", {}).get("label") == "Name"]
        assert len(ids) == 1, config.text
        saved = client.post("/gradio_api/deep_link", json={"values": {str(ids[0]): name}})
        assert saved.status_code == 200, saved.text
        return str(saved.json()["id"])


def test_deep_links_made_through_the_space_are_listed_and_deleted(
    browser: Any, console: Platform, owner: httpx.Client, space: str, tmp_path: Path
) -> None:
    link_id = _make_deep_link(console, "Lin")
    with _signed_in_page(browser, console, OWNER) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.api_url)
        page.goto(_page_url(console, "links"))
        expect(page.get_by_test_id("space-url").locator("code")).to_have_text(space)
        row = page.get_by_test_id("deep-links").locator(f"tr[data-id='{link_id}']")
        expect(row).to_contain_text("Name")
        expect(row).to_contain_text("0 times")
        opener = row.get_by_role("link", name=link_id)
        expect(opener).to_have_attribute("href", f"{space}/?deep_link={link_id}")
        page.locator("#pc-space-share-links").evaluate("section => section.scrollIntoView()")
        screenshot(page, "space-links", tmp_path)

        snippet = page.get_by_test_id("embed-snippet")
        expect(snippet.locator("code")).to_contain_text(f'<iframe src="{space}"')
        snippet.get_by_role("button", name="Copy embed code").click()
        assert page.evaluate("navigator.clipboard.readText()").startswith(f'<iframe src="{space}"')

        row.get_by_role("button", name=f"Delete deep link {link_id}").click()
        page.get_by_role("dialog", name="Delete this deep link?").get_by_role("button", name="Delete").click()
        expect(row).to_have_count(0)
        expect(page.get_by_text("No deep links")).to_be_visible()
    assert owner.get(f"/api/spaces/{SPACE}/deep-links").json()["items"] == []


# --- who sees what ----------------------------------------------------------------------------------------------


def test_a_read_member_sees_the_space_without_its_controls_and_an_outsider_sees_nothing(
    browser: Any, console: Platform, owner: httpx.Client, space: str
) -> None:
    with _signed_in_page(browser, console, READER) as page:
        page.goto(_page_url(console))
        expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
        expect(page.get_by_role("tab")).to_have_text(["App", "Logs", "Revisions"])
        expect(page.get_by_test_id("space-frame")).to_be_visible()
        for name in ("Delete", "Pause", "Resume", "Restart"):
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        page.get_by_role("tab", name="Logs").click()
        expect(page.get_by_test_id("log-connection")).to_have_text("Live")
        page.goto(_page_url(console, "revisions"))
        expect(page.get_by_test_id("revisions").locator("tr[data-revision='1']")).to_be_visible()
        expect(page.get_by_role("button", name="Roll back to this revision")).to_have_count(0)
        page.goto(_page_url(console, "settings"))
        expect(page.get_by_test_id("tab-closed")).to_have_text(
            "You need the admin role on this Space to change its settings.")
        expect(page.get_by_label("Visibility")).to_have_count(0)
        page.goto(_page_url(console, "links"))
        expect(page.get_by_test_id("tab-closed")).to_contain_text("write access")
        page.goto(_page_url(console, "nonsense"))
        expect(page.get_by_test_id("not-found")).to_be_visible()

    _patch(owner, visibility="private")
    try:
        with _signed_in_page(browser, console, OUTSIDER) as page:
            page.goto(_page_url(console))
            expect(page.get_by_test_id("not-found")).to_be_visible()
            expect(page.get_by_role("heading", level=1, name=TITLE)).to_have_count(0)
            page.goto(_page_url(console, "logs"))
            expect(page.get_by_test_id("not-found")).to_be_visible()
    finally:
        _make_public(console, owner)


def test_the_space_page_fits_a_phone(browser: Any, console: Platform, space: str, tmp_path: Path) -> None:
    with _signed_in_page(browser, console, OWNER, viewport=PHONE) as page:
        page.goto(_page_url(console, "revisions"))
        expect(page.get_by_test_id("revisions").locator("tr[data-revision='3']")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.goto(_page_url(console))
        expect(page.get_by_test_id("space-frame")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "space-phone", tmp_path)


# --- last: delete ------------------------------------------------------------------------------------------------


def test_deleting_the_space_asks_for_its_name(browser: Any, console: Platform, owner: httpx.Client,
                                              space: str) -> None:
    with _signed_in_page(browser, console, OWNER) as page:
        page.goto(_page_url(console))
        page.get_by_role("button", name="Delete", exact=True).click()
        dialog = page.get_by_role("dialog", name=f"Delete {SPACE}?")
        confirm = dialog.get_by_role("button", name="Delete this Space")
        expect(confirm).to_be_disabled()
        dialog.get_by_label(re.compile("to confirm")).fill("sp-dem")
        expect(confirm).to_be_disabled()
        dialog.get_by_label(re.compile("to confirm")).fill(NAME)
        confirm.click()
        expect(page).to_have_url(f"{console.api_url}/")
    assert owner.get(f"/api/spaces/{SPACE}").status_code == 404
    assert owner.get("/api/spaces", params={"owner": ORG}).json()["items"] == []
