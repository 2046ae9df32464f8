"""`podium.client.Client` calling endpoints: arguments, State, sessions, errors, view_api, concurrency.

Runs against the protocol stub in test_client_stub_server.py (a fake, because the real Podium server is
being written in parallel; the stub itself is checked against the real gradio_client there).
"""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podium.client import (
    AppError,
    ArgumentError,
    AuthenticationError,
    Client,
    ClientError,
    EndpointNotFoundError,
    QueueFullError,
    ServerConnectionError,
    ValidationError,
)


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
    app = stub.StubServer(stub.demo_fns())
    with stub.serve(app) as url:
        app.url = url
        yield app


@pytest.fixture
def client(server: Any) -> Iterator[Client]:
    with Client(server.url, download_files=False) as c:
        yield c


def test_predict_positional_keyword_and_default_arguments(client: Client) -> None:
    assert client.predict("Ann", 2, api_name="/greet") == "Hello, Ann!!"
    assert client.predict(name="Bo", api_name="/greet") == "Hello, Bo!"
    assert client.predict("Cy", intensity=3, api_name="greet") == "Hello, Cy!!!"


def test_join_body_and_header_follow_the_protocol(client: Client, server: Any) -> None:
    client.predict("s", api_name="/counter")
    join = [body for method, path, body in server.requests if path == "/queue/join"][-1]
    assert join["data"] == ["s", None]  # State sent as null
    assert join["session_hash"] == client.session_hash
    assert join["fn_index"] == 1
    assert join["x-gradio-user"] == "api"
    assert ("GET", "/info", {"serialize": "False"}) in server.requests


def test_state_persists_per_session_and_resets(client: Client) -> None:
    assert client.predict("s", api_name="/counter") == "s:1"  # the State output is dropped
    assert client.predict("s", api_name="/counter") == "s:2"
    client.reset_session()
    assert client.predict("s", api_name="/counter") == "s:1"


def test_several_outputs_come_back_as_a_tuple(client: Client) -> None:
    assert client.predict(3, 4, api_name="/multi") == (7, 12)
    assert client.predict(3, api_name="/multi") == (5, 6)


def test_fn_index_and_undocumented_endpoints(client: Client) -> None:
    assert client.predict("x", fn_index=0) == "Hello, x!"
    assert client.predict("ab", api_name="/hidden") == "abab"  # callable, though not in /info
    with pytest.raises(ArgumentError, match="positional"):
        client.predict(x="ab", api_name="/hidden")


@pytest.mark.parametrize("call", [
    lambda c: c.predict("x", api_name="/nope"),
    lambda c: c.predict("x", api_name="/private"),
    lambda c: c.predict("x", fn_index=99),
    lambda c: c.predict("x"),  # several public endpoints: must say which
])
def test_unknown_endpoint_lists_the_available_names(client: Client, call: Any) -> None:
    with pytest.raises(EndpointNotFoundError, match="/greet") as caught:
        call(client)
    assert "/greet" in caught.value.available
    assert "/private" not in caught.value.available


def test_bad_arguments_say_what_is_wrong(client: Client) -> None:
    with pytest.raises(ArgumentError, match="takes 2 argument"):
        client.predict(1, 2, 3, api_name="/multi")
    with pytest.raises(ArgumentError, match="no parameter 'c'.*a, b"):
        client.predict(1, c=2, api_name="/multi")
    with pytest.raises(ArgumentError, match="needs a value for 'name'"):
        client.predict(api_name="/greet")
    with pytest.raises(ArgumentError, match="given twice"):
        client.predict("a", name="b", api_name="/greet")


def test_app_error_carries_message_and_title(client: Client) -> None:
    with pytest.raises(AppError, match="custom failure: z") as caught:
        client.predict("z", api_name="/fail")
    assert caught.value.message == "custom failure: z"
    assert caught.value.title == "Error"
    with pytest.raises(AppError, match="show_error"):
        client.predict("z", api_name="/crash")
    assert client.predict("still works", api_name="/greet") == "Hello, still works!"


def test_validation_error_and_queue_full(client: Client, server: Any) -> None:
    with pytest.raises(ValidationError, match="x: must not be bad") as caught:
        client.predict("bad", api_name="/validated")
    assert caught.value.errors[0]["parameter_name"] == "x"
    server.queue_full = True
    try:
        with pytest.raises(QueueFullError, match="queue is full"):
            client.predict("a", api_name="/greet")
        job = client.submit("a", api_name="/greet")  # submit reports it from result()
        with pytest.raises(QueueFullError):
            job.result(timeout=10)
    finally:
        server.queue_full = False


