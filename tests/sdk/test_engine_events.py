"""The event engine driven directly (no HTTP): what each kind of handler produces on the session stream."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

import podium as gr
from podium.components.base import Component
from podium.queue.diff import apply_diff
from podium.queue.engine import EventEngine
from podium.queue.errors import EventFailed, InvalidRequest, UnknownFunction
from podium.request import Request, RequestInfo


class Anything(Component):
    """A component whose payload is the value itself (like gr.JSON)."""

    EVENTS = ("change",)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


async def started(blocks: gr.Blocks, **options: Any) -> EventEngine:
    options.setdefault("close_stream_delay", 0.0)  # tests read many streams to their end
    engine = EventEngine(blocks, files=options.pop("files", None), **options)
    await engine.start()
    return engine


async def drain(engine: EventEngine, session_hash: str) -> list[dict[str, Any]]:
    return [m async for m in engine.stream(session_hash)]


async def call(engine: EventEngine, fn_index: int, data: list[Any], session_hash: str = "s", **kw: Any) -> list[dict[str, Any]]:
    """Join one event and read the session's stream to its close_stream."""
    engine.join(fn_index=fn_index, data=data, session_hash=session_hash, request=kw.pop("request", RequestInfo()), **kw)
    return await drain(engine, session_hash)


def completed(msgs: list[dict[str, Any]]) -> dict[str, Any]:
    done = [m for m in msgs if m["msg"] == "process_completed"]
    assert len(done) == 1, msgs
    return done[0]


def app(fn: Callable[..., Any], n_in: int = 1, n_out: int = 1, **options: Any) -> gr.Blocks:
    with gr.Blocks() as demo:
        ins = [gr.Textbox() for _ in range(n_in)]
        outs = [gr.Textbox() for _ in range(n_out)]
        btn = gr.Textbox()
        btn.submit(fn, ins, outs, **options)
    return demo


def test_plain_function_message_order_and_output() -> None:
    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: f"Hello {x}!"))
        msgs = await call(engine, 0, ["Bob"])
        await engine.stop()
        return msgs

    msgs = run(main())
    assert [m["msg"] for m in msgs] == ["estimation", "process_starts", "process_completed", "close_stream"]
    done = msgs[2]
    assert done["success"] is True
    assert done["output"]["data"] == ["Hello Bob!"]
    assert done["output"]["is_generating"] is False
    assert {"duration", "average_duration", "render_config", "changed_state_ids", "used_cache"} <= set(done["output"])
    assert msgs[-1] == {"msg": "close_stream", "event_id": None}
    assert msgs[0]["rank"] == 0 and msgs[0]["queue_size"] >= 1


def test_async_function_runs_on_the_loop() -> None:
    import threading

    seen: list[int] = []

    async def handler(x: str) -> str:
        seen.append(threading.get_ident())
        await asyncio.sleep(0)
        return x.upper()

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(handler))
        msgs = await call(engine, 0, ["abc"])
        await engine.stop()
        return msgs

    assert completed(run(main()))["output"]["data"] == ["ABC"]
    assert seen == [threading.main_thread().ident]


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


def test_gr_error_is_shown_even_without_show_error() -> None:
    def fail(x: str) -> str:
        raise gr.Error(f"custom failure: {x}")

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(fail))
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    done = completed(run(main()))
    assert done["success"] is False
    assert done["title"] == "Error"
    assert done["output"] == {"error": "custom failure: x", "duration": 10, "visible": True, "title": "Error"}


@pytest.mark.parametrize("show_error", [False, True])
def test_other_exceptions_hide_their_text_unless_show_error(show_error: bool, caplog: pytest.LogCaptureFixture) -> None:
    def fail(x: str) -> str:
        raise ValueError("secret detail")

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(fail), show_error=show_error)
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    done = completed(run(main()))
    assert done["success"] is False
    expected = {"error": "secret detail", "visible": True} if show_error else {"error": None}
    assert done["output"] == expected
    assert set(done["output"]) <= {"error", "duration", "visible", "title", "print_exception"}
    assert any("secret detail" in (r.exc_text or "") or r.exc_info for r in caplog.records)


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


