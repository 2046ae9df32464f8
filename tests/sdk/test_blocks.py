"""The app model: building context, layouts, event registration and chaining, `gr.on`, the config."""

from __future__ import annotations

import json
from typing import Any

import pytest

import podium as gr
from podium.context import RenderContext
from podium.exceptions import DuplicateBlockError, InvalidComponentError, PodiumError


def layout_ids(node: dict[str, Any]) -> Any:
    return [node["id"], [layout_ids(c) for c in node["children"]]] if "children" in node else node["id"]


def test_blocks_context_collects_blocks_and_restores_itself() -> None:
    with gr.Blocks() as demo:
        assert RenderContext.root is demo
        box = gr.Textbox()
        with gr.Row() as row:
            number = gr.Number()
    assert RenderContext.root is None and RenderContext.stack == []
    assert set(demo.blocks) == {box.id, row.id, number.id}
    assert demo.children == [box, row] and row.children == [number] and number.parent is row
    assert demo.components == [box, number]


def test_components_outside_blocks_are_not_rendered_until_render_is_called() -> None:
    box = gr.Textbox()
    assert not box.is_rendered
    with gr.Blocks() as demo:
        box.render()
    assert demo.children == [box]
    unplaced = gr.Textbox(render=False)
    with gr.Blocks() as other:
        pass
    assert unplaced.id not in other.blocks


def test_rendering_a_block_twice_is_an_error() -> None:
    with gr.Blocks():
        box = gr.Textbox()
        with pytest.raises(DuplicateBlockError, match="already in this app"):
            box.render()


def test_layouts_nest_and_appear_in_the_config_layout() -> None:
    with gr.Blocks() as demo:
        with gr.Row(equal_height=True) as row:
            with gr.Column(scale=2) as col:
                a = gr.Textbox()
            with gr.Column() as col2:
                with gr.Group() as group:
                    b = gr.Number()
        with gr.Accordion("More", open=False) as acc:
            c = gr.Checkbox()
        with gr.Tab("One") as tab1:
            d = gr.Slider()
        with gr.Tab("Two") as tab2:
            e = gr.Radio(["x"])
    config = demo.get_config_file()
    tabs = tab1.parent
    assert isinstance(tabs, gr.Tabs) and tab2.parent is tabs  # neighbouring tabs share an implicit Tabs
    assert layout_ids(config["layout"]) == [
        demo.id,
        [[row.id, [[col.id, [a.id]], [col2.id, [[group.id, [b.id]]]]]], [acc.id, [c.id]],
         [tabs.id, [[tab1.id, [d.id]], [tab2.id, [e.id]]]]],
    ]
    by_id = {entry["id"]: entry for entry in config["components"]}
    assert by_id[row.id]["props"]["equal_height"] is True and by_id[row.id]["skip_api"] is True
    assert by_id[col.id]["props"]["scale"] == 2
    assert by_id[acc.id]["props"]["open"] is False and by_id[acc.id]["props"]["label"] == "More"
    assert by_id[tab1.id]["type"] == "tabitem" and by_id[tab1.id]["props"]["label"] == "One"


def test_event_listener_registers_a_function_with_its_config() -> None:
    def greet(name: str) -> str:
        return "Hi " + name

    with gr.Blocks() as demo:
        name = gr.Textbox()
        out = gr.Textbox()
        button = gr.Button()
        dep = button.click(greet, name, out)
        name.submit(greet, [name], [out], api_name="again")
    assert dep.fn_index == 0 and dep["api_name"] == "greet"
    fn = demo.fns[0]
    assert (fn.inputs, fn.outputs, fn.targets) == ([name], [out], [(button, "click")])
    assert demo.fns[1].api_name == "again"
    assert dep["targets"] == [[button.id, "click"]] and dep["inputs"] == [name.id] and dep["outputs"] == [out.id]


def test_listener_as_decorator() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox()

        @box.change(inputs=box, outputs=box)
        def upper(text: str) -> str:
            return text.upper()

    assert upper("a") == "A" and demo.fns[0].fn is upper
    assert demo.fns[0].trigger_mode == "always_last"  # change events keep only the newest pending run


def test_listener_outside_blocks_and_bad_inputs_are_explained() -> None:
    box = gr.Textbox(render=False)
    with pytest.raises(PodiumError, match="inside a `with podium.Blocks"):
        box.change(lambda x: x, box, box)
    with gr.Blocks():
        box2 = gr.Textbox()
        with pytest.raises(InvalidComponentError, match="is not a component"):
            box2.change(lambda x: x, "box2", box2)
        with pytest.raises(TypeError, match="Unknown event listener argument"):
            box2.change(lambda x: x, box2, box2, not_an_option=True)


def test_then_success_failure_chain() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox()
        button = gr.Button()
        first = button.click(lambda: "1", None, box)
        then = first.then(lambda: "2", None, box)
        ok = then.success(lambda: "3", None, box)
        bad = then.failure(lambda: "4", None, box)
    fns = demo.fns
    assert [fn.trigger_after for fn in fns] == [None, fns[0], fns[1], fns[1]]
    assert (fns[2].trigger_only_on_success, fns[2].trigger_only_on_failure) == (True, False)
    assert (fns[3].trigger_only_on_success, fns[3].trigger_only_on_failure) == (False, True)
    assert then["trigger_after"] == 0 and ok["trigger_after"] == 1 and bad["trigger_only_on_failure"] is True
    assert fns[1].targets == []


def test_gr_on_with_triggers_and_without() -> None:
    with gr.Blocks() as demo:
        a = gr.Textbox()
        b = gr.Number()
        out = gr.JSON()
        button = gr.Button()
        gr.on([button.click, a.submit], lambda x, y: [x, y], [a, b], out)

        @gr.on(inputs=[a, b], outputs=out)
        def combined(x: str, y: float) -> list[Any]:
            return [x, y]

    assert demo.fns[0].targets == [(button, "click"), (a, "submit")]
    assert demo.fns[1].targets == [(demo, "load"), (a, "change"), (b, "change")]
    with pytest.raises(TypeError, match="must be event listeners"), gr.Blocks():
        gr.on(["click"], lambda: None)  # type: ignore[list-item]


def test_api_names_are_deduplicated_and_false_makes_private() -> None:
    def predict(x: str) -> str:
        return x

    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.change(predict, box, box)
        box.submit(predict, box, box)
        box.input(predict, box, box, api_name="predict")
        box.blur(lambda x: x, box, box)
        box.focus(predict, box, box, api_name=False)
    names = [fn.api_name for fn in demo.fns]
    assert names[:4] == ["predict", "predict_1", "predict_2", "lambda"]
    assert demo.fns[4].api_visibility == "private"


def test_inputs_as_set_pass_a_dict() -> None:
    with gr.Blocks() as demo:
        a = gr.Textbox()
        b = gr.Textbox()
        a.change(lambda data: data[a], {b, a}, b)
    assert demo.fns[0].inputs_as_dict is True and demo.fns[0].inputs == [a, b]


def test_cancels_and_generator_flags() -> None:
    def stream() -> Any:
        yield 1

    with gr.Blocks() as demo:
        n = gr.Number()
        start = gr.Button()
        stop = gr.Button()
        run = start.click(stream, None, n)
        stop.click(None, None, None, cancels=[run])
    assert demo.fns[0].is_generator and demo.fns[0].get_config()["types"] == {"generator": True, "cancel": False}
    assert demo.fns[1].cancels == [demo.fns[0]] and demo.fns[1].get_config()["backend_fn"] is False


def test_config_shape_matches_the_wire_protocol() -> None:
    with gr.Blocks(title="App", css=".x{}") as demo:
        box = gr.Textbox(label="name")
        state = gr.State(0)
        button = gr.Button()
        button.click(lambda x, s: (x, s), [box, state], [box, state])
    config = json.loads(json.dumps(demo.get_config_file()))
    for key in ("version", "api_prefix", "mode", "components", "dependencies", "layout", "protocol",
                "connect_heartbeat", "title", "css"):
        assert key in config
    assert config["protocol"] == "sse_v3" and config["api_prefix"] == "/gradio_api" and config["mode"] == "blocks"
    assert config["title"] == "App" and config["css"] == ".x{}"
    assert config["connect_heartbeat"] is True  # a State needs the session kept alive
    by_id = {entry["id"]: entry for entry in config["components"]}
    assert by_id[box.id]["api_info"] == {"type": "string"} and by_id[box.id]["example_inputs"] == "Hello!!"
    assert by_id[box.id]["props"]["label"] == "name" and by_id[box.id]["props"]["name"] == "textbox"
    for skipped in (state.id, button.id):
        assert by_id[skipped]["skip_api"] is True and "api_info" not in by_id[skipped]
    (dep,) = config["dependencies"]
    assert dep["id"] == 0 and dep["api_visibility"] == "public" and dep["backend_fn"] is True
    assert "concurrency_limit" not in dep and "concurrency_id" not in dep
    referenced = {i for d in config["dependencies"] for i in d["inputs"] + d["outputs"]}
    assert referenced <= set(by_id)


def test_callable_value_becomes_a_load_event() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox(lambda: "now")
    (loader,) = demo.fns
    assert loader.targets == [(demo, "load")] and loader.outputs == [box]
    assert loader.api_visibility == "public"  # as in Gradio 6.31: the loader is an endpoint named after its function


def test_nested_blocks_and_render_bring_their_functions() -> None:
    with gr.Blocks() as inner:
        a = gr.Textbox()
        a.change(lambda x: x, a, a, api_name="echo")
    with gr.Blocks() as outer:
        b = gr.Textbox()
        b.change(lambda x: x, b, b, api_name="echo")
        inner.render()
    assert a.id in outer.blocks and b.id in outer.blocks
    assert [fn.api_name for fn in outer.fns] == ["echo", "echo_1"]
    assert [fn.fn_index for fn in outer.fns] == [0, 1]
    with gr.Blocks() as outer2:
        with gr.Blocks():
            c = gr.Textbox()
            c.change(lambda x: x, c, c)
    assert c.id in outer2.blocks and len(outer2.fns) == 1


def test_unknown_constructor_arguments_warn_and_do_not_crash() -> None:
    with pytest.warns(UserWarning, match="does not support the argument"):
        row = gr.Row(render=False, flex=3)
    assert "flex" not in row.get_config()
    with pytest.warns(UserWarning, match="show_copy_button"):
        box = gr.Textbox(show_copy_button=True, render=False)
    assert "show_copy_button" not in box.get_config()


def test_update_helper() -> None:
    assert gr.update(visible=False, value=3) == {"__type__": "update", "visible": False, "value": 3}


def test_output_only_components_are_read_only_unless_told_otherwise() -> None:
    with gr.Blocks() as demo:
        source, result, editable, loose = gr.Textbox(), gr.Textbox(), gr.Textbox(interactive=True), gr.Textbox()
        source.submit(lambda x: (x, x), source, [result, editable])
    props = {c["id"]: c["props"] for c in demo.get_config_file()["components"]}
    assert props[result.id]["interactive"] is False
    assert props[editable.id]["interactive"] is True
    assert "interactive" not in props[source.id] and "interactive" not in props[loose.id]
