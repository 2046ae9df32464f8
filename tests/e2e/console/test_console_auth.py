"""The console's sign-in pages in Chromium against the real platform: password sign-in (wrong password, the
throttle, sign-out), a session ended on the server while a page is open (back to sign-in with the note, then back
to the page), `next` round trips (a console page, and a private Space's sign-in through the router), sign-up,
invitations (preview, accept, sign up with one, spent and unknown links), "Sign in with X" through a real OIDC
provider, and the first-run page.

Two tests start API processes of their own on fresh databases (`Platform.start("api")` only), because what they
test needs settings or a state the shared platform cannot have:
- "Sign in with X": a second installation (the relying party, at `http://localhost:PORT`, so that its cookies
  are not the shared console's at 127.0.0.1) is configured with the shared console's API as its OpenID Connect
  provider; a real client registration, authorize, consent and callback, nothing faked.
- first run: an installation without users (and with `PODIUM_SIGNUP=closed`, to see the closed sign-up page).

Users of this module are named `au-*`; the org is `au-team`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_helpers import PASSWORD, api_client, screenshot, second_installation, signed_in
from helpers import migrated_database
from platform_fixtures import TEST_SECRET_KEYS
from playwright.sync_api import expect
from spaces_platform import Platform

USER = "au-ann"
ORG = "au-team"


@pytest.fixture(scope="module")
def ann(console: Platform) -> Iterator[httpx.Client]:
    """`au-ann`, acting through the API with a full-scope token."""
    client = api_client(console, USER)
    yield client
    client.close()


@pytest.fixture(scope="module")
def boss(console: Platform) -> Iterator[httpx.Client]:
    """`au-boss`, owner of the org `au-team`, who invites people to it."""
    client = api_client(console, "au-boss")
    made = client.post("/api/orgs", json={"name": ORG, "display_name": "AU Team"})
    assert made.status_code == 201, made.text
    yield client
    client.close()


@contextmanager
def watched(context: Any) -> Iterator[Any]:
    """`context`, closed afterwards; an uncaught JavaScript error in its pages fails the test."""
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield context
    finally:
        context.close()
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


def sign_in(page: Any, login: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form and send it."""
    page.get_by_label("Username or email").fill(login)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def field(page: Any, label: str) -> Any:
    """The text field whose label starts with `label` (a field's name also holds its hint)."""
    return page.get_by_role("textbox", name=re.compile("^" + re.escape(label)))


def path_of(page: Any) -> str:
    """The page's path and query (what `next` holds)."""
    return str(page.evaluate("location.pathname + location.search"))


def invite(boss: httpx.Client, role: str = "write") -> str:
    made = boss.post(f"/api/orgs/{ORG}/invitations", json={"role": role})
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


# --- password sign-in --------------------------------------------------------------------------------------------


def test_sign_in_wrong_password_and_sign_out(context: Any, console: Platform, ann: httpx.Client) -> None:
    """A visitor is sent to sign in; a wrong password shows the API's message and stays; the right one (by email
    here) lands on home, signed in; signing out ends the session on the server and comes back to sign-in."""
    page = context.new_page()
    page.goto(console.api_url + "/")
    expect(page).to_have_url(f"{console.api_url}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Create one")).to_have_attribute("href", "/signup")

    sign_in(page, USER, "not the password at all")
    expect(page.get_by_role("alert")).to_have_text("Wrong username, email or password")
    expect(page).to_have_url(f"{console.api_url}/login")
    assert page.request.get(f"{console.api_url}/api/user").status == 401

    sign_in(page, f"{USER}@example.com")
    expect(page.get_by_role("heading", name="Spaces", exact=True)).to_be_visible()
    assert path_of(page) == "/"
    expect(page.locator(".pc-header .pc-user")).to_have_text(USER)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{console.api_url}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.request.get(f"{console.api_url}/api/user").status == 401


def test_throttled_sign_in_says_how_long_to_wait(context: Any, console: Platform) -> None:
    """After ten wrong passwords for one login from one address the form shows the API's 429 message."""
    api_client(console, "au-slow").close()
    with httpx.Client(base_url=console.api_url, timeout=30) as client:
        for _ in range(10):
            assert client.post("/api/auth/login", json={"login": "au-slow", "password": "wrong guess!"}).status_code == 401
    page = context.new_page()
    page.goto(console.api_url + "/login")
    sign_in(page, "au-slow")  # the right password, but too late
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Too many failed sign-ins; try again in \d+ seconds"))
    assert page.request.get(f"{console.api_url}/api/user").status == 401


