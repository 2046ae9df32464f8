"""Browser sign-in to org/private Spaces: router -> API `space-login` -> ticket -> router cookie, end to end.

The API runs as the `api` TestClient (signed-in browsers are its cookie jars); the router and the upstream app are
real servers on loopback (the same as test_router.py: each test runs with the router's own server and uvicorn).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from helpers import add_org, csrf_headers, other_client, signup, sql
from test_router import SERVERS, UPSTREAM, Served, ServedRouter, add_space, get, serve_router

SECRET_HOST = "secret--alice.spaces.localhost"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture(scope="module")
def app_server() -> Iterator[Served]:
    served = Served(UPSTREAM)
    yield served
    served.stop()


def _router(settings: Any, server: str, **changes: Any) -> Served | ServedRouter:
    from podium_cp.router import RouterConfig, SpacesRouter

    app = SpacesRouter(replace(settings, public_url="http://console.localhost", **changes), RouterConfig())
    return serve_router(app, server)


@pytest.fixture(params=SERVERS)
def router(settings: Any, request: pytest.FixtureRequest) -> Iterator[Served | ServedRouter]:
    served = _router(settings, request.param)
    yield served
    served.stop()


def ticket_path(api: Any, space: str = "alice/secret", next_path: str = "/api/hello?x=1") -> str:
    """Ask the API for a ticket as `api`'s signed-in user; returns the router path (+query) it redirects to."""
    response = api.get("/api/auth/space-login", params={"space": space, "next": next_path}, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/.podium/auth"
    return f"{location.path}?{location.query}"


def sign_in(router: Served | ServedRouter, api: Any, host: str = SECRET_HOST, **kwargs: Any) -> httpx.Response:
    return get(router, ticket_path(api, **kwargs), host=host)


def test_browser_signs_in_through_the_api_and_keeps_a_space_cookie(
    api: Any, pg_url: str, app_server: Served, router: Served | ServedRouter
) -> None:
    signup(api, "alice")
    add_space(pg_url, "secret", visibility="private", url=app_server.url)
    # A browser without credentials is sent to the API's space-login, with the page it asked for.
    first = get(router, "/api/hello?x=1", host=SECRET_HOST, headers=HTML)
    assert first.status_code == 302
    login = urlsplit(first.headers["location"])
    assert f"{login.scheme}://{login.netloc}{login.path}" == "http://console.localhost/api/auth/space-login"
    assert parse_qs(login.query) == {"space": ["alice/secret"], "next": ["/api/hello?x=1"]}
    # The API answers with a ticket for this Space; the router turns it into a host-only cookie.
    response = api.get(f"/api/auth/space-login?{login.query}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://secret--alice.spaces.localhost:8080/.podium/auth?ticket=")
    back = urlsplit(response.headers["location"])
    redeemed = get(router, f"{back.path}?{back.query}", host=SECRET_HOST)
    assert redeemed.status_code == 302 and redeemed.headers["location"] == "/api/hello?x=1"
    set_cookie = redeemed.headers["set-cookie"]
    assert set_cookie.startswith("podium_space_auth=")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    assert "Domain" not in set_cookie and "Secure" not in set_cookie
    cookie = redeemed.cookies["podium_space_auth"]
    page = get(router, "/api/hello?x=1", host=SECRET_HOST, headers={"Cookie": f"podium_space_auth={cookie}; a=1"})
    assert page.status_code == 200, page.text
    assert page.json()["headers"]["cookie"] == "a=1"  # the Space's code never sees Podium's cookie
    # The same ticket a second time is refused.
    replayed = get(router, f"{back.path}?{back.query}", host=SECRET_HOST)
    assert replayed.status_code == 400 and "already used" in replayed.text
    # Signing out of the console ends the Space cookie too (within the few seconds a decision is cached).
    assert api.post("/api/auth/logout", headers=csrf_headers(api)).status_code in (200, 204)
    deadline = time.monotonic() + 10
    while get(router, "/", host=SECRET_HOST, headers={"Cookie": f"podium_space_auth={cookie}"}).status_code == 200:
        assert time.monotonic() < deadline, "the cookie still worked after signing out"
        time.sleep(0.2)


def test_membership_changes_reach_signed_in_visitors(
    api: Any, pg_url: str, app_server: Served, router: Served | ServedRouter
) -> None:
    signup(api, "alice")  # the first user is a site admin, who may read everything
    bob = other_client(api)
    signup(bob, "bob")
    add_org(pg_url, "acme", {"bob": "read"})
    add_space(pg_url, "internal", owner_user=None, owner_org="acme", visibility="org", url=app_server.url)
    host = "internal--acme.spaces.localhost"
    redeemed = sign_in(router, bob, host=host, space="acme/internal", next_path="/")
    cookie = {"Cookie": f"podium_space_auth={redeemed.cookies['podium_space_auth']}"}
    assert get(router, "/", host=host, headers=cookie).status_code == 200
    sql(pg_url, "DELETE FROM memberships WHERE org_id = (SELECT id FROM orgs WHERE name = 'acme')")
    deadline = time.monotonic() + 10
    while (status := get(router, "/", host=host, headers=cookie).status_code) == 200:
        assert time.monotonic() < deadline, "removing the membership did not end access"
        time.sleep(0.2)
    assert status == 404


def test_space_login_without_a_session_or_without_access(api: Any, pg_url: str, app_server: Served) -> None:
    signup(api, "alice")
    add_space(pg_url, "secret", visibility="private", url=app_server.url)
    anonymous = other_client(api)
    response = anonymous.get("/api/auth/space-login", params={"space": "alice/secret", "next": "/x"},
                             follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://testserver/login?next=%2Fapi%2Fauth%2Fspace-login%3F")
    signup(anonymous, "mallory")
    for space in ("alice/secret", "alice/nothing", "nonsense"):
        refused = anonymous.get("/api/auth/space-login", params={"space": space}, follow_redirects=False)
        assert refused.status_code == 404 and "Space not found" in refused.text


def test_forged_expired_and_misdirected_tickets_are_refused(
    api: Any, pg_url: str, settings: Any, app_server: Served, router: Served | ServedRouter
) -> None:
    from podium_cp.router.space_auth import SpaceSigner

    signup(api, "alice")
    add_space(pg_url, "secret", visibility="private", url=app_server.url)
    add_space(pg_url, "other", visibility="private", url=app_server.url)
    path = ticket_path(api)
    ticket = parse_qs(urlsplit(path).query)["ticket"][0]
    forged = ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB")
    response = get(router, f"/.podium/auth?ticket={forged}", host=SECRET_HOST)
    assert response.status_code == 400 and "not valid" in response.text and "set-cookie" not in response.headers
    signer = SpaceSigner.from_settings(settings)
    expired = signer.mint_ticket(1, 1, "alice/secret", now=time.time() - 120)
    response = get(router, f"/.podium/auth?ticket={expired}", host=SECRET_HOST)
    assert response.status_code == 400 and "expired" in response.text
    other_key = SpaceSigner("k9:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
    response = get(router, f"/.podium/auth?ticket={other_key.mint_ticket(1, 1, 'alice/secret')}", host=SECRET_HOST)
    assert response.status_code == 400 and "not valid" in response.text
    # A ticket for alice/secret does not sign in to alice/other.
    response = get(router, f"/.podium/auth?ticket={ticket}", host="other--alice.spaces.localhost")
    assert response.status_code == 400 and "another Space" in response.text
    # A ticket is not a cookie.
    response = get(router, "/", host=SECRET_HOST, headers={"Cookie": f"podium_space_auth={ticket}"})
    assert response.status_code == 401 and "Sign-in refused" in response.text
    assert response.headers["set-cookie"].startswith("podium_space_auth=;")


def test_forged_cookies_and_cookies_of_other_spaces_are_refused(
    api: Any, pg_url: str, app_server: Served, router: Served | ServedRouter
) -> None:
    signup(api, "alice")
    add_space(pg_url, "secret", visibility="private", url=app_server.url)
    add_space(pg_url, "other", visibility="private", url=app_server.url)
    cookie = sign_in(router, api).cookies["podium_space_auth"]
    kid, payload, mac = cookie.split(".")
    for bad in (f"{kid}.{payload}.{mac[::-1]}", f"{kid}.{payload[:-1]}x.{mac}", "garbage", f"nokey.{payload}.{mac}"):
        response = get(router, "/", host=SECRET_HOST, headers={"Cookie": f"podium_space_auth={bad}"})
        assert response.status_code == 401 and "Sign-in refused" in response.text, bad
    response = get(router, "/", host="other--alice.spaces.localhost", headers={"Cookie": f"podium_space_auth={cookie}"})
    assert response.status_code == 401 and "Sign-in refused" in response.text


def test_next_never_leaves_the_space(api: Any, pg_url: str, app_server: Served, router: Served | ServedRouter) -> None:
    signup(api, "alice")
    add_space(pg_url, "secret", visibility="private", url=app_server.url)
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "evil", "/ok\r\nSet-Cookie: x=1"):
        redeemed = sign_in(router, api, next_path=evil)
        assert redeemed.status_code == 302 and redeemed.headers["location"] == "/", evil
    assert sign_in(router, api, next_path="/a/b?c=d#e").headers["location"] == "/a/b?c=d#e"


@pytest.mark.parametrize("server", SERVERS)
def test_cookie_is_secure_when_spaces_are_served_over_https(
    api: Any, pg_url: str, settings: Any, app_server: Served, server: str
) -> None:
    signup(api, "alice")
    add_space(pg_url, "secret", visibility="private", url=app_server.url)
    served = _router(settings, server, spaces_public_url="https://spaces.localhost")
    try:
        redeemed = sign_in(served, api)
    finally:
        served.stop()
    assert redeemed.status_code == 302 and "; Secure" in redeemed.headers["set-cookie"]


def test_safe_next() -> None:
    from podium_cp.router.space_auth import safe_next

    assert safe_next("/x?y=1") == "/x?y=1"
    for bad in (None, "", "x", "//a", "/\\a", "http://a/", "/a\nb", "/a\\b"):
        assert safe_next(bad) == "/"
