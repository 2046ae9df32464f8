"""`podium.client` file handling: `handle_file`, uploads, downloads, FileData passthrough.

Runs against the protocol stub in test_client_stub_server.py (a fake, because the real Podium server is
being written in parallel; the stub itself is checked against the real gradio_client there).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podium.client import AppError, Client, ClientError, handle_file


def _load_stub() -> Any:
    """The protocol stub module (pytest's importlib mode puts no test folder on sys.path)."""
    name = "podium_client_test_stub"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("test_client_stub_server.py"))
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


stub = _load_stub()


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    app = stub.StubServer(stub.demo_fns(), max_file_size=1000)
    with stub.serve(app) as url:
        app.url = url
        yield app


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    path = tmp_path / "hello world.txt"
    path.write_text("hello")
    return path


def test_handle_file_builds_filedata(hello: Path) -> None:
    assert handle_file(hello) == {"path": str(hello), "meta": {"_type": "gradio.FileData"},
                                  "orig_name": "hello world.txt"}
    url = "https://example.org/a/cat.png"
    assert handle_file(url) == {"path": url, "url": url, "orig_name": "cat.png",
                                "meta": {"_type": "gradio.FileData"}}
    with pytest.raises(FileNotFoundError, match="neither"):
        handle_file("/no/such/file.txt")


def test_upload_and_download_round_trip(server: Any, hello: Path, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    with Client(server.url, download_files=downloads) as client:
        result = client.predict(handle_file(hello), api_name="/echo_file")
    assert Path(result).read_text() == "HELLO"
    assert Path(result).name == "upper-hello world.txt"
    assert Path(result).parent.parent == downloads  # <dir>/<sha256>/<name>
    join = [b for m, p, b in server.requests if p == "/queue/join"][-1]
    sent = join["data"][0]
    assert sent["orig_name"] == "hello world.txt" and sent["meta"] == {"_type": "gradio.FileData"}
    assert sent["path"].startswith(str(server.upload_dir))  # the uploaded path, not the local one
    assert ("POST", "/upload", ["hello world.txt"]) in server.requests


def test_a_plain_path_is_accepted_for_a_file_input(server: Any, hello: Path, tmp_path: Path) -> None:
    with Client(server.url, download_files=tmp_path) as client:
        assert Path(client.predict(str(hello), api_name="/echo_file")).read_text() == "HELLO"


def test_download_files_false_returns_filedata(server: Any, hello: Path) -> None:
    with Client(server.url, download_files=False) as client:
        result = client.predict(handle_file(hello), api_name="/echo_file")
    assert result["meta"] == {"_type": "gradio.FileData"}
    assert result["orig_name"] == "upper-hello world.txt"


def test_files_nested_in_json_are_left_alone_unless_filedata(server: Any, tmp_path: Path) -> None:
    with Client(server.url, download_files=tmp_path) as client:
        result = client.predict("x", api_name="/many_files")
    assert result["note"] == "json output with no file in it"
    assert isinstance(result["files"][0], str)  # a plain path string, not a FileData: not downloaded


def test_files_over_max_file_size_are_refused_before_upload(server: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 2000)
    with Client(server.url) as client, pytest.raises(ClientError, match="at most 1000"):
        client.predict(handle_file(big), api_name="/echo_file")


def test_urls_are_sent_as_they_are(server: Any) -> None:
    url = "http://127.0.0.1:9/x.txt"
    uploads_before = [r for r in server.requests if r[1] == "/upload"]
    with Client(server.url) as client, pytest.raises(AppError):  # the stub does not fetch URLs: it refuses them
        client.predict(handle_file(url), api_name="/echo_file")
    join = [b for m, p, b in server.requests if p == "/queue/join"][-1]
    assert join["data"][0]["path"] == url and join["data"][0]["url"] == url
    assert [r for r in server.requests if r[1] == "/upload"] == uploads_before
