"""The app server's descriptive routes: /config, /gradio_api/info, the HTML page, the small static routes,
CORS and the JSON error shapes. Each module launches one real server on a free port and talks HTTP to it.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import podium as gr
from podium.blocks import Blocks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def greet(name: str) -> str:
    """Say hello to someone."""
    return f"Hello {name}!"


def build_app() -> Blocks:
    with gr.Blocks(title="Test <App> & co") as demo:
        name = gr.Textbox(label="Name</script><b>x</b>", value="World")
        out = gr.Textbox(label="Greeting")
        count = gr.State(0)
        name.submit(greet, name, out, api_name="greet")
        name.change(lambda n, c: (n, c + 1), [name, count], [out, count], api_name="counted")
        out.change(lambda s: s, out, out, api_name="hidden", api_visibility="undocumented")
        out.submit(lambda s: s, out, out, api_name="secret", api_visibility="private")
    return demo


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, max_file_size="2mb", show_error=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close(verbose=False)


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


# --- /config --------------------------------------------------------------------------------------


def test_config_has_the_fields_clients_need(http: httpx.Client) -> None:
    response = http.get("/config")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    config = response.json()
    assert config["protocol"] == "sse_v3"
    assert config["api_prefix"] == "/gradio_api"
    assert config["version"] == "6.31.0"
    assert config["max_file_size"] == 2 * 1024 * 1024
    assert config["show_error"] is True
    assert config["connect_heartbeat"] is True  # the app has a State
    assert {c["id"] for c in config["components"]} >= {i for d in config["dependencies"] for i in d["inputs"]}


def test_config_trailing_slash_is_the_same(http: httpx.Client) -> None:
    assert http.get("/config/").json()["dependencies"] == http.get("/config").json()["dependencies"]


def test_config_root_is_the_request_host(http: httpx.Client, base_url: str) -> None:
    assert http.get("/config").json()["root"] == base_url


def test_config_root_follows_forwarded_headers(http: httpx.Client) -> None:
    headers = {"x-forwarded-host": "example.org", "x-forwarded-proto": "https"}
    assert http.get("/config", headers=headers).json()["root"] == "https://example.org"


def test_config_root_ignores_a_forged_forwarded_host(http: httpx.Client, base_url: str) -> None:
    headers = {"x-forwarded-host": "evil.org/<script>"}
    assert http.get("/config", headers=headers).json()["root"] == base_url


def test_config_is_only_at_the_root(http: httpx.Client) -> None:
    response = http.get("/gradio_api/config")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


# --- /info ----------------------------------------------------------------------------------------


def test_info_lists_public_endpoints_without_state(http: httpx.Client) -> None:
    info = http.get("/gradio_api/info", params={"serialize": "False"}).json()
    assert set(info) == {"named_endpoints", "unnamed_endpoints"}
    assert info["unnamed_endpoints"] == {}
    assert set(info["named_endpoints"]) == {"/greet", "/counted"}
    counted = info["named_endpoints"]["/counted"]
    assert [p["parameter_name"] for p in counted["parameters"]] == ["n"]  # the State input is left out
    assert [r["component"] for r in counted["returns"]] == ["Textbox"]


def test_info_parameter_fields(http: httpx.Client) -> None:
    greet_info = http.get("/gradio_api/info").json()["named_endpoints"]["/greet"]
    (param,) = greet_info["parameters"]
    assert param == {
        "label": "Name</script><b>x</b>",
        "parameter_name": "name",
        "parameter_has_default": True,
        "parameter_default": "World",
        "type": {"type": "string"},
        "python_type": {"type": "str", "description": ""},
        "component": "Textbox",
        "example_input": "Hello!!",
    }
    assert greet_info["returns"] == [
        {"label": "Greeting", "type": {"type": "string"}, "python_type": {"type": "str", "description": ""},
         "component": "Textbox"}
    ]
    assert greet_info["description"] == "Say hello to someone."
    assert greet_info["api_visibility"] == "public"


def test_info_code_snippets_use_the_request_root(http: httpx.Client, base_url: str) -> None:
    snippets = http.get("/gradio_api/info").json()["named_endpoints"]["/greet"]["code_snippets"]
    assert set(snippets) >= {"python", "javascript", "bash"}
    assert f"Client('{base_url}/')" in snippets["python"]
    assert "api_name='/greet'" in snippets["python"]
    assert f"{base_url}/gradio_api/call/greet" in snippets["bash"]
    assert "@gradio/client" in snippets["javascript"]


def test_info_all_endpoints_adds_undocumented_never_private(http: httpx.Client) -> None:
    info = http.get("/gradio_api/info", params={"all_endpoints": "True"}).json()
    assert set(info["named_endpoints"]) == {"/greet", "/counted", "/hidden"}
    assert all("code_snippets" not in e for e in info["named_endpoints"].values())


# --- small routes ---------------------------------------------------------------------------------


def test_app_id_matches_config(http: httpx.Client) -> None:
    assert http.get("/gradio_api/app_id").json() == {"app_id": http.get("/config").json()["app_id"]}


def test_startup_events_already_fired_by_launch(http: httpx.Client) -> None:
    """Gradio's launch() calls /startup-events itself, so clients always see false."""
    assert http.get("/gradio_api/startup-events").json() is False


