"""The console's whole path for a new team, in Chromium against the real platform (issue 8's acceptance):

a new user signs up and signs in, creates an org, invites a second user by link (who accepts it in their own
browser), creates a Space in the org with "New Space", pushes it with the real CLI using the command the console
showed, and watches it build and run on the Space's page without reloading it: the badge goes from building to
running, the build log streams, and the app answers inside the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_helpers import VIEWPORT, expect
from console_helpers import PASSWORD, api_client, cli, screenshot, signed_in, space_folder
from spaces_platform import Platform

pytestmark = pytest.mark.timeout(600)
BUILD_TIMEOUT_MS = 300_000  # the first build of a Space installs its requirements


def _sign_up(page: Any, console: Platform, username: str) -> None:
    if not httpx.get(f"{console.api_url}/api/auth/setup").json()["has_users"]:
        api_client(console, "acc-site-admin").close()  # the first account is the site admin's (first-run page)
    page.goto(f"{console.api_url}/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_role("link", name="Create one").click()
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=email]").fill(f"{username}@example.com")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name=username)).to_be_visible()


def test_a_new_team_signs_in_invites_pushes_and_watches_its_space_run(
    browser: Any, console: Platform, tmp_path: Path
) -> None:
    founder, teammate, org, space = "acc-founder", "acc-teammate", "acc-team", "greeter"
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    context.set_default_timeout(15_000)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    page = context.new_page()

    # Sign up, sign out, sign in with the password.
    _sign_up(page, console, founder)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.locator("input[name=login]").fill(founder)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=founder)).to_be_visible()

    # Create the org: it shows in the header at once.
    page.get_by_role("link", name="New org").click()
    page.locator("input[name=name]").fill(org)
    page.get_by_role("button", name="Create org").click()
    expect(page).to_have_url(re.compile(rf"/orgs/{org}"))
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=org)).to_be_visible()

    # Invite the teammate with the write role; the link is shown once.
    page.get_by_role("tab", name=re.compile("Invitations")).click()
    page.locator("select[name=role]").select_option("write")
    page.get_by_role("button", name="Create invitation link").click()
    link = page.locator(".pc-codeline code").filter(has_text="/invitations/")
    expect(link).to_be_visible()
    accept_url = link.inner_text().strip()
    assert accept_url.startswith(f"{console.api_url}/invitations/")

    # The teammate accepts in a browser of their own and lands on the org.
    api_client(console, teammate).close()
    other = signed_in(browser, console, teammate)
    try:
        their_page = other.new_page()
        their_page.goto(accept_url)
        their_page.get_by_role("button", name=f"Accept and join {org}").click()
        expect(their_page).to_have_url(re.compile(rf"/orgs/{org}"))
    finally:
        other.close()
    page.get_by_role("tab", name=re.compile("Members")).click()
    expect(page.get_by_role("row", name=re.compile(teammate))).to_be_visible()

    # New Space in the org: the console shows the exact push command.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New Space").click()
    page.locator("select[name=owner]").select_option(org)
    page.locator("input[name=name]").fill(space)
    page.get_by_role("button", name="Create Space").click()
    command = page.locator(".pc-codeline code").filter(has_text="podium push")
    expect(command).to_contain_text(f"--space {org}/{space}")
    push_command = command.inner_text().strip()

    # Open the Space's page before pushing: everything that follows arrives without a reload.
    page.goto(f"{console.api_url}/spaces/{org}/{space}")
    page.evaluate("window.__notReloaded = true")
    screenshot(page, "acceptance-empty", tmp_path)

    # Push with the CLI, as the console said (a token of the founder's for `podium login`).
    client = api_client(console, founder, signup=False)
    home = tmp_path / "cli-home"
    token = client.headers["Authorization"].split(" ", 1)[1]
    assert cli(console, home, "login", "--server", console.api_url, "--token", token).returncode == 0
    folder = space_folder(tmp_path / "app", "Greeter")
    args = push_command.split()[1:]  # "podium push . --space ORG/NAME" -> the arguments
    args[args.index(".")] = str(folder)
    pushed = cli(console, home, *args, "--no-follow")
    assert pushed.returncode == 0, f"{pushed.stdout}\n{pushed.stderr}\n{console.output()}"
    client.close()

    status = page.get_by_test_id("space-status").locator(".pc-stage")
    expect(status).to_have_attribute("data-stage", re.compile("BUILDING|APP_STARTING|RUNNING"), timeout=30_000)
    page.get_by_role("tab", name="Logs").click()
    page.get_by_role("button", name="Build", exact=True).click()
    expect(page.locator(".pc-log")).to_contain_text(re.compile(r"\S"), timeout=BUILD_TIMEOUT_MS)
    expect(status).to_have_attribute("data-stage", "RUNNING", timeout=BUILD_TIMEOUT_MS)
    assert page.evaluate("window.__notReloaded") is True

    # The app answers inside the console.
    page.get_by_role("tab", name="App").click()
    frame = page.frame_locator("[data-testid=space-frame]")
    frame.get_by_label("Name").fill("team")
    frame.get_by_role("button", name="Submit").click()
    expect(frame.get_by_label("Greeting")).to_have_value("Hello team!", timeout=60_000)
    screenshot(page, "acceptance-running", tmp_path)
    context.close()
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"
