"""Form inputs: twins of Textbox, NumberInput, Slider, Checkbox, CheckboxGroup, Radio, Dropdown, ColorPicker.tsx."""

from __future__ import annotations

from typing import Any

from podium.ssr.block import Node, block, described_by, field_label
from podium.ssr.format import choice_pairs, js_eq, label_of, round_half_up, text
from podium.ssr.html import el, txt


def _num(v: Any) -> float | int | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def textarea_rows(value: str, lines: int | float, max_lines: int | float) -> int | float:
    n = len(value.split("\n"))
    return max(lines, min(n, max(max_lines, lines)))


def textbox(node: Node) -> str:
    props = node.props
    value = text(node.value)
    lines = _num(props.get("lines"))
    lines = 1 if lines is None else lines
    max_lines = _num(props.get("max_lines"))
    max_lines = 20 if max_lines is None else max_lines
    kind = props.get("type") if props.get("type") in ("password", "email") else "text"
    placeholder = props.get("placeholder")
    common = {
        "id": f"input-{node.id}",
        "class": "pd-input",
        "placeholder": placeholder if isinstance(placeholder, str) else None,
        "readonly": props.get("interactive") is False,
        "dir": "rtl" if props.get("rtl") is True else None,
        "aria-describedby": described_by(node),
    }
    if lines > 1:
        # the HTML parser drops one newline right after <textarea>
        body = ("\n" if value.startswith("\n") else "") + txt(value)
        control = el("textarea", {**common, "rows": textarea_rows(value, lines, max_lines)}, body)
    else:
        control = el("input", {**common, "type": kind, "value": value})
    return block(node, field_label(node, "Textbox"), control)


def number(node: Node) -> str:
    props = node.props
    placeholder = props.get("placeholder")
    step = _num(props.get("step"))
    control = el(
        "input",
        {
            "id": f"input-{node.id}",
            "class": "pd-input",
            "type": "number",
            "value": text(node.value),
            "min": _num(props.get("minimum")),
            "max": _num(props.get("maximum")),
            "step": "any" if step is None else step,
            "placeholder": placeholder if isinstance(placeholder, str) else None,
            "readonly": props.get("interactive") is False,
            "aria-describedby": described_by(node),
        },
    )
    return block(node, field_label(node, "Number"), control)


def slider_fill(value: float, lo: float, hi: float) -> float | int:
    if hi <= lo:
        return 0
    return round_half_up(min(100, max(0, ((value - lo) / (hi - lo)) * 100)), 2)


def slider(node: Node) -> str:
    props = node.props
    lo = _num(props.get("minimum"))
    lo = 0 if lo is None else lo
    hi = _num(props.get("maximum"))
    hi = 100 if hi is None else hi
    step = _num(props.get("step"))
    step = 1 if step is None else step
    value = _num(node.value)
    value = lo if value is None else value
    disabled = props.get("interactive") is False
    box = el(
        "input",
        {
            "class": "pd-input pd-slider-number",
            "type": "number",
            "value": text(value),
            "min": lo,
            "max": hi,
            "step": step,
            "disabled": disabled,
            "aria-label": f"{label_of(props, 'Slider')} (number)",
        },
    )
    head = el("div", {"class": "pd-slider-head"}, field_label(node, "Slider"), box)
    track = el(
        "input",
        {
            "id": f"input-{node.id}",
            "class": "pd-range",
            "type": "range",
            "value": text(value),
            "min": lo,
            "max": hi,
            "step": step,
            "disabled": disabled,
            "style": f"--pd-fill:{text(slider_fill(value, lo, hi))}%",
            "aria-describedby": described_by(node),
        },
    )
    return block(node, head, track)


