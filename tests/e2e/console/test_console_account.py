"""The console's account pages in Chromium against the real platform: the profile (display name, email and the
API's refusals), the password (wrong current one, the policy, then signing in with the new one), API tokens
(created in the page, copied, used against the API, listed without the secret, revoked), the user's tunnel share
links (made through the API, revoked in the page), linked accounts (linked and unlinked for real, with the shared
console's API as the OpenID Connect provider of a second installation), signing out everywhere, the keyboard on the
tab list, and dark mode.

Users of this module are named `ac-*`; each test that ends sessions or changes a password has a user of its own.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_helpers import PASSWORD, PHONE, api_client, screenshot, second_installation, signed_in
from playwright.sync_api import expect
from spaces_platform import Platform

USER = "ac-ada"
ORG = "ac-lab"


@contextmanager
def account_page(browser: Any, console: Platform, username: str, path: str = "/account",
                 **options: Any) -> Iterator[Any]:
    """A page of `username`'s signed-in context at `path`; an uncaught JavaScript error fails the test."""
    context = signed_in(browser, console, username, **options)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        page = context.new_page()
        page.goto(console.api_url + path)
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


@pytest.fixture(scope="module")
def user(console: Platform) -> Iterator[httpx.Client]:
    """`ac-ada`, acting through the API with a full-scope token, member (owner) of org `ac-lab`."""
    client = api_client(console, USER)
    made = client.post("/api/orgs", json={"name": ORG, "display_name": "AC Lab"})
    assert made.status_code == 201, made.text
    yield client
    client.close()


def bearer(console: Platform, token: str) -> httpx.Client:
    return httpx.Client(base_url=console.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


# --- profile -------------------------------------------------------------------------------------------------


def test_profile_edit_and_the_apis_refusals(browser: Any, console: Platform, user: httpx.Client,
                                           tmp_path: Path) -> None:
    """The display name and email are saved (the page's heading shows the new name; the header keeps showing the
    username), and the API's refusals (not an email, an email another account has) show beside the email."""
    api_client(console, "ac-taken").close()
    with account_page(browser, console, USER) as page:
        expect(page.locator(".pc-header .pc-user")).to_have_text(USER)
        page.get_by_role("textbox", name=re.compile("^Display name")).fill("Ada Lovelace")
        page.get_by_role("textbox", name="Email", exact=True).fill("ada.lovelace@example.com")
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_test_id("toast-ok")).to_contain_text("Profile saved")
        expect(page.get_by_test_id("account-who")).to_contain_text(f"Ada Lovelace · @{USER}")
        expect(page.locator(".pc-header .pc-user")).to_have_text(USER)
        me = user.get("/api/user").json()
        assert (me["display_name"], me["email"]) == ("Ada Lovelace", "ada.lovelace@example.com")
        expect(page.get_by_role("button", name="Save profile")).to_be_disabled()  # nothing changed since
        screenshot(page, "account-profile", tmp_path)

        email = page.locator("input[name=email]")
        email.fill("not an email")
        page.get_by_role("button", name="Save profile").click()
        expect(page.locator("#pc-account-profile [role=alert]")).to_contain_text("does not look like an email address")
        expect(email).to_have_attribute("aria-invalid", "true")
        email.fill("AC-Taken@example.com")
        page.get_by_role("button", name="Save profile").click()
        expect(page.locator("#pc-account-profile [role=alert]")).to_contain_text("Another account already uses")
        assert user.get("/api/user").json()["email"] == "ada.lovelace@example.com"


