"""Podium's shared stream over real HTTP: `queue/join` with a `stream_id`, `GET queue/stream` carrying the
messages of every session bound to it (tagged with `session_hash`), buffering before the stream connects,
the grace period after it drops, `queue/leave`, and validation of `stream_id`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest

import podium as gr
from podium.blocks import Blocks

FN = {"greet": 0, "spell": 1, "pause": 2}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Unloads:
    """The session hashes the app's unload handler saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def add(self, session_hash: str) -> None:
        with self.lock:
            self.seen.append(session_hash)

    def wait_for(self, session_hash: str, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if session_hash in self.seen:
                    return True
            time.sleep(0.02)
        return False

    def count(self, session_hash: str) -> int:
        with self.lock:
            return self.seen.count(session_hash)


UNLOADS = Unloads()


def build_app() -> Blocks:
    with gr.Blocks() as demo:
        text = gr.Textbox(label="Text")
        out = gr.Textbox(label="Out")

        def greet(name: str) -> str:
            return f"Hello {name}!"

        def spell(x: str) -> Iterator[str]:
            for i in range(3):
                yield x + "".join(str(j) for j in range(i + 1))

        def pause(x: str) -> str:
            time.sleep(0.3)
            return x

        def bye(request: gr.Request) -> None:
            UNLOADS.add(request.session_hash or "")

        text.submit(greet, text, out, api_name="greet", concurrency_limit=None)
        text.submit(spell, text, out, api_name="spell")
        text.submit(pause, text, out, api_name="pause")
        demo.unload(bye)
    return demo


@pytest.fixture(scope="module")
def app() -> Iterator[tuple[Blocks, str]]:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, heartbeat_interval=0.3)
    try:
        yield demo, f"http://127.0.0.1:{port}"
    finally:
        demo.close(verbose=False)


@pytest.fixture
def lifecycle(app: tuple[Blocks, str]) -> Iterator[Any]:
    """The engine's session tables; the stream grace period is restored after each test."""
    lifecycle = app[0].app.state.podium.engine._lifecycle  # type: ignore[attr-defined]
    grace = lifecycle.stream_grace_period
    yield lifecycle
    lifecycle.stream_grace_period = grace


