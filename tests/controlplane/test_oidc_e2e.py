"""OIDC end to end: control plane A is the identity provider of control plane B, over real HTTP.

Two real uvicorn servers (threads) on free ports, each with its own database in the test cluster. A browser is
an httpx client that keeps cookies and follows redirects by hand, so each hop is checked. A listens on
127.0.0.2 and B on 127.0.0.1: two hosts, so their cookies stay apart as they would in a browser.

ID-token validation is also tested directly (tokens signed here with keys made here): a real provider never
signs a forged or expired token on request.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from sqlalchemy import create_engine, make_url, text

from podium_cp.api import create_app
from podium_cp.auth.oidc_client import OidcLoginError, safe_next, validate_id_token
from podium_cp.migrate import upgrade
from podium_cp.settings import OidcProviderSettings, Settings

from .conftest import TEST_SECRET_KEYS

PASSWORD = "correct horse battery"
PROVIDER = "podium-a"


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    """One running control plane: its app (settings can be swapped between tests), URL and database."""

    app: FastAPI
    url: str
    database_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def sql(self, statement: str, **params: Any) -> list[Any]:
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result.fetchall()) if result.returns_rows else []
        finally:
            engine.dispose()

    def configure(self, **changes: Any) -> None:
        self.app.state.settings = replace(self.app.state.settings, **changes)


def _start(database_url: str, host: str, tmp: Path) -> Instance:
    port = _free_port(host)
    url = f"http://{host}:{port}"
    settings = Settings(database_url=database_url, data_dir=tmp, public_url=url, secret_keys=TEST_SECRET_KEYS,
                        oidc_allow_insecure=True)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the control plane at {url} did not start")
        time.sleep(0.02)
    return Instance(app=app, url=url, database_url=database_url, server=server, thread=thread)


@pytest.fixture(scope="module")
def instances(pg_cluster: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance]]:
    """A (the IdP, on 127.0.0.2) and B (the relying party, on 127.0.0.1), each on a database of its own."""
    admin = create_engine(pg_cluster, isolation_level="AUTOCOMMIT")
    names = [f"podium_oidc_{side}_{uuid.uuid4().hex[:8]}" for side in ("a", "b")]
    urls = [make_url(pg_cluster).set(database=name).render_as_string(hide_password=False) for name in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    started: list[Instance] = []
    try:
        for url in urls:
            upgrade(url)
        started.append(_start(urls[0], "127.0.0.2", tmp_path_factory.mktemp("a")))
        started.append(_start(urls[1], "127.0.0.1", tmp_path_factory.mktemp("b")))
        yield started[0], started[1]
    finally:
        for instance in started:
            instance.server.should_exit = True
            instance.thread.join(timeout=10)
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def idp(instances: tuple[Instance, Instance]) -> Iterator[tuple[Instance, Instance]]:
    """Both instances with empty tables, B knowing no provider until a test registers a client on A."""
    yield instances
    for instance in instances:
        tables = [r[0] for r in instance.sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        instance.sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        instance.configure(oidc_providers=(), signup="open")


def _csrf(browser: httpx.Client, instance: Instance) -> dict[str, str]:
    host = urlsplit(instance.url).hostname or ""
    token = browser.cookies.get("podium_csrf", domain=host)
    assert token, f"no podium_csrf cookie for {host}"
    return {"X-CSRF-Token": token}


def _signup(browser: httpx.Client, instance: Instance, username: str) -> None:
    """A password account on `instance`; the browser is signed in there afterwards."""
    response = browser.post(f"{instance.url}/api/auth/signup",
                            json={"username": username, "email": f"{username}@example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text


def _setup_provider(a: Instance, b: Instance, browser: httpx.Client) -> dict[str, Any]:
    """alice signs in on A with her password, registers B as a confidential client, and B is configured with A."""
    _signup(browser, a, "alice")
    browser.cookies.clear()
    login = browser.post(f"{a.url}/api/auth/login", json={"login": "alice", "password": PASSWORD})
    assert login.status_code == 200, login.text
    client = browser.post(f"{a.url}/api/oauth/clients", headers=_csrf(browser, a), json={
        "name": "Podium B", "redirect_uris": [f"{b.url}/api/auth/oidc/{PROVIDER}/callback"], "confidential": True})
    assert client.status_code == 201, client.text
    body: dict[str, Any] = client.json()
    b.configure(oidc_providers=(OidcProviderSettings(
        name=PROVIDER, display_name="Podium A", client_id=body["client_id"], client_secret=body["client_secret"],
        discovery_url=f"{a.url}/.well-known/openid-configuration"),))
    return body


def _to_callback(browser: httpx.Client, a: Instance, b: Instance, next_path: str = "/welcome") -> str:
    """From B's login through A's consent page; returns the callback URL A sends the browser to (not opened)."""
    start = browser.get(f"{b.url}/api/auth/oidc/{PROVIDER}/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(f"{a.url}/oauth/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    consent = browser.get(authorize)
    assert consent.status_code == 200 and "Podium B" in consent.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    answer = browser.post(f"{a.url}/oauth/authorize", data={**fields, "decision": "allow"})
    assert answer.status_code == 302, answer.text
    callback: str = answer.headers["location"]
    assert callback.startswith(f"{b.url}/api/auth/oidc/{PROVIDER}/callback?code=")
    return callback


def test_sign_in_on_b_with_a_creates_a_linked_user(idp: tuple[Instance, Instance]) -> None:
    a, b = idp
    with httpx.Client(timeout=30) as browser:
        _setup_provider(a, b, browser)
        alice_on_a = a.sql("SELECT id FROM users WHERE username = 'alice'")[0][0]
        callback = _to_callback(browser, a, b)
        done = browser.get(callback)
        assert done.status_code == 302, done.text
        assert done.headers["location"] == "/welcome"
        me = browser.get(f"{b.url}/api/user")
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "alice"
        rows = b.sql("SELECT u.username, i.subject, u.password_hash FROM identities i JOIN users u ON u.id = i.user_id "
                     "WHERE i.provider = :p", p=PROVIDER)
        assert [(r[0], r[1], r[2]) for r in rows] == [("alice", str(alice_on_a), None)]
        assert ("user.login",) in b.sql("SELECT action FROM audit_events")

        # The same callback again (same state and code): refused, and no second session appears.
        sessions = b.sql("SELECT count(*) FROM web_sessions")[0][0]
        replay = browser.get(callback)
        assert replay.status_code == 401 and replay.json()["error"]["code"] == "oidc_login_failed"
        assert "already used" in replay.json()["error"]["message"]
        # A browser (asking for HTML) is sent to the console's sign-in page, which names the failure by its code.
        page = browser.get(callback, headers={"Accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 302
        assert page.headers["location"] == f"/login?error=oidc_login_failed&provider={PROVIDER}"
        assert b.sql("SELECT count(*) FROM web_sessions")[0][0] == sessions

        # Signing in again finds the same user through the identity; an outside `next` is ignored.
        again = browser.get(_to_callback(browser, a, b, next_path="//evil.example/x"))
        assert again.status_code == 302 and again.headers["location"] == "/"
        assert b.sql("SELECT count(*) FROM users")[0][0] == 1

    with httpx.Client(timeout=30, cookies={"podium_session": "pds_forged"}) as forger:
        forged = forger.get(f"{b.url}/api/user")
        assert forged.status_code == 401


def test_callback_in_another_browser_and_an_unknown_state_are_refused(idp: tuple[Instance, Instance]) -> None:
    a, b = idp
    with httpx.Client(timeout=30) as browser, httpx.Client(timeout=30) as other:
        _setup_provider(a, b, browser)
        callback = _to_callback(browser, a, b)
        stolen = other.get(callback)
        assert stolen.status_code == 401 and "another browser" in stolen.json()["error"]["message"]
        unknown = browser.get(f"{b.url}/api/auth/oidc/{PROVIDER}/callback", params={"code": "x", "state": "nope"})
        assert unknown.status_code == 401
        assert b.sql("SELECT count(*) FROM users")[0][0] == 0


def test_a_login_older_than_ten_minutes_is_refused(idp: tuple[Instance, Instance]) -> None:
    a, b = idp
    with httpx.Client(timeout=30) as browser:
        _setup_provider(a, b, browser)
        callback = _to_callback(browser, a, b)
        b.sql("UPDATE login_states SET expires_at = now() - interval '1 second'")
        late = browser.get(callback)
        assert late.status_code == 401 and "too long" in late.json()["error"]["message"]
        assert b.sql("SELECT count(*) FROM users")[0][0] == 0


def test_signed_in_user_on_b_links_their_a_identity(idp: tuple[Instance, Instance]) -> None:
    a, b = idp
    with httpx.Client(timeout=30) as browser:
        _setup_provider(a, b, browser)
        _signup(browser, b, "carol")
        start = browser.post(f"{b.url}/api/user/identities/{PROVIDER}/link", headers=_csrf(browser, b))
        assert start.status_code == 200, start.text
        consent = browser.get(start.json()["url"])
        fields = {k: v.replace("&amp;", "&") for k, v in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent.text)}
        callback = browser.post(f"{a.url}/oauth/authorize", data={**fields, "decision": "allow"}).headers["location"]
        done = browser.get(callback)
        assert done.status_code == 302, done.text
        rows = b.sql("SELECT u.username FROM identities i JOIN users u ON u.id = i.user_id")
        assert [r[0] for r in rows] == ["carol"]
        assert browser.get(f"{b.url}/api/user").json()["username"] == "carol"


def test_same_email_on_b_is_never_taken_over(idp: tuple[Instance, Instance]) -> None:
    """B already has an 'alice' with A-alice's address: A's alice gets a new user, not B-alice's account."""
    a, b = idp
    with httpx.Client(timeout=30) as browser, httpx.Client(timeout=30) as b_alice:
        _signup(b_alice, b, "alice")
        _setup_provider(a, b, browser)
        assert browser.get(_to_callback(browser, a, b)).status_code == 302
        me = browser.get(f"{b.url}/api/user").json()
        assert me["username"] == "alice-2"
        rows = b.sql("SELECT username, email FROM users ORDER BY id")
        assert [(r[0], r[1]) for r in rows] == [("alice", "alice@example.com"), ("alice-2", None)]


