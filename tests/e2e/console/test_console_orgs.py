"""The console's org pages in Chromium against the real platform: an org made in the New org page (listed in the
header at once), an invitation made in the page, copied from the clipboard and accepted by a second user in a browser
of their own (the owner's members tab shows them without a reload), role changes and the API's "last owner" refusal,
a revoked invitation's dead link, teams with members and a grant on a Space, the quota bars (and a site admin's
edit), the audit log with its filters kept in the URL and "Load more", what a `read` member and an outsider see,
and leaving the org.

The tests of this module run in order on one org (`og-acme`); users are named `og-*`. `og-admin` is a site admin
(the installation's first user if this module signs up first, else made one in the database).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_helpers import PHONE, api_client, screenshot, signed_in
from helpers import sql
from playwright.sync_api import expect
from spaces_platform import Platform

ORG = "og-acme"
DISPLAY = "Acme Robotics"
OWNER, MEMBER, READER, OUTSIDER, ADMIN = "og-owner", "og-member", "og-reader", "og-outsider", "og-admin"
SPACE, PUBLIC_SPACE = "og-demo", "og-showcase"
# A form's "Role" picker (its name ends with the chosen role), not the rows' "Role of USER" / "Role on SPACE".
ROLE = re.compile(r"^Role(?! o[fn] )")


@pytest.fixture(scope="module")
def people(console: Platform, console_database: str) -> Iterator[dict[str, httpx.Client]]:
    """API clients of the module's users; `og-admin` signs up first and is a site admin."""
    clients = {ADMIN: api_client(console, ADMIN)}
    sql(console_database, "UPDATE users SET is_site_admin = true WHERE username = :name", name=ADMIN)
    for name in (OWNER, MEMBER, READER, OUTSIDER):
        clients[name] = api_client(console, name)
    yield clients
    for client in clients.values():
        client.close()


@contextmanager
def browsing(browser: Any, console: Platform, username: str, path: str, **options: Any) -> Iterator[Any]:
    """A page of `username`'s own signed-in browser at `path`; an uncaught JavaScript error fails the test."""
    context = signed_in(browser, console, username, **options)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.api_url)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        page = context.new_page()
        page.goto(console.api_url + path)
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


def tidy(page: Any) -> None:
    """Before a screenshot: the toasts closed, the page at its top."""
    page.evaluate("document.querySelectorAll('.pc-toast-close').forEach((b) => b.click()); scrollTo(0, 0)")


def tab_names(page: Any) -> list[str]:
    return [name.strip() for name in page.get_by_role("tab").all_inner_texts()]


def member_role(client: httpx.Client, username: str) -> str | None:
    members = client.get(f"/api/orgs/{ORG}/members").json()["items"]
    return next((m["role"] for m in members if m["username"] == username), None)


def invite_in_page(page: Any, email: str, role: str) -> str:
    """Make an invitation in the invitations tab; the link the page shows once."""
    page.get_by_label("Email (optional)").fill(email)
    page.get_by_label(ROLE).select_option(role)
    page.get_by_role("button", name="Create invitation link").click()
    shown = page.get_by_test_id("invitation-link")
    expect(shown).to_contain_text("it will not be shown again")
    return shown.locator("code").inner_text()


