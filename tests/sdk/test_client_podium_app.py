"""`podium.client` against a real Podium app (`demo.launch(prevent_thread_lock=True)`), end to end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podium.client import AppError, CancelledError, Client, EndpointNotFoundError, Status, handle_file

try:
    import podium as gr
    from podium.server import launch as _launch  # noqa: F401 - only checks that the server can be imported
except ImportError as exc:  # pragma: no cover - the server is optional for the client's own tests
    pytest.skip(f"the Podium server cannot be imported ({exc})", allow_module_level=True)


def greet(name: str, intensity: float = 1) -> str:
    return "Hello, " + name + "!" * int(intensity)


def count(n: float) -> Iterator[str]:
    text = ""
    for i in range(int(n)):
        text += str(i)
        yield text


def counter(x: str, seen: int | None) -> tuple[str, int]:
    seen = (seen or 0) + 1
    return f"{x}:{seen}", seen


def fail(x: str) -> str:
    raise gr.Error("custom failure: " + x)


def noisy(x: str) -> str:
    gr.Info("starting " + x)
    gr.Warning("almost done")
    return x.upper()


def slow(x: str) -> Iterator[str]:
    yield x
    time.sleep(10)
    yield x + x


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with gr.Blocks() as demo:
        name = gr.Textbox(label="name")
        intensity = gr.Number(value=1, label="intensity")
        out = gr.Textbox()
        state = gr.State()
        upload = gr.File()
        download = gr.File()
        button = gr.Button()
        button.click(greet, [name, intensity], out, api_name="greet")
        button.click(count, intensity, out, api_name="count")
        button.click(counter, [name, state], [out, state], api_name="counter")
        button.click(fail, name, out, api_name="fail")
        button.click(slow, name, out, api_name="slow")
        button.click(noisy, name, out, api_name="noisy")
        button.click(lambda path: path, upload, download, api_name="echo_file")
    demo.launch(prevent_thread_lock=True, server_port=0, quiet=True)
    assert demo.local_url is not None
    try:
        yield demo.local_url
    finally:
        demo.close()


@pytest.fixture
def client(app_url: str, tmp_path: Path) -> Iterator[Client]:
    with Client(app_url, download_files=tmp_path) as c:
        yield c


def test_predict_with_defaults_keywords_and_state(client: Client) -> None:
    assert client.predict("Ann", 2, api_name="/greet") == "Hello, Ann!!"
    assert client.predict(name="Bo", api_name="/greet") == "Hello, Bo!"
    assert client.predict("s", api_name="/counter") == "s:1"
    assert client.predict("s", api_name="/counter") == "s:2"
    client.reset_session()
    assert client.predict("s", api_name="/counter") == "s:1"


def test_generator_outputs_and_status(client: Client) -> None:
    job = client.submit(4, api_name="/count")
    assert list(job) == ["0", "01", "012", "0123"]
    assert job.result() == "0123"
    assert job.status().code == Status.FINISHED


def test_info_and_warning_messages_are_kept(client: Client) -> None:
    job = client.submit("a", api_name="/noisy")
    assert job.result(timeout=10) == "A"
    assert job.logs() == [("starting a", "info"), ("almost done", "warning")]


def test_app_error_and_unknown_endpoint(client: Client) -> None:
    with pytest.raises(AppError, match="custom failure: z"):
        client.predict("z", api_name="/fail")
    with pytest.raises(EndpointNotFoundError, match="/greet"):
        client.predict("z", api_name="/nope")


def test_file_round_trip(client: Client, tmp_path: Path) -> None:
    source = tmp_path / "hello.txt"
    source.write_text("hello")
    result: Any = client.predict(handle_file(source), api_name="/echo_file")
    assert Path(result).read_text() == "hello"
    assert Path(result) != source


def test_cancel_a_running_generator(client: Client) -> None:
    job = client.submit("x", api_name="/slow")
    assert next(job) == "x"
    assert job.cancel()
    with pytest.raises(CancelledError):
        job.result(timeout=5)
    assert client.predict("after", api_name="/greet") == "Hello, after!"


def test_concurrent_calls(client: Client) -> None:
    jobs = [client.submit(str(i), api_name="/greet") for i in range(200)]
    assert [job.result(timeout=30) for job in jobs] == [f"Hello, {i}!" for i in range(200)]


def test_stopping_the_app_fails_running_jobs() -> None:
    from podium.client import ClientError

    with gr.Blocks() as demo:
        box = gr.Textbox()
        gr.Button().click(slow, box, box, api_name="slow")
    demo.launch(prevent_thread_lock=True, server_port=0, quiet=True)
    assert demo.local_url is not None
    with Client(demo.local_url) as client:
        job = client.submit("x", api_name="/slow")
        assert next(job) == "x"
        demo.close()
        with pytest.raises(ClientError):  # "Server stopped unexpectedly." or a dropped connection
            job.result(timeout=15)
