"""The API description served at `/gradio_api/info` (wire-protocol spec, section 2).

For every public endpoint it lists the parameters (label, Python argument name, default, JSON Schema, a
Python type string, component name, example) and the returned values, plus ready-to-run code snippets for
the Python client, the JS client and curl. `gradio_client` reads this document to build its calls.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from podium.files.filedata import FILE_DATA_TYPE

if TYPE_CHECKING:
    from podium.blocks import Blocks
    from podium.components.base import Component
    from podium.dependencies import BlockFunction

logger = logging.getLogger("podium.server")

# Parameters of these types are injected by the server, never sent by clients.
_INJECTED_ANNOTATIONS = frozenset(
    {
        "Request", "EventData", "SelectData", "KeyUpData", "LikeData", "RetryData", "UndoData", "EditData",
        "DeletedFileData", "DownloadData", "CopyData", "Progress", "OAuthToken", "OAuthProfile",
    }
)


# --- JSON Schema -> Python type string -------------------------------------------------------------


class SchemaError(ValueError):
    """A JSON Schema that cannot be described as a Python type."""


def is_file_schema(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> bool:
    """Whether `schema` describes a FileData payload (`path`, plus `meta` whose `_type` is gradio.FileData)."""
    defs = defs if defs is not None else schema.get("$defs", {}) or {}
    props = schema.get("properties", {})
    if not isinstance(props, dict) or "path" not in props or "meta" not in props:
        return False
    meta = _resolve_ref(props["meta"], defs)
    meta_props = meta.get("properties", {})
    if isinstance(meta_props, dict) and "_type" in meta_props:
        return bool(meta_props["_type"].get("const") == FILE_DATA_TYPE)
    default = meta.get("default", {})
    return isinstance(default, dict) and default.get("_type") == FILE_DATA_TYPE


def _resolve_ref(schema: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema, dict) and "$ref" in schema:
        resolved = defs.get(str(schema["$ref"]).split("/")[-1], {})
        return resolved if isinstance(resolved, dict) else {}
    return schema if isinstance(schema, dict) else {}


def json_schema_to_python_type(schema: Any) -> str:
    """A Python type hint for a JSON Schema, written the way `gradio_client` writes it.

    `{"type": "string"}` -> `"str"`; `{"type": "array", "items": {"type": "number"}}` -> `"list[float]"`;
    unions use `|`; objects become `dict(name: type, ...)`; FileData schemas become `"filepath"`.
    """
    if not isinstance(schema, dict):
        return "Any"
    return _to_python_type(schema, schema.get("$defs") or {})


def _schema_kind(schema: dict[str, Any]) -> str | None:
    if "const" in schema:
        return "const"
    if "enum" in schema:
        return "enum"
    if "type" in schema:
        kind = schema["type"]
        if isinstance(kind, list):  # {"type": ["string", "null"]}
            return "type-list"
        if isinstance(kind, dict):  # {"type": {}}: any value (gr.JSON)
            return None
        return str(kind)
    for key in ("$ref", "oneOf", "anyOf", "allOf"):
        if schema.get(key):
            return key
    return None


_SCALARS = {"integer": "int", "string": "str", "boolean": "bool", "number": "float", "null": "None"}


def _to_python_type(schema: Any, defs: dict[str, Any]) -> str:
    if not isinstance(schema, dict) or schema == {}:
        return "Any"
    kind = _schema_kind(schema)
    if kind is None:
        description = schema.get("description", "")
        return "str | float | bool | list | dict" if isinstance(description, str) and "json" in description else "Any"
    if kind == "$ref":
        name = str(schema["$ref"]).split("/")[-1]
        if name not in defs:
            raise SchemaError(f"Schema reference {schema['$ref']!r} is not defined in $defs.")
        return _to_python_type(defs[name], defs)
    if kind == "const":
        return f"Literal[{schema['const']}]"
    if kind == "enum":
        return "Literal[" + ", ".join(f"'{v}'" for v in schema["enum"]) + "]"
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "type-list":
        return " | ".join(_SCALARS.get(str(t), "Any") for t in schema["type"])
    if kind == "array":
        items = schema.get("items", {})
        if isinstance(items, dict) and "prefixItems" in items:
            return "tuple[" + ", ".join(_to_python_type(i, defs) for i in items["prefixItems"]) + "]"
        if "prefixItems" in schema:
            return "tuple[" + ", ".join(_to_python_type(i, defs) for i in schema["prefixItems"]) + "]"
        return f"list[{_to_python_type(items, defs)}]"
    if kind == "object":
        if is_file_schema(schema, defs):
            return "filepath"
        props = schema.get("properties", {}) or {}
        parts = [
            f"{name}: {_to_python_type(value, defs)}{_description_suffix(value)}"
            for name, value in props.items()
            if name != "$defs"
        ]
        if "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            if extra is True:
                parts.append("str, Any")
            elif isinstance(extra, dict):
                parts.append(f"str, {_to_python_type(extra, defs)}")
        return "dict(" + ", ".join(parts) + ")"
    if kind in ("oneOf", "anyOf"):
        return " | ".join(_to_python_type(s, defs) for s in schema[kind])
    if kind == "allOf":
        return "All[" + ", ".join(_to_python_type(s, defs) for s in schema[kind]) + "]"
    raise SchemaError(f"Cannot describe the JSON Schema type {kind!r} as a Python type.")


def _description_suffix(schema: Any) -> str:
    description = schema.get("description") if isinstance(schema, dict) else None
    return f" ({description})" if description else ""


def _python_type(schema: dict[str, Any]) -> dict[str, Any]:
    """`{type, description}`; like Gradio, the description is the schema's `additional_description`."""
    try:
        type_string = json_schema_to_python_type(schema)
    except SchemaError:
        type_string = "Any"
    description = schema.get("additional_description", "") if isinstance(schema, dict) else ""
    return {"type": type_string, "description": description}