def test_state_is_per_session_and_persists_across_calls() -> None:
    with gr.Blocks() as demo:
        text = gr.Textbox()
        counter = gr.State({"n": 0})
        out = gr.Textbox()

        def bump(x: str, state: dict[str, int]) -> tuple[str, dict[str, int]]:
            state["n"] += 1
            return f"{x}:{state['n']}", state

        text.submit(bump, [text, counter], [out, counter])

    async def main() -> list[Any]:
        engine = await started(demo)
        results = []
        for session in ["a", "a", "b", "a"]:
            msgs = await call(engine, 0, ["s", "ignored by the server"], session_hash=session)
            results.append(completed(msgs)["output"]["data"])
        await engine.stop()
        return results

    assert run(main()) == [["s:1", None], ["s:2", None], ["s:1", None], ["s:3", None]]
    assert counter.default_value == {"n": 0}  # the initial value was copied, never changed


def test_gr_info_and_warning_become_log_messages() -> None:
    def notify(x: str) -> str:
        gr.Info("hello")
        gr.Warning("careful")
        return x

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(notify))
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    msgs = run(main())
    logs = [m for m in msgs if m["msg"] == "log"]
    assert [(m["log"], m["level"], m["title"]) for m in logs] == [("hello", "info", "Info"), ("careful", "warning", "Warning")]
    assert msgs.index(logs[-1]) < msgs.index(completed(msgs))
    assert all(m["event_id"] == completed(msgs)["event_id"] for m in logs)


def test_request_is_injected_and_not_counted_as_an_input() -> None:
    seen: dict[str, Any] = {}

    def handler(request: gr.Request, x: str) -> str:
        seen.update(host=request.client.host, agent=request.headers["User-Agent"], session=request.session_hash,
                    query=dict(request.query_params), user=request.username)
        return x

    info = RequestInfo(headers={"user-agent": "tests"}, client_host="10.0.0.1", client_port=5, query_params={"q": "1"},
                       username="ann")

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(handler))
        msgs = await call(engine, 0, ["x"], session_hash="sess", request=info)
        await engine.stop()
        return msgs

    assert completed(run(main()))["output"]["data"] == ["x"]
    assert seen == {"host": "10.0.0.1", "agent": "tests", "session": "sess", "query": {"q": "1"}, "user": "ann"}
    assert isinstance(Request(info).headers, object)


def test_event_data_is_injected_with_its_target() -> None:
    seen: list[Any] = []

    with gr.Blocks() as demo:
        box = gr.Textbox()
        out = gr.Textbox()

        def on_select(x: str, evt: gr.SelectData) -> str:
            seen.append((evt.target, evt.index, evt.value, evt._data))
            return x

        box.select(on_select, box, out)

    async def main() -> None:
        engine = await started(demo)
        await call(engine, 0, ["x"], event_data={"index": 2, "value": "v"}, trigger_id=box.id)
        await call(engine, 0, ["x"])  # gradio_client sends neither
        await engine.stop()

    run(main())
    assert seen == [(box, 2, "v", {"index": 2, "value": "v"}), (None, None, None, None)]


def test_dict_return_updates_only_the_named_outputs() -> None:
    with gr.Blocks() as demo:
        a, b, c = gr.Textbox(), gr.Textbox(), gr.Textbox()
        a.submit(lambda x: {c: x + "!"}, a, [b, c])

    async def main() -> list[dict[str, Any]]:
        engine = await started(demo)
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    assert completed(run(main()))["output"]["data"] == [{"__type__": "update"}, "x!"]


