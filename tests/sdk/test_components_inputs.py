"""Form inputs: Number, Slider, Checkbox, CheckboxGroup, Radio, Dropdown, ColorPicker."""

from __future__ import annotations

import pytest

import podium as gr

# --- Number ---------------------------------------------------------------------------------------------


def test_number_defaults_match_gradio() -> None:
    config = gr.Number(render=False).get_config()
    assert config["value"] is None and config["step"] == 1 and config["buttons"] == []
    assert config["min_width"] == 160 and config["name"] == "number"
    assert gr.Number.EVENTS == ("change", "input", "submit", "focus", "blur")


def test_number_precision_zero_gives_int_and_integer_schema() -> None:
    number = gr.Number(precision=0, render=False)
    assert number.preprocess(2.6) == 3 and isinstance(number.preprocess(2.6), int)
    assert number.postprocess(1.2) == 1
    assert number.api_info() == {"type": "integer"}
    assert gr.Number(render=False).api_info() == {"type": "number"}
    assert gr.Number(precision=2, render=False).preprocess(1.23456) == 1.23


def test_number_enforces_minimum_and_maximum() -> None:
    number = gr.Number(minimum=0, maximum=10, render=False)
    assert number.preprocess(10) == 10
    with pytest.raises(gr.Error, match="less than minimum value 0"):
        number.preprocess(-1)
    with pytest.raises(gr.Error, match="greater than maximum value 10"):
        number.preprocess(11)
    assert number.example_payload() == 0


def test_number_accepts_numeric_strings_and_refuses_others() -> None:
    number = gr.Number(render=False)
    assert number.preprocess("4") == 4 and number.preprocess("4.5") == 4.5
    assert number.preprocess(None) is None
    with pytest.raises(gr.Error, match="expects a number"):
        number.preprocess("four")
    with pytest.raises(gr.Error, match="expects a number"):
        number.preprocess(True)


# --- Slider ---------------------------------------------------------------------------------------------


def test_slider_defaults_and_schema() -> None:
    slider = gr.Slider(render=False)
    config = slider.get_config()
    assert (config["minimum"], config["maximum"], config["value"], config["step"]) == (0, 100, 0, 1)
    assert slider.api_info() == {"type": "number", "description": "numeric value between 0 and 100"}
    assert gr.Slider(0, 1, render=False).step == 0.01
    assert gr.Slider(1, 5, value=2, step=1, render=False).value == 2
    assert gr.Slider(0, 10, precision=0, render=False).api_info()["type"] == "integer"
    assert gr.Slider.EVENTS == ("change", "input", "release")


def test_slider_refuses_out_of_range_inputs() -> None:
    slider = gr.Slider(1, 5, render=False)
    assert slider.preprocess(3) == 3
    with pytest.raises(gr.Error, match="greater than maximum value 5"):
        slider.preprocess(6)
    with pytest.raises(gr.Error, match="less than minimum value 1"):
        slider.preprocess(0)
    assert slider.postprocess(None) == 1  # cleared -> minimum, as in Gradio


def test_slider_randomize_draws_a_value_on_each_load() -> None:
    slider = gr.Slider(0, 10, step=1, randomize=True, render=False)
    assert slider.load_fn is not None
    assert all(0 <= slider.load_fn() <= 10 for _ in range(20))


# --- Checkbox -------------------------------------------------------------------------------------------


def test_checkbox() -> None:
    box = gr.Checkbox(label="ok", render=False)
    assert box.get_config()["value"] is False
    assert box.preprocess(True) is True and box.preprocess(0) is False
    assert box.postprocess(None) is False and box.postprocess(1) is True
    assert box.api_info() == {"type": "boolean"}
    with pytest.raises(gr.Error, match="true or false"):
        box.preprocess("maybe")


# --- CheckboxGroup --------------------------------------------------------------------------------------


def test_checkbox_group_values_and_indices() -> None:
    group = gr.CheckboxGroup(["a", ("Bee", "b"), "c"], render=False)
    assert group.get_config()["choices"] == [("a", "a"), ("Bee", "b"), ("c", "c")]
    assert group.get_config()["value"] == []
    assert group.preprocess(["b", "c"]) == ["b", "c"]
    assert gr.CheckboxGroup(["a", "b"], type="index", render=False).preprocess(["b"]) == [1]
    assert group.postprocess("a") == ["a"] and group.postprocess(None) == []
    assert group.api_info() == {"items": {"enum": ["a", "b", "c"], "type": "string"}, "title": "Checkbox Group",
                                "type": "array"}


