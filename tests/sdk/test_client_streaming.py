"""`podium.client.Job`: generator outputs and diffs, status, cancel, and the shared event stream.

Runs against the protocol stub in test_client_stub_server.py (a fake, because the real Podium server is
being written in parallel; the stub itself is checked against the real gradio_client there).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podium.client import AppError, CancelledError, Client, ClientError, Status


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
    app = stub.StubServer(stub.demo_fns(), stream_heartbeat=0.05)  # heartbeats between most messages
    with stub.serve(app) as url:
        app.url = url
        yield app


@pytest.fixture
def client(server: Any) -> Iterator[Client]:
    with Client(server.url, download_files=False) as c:
        yield c


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_iterating_a_generator_yields_each_output(client: Client) -> None:
    job = client.submit(4, api_name="/count")
    assert list(job) == ["0", "01", "012", "0123"]  # rebuilt from append diffs
    assert job.result() == "0123"
    assert job.outputs() == ["0", "01", "012", "0123"]
    assert job.done()
    assert job.status().code == Status.FINISHED and job.status().success


def test_add_delete_and_replace_diffs(client: Client) -> None:
    job = client.submit("hi", api_name="/chat")
    assert job.result(timeout=10) == "not a list any more"
    assert job.outputs() == stub.expected_chat_outputs("hi")


def test_outputs_handed_out_are_not_changed_by_later_diffs(client: Client) -> None:
    job = client.submit("hi", api_name="/chat")
    first = next(job)
    job.result(timeout=10)
    assert first == [{"role": "user", "content": "hi"}]


def test_plain_function_has_one_output(client: Client) -> None:
    job = client.submit("A", api_name="/greet")
    assert list(job) == ["Hello, A!"]
    assert job.outputs() == ["Hello, A!"]


def test_iteration_raises_the_app_error_at_the_end(client: Client) -> None:
    job = client.submit("z", api_name="/fail")
    with pytest.raises(AppError, match="custom failure"):
        list(job)
    assert job.status().code == Status.FINISHED and job.status().success is False


def test_status_moves_through_the_queue(client: Client) -> None:
    job = client.submit("x", api_name="/slow")
    assert job.status().code in {Status.STARTING, Status.JOINING_QUEUE, Status.IN_QUEUE, Status.PROCESSING}
    wait_until(lambda: job.status().code == Status.PROCESSING)
    assert not job.done()
    with pytest.raises(TimeoutError):
        job.result(timeout=0.05)
    assert job.cancel()


def test_cancel_a_running_job(client: Client, server: Any) -> None:
    job = client.submit("x", api_name="/slow")
    wait_until(lambda: job.status().code == Status.PROCESSING)
    assert job.cancel() is True
    assert job.cancel() is False  # already done
    assert job.done() and job.status().code == Status.CANCELLED
    with pytest.raises(CancelledError):
        job.result()
    assert list(job) == []
    cancel = [b for m, p, b in server.requests if p == "/cancel"][-1]
    assert cancel == {"fn_index": 6, "session_hash": client.session_hash, "event_id": job.event_id}
    assert ("POST", "/reset", {"event_id": job.event_id}) in server.requests
    assert client.predict("after", api_name="/greet") == "Hello, after!"  # the stream recovers


def test_cancel_a_generator_keeps_its_first_outputs(client: Client) -> None:
    job = client.submit("ab", api_name="/slow_gen")
    assert next(job) == "ab"
    job.cancel()
    assert job.outputs() == ["ab"]
    assert client.predict("B", api_name="/greet") == "Hello, B!"


def test_cancel_right_after_submit(client: Client) -> None:
    job = client.submit("x", api_name="/slow")
    job.cancel()  # most likely before the join answered; the cancel is then sent once it does
    with pytest.raises(CancelledError):
        job.result(timeout=5)
    assert client.predict("C", api_name="/greet") == "Hello, C!"


def test_jobs_of_one_session_share_one_stream(client: Client, server: Any) -> None:
    slow = client.submit("x", api_name="/slow")
    wait_until(lambda: slow.status().code == Status.PROCESSING)
    opened = server.streams_opened
    for i in range(20):
        assert client.predict(str(i), api_name="/greet") == f"Hello, {i}!"
    assert server.streams_opened == opened  # the slow job keeps the one stream open
    slow.cancel()


def test_parallel_generators_are_routed_by_event_id(client: Client) -> None:
    jobs = [client.submit(n, api_name="/count") for n in range(1, 30)]
    for n, job in enumerate(jobs, start=1):
        assert job.result(timeout=20) == "".join(str(i) for i in range(n))
        assert len(job.outputs()) == n


def test_closing_the_client_fails_pending_jobs(server: Any) -> None:
    client = Client(server.url)
    job = client.submit("x", api_name="/slow")
    wait_until(lambda: job.status().code == Status.PROCESSING)
    client.close()
    with pytest.raises(ClientError, match="closed"):
        job.result(timeout=5)


def test_heartbeat_stream_opens_when_the_config_asks() -> None:
    app = stub.StubServer(stub.demo_fns(), connect_heartbeat=True)
    with stub.serve(app) as url, Client(url) as client:
        wait_until(lambda: client.session_hash in app.heartbeats)
        client.reset_session()
        wait_until(lambda: client.session_hash in app.heartbeats)
        assert client.predict("s", api_name="/counter") == "s:1"


def test_many_threads_iterate_their_own_jobs(client: Client) -> None:
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            assert list(client.submit(n, api_name="/count")) == ["".join(map(str, range(i + 1))) for i in range(n)]
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n % 6 + 1,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == []


def test_result_callbacks_get_the_outputs(client: Client) -> None:
    got: list[Any] = []
    done = threading.Event()

    def record(*outputs: Any) -> None:
        got.append(outputs)
        done.set()

    client.submit(3, 4, api_name="/multi", result_callbacks=[record])
    assert done.wait(10)
    assert got == [(7, 12)]
    done.clear()
    client.submit("A", api_name="/greet", result_callbacks=record)
    assert done.wait(10)
    assert got[-1] == ("Hello, A!",)


def test_a_server_going_away_fails_pending_jobs_with_a_connection_error() -> None:
    from podium.client import ServerConnectionError

    running = stub.serve(stub.StubServer(stub.demo_fns()))
    url = running.__enter__()
    with Client(url) as client:
        job = client.submit("x", api_name="/slow")
        wait_until(lambda: job.status().code == Status.PROCESSING)
        running.__exit__(None, None, None)
        with pytest.raises(ServerConnectionError, match="Lost the connection"):
            job.result(timeout=10)
        with pytest.raises(ServerConnectionError, match="Could not reach"):
            client.predict("a", api_name="/greet")
