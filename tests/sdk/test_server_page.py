"""The page at `/` and the browser UI's files at `/assets/*`.

These tests build their own small fake build (a Vite manifest and a few files) in a temporary folder and
point `$PODIUM_FRONTEND_DIR` at it, so they test the server's side of the contract whether or not the real
frontend is built; the real build is exercised by the browser tests in `tests/e2e/`.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import podium as gr
from podium.blocks import Blocks
from podium.server.app import create_app
from podium.server.assets import accepts_gzip, candidate_dirs, find_frontend_build
from podium.server.settings import ServerSettings

JS = "assets/app-Ab12Cd34.js"
CSS = "assets/app-Ef56Gh78.css"
CHUNK = "assets/chunk-Ij90Kl12.js"
CHUNK_CSS = "assets/chunk-Mn34Op56.css"
JS_SOURCE = b"console.log('podium');" * 50
CSS_SOURCE = b".podium{color:red}" * 50


def write_build(root: Path) -> Path:
    """A build folder shaped like `npm run build`'s: hashed files, .gz copies, the manifest."""
    manifest = {
        "src/app/main.tsx": {"file": JS, "name": "app", "src": "src/app/main.tsx", "isEntry": True,
                             "imports": ["_chunk.js"], "css": [CSS], "dynamicImports": ["src/app/api/mount.tsx"]},
        "_chunk.js": {"file": CHUNK, "name": "chunk", "css": [CHUNK_CSS]},
        "src/app/api/mount.tsx": {"file": "assets/mount-Qr78St90.js", "isDynamicEntry": True},
    }
    (root / ".vite").mkdir(parents=True)
    (root / ".vite" / "manifest.json").write_text(json.dumps(manifest))
    (root / "assets" / "img").mkdir(parents=True)
    for name, body in [(JS, JS_SOURCE), (CSS, CSS_SOURCE), (CHUNK, b"export const x = 1;"),
                       (CHUNK_CSS, b".chunk{}"), ("assets/mount-Qr78St90.js", b"export {};")]:
        (root / name).write_bytes(body)
    (root / (JS + ".gz")).write_bytes(gzip.compress(JS_SOURCE))
    (root / (CSS + ".gz")).write_bytes(gzip.compress(CSS_SOURCE))
    (root / "assets" / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "secret.txt").write_text("not an asset")
    return root


@pytest.fixture
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_build(tmp_path / "build")
    monkeypatch.setenv("PODIUM_FRONTEND_DIR", str(root))
    return root


@pytest.fixture
def no_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PODIUM_FRONTEND_DIR", str(tmp_path / "empty"))


def demo_app(label: str = "Name", **blocks_options: Any) -> Blocks:
    with gr.Blocks(title="Page <Test>", **blocks_options) as demo:
        name = gr.Textbox(label=label, value="World")
        out = gr.Textbox(label="Greeting")
        name.submit(lambda n: f"Hello {n}!", name, out, api_name="greet")
    return demo


def client_for(demo: Blocks, **launch_kwargs: Any) -> TestClient:
    return TestClient(create_app(demo, ServerSettings.from_launch_kwargs(launch_kwargs, environ={})))


@pytest.fixture
def http(build_dir: Path) -> Iterator[TestClient]:
    with client_for(demo_app()) as client:
        yield client