def test_checkbox_group_refuses_unknown_values_naming_the_choices() -> None:
    with pytest.raises(gr.Error, match=r"'z' is not one of the allowed choices \['a', 'b'\]"):
        gr.CheckboxGroup(["a", "b"], render=False).preprocess(["a", "z"])


def test_choice_components_check_type_argument() -> None:
    with pytest.raises(ValueError, match="type='value' or type='index'"):
        gr.Radio(["a"], type="label", render=False)


# --- Radio ----------------------------------------------------------------------------------------------


def test_radio() -> None:
    radio = gr.Radio(["x", ("Why", "y")], label="pick", render=False)
    assert radio.get_config()["value"] is None
    assert radio.preprocess("y") == "y"
    assert gr.Radio(["x", "y"], type="index", render=False).preprocess("y") == 1
    assert radio.api_info() == {"enum": ["x", "y"], "title": "Radio", "type": "string"}
    assert radio.example_payload() == "x"
    with pytest.raises(gr.Error, match="allowed choices"):
        radio.preprocess("z")
    assert radio.process_update({"choices": ["p"]}) == {"choices": [("p", "p")]}


# --- Dropdown -------------------------------------------------------------------------------------------


def test_dropdown_defaults_to_first_choice() -> None:
    assert gr.Dropdown(["a", "b"], render=False).value == "a"
    assert gr.Dropdown(render=False).value is None
    assert gr.Dropdown(["a", "b"], value=None, render=False).value is None
    assert gr.Dropdown(["a", "b"], multiselect=True, render=False).value == []
    assert gr.Dropdown(["a", "b"], value="b", multiselect=True, render=False).value == ["b"]


def test_dropdown_choices_as_label_value_pairs() -> None:
    dropdown = gr.Dropdown([("One", 1), ("Two", 2)], render=False)
    assert dropdown.get_config()["choices"] == [("One", 1), ("Two", 2)]
    assert dropdown.value == 1
    assert dropdown.preprocess(2) == 2
    assert dropdown.api_info() == {"type": "string", "enum": [1, 2]}


def test_dropdown_refuses_values_outside_choices_unless_custom_allowed() -> None:
    dropdown = gr.Dropdown(["a", "b"], render=False)
    with pytest.raises(gr.Error, match=r"'c' is not one of the allowed choices \['a', 'b'\]"):
        dropdown.preprocess("c")
    custom = gr.Dropdown(["a", "b"], allow_custom_value=True, render=False)
    assert custom.preprocess("c") == "c"
    assert gr.Dropdown(["a"], allow_custom_value=True, type="index", render=False).preprocess("zz") is None


def test_dropdown_multiselect() -> None:
    dropdown = gr.Dropdown(["a", "b", "c"], multiselect=True, max_choices=2, render=False)
    assert dropdown.api_info() == {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}}
    assert dropdown.preprocess(["a", "c"]) == ["a", "c"]
    assert dropdown.preprocess(None) == []
    assert gr.Dropdown(["a", "b"], multiselect=True, type="index", render=False).preprocess(["b", "a"]) == [1, 0]
    with pytest.raises(gr.Error, match="at most 2"):
        dropdown.preprocess(["a", "b", "c"])
    with pytest.raises(gr.Error, match="allowed choices"):
        dropdown.preprocess(["a", "q"])
    assert dropdown.postprocess("a") == ["a"]


def test_dropdown_warns_on_output_outside_choices() -> None:
    with pytest.warns(UserWarning, match="not one of its choices"):
        gr.Dropdown(["a"], render=False).postprocess("b")


def test_dropdown_update_normalises_choices() -> None:
    update = gr.Dropdown(["a"], render=False).process_update({"__type__": "update", "choices": ["x", ("Y", "y")]})
    assert update["choices"] == [("x", "x"), ("Y", "y")]


# --- ColorPicker ----------------------------------------------------------------------------------------


def test_color_picker() -> None:
    picker = gr.ColorPicker("#ff0000", render=False)
    assert picker.get_config()["value"] == "#ff0000"
    assert picker.preprocess("#00ff00") == "#00ff00" and picker.postprocess(None) is None
    assert picker.api_info() == {"type": "string"} and picker.example_payload() == "#000000"
    assert gr.ColorPicker.EVENTS == ("change", "input", "release", "submit", "focus", "blur")