def test_password_change(browser: Any, console: Platform) -> None:
    """A wrong current password, a password the policy refuses and two differing copies are each said; a good
    change signs in with the new password (not the old one) and signs out the user's other sessions."""
    api_client(console, "ac-pw").close()
    other = signed_in(browser, console, "ac-pw")
    new_password = "a brand new passphrase"
    try:
        with account_page(browser, console, "ac-pw") as page:
            form = page.locator("#pc-account-password")
            current, new, again = (form.locator(f"input[name={name}_password]") for name in ("current", "new", "confirm"))
            expect(current).to_have_accessible_name("Current password")
            expect(again).to_have_accessible_name("New password again")
            submit = form.get_by_role("button", name="Change password")
            current.fill("not my password at all")
            new.fill(new_password)
            again.fill(new_password)
            submit.click()
            expect(form.get_by_role("alert")).to_have_text("The current password is wrong")
            expect(current).to_have_attribute("aria-invalid", "true")

            current.fill(PASSWORD)
            new.fill("short")
            again.fill("short")
            submit.click()
            expect(form.get_by_role("alert")).to_contain_text("at least 10 characters")

            new.fill(new_password)
            again.fill(new_password + "!")
            submit.click()
            expect(form.get_by_role("alert")).to_contain_text("differ")

            again.fill(new_password)
            submit.click()
            expect(page.get_by_test_id("toast-ok")).to_contain_text(re.compile(r"Password changed; \d+ other sessions? signed out"))
            expect(current).to_have_value("")
            # This session goes on; the other one has ended.
            assert page.request.get(f"{console.api_url}/api/user").status == 200
        assert other.request.get(f"{console.api_url}/api/user").status == 401
    finally:
        other.close()
    with httpx.Client(base_url=console.api_url, timeout=30) as client:
        assert client.post("/api/auth/login", json={"login": "ac-pw", "password": PASSWORD}).status_code == 401
        assert client.post("/api/auth/login", json={"login": "ac-pw", "password": new_password}).status_code == 200


# --- API tokens ----------------------------------------------------------------------------------------------