def test_denied_consent_and_closed_signup_are_refused(idp: tuple[Instance, Instance]) -> None:
    a, b = idp
    with httpx.Client(timeout=30) as browser:
        _setup_provider(a, b, browser)
        start = browser.get(f"{b.url}/api/auth/oidc/{PROVIDER}/login")
        consent = browser.get(start.headers["location"])
        fields = {k: v.replace("&amp;", "&") for k, v in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent.text)}
        denied = browser.post(f"{a.url}/oauth/authorize", data={**fields, "decision": "deny"}).headers["location"]
        refused = browser.get(denied)
        assert refused.status_code == 401 and "access_denied" in refused.json()["error"]["message"]

        with httpx.Client(timeout=30) as someone:
            _signup(someone, b, "bob")  # B's first user; then sign-up closes
        b.configure(signup="closed")
        closed = browser.get(_to_callback(browser, a, b))
        assert closed.status_code == 403 and closed.json()["error"]["code"] == "signup_closed"
        assert b.sql("SELECT count(*) FROM identities")[0][0] == 0


def test_unknown_provider_is_404(idp: tuple[Instance, Instance]) -> None:
    _, b = idp
    assert httpx.get(f"{b.url}/api/auth/oidc/nope/login").status_code == 404


# --- ID-token validation, with tokens signed here ---------------------------------------------------------------