def checkbox(node: Node) -> str:
    props = node.props
    info = props.get("info")
    has_info = isinstance(info, str) and info != ""
    out = el("div", {"class": "pd-info", "id": f"info-{node.id}"}, txt(info)) if has_info else ""  # type: ignore[arg-type]
    box = el(
        "input",
        {
            "id": f"input-{node.id}",
            "type": "checkbox",
            "checked": node.value is True,
            "disabled": props.get("interactive") is False,
            "aria-describedby": f"info-{node.id}" if has_info else None,
        },
    )
    label = el(
        "label",
        {"class": "pd-label pd-check", "id": f"label-{node.id}", "for": f"input-{node.id}"},
        box,
        el("span", {}, txt(label_of(props, "Checkbox"))),
    )
    return block(node, out, label)


def _choices(node: Node, kind: str, role: str, fallback: str) -> str:
    props = node.props
    disabled = props.get("interactive") is False
    selected: list[Any] = node.value if isinstance(node.value, list) else []
    options = []
    for i, (label, value) in enumerate(choice_pairs(props.get("choices"))):
        checked = any(js_eq(v, value) for v in selected) if kind == "checkbox" else js_eq(node.value, value)
        box = el(
            "input",
            {
                "id": f"input-{node.id}" if i == 0 else None,
                "type": kind,
                "name": f"input-{node.id}",
                "checked": checked,
                "disabled": disabled,
            },
        )
        options.append(el("label", {"class": "pd-choice"}, box, el("span", {}, txt(label))))
    group = el(
        "div",
        {
            "class": "pd-choices",
            "role": role,
            "aria-labelledby": f"label-{node.id}",
            "aria-describedby": described_by(node),
        },
        *options,
    )
    return block(node, field_label(node, fallback, for_input=False), group)


def checkboxgroup(node: Node) -> str:
    return _choices(node, "checkbox", "group", "Checkbox Group")


def radio(node: Node) -> str:
    return _choices(node, "radio", "radiogroup", "Radio")


def choice_label(pairs: list[tuple[str, Any]], value: Any) -> str:
    for label, v in pairs:
        if js_eq(v, value):
            return label
    return text(value)


def dropdown(node: Node) -> str:
    props = node.props
    pairs = choice_pairs(props.get("choices"))
    multi = props.get("multiselect") is True
    custom = props.get("allow_custom_value") is True
    disabled = props.get("interactive") is False
    parts = []
    if multi:
        values = node.value if isinstance(node.value, list) else []
        tokens = [
            el(
                "span",
                {"class": "pd-token"},
                txt(choice_label(pairs, v)),
                el(
                    "button",
                    {
                        "type": "button",
                        "class": "pd-token-remove",
                        "aria-label": f"Remove {choice_label(pairs, v)}",
                        "disabled": disabled,
                    },
                ),
            )
            for v in values
        ]
        parts.append(el("div", {"class": "pd-tokens"}, *tokens))
    placeholder = props.get("placeholder")
    parts.append(
        el(
            "input",
            {
                "id": f"input-{node.id}",
                "class": "pd-input",
                "role": "combobox",
                "aria-expanded": "false",
                "aria-controls": f"listbox-{node.id}",
                "aria-autocomplete": "list",
                "aria-describedby": described_by(node),
                "autocomplete": "off",
                "value": "" if multi else choice_label(pairs, node.value),
                "placeholder": placeholder if isinstance(placeholder, str) else None,
                "readonly": props.get("filterable") is False and not custom,
                "disabled": disabled,
            },
        )
    )
    return block(node, field_label(node, "Dropdown"), el("div", {"class": "pd-combo"}, *parts))


def colorpicker(node: Node) -> str:
    props = node.props
    value = text(node.value) or "#000000"
    control = el(
        "input",
        {
            "id": f"input-{node.id}",
            "class": "pd-color-input",
            "type": "color",
            "value": value,
            "disabled": props.get("interactive") is False,
            "aria-describedby": described_by(node),
        },
    )
    picker = el("div", {"class": "pd-color"}, control, el("code", {"class": "pd-color-value"}, txt(value)))
    return block(node, field_label(node, "Color Picker"), picker)
