"""Interface and TabbedInterface: shortcuts, layout, the single public endpoint, live mode, tabs."""

from __future__ import annotations

from typing import Any

import pytest

import podium as gr
from podium.interface import ExamplesDataset


def greet(name: str, intensity: int) -> str:
    return "Hello, " + name + "!" * int(intensity)


def public_fns(app: gr.Blocks) -> list[Any]:
    return [fn for fn in app.fns if fn.api_visibility == "public" and fn.fn is not None]


def layout_types(app: gr.Blocks) -> Any:
    config = app.get_config_file()
    types = {c["id"]: c["type"] for c in config["components"]}

    def walk(node: dict[str, Any]) -> Any:
        kind = types[node["id"]]
        return [kind, [walk(child) for child in node["children"]]] if "children" in node else kind

    return walk(config["layout"])


@pytest.mark.parametrize(
    ("shortcut", "cls"),
    [("text", gr.Textbox), ("textbox", gr.Textbox), ("textarea", gr.Textbox), ("number", gr.Number),
     ("slider", gr.Slider), ("checkbox", gr.Checkbox), ("checkboxgroup", gr.CheckboxGroup), ("radio", gr.Radio),
     ("dropdown", gr.Dropdown), ("json", gr.JSON), ("label", gr.Label), ("file", gr.File),
     ("markdown", gr.Markdown), ("html", gr.HTML), ("code", gr.Code), ("colorpicker", gr.ColorPicker),
     ("ColorPicker", gr.ColorPicker), ("CheckboxGroup", gr.CheckboxGroup), ("TEXTBOX", gr.Textbox)],
)
def test_string_shortcuts(shortcut: str, cls: type) -> None:
    demo = gr.Interface(lambda x: x, shortcut, "text")
    assert type(demo.input_components[0]) is cls
    assert demo.input_components[0].id in demo.blocks


def test_textarea_has_more_lines_and_unknown_shortcut_is_explained() -> None:
    assert gr.Interface(lambda x: x, "textarea", "text").input_components[0].lines == 7
    with pytest.raises(ValueError, match="does not know the component 'image2'"):
        gr.Interface(lambda x: x, "image2", "text")


def test_layout_and_single_predict_endpoint() -> None:
    demo = gr.Interface(greet, ["text", gr.Slider(1, 5, value=2, step=1)], "text", title="Greeter",
                        description="Says hi", article="The end", examples=[["Ann", 3]])
    config = demo.get_config_file()
    assert config["mode"] == "interface" and config["title"] == "Greeter"
    assert layout_types(demo) == [
        "blocks", ["markdown", "markdown",
                   ["row", [["column", [["column", ["textbox", "slider"]], ["row", ["button", "button"]]]],
                            ["column", ["textbox"]]]],
                   "dataset", "markdown"],
    ]
    (predict,) = public_fns(demo)
    assert predict.api_name == "greet"  # Gradio 6 names the endpoint after the function
    assert predict.inputs == demo.input_components and predict.outputs == demo.output_components
    name_box, slider = demo.input_components
    assert predict.targets == [(demo.submit_btn, "click"), (name_box, "submit")]
    assert (name_box.label, slider.label, demo.output_components[0].label) == ("name", "intensity", "output")
    assert demo.output_components[0].interactive is False
    assert demo.submit_btn.get_config()["variant"] == "primary" and demo.stop_btn is None


def test_api_name_and_visibility_options() -> None:
    demo = gr.Interface(greet, ["text", "number"], "text", api_name="predict", concurrency_limit=3)
    (predict,) = public_fns(demo)
    assert predict.api_name == "predict" and predict.concurrency_limit == 3
    assert public_fns(gr.Interface(greet, ["text", "number"], "text", api_visibility="private")) == []


def test_clear_button_resets_inputs_and_outputs_privately() -> None:
    demo = gr.Interface(greet, ["text", gr.Slider(1, 5)], ["text"])
    (clear,) = [fn for fn in demo.fns if fn.targets == [(demo.clear_btn, "click")]]
    assert clear.api_visibility != "public"
    assert clear.outputs == demo.input_components + demo.output_components
    assert clear.fn() == ["", 1, ""]


def test_live_interface_runs_on_every_change_without_submit_button() -> None:
    demo = gr.Interface(lambda t, n: (t, n), ["text", "slider"], ["json", "label"], live=True)
    assert demo.submit_btn is None
    (predict,) = public_fns(demo)
    assert predict.targets == [(c, "change") for c in demo.input_components]
    assert predict.trigger_mode == "always_last"


def test_interface_without_inputs_gets_generate_button() -> None:
    demo = gr.Interface(lambda: "hi", None, "text")
    (predict,) = public_fns(demo)
    assert predict.inputs == [] and predict.targets == [(demo.submit_btn, "click")]
    assert demo.submit_btn.value == "Generate"
    live = gr.Interface(lambda: "hi", [], "text", live=True)
    assert any(event == "load" for fn in live.fns for _, event in fn.targets)


def test_interface_without_outputs() -> None:
    demo = gr.Interface(lambda text: None, "text", None)
    (predict,) = public_fns(demo)
    assert predict.outputs == [] and predict.inputs == demo.input_components


