"""The queue protocol over real HTTP: join -> data stream (exact SSE bytes), State, generator diffs,
cancel/reset, heartbeat, queue status and full queue, the /call pair and the direct /run routes, and every
malformed request the server must answer with a clear 4xx.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

import podium as gr
from podium.blocks import Blocks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_app() -> Blocks:
    with gr.Blocks() as demo:
        text = gr.Textbox(label="Text")
        out = gr.Textbox(label="Out")
        count = gr.State(0)

        def greet(name: str) -> str:
            return f"Hello {name}!"

        def counter(x: str, c: int) -> tuple[str, int]:
            return f"{x}:{c + 1}", c + 1

        def spell(x: str) -> Iterator[str]:
            for i in range(3):
                yield x + "".join(str(j) for j in range(i + 1))

        def fail(x: str) -> str:
            raise gr.Error(f"custom failure: {x}")

        def crash(x: str) -> str:
            raise ValueError("internal detail")

        def slow(x: str) -> Iterator[str]:
            for i in range(200):
                time.sleep(0.02)
                yield str(i)

        text.submit(greet, text, out, api_name="greet")
        text.submit(counter, [text, count], [out, count], api_name="counter")
        text.submit(spell, text, out, api_name="spell")
        text.submit(fail, text, out, api_name="fail")
        text.submit(crash, text, out, api_name="crash")
        text.submit(slow, text, out, api_name="slow")
        def pause(x: str) -> str:
            time.sleep(0.3)
            return x

        text.submit(greet, text, out, api_name="private_greet", api_visibility="private")
        text.submit(pause, text, out, api_name="pause")
    return demo


FN = {"greet": 0, "counter": 1, "spell": 2, "fail": 3, "crash": 4, "slow": 5, "private_greet": 6, "pause": 7}


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
def base_url(app: tuple[Blocks, str]) -> str:
    return app[1]


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


def session() -> str:
    return f"s-{time.monotonic_ns()}"


def join(http: httpx.Client, fn: str, data: list[Any], session_hash: str, **extra: Any) -> str:
    response = http.post("/gradio_api/queue/join", json={"data": data, "fn_index": FN[fn],
                                                         "session_hash": session_hash, **extra})
    assert response.status_code == 200, response.text
    return str(response.json()["event_id"])


def read_stream(http: httpx.Client, session_hash: str) -> tuple[bytes, httpx.Headers]:
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as response:
        assert response.status_code == 200
        return b"".join(response.iter_raw()), response.headers


def frames(raw: bytes) -> list[dict[str, Any]]:
    """Split a queue/data body exactly as gradio_client does, checking every frame's shape."""
    messages = []
    for chunk in raw.split(b"\n\n"):
        if not chunk:
            continue
        assert chunk.startswith(b"data: "), chunk
        payload = chunk[len(b"data: "):]
        assert b"\n" not in payload and b"\r" not in payload
        message = json.loads(payload)
        assert payload == orjson.dumps(message), "frames carry compact JSON"
        messages.append(message)
    return messages


def of_event(messages: list[dict[str, Any]], event_id: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("event_id") == event_id]


# --- join -> data ------------------------------------------------------------------------------------


def test_join_returns_a_hex_event_id(http: httpx.Client) -> None:
    event_id = join(http, "greet", ["Bob"], session())
    assert len(event_id) == 32 and int(event_id, 16) >= 0


def test_data_stream_framing_is_exact(http: httpx.Client) -> None:
    s = session()
    event_id = join(http, "greet", ["Bob"], s)
    raw, headers = read_stream(http, s)
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert b"\r" not in raw
    assert raw.endswith(b'data: {"msg":"close_stream","event_id":null}\n\n')
    assert not any(line.startswith((b":", b"event:", b"id:")) for line in raw.split(b"\n"))
    messages = frames(raw)
    kinds = [m["msg"] for m in of_event(messages, event_id)]
    assert kinds[-1] == "process_completed"
    assert "process_starts" in kinds
    completed = of_event(messages, event_id)[-1]
    assert completed["success"] is True
    assert completed["output"]["data"] == ["Hello Bob!"]