def test_startup_events_is_true_once_when_mounted() -> None:
    from starlette.testclient import TestClient

    from podium.server.app import create_app

    with TestClient(create_app(build_app())) as client:
        assert client.get("/gradio_api/startup-events").json() is True
        assert client.get("/gradio_api/startup-events").json() is False


def test_manifest(http: httpx.Client) -> None:
    response = http.get("/manifest.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    assert response.json()["start_url"] == "./"


def test_theme_css(http: httpx.Client) -> None:
    for path in ("/theme.css", "/gradio_api/theme.css"):
        response = http.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/css")


def test_favicon_without_one_is_no_content(http: httpx.Client) -> None:
    assert http.get("/favicon.ico").status_code == 204


def test_robots(http: httpx.Client) -> None:
    response = http.get("/robots.txt")
    assert response.status_code == 200
    assert response.text.startswith("User-agent: *")


def test_user_is_null_without_auth(http: httpx.Client) -> None:
    assert http.get("/gradio_api/user").json() is None
    assert http.get("/gradio_api/login_check").json() is None
    assert http.get("/gradio_api/token").json() == {"token": None, "user": None}


def test_login_without_auth_redirects(http: httpx.Client, base_url: str) -> None:
    response = http.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 302
    assert response.headers["location"] == base_url + "/"


# --- the page ---------------------------------------------------------------------------------------


def _inlined_config(page: str) -> dict[str, Any]:
    # the same expression gradio_client uses when it scrapes the page
    match = re.search(r"window.gradio_config = (.*?);[\s]*</script>", page, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_page_inlines_the_config(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    config = _inlined_config(response.text)
    assert config["protocol"] == "sse_v3"
    assert config["title"] == "Test <App> & co"


def test_page_escapes_user_strings(http: httpx.Client) -> None:
    # with or without the browser UI built (tests/sdk/test_server_page.py checks each page in detail)
    page = http.get("/").text
    assert "<title>Test &lt;App&gt; &amp; co</title>" in page
    assert "<b>x</b>" not in page
    script = page[page.index("window.gradio_config = "):]
    script = script[len("window.gradio_config = "):script.index("</script>")]  # the label cannot end it early
    assert "Name</script><b>x</b>" in [c["props"].get("label") for c in json.loads(script.rstrip(";"))["components"]]


# --- errors and CORS ----------------------------------------------------------------------------------


def test_unknown_route_is_json_404(http: httpx.Client) -> None:
    response = http.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_is_json_405(http: httpx.Client) -> None:
    response = http.delete("/config")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


def test_cors_allows_localhost_origins(http: httpx.Client) -> None:
    response = http.get("/config", headers={"origin": "http://localhost:3000"})
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_cors_allows_same_origin(http: httpx.Client, base_url: str) -> None:
    response = http.get("/config", headers={"origin": base_url})
    assert response.headers["access-control-allow-origin"] == base_url


def test_cors_refuses_other_origins(http: httpx.Client) -> None:
    response = http.get("/config", headers={"origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_cors_never_answers_a_wildcard(http: httpx.Client) -> None:
    for origin in ("http://localhost:1", "https://evil.example", "null"):
        response = http.get("/config", headers={"origin": origin})
        assert response.headers.get("access-control-allow-origin") != "*"


def test_cors_null_origin_refused_when_strict(http: httpx.Client) -> None:
    response = http.get("/config", headers={"origin": "null"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_preflight(http: httpx.Client) -> None:
    allowed = http.options(
        "/gradio_api/queue/join",
        headers={"origin": "http://127.0.0.1:5173", "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"},
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
    refused = http.options(
        "/gradio_api/queue/join",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_an_internal_error_is_a_bare_json_500(caplog: pytest.LogCaptureFixture) -> None:
    """A bug in a route must not leak a stack trace: 500 `{"detail": "Internal server error"}`, logged."""
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    try:
        ctx = demo.app.state.podium  # type: ignore[attr-defined]

        def broken() -> dict[str, Any]:
            raise RuntimeError("secret internals")

        ctx.engine.queue_status = broken
        with caplog.at_level("ERROR", logger="podium.server"):
            response = httpx.get(f"http://127.0.0.1:{port}/gradio_api/queue/status")
    finally:
        demo.close(verbose=False)
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error"}
    assert "secret internals" not in response.text
    assert any("secret internals" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_openapi_lists_the_call_routes(http: httpx.Client) -> None:
    document = http.get("/gradio_api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/gradio_api/call/greet", "/gradio_api/call/greet/{event_id}",
        "/gradio_api/call/counted", "/gradio_api/call/counted/{event_id}",
    }
    body = document["paths"]["/gradio_api/call/greet"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["data"]["items"] == {"type": "string"}