def test_already_signed_in_goes_to_next_at_once(browser: Any, console: Platform, ann: httpx.Client) -> None:
    with watched(signed_in(browser, console, USER)) as context:
        page = context.new_page()
        page.goto(console.api_url + "/login?next=%2Fnew")
        expect(page.get_by_role("heading", name="New Space")).to_be_visible()
        assert path_of(page) == "/new"
        page.goto(console.api_url + "/login?next=%2F%2Fevil.example%2F")  # not a path of this site: home
        expect(page.get_by_role("heading", name="Spaces", exact=True)).to_be_visible()
        assert page.url == f"{console.api_url}/"


# --- sessions and next -------------------------------------------------------------------------------------------


def test_ended_session_sends_to_sign_in_and_back(browser: Any, console: Platform) -> None:
    """The user's sessions are ended from an API client (logout-all) while the New Space page is open: creating
    the Space gets 401 `session_expired`, so the page goes to sign-in with the note and `next`; signing in again
    comes back to the same page, its query included, and nothing was created."""
    client = api_client(console, "au-exp")
    with watched(signed_in(browser, console, "au-exp")) as context:
        page = context.new_page()
        page.goto(console.api_url + "/new?owner=au-exp")
        page.get_by_role("textbox", name=re.compile("^Name")).fill("au-late")

        ended = client.post("/api/auth/logout-all")
        assert ended.status_code == 200 and ended.json()["sessions_ended"] >= 1, ended.text
        page.get_by_role("button", name="Create Space").click()
        expect(page.get_by_text("Your session has ended; sign in again.")).to_be_visible()
        assert path_of(page) == "/login?next=%2Fnew%3Fowner%3Dau-exp&expired=1"

        sign_in(page, "au-exp")
        expect(page.get_by_role("heading", name="New Space")).to_be_visible()
        assert path_of(page) == "/new?owner=au-exp"
        assert client.get("/api/spaces/au-exp/au-late").status_code == 404
    client.close()


def test_next_round_trip_through_sign_in(context: Any, console: Platform, ann: httpx.Client) -> None:
    """A signed-out visitor of a console page signs in and lands on that page, its query kept."""
    page = context.new_page()
    page.goto(console.api_url + "/new?owner=" + USER)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert path_of(page) == "/login?next=%2Fnew%3Fowner%3Dau-ann"
    expect(page.get_by_role("link", name="Create one")).to_have_attribute("href", "/signup?next=%2Fnew%3Fowner%3Dau-ann")
    sign_in(page, USER)
    expect(page.get_by_role("heading", name="New Space")).to_be_visible()
    assert path_of(page) == "/new?owner=au-ann"