def test_all_errors_are_client_errors() -> None:
    for error in (AppError, ArgumentError, AuthenticationError, EndpointNotFoundError, QueueFullError,
                  ServerConnectionError, ValidationError):
        assert issubclass(error, ClientError)


def test_unreachable_server_raises_connection_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(ServerConnectionError, match="Could not reach"):
        Client(f"http://127.0.0.1:{port}/")
    with pytest.raises(ServerConnectionError):
        Client(f"127.0.0.1:{port}")  # a bare host:port is taken as http


def test_authentication() -> None:
    app = stub.StubServer(stub.demo_fns(), auth=("ann", "secret"))
    with stub.serve(app) as url:
        with pytest.raises(AuthenticationError, match="auth="):
            Client(url)
        with pytest.raises(AuthenticationError, match="refused"):
            Client(url, auth=("ann", "wrong"))
        with Client(url, auth=("ann", "secret")) as client:
            assert client.predict("A", api_name="/greet") == "Hello, A!"
            assert list(client.submit(2, api_name="/count")) == ["0", "01"]
        with Client(url, auth=("ann", "secret"), httpx_kwargs={"trust_env": False}) as client:
            assert client._transport.fast is None  # the login cookie rides along on the httpx path too
            assert client.predict("B", api_name="/greet") == "Hello, B!"


def test_api_prefix_missing_means_root_paths() -> None:
    app = stub.StubServer(stub.demo_fns(), api_prefix="")
    with stub.serve(app) as url, Client(url) as client:
        assert client.predict("A", api_name="/greet") == "Hello, A!"


def test_view_api(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    client.view_api()
    printed = capsys.readouterr().out
    assert 'predict(name, intensity, api_name="/greet") -> output_' in printed
    assert "[Number] intensity: float (not required, defaults to: 1)" in printed
    assert "/private" not in printed and "/hidden" not in printed
    text = client.view_api(print_info=False, return_format="str")
    assert text == printed.rstrip("\n") + "\n"
    info = client.view_api(print_info=False, return_format="dict")
    assert isinstance(info, dict)
    assert "code_snippets" not in info["named_endpoints"]["/greet"]
    assert "/greet" in repr(client)


def test_many_sequential_calls_reconnect_the_stream(client: Client, server: Any) -> None:
    before = server.streams_opened
    results = [client.predict(str(i), api_name="/greet") for i in range(50)]
    assert results == [f"Hello, {i}!" for i in range(50)]
    assert server.streams_opened - before >= 2  # close_stream after each idle moment, then a new stream


def test_concurrent_calls_share_one_client(client: Client) -> None:
    results: dict[int, Any] = {}

    def call(i: int) -> None:
        results[i] = client.predict(str(i), api_name="/greet")

    threads = [threading.Thread(target=call, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {i: f"Hello, {i}!" for i in range(64)}
    jobs = [client.submit(i, 1, api_name="/multi") for i in range(100)]
    assert [j.result(timeout=30) for j in jobs] == [(i + 1, i) for i in range(100)]


def test_closed_client_refuses_calls(server: Any) -> None:
    client = Client(server.url)
    client.close()
    client.close()  # idempotent
    with pytest.raises(ClientError, match="closed"):
        client.predict("a", api_name="/greet")


def test_the_httpx_path_works_like_the_fast_path(server: Any) -> None:
    """httpx_kwargs (or cookies, or https) route joins and streams through httpx instead of http.client."""
    with Client(server.url, download_files=False, httpx_kwargs={"trust_env": False}) as client:
        assert client._transport.fast is None
        assert client.predict("A", api_name="/greet") == "Hello, A!"
        assert list(client.submit(3, api_name="/count")) == ["0", "01", "012"]
        with pytest.raises(AppError):
            client.predict("z", api_name="/fail")


def test_keep_alive_connections_closed_by_the_server_are_replaced() -> None:
    app = stub.StubServer(stub.demo_fns())
    with stub.serve(app, keep_alive=0.2) as url, Client(url) as client:
        assert client._transport.fast is not None
        assert client.predict("A", api_name="/greet") == "Hello, A!"
        time.sleep(0.6)  # the server has closed the idle connections by now
        assert client.predict("B", api_name="/greet") == "Hello, B!"