# --- endpoints -------------------------------------------------------------------------------------


def function_params(fn: Callable[..., Any] | None) -> list[tuple[str, bool, Any]]:
    """`(name, has_default, default)` for each argument a client supplies (injected ones left out)."""
    if fn is None:
        return []
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    params: list[tuple[str, bool, Any]] = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.KEYWORD_ONLY):
            continue
        if _is_injected(param):
            continue
        has_default = param.default is not inspect.Parameter.empty
        params.append((param.name, has_default, param.default if has_default else None))
    return params


def _is_injected(param: inspect.Parameter) -> bool:
    annotation = param.annotation
    if annotation is not inspect.Parameter.empty:
        name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if str(name).split(".")[-1].strip("'\"") in _INJECTED_ANNOTATIONS:
            return True
    default = param.default
    return default is not inspect.Parameter.empty and type(default).__name__ in _INJECTED_ANNOTATIONS


def _component_default(component: Component) -> tuple[bool, Any]:
    """Whether the component's initial value counts as a parameter default, and that value.

    As in Gradio, an initial value is a default unless it is None; a component left empty by the user
    counts as having none (Podium stores an empty Textbox as "" where Gradio stores None).
    """
    value = getattr(component, "value", None)
    if value is None or getattr(component, "load_fn", None) is not None:
        return False, None
    explicit = getattr(component, "_explicit_props", {}) or {}
    if explicit.get("value") is not None:
        return True, value
    return (False, None) if value == "" else (True, value)


def _label(component: Component, fallback: str) -> str:
    label = getattr(component, "label", None)
    return str(label) if label else fallback


def endpoint_info(fn: BlockFunction) -> dict[str, Any]:
    """The /info entry of one function, without code snippets."""
    params = function_params(fn.fn) if not fn.inputs_as_dict else []
    parameters: list[dict[str, Any]] = []
    for index, component in enumerate(fn.inputs):
        if component.skip_api:
            continue
        schema = component.api_info_as_input()
        name = params[index][0] if index < len(params) else f"param_{index}"
        has_default, default = _component_default(component)
        if not has_default and index < len(params) and params[index][1] and params[index][2] is None:
            has_default, default = True, None
        parameters.append(
            {
                "label": _label(component, f"parameter_{component.id}"),
                "parameter_name": name,
                "parameter_has_default": has_default,
                "parameter_default": default,
                "type": schema,
                "python_type": _python_type(schema),
                "component": component.get_block_name().capitalize(),
                "example_input": component.example_payload(),
            }
        )
    returns: list[dict[str, Any]] = []
    for component in fn.outputs:
        if component.skip_api:
            continue
        schema = component.api_info_as_output()
        returns.append(
            {
                "label": _label(component, f"value_{component.id}"),
                "type": schema,
                "python_type": _python_type(schema),
                "component": component.get_block_name().capitalize(),
            }
        )
    return {
        "parameters": parameters,
        "returns": returns,
        "api_visibility": fn.api_visibility,
        "description": fn.api_description or _first_doc_line(fn.fn),
    }


def _first_doc_line(fn: Callable[..., Any] | None) -> str:
    doc = inspect.getdoc(fn) if fn is not None else None
    return doc.strip().splitlines()[0] if doc else ""


def build_api_info(blocks: Blocks, *, all_endpoints: bool = False) -> dict[str, Any]:
    """`{"named_endpoints": {"/name": {...}}, "unnamed_endpoints": {}}`, without code snippets.

    Public functions are listed; `all_endpoints` adds the undocumented ones; private ones never appear.
    """
    visible = ("public", "undocumented") if all_endpoints else ("public",)
    named: dict[str, Any] = {}
    for fn in blocks.fns:
        if fn.fn is None or fn.api_visibility not in visible or not isinstance(fn.api_name, str):
            continue
        try:
            named["/" + fn.api_name] = endpoint_info(fn)
        except Exception:  # one broken component must not take the whole API description down
            logger.exception("Leaving /%s out of the API description: describing it failed", fn.api_name)
    return {"named_endpoints": named, "unnamed_endpoints": {}}


