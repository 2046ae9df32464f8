"""Space share links at the router, end to end (docs/design/space-share-links.md): links made through the real API
(the `api` TestClient), `/.podium/share?token=...` and the `podium_space_share` cookie on the real router and a
real upstream app on loopback (as in test_router.py: each test that takes `router` runs with the router's own
server and with uvicorn)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from helpers import add_org, bearer, new_token, other_client, signup, sql
from test_router import SERVERS, UPSTREAM, Served, ServedRouter, add_space, get, serve_router, ws_open
from websockets.exceptions import InvalidStatus

SECRET_HOST = "secret--alice.spaces.localhost"
OTHER_HOST = "other--alice.spaces.localhost"
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


@pytest.fixture
def alice(api: Any, pg_url: str, app_server: Served) -> dict[str, str]:
    """alice, with her private Spaces alice/secret and alice/other running on the upstream app; her token."""
    signup(api, "alice")
    add_space(pg_url, "secret", visibility="private", url=app_server.url)
    add_space(pg_url, "other", visibility="private", url=app_server.url)
    return bearer(new_token(api))


def new_link(api: Any, headers: dict[str, str], space: str = "alice/secret", **body: Any) -> dict[str, Any]:
    created = api.post(f"/api/spaces/{space}/share-links", json=body, headers=headers)
    assert created.status_code == 201, created.text
    link: dict[str, Any] = created.json()
    return link


def share_path(link: dict[str, Any]) -> str:
    """The router path (+query) of the link's URL."""
    url = urlsplit(link["url"])
    return f"{url.path}?{url.query}"


def redeem(router: Served | ServedRouter, link: dict[str, Any], host: str = SECRET_HOST) -> httpx.Response:
    return get(router, share_path(link), host=host)


def with_cookie(value: str, extra: str = "") -> dict[str, str]:
    return {"Cookie": f"podium_space_share={value}{extra}"}


def test_a_link_sets_a_cookie_that_opens_that_private_space_to_anyone(
    api: Any, pg_url: str, alice: dict[str, str], router: Served | ServedRouter
) -> None:
    link = new_link(api, alice, label="demo for bob")
    assert share_path(link).startswith("/.podium/share?token=pss_")
    # Without the link, an anonymous visitor is sent to sign in.
    assert get(router, "/api/hello", host=SECRET_HOST, headers=HTML).status_code == 302
    assert get(router, "/api/hello", host=SECRET_HOST).status_code == 401
    redeemed = redeem(router, link)
    assert redeemed.status_code == 302 and redeemed.headers["location"] == "/"
    set_cookie = redeemed.headers["set-cookie"]
    assert set_cookie.startswith("podium_space_share=")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    assert "Domain" not in set_cookie and "Secure" not in set_cookie
    max_age = int(set_cookie.split("Max-Age=")[1].split(";")[0])
    assert 12 * 3600 - 60 <= max_age <= 12 * 3600  # the link lives a day: the cookie 12 hours
    cookie = redeemed.cookies["podium_space_share"]
    page = get(router, "/api/hello?x=1", host=SECRET_HOST, headers=with_cookie(cookie, "; a=1"))
    assert page.status_code == 200, page.text
    seen = page.json()["headers"]
    assert seen["cookie"] == "a=1" and "authorization" not in seen  # the app never sees the cookie, nor a user
    # The redemption counted one use (later requests within the minute add none).
    assert sql(pg_url, "SELECT use_count, last_used_at IS NOT NULL FROM space_share_links")[0] == (1, True)
    assert get(router, "/", host=SECRET_HOST, headers=with_cookie(cookie)).status_code == 200
    assert sql(pg_url, "SELECT use_count FROM space_share_links")[0][0] == 1
    # WebSockets carry the cookie too.
    with ws_open(router, "/ws", host=SECRET_HOST, additional_headers=with_cookie(cookie)) as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == "echo: hi"
    with pytest.raises(InvalidStatus) as refused:
        ws_open(router, "/ws", host=SECRET_HOST)
    assert refused.value.response.status_code == 401