def test_gr_update_and_component_returns_become_prop_updates() -> None:
    with gr.Blocks() as demo:
        a, b, c = gr.Textbox(), gr.Textbox(), gr.Textbox()
        a.submit(lambda x: (gr.update(value=5, visible=False), gr.Textbox(label="new", visible=True)), a, [b, c])

    async def main() -> list[dict[str, Any]]:
        engine = await started(demo)
        msgs = await call(engine, 0, ["x"])
        await engine.stop()
        return msgs

    data = completed(run(main()))["output"]["data"]
    assert data[0] == {"__type__": "update", "value": "5", "visible": False}  # value postprocessed to str
    assert data[1]["__type__"] == "update" and data[1]["label"] == "new" and data[1]["visible"] is True


def test_inputs_as_dict() -> None:
    with gr.Blocks() as demo:
        a, b, out = gr.Textbox(), gr.Textbox(), gr.Textbox()
        a.submit(lambda values: values[a] + values[b], {a, b}, out)

    async def main() -> list[dict[str, Any]]:
        engine = await started(demo)
        msgs = await call(engine, 0, ["1", "2"])
        await engine.stop()
        return msgs

    assert completed(run(main()))["output"]["data"] == ["12"]


def test_batch_function_gets_lists_and_results_are_split() -> None:
    import threading

    calls: list[list[str]] = []
    first_call_may_finish = threading.Event()

    def upper(words: list[str]) -> list[list[str]]:
        calls.append(list(words))
        if len(calls) == 1:
            first_call_may_finish.wait(10)  # holds the group's only slot while the others queue up
        return [[w.upper() for w in words]]

    async def main() -> list[Any]:
        engine = await started(app(upper, batch=True, max_batch_size=3))
        for i, word in enumerate("abcde"):
            engine.join(fn_index=0, data=[word], session_hash=f"s{i}", request=RequestInfo())
        first_call_may_finish.set()
        results = [completed(await drain(engine, f"s{i}"))["output"]["data"] for i in range(5)]
        await engine.stop()
        return results

    assert run(main()) == [["A"], ["B"], ["C"], ["D"], ["E"]]
    assert calls == [["a"], ["b", "c", "d"], ["e"]]


def test_unknown_fn_index_and_bad_data() -> None:
    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: x))
        with pytest.raises(UnknownFunction):
            engine.join(fn_index=7, data=["x"], session_hash="s", request=RequestInfo())
        with pytest.raises(InvalidRequest):
            engine.join(fn_index=0, data="x", session_hash="s", request=RequestInfo())  # type: ignore[arg-type]
        msgs = await call(engine, 0, ["x", "y", "z"])
        await engine.stop()
        return msgs

    done = completed(run(main()))
    assert done["success"] is False
    assert "takes 1 input value(s) but the request sent 3" in done["output"]["error"]


def test_state_inputs_may_be_left_out_like_the_call_api_does() -> None:
    with gr.Blocks() as demo:
        text, state, out = gr.Textbox(), gr.State(41), gr.Textbox()
        text.submit(lambda x, n: f"{x}{n + 1}", [text, state], out)

    async def main() -> list[dict[str, Any]]:
        engine = await started(demo)
        msgs = await call(engine, 0, ["n="])
        await engine.stop()
        return msgs

    assert completed(run(main()))["output"]["data"] == ["n=42"]


def test_run_now_returns_the_output_dict_or_raises_event_failed() -> None:
    def maybe_fail(x: str) -> str:
        if x == "bad":
            raise gr.Error("no")
        return x * 2

    async def main() -> None:
        engine = await started(app(maybe_fail))
        out = await engine.run_now(fn_index=0, data=["ab"], session_hash="s", request=RequestInfo())
        assert out["data"] == ["abab"] and out["is_generating"] is False
        with pytest.raises(EventFailed) as info:
            await engine.run_now(fn_index=0, data=["bad"], session_hash="s", request=RequestInfo())
        assert info.value.payload["error"] == "no"
        assert engine.stats()["events"] == 0
        await engine.stop()

    run(main())


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


