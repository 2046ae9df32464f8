"""`launch(auth=...)`: login with Gradio's cookies, 401 on the protected routes, logout, forged cookies."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

import podium as gr
from podium.blocks import Blocks
from podium.server.auth import Authenticator, normalise_auth

PROTECTED = [
    ("GET", "/config"),
    ("GET", "/gradio_api/info"),
    ("POST", "/gradio_api/queue/join"),
    ("GET", "/gradio_api/queue/data?session_hash=x"),
    ("GET", "/gradio_api/queue/status"),
    ("POST", "/gradio_api/call/greet"),
    ("POST", "/gradio_api/call/v2/greet"),
    ("GET", "/gradio_api/call/greet/abc"),
    ("POST", "/gradio_api/run/greet"),
    ("POST", "/gradio_api/api/greet"),
    ("POST", "/gradio_api/upload"),
    ("GET", "/gradio_api/upload_progress?upload_id=x"),
    ("GET", "/gradio_api/file=/etc/hostname"),
    ("GET", "/gradio_api/login_check"),
    ("GET", "/gradio_api/openapi.json"),
]
OPEN = [
    ("GET", "/gradio_api/app_id"),
    ("GET", "/gradio_api/user"),
    ("GET", "/gradio_api/token"),
    ("GET", "/manifest.json"),
    ("GET", "/theme.css"),
    ("GET", "/gradio_api/startup-events"),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_app() -> Blocks:
    with gr.Blocks() as demo:
        box = gr.Textbox(label="Name")
        box.submit(lambda n: f"Hello {n}", box, box, api_name="greet")
    return demo


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True,
                auth=[("admin", "pa55"), ("ann", "secret")], auth_message="Ask Ann for access")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close(verbose=False)


def login(base_url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=10)
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return client


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_routes_need_a_login(base_url: str, method: str, path: str) -> None:
    response = httpx.request(method, base_url + path, json={"data": []} if method == "POST" else None)
    assert response.status_code == 401
    assert response.json() == {"detail": {"error": "Not authenticated", "auth_message": "Ask Ann for access"}}


@pytest.mark.parametrize(("method", "path"), OPEN)
def test_open_routes_work_without_a_login(base_url: str, method: str, path: str) -> None:
    assert httpx.request(method, base_url + path).status_code == 200


def test_heartbeat_needs_no_login(base_url: str) -> None:
    with httpx.stream("GET", base_url + "/gradio_api/heartbeat/abc", timeout=5) as response:
        assert response.status_code == 200
        assert next(response.iter_raw()) == b"data: ALIVE\n\n"


def test_login_sets_gradio_cookies(base_url: str) -> None:
    response = httpx.post(base_url + "/login", data={"username": "admin", "password": "pa55"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    cookies = response.headers.get_list("set-cookie")
    secure = next(c for c in cookies if c.startswith("access-token-") and not c.startswith("access-token-unsecure-"))
    lax = next(c for c in cookies if c.startswith("access-token-unsecure-"))
    assert "HttpOnly" in secure and "Secure" in secure and "SameSite=none" in secure
    assert "HttpOnly" in lax and "SameSite=lax" in lax
    assert "Path=/" in secure and "Path=/" in lax


def test_logged_in_client_reaches_protected_routes(base_url: str) -> None:
    with closing(login(base_url, "ann", "secret")) as client:
        config = client.get("/config")
        assert config.status_code == 200
        assert config.json()["username"] == "ann"
        assert client.get("/gradio_api/info").status_code == 200
        assert client.get("/gradio_api/user").json() == "ann"
        assert client.get("/gradio_api/login_check").json() is None
        assert client.get("/gradio_api/token").json() == {"token": None, "user": None}  # Secure cookie: https only
        secure_name = next(n for n in client.cookies if not n.startswith("access-token-unsecure-"))
        token_value = client.cookies[secure_name]
        token = httpx.get(base_url + "/gradio_api/token", headers={"cookie": f"{secure_name}={token_value}"}).json()
        assert token == {"token": token_value, "user": "ann"}
        event_id = client.post("/gradio_api/call/greet", json={"data": ["x"]}).json()["event_id"]
        body = client.get(f"/gradio_api/call/greet/{event_id}").text
        assert body == 'event: complete\ndata: ["Hello x"]\n\n'


def test_username_is_stripped(base_url: str) -> None:
    with closing(login(base_url, "  ann ", "secret")) as client:
        assert client.get("/gradio_api/user").json() == "ann"


def test_wrong_password_is_400(base_url: str) -> None:
    response = httpx.post(base_url + "/login", data={"username": "admin", "password": "nope"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Incorrect credentials."}
    assert "set-cookie" not in response.headers


def test_unknown_user_is_400(base_url: str) -> None:
    response = httpx.post(base_url + "/login", data={"username": "mallory", "password": "pa55"})
    assert response.status_code == 400


def test_login_without_fields_is_400(base_url: str) -> None:
    for data in ({}, {"username": "admin"}):
        response = httpx.post(base_url + "/login", data=data)
        assert response.status_code == 400
        assert "username" in response.json()["detail"]


def test_login_with_a_json_body_is_400(base_url: str) -> None:
    response = httpx.post(base_url + "/login", json={"username": "admin", "password": "pa55"})
    assert response.status_code == 400


def test_forged_cookie_is_refused(base_url: str) -> None:
    with closing(login(base_url, "admin", "pa55")) as client:
        names = [name for name in client.cookies]
    forged = {name: "forged-token" for name in names}
    response = httpx.get(base_url + "/config", cookies=forged)
    assert response.status_code == 401


def test_cookie_of_another_app_is_refused(base_url: str) -> None:
    response = httpx.get(base_url + "/config", cookies={"access-token-otherapp": "x", "access-token": "y"})
    assert response.status_code == 401


def test_logout_forgets_the_token(base_url: str) -> None:
    client = login(base_url, "admin", "pa55")
    cookies = dict(client.cookies)
    response = client.get("/logout")
    assert response.status_code == 302
    assert response.headers["location"] == base_url + "/"
    assert httpx.get(base_url + "/config", cookies=cookies).status_code == 401
    client.close()


def test_page_shows_a_login_form_until_logged_in(base_url: str) -> None:
    page = httpx.get(base_url + "/").text
    assert 'id="login"' in page
    assert "window.gradio_config" not in page
    assert "Ask Ann for access" in page
    with closing(login(base_url, "admin", "pa55")) as client:
        assert "window.gradio_config" in client.get("/").text


def test_callable_auth() -> None:
    calls: list[tuple[str, str]] = []

    def check(username: str, password: str) -> bool:
        calls.append((username, password))
        return password == username[::-1]

    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, auth=check)
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.post(base + "/login", data={"username": "abc", "password": "cba"}).status_code == 200
        assert httpx.post(base + "/login", data={"username": "abc", "password": "abc"}).status_code == 400
    finally:
        demo.close(verbose=False)
    assert calls == [("abc", "cba"), ("abc", "abc")]


def test_single_tuple_auth() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, auth=("solo", "pw"))
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(base + "/config").status_code == 401
        assert httpx.post(base + "/login", data={"username": "solo", "password": "pw"}).status_code == 200
    finally:
        demo.close(verbose=False)


def test_real_gradio_client_logs_in(base_url: str) -> None:
    from gradio_client import Client

    client = Client(base_url + "/", auth=("admin", "pa55"), verbose=False)
    assert client.predict("G", api_name="/greet") == "Hello G"


def test_real_gradio_client_without_login_fails(base_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError):
        Client(base_url + "/", verbose=False)


# --- the checker itself ---------------------------------------------------------------------------------


def test_normalise_auth_shapes() -> None:
    assert normalise_auth(None) is None
    assert normalise_auth(("a", "b")) == {"a": "b"}
    assert normalise_auth([("a", "b"), ["c", "d"]]) == {"a": "b", "c": "d"}
    checker: Any = lambda u, p: True  # noqa: E731
    assert normalise_auth(checker) is checker


@pytest.mark.parametrize("bad", ["user:pass", [("a",)], [("a", 1)], 5])
def test_normalise_auth_rejects_bad_shapes(bad: Any) -> None:
    with pytest.raises(ValueError, match="auth"):
        normalise_auth(bad)


def test_async_checker_is_awaited() -> None:
    async def check(username: str, password: str) -> bool:
        return username == "u" and password == "p"

    auth = Authenticator(check)
    assert asyncio.run(auth.check("u", "p")) is True
    assert asyncio.run(auth.check("u", "x")) is False
