"""`podium.server.sse`: frame encoding and the streaming response, driven through plain ASGI calls, plus
the page's script-safe JSON. (The same behaviour over real sockets is in test_server_queue.py.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from podium.server.page import script_json
from podium.server.sse import EventStreamResponse, data_frame, named_frame


def test_data_frame_is_compact_json_with_lf_separator() -> None:
    assert data_frame({"msg": "close_stream", "event_id": None}) == b'data: {"msg":"close_stream","event_id":null}\n\n'


def test_data_frame_keeps_newlines_inside_strings_escaped() -> None:
    frame = data_frame({"log": "a\nb\r\n"})
    assert frame.count(b"\n") == 2 and frame.endswith(b"\n\n")
    assert b"\r" not in frame


def test_data_frame_handles_non_json_types() -> None:
    frame = data_frame({"s": {1}, "t": (1, 2), "o": object})
    assert json.loads(frame[6:])["t"] == [1, 2]


def test_named_frame_uses_json_dumps_spacing() -> None:
    assert named_frame("complete", ["a", 1]) == b'event: complete\ndata: ["a", 1]\n\n'
    assert named_frame("heartbeat", None) == b"event: heartbeat\ndata: null\n\n"


def test_script_json_cannot_close_the_script() -> None:
    text = script_json({"label": "</script><script>alert(1)</script>", "c": "<!--", "amp": "&"})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text)["label"] == "</script><script>alert(1)</script>"


class FakeConnection:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.disconnect = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        await self.disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_stream_sends_frames_then_ends() -> None:
    async def frames() -> AsyncIterator[bytes]:
        yield b"data: 1\n\n"
        yield b"data: 2\n\n"

    async def main() -> FakeConnection:
        conn = FakeConnection()
        await EventStreamResponse(frames())({"type": "http"}, conn.receive, conn.send)
        return conn

    conn = run(main())
    start = conn.sent[0]
    assert start["status"] == 200
    assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
    assert conn.body == b"data: 1\n\ndata: 2\n\n"
    assert conn.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def test_disconnect_closes_a_waiting_iterator_and_calls_on_close_once() -> None:
    closed: list[str] = []
    finalized = asyncio.Event()

    async def main() -> FakeConnection:
        async def frames() -> AsyncIterator[bytes]:
            try:
                yield b"data: first\n\n"
                await asyncio.sleep(3600)  # waiting for a message that never comes
                yield b"data: never\n\n"
            finally:
                finalized.set()

        conn = FakeConnection()
        response = EventStreamResponse(frames(), on_close=lambda: closed.append("x"))
        task = asyncio.ensure_future(response({"type": "http"}, conn.receive, conn.send))
        await asyncio.sleep(0.05)
        conn.disconnect.set()
        await asyncio.wait_for(task, 2)
        return conn

    conn = run(main())
    assert finalized.is_set()
    assert closed == ["x"]
    assert conn.body == b"data: first\n\n"
    assert not any(m.get("more_body") is False for m in conn.sent)  # nothing more is sent to a gone client


def test_stop_event_ends_the_stream_cleanly() -> None:
    async def main() -> FakeConnection:
        async def frames() -> AsyncIterator[bytes]:
            while True:
                await asyncio.sleep(3600)
                yield b""

        stop = asyncio.Event()
        conn = FakeConnection()
        task = asyncio.ensure_future(EventStreamResponse(frames(), stop=stop)({"type": "http"}, conn.receive, conn.send))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 2)
        return conn

    conn = run(main())
    assert conn.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def test_a_failing_iterator_is_logged_and_the_stream_ends() -> None:
    async def main() -> FakeConnection:
        async def frames() -> AsyncIterator[bytes]:
            yield b"data: ok\n\n"
            raise RuntimeError("boom")

        conn = FakeConnection()
        await EventStreamResponse(frames())({"type": "http"}, conn.receive, conn.send)
        return conn

    conn = run(main())
    assert conn.body == b"data: ok\n\n"
    assert b"boom" not in conn.body