def test_unload_handlers_run_when_the_session_disconnects_and_state_expires() -> None:
    unloaded: list[str] = []
    deleted: list[Any] = []

    with gr.Blocks() as demo:
        text, state, out = gr.Textbox(), gr.State(0, delete_callback=deleted.append), gr.Textbox()
        text.submit(lambda x, n: (x, n + 1), [text, state], [out, state])

        def bye(request: gr.Request) -> None:
            unloaded.append(request.session_hash or "")

        demo.unload(bye)

    async def main() -> None:
        engine = await started(demo, state_grace_period=0.01)
        await call(engine, 0, ["x", None], session_hash="gone")
        assert "gone" in engine.state
        engine.session_disconnected("gone")
        for _ in range(200):
            await asyncio.sleep(0.01)
            if "gone" not in engine.state and unloaded and deleted:
                break
        assert "gone" not in engine.state
        await engine.stop()

    run(main())
    assert unloaded == ["gone"]
    assert deleted == [1]  # the State's delete_callback got the session's last value


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


def test_validator_rejects_bad_inputs_at_join_with_the_422_detail() -> None:
    from podium.queue.errors import ValidationFailed

    def check(name: str, age: str) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"__type__": "validate", "is_valid": bool(name), "message": "name is empty"},
                {"__type__": "validate", "is_valid": True, "message": ""})

    def greet(name: str, age: str) -> str:
        return f"{name} {age}"

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(greet, n_in=2, validator=check))
        with pytest.raises(ValidationFailed) as info:
            engine.join(fn_index=0, data=["", "3"], session_hash="s", request=RequestInfo())
        assert info.value.detail == [
            {"__type__": "validate", "is_valid": False, "message": "name is empty", "parameter_name": "name"},
            {"__type__": "validate", "is_valid": True, "message": "", "parameter_name": "age"},
        ]
        assert engine.stats()["events"] == 0
        msgs = await call(engine, 0, ["Ann", "3"])
        await engine.stop()
        return msgs

    assert completed(run(main()))["output"]["data"] == ["Ann 3"]


def test_skip_for_several_outputs_and_none_props_in_updates() -> None:
    with gr.Blocks() as demo:
        a, b, c = gr.Textbox(), gr.Textbox(), gr.Textbox()
        a.submit(lambda x: gr.update(), a, [b, c])
        b.submit(lambda x: gr.update(value=None, label=None, visible=False), b, c)

    async def main() -> list[Any]:
        engine = await started(demo)
        first = completed(await call(engine, 0, ["x"]))["output"]["data"]
        second = completed(await call(engine, 1, ["x"]))["output"]["data"]
        await engine.stop()
        return [first, second]

    assert run(main()) == [[{"__type__": "update"}, {"__type__": "update"}],
                           [{"__type__": "update", "value": None, "visible": False}]]


def test_a_validator_that_raises_rejects_the_join_as_a_bad_request() -> None:
    def broken(x: str) -> None:
        raise RuntimeError("validator bug")

    async def main() -> None:
        engine = await started(app(lambda x: x, validator=broken))
        with pytest.raises(InvalidRequest, match="validator bug"):
            engine.join(fn_index=0, data=["x"], session_hash="s", request=RequestInfo())
        await engine.stop()

    run(main())


def test_state_time_to_live_forgets_the_value_and_calls_delete_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    import podium.execution.state as state_module

    class Clock:
        now = 1000.0

        def monotonic(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(state_module, "time", clock)
    deleted: list[Any] = []

    with gr.Blocks() as demo:
        text, counter, out = gr.Textbox(), gr.State(0, time_to_live=10, delete_callback=deleted.append), gr.Textbox()
        text.submit(lambda x, n: (f"{x}{n + 1}", n + 1), [text, counter], [out, counter])

    async def main() -> list[Any]:
        engine = await started(demo)
        results = []
        for advance in (0, 5, 11):  # the third call comes 11 s after the value was last set
            clock.now += advance
            results.append(completed(await call(engine, 0, ["n", None]))["output"]["data"][0])
        for _ in range(100):
            if deleted:
                break
            await asyncio.sleep(0.01)
        await engine.stop()
        return results

    assert run(main()) == ["n1", "n2", "n1"]
    assert deleted == [2]