def with_code_snippets(info: dict[str, Any], root_url: str) -> dict[str, Any]:
    """A copy of `info` where every endpoint has `code_snippets` for python, javascript and bash."""
    named = {}
    for api_name, endpoint in info["named_endpoints"].items():
        named[api_name] = {**endpoint, "code_snippets": code_snippets(api_name, endpoint, root_url)}
    return {"named_endpoints": named, "unnamed_endpoints": info.get("unnamed_endpoints", {})}


def build_openapi(info: dict[str, Any], title: str, version: str) -> dict[str, Any]:
    """An OpenAPI 3.0 document for the curl-style `/call` routes of every endpoint in `info`."""
    paths: dict[str, Any] = {}
    for api_name, endpoint in info["named_endpoints"].items():
        name = api_name.lstrip("/")
        items = [p["type"] for p in endpoint["parameters"]]
        data_schema: dict[str, Any] = {"type": "array", "minItems": len(items), "maxItems": len(items)}
        if items:
            data_schema["items"] = {"anyOf": items} if len(items) > 1 else items[0]
        paths[f"/gradio_api/call/{name}"] = {
            "post": {
                "operationId": f"call_{name}",
                "summary": endpoint.get("description") or f"Start a call of {api_name}",
                "description": "Parameters, in order: "
                + (", ".join(p["parameter_name"] for p in endpoint["parameters"]) or "none")
                + f". Read the result from GET /gradio_api/call/{name}/{{event_id}}.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["data"],
                        "properties": {"data": data_schema, "session_hash": {"type": "string"}},
                    }}},
                },
                "responses": {"200": {"description": "The call's event id.", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"event_id": {"type": "string"}}}}}}},
            }
        }
        paths[f"/gradio_api/call/{name}/{{event_id}}"] = {
            "get": {
                "operationId": f"result_{name}",
                "summary": f"Stream the result of a {api_name} call (events: generating, complete, error)",
                "parameters": [{"name": "event_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Server-sent events.", "content": {"text/event-stream": {
                    "schema": {"type": "string"}}}}},
            }
        }
    return {"openapi": "3.0.3", "info": {"title": title, "version": version}, "paths": paths}


# --- code snippets ---------------------------------------------------------------------------------


def _is_file_example(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("meta"), dict) and value["meta"].get("_type") == FILE_DATA_TYPE


def _python_literal(value: Any) -> str:
    if _is_file_example(value):
        return f"handle_file({(value.get('url') or value.get('path'))!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_python_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_python_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _js_literal(value: Any) -> str:
    if _is_file_example(value):
        return f"await (await fetch({json.dumps(value.get('url') or value.get('path'))})).blob()"
    return json.dumps(value)


def code_snippets(api_name: str, endpoint: dict[str, Any], root_url: str) -> dict[str, str]:
    """Python, JavaScript and curl examples that call `api_name` on the app at `root_url`."""
    src = root_url.rstrip("/") + "/"
    params = endpoint["parameters"]
    uses_files = any(_is_file_example(p.get("example_input")) for p in params)

    py_args = "".join(f"\t{p['parameter_name']}={_python_literal(p.get('example_input'))},\n" for p in params)
    py_import = "from gradio_client import Client, handle_file" if uses_files else "from gradio_client import Client"
    python = (
        f"{py_import}\n\nclient = Client({src!r})\nresult = client.predict(\n"
        f"{py_args}\tapi_name={api_name!r},\n)\nprint(result)"
    )

    js_args = "".join(f"\t{p['parameter_name']}: {_js_literal(p.get('example_input'))},\n" for p in params)
    javascript = (
        'import { Client } from "@gradio/client";\n\n'
        f"const client = await Client.connect({json.dumps(src)});\n"
        f"const result = await client.predict({json.dumps(api_name)}, {{\n{js_args}}});\n\n"
        "console.log(result.data);"
    )

    call_url = f"{root_url.rstrip('/')}/gradio_api/call{api_name}"
    data = json.dumps({"data": [p.get("example_input") for p in params]}, indent=2)
    bash = (
        f"curl -X POST {call_url} -s -H \"Content-Type: application/json\" -d '{_shell_quote_body(data)}' \\\n"
        "  | awk -F'\"' '{ print $4}' \\\n"
        f"  | read EVENT_ID; curl -N {call_url}/$EVENT_ID"
    )
    return {"python": python, "javascript": javascript, "bash": bash}


def _shell_quote_body(text: str) -> str:
    return text.replace("'", "'\\''")


__all__ = [
    "SchemaError",
    "build_api_info",
    "build_openapi",
    "code_snippets",
    "endpoint_info",
    "function_params",
    "is_file_schema",
    "json_schema_to_python_type",
    "with_code_snippets",
]
