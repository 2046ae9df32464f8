"""Value formatting shared by the SSR renderers: the exact twins of frontend_dist/src/app/components/format.ts.

JavaScript prints numbers and JSON its own way (`String(3.0)` is "3", `String(1e-7)` is "1e-7"); the server-rendered
markup must match what the browser renders, so these helpers reproduce JavaScript's output rather than Python's.
"""

from __future__ import annotations

import html
import math
import urllib.parse
from decimal import Decimal
from typing import Any


def esc(s: str) -> str:
    """HTML-escape text and attribute values (`&`, `<`, `>`, `"`, `'`)."""
    return html.escape(s, quote=True)


def js_num(x: float | int) -> str:
    """A number as JavaScript's `String(x)` prints it."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr() gives the shortest round-tripping digits, as JavaScript does; only the layout differs.
    _, digits_t, exponent = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digits_t))
    k = len(digits)
    n = int(exponent) + k  # the value is 0.DIGITS * 10**n
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        out = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + out


def js_json(value: Any, indent: int = 0, _level: int = 0) -> str:
    """`JSON.stringify(value, null, indent)` (indent 0: compact)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return "null"
        return js_num(value)
    if isinstance(value, str):
        return _json_string(value)
    pad = "\n" + " " * (indent * (_level + 1)) if indent else ""
    end = "\n" + " " * (indent * _level) if indent else ""
    colon = ": " if indent else ":"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [_json_string(str(k)) + colon + js_json(v, indent, _level + 1) for k, v in _js_key_order(value)]
        return "{" + pad + ("," + pad).join(items) + end + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[" + pad + ("," + pad).join(js_json(v, indent, _level + 1) for v in value) + end + "]"
    return _json_string(str(value))


def _js_key_order(d: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """JavaScript objects list integer-like keys first, in numeric order, then the rest as inserted."""
    def index(k: Any) -> int | None:
        s = str(k)
        return int(s) if s.isdigit() and s.isascii() and str(int(s)) == s and int(s) < 2**32 - 1 else None

    ints = sorted(((index(k), k, v) for k, v in d.items() if index(k) is not None), key=lambda t: t[0] or 0)
    return [(k, v) for _, k, v in ints] + [(k, v) for k, v in d.items() if index(k) is None]


def _json_string(s: str) -> str:
    import json

    return json.dumps(s, ensure_ascii=False)


def text(v: Any) -> str:
    """A value as text in a cell or a box: numbers as JavaScript prints them, None as ""."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, int, float)):
        return js_num(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(text(x) for x in v)
    if isinstance(v, dict):
        if isinstance(v.get("path"), str):
            return file_name(v)
        return js_json(v)
    return str(v)


def round_half_up(x: float, digits: int = 0) -> float | int:
    """`Math.floor(x * 10**digits + 0.5) / 10**digits`, as the browser rounds."""
    f = 10**digits
    r = math.floor(x * f + 0.5) / f
    return int(r) if digits == 0 else r


def file_name(f: dict[str, Any]) -> str:
    name = f.get("orig_name")
    if isinstance(name, str) and name:
        return name
    path = str(f.get("path") or "")
    return path[path.rfind("/") + 1 :]


def file_url(f: dict[str, Any]) -> str:
    url = f.get("url")
    if isinstance(url, str) and url:
        return url
    # encodeURI's unescaped set
    return "gradio_api/file=" + urllib.parse.quote(str(f.get("path") or ""), safe=";,/?:@&=+$-_.!~*'()#")


def file_size(n: Any) -> str:
    if not isinstance(n, (int, float)) or isinstance(n, bool):
        return ""
    if n < 1024:
        return f"{js_num(n)} B"
    if n < 1024 * 1024:
        return f"{js_num(round_half_up(n / 1024, 1))} KB"
    return f"{js_num(round_half_up(n / (1024 * 1024), 1))} MB"


def choice_pairs(choices: Any) -> list[tuple[str, Any]]:
    """Choices as (label, value) pairs (configs send [label, value]; older ones plain values)."""
    if not isinstance(choices, list):
        return []
    return [(text(c[0]), c[1]) if isinstance(c, (list, tuple)) else (text(c), c) for c in choices]


def is_hidden(props: dict[str, Any]) -> bool:
    return props.get("visible") is False or props.get("visible") == "hidden"


def label_of(props: dict[str, Any], fallback: str) -> str:
    label = props.get("label")
    if isinstance(label, str) and label != "":
        return label
    return fallback if label is None or label == "" else text(label)


def js_eq(a: Any, b: Any) -> bool:
    """JavaScript's `===` on JSON values: same type and value for primitives, never for objects."""
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b
