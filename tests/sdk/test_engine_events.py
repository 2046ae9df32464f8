"""The event engine driven directly (no HTTP): what each kind of handler gets and sends on the session stream."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from engine_helpers import app, call, completed, drain, run, started  # tests/ is on sys.path (tests/conftest.py)

import podium as gr
from podium.queue.errors import EventFailed, InvalidRequest, UnknownFunction
from podium.request import Request, RequestInfo


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