def test_private_space_sign_in_comes_back_to_the_space(context: Any, console: Platform, ann: httpx.Client) -> None:
    """The router sends a signed-out visitor of a private Space to the API's Space sign-in, which sends them to
    the console's sign-in; after signing in, a full page load continues to the API, which sends the browser back
    to the Space with its ticket, and the router lets it in."""
    made = ann.post("/api/spaces", json={"owner": USER, "name": "au-secret", "visibility": "private", "sleep_time": -1})
    assert made.status_code == 201, made.text
    space_url = f"http://{console.space_host(USER, 'au-secret')}"
    page = context.new_page()
    page.goto(space_url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert path_of(page).startswith("/login?next=%2Fapi%2Fauth%2Fspace-login%3F")
    expect(page.get_by_text("Sign in to open the Space")).to_contain_text(f"{USER}/au-secret")
    sign_in(page, USER)
    page.wait_for_url(re.compile("^" + re.escape(space_url) + "/"), timeout=30_000)
    # The Space's own sign-in cookie is set: the router now answers for the Space, not with a sign-in redirect.
    assert any(cookie["domain"].endswith(".spaces.localhost") for cookie in context.cookies(space_url))


# --- sign-up -----------------------------------------------------------------------------------------------------


def test_sign_up(context: Any, console: Platform, ann: httpx.Client) -> None:
    """A taken name and a password the policy refuses show the API's messages; a good account is signed in."""
    page = context.new_page()
    page.goto(console.api_url + "/login")
    page.get_by_role("link", name="Create one").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    assert path_of(page) == "/signup"
    field(page, "Username").fill(USER)
    field(page, "Email").fill("au-newbie@example.com")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text(f"The username '{USER}' is taken; pick another")

    field(page, "Username").fill("au-newbie")
    field(page, "Password").fill("au-newbie@example.com")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text("Your password must not be your email address")

    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Spaces", exact=True)).to_be_visible()
    expect(page.locator(".pc-header .pc-user")).to_have_text("au-newbie")
    me = page.request.get(f"{console.api_url}/api/user").json()
    assert (me["username"], me["email"], me["site_admin"]) == ("au-newbie", "au-newbie@example.com", False)


# --- invitations -------------------------------------------------------------------------------------------------


def test_invitation_preview_sign_in_and_accept(context: Any, console: Platform, ann: httpx.Client,
                                               boss: httpx.Client) -> None:
    """A signed-out visitor sees what the link invites to, signs in through "Sign in to accept", comes back,
    accepts and lands on the org's page as a member; the spent link then says so, as does an unknown one."""
    token = invite(boss)
    page = context.new_page()
    page.goto(f"{console.api_url}/invitations/{token}")
    card = page.locator(".pc-auth-card")
    expect(card.get_by_role("heading", name="Join AU Team")).to_be_visible()
    expect(card).to_contain_text(f"au-boss invited you to the org {ORG} with the role write")
    expect(card.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    card.get_by_role("link", name="Sign in to accept").click()
    assert path_of(page) == f"/login?next=%2Finvitations%2F{token}"
    sign_in(page, USER)

    accept = page.get_by_role("button", name=f"Accept and join {ORG}")
    expect(accept).to_be_visible()
    expect(page.locator(".pc-auth-card")).to_contain_text(f"You are signed in as {USER}")
    accept.click()
    page.wait_for_url(f"{console.api_url}/orgs/{ORG}")
    expect(page.locator("#pc-nav").get_by_role("link", name="AU Team")).to_be_visible()
    roles = {m["username"]: m["role"] for m in boss.get(f"/api/orgs/{ORG}/members").json()["items"]}
    assert roles[USER] == "write"

    page.goto(f"{console.api_url}/invitations/{token}")
    expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    expect(page.get_by_test_id("invitation-error")).to_have_text(
        f"This invitation to org '{ORG}' was already used; ask an org admin for a new one")
    page.goto(f"{console.api_url}/invitations/pdi_not-a-real-token")
    expect(page.get_by_test_id("invitation-error")).to_contain_text("No such invitation")


def test_accepting_twice_shows_the_apis_answer(browser: Any, console: Platform, boss: httpx.Client) -> None:
    """A member who opens another invitation to the same org gets the API's 409 beside the button."""
    with closing(api_client(console, "au-twice")) as twice:
        assert twice.post(f"/api/invitations/{invite(boss)}/accept").status_code == 200
    token = invite(boss, "read")
    with watched(signed_in(browser, console, "au-twice")) as context:
        page = context.new_page()
        page.goto(f"{console.api_url}/invitations/{token}")
        page.get_by_role("button", name=f"Accept and join {ORG}").click()
        expect(page.get_by_role("alert")).to_contain_text(f"You are already a member of org '{ORG}'")


def test_sign_up_with_an_invitation_joins_the_org(context: Any, console: Platform, boss: httpx.Client) -> None:
    """"Create an account" on an invitation signs up and joins the org in one step, then shows the org."""
    token = invite(boss, "read")
    page = context.new_page()
    page.goto(f"{console.api_url}/invitations/{token}")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_text("Creating your account also accepts the invitation you opened.")).to_be_visible()
    field(page, "Username").fill("au-joiner")
    field(page, "Email").fill("au-joiner@example.com")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{console.api_url}/orgs/{ORG}")
    roles = {m["username"]: m["role"] for m in boss.get(f"/api/orgs/{ORG}/members").json()["items"]}
    assert roles["au-joiner"] == "read"


# --- "Sign in with X": the shared console's API as the OpenID Connect provider of a second installation -----------


@pytest.fixture(scope="module")
def relying_party(tmp_path_factory: pytest.TempPathFactory, pg_cluster: str, podman_socket: str, base_image: str,
                  console: Platform) -> Iterator[Platform]:
    """A second installation whose one identity provider is the shared console's API."""
    with second_installation(tmp_path_factory.mktemp("relying-party"), pg_cluster, podman_socket, base_image, console,
                             "au") as rp:
        yield rp


def test_sign_in_with_an_identity_provider(context: Any, console: Platform, relying_party: Platform,
                                           tmp_path: Path) -> None:
    """On the second installation's sign-in page the provider's button (from GET /api/auth/providers) starts the
    real flow: the provider (the shared console) asks its own sign-in page first, whose `next` is its authorize
    step (loaded as a page), then its consent page; the callback signs the browser in on the second installation
    as a new user and sends it to the page it wanted."""
    api_client(console, "au-oidc").close()
    rp_url = f"http://localhost:{relying_party.api_port}"
    page = context.new_page()
    page.goto(rp_url + "/login?next=%2Fnew")
    button = page.get_by_role("link", name="Sign in with Podium Main")
    expect(button).to_have_attribute("href", "/api/auth/oidc/main/login?next=%2Fnew")
    screenshot(page, "login", tmp_path)
    button.click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url.startswith(f"{console.api_url}/login?next=%2Foauth%2Fauthorize%3F")
    sign_in(page, "au-oidc")
    expect(page.get_by_role("heading", name="AU second installation wants to sign you in")).to_be_visible()
    page.get_by_role("button", name="Allow").click()

    page.wait_for_url(rp_url + "/new")
    expect(page.get_by_role("heading", name="New Space")).to_be_visible()
    expect(page.locator(".pc-header .pc-user")).to_have_text("au-oidc")
    me = page.request.get(f"{rp_url}/api/user").json()
    assert (me["username"], me["has_password"]) == ("au-oidc", False)


# --- first run ---------------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_install(tmp_path_factory: pytest.TempPathFactory, pg_cluster: str, podman_socket: str, base_image: str,
                  console: Platform) -> Iterator[Platform]:
    """An installation without users (API only, own database), with sign-up closed."""
    folder = tmp_path_factory.mktemp("fresh-install")
    with migrated_database(pg_cluster, f"console_au_fresh_{random.randrange(10**6, 10**7)}") as url:
        fresh = Platform(folder, url, podman_socket, base_image, TEST_SECRET_KEYS)
        fresh.env.update({"PODIUM_CONSOLE_DIR": console.env["PODIUM_CONSOLE_DIR"], "PODIUM_SIGNUP": "closed"})
        try:
            fresh.start("api")
            yield fresh
        finally:
            fresh.stop_all()