def test_interface_needs_some_component() -> None:
    with pytest.raises(ValueError, match="at least one input or one output"):
        gr.Interface(lambda: None, None, None)


def test_generator_gets_stop_button_that_cancels_prediction() -> None:
    def count(n: int) -> Any:
        yield from range(int(n))

    demo = gr.Interface(count, "number", "number")
    (predict,) = public_fns(demo)
    assert predict.is_generator and demo.stop_btn is not None
    stop_handlers = [fn for fn in demo.fns if fn.targets == [(demo.stop_btn, "click")]]
    (stop,) = [fn for fn in stop_handlers if fn.cancels]
    assert stop.cancels == [predict] and stop.api_visibility == "undocumented"
    # Stop shows only while the generator runs: browser-side swaps, never API endpoints
    assert demo.stop_btn.visible is False
    swaps = [fn for fn in demo.fns if fn.outputs == [demo.submit_btn, demo.stop_btn]]
    assert len(swaps) == 3 and all(fn.fn is None and fn.js and fn.api_visibility == "private" for fn in swaps)
    assert {fn.trigger_after is predict for fn in swaps} == {True, False}


def test_state_shortcut_shares_one_state() -> None:
    def counter(text: str, count: int = 5) -> tuple[str, int]:
        return text, count + 1

    demo = gr.Interface(counter, ["text", "state"], ["text", "state"])
    state = demo.input_components[1]
    assert isinstance(state, gr.State) and demo.output_components[1] is state
    assert state.initial_session_value() == 5


def test_additional_inputs_go_in_an_accordion() -> None:
    demo = gr.Interface(greet, "text", "text", additional_inputs=[gr.Number(1)])
    assert len(demo.input_components) == 2 and public_fns(demo)[0].inputs == demo.input_components
    accordion = demo.input_components[1].parent
    assert isinstance(accordion, gr.Accordion) and accordion.label == "Additional Inputs"


def test_examples_are_a_dataset_with_samples_and_a_loader() -> None:
    demo = gr.Interface(greet, ["text", "number"], "text", examples=[["Ann", 3], ["Bob"]])
    dataset = demo.examples_dataset
    assert isinstance(dataset, ExamplesDataset)
    config = dataset.get_config()
    assert config["samples"] == [["Ann", 3], ["Bob", None]]
    assert config["component_ids"] == [c.id for c in demo.input_components]
    (loader,) = [fn for fn in demo.fns if fn.targets == [(dataset, "click")]]
    assert loader.api_visibility == "undocumented" and loader.fn(dataset.preprocess(0)) == ["Ann", 3]


def test_cached_examples_also_fill_outputs() -> None:
    calls: list[str] = []

    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    demo = gr.Interface(shout, "text", "text", examples=["hi"], cache_examples=True)
    (loader,) = [fn for fn in demo.fns if fn.api_name == "load_example"]
    assert loader.outputs == demo.input_components + demo.output_components
    assert loader.fn(0) == ["hi", "HI"] and loader.fn(0) == ["hi", "HI"] and calls == ["hi"]


def test_components_created_in_an_outer_blocks_move_into_the_interface() -> None:
    with gr.Blocks() as outer:
        box = gr.Textbox(label="in")
        demo = gr.Interface(lambda x: x, box, "text")
    assert box.id in demo.blocks and box.id in outer.blocks
    assert [fn.fn_index for fn in outer.fns] == list(range(len(outer.fns))) and public_fns(outer)
    assert box.parent is not None and box.parent.parent is not None  # inside the Interface's columns
    assert "blocks" not in str(layout_types(outer)[1])  # placed inline, as Gradio does


def test_tabbed_interface() -> None:
    shout = gr.Interface(lambda t: t.upper(), "textbox", "textbox", title="Shout")
    reverse = gr.Interface(lambda t: t[::-1], gr.Textbox(label="text"), gr.Textbox(label="reversed"))
    demo = gr.TabbedInterface([shout, reverse], ["Shout", "Reverse"], title="Two tools")
    config = demo.get_config_file()
    assert config["mode"] == "tabbed_interface" and config["title"] == "Two tools"
    tree = layout_types(demo)
    assert tree[1][0] == "markdown" and tree[1][1][0] == "tabs"
    tabs = tree[1][1][1]
    assert [t[0] for t in tabs] == ["tabitem", "tabitem"]
    assert "blocks" not in str(tabs)  # the interfaces' children are placed directly in the tabs
    labels = [c["props"]["label"] for c in config["components"] if c["type"] == "tabitem"]
    assert labels == ["Shout", "Reverse"]
    names = [fn.api_name for fn in public_fns(demo)]
    assert names == ["lambda", "lambda_1"]  # same function names get de-duplicated
    assert [d["id"] for d in config["dependencies"]] == list(range(len(demo.fns)))
    ids = {c["id"] for c in config["components"]}
    assert all(i in ids for d in config["dependencies"] for i in d["inputs"] + d["outputs"])


def test_tabbed_interface_default_tab_names() -> None:
    demo = gr.TabbedInterface([gr.Interface(lambda t: t, "text", "text")])
    labels = [c["props"]["label"] for c in demo.get_config_file()["components"] if c["type"] == "tabitem"]
    assert labels == ["Tab 0"]