def test_the_cookie_lasts_until_the_link_expires_when_that_is_sooner(
    api: Any, alice: dict[str, str], router: Served | ServedRouter
) -> None:
    redeemed = redeem(router, new_link(api, alice, lifetime_s=120))
    max_age = int(redeemed.headers["set-cookie"].split("Max-Age=")[1].split(";")[0])
    assert 60 <= max_age <= 120


def test_bad_tokens_get_a_page_saying_why_and_no_cookie(
    api: Any, pg_url: str, alice: dict[str, str], router: Served | ServedRouter
) -> None:
    link = new_link(api, alice)
    token = link["token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    theirs = new_link(api, alice, space="alice/other")["token"]
    for path, why in ((f"/.podium/share?token={forged}", "not valid"), ("/.podium/share", "not valid"),
                      ("/.podium/share?token=", "not valid"), (f"/.podium/share?token={theirs}", "not valid"),
                      ("/.podium/share?token=pss_" + "A" * 32, "not valid"),
                      ("/.podium/share?token=%00%ff%3Cscript%3E", "not valid"),
                      ("/.podium/share?token=" + "x" * 5000, "not valid")):
        refused = get(router, path, host=SECRET_HOST)
        assert refused.status_code == 400 and why in refused.text, path
        assert "set-cookie" not in refused.headers and "<script>" not in refused.text
        assert refused.headers["content-type"].startswith("text/html")
    expired = new_link(api, alice)
    sql(pg_url, "UPDATE space_share_links SET expires_at = now() - interval '1 second' WHERE id = :id", id=expired["id"])
    refused = redeem(router, expired)
    assert refused.status_code == 400 and "has expired" in refused.text and "set-cookie" not in refused.headers
    assert api.delete(f"/api/spaces/alice/secret/share-links/{link['id']}", headers=alice).status_code == 204
    refused = redeem(router, link)
    assert refused.status_code == 400 and "was revoked" in refused.text and "set-cookie" not in refused.headers
    # A Space that does not exist answers the usual 404 page.
    refused = get(router, share_path(link), host="nothing--alice.spaces.localhost")
    assert refused.status_code == 404 and "Space not found" in refused.text
    assert sql(pg_url, "SELECT sum(use_count) FROM space_share_links")[0][0] == 0


def test_forged_cookies_and_cookies_of_other_spaces_open_nothing(
    api: Any, settings: Any, alice: dict[str, str], router: Served | ServedRouter
) -> None:
    from podium_cp.auth.signing import KeyringSigner
    from podium_cp.router.space_auth import SpaceSigner

    cookie = redeem(router, new_link(api, alice)).cookies["podium_space_share"]
    assert get(router, "/", host=SECRET_HOST, headers=with_cookie(cookie)).status_code == 200
    # Host-only cookies are not sent to other Spaces; one sent there anyway opens nothing.
    assert get(router, "/", host=OTHER_HOST, headers=with_cookie(cookie)).status_code == 401
    kid, payload, mac = cookie.split(".")
    other_key = KeyringSigner("k9:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
    claims = KeyringSigner(settings.secret_keys).open("space-share-cookie", cookie)
    wrong_purpose = KeyringSigner(settings.secret_keys).sign("space-cookie", claims)
    ticket = SpaceSigner.from_settings(settings).mint_ticket(1, 1, "alice/secret")
    stale = KeyringSigner(settings.secret_keys).sign("space-share-cookie", {**claims, "exp": int(time.time()) - 1})
    for bad in (f"{kid}.{payload}.{mac[::-1]}", f"{kid}.{payload[:-1]}x.{mac}", "garbage", f"nokey.{payload}.{mac}",
                other_key.sign("space-share-cookie", claims), wrong_purpose, ticket, stale, ""):
        response = get(router, "/api/hello", host=SECRET_HOST, headers=with_cookie(bad))
        assert response.status_code == 401 and "Sign in" in response.text, bad
        assert get(router, "/", host=SECRET_HOST, headers={**HTML, **with_cookie(bad)}).status_code == 302, bad


def test_revoking_or_expiring_a_link_ends_the_cookie_within_seconds(
    api: Any, pg_url: str, alice: dict[str, str], router: Served | ServedRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from podium_cp.router import space_share

    monkeypatch.setattr(space_share, "DECISION_TTL_S", 0.2)
    revoked, expired = new_link(api, alice), new_link(api, alice)
    cookies = {link["id"]: redeem(router, link).cookies["podium_space_share"] for link in (revoked, expired)}
    for cookie in cookies.values():
        assert get(router, "/", host=SECRET_HOST, headers=with_cookie(cookie)).status_code == 200
    assert api.delete(f"/api/spaces/alice/secret/share-links/{revoked['id']}", headers=alice).status_code == 204
    sql(pg_url, "UPDATE space_share_links SET expires_at = now() - interval '1 second' WHERE id = :id", id=expired["id"])
    for link_id, why in ((revoked["id"], "was revoked"), (expired["id"], "has expired")):
        deadline = time.monotonic() + 10
        while (response := get(router, "/", host=SECRET_HOST, headers=with_cookie(cookies[link_id]))).status_code == 200:
            assert time.monotonic() < deadline, "the cookie still worked after its link ended"
            time.sleep(0.1)
        assert response.status_code == 401 and why in response.text
        assert response.headers["set-cookie"].startswith("podium_space_share=;")
        assert "Max-Age=0" in response.headers["set-cookie"]


def test_visitors_with_access_of_their_own_keep_it_and_others_get_in_with_the_cookie(
    api: Any, pg_url: str, alice: dict[str, str], router: Served | ServedRouter
) -> None:
    mallory = other_client(api)
    signup(mallory, "mallory")
    mallory_token = bearer(new_token(mallory))
    link = new_link(api, alice)
    cookie = redeem(router, link).cookies["podium_space_share"]
    # Signed in without access: the Space does not exist for them, unless they hold the share cookie.
    assert get(router, "/", host=SECRET_HOST, headers=mallory_token).status_code == 404
    assert get(router, "/", host=SECRET_HOST, headers={**mallory_token, **with_cookie(cookie)}).status_code == 200
    # The owner's own access does not depend on the link: a revoked link's cookie changes nothing for her.
    assert api.delete(f"/api/spaces/alice/secret/share-links/{link['id']}", headers=alice).status_code == 204
    assert get(router, "/", host=SECRET_HOST, headers={**alice, **with_cookie(cookie)}).status_code == 200
    # An org Space works the same way for visitors outside the org.
    add_org(pg_url, "acme", {"alice": "owner"})
    add_space(pg_url, "internal", owner_user=None, owner_org="acme", visibility="org",
              url=sql(pg_url, "SELECT url FROM space_runtimes LIMIT 1")[0][0])
    org_link = new_link(api, alice, space="acme/internal")
    host = "internal--acme.spaces.localhost"
    org_cookie = redeem(router, org_link, host=host).cookies["podium_space_share"]
    assert get(router, "/", host=host, headers=mallory_token).status_code == 404
    assert get(router, "/", host=host, headers={**mallory_token, **with_cookie(org_cookie)}).status_code == 200
    assert get(router, "/", host=SECRET_HOST, headers=with_cookie(org_cookie)).status_code == 401


@pytest.mark.parametrize("server", SERVERS)
def test_https_spaces_get_a_secure_cookie_and_no_keyring_no_links(
    api: Any, settings: Any, alice: dict[str, str], server: str
) -> None:
    link = new_link(api, alice)
    served = _router(settings, server, spaces_public_url="https://spaces.localhost")
    try:
        redeemed = redeem(served, link)
    finally:
        served.stop()
    assert redeemed.status_code == 302 and "; Secure" in redeemed.headers["set-cookie"]
    served = _router(settings, server, secret_keys="")
    try:
        refused = redeem(served, link)
    finally:
        served.stop()
    assert refused.status_code == 503 and "PODIUM_SECRET_KEYS" in refused.text
    assert "set-cookie" not in refused.headers