def test_first_run_creates_the_site_admin(context: Any, fresh_install: Platform) -> None:
    """Every page leads to the setup page until a user exists; the account made there is the site admin and is
    signed in on home; the setup page then leads on; with sign-up closed, the sign-up page says to ask for an
    invitation and the sign-in page offers no sign-up."""
    base = fresh_install.api_url
    page = context.new_page()
    page.goto(base + "/orgs/new")
    expect(page.get_by_role("heading", name="Welcome to Podium")).to_be_visible()
    assert path_of(page) == "/setup"
    expect(page.get_by_text("site administrator")).to_be_visible()
    field(page, "Username").fill("root-admin")
    field(page, "Email").fill("root@example.com")
    field(page, "Password").fill("short")
    page.get_by_role("button", name="Create the admin account").click()
    expect(page.get_by_role("alert")).to_have_text("Passwords need at least 10 characters; a few unrelated words work well")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Create the admin account").click()

    expect(page.get_by_role("heading", name="Spaces", exact=True)).to_be_visible()
    assert path_of(page) == "/"
    expect(page.locator(".pc-header .pc-user")).to_have_text("root-admin")
    me = page.request.get(f"{base}/api/user").json()
    assert (me["username"], me["site_admin"]) == ("root-admin", True)

    page.goto(base + "/setup")  # done already: on to sign-in, which (signed in) goes home
    expect(page.get_by_role("heading", name="Spaces", exact=True)).to_be_visible()
    assert path_of(page) == "/"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Create one")).to_have_count(0)
    page.goto(base + "/signup")
    expect(page.get_by_test_id("signup-closed")).to_contain_text("ask an admin of your team's org for an invitation")
    expect(page.get_by_role("button", name="Create account")).to_have_count(0)
