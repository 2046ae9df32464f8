"""The API app serves the web console (podium_cp/api/console.py): index.html for the console's paths with its
security headers, the build's hashed files (gzipped when asked) under /_console/assets/, a 503 page without a
build, and nothing outside the build folder. The build here is a small folder written by each test (the real one
comes from `npm run build`); no request reaches the database, so the app gets an unreachable database URL."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from podium_cp.api import create_app
from podium_cp.api.console import find_asset
from podium_cp.settings import DEFAULT_CONSOLE_DIR, Settings

INDEX = b'<!doctype html><html><head><script type="module" src="/_console/assets/main-AbCd1234.js"></script>' \
        b'</head><body><div id="console"></div></body></html>'
SCRIPT = b"console.log('podium console');\n" * 50
STYLE = b":root { color: black; }\n"


def write_build(root: Path, index_at: str = "index.html") -> Path:
    """A console build: index.html, a script with its .gz copy and a stylesheet without one."""
    (root / index_at).parent.mkdir(parents=True, exist_ok=True)
    (root / index_at).write_bytes(INDEX)
    assets = root / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "main-AbCd1234.js").write_bytes(SCRIPT)
    (assets / "main-AbCd1234.js.gz").write_bytes(gzip.compress(SCRIPT))
    (assets / "main-XyZ98765.css").write_bytes(STYLE)
    return root


def client_for(tmp_path: Path, console_dir: Path) -> TestClient:
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:9/none",  # never connected to by these requests
        data_dir=tmp_path / "data",
        spaces_public_url="http://spaces.example.test:8080",
        console_dir=console_dir,
    )
    return TestClient(create_app(settings), base_url="http://testserver")


@pytest.fixture
def console(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(tmp_path, write_build(tmp_path / "console")) as client:
        yield client


def assert_page_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["cache-control"] == "no-cache"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    csp = [d.strip() for d in headers["content-security-policy"].split(";")]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "frame-src 'self' http://*.spaces.example.test:8080" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("path", ["/", "/login?next=/spaces/acme/demo", "/setup", "/new", "/spaces/acme/demo/logs",
                                  "/orgs/acme/members", "/account/tokens", "/invitations/abc", "/no/such/page",
                                  "/apiary", "/_consoles"])
def test_every_console_path_gets_index_html(console: TestClient, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 200 and response.content == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert_page_headers(response)


def test_head_of_a_console_path(console: TestClient) -> None:
    response = console.head("/spaces/acme/demo")
    assert response.status_code == 200 and response.content == b""
    assert_page_headers(response)


def test_index_html_nested_by_the_build_is_found(tmp_path: Path) -> None:
    with client_for(tmp_path, write_build(tmp_path / "console", "src/console/index.html")) as client:
        assert client.get("/orgs/acme").content == INDEX


def test_without_a_build_a_503_page_says_how_to_make_one(tmp_path: Path) -> None:
    with client_for(tmp_path, tmp_path / "missing") as client:
        response = client.get("/")
        assert response.status_code == 503 and "make build-frontend" in response.text
        assert_page_headers(response)
        assert client.get("/_console/assets/main-AbCd1234.js").status_code == 404
        assert client.get("/api/openapi.json").status_code == 200  # the API works without it


@pytest.mark.parametrize("path", ["/api", "/api/no-such-thing", "/oauth/nope", "/.well-known/nope", "/_console",
                                  "/_console/", "/_console/index.html"])
def test_api_paths_keep_the_api_404(console: TestClient, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_other_methods_keep_the_api_answers(console: TestClient) -> None:
    unknown = console.post("/spaces/acme/demo")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert console.post("/api/no-such-thing").status_code == 404
    wrong = console.delete("/api/health")  # an API path with another method: still 405
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    assert console.get("/api/openapi.json").status_code == 200


def test_assets_are_cached_for_a_year_and_gzipped_when_accepted(console: TestClient) -> None:
    plain = console.get("/_console/assets/main-AbCd1234.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.content == SCRIPT
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["content-type"].startswith("text/javascript")
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    assert int(plain.headers["content-length"]) == len(SCRIPT)

    zipped = console.get("/_console/assets/main-AbCd1234.js", headers={"Accept-Encoding": "br, gzip"})
    assert zipped.status_code == 200 and zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) == len(gzip.compress(SCRIPT)) < len(SCRIPT)
    assert zipped.content == SCRIPT  # decoded by the client
    refused = console.get("/_console/assets/main-AbCd1234.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers

    css = console.get("/_console/assets/main-XyZ98765.css", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200 and css.content == STYLE and "content-encoding" not in css.headers
    assert css.headers["content-type"].startswith("text/css")
    assert console.head("/_console/assets/main-XyZ98765.css").status_code == 200


@pytest.mark.parametrize("path", [
    "/_console/assets/%2e%2e/index.html",
    "/_console/assets/..%2findex.html",
    "/_console/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/_console/assets/.%2fmain-AbCd1234.js",
    "/_console/assets/main-AbCd1234.js%5c..%5c..%5cindex.html",
    "/_console/assets/main-AbCd1234.js%00",
    "/_console/assets/%2fetc%2fpasswd",
    "/_console/assets//etc/passwd",
    "/_console/assets/main-AbCd1234.js.gz",
    "/_console/assets/nope-12345678.js",
    "/_console/assets/",
    "/_console/assets/leak.txt",
])
def test_asset_paths_outside_the_build_or_unknown_are_404(console: TestClient, tmp_path: Path, path: str) -> None:
    (tmp_path / "secret.txt").write_text("not for the browser")
    (tmp_path / "console" / "assets" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    response = console.get(path)
    assert response.status_code == 404, path
    assert b"not for the browser" not in response.content and response.content != INDEX


def test_find_asset_stays_inside_the_folder(tmp_path: Path) -> None:
    assets = write_build(tmp_path / "console") / "assets"
    (tmp_path / "outside.js").write_text("x")
    (assets / "sub").mkdir()
    (assets / "sub" / "deep-AbCd1234.js").write_text("y")
    (assets / "escape-AbCd1234.js.gz").symlink_to(tmp_path / "outside.js")
    (assets / "escape-AbCd1234.js").write_text("z")
    assert find_asset(assets, "main-AbCd1234.js") == (assets / "main-AbCd1234.js", assets / "main-AbCd1234.js.gz")
    assert find_asset(assets, "main-XyZ98765.css") == (assets / "main-XyZ98765.css", None)
    assert find_asset(assets, "sub/deep-AbCd1234.js") == (assets / "sub" / "deep-AbCd1234.js", None)
    assert find_asset(assets, "escape-AbCd1234.js") == (assets / "escape-AbCd1234.js", None)  # its .gz leaves
    for bad in ["", "../outside.js", "sub/../main-AbCd1234.js", "./main-AbCd1234.js", "sub//deep-AbCd1234.js",
                "/etc/passwd", "..\\outside.js", "main-AbCd1234.js\x00", "sub"]:
        assert find_asset(assets, bad) is None, bad


def test_the_console_folder_setting(tmp_path: Path) -> None:
    env = {"PODIUM_DATABASE_URL": "postgresql://u@h/db", "PODIUM_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).console_dir == DEFAULT_CONSOLE_DIR
    assert DEFAULT_CONSOLE_DIR.parts[-3:] == ("frontend_dist", "build", "console")
    assert (DEFAULT_CONSOLE_DIR.parents[2] / "controlplane" / "podium_cp" / "settings.py").is_file()
    chosen = Settings.from_env({**env, "PODIUM_CONSOLE_DIR": str(tmp_path / "built")})
    assert chosen.console_dir == (tmp_path / "built").resolve()
