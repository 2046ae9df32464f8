"""A minimal HTML builder for the renderers: attributes in order, escaped; no whitespace between elements
(the browser's Preact tree has none, so hydration finds exactly the nodes it expects)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from podium.ssr.format import esc, js_num

_VOID = frozenset({"input", "br", "hr", "img"})

Attrs = dict[str, Any]

# Tests compare this markup with what Preact builds, whose attribute order differs (it sets `value` last).
_SORTED: ContextVar[bool] = ContextVar("podium_ssr_sorted_attributes", default=False)


@contextmanager
def sorted_attributes() -> Iterator[None]:
    """Write attributes in name order (for comparing with the browser's markup, whatever the order)."""
    token = _SORTED.set(True)
    try:
        yield
    finally:
        _SORTED.reset(token)


def attrs(a: Attrs) -> str:
    """` name="value"` pairs: None and False leave the attribute out, True writes it bare."""
    out = []
    for name, value in sorted(a.items()) if _SORTED.get() else a.items():
        if value is None or value is False:
            continue
        if value is True:
            out.append(f" {name}")
        elif isinstance(value, (int, float)):
            out.append(f' {name}="{js_num(value)}"')
        else:
            out.append(f' {name}="{esc(str(value))}"')
    return "".join(out)


def el(tag: str, a: Attrs | None = None, *children: str) -> str:
    """An element whose children are already HTML."""
    if tag in _VOID:
        return f"<{tag}{attrs(a or {})}>"
    return f"<{tag}{attrs(a or {})}>{''.join(children)}</{tag}>"


def txt(s: str) -> str:
    """Text content."""
    return esc(s)
