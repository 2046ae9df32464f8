"""Helpers for control-plane tests: sign up and in through the real API, CSRF headers, API tokens, raw SQL.

The `api` fixture is a TestClient that keeps cookies: after `signup(api, "alice")` it is signed in as alice.
For a second signed-in user at the same time, use `other_client(api)` (same app, its own cookie jar).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Row, create_engine, text

DEFAULT_PASSWORD = "correct horse battery"


def signup(
    api: TestClient, username: str, password: str = DEFAULT_PASSWORD, email: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Sign `username` up (email defaults to USERNAME@example.com); `api` is then signed in as them."""
    response = api.post(
        "/api/auth/signup",
        json={"username": username, "email": email or f"{username}@example.com", "password": password, **extra},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def login(api: TestClient, login: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    """Sign in by username or email; `api` then carries the new session's cookies."""
    response = api.post("/api/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def csrf_headers(api: TestClient) -> dict[str, str]:
    """The X-CSRF-Token header for `api`'s current session (from its podium_csrf cookie)."""
    token = api.cookies.get("podium_csrf")
    assert token, "no podium_csrf cookie: sign in first"
    return {"X-CSRF-Token": token}


def error_code(response: Any) -> str:
    """The stable `code` of an API error response."""
    code: str = response.json()["error"]["code"]
    return code


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for an API token."""
    return {"Authorization": f"Bearer {token}"}


def new_token(
    api: TestClient,
    scopes: Iterable[str] = ("read", "write", "admin"),
    org: str | None = None,
    name: str = "test token",
    **extra: Any,
) -> str:
    """Create an API token for `api`'s signed-in user (by session); returns the secret."""
    body: dict[str, Any] = {"name": name, "scopes": list(scopes), **extra}
    if org is not None:
        body["org"] = org
    response = api.post("/api/user/tokens", json=body, headers=csrf_headers(api))
    assert response.status_code == 201, response.text
    secret: str = response.json()["token"]
    return secret


def other_client(api: TestClient) -> TestClient:
    """Another client of the same app with its own (empty) cookie jar: a second browser."""
    return TestClient(api.app, base_url=str(api.base_url))


def sql(url: str, statement: str, **params: Any) -> Sequence[Row[Any]]:
    """Run one SQL statement on the test database (committed); returns its rows (empty for UPDATE/INSERT)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.fetchall() if result.returns_rows else []
    finally:
        engine.dispose()


@contextmanager
def migrated_database(cluster_url: str, name: str) -> Iterator[str]:
    """A database `name` of its own in the test cluster, migrated to head, dropped afterwards; yields its URL."""
    from podium_cp.migrate import upgrade

    admin = create_engine(cluster_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = cluster_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def audit_actions(url: str) -> list[str]:
    """Every audit row's action, oldest first."""
    return [row[0] for row in sql(url, "SELECT action FROM audit_events ORDER BY id")]


def add_org(url: str, name: str, members: dict[str, str] | None = None) -> int:
    """Insert an org directly (members: {username: role}); returns its id. For tests that do not test orgs."""
    org_id = int(sql(url, "INSERT INTO orgs (name, display_name, description, created_at) "
                          "VALUES (:name, '', '', now()) RETURNING id", name=name)[0][0])
    for username, role in (members or {}).items():
        sql(url, "INSERT INTO memberships (org_id, user_id, role, created_at) "
                 "SELECT :org_id, id, :role, now() FROM users WHERE username = :username",
            org_id=org_id, role=role, username=username)
    return org_id


def user_headers(api: TestClient, username: str) -> dict[str, str]:
    """Sign `username` up in a browser of their own; the Authorization header of a full-scope token of theirs."""
    browser = other_client(api)
    signup(browser, username)
    return bearer(new_token(browser))


def db_url(api: TestClient) -> str:
    """The database URL of `api`'s app (for `sql(...)`)."""
    return str(api.app.state.settings.database_url)  # type: ignore[attr-defined]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve the ASGI `app` with uvicorn on a free local port (in a thread); yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