def test_create_copy_use_and_revoke_a_token(browser: Any, console: Platform, user: httpx.Client,
                                            tmp_path: Path) -> None:
    """A token made in the page is shown once (copied to the clipboard, with the `podium login` command), works
    against the API and with the CLI, is listed without its secret, and once revoked the API refuses it."""
    with account_page(browser, console, USER, "/account/tokens") as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.api_url)
        page.get_by_role("button", name="New token").click()
        form = page.locator(".pc-account-token-form")
        expect(form.locator("input[name=token_name]")).to_be_focused()
        form.get_by_role("button", name="Create token").click()
        expect(form.get_by_role("alert")).to_contain_text("Give the token a name")

        form.locator("input[name=token_name]").fill("laptop CLI")
        expect(form.get_by_role("checkbox", name=re.compile("^write"))).to_be_checked()
        form.get_by_role("checkbox", name=re.compile("^admin")).check()
        expect(form.get_by_role("checkbox", name=re.compile("^read"))).to_be_checked()
        form.get_by_role("checkbox", name=re.compile("^read")).uncheck()  # clears the scopes above it too
        expect(form.get_by_role("checkbox", name=re.compile("^admin"))).not_to_be_checked()
        form.get_by_role("checkbox", name=re.compile("^write")).check()
        form.get_by_label("Expires after").select_option(label="30 days")
        form.get_by_label("Limit to org").select_option(ORG)
        form.get_by_role("button", name="Create token").click()

        created = page.get_by_test_id("token-created")
        expect(created).to_contain_text("you won't see it again")
        command = f"podium login --server {console.api_url} --token -"
        expect(created.locator(".pc-codeline code").nth(1)).to_have_text(command)
        created.get_by_role("button", name="Copy token").click()
        expect(created.get_by_role("button", name="Copied")).to_be_visible()
        secret = str(page.evaluate("navigator.clipboard.readText()"))
        assert secret.startswith("pdm_")
        expect(created.locator(".pc-codeline code").first).to_have_text(secret)
        screenshot(page, "account-token-created", tmp_path)

        with bearer(console, secret) as client:
            me = client.get("/api/user")
            assert me.status_code == 200 and me.json()["username"] == USER
            who = client.get("/api/whoami").json()
            assert (who["scopes"], who["org"]) == (["read", "write"], ORG)
        home = tmp_path / "podium-home"
        login = subprocess.run([str(Path(sys.executable).with_name("podium")), "login", "--server", console.api_url,
                                "--token", "-"], input=secret, capture_output=True, text=True, timeout=60,
                               env={"PODIUM_HOME": str(home), "PATH": "/usr/bin:/bin"})
        assert login.returncode == 0, login.stderr
        assert f"as {USER}" in login.stdout

        created.get_by_role("button", name="Done").click()
        expect(created).to_have_count(0)
        public_id = who["token"]
        row = page.locator(f"tr[data-token='{public_id}']")
        expect(row).to_contain_text("laptop CLI")
        expect(row).to_contain_text(ORG)
        expect(row.locator(".pc-badge")).to_have_text(["read", "write"])
        expect(row).to_contain_text(secret[:12])  # the prefix the API keeps
        assert secret not in page.content()
        screenshot(page, "account-tokens", tmp_path)

        row.get_by_role("button", name="Revoke laptop CLI").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("stops working at once")
        dialog.get_by_role("button", name="Revoke token").click()
        expect(page.get_by_test_id("toast-ok")).to_contain_text("revoked")
        expect(row).to_have_count(0)  # only active tokens are listed...
        page.get_by_label(re.compile(r"Show revoked and expired tokens \(1\)")).check()
        expect(row.locator(".pc-account-status-revoked")).to_contain_text("revoked")  # ...unless asked
        expect(row.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    with bearer(console, secret) as client:
        refused = client.get("/api/user")
        assert refused.status_code == 401, refused.text
    listed = {t["public_id"]: t for t in user.get("/api/user/tokens").json()["items"]}
    assert listed[public_id]["revoked"] is True
    assert all("token" not in t for t in listed.values())


# --- share links ---------------------------------------------------------------------------------------------


def test_share_links_listed_and_revoked(browser: Any, console: Platform, user: httpx.Client, tmp_path: Path) -> None:
    """Links made through the API (as `launch(share=True)` does; no tunnel needed) are listed with their label
    and state; revoking one in the page revokes it in the API."""
    keep = user.post("/api/share/links", json={"label": "demo on my laptop"})
    gone = user.post("/api/share/links", json={"label": "quick test", "lifetime_s": 3600})
    assert keep.status_code == gone.status_code == 201, (keep.text, gone.text)
    keep_id, gone_id = keep.json()["id"], gone.json()["id"]
    with account_page(browser, console, USER, "/account/share-links") as page:
        expect(page.get_by_text("Public links to apps running on your own machine")).to_be_visible()
        kept = page.locator(f"tr[data-link='{keep_id}']")
        expect(kept).to_contain_text("demo on my laptop")
        expect(kept.locator("[data-status]")).to_have_text("active")
        expect(kept.get_by_role("link")).to_have_attribute("href", keep.json()["url"])
        expect(kept.locator("td[data-label=Connected]")).to_have_text("no")  # no tunnel serves it
        row = page.locator(f"tr[data-link='{gone_id}']")
        expect(row).to_contain_text("quick test")
        screenshot(page, "account-share-links", tmp_path)

        row.get_by_role("button", name=re.compile("^Revoke")).click()
        page.get_by_role("dialog").get_by_role("button", name="Revoke link").click()
        expect(page.get_by_test_id("toast-ok")).to_contain_text("Share link revoked")
        expect(row).to_have_count(0)
        expect(kept).to_be_visible()
    links = {link["id"]: link for link in user.get("/api/share/links").json()["links"]}
    assert links[gone_id]["status"] == "revoked"
    assert links[keep_id]["status"] == "active"


# --- linked accounts -----------------------------------------------------------------------------------------


def test_identities_tab_on_the_shared_platform(browser: Any, console: Platform, user: httpx.Client) -> None:
    """The shared platform offers no sign-in provider: the tab says so, and a password account has nothing linked."""
    assert httpx.get(f"{console.api_url}/api/auth/providers").json() == []
    with account_page(browser, console, USER, "/account/identities") as page:
        expect(page.get_by_text("No linked accounts")).to_be_visible()
        expect(page.get_by_text("No sign-in providers")).to_be_visible()
        expect(page.get_by_test_id("link-buttons")).to_have_count(0)


@pytest.fixture(scope="module")
def relying_party(tmp_path_factory: pytest.TempPathFactory, pg_cluster: str, podman_socket: str, base_image: str,
                  console: Platform) -> Iterator[str]:
    """The URL of a second installation whose one sign-in provider, "Podium Main", is the shared console's API."""
    with second_installation(tmp_path_factory.mktemp("account-rp"), pg_cluster, podman_socket, base_image, console,
                             "ac") as rp:
        yield rp.env["PODIUM_PUBLIC_URL"]


def provider_sign_in(page: Any, console: Platform, login: str) -> None:
    """At the provider (the shared console): sign in as `login`, then allow the second installation."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url.startswith(f"{console.api_url}/login?next=%2Foauth%2Fauthorize%3F")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="AC second installation wants to sign you in")).to_be_visible()
    page.get_by_role("button", name="Allow").click()


def test_link_and_unlink_an_identity(context: Any, console: Platform, relying_party: str) -> None:
    """"Link Podium Main" sends the browser through the provider's sign-in and consent, back to the tab, which
    lists the identity (and offers no more link buttons); unlinking it (the user has a password) removes it."""
    api_client(console, "ac-idp").close()
    with httpx.Client(base_url=relying_party, timeout=30) as rp:
        made = rp.post("/api/auth/signup", json={"username": "ac-linker", "email": "ac-linker@example.com",
                                                 "password": PASSWORD})
        assert made.status_code == 201, made.text
    assert context.request.post(f"{relying_party}/api/auth/login",
                                data={"login": "ac-linker", "password": PASSWORD}).status == 200
    page = context.new_page()
    page.goto(relying_party + "/account/identities")
    expect(page.get_by_text("No linked accounts")).to_be_visible()
    page.get_by_test_id("link-buttons").get_by_role("button", name="Link Podium Main").click()

    provider_sign_in(page, console, "ac-idp")
    page.wait_for_url(relying_party + "/account/identities")
    row = page.locator("tr[data-provider=main]")
    expect(row).to_contain_text("Podium Main")
    expect(row).to_contain_text("ac-idp@example.com")
    expect(page.get_by_text("Every provider this installation offers is linked already")).to_be_visible()
    identities = page.request.get(f"{relying_party}/api/user/identities").json()["items"]
    assert [(i["provider"], i["email"]) for i in identities] == [("main", "ac-idp@example.com")]

    row.get_by_role("button", name="Unlink").click()
    page.get_by_role("dialog").get_by_role("button", name="Unlink").click()
    expect(page.get_by_test_id("toast-ok")).to_contain_text("Unlinked")
    expect(page.get_by_text("No linked accounts")).to_be_visible()
    expect(page.get_by_role("button", name="Link Podium Main")).to_be_visible()
    assert page.request.get(f"{relying_party}/api/user/identities").json()["items"] == []


def test_the_last_way_to_sign_in_stays(context: Any, console: Platform, relying_party: str) -> None:
    """A user who signed up through the provider has no password: unlinking their one identity is refused with the
    API's message; once they set a password (no current one asked) it may go."""
    api_client(console, "ac-only-idp").close()
    page = context.new_page()
    page.goto(relying_party + "/login?next=%2Faccount%2Fidentities")
    page.get_by_role("link", name="Sign in with Podium Main").click()
    provider_sign_in(page, console, "ac-only-idp")
    page.wait_for_url(relying_party + "/account/identities")
    expect(page.get_by_text("You have no password")).to_be_visible()

    page.locator("tr[data-provider=main]").get_by_role("button", name="Unlink").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Unlink").click()
    expect(dialog.get_by_role("alert")).to_contain_text("This is your only way to sign in")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("tr[data-provider=main]")).to_be_visible()

    page.get_by_role("tab", name="Profile").click()
    form = page.locator("#pc-account-password")
    expect(form.get_by_role("heading", name="Set a password")).to_be_visible()
    expect(form.locator("input[name=current_password]")).to_have_count(0)
    form.locator("input[name=new_password]").fill("my own passphrase now")
    form.locator("input[name=confirm_password]").fill("my own passphrase now")
    form.get_by_role("button", name="Set a password").click()
    expect(page.get_by_test_id("toast-ok")).to_contain_text("Password set")
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()

    page.get_by_role("tab", name="Linked accounts").click()
    page.locator("tr[data-provider=main]").get_by_role("button", name="Unlink").click()
    page.get_by_role("dialog").get_by_role("button", name="Unlink").click()
    expect(page.get_by_text("No linked accounts")).to_be_visible()
    with httpx.Client(base_url=relying_party, timeout=30) as rp:
        signed = rp.post("/api/auth/login", json={"login": "ac-only-idp", "password": "my own passphrase now"})
        assert signed.status_code == 200, signed.text


# --- sessions, keyboard, dark mode ---------------------------------------------------------------------------


def test_sign_out_everywhere(browser: Any, console: Platform) -> None:
    """After confirming, this browser is on the sign-in page and another browser's session is gone too."""
    api_client(console, "ac-out").close()
    other = signed_in(browser, console, "ac-out")
    try:
        assert other.request.get(f"{console.api_url}/api/user").status == 200
        with account_page(browser, console, "ac-out") as page:
            page.get_by_role("button", name="Sign out everywhere").click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("this one included")
            dialog.get_by_role("button", name="Sign out everywhere").click()
            expect(page).to_have_url(re.compile(r"/login$"))
            assert page.request.get(f"{console.api_url}/api/user").status == 401
        assert other.request.get(f"{console.api_url}/api/user").status == 401
    finally:
        other.close()


def test_tab_list_keyboard(browser: Any, console: Platform, user: httpx.Client) -> None:
    """The tabs are a tablist: arrow keys move the selection (and the URL), wrapping at the ends; Home and End."""
    with account_page(browser, console, USER) as page:
        tabs = page.get_by_role("tablist", name="Account")
        profile = tabs.get_by_role("tab", name="Profile")
        expect(profile).to_have_attribute("aria-selected", "true")
        profile.focus()
        page.keyboard.press("ArrowRight")
        expect(page).to_have_url(re.compile(r"/account/identities$"))
        expect(tabs.get_by_role("tab", name="Linked accounts")).to_be_focused()
        expect(tabs.get_by_role("tab", name="Linked accounts")).to_have_attribute("aria-selected", "true")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        expect(page).to_have_url(re.compile(r"/account/activity$"))
        expect(tabs.get_by_role("tab", name="Activity")).to_be_focused()
        expect(page.get_by_test_id("activity")).to_contain_text("org.create")
        page.keyboard.press("Home")
        expect(page).to_have_url(re.compile(r"/account$"))
        page.keyboard.press("End")
        expect(page).to_have_url(re.compile(r"/account/activity$"))
        page.goto(console.api_url + "/account/nothing-here")
        expect(page.get_by_test_id("not-found")).to_be_visible()


def test_dark_mode(browser: Any, console: Platform, user: httpx.Client, tmp_path: Path) -> None:
    """With the system in dark mode the account pages use the dark colours; at phone width nothing overflows."""
    with account_page(browser, console, USER, "/account/tokens", color_scheme="dark") as page:
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(page.get_by_test_id("tokens")).to_be_visible()
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(18, 19, 23)", background
        page.get_by_role("button", name="New token").click()
        screenshot(page, "account-dark", tmp_path)
        page.set_viewport_size(PHONE)  # tables become stacked cards: nothing wider than the phone
        for tab in ("Profile", "Share links", "Activity", "API tokens"):
            page.get_by_role("tab", name=tab).click()
            expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
            expect(page.locator(".pc-section").first).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), tab
        screenshot(page, "account-phone-dark", tmp_path)
