"""Button and ClearButton."""

from __future__ import annotations

import podium as gr


def test_button_defaults_match_gradio() -> None:
    config = gr.Button(render=False).get_config()
    assert (config["value"], config["variant"], config["size"], config["interactive"]) == ("Run", "secondary", "lg",
                                                                                         True)
    assert config["link_target"] == "_self" and "min_width" not in config
    assert gr.Button.skip_api is True and gr.Button.EVENTS == ("change", "click")
    assert gr.Button("Go", variant="primary", render=False).get_config()["value"] == "Go"


def test_button_click_registers_handler() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox()
        button = gr.Button("Go")
        dep = button.click(lambda: "x", None, box)
    assert dep["targets"] == [[button.id, "click"]]
    assert demo.fns[0].outputs == [box]


def test_clear_button_clears_components_with_an_undocumented_handler() -> None:
    with gr.Blocks() as demo:
        text = gr.Textbox("hi")
        number = gr.Number(3)
        slider = gr.Slider(2, 9, value=5)
        state = gr.State({"n": 1})
        clear = gr.ClearButton([text, number])
        clear.add(slider).add(state)
    assert clear.get_config()["name"] == "button" and clear.get_config()["value"] == "Clear"
    assert [fn.api_visibility for fn in demo.fns] == ["undocumented"] * 3
    assert [fn.targets for fn in demo.fns] == [[(clear, "click")]] * 3
    assert demo.fns[0].outputs == [text, number] and demo.fns[0].fn() == ["", None]
    assert demo.fns[1].fn() == 2  # a cleared slider goes back to its minimum, as in Gradio
    first, second = demo.fns[2].fn(), demo.fns[2].fn()
    assert first == {"n": 1} and first is not second  # each clear gets a fresh copy of the State's value


def test_clear_button_with_single_component_and_api_name() -> None:
    with gr.Blocks() as demo:
        text = gr.Textbox()
        gr.ClearButton(text, api_name="wipe", api_visibility="private")
    assert demo.fns[0].api_name == "wipe" and demo.fns[0].api_visibility == "private"
    assert demo.fns[0].fn() == ""
