"""URL inputs: the server fetches `handle_file("https://...")` itself, but only from public addresses.

This machine reaches no public host, so the tests that fetch successfully admit loopback by patching
`is_public_address` (the one switch between "public" and "refused"); everything else is the real code path:
DNS resolution, a pinned connection, redirects, the size limit and the cache.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import podium as gr
from podium.files import fetch
from podium.files.cache import FileCache, FileTooLarge
from podium.files.policy import FileAccessDenied

BODY = b"hello from a url\n" * 100


class _Handler(http.server.BaseHTTPRequestHandler):
    redirect_to = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("location", _Handler.redirect_to)
            self.end_headers()
            return
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "is_public_address", lambda address: address == "127.0.0.1")


def test_loopback_private_and_odd_urls_are_refused(tmp_path: Path, origin: str) -> None:
    cache = FileCache(tmp_path)
    for url in (f"{origin}/a.txt", "http://10.0.0.1/a", "http://169.254.169.254/latest/meta-data",
                "http://[::1]/a", "ftp://example.org/a", "http://user:pw@example.org/a", "http:///nohost"):
        with pytest.raises(FileAccessDenied, match="public"):
            fetch.download_to_cache(url, cache)
    assert not any(cache.partial_dir.iterdir())


@pytest.mark.usefixtures("loopback_is_public")
def test_public_url_is_downloaded_into_the_cache(tmp_path: Path, origin: str) -> None:
    cache = FileCache(tmp_path)
    cache_id = fetch.download_to_cache(f"{origin}/files/report%20one.txt", cache)
    path = cache.path_of(cache_id)
    assert path.read_bytes() == BODY
    assert path.name == "report one.txt"
    assert not any(cache.partial_dir.iterdir())


@pytest.mark.usefixtures("loopback_is_public")
def test_download_stops_at_max_file_size(tmp_path: Path, origin: str) -> None:
    cache = FileCache(tmp_path, max_file_size=100)
    with pytest.raises(FileTooLarge):
        fetch.download_to_cache(f"{origin}/big.bin", cache)
    assert not any(cache.partial_dir.iterdir())


@pytest.mark.usefixtures("loopback_is_public")
def test_redirects_are_checked_again(tmp_path: Path, origin: str) -> None:
    cache = FileCache(tmp_path)
    port = origin.rsplit(":", 1)[1]
    _Handler.redirect_to = f"http://127.0.0.2:{port}/a.txt"  # loopback too, but not the admitted address
    with pytest.raises(FileAccessDenied, match="public"):
        fetch.download_to_cache(f"{origin}/redirect", cache)
    _Handler.redirect_to = f"{origin}/after-redirect.txt"
    assert cache.path_of(fetch.download_to_cache(f"{origin}/redirect", cache)).read_bytes() == BODY


@pytest.mark.usefixtures("loopback_is_public")
def test_an_error_status_is_a_clear_refusal(tmp_path: Path, origin: str) -> None:
    with pytest.raises(FileAccessDenied, match="404"):
        fetch.download_to_cache(f"{origin}/missing", FileCache(tmp_path))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gradio_client_url_inputs_reach_the_function_as_local_files(
    tmp_path: Path, origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    demo = gr.Interface(lambda f: Path(f).read_text()[:16], gr.File(), "text")
    demo.launch(prevent_thread_lock=True, server_port=_free_port(), quiet=True, temp_dir=str(tmp_path / "cache"))
    try:
        client = Client(demo.local_url, verbose=False, download_files=str(tmp_path / "downloads"))
        with pytest.raises(AppError, match="Only public http"):
            client.predict(handle_file(f"{origin}/a.txt"))
        monkeypatch.setattr(fetch, "is_public_address", lambda address: address == "127.0.0.1")
        assert client.predict(handle_file(f"{origin}/a.txt")) == "hello from a url"
    finally:
        demo.close(verbose=False)
