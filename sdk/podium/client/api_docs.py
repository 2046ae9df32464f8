"""The text `Client.view_api()` prints: one `predict(...)` signature per endpoint, from the cached /info."""

from __future__ import annotations

from typing import Any

from podium.files.filedata import map_file_data


def render_api(info: dict[str, Any], all_endpoints: bool | None = None) -> str:
    """Usage text for every named endpoint (and unnamed ones when asked or when there are no named ones)."""
    named = info.get("named_endpoints") or {}
    unnamed = info.get("unnamed_endpoints") or {}
    if not named and all_endpoints is None:
        all_endpoints = True
    lines = ["Client.predict() Usage Info", "---------------------------", f"Named API endpoints: {len(named)}"]
    for api_name, endpoint in named.items():
        lines.extend(_render_endpoint(f'api_name="{api_name}"', endpoint))
    if all_endpoints:
        lines.append(f"\nUnnamed API endpoints: {len(unnamed)}")
        for fn_index, endpoint in unnamed.items():
            lines.extend(_render_endpoint(f"fn_index={int(fn_index)}", endpoint))
    elif unnamed:
        lines.append(f"\nUnnamed API endpoints: {len(unnamed)}, to view, run Client.view_api(all_endpoints=True)")
    return "\n".join(lines) + "\n"


def _identifier(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in " _").replace(" ", "_").lower()


def _render_endpoint(selector: str, endpoint: dict[str, Any]) -> list[str]:
    parameters = endpoint.get("parameters") or []
    returns = endpoint.get("returns") or []
    names = [_identifier(str(p.get("parameter_name") or p.get("label") or "arg")) for p in parameters]
    results = [_identifier(str(r.get("label") or "value")) for r in returns]
    shown_results = ", ".join(results)
    if len(results) > 1:
        shown_results = f"({shown_results})"
    arguments = "".join(f"{n}, " for n in names)
    lines = [f"\n - predict({arguments}{selector}) -> {shown_results}", "    Parameters:"]
    for name, parameter in zip(names, parameters, strict=True):
        python_type = parameter.get("python_type") or {}
        type_name = str(python_type.get("type", "Any"))
        description = python_type.get("description")
        if parameter.get("parameter_has_default"):
            default = map_file_data(parameter.get("parameter_default"),
                                    lambda fd: f'handle_file("{fd.get("url") or fd["path"]}")')
            if default is None:
                type_name += " | None"
            requirement = f"(not required, defaults to: {default})"
        else:
            requirement = "(required)"
        note = f" ({description})" if description else ""
        lines.append(f"     - [{parameter.get('component', '?')}] {name}: {type_name} {requirement}{note}")
    if not parameters:
        lines.append("     - None")
    lines.append("    Returns:")
    for name, value in zip(results, returns, strict=True):
        python_type = value.get("python_type") or {}
        description = python_type.get("description")
        note = f" ({description})" if description else ""
        lines.append(f"     - [{value.get('component', '?')}] {name}: {python_type.get('type', 'Any')}{note}")
    if not returns:
        lines.append("     - None")
    return lines
