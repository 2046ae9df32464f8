"""Smoke test with the real `gradio_client` against a launched Podium server (the fuller compatibility suite
lives in tests/compat)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

import podium as gr


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def interface_url() -> Iterator[str]:
    def greet(name: str) -> str:
        return f"Hello {name}!"

    demo = gr.Interface(greet, gr.Textbox(label="name"), gr.Textbox(label="greeting"), api_name="predict")
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close(verbose=False)


@pytest.fixture(scope="module")
def blocks_url() -> Iterator[str]:
    with gr.Blocks() as demo:
        text = gr.Textbox(label="text")
        out = gr.Textbox(label="out")
        count = gr.State(0)
        upload = gr.File(label="file")
        result = gr.File(label="result")

        def counter(x: str, c: int) -> tuple[str, int]:
            return f"{x}:{c + 1}", c + 1

        def spell(x: str) -> Iterator[str]:
            for i in range(1, 4):
                yield x * i

        def fail(x: str) -> str:
            raise gr.Error(f"custom failure: {x}")

        def reverse(path: str) -> str:
            target = Path(path).with_name("reversed.txt")
            target.write_text(Path(path).read_text()[::-1])
            return str(target)

        text.submit(counter, [text, count], [out, count], api_name="counter")
        text.change(spell, text, out, api_name="spell")
        text.blur(fail, text, out, api_name="fail")
        upload.upload(reverse, upload, result, api_name="reverse")
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close(verbose=False)


def test_interface_predict(interface_url: str) -> None:
    client = Client(interface_url, verbose=False)
    assert client.predict("Zed", api_name="/predict") == "Hello Zed!"
    assert client.predict("Ann") == "Hello Ann!"  # the only endpoint is inferred
    assert client.predict(name="Kw", api_name="/predict") == "Hello Kw!"


def test_view_api(interface_url: str) -> None:
    client = Client(interface_url, verbose=False)
    info = client.view_api(print_info=False, return_format="dict")
    assert info is not None
    assert "/predict" in info["named_endpoints"]
    assert "predict(" in str(client)


def test_state_persists_per_client_session(blocks_url: str) -> None:
    client = Client(blocks_url, verbose=False)
    assert client.predict("s", api_name="/counter") == "s:1"
    assert client.predict("s", api_name="/counter") == "s:2"
    client.reset_session()
    assert client.predict("s", api_name="/counter") == "s:1"


def test_generator_outputs(blocks_url: str) -> None:
    client = Client(blocks_url, verbose=False)
    job = client.submit("ab", api_name="/spell")
    assert job.result() == "ababab"
    assert job.outputs() == ["ab", "abab", "ababab"]


def test_app_error(blocks_url: str) -> None:
    client = Client(blocks_url, verbose=False)
    with pytest.raises(AppError, match="custom failure: q"):
        client.predict("q", api_name="/fail")


def test_file_round_trip(blocks_url: str, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("podium")
    client = Client(blocks_url, verbose=False, download_files=str(tmp_path / "downloads"))
    result = client.predict(handle_file(str(source)), api_name="/reverse")
    assert Path(result).read_text() == "muidop"
    assert Path(result).name == "reversed.txt"