def test_new_org_page_creates_an_org_listed_in_the_header(browser: Any, console: Platform,
                                                          people: dict[str, httpx.Client], tmp_path: Path) -> None:
    with browsing(browser, console, OWNER, "/orgs/new") as page:
        nav = page.get_by_role("navigation", name="Main")
        expect(page.get_by_role("heading", name="New org")).to_be_visible()
        name = page.get_by_label(re.compile(r"^Name"))  # its hint is part of the label
        name.fill("Acme_Robotics")
        expect(page.get_by_text("Lower-case letters, digits and hyphens only")).to_be_visible()
        page.get_by_role("button", name="Create org").click()
        expect(page).to_have_url(re.compile(r"/orgs/new$"))  # refused here, before the API
        # A name the API refuses (taken by a user): its message, as it is.
        name.fill(MEMBER)
        page.get_by_role("button", name="Create org").click()
        expect(page.get_by_role("alert")).to_contain_text("is taken by a user or an org")

        name.fill(ORG)
        page.get_by_label("Display name (optional)").fill(DISPLAY)
        page.get_by_label("Description (optional)").fill("We build robots that wave.")
        page.get_by_role("button", name="Create org").click()
        expect(page).to_have_url(re.compile(rf"/orgs/{ORG}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(DISPLAY)
        expect(nav.get_by_role("link", name=DISPLAY)).to_be_visible()  # the header, without a reload
        expect(page.locator(f"tr[data-member={OWNER}]")).to_contain_text("(you)")
        assert tab_names(page) == ["Members", "Invitations", "Teams", "Quota", "Audit log", "Settings"]
    assert member_role(people[OWNER], OWNER) == "owner"


def test_invitation_link_is_copied_accepted_and_the_member_appears(browser: Any, console: Platform,
                                                                   people: dict[str, httpx.Client],
                                                                   tmp_path: Path) -> None:
    with browsing(browser, console, OWNER, f"/orgs/{ORG}/invitations") as owner:
        link = invite_in_page(owner, f"{MEMBER}@example.com", "write")
        assert link.startswith(f"{console.api_url}/invitations/pdi_")
        owner.get_by_role("button", name="Copy link").click()
        expect(owner.get_by_role("button", name="Copied")).to_be_visible()
        assert owner.evaluate("navigator.clipboard.readText()") == link
        pending = owner.locator("tbody tr", has_text=f"{MEMBER}@example.com")
        expect(pending).to_contain_text("write")
        expect(pending).to_contain_text(OWNER)
        screenshot(owner, "org-invitations", tmp_path)

        owner.get_by_role("tab", name="Members").click()
        expect(owner.locator(f"tr[data-member={OWNER}]")).to_be_visible()
        expect(owner.locator(f"tr[data-member={MEMBER}]")).to_have_count(0)
        with browsing(browser, console, MEMBER, link.removeprefix(console.api_url)) as member:
            expect(member.get_by_role("heading", name=f"Join {DISPLAY}")).to_be_visible()
            member.get_by_role("button", name=f"Accept and join {ORG}").click()
            expect(member).to_have_url(re.compile(rf"/orgs/{ORG}$"))
            expect(member.get_by_role("navigation", name="Main").get_by_role("link", name=DISPLAY)).to_be_visible()
        # The owner's page polls: the new member shows up without a reload.
        row = owner.locator(f"tr[data-member={MEMBER}]")
        expect(row).to_be_visible()
        expect(owner.get_by_label(f"Role of {MEMBER}")).to_have_value("write")
        # The link was used: the pending list no longer has it.
        owner.get_by_role("tab", name="Invitations").click()
        expect(owner.get_by_text("No pending invitations")).to_be_visible()


def test_roles_change_in_the_members_tab_and_the_last_owner_stays(browser: Any, console: Platform,
                                                                 people: dict[str, httpx.Client],
                                                                 tmp_path: Path) -> None:
    owner_client = people[OWNER]
    # og-reader joins through an invitation made with the API.
    made = owner_client.post(f"/api/orgs/{ORG}/invitations", json={"role": "read"})
    assert made.status_code == 201, made.text
    accepted = people[READER].post(f"/api/invitations/{made.json()['token']}/accept")
    assert accepted.status_code == 200, accepted.text

    with browsing(browser, console, OWNER, f"/orgs/{ORG}") as page:
        page.get_by_label(f"Role of {MEMBER}").select_option("admin")
        expect(page.get_by_text(f"{MEMBER} is now an admin")).to_be_visible()
        assert member_role(owner_client, MEMBER) == "admin"
        # The API refuses to demote the last owner; its message shows and the picker goes back.
        page.get_by_label(f"Role of {OWNER}").select_option("admin")
        expect(page.get_by_role("alert")).to_contain_text("last owner")
        expect(page.get_by_label(f"Role of {OWNER}")).to_have_value("owner")
        assert member_role(owner_client, OWNER) == "owner"
        expect(page.locator(f"tr[data-member={READER}]")).to_contain_text("read")
        screenshot(page, "org-members", tmp_path)
    # An admin may not touch owners: no picker, no Remove on the owner's row; owner is not offered.
    with browsing(browser, console, MEMBER, f"/orgs/{ORG}") as page:
        owner_row = page.locator(f"tr[data-member={OWNER}]")
        expect(owner_row).to_contain_text("owner")
        expect(owner_row.get_by_role("combobox")).to_have_count(0)
        expect(owner_row.get_by_role("button", name="Remove")).to_have_count(0)
        options = page.get_by_label(f"Role of {READER}").locator("option").all_inner_texts()
        assert options == ["read", "write", "admin"]
    assert member_role(owner_client, MEMBER) == "admin"


def test_a_revoked_invitation_link_cannot_be_used(browser: Any, console: Platform,
                                                  people: dict[str, httpx.Client], tmp_path: Path) -> None:
    with browsing(browser, console, OWNER, f"/orgs/{ORG}/invitations") as owner:
        link = invite_in_page(owner, "nobody@example.com", "read")
        row = owner.locator("tbody tr", has_text="nobody@example.com")
        row.get_by_role("button", name="Revoke").click()
        dialog = owner.get_by_role("dialog", name="Revoke this invitation?")
        dialog.get_by_role("button", name="Revoke invitation").click()
        expect(dialog).to_be_hidden()
        expect(row).to_have_count(0)
        expect(owner.get_by_test_id("invitation-link")).to_have_count(0)  # the revoked link is not offered
    with browsing(browser, console, OUTSIDER, link.removeprefix(console.api_url)) as page:
        expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
        expect(page.get_by_test_id("invitation-error")).to_contain_text("was revoked")
        expect(page.get_by_role("button", name=re.compile("Accept"))).to_have_count(0)
    assert member_role(people[OWNER], OUTSIDER) is None


def test_teams_get_members_and_grants(browser: Any, console: Platform, people: dict[str, httpx.Client],
                                      tmp_path: Path) -> None:
    owner_client = people[OWNER]
    made = owner_client.post("/api/spaces", json={"owner": ORG, "name": SPACE, "visibility": "private"})
    assert made.status_code == 201, made.text
    with browsing(browser, console, OWNER, f"/orgs/{ORG}/teams") as page:
        expect(page.get_by_text("No teams yet")).to_be_visible()
        page.get_by_label("Team name").fill("ML Team")
        page.get_by_role("button", name="Create team").click()
        expect(page.get_by_text("Lower-case letters, digits and hyphens only")).to_be_visible()
        page.get_by_label("Team name").fill("og-ml")
        page.get_by_label("Description (optional)").fill("Trains the wave model")
        page.get_by_role("button", name="Create team").click()
        expect(page).to_have_url(re.compile(rf"/orgs/{ORG}/teams\?team=og-ml$"))
        expect(page.get_by_role("heading", name="Team og-ml")).to_be_visible()

        # Someone outside the org cannot join a team: the API's message.
        page.get_by_label("Add a member").fill(OUTSIDER)
        page.get_by_role("button", name="Add to team").click()
        expect(page.get_by_role("alert")).to_contain_text("invite them to the org first")
        page.get_by_label("Add a member").fill(READER)
        page.get_by_role("button", name="Add to team").click()
        expect(page.locator(f"tr[data-team-member={READER}]")).to_be_visible()

        page.get_by_label(re.compile(r"^Space")).fill(SPACE)
        page.get_by_label(ROLE).select_option("write")
        page.get_by_role("button", name="Grant", exact=True).click()
        grant = page.locator(f"tr[data-grant={SPACE}]")
        expect(grant.get_by_role("link", name=SPACE)).to_have_attribute("href", f"/spaces/{ORG}/{SPACE}")
        page.get_by_label(f"Role on {SPACE}").select_option("admin")
        expect(page.get_by_text(f"og-ml has admin on {SPACE}")).to_be_visible()
        page.get_by_label(re.compile(r"^Space")).fill("*")
        page.get_by_role("button", name="Grant", exact=True).click()
        expect(page.locator('tr[data-grant="*"]')).to_contain_text("every Space")
        page.get_by_role("button", name="Remove the grant on every Space (*)").click()
        page.get_by_role("dialog").get_by_role("button", name="Remove grant").click()
        expect(page.locator('tr[data-grant="*"]')).to_have_count(0)
        tidy(page)
        screenshot(page, "org-teams", tmp_path)

        page.get_by_role("link", name="← All teams").click()
        expect(page.locator("tr[data-team=og-ml]")).to_contain_text("Trains the wave model")
    team = owner_client.get(f"/api/orgs/{ORG}/teams/og-ml").json()
    assert [m["username"] for m in team["members"]] == [READER]
    assert team["grants"] == [{"space": SPACE, "role": "admin"}]
    # The grant works: the read member may now administer the private Space.
    assert "space.admin" in people[READER].get(f"/api/spaces/{ORG}/{SPACE}").json()["can"]


def test_quota_shows_usage_and_only_site_admins_edit_it(browser: Any, console: Platform,
                                                         people: dict[str, httpx.Client], tmp_path: Path) -> None:
    with browsing(browser, console, OWNER, f"/orgs/{ORG}/quota") as owner:
        spaces = owner.locator("[data-meter=spaces]")
        expect(spaces).to_contain_text(re.compile(r"1 of \d+"))
        expect(owner.locator("[data-meter=gpus]")).to_contain_text(re.compile(r"0 of \d+"))
        expect(owner.get_by_role("heading", name="Change the limits")).to_have_count(0)
        with browsing(browser, console, ADMIN, f"/orgs/{ORG}/quota") as admin:
            expect(admin.get_by_role("heading", name="Change the limits")).to_be_visible()
            admin.get_by_label("Max Spaces").fill("-3")
            admin.get_by_role("button", name="Save limits").click()
            expect(admin.get_by_text("A whole number")).to_be_visible()
            admin.get_by_label("Max Spaces").fill("5")
            admin.get_by_label("Max GPUs").fill("2")
            admin.get_by_role("button", name="Save limits").click()
            expect(admin.locator("[data-meter=spaces]")).to_contain_text("1 of 5")
        # The owner's page polls: the new limits show without a reload.
        expect(spaces).to_contain_text("1 of 5")
        expect(owner.get_by_role("meter", name="GPUs")).to_have_attribute("aria-valuetext", "0 of 2 used")
        expect(owner.get_by_text("Limits set for og-acme by a site administrator")).to_be_visible()
        screenshot(owner, "org-quota", tmp_path)


def test_audit_log_lists_the_actions_and_filters_narrow_it(browser: Any, console: Platform,
                                                           people: dict[str, httpx.Client], tmp_path: Path) -> None:
    with browsing(browser, console, OWNER, f"/orgs/{ORG}/audit") as page:
        rows = page.locator("table[aria-label='Audit events'] tbody tr")
        for action in ("org.create", "org.invitation.create", "invitation.accept", "org.member.role",
                       "org.invitation.revoke", "team.create", "team.member.add", "team.grant", "team.revoke",
                       "quota.update"):
            expect(rows.and_(page.locator(f"[data-action='{action}']")).first).to_be_visible()
        role_row = rows.and_(page.locator("[data-action='org.member.role']")).first
        expect(role_row).to_contain_text(MEMBER)
        role_row.locator("summary").click()
        expect(role_row.locator("pre")).to_contain_text('"to": "admin"')
        quota_row = rows.and_(page.locator("[data-action='quota.update']")).first
        quota_row.locator("summary").click()
        expect(quota_row.locator("pre")).to_contain_text('"max_spaces": 5')
        tidy(page)
        screenshot(page, "org-audit", tmp_path)

        page.get_by_label("Action").fill("team.*")
        page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(r"/audit\?action=team\.\*$"))
        expect(rows.first).to_have_attribute("data-action", re.compile(r"^team\."))
        assert all(a.startswith("team.") for a in rows.evaluate_all("rs => rs.map(r => r.dataset.action)"))

        page.get_by_label("Action").fill("")
        page.get_by_label("Actor").fill(MEMBER)
        page.get_by_role("button", name="Apply filters").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-action", "invitation.accept")

        # The filters live in the URL: a reload keeps them, in the list and in the form.
        page.reload()
        expect(page.get_by_label("Actor")).to_have_value(MEMBER)
        expect(rows).to_have_count(1)
        page.get_by_label("Actor").fill("")
        page.get_by_label("From day").fill("2001-01-01")
        page.get_by_label("To day (included)").fill("2001-12-31")
        page.get_by_role("button", name="Apply filters").click()
        expect(page.get_by_text("No events match these filters")).to_be_visible()
        page.get_by_role("button", name="Clear").click()
        expect(page).to_have_url(re.compile(rf"/orgs/{ORG}/audit$"))

    # More events than a page holds: "Load more" follows the cursor until the end.
    for i in range(55):
        changed = people[OWNER].patch(f"/api/orgs/{ORG}", json={"description": f"Robots that wave, take {i}"})
        assert changed.status_code == 200, changed.text
    with browsing(browser, console, OWNER, f"/orgs/{ORG}/audit?action=org.update") as page:
        rows = page.locator("table[aria-label='Audit events'] tbody tr")
        expect(rows).to_have_count(50)
        page.get_by_role("button", name="Load more").click()
        expect(rows).to_have_count(55)
        expect(page.get_by_role("button", name="Load more")).to_have_count(0)


def test_a_read_member_sees_members_but_no_controls(browser: Any, console: Platform,
                                                    people: dict[str, httpx.Client]) -> None:
    with browsing(browser, console, READER, f"/orgs/{ORG}") as page:
        expect(page.locator(f"tr[data-member={OWNER}]")).to_be_visible()
        assert tab_names(page) == ["Members", "Teams", "Quota"]
        expect(page.get_by_role("combobox")).to_have_count(0)
        expect(page.get_by_role("link", name="Invite someone")).to_have_count(0)
        expect(page.get_by_role("button", name="Remove")).to_have_count(0)
        expect(page.locator(f"tr[data-member={READER}]").get_by_role("button", name="Leave org")).to_be_visible()
        page.get_by_role("tab", name="Teams").click()
        page.get_by_role("link", name="og-ml").click()
        expect(page.locator(f"tr[data-grant={SPACE}]")).to_contain_text("admin")
        expect(page.get_by_role("button", name="Delete team")).to_have_count(0)
        expect(page.get_by_label("Add a member")).to_have_count(0)

        page.goto(f"{console.api_url}/orgs/{ORG}/audit")
        expect(page.get_by_role("alert")).to_contain_text("needs the 'admin' role in org 'og-acme'")
        expect(page.get_by_label("Action")).to_have_count(0)


def test_an_outsider_sees_only_the_public_profile(browser: Any, console: Platform,
                                                  people: dict[str, httpx.Client]) -> None:
    made = people[OWNER].post("/api/spaces", json={"owner": ORG, "name": PUBLIC_SPACE, "visibility": "public"})
    assert made.status_code == 201, made.text
    with browsing(browser, console, OUTSIDER, f"/orgs/{ORG}/audit") as page:
        expect(page.get_by_role("heading", level=1)).to_contain_text(DISPLAY)
        expect(page.get_by_text("Robots that wave, take 54")).to_be_visible()
        expect(page.locator(f"a[href='/spaces/{ORG}/{PUBLIC_SPACE}']")).to_be_visible()
        expect(page.get_by_text(SPACE, exact=True)).to_have_count(0)
        expect(page.get_by_role("tablist")).to_have_count(0)
        expect(page.get_by_role("table")).to_have_count(0)
        page.goto(f"{console.api_url}/orgs/og-nowhere")
        expect(page.get_by_test_id("not-found")).to_be_visible()


def test_settings_change_the_profile_and_owners_delete_with_the_typed_name(browser: Any, console: Platform,
                                                                          people: dict[str, httpx.Client]) -> None:
    made = people[OWNER].post("/api/orgs", json={"name": "og-temp", "display_name": "Temporary"})
    assert made.status_code == 201, made.text
    with browsing(browser, console, OWNER, "/orgs/og-temp/settings") as page:
        nav = page.get_by_role("navigation", name="Main")
        page.get_by_label("Display name").fill("Short-lived")
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Short-lived")
        expect(nav.get_by_role("link", name="Short-lived")).to_be_visible()
        page.get_by_role("button", name="Delete org…").click()
        dialog = page.get_by_role("dialog", name="Delete og-temp?")
        confirm = dialog.get_by_role("button", name="Delete org")
        expect(confirm).to_be_disabled()
        dialog.get_by_role("textbox").fill("og-tem")
        expect(confirm).to_be_disabled()
        dialog.get_by_role("textbox").fill("og-temp")
        confirm.click()
        expect(page).to_have_url(f"{console.api_url}/")
        expect(nav.get_by_role("link", name="Short-lived")).to_have_count(0)
    assert people[OWNER].get("/api/orgs/og-temp").status_code == 404
    # An admin (not an owner) edits the profile but gets no Delete.
    with browsing(browser, console, MEMBER, f"/orgs/{ORG}/settings") as page:
        expect(page.get_by_role("heading", name="Profile")).to_be_visible()
        expect(page.get_by_role("heading", name="Delete this org")).to_have_count(0)
        expect(page.get_by_role("heading", name="Transfer ownership")).to_have_count(0)


def test_a_member_leaves_and_the_phone_layout(browser: Any, console: Platform, people: dict[str, httpx.Client],
                                              tmp_path: Path) -> None:
    with browsing(browser, console, OWNER, f"/orgs/{ORG}", viewport=PHONE, color_scheme="dark") as page:
        expect(page.locator(f"tr[data-member={READER}]")).to_be_visible()
        screenshot(page, "org-members-phone", tmp_path)
    with browsing(browser, console, READER, f"/orgs/{ORG}") as page:
        page.locator(f"tr[data-member={READER}]").get_by_role("button", name="Leave org").click()
        page.get_by_role("dialog").get_by_role("button", name="Leave org").click()
        expect(page).to_have_url(f"{console.api_url}/")
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=DISPLAY)).to_have_count(0)
    assert member_role(people[OWNER], READER) is None
