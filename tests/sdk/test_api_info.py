"""`podium.api_info`: the /info document. Python type strings are checked against the real gradio_client's
own converter, so a client reading our /info sees exactly what it would write itself."""

from __future__ import annotations

from typing import Any

import pytest
from gradio_client.utils import json_schema_to_python_type as client_python_type

import podium as gr
from podium.api_info import (
    build_api_info,
    code_snippets,
    endpoint_info,
    function_params,
    is_file_schema,
    json_schema_to_python_type,
    with_code_snippets,
)
from podium.files.filedata import FILE_DATA_SCHEMA

SCHEMAS: list[dict[str, Any]] = [
    {},
    {"type": "string"},
    {"type": "number", "description": "numeric value between 0 and 100"},
    {"type": "integer"},
    {"type": "boolean"},
    {"type": "null"},
    {"const": 3},
    {"enum": ["a", "b"]},
    {"type": "array", "items": {"type": "string"}},
    {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
    {"type": "array", "items": {"prefixItems": [{"type": "string"}, {"type": "integer"}]}},
    {"anyOf": [{"type": "string"}, {"type": "null"}]},
    {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
    {"allOf": [{"type": "string"}, {"type": "integer"}]},
    {"type": "object", "properties": {"a": {"type": "string", "description": "first"}, "b": {"type": "integer"}}},
    {"type": "object", "additionalProperties": {"type": "number"}},
    {"type": "object", "properties": {}, "additionalProperties": True},
    {"description": "any valid json"},
    {"type": {}, "description": "any valid json"},
    {"description": "anything"},
    {"$defs": {"Row": {"type": "array", "items": {"type": "string"}}}, "$ref": "#/$defs/Row"},
    FILE_DATA_SCHEMA,
    {"type": "array", "items": FILE_DATA_SCHEMA},
    {"anyOf": [FILE_DATA_SCHEMA, {"type": "null"}]},
    {
        "type": "object",
        "properties": {"headers": {"type": "array", "items": {"type": "string"}},
                       "data": {"type": "array", "items": {"type": "array", "items": {}}}},
    },
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: str(s)[:60])
def test_python_type_matches_gradio_client(schema: dict[str, Any]) -> None:
    assert json_schema_to_python_type(schema) == client_python_type(schema)


def test_file_schema_is_filepath() -> None:
    assert json_schema_to_python_type(FILE_DATA_SCHEMA) == "filepath"
    assert json_schema_to_python_type({"type": "array", "items": FILE_DATA_SCHEMA}) == "list[filepath]"
    assert is_file_schema(FILE_DATA_SCHEMA)
    assert not is_file_schema({"type": "object", "properties": {"path": {"type": "string"}}})


def test_file_schema_with_const_meta_type() -> None:
    schema = {"type": "object", "properties": {
        "path": {"type": "string"},
        "meta": {"type": "object", "properties": {"_type": {"const": "gradio.FileData"}}}}}
    assert json_schema_to_python_type(schema) == "filepath"


def test_non_dict_schema_is_any() -> None:
    assert json_schema_to_python_type(None) == "Any"
    assert json_schema_to_python_type(True) == "Any"


def test_type_list_is_a_union() -> None:
    assert json_schema_to_python_type({"type": ["string", "null"]}) == "str | None"


# --- function parameters ----------------------------------------------------------------------------


def test_function_params_skip_injected_arguments() -> None:
    def fn(a: str, request: gr.Request, b: int = 2, progress: Any = gr.Progress(), *rest: Any,
           **kw: Any) -> None: ...

    assert function_params(fn) == [("a", False, None), ("b", True, 2)]


def test_function_params_skip_event_data() -> None:
    def fn(evt: gr.SelectData, x: str) -> None: ...

    assert function_params(fn) == [("x", False, None)]


def test_function_params_of_builtins_and_none() -> None:
    assert function_params(None) == []
    assert isinstance(function_params(print), list)


# --- endpoints ----------------------------------------------------------------------------------------


def test_endpoint_parameters_and_returns() -> None:
    with gr.Blocks() as demo:
        name = gr.Textbox(label="Name")
        greeting = gr.Textbox(label="Greeting", value="hi")
        count = gr.State(0)

        def fn(who: str, n: int, extra: str | None = None) -> tuple[str, int]:
            return who, n

        name.submit(fn, [name, count, greeting], [greeting, count], api_name="go")
    info = endpoint_info(demo.fns[0])
    params = info["parameters"]
    assert [p["parameter_name"] for p in params] == ["who", "extra"]  # State at index 1 is left out
    assert params[0]["parameter_has_default"] is False
    assert (params[1]["parameter_has_default"], params[1]["parameter_default"]) == (True, "hi")
    assert [r["label"] for r in info["returns"]] == ["Greeting"]
    assert params[0]["component"] == "Textbox"


def test_none_default_of_the_function_counts() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox()

        def fn(x: str | None = None) -> str:
            return x or ""

        box.submit(fn, box, box)
    (param,) = endpoint_info(demo.fns[0])["parameters"]
    assert (param["parameter_has_default"], param["parameter_default"]) == (True, None)


def test_labels_fall_back_to_ids() -> None:
    with gr.Blocks() as demo:
        a = gr.Textbox()
        b = gr.Textbox()
        a.submit(lambda x: x, a, b)
    info = endpoint_info(demo.fns[0])
    assert info["parameters"][0]["label"] == f"parameter_{a.id}"
    assert info["returns"][0]["label"] == f"value_{b.id}"


def test_extra_inputs_get_positional_names() -> None:
    with gr.Blocks() as demo:
        a = gr.Textbox()
        b = gr.Textbox()

        def fn(*values: str) -> str:
            return "".join(values)

        a.submit(fn, [a, b], a)
    assert [p["parameter_name"] for p in endpoint_info(demo.fns[0])["parameters"]] == ["param_0", "param_1"]


def test_visibility_filters() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(lambda x: x, box, box, api_name="pub")
        box.change(lambda x: x, box, box, api_name="undoc", api_visibility="undocumented")
        box.blur(lambda x: x, box, box, api_name="priv", api_visibility="private")
        box.focus(None, box, box, js="(x) => x", api_name="jsonly")
    assert set(build_api_info(demo)["named_endpoints"]) == {"/pub"}
    assert set(build_api_info(demo, all_endpoints=True)["named_endpoints"]) == {"/pub", "/undoc"}
    assert build_api_info(demo)["unnamed_endpoints"] == {}


def test_file_endpoint_snippet_uses_handle_file() -> None:
    with gr.Blocks() as demo:
        upload = gr.File(label="doc")
        upload.upload(lambda p: p, upload, upload, api_name="echo")
    info = with_code_snippets(build_api_info(demo), "http://host:1")
    endpoint = info["named_endpoints"]["/echo"]
    assert endpoint["parameters"][0]["python_type"]["type"] == "filepath"
    python = endpoint["code_snippets"]["python"]
    assert "from gradio_client import Client, handle_file" in python
    assert "handle_file(" in python


def test_snippets_are_runnable_python() -> None:
    endpoint = {"parameters": [{"parameter_name": "text", "example_input": "it's \"quoted\""}], "returns": []}
    snippets = code_snippets("/go", endpoint, "http://h:1")
    compile(snippets["python"], "<snippet>", "exec")
    assert "Client('http://h:1/')" in snippets["python"]
    assert "'\\''" in snippets["bash"]  # the single quote is escaped for the shell
    assert 'client.predict("/go"' in snippets["javascript"]


def test_a_broken_component_leaves_only_its_endpoint_out() -> None:
    class Broken(gr.Textbox):
        def api_info(self) -> dict[str, Any]:
            raise RuntimeError("no schema")

    with gr.Blocks() as demo:
        ok = gr.Textbox()
        bad = Broken()
        ok.submit(lambda x: x, ok, ok, api_name="ok")
        bad.submit(lambda x: x, bad, bad, api_name="bad")
    assert set(build_api_info(demo)["named_endpoints"]) == {"/ok"}


def test_defaults_follow_gradio() -> None:
    with gr.Blocks() as demo:
        text = gr.Textbox()
        slider = gr.Slider(0, 10)
        check = gr.Checkbox()
        number = gr.Number()
        text.submit(lambda *a: a[0], [text, slider, check, number], text)
    params = endpoint_info(demo.fns[0])["parameters"]
    assert [(p["parameter_has_default"], p["parameter_default"]) for p in params] == [
        (False, None), (True, 0), (True, False), (False, None)
    ]


def test_python_type_description_is_the_additional_description() -> None:
    """Gradio leaves the schema's own description out of python_type (a Slider shows "")."""
    with gr.Blocks() as demo:
        slider = gr.Slider(0, 10, label="s")
        slider.change(lambda x: x, slider, slider)
    (param,) = endpoint_info(demo.fns[0])["parameters"]
    assert param["type"]["description"] == "numeric value between 0 and 10"
    assert param["python_type"] == {"type": "float", "description": ""}