@pytest.fixture
def http(app: tuple[Blocks, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app[1], timeout=10) as client:
        yield client


def new_id(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}"


def join(http: httpx.Client, fn: str, data: list[Any], session_hash: str, stream_id: str | None) -> str:
    body: dict[str, Any] = {"data": data, "fn_index": FN[fn], "session_hash": session_hash}
    if stream_id is not None:
        body["stream_id"] = stream_id
    response = http.post("/gradio_api/queue/join", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["event_id"])


def parse_frames(raw: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """Complete frames in `raw` (each exactly `data: <compact json>`), and the unfinished rest."""
    *chunks, rest = raw.split(b"\n\n")
    messages = []
    for chunk in chunks:
        assert chunk.startswith(b"data: "), chunk
        payload = chunk[len(b"data: "):]
        message = json.loads(payload)
        assert payload == orjson.dumps(message), "frames carry compact JSON"
        messages.append(message)
    return messages, rest


def read_until(http: httpx.Client, stream_id: str, done: Callable[[list[dict[str, Any]]], bool],
               timeout: float = 10.0) -> list[dict[str, Any]]:
    """Open the shared stream, collect messages until `done(messages)`, then disconnect."""
    received: list[dict[str, Any]] = []
    rest = b""
    deadline = time.monotonic() + timeout
    with http.stream("GET", "/gradio_api/queue/stream", params={"stream_id": stream_id}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for chunk in response.iter_raw():
            messages, rest = parse_frames(rest + chunk)
            received += messages
            if done(received) or time.monotonic() > deadline:
                break
    return received


def completed(sessions: set[str]) -> Callable[[list[dict[str, Any]]], bool]:
    def check(messages: list[dict[str, Any]]) -> bool:
        return {m.get("session_hash") for m in messages if m["msg"] == "process_completed"} >= sessions

    return check


# --- the stream -------------------------------------------------------------------------------------------


def test_two_sessions_on_one_stream_get_their_messages_tagged(http: httpx.Client) -> None:
    stream, a, b = new_id("stream"), new_id("a"), new_id("b")
    event_a = join(http, "greet", ["Ann"], a, stream)
    event_b = join(http, "spell", ["x"], b, stream)
    messages = read_until(http, stream, completed({a, b}))
    events = [m for m in messages if m["msg"] != "heartbeat"]
    assert all(m["session_hash"] == a for m in events if m["event_id"] == event_a)
    assert all(m["session_hash"] == b for m in events if m["event_id"] == event_b)
    assert [m["msg"] for m in events if m["event_id"] == event_a] == ["estimation", "process_starts",
                                                                         "process_completed"]
    done_a = next(m for m in events if m["event_id"] == event_a and m["msg"] == "process_completed")
    assert done_a["output"]["data"] == ["Hello Ann!"]
    generating = [m for m in events if m["event_id"] == event_b and m["msg"] == "process_generating"]
    assert len(generating) == 3
    assert not any(m["msg"] == "close_stream" for m in messages)


def test_messages_wait_for_the_stream_to_connect(http: httpx.Client, app: tuple[Blocks, str]) -> None:
    stream, s = new_id("stream"), new_id("s")
    event_id = join(http, "greet", ["early"], s, stream)
    engine = app[0].app.state.podium.engine  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while engine.stats()["events"] and time.monotonic() < deadline:
        time.sleep(0.02)  # the event is done before anyone reads the stream
    messages = read_until(http, stream, completed({s}))
    done = [m for m in messages if m["msg"] == "process_completed"]
    assert done[0]["event_id"] == event_id and done[0]["output"]["data"] == ["Hello early!"]


def test_the_stream_sends_heartbeats_and_never_closes(http: httpx.Client) -> None:
    stream, s = new_id("stream"), new_id("s")
    join(http, "greet", ["x"], s, stream)
    messages = read_until(http, stream, lambda ms: sum(m["msg"] == "heartbeat" for m in ms) >= 2)
    assert {"msg": "heartbeat", "event_id": None} in messages
    assert not any(m["msg"] == "close_stream" for m in messages)


def test_a_stream_bound_session_fills_no_buffer_of_its_own(http: httpx.Client, lifecycle: Any) -> None:
    stream, s = new_id("stream"), new_id("s")
    join(http, "spell", ["x"], s, stream)
    read_until(http, stream, completed({s}))
    session = lifecycle.sessions[s]
    assert session.stream is lifecycle.streams[stream]
    assert not session.buffer.messages  # no close_stream or anything else waits there


def test_a_session_moves_to_the_stream_of_its_latest_join(http: httpx.Client, lifecycle: Any) -> None:
    first, second, s = new_id("first"), new_id("second"), new_id("s")
    join(http, "greet", ["one"], s, first)
    event_id = join(http, "greet", ["two"], s, second)
    # The first event may finish after the move and arrive here first: wait for the second one's end.
    messages = read_until(
        http, second, lambda got: any(m["event_id"] == event_id and m["msg"] == "process_completed" for m in got)
    )
    assert any(m["event_id"] == event_id and m["msg"] == "process_completed" for m in messages)
    assert s not in lifecycle.streams[first].sessions
    assert s in lifecycle.streams[second].sessions


def test_a_hundred_sessions_share_one_stream(http: httpx.Client, lifecycle: Any) -> None:
    stream = new_id("stream")
    sessions = {f"{new_id('s')}-{i}": f"user{i}" for i in range(100)}
    events = {join(http, "greet", [name], s, stream): s for s, name in sessions.items()}
    messages = read_until(http, stream, completed(set(sessions)), timeout=30)
    done = [m for m in messages if m["msg"] == "process_completed"]
    assert len(done) == 100
    for message in done:
        s = events[message["event_id"]]
        assert message["session_hash"] == s
        assert message["output"]["data"] == [f"Hello {sessions[s]}!"]
    assert all(not lifecycle.sessions[s].buffer.messages for s in sessions)


# --- disconnects -------------------------------------------------------------------------------------------


def test_a_reconnect_within_the_grace_period_keeps_the_sessions(http: httpx.Client, lifecycle: Any) -> None:
    lifecycle.stream_grace_period = 2.0
    stream, s = new_id("stream"), new_id("s")
    join(http, "greet", ["x"], s, stream)
    read_until(http, stream, completed({s}))
    time.sleep(0.2)
    event_id = join(http, "pause", ["again"], s, stream)  # finishes while nobody reads: it is buffered
    time.sleep(0.5)
    messages = read_until(http, stream, completed({s}))
    assert any(m["event_id"] == event_id and m["msg"] == "process_completed" for m in messages)
    time.sleep(0.5)
    assert UNLOADS.count(s) == 0
    assert stream in lifecycle.streams


def test_a_stream_gone_past_the_grace_period_disconnects_its_sessions(http: httpx.Client,
                                                                        lifecycle: Any) -> None:
    lifecycle.stream_grace_period = 0.3
    stream, a, b = new_id("stream"), new_id("a"), new_id("b")
    join(http, "greet", ["x"], a, stream)
    join(http, "greet", ["y"], b, stream)
    read_until(http, stream, completed({a, b}))
    assert UNLOADS.wait_for(a) and UNLOADS.wait_for(b)
    assert UNLOADS.count(a) == 1
    assert stream not in lifecycle.streams


def test_leave_runs_the_unload_handlers_once(http: httpx.Client, lifecycle: Any) -> None:
    lifecycle.stream_grace_period = 0.3
    stream, s = new_id("stream"), new_id("s")
    join(http, "greet", ["x"], s, stream)
    read_until(http, stream, completed({s}))
    # navigator.sendBeacon(url, string) sends text/plain
    response = http.post("/gradio_api/queue/leave", content=json.dumps({"session_hash": s}),
                         headers={"content-type": "text/plain;charset=UTF-8"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert UNLOADS.wait_for(s)
    deadline = time.monotonic() + 2
    while stream in lifecycle.streams and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stream not in lifecycle.streams  # the stream was abandoned too, without a second unload
    time.sleep(0.1)
    assert UNLOADS.count(s) == 1


def test_leave_without_a_session_hash_is_400(http: httpx.Client) -> None:
    assert http.post("/gradio_api/queue/leave", json={}).status_code == 400
    assert http.post("/gradio_api/queue/leave", content=b"not json").status_code == 400


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream_id", ["short", "x" * 65, "has space!", "../../etc", 12345678, ""])
def test_a_bad_stream_id_is_400(http: httpx.Client, stream_id: Any) -> None:
    body = {"data": ["x"], "fn_index": FN["greet"], "session_hash": new_id("s"), "stream_id": stream_id}
    response = http.post("/gradio_api/queue/join", json=body)
    assert response.status_code == 400
    assert "stream_id" in response.json()["detail"]
    if isinstance(stream_id, str):
        response = http.get("/gradio_api/queue/stream", params={"stream_id": stream_id})
        assert response.status_code == 400


def test_the_stream_needs_a_stream_id(http: httpx.Client) -> None:
    assert http.get("/gradio_api/queue/stream").status_code == 400


def test_a_null_stream_id_is_gradios_plain_join(http: httpx.Client) -> None:
    s = new_id("s")
    join(http, "greet", ["x"], s, None)
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": s}) as response:
        raw = b"".join(response.iter_raw())
    messages, _ = parse_frames(raw)
    assert messages[-1] == {"msg": "close_stream", "event_id": None}
    assert all("session_hash" not in m for m in messages)


def test_a_new_reader_takes_the_stream_over(http: httpx.Client, app: tuple[Blocks, str]) -> None:
    stream, s = new_id("stream"), new_id("s")
    with httpx.Client(base_url=app[1], timeout=10) as first_client:
        with first_client.stream("GET", "/gradio_api/queue/stream", params={"stream_id": stream}) as first:
            assert first.status_code == 200
            event_id = join(http, "greet", ["second"], s, stream)
            time.sleep(0.2)  # the first reader may already have this event's messages
            messages = read_until(http, stream, lambda ms: any(m["msg"] == "heartbeat" for m in ms))
            rest = b"".join(first.iter_raw())  # the old reader ends once the new one has connected
    old, _ = parse_frames(rest)
    seen = [m for m in old + messages if m.get("event_id") == event_id]
    assert [m["msg"] for m in seen] == ["estimation", "process_starts", "process_completed"]  # each once


def test_the_stream_and_leave_need_a_login_like_queue_data() -> None:
    demo = build_app()
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True, auth=("ann", "pw"))
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/gradio_api/queue/data", params={"session_hash": "abc"}).status_code == 401
        assert httpx.get(base + "/gradio_api/queue/stream", params={"stream_id": "abcdefgh"}).status_code == 401
        assert httpx.post(base + "/gradio_api/queue/leave", json={"session_hash": "abc"}).status_code == 401
        body = {"data": ["x"], "fn_index": 0, "session_hash": "abc", "stream_id": "abcdefgh"}
        assert httpx.post(base + "/gradio_api/queue/join", json=body).status_code == 401
    finally:
        demo.close(verbose=False)
