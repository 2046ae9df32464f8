"""Every form component as an input, and every display component as an output, inside every layout."""

import pytest
from gradio_client.exceptions import AppError


@pytest.fixture(scope="module")
def form_app(running_apps):
    return running_apps.get("form_components")


@pytest.fixture(scope="module")
def display_app(running_apps):
    return running_apps.get("display_layouts")


def test_all_defaults_come_from_component_values(form_app, make_client):
    values, types = make_client(form_app).predict(api_name="/summarize")
    assert values == {
        "text": "hello",
        "number": 1.5,
        "whole": 3,
        "slider": 10,
        "checked": True,
        "picks": ["red"],
        "pick_indices": [1],  # type="index"
        "radio": "small",
        "single": "y",
        "multi": ["x"],
        "color": "#ff0000",
    }
    assert types["whole"] == "int"
    assert types["checked"] == "bool"
    assert types["picks"] == types["multi"] == "list"


def test_positional_values_are_preprocessed(form_app, make_client):
    values, types = make_client(form_app).predict(
        "t",
        2.5,
        7.6,
        55,
        False,
        ["green", "blue"],
        ["a", "c"],
        "large",
        "z",
        ["y", "z"],
        "#00ff00",
        api_name="/summarize",
    )
    assert values == {
        "text": "t",
        "number": 2.5,
        "whole": 8,  # precision=0 rounds
        "slider": 55,
        "checked": False,
        "picks": ["green", "blue"],
        "pick_indices": [0, 2],
        "radio": "large",
        "single": "z",
        "multi": ["y", "z"],
        "color": "#00ff00",
    }
    assert types["whole"] == "int"


def test_keyword_values_mix_with_defaults(form_app, make_client):
    values, _ = make_client(form_app).predict(multi=["z"], radio="large", api_name="/summarize")
    assert values["multi"] == ["z"]
    assert values["radio"] == "large"
    assert values["text"] == "hello"


def test_value_outside_the_choices_is_an_app_error(form_app, make_client):
    with pytest.raises(AppError, match="purple"):
        make_client(form_app).predict(radio="purple", api_name="/summarize")


def test_view_api_of_form_components(form_app, make_client):
    info = make_client(form_app).view_api(return_format="dict", print_info=False)
    params = info["named_endpoints"]["/summarize"]["parameters"]
    assert [p["parameter_name"] for p in params] == [
        "text",
        "number",
        "whole",
        "slider",
        "checked",
        "picks",
        "pick_indices",
        "radio",
        "single",
        "multi",
        "color",
    ]
    assert [p["component"] for p in params] == [
        "Textbox",
        "Number",
        "Number",
        "Slider",
        "Checkbox",
        "Checkboxgroup",
        "Checkboxgroup",
        "Radio",
        "Dropdown",
        "Dropdown",
        "Colorpicker",
    ]
    by_name = {p["parameter_name"]: p for p in params}
    assert by_name["whole"]["python_type"]["type"] == "int"
    assert by_name["number"]["python_type"]["type"] == "float"
    assert by_name["checked"]["python_type"]["type"] == "bool"
    assert by_name["radio"]["python_type"]["type"] == "Literal['small', 'large']"
    assert by_name["single"]["python_type"]["type"] == "Literal['x', 'y', 'z']"
    assert by_name["multi"]["python_type"]["type"] == "list[Literal['x', 'y', 'z']]"
    assert by_name["picks"]["python_type"]["type"] == "list[Literal['red', 'green', 'blue']]"
    assert all(p["parameter_has_default"] for p in params)
    assert by_name["picks"]["parameter_default"] == ["red"]
    assert [r["component"] for r in info["named_endpoints"]["/summarize"]["returns"]] == ["Json", "Json"]


def test_display_components_as_outputs(display_app, make_client):
    result = make_client(display_app).predict("gradio", api_name="/render")
    assert result == (
        "# gradio",
        "<b>gradio</b>",
        {"topic": "gradio", "letters": 6, "tags": ["a", "b"]},
        "print('gradio')",
        "#00ff00",
    )


def test_label_output_from_confidences_and_from_a_string(display_app, make_client):
    client = make_client(display_app)
    assert client.predict("gradio", api_name="/classify") == {
        "label": "long",
        "confidences": [{"label": "long", "confidence": 0.75}, {"label": "short", "confidence": 0.25}],
    }
    assert client.predict("ab", api_name="/classify")["label"] == "short"


def test_layouts_and_clear_button_in_the_config(display_app, make_client):
    client = make_client(display_app)
    types = {c["type"] for c in client.config["components"]}
    assert {"row", "column", "tabs", "tabitem", "accordion", "group"} <= types
    assert {"markdown", "html", "json", "label", "code", "colorpicker", "textbox", "button"} <= types
    # the ClearButton's handler is not part of the documented API (Gradio runs it in the browser)
    info = client.view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/render", "/classify"}
    (clear_button,) = [c for c in client.config["components"] if c.get("props", {}).get("value") == "Clear"]
    assert clear_button["type"] == "button"
    clear_deps = [d for d in client.config["dependencies"] if [clear_button["id"], "click"] in d["targets"]]
    assert clear_deps and all(d["api_visibility"] != "public" for d in clear_deps)
    layout_ids = set()

    def walk(node):
        layout_ids.add(node["id"])
        for child in node.get("children", []):
            walk(child)

    walk(client.config["layout"])
    component_ids = {c["id"] for c in client.config["components"]}
    assert component_ids <= layout_ids | {client.config["layout"]["id"]}