def test_messages_are_buffered_until_the_stream_opens(http: httpx.Client) -> None:
    s = session()
    event_id = join(http, "greet", ["late"], s)
    time.sleep(0.3)  # the event finishes before anyone reads
    messages = frames(read_stream(http, s)[0])
    assert of_event(messages, event_id)[-1]["output"]["data"] == ["Hello late!"]


def test_two_events_share_one_stream_and_close_after_both(http: httpx.Client) -> None:
    s = session()
    first = join(http, "pause", ["a"], s)
    second = join(http, "spell", ["b"], s)
    messages = frames(read_stream(http, s)[0])
    assert messages[-1] == {"msg": "close_stream", "event_id": None}
    assert [m["msg"] for m in messages].count("close_stream") == 1
    assert of_event(messages, first)[-1]["msg"] == "process_completed"
    assert of_event(messages, second)[-1]["msg"] == "process_completed"


def test_state_is_kept_per_session(http: httpx.Client) -> None:
    s = session()
    results = []
    for _ in range(2):
        event_id = join(http, "counter", ["s", None], s)
        results.append(of_event(frames(read_stream(http, s)[0]), event_id)[-1]["output"]["data"])
    assert results == [["s:1", None], ["s:2", None]]
    other = session()
    event_id = join(http, "counter", ["s", None], other)
    assert of_event(frames(read_stream(http, other)[0]), event_id)[-1]["output"]["data"] == ["s:1", None]


def test_generator_sends_full_value_then_diffs(http: httpx.Client) -> None:
    s = session()
    event_id = join(http, "spell", ["x"], s)
    messages = of_event(frames(read_stream(http, s)[0]), event_id)
    generating = [m["output"]["data"] for m in messages if m["msg"] == "process_generating"]
    assert generating[0] == ["x0"]
    for diff in generating[1:]:
        assert isinstance(diff[0], list) and all(len(edit) == 3 for edit in diff[0])
    assert messages[-1]["msg"] == "process_completed"
    assert messages[-1]["output"]["data"] == ["x012"]


def test_error_in_handler_is_a_failed_completion(http: httpx.Client) -> None:
    s = session()
    event_id = join(http, "fail", ["z"], s)
    completed = of_event(frames(read_stream(http, s)[0]), event_id)[-1]
    assert completed["msg"] == "process_completed"
    assert completed["success"] is False
    assert completed["output"]["error"] == "custom failure: z"


def test_unknown_session_stream_reports_session_not_found(http: httpx.Client) -> None:
    messages = frames(read_stream(http, "nobody-" + session())[0])
    assert len(messages) == 1
    assert messages[0]["msg"] == "unexpected_error"
    assert messages[0]["event_id"] is None
    assert messages[0]["session_not_found"] is True