ISSUER = "https://idp.example"
CLIENT = "client-1"


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256"})


def _token(key: Any, alg: str = "RS256", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "42", "aud": CLIENT, "iat": now, "exp": now + 300, "nonce": "n1", **overrides}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": "good"}, claims, key, algorithms=[alg])


def _validate(token: str, key: RSAKey) -> dict[str, Any]:
    jwks = KeySet([key]).as_dict(private=False)
    return validate_id_token(token, dict(jwks), issuer=ISSUER, client_id=CLIENT, nonce="n1")


def test_a_good_id_token_validates(signing_key: RSAKey) -> None:
    assert _validate(_token(signing_key), signing_key)["sub"] == "42"
    assert _validate(_token(signing_key, aud=[CLIENT]), signing_key)["sub"] == "42"


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "another-client"}, "wrong audience"),
        ({"aud": [CLIENT, "other"], "azp": "other"}, "issued to another party"),
        ({"iss": "https://evil.example"}, "wrong issuer"),
        ({"nonce": "n2"}, "wrong nonce"),
        ({"nonce": None}, "missing nonce"),
        ({"sub": None}, "missing sub"),
    ],
)
def test_id_tokens_with_bad_claims_are_refused(signing_key: RSAKey, overrides: dict[str, Any], why: str) -> None:
    with pytest.raises(OidcLoginError):
        _validate(_token(signing_key, **overrides), signing_key)


def test_forged_id_tokens_are_refused(signing_key: RSAKey) -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "good", "alg": "RS256"})
    with pytest.raises(OidcLoginError, match="does not verify"):
        _validate(_token(other), signing_key)  # signed with another key under the same kid
    with pytest.raises(OidcLoginError):
        _validate(_token(OctKey.generate_key(256), alg="HS256"), signing_key)  # symmetric: never accepted
    good = _token(signing_key)
    header, payload, signature = good.split(".")
    tampered = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises(OidcLoginError):
        _validate(f"{header}.{tampered}.{signature}", signing_key)
    with pytest.raises(OidcLoginError):
        _validate(f"{header}.{payload}.", signing_key)  # alg none-style: no signature


@pytest.mark.parametrize(
    ("given", "expected"),
    [("/spaces/x?tab=1", "/spaces/x?tab=1"), ("https://evil.example/", "/"), ("//evil.example", "/"),
     ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("", "/"), (None, "/")],
)
def test_next_is_only_a_local_path(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected
