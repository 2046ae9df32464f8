"""Files over real HTTP: uploads into the cache (size limit, malformed bodies), downloads through the file
policy (ranges, HEAD, traversal attempts sent byte-for-byte on a raw socket so no client normalises them),
upload progress, and a handler's file output round trip.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import podium as gr
from podium.blocks import Blocks

MAX_SIZE = 4096


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def allowed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("allowed")
    (folder / "note.txt").write_text("allowed note")
    (folder / "page.html").write_text("<script>alert(1)</script>")
    return folder


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, allowed_dir: Path) -> Iterator[tuple[Blocks, str, Path]]:
    cache_dir = tmp_path_factory.mktemp("cache")
    with gr.Blocks() as demo:
        upload = gr.File(label="In")
        result = gr.File(label="Out")

        def shout(path: str) -> str:
            out = Path(path).with_name("shout.txt")
            out.write_text(Path(path).read_text().upper())
            return str(out)

        upload.upload(shout, upload, result, api_name="shout")
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, max_file_size=MAX_SIZE,
                allowed_paths=[str(allowed_dir)], temp_dir=str(cache_dir))
    try:
        yield demo, f"http://127.0.0.1:{port}", cache_dir
    finally:
        demo.close(verbose=False)


@pytest.fixture
def base_url(app: tuple[Blocks, str, Path]) -> str:
    return app[1]


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


def upload(http: httpx.Client, *files: tuple[str, bytes]) -> httpx.Response:
    return http.post("/gradio_api/upload", files=[("files", (name, data)) for name, data in files])


def raw_get(base_url: str, target: str, method: str = "GET") -> tuple[int, bytes]:
    """Send `target` exactly as written (no normalisation, no re-encoding); return status and body."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


# --- upload ----------------------------------------------------------------------------------------


def test_upload_returns_cache_ids_in_order(http: httpx.Client) -> None:
    response = upload(http, ("a.txt", b"alpha"), ("b.txt", b"beta"))
    assert response.status_code == 200
    ids = response.json()
    assert len(ids) == 2
    assert ids[0].endswith("/a.txt") and ids[1].endswith("/b.txt")


def test_upload_download_round_trip(http: httpx.Client) -> None:
    (file_id,) = upload(http, ("hello.txt", b"hello world")).json()
    response = http.get(f"/gradio_api/file={file_id}")
    assert response.status_code == 200
    assert response.content == b"hello world"
    assert response.headers["accept-ranges"] == "bytes"


def test_same_content_gets_the_same_id(http: httpx.Client) -> None:
    assert upload(http, ("x.txt", b"same")).json() == upload(http, ("x.txt", b"same")).json()


def test_upload_non_ascii_filename(http: httpx.Client) -> None:
    (file_id,) = upload(http, ("résumé ✓.txt", b"cv")).json()
    assert file_id.endswith("résumé ✓.txt")
    assert http.get("/gradio_api/file=" + file_id).content == b"cv"


def test_upload_ignores_parts_not_named_files(http: httpx.Client) -> None:
    response = http.post("/gradio_api/upload", files=[("other", ("a.txt", b"x"))], data={"field": "v"})
    assert response.status_code == 200
    assert response.json() == []


def test_upload_non_multipart_is_400(http: httpx.Client) -> None:
    for kwargs in ({"content": b"raw"}, {"json": {"files": []}}, {"data": {"files": "x"}}):
        response = http.post("/gradio_api/upload", **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid content type."}


def test_upload_broken_multipart_is_400(http: httpx.Client) -> None:
    body = b'--XYZ\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nunterminated'
    response = http.post("/gradio_api/upload", content=body,
                         headers={"content-type": "multipart/form-data; boundary=XYZ"})
    assert response.status_code == 400
    assert "multipart" in response.json()["detail"]


def test_oversized_upload_is_413_with_a_clear_message(http: httpx.Client, app: tuple[Blocks, str, Path]) -> None:
    response = upload(http, ("big.bin", b"x" * (MAX_SIZE + 1)))
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "big.bin" in detail and "max_file_size" in detail
    cache_dir = app[2]
    assert not any(p.name == "big.bin" for p in cache_dir.rglob("*"))  # the partial file is gone


def test_upload_at_the_limit_is_accepted(http: httpx.Client) -> None:
    assert upload(http, ("edge.bin", b"y" * MAX_SIZE)).status_code == 200


def test_config_advertises_the_limit(http: httpx.Client) -> None:
    assert http.get("/config").json()["max_file_size"] == MAX_SIZE


def test_upload_progress_reports_done(http: httpx.Client) -> None:
    response = http.post("/gradio_api/upload", params={"upload_id": "up1"}, files=[("files", ("p.txt", b"pp"))])
    assert response.status_code == 200
    with http.stream("GET", "/gradio_api/upload_progress", params={"upload_id": "up1"}) as stream:
        body = b"".join(stream.iter_raw())
    assert body.endswith(b'data: {"msg":"done"}\n\n')


def test_upload_progress_unknown_id_is_404(http: httpx.Client) -> None:
    start = time.monotonic()
    response = http.get("/gradio_api/upload_progress", params={"upload_id": "never"})
    assert response.status_code == 404
    assert time.monotonic() - start >= 2.5  # it waited for the upload to appear


# --- download -------------------------------------------------------------------------------------------


def test_range_request_is_206(http: httpx.Client) -> None:
    (file_id,) = upload(http, ("r.txt", b"0123456789")).json()
    response = http.get(f"/gradio_api/file={file_id}", headers={"range": "bytes=2-5"})
    assert response.status_code == 206
    assert response.content == b"2345"
    assert response.headers["content-range"] == "bytes 2-5/10"


def test_head_request(http: httpx.Client) -> None:
    (file_id,) = upload(http, ("h.txt", b"head me")).json()
    response = http.head(f"/gradio_api/file={file_id}")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "7"


def test_deprecated_file_slash_alias(http: httpx.Client) -> None:
    (file_id,) = upload(http, ("alias.txt", b"alias")).json()
    assert http.get(f"/gradio_api/file/{file_id}").content == b"alias"


def test_uploads_are_downloads_not_pages(http: httpx.Client) -> None:
    (file_id,) = upload(http, ("evil.html", b"<script>alert(1)</script>")).json()
    response = http.get(f"/gradio_api/file={file_id}")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")


def test_allowed_path_is_served(http: httpx.Client, allowed_dir: Path) -> None:
    response = http.get(f"/gradio_api/file={allowed_dir / 'note.txt'}")
    assert response.status_code == 200
    assert response.text == "allowed note"


def test_file_outside_allowed_paths_is_403(http: httpx.Client) -> None:
    response = http.get("/gradio_api/file=/etc/passwd")
    assert response.status_code == 403
    assert response.json() == {"detail": "File not allowed: /etc/passwd."}


def test_missing_file_is_403(http: httpx.Client, allowed_dir: Path) -> None:
    assert http.get(f"/gradio_api/file={allowed_dir / 'missing.txt'}").status_code == 403


def test_directory_is_403(http: httpx.Client, allowed_dir: Path) -> None:
    assert http.get(f"/gradio_api/file={allowed_dir}").status_code == 403


def test_cache_internals_are_403(http: httpx.Client, app: tuple[Blocks, str, Path]) -> None:
    cache_root = app[0].app.state.podium.files.cache.root  # type: ignore[attr-defined]
    for name in (".seed", ".partial"):
        assert http.get(f"/gradio_api/file={cache_root / name}").status_code == 403


@pytest.mark.parametrize(
    "target",
    [
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file=..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/gradio_api/file=%252e%252e/%252e%252e/etc/passwd",
        "/gradio_api/file=..%5c..%5c..%5cetc%5cpasswd",
        "/gradio_api/file=/etc/../etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        "/gradio_api/file=/etc/passwd%00.txt",
        "/gradio_api/file/../../../../etc/passwd",
        "/gradio_api/file//etc/passwd",
    ],
)
def test_traversal_attempts_are_refused(base_url: str, target: str) -> None:
    status, body = raw_get(base_url, target)
    assert status in (403, 404), (target, status)
    assert b"root:" not in body
    if status == 403:
        assert json.loads(body)["detail"].startswith("File not allowed")


def test_traversal_out_of_an_allowed_path_is_refused(base_url: str, allowed_dir: Path) -> None:
    status, body = raw_get(base_url, f"/gradio_api/file={allowed_dir}/../../../../../etc/passwd")
    assert status == 403
    assert b"root:" not in body


def test_head_of_a_refused_file_is_403(base_url: str) -> None:
    status, _ = raw_get(base_url, "/gradio_api/file=/etc/passwd", method="HEAD")
    assert status == 403


# --- a handler that takes and returns a file -------------------------------------------------------------


def test_file_input_and_output_round_trip(http: httpx.Client) -> None:
    (file_id,) = upload(http, ("quiet.txt", b"make me loud")).json()
    payload: dict[str, Any] = {"path": file_id, "orig_name": "quiet.txt", "meta": {"_type": "gradio.FileData"}}
    response = http.post("/gradio_api/run/shout", json={"data": [payload]})
    assert response.status_code == 200, response.text
    (output,) = response.json()["data"]
    assert output["orig_name"] == "shout.txt"
    assert output["url"].startswith(str(http.base_url).rstrip("/") + "/gradio_api/file=")
    assert http.get("/gradio_api/file=" + output["path"]).content == b"MAKE ME LOUD"
    assert httpx.get(output["url"]).content == b"MAKE ME LOUD"


def test_file_input_not_uploaded_is_refused(http: httpx.Client) -> None:
    payload = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}
    response = http.post("/gradio_api/run/shout", json={"data": [payload]})
    assert response.status_code == 500
    assert "root:" not in response.text
    assert os.path.exists("/etc/passwd")


# --- file=https://... (outputs that are URLs) ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/secret",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://user:pw@example.com/",
        "ftp://example.com/file",
        "https://no-such-host.invalid/x.png",
    ],
)
def test_url_files_to_private_or_bad_hosts_are_refused(http: httpx.Client, url: str) -> None:
    response = http.get("/gradio_api/file=" + url)
    assert response.status_code == 403, url
    assert response.json()["detail"].startswith("File not allowed")


@pytest.fixture
def upstream_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A local HTTP server standing in for a public host (the private-address check is relaxed for it)."""
    import functools
    import http.server
    import threading

    from podium.files import fetch

    (tmp_path / "pic.png").write_bytes(b"\x89PNG data")
    (tmp_path / "page.html").write_text("<script>alert(1)</script>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(fetch, "is_public_address", lambda address: address == "127.0.0.1")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_url_file_is_fetched_and_streamed(http: httpx.Client, upstream_url: str) -> None:
    response = http.get(f"/gradio_api/file={upstream_url}/pic.png")
    assert response.status_code == 200
    assert response.content == b"\x89PNG data"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_url_file_that_is_a_page_is_a_download(http: httpx.Client, upstream_url: str) -> None:
    response = http.get(f"/gradio_api/file={upstream_url}/page.html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")


def test_url_file_missing_upstream_is_404(http: httpx.Client, upstream_url: str) -> None:
    assert http.get(f"/gradio_api/file={upstream_url}/missing.png").status_code == 404


def test_url_redirects_are_checked_again(
    http: httpx.Client, upstream_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from podium.files import fetch

    (tmp_path / "sub").mkdir()
    checks: list[str] = []

    def only_the_first_hop(address: str) -> bool:
        checks.append(address)
        return len(checks) == 1

    monkeypatch.setattr(fetch, "is_public_address", only_the_first_hop)
    response = http.get(f"/gradio_api/file={upstream_url}/sub")  # answered with a redirect to /sub/
    assert response.status_code == 403
    assert len(checks) == 2


def test_is_public_address() -> None:
    from podium.server.url_proxy import is_public_address

    assert is_public_address("8.8.8.8")
    assert is_public_address("2606:4700:4700::1111")
    for private in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "169.254.1.1", "::1", "fe80::1",
                    "::ffff:10.0.0.1", "0.0.0.0", "224.0.0.1", "100.64.0.1", "not an ip"):
        assert not is_public_address(private), private