def test_client_disconnect_mid_stream_leaves_the_server_healthy(http: httpx.Client, base_url: str) -> None:
    s = session()
    join(http, "slow", ["x"], s)
    with socket.create_connection(("127.0.0.1", int(base_url.rsplit(":", 1)[1])), timeout=5) as sock:
        sock.sendall(f"GET /gradio_api/queue/data?session_hash={s} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    time.sleep(0.1)
    assert http.get("/config").status_code == 200
    s2 = session()
    event_id = join(http, "greet", ["after"], s2)
    assert of_event(frames(read_stream(http, s2)[0]), event_id)[-1]["output"]["data"] == ["Hello after!"]


# --- join: bad requests ---------------------------------------------------------------------------------


def post_join(http: httpx.Client, body: Any, raw: bytes | None = None) -> httpx.Response:
    if raw is not None:
        return http.post("/gradio_api/queue/join", content=raw, headers={"content-type": "application/json"})
    return http.post("/gradio_api/queue/join", json=body)


def test_join_malformed_json_is_400(http: httpx.Client) -> None:
    response = post_join(http, None, raw=b'{"data": [')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_join_empty_body_is_400(http: httpx.Client) -> None:
    response = post_join(http, None, raw=b"")
    assert response.status_code == 400
    assert "empty" in response.json()["detail"]


def test_join_non_object_body_is_400(http: httpx.Client) -> None:
    for body in ([1, 2], "text", 3, None):
        response = post_join(http, body)
        assert response.status_code == 400, body
        assert "JSON object" in response.json()["detail"]


def test_join_without_data_is_422(http: httpx.Client) -> None:
    response = post_join(http, {"fn_index": 0, "session_hash": "a"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "data"]


def test_join_with_non_list_data_is_400(http: httpx.Client) -> None:
    response = post_join(http, {"data": "Bob", "fn_index": 0, "session_hash": "a"})
    assert response.status_code == 400
    assert "'data' must be a list" in response.json()["detail"]


def test_join_without_fn_index_is_400(http: httpx.Client) -> None:
    response = post_join(http, {"data": ["a"], "session_hash": "a"})
    assert response.status_code == 400
    assert response.json() == {"detail": "No function index provided."}


def test_join_with_wrong_typed_fn_index_is_400(http: httpx.Client) -> None:
    for value in ("0", 1.5, True, [0]):
        response = post_join(http, {"data": ["a"], "fn_index": value, "session_hash": "a"})
        assert response.status_code == 400, value
        assert "fn_index" in response.json()["detail"]


def test_join_without_session_hash_is_400(http: httpx.Client) -> None:
    response = post_join(http, {"data": ["a"], "fn_index": 0})
    assert response.status_code == 400
    assert response.json() == {"detail": "Session hash not found."}


def test_join_with_wrong_typed_session_hash_is_400(http: httpx.Client) -> None:
    for value in (5, "", "x" * 1000, {"a": 1}):
        response = post_join(http, {"data": ["a"], "fn_index": 0, "session_hash": value})
        assert response.status_code == 400, value
        assert "session_hash" in response.json()["detail"]


def test_join_with_wrong_typed_trigger_id_is_400(http: httpx.Client) -> None:
    response = post_join(http, {"data": ["a"], "fn_index": 0, "session_hash": "a", "trigger_id": "x"})
    assert response.status_code == 400


def test_join_unknown_fn_index_is_404_with_valid_names(http: httpx.Client) -> None:
    for fn_index in (99, -1):
        response = post_join(http, {"data": ["a"], "fn_index": fn_index, "session_hash": "a"})
        assert response.status_code == 404
        detail = response.json()["detail"]
        assert "/greet" in detail and "/spell" in detail
        assert "/private_greet" not in detail


def test_join_private_function_from_an_api_client_is_404(http: httpx.Client) -> None:
    body = {"data": ["a"], "fn_index": FN["private_greet"], "session_hash": "a"}
    response = http.post("/gradio_api/queue/join", json=body, headers={"x-gradio-user": "api"})
    assert response.status_code == 404


def test_join_private_function_from_the_page_works(http: httpx.Client) -> None:
    """The browser UI triggers private handlers too; only API clients are refused."""
    s = session()
    event_id = join(http, "private_greet", ["ui"], s)
    assert of_event(frames(read_stream(http, s)[0]), event_id)[-1]["output"]["data"] == ["Hello ui!"]


def test_data_without_session_hash_is_422(http: httpx.Client) -> None:
    response = http.get("/gradio_api/queue/data")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "session_hash"]


def test_data_with_a_bad_session_hash_is_400(http: httpx.Client) -> None:
    assert http.get("/gradio_api/queue/data", params={"session_hash": ""}).status_code == 400
    assert http.get("/gradio_api/queue/data", params={"session_hash": "x" * 300}).status_code == 400


# --- cancel, reset, status, heartbeat --------------------------------------------------------------------


def test_cancel_stops_a_running_generator(http: httpx.Client) -> None:
    s = session()
    event_id = join(http, "slow", ["x"], s)
    seen: list[dict[str, Any]] = []
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": s}) as response:
        buffer = b""
        cancelled = False
        for chunk in response.iter_raw():
            buffer += chunk
            *complete, buffer = buffer.split(b"\n\n")
            for frame in complete:
                seen.append(json.loads(frame[len(b"data: "):]))
            if not cancelled and any(m["msg"] == "process_generating" for m in seen):
                body = {"event_id": event_id, "session_hash": s, "fn_index": FN["slow"]}
                assert http.post("/gradio_api/cancel", json=body).json() == {"success": True}
                cancelled = True
    assert cancelled
    assert seen[-1] == {"msg": "close_stream", "event_id": None}
    assert sum(1 for m in seen if m["msg"] == "process_generating") < 150


def test_cancel_with_missing_fields_is_422(http: httpx.Client) -> None:
    for body in ({}, {"event_id": "x", "session_hash": "y"}, {"event_id": "x", "fn_index": 1}):
        response = http.post("/gradio_api/cancel", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["type"] == "missing"
    everything_missing = http.post("/gradio_api/cancel", json={}).json()["detail"]
    assert [d["loc"][1] for d in everything_missing] == ["event_id", "session_hash", "fn_index"]


def test_cancel_with_malformed_json_is_400(http: httpx.Client) -> None:
    response = http.post("/gradio_api/cancel", content=b"nope", headers={"content-type": "application/json"})
    assert response.status_code == 400


def test_cancel_of_an_unknown_event_succeeds_quietly(http: httpx.Client) -> None:
    body = {"event_id": "0" * 32, "session_hash": "nobody", "fn_index": 0}
    assert http.post("/gradio_api/cancel", json=body).json() == {"success": True}


def test_reset(http: httpx.Client) -> None:
    assert http.post("/gradio_api/reset", json={"event_id": "abc"}).json() == {"success": True}
    assert http.post("/gradio_api/reset", content=b"[", headers={"content-type": "application/json"}).status_code == 400


def test_queue_status(http: httpx.Client) -> None:
    status = http.get("/gradio_api/queue/status").json()
    assert status["msg"] == "estimation"
    assert status["event_id"] is None
    assert "queue_size" in status


def test_heartbeat_sends_alive_then_repeats(http: httpx.Client) -> None:
    with http.stream("GET", f"/gradio_api/heartbeat/{session()}") as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        received = b""
        for chunk in response.iter_raw():
            received += chunk
            if received.count(b"data: ALIVE\n\n") >= 2:
                break
    assert received.startswith(b"data: ALIVE\n\n")
    assert received == b"data: ALIVE\n\n" * (received.count(b"\n\n"))


def test_heartbeat_disconnect_tells_the_engine(app: tuple[Blocks, str], http: httpx.Client) -> None:
    demo, _ = app
    engine = demo.app.state.podium.engine  # type: ignore[attr-defined]
    disconnected: list[str] = []
    original = engine.session_disconnected
    engine.session_disconnected = lambda s: (disconnected.append(s), original(s))
    s = session()
    try:
        with http.stream("GET", f"/gradio_api/heartbeat/{s}") as response:
            next(response.iter_raw())
        deadline = time.monotonic() + 5
        while not disconnected and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        engine.session_disconnected = original
    assert disconnected == [s]


def test_queue_full_is_503() -> None:
    release = threading.Event()
    with gr.Blocks() as demo:
        box = gr.Textbox()

        def wait(x: str) -> str:
            release.wait(10)
            return x

        box.submit(wait, box, box, api_name="wait")
    demo.queue(max_size=1)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_port=port, quiet=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            codes = []
            for i in range(3):
                body = {"data": ["x"], "fn_index": 0, "session_hash": f"q{i}"}
                codes.append(http.post("/gradio_api/queue/join", json=body))
                time.sleep(0.1)
            assert [r.status_code for r in codes] == [200, 200, 503]
            assert codes[2].json() == {"detail": "Queue is full. Max size is 1 and size is 1."}
    finally:
        release.set()
        demo.close(verbose=False)


# --- /call --------------------------------------------------------------------------------------------


def call(http: httpx.Client, api_name: str, body: Any, v2: bool = False) -> bytes:
    prefix = "/gradio_api/call/v2/" if v2 else "/gradio_api/call/"
    response = http.post(prefix + api_name, json=body)
    assert response.status_code == 200, response.text
    event_id = response.json()["event_id"]
    with http.stream("GET", f"{prefix}{api_name}/{event_id}") as stream:
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        return b"".join(stream.iter_raw())


def test_call_complete(http: httpx.Client) -> None:
    assert call(http, "greet", {"data": ["Ann"]}) == b'event: complete\ndata: ["Hello Ann!"]\n\n'


def test_call_generator_streams_full_values(http: httpx.Client) -> None:
    body = call(http, "spell", {"data": ["q"]})
    assert body.endswith(b'event: complete\ndata: ["q012"]\n\n')
    assert b'event: generating\ndata: ["q0"]\n\n' in body
    assert b'event: generating\ndata: ["q01"]\n\n' in body


def test_call_error(http: httpx.Client) -> None:
    body = call(http, "fail", {"data": ["z"]})
    assert body.startswith(b"event: error\ndata: ")
    payload = json.loads(body.split(b"data: ", 1)[1])
    assert payload["error"] == "custom failure: z"


def test_call_hides_exception_text_without_show_error(http: httpx.Client) -> None:
    body = call(http, "crash", {"data": ["z"]})
    assert body.startswith(b"event: error\n")
    assert b"internal detail" not in body


def test_call_fills_in_state_inputs(http: httpx.Client) -> None:
    assert call(http, "counter", {"data": ["c"]}) == b'event: complete\ndata: ["c:1", null]\n\n'


def test_call_v2_takes_keyword_arguments(http: httpx.Client) -> None:
    assert call(http, "greet", {"name": "V2"}, v2=True) == b'event: complete\ndata: ["Hello V2!"]\n\n'


def test_call_v2_missing_argument_is_422(http: httpx.Client) -> None:
    response = http.post("/gradio_api/call/v2/greet", json={})
    assert response.status_code == 422
    assert "name" in response.json()["detail"]


def test_call_v2_unknown_argument_is_400(http: httpx.Client) -> None:
    response = http.post("/gradio_api/call/v2/greet", json={"name": "a", "nme": "b"})
    assert response.status_code == 400
    assert "nme" in response.json()["detail"]


def test_call_without_data_is_422(http: httpx.Client) -> None:
    assert http.post("/gradio_api/call/greet", json={}).status_code == 422


def test_call_unknown_api_name_is_404_with_valid_names(http: httpx.Client) -> None:
    response = http.post("/gradio_api/call/nope", json={"data": []})
    assert response.status_code == 404
    assert "/greet" in response.json()["detail"]


def test_call_private_function_is_404(http: httpx.Client) -> None:
    assert http.post("/gradio_api/call/private_greet", json={"data": ["x"]}).status_code == 404


def test_call_malformed_body_is_400(http: httpx.Client) -> None:
    response = http.post("/gradio_api/call/greet", content=b"{", headers={"content-type": "application/json"})
    assert response.status_code == 400


# --- /run and /api -------------------------------------------------------------------------------------


def test_run_returns_the_output(http: httpx.Client) -> None:
    for prefix in ("/gradio_api/run/", "/gradio_api/api/"):
        response = http.post(prefix + "greet", json={"data": ["R"]})
        assert response.status_code == 200
        assert response.json()["data"] == ["Hello R!"]
        assert response.json()["is_generating"] is False


def test_run_error_is_500_with_the_error_payload(http: httpx.Client) -> None:
    response = http.post("/gradio_api/run/fail", json={"data": ["e"]})
    assert response.status_code == 500
    assert response.json()["error"] == "custom failure: e"


def test_run_unknown_is_404(http: httpx.Client) -> None:
    assert http.post("/gradio_api/run/unknown", json={"data": []}).status_code == 404


def test_run_private_is_404(http: httpx.Client) -> None:
    assert http.post("/gradio_api/run/private_greet", json={"data": ["x"]}).status_code == 404


def test_run_bad_bodies(http: httpx.Client) -> None:
    assert http.post("/gradio_api/run/greet", json={"data": "x"}).status_code == 400
    assert http.post("/gradio_api/run/greet", json=[]).status_code == 400
    assert http.post("/gradio_api/run/greet", json={}).status_code == 422


def test_oversized_json_body_is_413(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /gradio_api/queue/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 900000000\r\nConnection: close\r\n\r\n{"
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413")
    assert b"/upload" in reply
