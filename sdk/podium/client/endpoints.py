"""The app's endpoints as the client sees them: built from `/config` and `/info` (spec 1.3, 1.4, 2.2, 7.3, 7.4).

An `Endpoint` turns `predict()` arguments into the `data` list of a join (keywords by `parameter_name`,
defaults from /info, `null` for State) and raw outputs back into what `predict()` returns.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podium.client.errors import ArgumentError, EndpointNotFoundError
from podium.client.files import handle_file

if TYPE_CHECKING:
    from podium.client.files import FileTransfer

# Component types that count as skipped when a config entry has no `skip_api` (spec 7.1).
_SKIPPED_TYPES = frozenset({
    "state", "row", "column", "tabs", "tab", "tabitem", "box", "form", "accordion", "group",
    "interpretation", "dataset", "sidebar",
})
_MISSING: Any = object()


@dataclass
class Endpoint:
    """One dependency of the app that the client can call."""

    fn_index: int
    api_name: str | None  # with the leading "/", as in /info
    visibility: str  # "public", "undocumented" or "private"
    backend_fn: bool
    input_skipped: list[bool]
    output_skipped: list[bool]
    input_file_kind: list[str | None]  # "single", "multiple" or None, per input
    parameters: list[dict[str, Any]] | None  # /info parameters (API-visible inputs), None if undocumented
    returns: list[dict[str, Any]] | None

    def describe(self) -> str:
        """`api_name="/x"` or `fn_index=3`, as a user would pass it."""
        return f'api_name="{self.api_name}"' if self.api_name else f"fn_index={self.fn_index}"

    def build_data(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        """The join `data` for these arguments: one entry per input, `None` for State and other skipped ones."""
        values = self._api_values(args, kwargs)
        visible_kinds = [kind for kind, skipped in zip(self.input_file_kind, self.input_skipped, strict=True)
                         if not skipped]
        values = [_wrap_file_arg(v, kind) for v, kind in zip(values, visible_kinds, strict=False)] + \
            values[len(visible_kinds):]
        data: list[Any] = []
        remaining = iter(values)
        for skipped in self.input_skipped:
            data.append(None if skipped else next(remaining, None))
        data.extend(remaining)  # extra positional values: the server reports the mismatch
        return data

    def _api_values(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        if self.parameters is None:
            if kwargs:
                raise ArgumentError(f"The endpoint {self.describe()} is not documented by the app, so it takes "
                                    "positional arguments only.")
            return list(args)
        names = [_parameter_name(p) for p in self.parameters]
        if len(args) > len(names):
            raise ArgumentError(f"The endpoint {self.describe()} takes {len(names)} argument(s) ({', '.join(names)}) "
                                f"but {len(args)} were given.")
        values = list(args) + [_MISSING] * (len(names) - len(args))
        for key, value in kwargs.items():
            if key not in names:
                raise ArgumentError(f"The endpoint {self.describe()} has no parameter {key!r}; its parameters are: "
                                    f"{', '.join(names) or '(none)'}.")
            index = names.index(key)
            if values[index] is not _MISSING:
                raise ArgumentError(f"Parameter {key!r} of {self.describe()} was given twice.")
            values[index] = value
        for index, value in enumerate(values):
            if value is _MISSING:
                info = self.parameters[index]
                if not info.get("parameter_has_default", False):
                    raise ArgumentError(f"The endpoint {self.describe()} needs a value for {names[index]!r}.")
                values[index] = copy.deepcopy(info.get("parameter_default"))
        return values

    def finish_outputs(self, raw: list[Any], files: FileTransfer) -> Any:
        """What predict returns for a raw output list: files downloaded, State dropped, one value unwrapped."""
        values = files.download_outputs(list(raw))
        kept = [v for v, skipped in zip(values, self.output_skipped, strict=False) if not skipped]
        if len(self.output_skipped) < len(values):
            kept.extend(values[len(self.output_skipped):])
        if sum(1 for s in self.output_skipped if not s) == 1 and len(kept) == 1:
            return kept[0]
        return tuple(kept)


class EndpointTable:
    """Every endpoint of an app, and the rules for picking one from `api_name` / `fn_index`."""

    def __init__(self, config: dict[str, Any], info: dict[str, Any]) -> None:
        components = {c["id"]: c for c in config.get("components", []) if isinstance(c, dict) and "id" in c}
        named = info.get("named_endpoints") or {}
        unnamed = info.get("unnamed_endpoints") or {}
        self.endpoints: list[Endpoint] = []
        for position, dep in enumerate(config.get("dependencies", [])):
            fn_index = dep.get("id", position)
            api_name = dep.get("api_name")
            api_name = "/" + api_name.lstrip("/") if isinstance(api_name, str) and api_name else None
            documented = named.get(api_name) if api_name else None
            if documented is None:
                documented = unnamed.get(str(fn_index)) or unnamed.get(fn_index)
            self.endpoints.append(Endpoint(
                fn_index=fn_index,
                api_name=api_name,
                visibility=_visibility(dep),
                backend_fn=dep.get("backend_fn") is not None and dep.get("backend_fn") is not False,
                input_skipped=[_is_skipped(components, i) for i in dep.get("inputs", [])],
                output_skipped=[_is_skipped(components, o) for o in dep.get("outputs", [])],
                input_file_kind=[_file_kind(components.get(i, {})) for i in dep.get("inputs", [])],
                parameters=documented.get("parameters") if documented else None,
                returns=documented.get("returns") if documented else None,
            ))

    def public_names(self) -> list[str]:
        """The api_names of the public endpoints, for error messages."""
        return [e.api_name for e in self.endpoints if e.api_name and e.visibility == "public"]

    def find(self, api_name: str | None = None, fn_index: int | None = None) -> Endpoint:
        """The endpoint to call; `EndpointNotFoundError` (listing the available names) when there is none."""
        if api_name is not None:
            wanted = "/" + api_name.lstrip("/")
            for endpoint in self.endpoints:
                if endpoint.api_name == wanted and endpoint.visibility != "private":
                    return endpoint
            raise EndpointNotFoundError(f"This app has no endpoint with api_name={wanted!r}.", self.public_names())
        if fn_index is not None:
            for endpoint in self.endpoints:
                if endpoint.fn_index == fn_index and endpoint.visibility != "private":
                    return endpoint
            raise EndpointNotFoundError(f"This app has no callable endpoint with fn_index={fn_index}.",
                                        self.public_names())
        candidates = [e for e in self.endpoints if e.visibility == "public" and e.api_name and e.backend_fn]
        if len(candidates) == 1:
            return candidates[0]
        raise EndpointNotFoundError(
            f"This app has {len(candidates)} public endpoints, so say which one to call with api_name=... .",
            self.public_names(),
        )


def _parameter_name(info: dict[str, Any]) -> str:
    """The keyword for a parameter: its Python name, else its label made into an identifier."""
    if info.get("parameter_name"):
        return str(info["parameter_name"])
    label = str(info.get("label") or "arg")
    return "".join(ch for ch in label if ch.isalnum() or ch in " _").replace(" ", "_").lower()


def _visibility(dep: dict[str, Any]) -> str:
    visibility = dep.get("api_visibility")
    if isinstance(visibility, str):
        return visibility
    if dep.get("api_name") is False:
        return "private"
    return "undocumented" if dep.get("show_api") is False else "public"


def _is_skipped(components: dict[int, dict[str, Any]], component_id: int) -> bool:
    component = components.get(component_id)
    if component is None:
        return False  # the server knows best; send the value through
    if "skip_api" in component:
        return bool(component["skip_api"])
    return component.get("type") in _SKIPPED_TYPES


def _is_file_schema(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    properties = schema.get("properties")
    if not isinstance(properties, dict) or "path" not in properties:
        return False
    meta = properties.get("meta")
    if not isinstance(meta, dict):
        return False
    type_schema = (meta.get("properties") or {}).get("_type") or {}
    marker = type_schema.get("const") if isinstance(type_schema, dict) else None
    marker = marker or (meta.get("default") or {}).get("_type")
    return bool(marker == "gradio.FileData")


def _file_kind(component: dict[str, Any]) -> str | None:
    schema = component.get("api_info_as_input") or component.get("api_info")
    if _is_file_schema(schema):
        return "single"
    if isinstance(schema, dict) and schema.get("type") == "array" and _is_file_schema(schema.get("items")):
        return "multiple"
    return None


def _wrap_file_arg(value: Any, kind: str | None) -> Any:
    """Let users pass a plain path or URL to a file input (wrapped with `handle_file`)."""
    if kind == "single" and isinstance(value, str) and value:
        return handle_file(value)
    if kind == "multiple" and isinstance(value, list | tuple):
        return [handle_file(v) if isinstance(v, str) and v else v for v in value]
    return value
