"""`GET|HEAD /file=...` responses: inline or download by type, ranges, caching headers, nosniff.

A minimal Starlette app wires `FilePolicy.resolve_served` to `file_response`, the way the server does,
and Starlette's TestClient talks to it in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from podium.files.cache import FileCache
from podium.files.policy import FileAccessDenied, FilePolicy
from podium.files.serving import file_response, is_inline_safe, is_script_type, serving_disposition

CONTENT = b"0123456789abcdefghij"


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[TestClient, FileCache, Path]]:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    for name in (
        "page.html",
        "pic.svg",
        "app.js",
        "data.xml",
        "doc.pdf",
        "notes.txt",
        "pic.png",
        "style.css",
        "résumé.txt",
    ):
        (allowed / name).write_bytes(CONTENT)
    cache = FileCache(tmp_path / "cache")
    policy = FilePolicy(cache, allowed_paths=[allowed], working_dir=tmp_path)

    async def serve(request: Request) -> Response:
        try:
            path, inline = policy.resolve_served(request.path_params["path"])
        except FileAccessDenied as error:
            return JSONResponse({"detail": error.message}, status_code=403)
        return file_response(path, inline, request.headers)

    app = Starlette(routes=[Route("/gradio_api/file={path:path}", serve, methods=["GET", "HEAD"])])
    with TestClient(app) as client:
        yield client, cache, allowed


def test_plain_text_is_inline_with_caching_headers(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, cache, _ = setup
    cache_id = cache.save_bytes(CONTENT, "notes.txt")
    response = client.get("/gradio_api/file=" + cache_id)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] and response.headers["last-modified"]


@pytest.mark.parametrize("name", ["page.html", "pic.svg", "app.js", "data.xml"])
def test_script_capable_files_are_always_downloads(setup: tuple[TestClient, FileCache, Path], name: str) -> None:
    client, cache, allowed = setup
    from_cache = cache.save_bytes(b"<script>alert(1)</script>", name)
    for path in (from_cache, str(allowed / name)):  # even from allowed_paths, which are otherwise inline
        response = client.get("/gradio_api/file=" + path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-disposition"].startswith("attachment")
        assert response.headers["x-content-type-options"] == "nosniff"


def test_images_are_inline_and_unknown_types_are_downloads(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, cache, _ = setup
    png = client.get("/gradio_api/file=" + cache.save_bytes(b"\x89PNG", "pic.png"))
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"].startswith("inline")
    script = client.get("/gradio_api/file=" + cache.save_bytes(b"print(1)", "app.py"))
    assert script.headers["content-type"] == "application/octet-stream"
    assert script.headers["content-disposition"] == 'attachment; filename="app.py"'
    unknown = client.get("/gradio_api/file=" + cache.save_bytes(b"?", "blob"))
    assert unknown.headers["content-type"] == "application/octet-stream"


def test_allowed_paths_serve_other_safe_types_inline(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, cache, allowed = setup
    assert client.get("/gradio_api/file=" + str(allowed / "doc.pdf")).headers["content-type"] == "application/pdf"
    css = client.get("/gradio_api/file=" + str(allowed / "style.css"))
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["content-disposition"].startswith("inline")
    # The same PDF uploaded by a user is a download.
    uploaded = client.get("/gradio_api/file=" + cache.save_bytes(CONTENT, "doc.pdf"))
    assert uploaded.headers["content-type"] == "application/octet-stream"


def test_range_request_gives_206(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, cache, _ = setup
    cache_id = cache.save_bytes(CONTENT, "clip.mp4")
    response = client.get("/gradio_api/file=" + cache_id, headers={"Range": "bytes=2-5"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 2-5/{len(CONTENT)}"
    assert response.content == CONTENT[2:6]
    assert response.headers["x-content-type-options"] == "nosniff"
    tail = client.get("/gradio_api/file=" + cache_id, headers={"Range": "bytes=-3"})
    assert tail.status_code == 206 and tail.content == CONTENT[-3:]
    beyond = client.get("/gradio_api/file=" + cache_id, headers={"Range": "bytes=100-200"})
    assert beyond.status_code == 416


def test_head_sends_headers_only(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, cache, _ = setup
    cache_id = cache.save_bytes(CONTENT, "a.txt")
    response = client.head("/gradio_api/file=" + cache_id)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(CONTENT))


def test_conditional_requests_get_304(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, cache, _ = setup
    cache_id = cache.save_bytes(CONTENT, "a.txt")
    first = client.get("/gradio_api/file=" + cache_id)
    again = client.get("/gradio_api/file=" + cache_id, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    since = client.get("/gradio_api/file=" + cache_id, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    stale = client.get("/gradio_api/file=" + cache_id, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_non_ascii_names_use_rfc5987_filename(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, _, allowed = setup
    response = client.get("/gradio_api/file=" + str(allowed / "résumé.txt"))
    assert response.status_code == 200
    assert "filename*=utf-8''r%C3%A9sum%C3%A9.txt" in response.headers["content-disposition"]


def test_refused_paths_get_403(setup: tuple[TestClient, FileCache, Path]) -> None:
    client, _, allowed = setup
    for path in ("/etc/passwd", str(allowed / "missing.txt"), str(allowed), str(allowed / "sub%252f..%252fx")):
        response = client.get("/gradio_api/file=" + path)
        assert response.status_code == 403
        assert response.json()["detail"].startswith("File not allowed")


@pytest.mark.parametrize(
    ("media_type", "script", "safe"),
    [
        ("text/html", True, False),
        ("text/html; charset=utf-8", True, False),
        ("image/svg+xml", True, False),
        ("application/atom+xml", True, False),
        ("application/javascript", True, False),
        ("text/javascript", True, False),
        ("application/xml", True, False),
        ("image/png", False, True),
        ("audio/mpeg", False, True),
        ("video/mp4", False, True),
        ("text/plain", False, True),
        ("application/json", False, True),
        ("application/pdf", False, False),
        ("text/css", False, False),
        (None, False, False),
    ],
)
def test_type_classification(media_type: str | None, script: bool, safe: bool) -> None:
    assert is_script_type(media_type) is script
    assert is_inline_safe(media_type) is safe


def test_serving_disposition_for_names() -> None:
    assert serving_disposition(Path("x.html"), True) == ("application/octet-stream", "attachment")
    assert serving_disposition(Path("x.xhtml"), True) == ("application/octet-stream", "attachment")
    assert serving_disposition(Path("x.SVG"), True) == ("application/octet-stream", "attachment")
    assert serving_disposition(Path("x.webp"), False) == ("image/webp", "inline")
    assert serving_disposition(Path("x.pdf"), False) == ("application/octet-stream", "attachment")
    assert serving_disposition(Path("x.pdf"), True) == ("application/pdf", "inline")
    assert serving_disposition(Path("x.html.gz"), True) == ("application/octet-stream", "attachment")
    assert serving_disposition(Path("x.svgz"), True) == ("application/octet-stream", "attachment")
    assert serving_disposition(Path("x.txt.gz"), False) == ("application/octet-stream", "attachment")
