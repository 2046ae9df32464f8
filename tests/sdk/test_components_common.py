"""What every component shares: Gradio's constructor defaults, unknown arguments, config, schema and examples."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import podium as gr
from podium.components.base import Component

# name -> a factory of a typical instance (render=False: built outside any app)
FACTORIES: dict[str, Callable[..., Component]] = {
    "Number": lambda **kw: gr.Number(**kw),
    "Slider": lambda **kw: gr.Slider(0, 10, **kw),
    "Checkbox": lambda **kw: gr.Checkbox(**kw),
    "CheckboxGroup": lambda **kw: gr.CheckboxGroup(["a", "b"], **kw),
    "Radio": lambda **kw: gr.Radio(["a", "b"], **kw),
    "Dropdown": lambda **kw: gr.Dropdown(["a", "b"], **kw),
    "DropdownMulti": lambda **kw: gr.Dropdown(["a", "b"], multiselect=True, **kw),
    "Button": lambda **kw: gr.Button(**kw),
    "ClearButton": lambda **kw: gr.ClearButton(**kw),
    "UploadButton": lambda **kw: gr.UploadButton(**kw),
    "DownloadButton": lambda **kw: gr.DownloadButton(**kw),
    "Markdown": lambda **kw: gr.Markdown(**kw),
    "HTML": lambda **kw: gr.HTML(**kw),
    "JSON": lambda **kw: gr.JSON(**kw),
    "Label": lambda **kw: gr.Label(**kw),
    "Code": lambda **kw: gr.Code(**kw),
    "ColorPicker": lambda **kw: gr.ColorPicker(**kw),
    "File": lambda **kw: gr.File(**kw),
    "FileMultiple": lambda **kw: gr.File(file_count="multiple", **kw),
}

# Gradio 6.31's config `type` of each component (what the browser looks its renderer up by).
BLOCK_NAMES = {
    "Number": "number", "Slider": "slider", "Checkbox": "checkbox", "CheckboxGroup": "checkboxgroup",
    "Radio": "radio", "Dropdown": "dropdown", "DropdownMulti": "dropdown", "Button": "button",
    "ClearButton": "button", "UploadButton": "uploadbutton", "DownloadButton": "downloadbutton",
    "Markdown": "markdown", "HTML": "html", "JSON": "json", "Label": "label", "Code": "code",
    "ColorPicker": "colorpicker", "File": "file", "FileMultiple": "file",
}

SKIP_API = {"Button", "ClearButton"}


def matches_schema(value: Any, schema: dict[str, Any], defs: dict[str, Any] | None = None) -> bool:
    """A small structural JSON Schema check: type, enum, items, properties/required, anyOf, $ref, const."""
    defs = schema.get("$defs", defs or {})
    if "$ref" in schema:
        return matches_schema(value, defs[schema["$ref"].split("/")[-1]], defs)
    if "anyOf" in schema:
        return any(matches_schema(value, option, defs) for option in schema["anyOf"])
    if "const" in schema and value != schema["const"]:
        return False
    if "enum" in schema and schema["enum"] and value not in schema["enum"]:
        return False
    kind = schema.get("type")
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    if isinstance(kind, str) and not checks[kind](value):
        return False
    if kind == "array" and "items" in schema:
        return all(matches_schema(item, schema["items"], defs) for item in value)
    if kind == "object":
        if any(name not in value for name in schema.get("required", [])):
            return False
        props = schema.get("properties", {})
        return all(matches_schema(v, props[k], defs) for k, v in value.items() if k in props)
    return True


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_unknown_argument_warns_and_is_ignored(name: str) -> None:
    if name == "HTML":
        pytest.skip("HTML keeps extra keywords as template props, as Gradio 6 does")
    with pytest.warns(UserWarning, match="not_a_gradio_argument"):
        component = FACTORIES[name](render=False, not_a_gradio_argument=1)
    assert "not_a_gradio_argument" not in component.get_config()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_config_is_json_with_gradio_block_name(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        component = FACTORIES[name](render=False)
    config = json.loads(json.dumps(component.get_config()))
    assert config["name"] == BLOCK_NAMES[name] == component.get_block_name()
    assert "value" in config
    assert config["visible"] is True and config["elem_classes"] == []
    assert component.skip_api is (name in SKIP_API)


@pytest.mark.parametrize("name", sorted(set(FACTORIES) - SKIP_API))
def test_example_payload_matches_own_schema_and_preprocesses(name: str) -> None:
    component = FACTORIES[name](render=False)
    payload = component.example_payload()
    schema = component.api_info()
    assert json.loads(json.dumps(schema)) == schema
    assert matches_schema(payload, schema), (payload, schema)
    if "File" not in name and "Button" not in name:  # file payloads name a remote sample the server downloads
        assert component.preprocess(payload) == component.example_value()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_empty_value_postprocesses_to_itself(name: str) -> None:
    """ClearButton sends `empty_value()` through `postprocess`, so it must come out unchanged."""
    component = FACTORIES[name](render=False)
    empty = component.empty_value()
    assert component.postprocess(empty) == empty


def test_matches_schema_rejects_wrong_shapes() -> None:
    assert not matches_schema("x", {"type": "number"})
    assert not matches_schema(["c"], {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}})
    assert not matches_schema({"url": "u"}, gr.File(render=False).api_info())


def test_component_returned_from_handler_becomes_update_of_given_props() -> None:
    update = gr.Slider(0, 10, label="x", render=False).as_update()
    assert update == {"__type__": "update", "minimum": 0, "maximum": 10, "label": "x"}
    update = gr.Dropdown(["a", ("B", "b")], value="b", render=False).as_update()
    assert update["choices"] == [("a", "a"), ("B", "b")] and update["value"] == "b"


def test_components_package_exports_every_component() -> None:
    from podium import components

    for name in ("Number", "Slider", "Checkbox", "CheckboxGroup", "Radio", "Dropdown", "Button", "ClearButton",
                 "UploadButton", "DownloadButton", "Markdown", "HTML", "JSON", "Label", "Code", "ColorPicker",
                 "File", "State", "Textbox"):
        assert getattr(components, name) is getattr(gr, name)
