"""The event engine driven directly (no HTTP): generators and the streams that read an event's messages."""

from __future__ import annotations

import asyncio
from typing import Any

from engine_helpers import app, call, completed, drain, run, started  # tests/ is on sys.path (tests/conftest.py)

import podium as gr
from podium.components.base import Component
from podium.queue.diff import apply_diff
from podium.request import RequestInfo


class Anything(Component):
    """A component whose payload is the value itself (like gr.JSON)."""

    EVENTS = ("change",)



def test_generator_sends_full_values_then_diffs_then_final_values() -> None:
    def count(x: str):  # noqa: ANN202
        for i in range(3):
            yield "".join(str(j) for j in range(i + 1))

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(count))
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    msgs = run(main())
    generating = [m for m in msgs if m["msg"] == "process_generating"]
    assert [g["output"]["data"] for g in generating] == [["0"], [[["append", [], "1"]]], [[["append", [], "2"]]]]
    assert all(g["output"]["is_generating"] and g["success"] for g in generating)
    assert completed(msgs)["output"]["data"] == ["012"]
    # a client applying the edits rebuilds every value
    value = generating[0]["output"]["data"][0]
    for g in generating[1:]:
        value = apply_diff(value, g["output"]["data"][0])
    assert value == "012"


def test_generator_mutating_a_list_in_place_still_gives_correct_diffs() -> None:
    def chat(x: str):  # noqa: ANN202
        history: list[dict[str, str]] = []
        for word in ["a", "b", "c"]:
            history.append({"role": "assistant", "content": word})
            yield history

    with gr.Blocks() as demo:
        inp = Anything()
        out = Anything()
        inp.change(chat, inp, out)

    async def main() -> list[dict[str, Any]]:
        engine = await started(demo)
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    msgs = run(main())
    generating = [m["output"]["data"][0] for m in msgs if m["msg"] == "process_generating"]
    value = generating[0]
    assert value == [{"role": "assistant", "content": "a"}]
    for edits in generating[1:]:
        value = apply_diff(value, edits)
    assert value == [{"role": "assistant", "content": w} for w in "abc"]


def test_async_generator_streams() -> None:
    async def agen(x: str):  # noqa: ANN202
        for i in range(3):
            await asyncio.sleep(0)
            yield x * (i + 1)

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(agen))
        msgs = await call(engine, 0, ["ab"])
        await engine.stop()
        return msgs

    msgs = run(main())
    generating = [m["output"]["data"] for m in msgs if m["msg"] == "process_generating"]
    assert generating == [["ab"], [[["append", [], "ab"]]], [[["append", [], "ab"]]]]
    assert completed(msgs)["output"]["data"] == ["ababab"]


def test_generator_time_limit_stops_it_with_the_last_values() -> None:
    import itertools

    def endless(x: str):  # noqa: ANN202
        for i in itertools.count():
            yield str(i)

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(endless, time_limit=0.05))
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    msgs = run(main())
    done = completed(msgs)
    assert done["success"] is True
    last_full = int(done["output"]["data"][0])
    assert last_full == len([m for m in msgs if m["msg"] == "process_generating"]) - 1


def test_error_in_the_middle_of_a_generator() -> None:
    def gen(x: str):  # noqa: ANN202
        yield "a"
        raise gr.Error("broke")

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(gen))
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    msgs = run(main())
    assert [m["msg"] for m in msgs][-3:] == ["process_generating", "process_completed", "close_stream"]
    assert completed(msgs)["output"]["error"] == "broke"


def test_event_stream_for_simple_format_sends_full_values_only() -> None:
    def gen(x: str):  # noqa: ANN202
        yield "0"
        yield "01"

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(gen))
        event_id = engine.join(fn_index=0, data=["x"], session_hash=None, request=RequestInfo(), simple_format=True)
        msgs = [m async for m in engine.event_stream(event_id)]
        again = [m async for m in engine.event_stream(event_id)]
        assert again[0]["msg"] == "unexpected_error"
        await engine.stop()
        return msgs

    msgs = run(main())
    assert [m["msg"] for m in msgs] == ["process_generating", "process_generating", "process_completed"]
    assert [m["output"]["data"] for m in msgs] == [["0"], ["01"], ["01"]]


def test_unknown_session_stream_gets_session_not_found() -> None:
    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: x))
        msgs = await drain(engine, "nobody")
        await engine.stop()
        return msgs

    assert run(main()) == [{"msg": "unexpected_error", "event_id": None, "message": "404: Not Found",
                            "session_not_found": True, "success": False}]


def test_stream_opened_after_the_event_finished_gets_the_buffered_messages() -> None:
    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: x))
        engine.join(fn_index=0, data=["x"], session_hash="late", request=RequestInfo())
        for _ in range(50):
            await asyncio.sleep(0.01)
            if engine.stats()["events"] == 0:
                break
        msgs = await drain(engine, "late")
        await engine.stop()
        return msgs

    assert [m["msg"] for m in run(main())] == ["estimation", "process_starts", "process_completed", "close_stream"]


def test_heartbeats_while_idle() -> None:
    async def main() -> list[dict[str, Any]]:
        gate = asyncio.Event()

        async def slow(x: str) -> str:
            await gate.wait()
            return x

        engine = await started(app(slow), heartbeat_interval=0.01)
        engine.join(fn_index=0, data=["x"], session_hash="s", request=RequestInfo())
        msgs = []
        async for m in engine.stream("s"):
            msgs.append(m)
            if m["msg"] == "heartbeat":
                gate.set()
        await engine.stop()
        return msgs

    msgs = run(main())
    assert {"msg": "heartbeat", "event_id": None} in msgs
    assert msgs[-1]["msg"] == "close_stream"


def test_stop_tells_open_streams_the_server_stopped() -> None:
    async def main() -> list[dict[str, Any]]:
        gate = asyncio.Event()

        async def slow(x: str) -> str:
            await gate.wait()
            return x

        engine = await started(app(slow))
        engine.join(fn_index=0, data=["x"], session_hash="s", request=RequestInfo())
        reader = asyncio.ensure_future(drain(engine, "s"))
        await asyncio.sleep(0)
        await engine.stop()
        return await reader

    msgs = run(main())
    assert msgs[-1]["msg"] == "unexpected_error" and msgs[-1]["message"] == "Server stopped unexpectedly."
    assert msgs[-1]["event_id"] is None
