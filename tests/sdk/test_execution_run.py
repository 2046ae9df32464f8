"""`podium.execution.run`: handler plans, argument building and output splitting, without the queue."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import podium as gr
from podium.execution.run import (
    NO_CHANGE,
    CallContext,
    build_call,
    build_plan,
    error_output,
    output_values,
    process_outputs,
)
from podium.progress import Progress
from podium.request import Request, RequestInfo


def plan_for(fn: Any, n_in: int = 1, n_out: int = 1, **options: Any) -> Any:
    with gr.Blocks() as demo:
        ins = [gr.Textbox() for _ in range(n_in)]
        outs = [gr.Textbox() for _ in range(n_out)]
        dep = ins[0].submit(fn, ins, outs, **options) if ins else demo.load(fn, None, outs, **options)
    return build_plan(dep.block_fn), demo


def test_modes_are_detected() -> None:
    async def a(x: str) -> str:
        return x

    async def ag(x: str):  # noqa: ANN202
        yield x

    def g(x: str):  # noqa: ANN202
        yield x

    class Callable:
        async def __call__(self, x: str) -> str:
            return x

    assert [plan_for(f)[0].mode for f in (lambda x: x, a, ag, g, Callable())] == ["sync", "async", "async_gen",
                                                                                   "sync_gen", "async"]


def test_injected_parameters_go_where_the_signature_puts_them() -> None:
    def fn(request: gr.Request, x: str, evt: gr.EventData, y: str = "d", *, progress: Progress = gr.Progress()) -> str:
        return x

    plan, demo = plan_for(fn, n_in=1)
    ctx = CallContext(demo, RequestInfo(session_hash="s"), {"k": 1}, None)
    args, kwargs = build_call(plan, ["X"], ctx)
    assert isinstance(args[0], Request) and args[1] == "X" and isinstance(args[2], gr.EventData)
    assert len(args) == 3 and set(kwargs) == {"progress"}
    assert args[2]._data == {"k": 1}


def test_injection_after_a_defaulted_input_is_passed_by_keyword() -> None:
    def fn(x: str, y: str = "default", progress: Progress = gr.Progress()) -> str:
        return x + y

    plan, demo = plan_for(fn, n_in=1)
    args, kwargs = build_call(plan, ["X"], CallContext(demo, RequestInfo()))
    assert args == ["X"] and isinstance(kwargs["progress"], Progress)


def test_a_fresh_progress_is_injected_so_the_default_is_never_shared() -> None:
    default = gr.Progress(track_tqdm=True)

    def fn(x: str, progress: Progress = default) -> str:
        return x

    plan, demo = plan_for(fn)
    args, _ = build_call(plan, ["X"], CallContext(demo, RequestInfo(), progress_reporter=lambda data: None))
    assert args[1] is not default and args[1].track_tqdm is True


def test_output_values_shapes() -> None:
    plan2, _ = plan_for(lambda x: x, n_out=2)
    assert output_values(plan2, ("a", "b")) == ["a", "b"]
    assert output_values(plan2, ["a", "b", "c"]) == ["a", "b"]  # extra values are dropped (with a warning)
    with pytest.raises(ValueError, match="didn't return enough output values"):
        output_values(plan2, "a")
    plan1, _ = plan_for(lambda x: x, n_out=1)
    assert output_values(plan1, ["a", "b"]) == [["a", "b"]]  # a single output gets the list itself
    plan0, _ = plan_for(lambda x: None, n_out=0)
    assert output_values(plan0, "ignored") == []


def test_dict_return_with_a_component_that_is_not_an_output_fails() -> None:
    plan, _ = plan_for(lambda x: x, n_out=1)
    stranger = gr.Textbox(render=False)
    with pytest.raises(ValueError, match="not one of its outputs"):
        output_values(plan, {stranger: "x"})
    assert output_values(plan, {plan.outputs[0]: "x"}) == ["x"]


def test_state_outputs_are_stored_not_sent() -> None:
    with gr.Blocks() as demo:
        box, state = gr.Textbox(), gr.State()
        dep = box.submit(lambda x: (x, {"big": x}), box, [box, state])
    plan = build_plan(dep.block_fn)
    payloads, new_state = process_outputs(plan, output_values(plan, ("a", {"big": "a"})), None, "")
    assert payloads == ["a", None]
    assert new_state == {state.id: {"big": "a"}}
    payloads, new_state = process_outputs(plan, [NO_CHANGE, NO_CHANGE], None, "")
    assert payloads == [{"__type__": "update"}, None] and new_state == {}
    assert demo is not None


def test_postprocess_false_sends_values_as_returned() -> None:
    plan, _ = plan_for(lambda x: 5, postprocess=False)
    assert process_outputs(plan, [5], None, "")[0] == [5]
    plan, _ = plan_for(lambda x: 5)
    assert process_outputs(plan, [5], None, "")[0] == ["5"]


def test_error_outputs_only_use_keys_the_python_client_accepts() -> None:
    assert error_output(gr.Error("boom", duration=None, visible=False, title="Oops"), False) == {
        "error": "boom", "duration": None, "visible": False, "title": "Oops"}
    assert error_output(KeyError("k"), False) == {"error": None}
    assert error_output(RuntimeError("r"), True) == {"error": "r", "visible": True}


def test_request_module_is_light_and_headers_ignore_case() -> None:
    code = "import sys, podium.request, podium.progress; print(any(m.startswith(('starlette', 'tqdm')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env())
    assert out.stdout.strip() == "False"
    request = Request(RequestInfo(headers={"X-Thing": "1"}, cookies={"c": "v"}, url="http://h/x"))
    assert request.headers["x-thing"] == "1" and "X-THING" in request.headers
    assert request.cookies == {"c": "v"} and request.url == "http://h/x" and request.client.host is None


def _env() -> dict[str, str]:
    import os

    import podium

    sdk = os.path.dirname(os.path.dirname(podium.__file__))
    return {**os.environ, "PYTHONPATH": sdk}


def test_optional_request_and_event_data_annotations_are_injected() -> None:
    from typing import Optional  # noqa: UP035 - the spelling users write

    def fn(x: str, request: gr.Request | None = None, evt: Optional[gr.SelectData] = None) -> str:  # noqa: UP045
        return x

    plan, demo = plan_for(fn)
    args, kwargs = build_call(plan, ["X"], CallContext(demo, RequestInfo(session_hash="s"), {"index": 1}))
    assert args[0] == "X" and isinstance(args[1], Request) and isinstance(args[2], gr.SelectData)
    assert args[2].index == 1 and kwargs == {}


def test_resolvable_optional_annotations_are_unwrapped() -> None:
    def fn(x: str, request: gr.Request | None = None) -> str:
        return x

    plan, demo = plan_for(fn)
    args, _ = build_call(plan, ["X"], CallContext(demo, RequestInfo()))
    assert isinstance(args[1], Request)