def inlined_config(page: str) -> dict[str, Any]:
    # the expression gradio_client uses when it scrapes the page
    match = re.search(r"window.gradio_config = (.*?);[\s]*</script>", page, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def app_div(page: str) -> str:
    start = page.index('<div id="podium-app" class="podium">')
    return page[start:page.index("<script>window.gradio_config")]


# --- the page -------------------------------------------------------------------------------------------


def test_the_page_links_the_build_and_inlines_the_config(http: TestClient) -> None:
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.startswith("<!doctype html>\n<html lang=\"en\">")
    assert "<title>Page &lt;Test&gt;</title>" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert f'<link rel="stylesheet" href="/{CSS}">' in page
    assert f'<link rel="stylesheet" href="/{CHUNK_CSS}">' in page  # an imported chunk's CSS too
    assert f'<link rel="modulepreload" href="/{CHUNK}">' in page
    assert "mount-Qr78St90" not in page  # a dynamic import loads only when needed
    assert f'<script type="module" src="/{JS}"></script>' in page
    assert page.index('<div id="podium-app" class="podium">') < page.index("window.gradio_config") < page.index(JS)
    config = inlined_config(page)
    assert config["title"] == "Page <Test>"
    assert config["root"] == "http://testserver"
    assert "The browser UI is not built" not in page


def test_the_page_is_gzipped_when_accepted(http: TestClient) -> None:
    zipped = http.get("/", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    plain = http.get("/", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert zipped.text == plain.text
    assert int(zipped.headers["content-length"]) < len(plain.content)


def test_a_label_cannot_break_out_of_the_config_script(build_dir: Path) -> None:
    label = "</script><script>alert(1)</script><!-- \u2028\u2029 &amp;"
    with client_for(demo_app(label=label), ssr_mode=False) as client:
        page = client.get("/").text
    assert "alert(1)</script>" not in page
    assert "\u2028" not in page and "\u2029" not in page
    config = inlined_config(page)
    labels = [c["props"].get("label") for c in config["components"]]
    assert label in labels
    # three scripts in all: the theme, the config and the module entry
    assert page.count("</script>") == 3


def test_ssr_markup_goes_into_the_app_div(build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import podium.ssr

    seen: list[dict[str, Any]] = []

    def render_app(config: dict[str, Any]) -> str:
        seen.append(config)
        return '<div class="pd-blocks">rendered</div>'

    monkeypatch.setattr(podium.ssr, "render_app", render_app, raising=False)
    with client_for(demo_app()) as client:
        page = client.get("/").text
        client.get("/")
    assert app_div(page) == '<div id="podium-app" class="podium"><div class="pd-blocks">rendered</div></div>\n'
    assert seen[0]["root"] == "http://testserver"
    assert len(seen) == 1  # the page is rendered once and then served from memory


def test_failing_ssr_sends_an_empty_app_div_and_logs(build_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    import podium.ssr

    def render_app(config: dict[str, Any]) -> str:
        raise RuntimeError("no renderer for this component")

    monkeypatch.setattr(podium.ssr, "render_app", render_app, raising=False)
    with caplog.at_level(logging.ERROR, logger="podium.server"), client_for(demo_app()) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert app_div(response.text) == '<div id="podium-app" class="podium"></div>\n'
    assert "no renderer for this component" in caplog.text


@pytest.mark.parametrize("how", [{"ssr_mode": False}, {"env": ("PODIUM_SSR_MODE", "false")},
                                 {"env": ("GRADIO_SSR_MODE", "0")}])
def test_ssr_mode_off_leaves_the_app_div_empty(build_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                               how: dict[str, Any]) -> None:
    import podium.ssr

    monkeypatch.setattr(podium.ssr, "render_app", lambda config: "<p>rendered</p>", raising=False)
    environ = dict([how["env"]]) if "env" in how else {}
    settings = ServerSettings.from_launch_kwargs({k: v for k, v in how.items() if k != "env"}, environ=environ)
    assert settings.ssr_mode is False
    with TestClient(create_app(demo_app(), settings)) as client:
        page = client.get("/").text
    assert app_div(page) == '<div id="podium-app" class="podium"></div>\n'
    assert inlined_config(page)["title"] == "Page <Test>"


def test_ssr_mode_is_on_by_default() -> None:
    assert ServerSettings.from_launch_kwargs({}, environ={}).ssr_mode is True
    assert ServerSettings.from_launch_kwargs({}, environ={"GRADIO_SSR_MODE": "true"}).ssr_mode is True


def test_the_authors_css_head_and_js_are_in_the_page(build_dir: Path, tmp_path: Path) -> None:
    extra_css = tmp_path / "extra.css"
    extra_css.write_text(".from-file{margin:0}")
    demo = demo_app(css=".mine{color:blue}</style><b>x</b>", head='<meta name="author" content="me">',
                    js="() => { document.title = '</script>'; }", css_paths=[extra_css])
    with client_for(demo) as client:
        page = client.get("/").text
    head = page[:page.index("</head>")]
    # the author's </style> cannot end the element; css_paths files follow the css
    assert "<style>.mine{color:blue}<\\/style><b>x</b>\n.from-file{margin:0}</style>" in head
    assert '<meta name="author" content="me">' in head
    body = page[page.index("</head>"):]
    assert "document.title = '<\\/script>'" in body
    assert body.index(JS) < body.index("addEventListener(\"load\"")


def test_root_path_prefixes_the_asset_urls(build_dir: Path) -> None:
    with client_for(demo_app(), root_path="/proxy/") as client:
        page = client.get("/").text
    assert f'href="/proxy/{CSS}"' in page
    assert f'src="/proxy/{JS}"' in page
    assert inlined_config(page)["root"] == "http://testserver/proxy"


def test_a_mounted_app_prefixes_its_mount_path(build_dir: Path) -> None:
    outer = Starlette()
    gr.mount_gradio_app(outer, demo_app(), path="/demo")
    with TestClient(outer) as client:
        page = client.get("/demo/").text
        assert f'src="/demo/{JS}"' in page
        assert client.get(f"/demo/{JS}").status_code == 200


def test_without_a_build_the_plain_page_says_how_to_build(no_build: None) -> None:
    with client_for(demo_app()) as client:
        page = client.get("/").text
        assert client.get(f"/{JS}").status_code == 404
    assert "The browser UI is not built: run <code>make setup</code>." in page
    assert "Greeting" in page and "World" in page  # every component with its value
    assert "<code>/greet</code>" in page
    assert "<script type=\"module\"" not in page
    assert inlined_config(page)["title"] == "Page <Test>"


def test_the_login_form_comes_before_the_app(build_dir: Path) -> None:
    with client_for(demo_app(), auth=("ann", "pw")) as client:
        page = client.get("/").text
    assert 'id="login"' in page and "window.gradio_config" not in page


# --- /assets ---------------------------------------------------------------------------------------------


def test_hashed_assets_are_immutable_and_gzipped_on_request(http: TestClient) -> None:
    response = http.get(f"/{JS}", headers={"accept-encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.content == JS_SOURCE  # decoded by the client
    assert int(response.headers["content-length"]) == len(gzip.compress(JS_SOURCE))
    css = http.get(f"/{CSS}", headers={"accept-encoding": "gzip"})
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert css.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", ""])
def test_assets_are_sent_plain_when_gzip_is_not_accepted(http: TestClient, accept: str) -> None:
    response = http.get(f"/{JS}", headers={"accept-encoding": accept})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.content == JS_SOURCE


def test_a_file_without_gzip_copy_or_hash(http: TestClient) -> None:
    chunk = http.get(f"/{CHUNK}", headers={"accept-encoding": "gzip"})
    assert chunk.status_code == 200 and "content-encoding" not in chunk.headers and "vary" not in chunk.headers
    logo = http.get("/assets/img/logo.svg")
    assert logo.status_code == 200
    assert logo.headers["content-type"] == "image/svg+xml"
    assert logo.headers["cache-control"] == "no-cache"  # no hash in its name: it may change


def test_head_request_for_an_asset(http: TestClient) -> None:
    response = http.head(f"/{CSS}", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(CSS_SOURCE)


@pytest.mark.parametrize("path", [
    "/assets/nope-12345678.js",
    "/assets/..%2Fsecret.txt",
    "/assets/%2e%2e/secret.txt",
    "/assets/img/..%2F..%2Fsecret.txt",
    "/assets/..%2F.vite%2Fmanifest.json",
    "/assets/%2Fetc%2Fpasswd",
    f"/{JS}.gz",
])
def test_unknown_files_and_traversal_are_404(http: TestClient, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert b"not an asset" not in response.content


def test_traversal_over_a_real_socket_is_404(build_dir: Path) -> None:
    import socket

    demo = demo_app()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    try:
        raw = httpx.URL(f"http://127.0.0.1:{port}/assets/../secret.txt")
        with httpx.Client() as client:
            request = client.build_request("GET", raw)
            request.url = request.url.copy_with(raw_path=b"/assets/../secret.txt")
            response = client.send(request)
        assert response.status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/{JS}").status_code == 200
    finally:
        demo.close(verbose=False)


# --- finding the build ------------------------------------------------------------------------------------


def test_the_env_var_wins_and_is_the_only_place_looked_at(tmp_path: Path) -> None:
    assert candidate_dirs({"PODIUM_FRONTEND_DIR": str(tmp_path)}) == [tmp_path]
    assert find_frontend_build({"PODIUM_FRONTEND_DIR": str(tmp_path)}) is None
    build = find_frontend_build({"PODIUM_FRONTEND_DIR": str(write_build(tmp_path / "b"))})
    assert build is not None
    assert build.script == JS and build.stylesheets == (CSS, CHUNK_CSS) and build.preloads == (CHUNK,)
    assert set(build.gzipped) == {"app-Ab12Cd34.js", "app-Ef56Gh78.css"}


def test_without_the_env_var_the_package_then_the_checkout_is_looked_at() -> None:
    import podium

    package = Path(podium.__file__).resolve().parent
    assert candidate_dirs({}) == [package / "_frontend" / "app",
                                  Path(podium.__file__).resolve().parents[2] / "frontend_dist" / "build" / "app"]


@pytest.mark.parametrize("manifest", ["not json", json.dumps({"other.tsx": {"file": "assets/x.js"}}),
                                      json.dumps({"src/app/main.tsx": {"file": "assets/missing-12345678.js"}})])
def test_an_unusable_manifest_means_no_build(tmp_path: Path, manifest: str, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / ".vite").mkdir()
    (tmp_path / ".vite" / "manifest.json").write_text(manifest)
    with caplog.at_level(logging.WARNING, logger="podium.server"):
        assert find_frontend_build({"PODIUM_FRONTEND_DIR": str(tmp_path)}) is None
    assert "make setup" in caplog.text


def test_accept_encoding_parsing() -> None:
    assert accepts_gzip("gzip")
    assert accepts_gzip("br, gzip;q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("br")
    assert not accepts_gzip("")


def test_mount_gradio_app_honours_ssr_mode(build_dir: Path) -> None:
    from podium.server.mount import mount_gradio_app

    pages = {}
    for ssr in (True, False):
        outer = mount_gradio_app(Starlette(), demo_app(label="Mounted name"), "/ui", ssr_mode=ssr)
        with TestClient(outer) as client:
            pages[ssr] = client.get("/ui/").text
    assert "Mounted name" in app_div(pages[True])
    assert app_div(pages[False]).strip() == '<div id="podium-app" class="podium"></div>'
