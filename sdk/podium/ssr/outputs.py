"""Display components: twins of Markdown, Html, Json, Label, Code, Dataset and State.tsx."""

from __future__ import annotations

import math
from typing import Any

from podium.ssr.block import Node, block, field_label
from podium.ssr.format import js_json, round_half_up, text
from podium.ssr.html import el, txt
from podium.ssr.markdown import render_markdown


def markdown(node: Node) -> str:
    props = node.props
    html = render_markdown(
        text(node.value), sanitize=props.get("sanitize_html") is not False, line_breaks=props.get("line_breaks") is True
    )
    label = field_label(node, "Markdown", for_input=False) if props.get("show_label") is True else ""
    return block(node, label, el("div", {"class": "pd-prose"}, html), cls="pd-rtl" if props.get("rtl") is True else "")


def html_of(value: Any, template: Any) -> str:
    v = text(value)
    return v.join(template.split("${value}")) if isinstance(template, str) and "${value}" in template else v


def html(node: Node) -> str:
    props = node.props
    label = field_label(node, "HTML", for_input=False) if props.get("show_label") is True else ""
    # the app author's own markup, inserted as is (Gradio does the same)
    return block(node, label, el("div", {"class": "pd-html-content"}, html_of(node.value, props.get("html_template"))))


def json(node: Node) -> str:
    props = node.props
    max_height = props.get("max_height")
    style = f"max-height:{text(max_height)}px" if isinstance(max_height, (int, float)) and not isinstance(max_height, bool) else None
    pre = el(
        "pre",
        {"class": "pd-json-view", "aria-labelledby": f"label-{node.id}", "style": style, "tabindex": 0},
        el("code", {}, txt(js_json(node.value, 2))),
    )
    return block(node, field_label(node, "JSON", for_input=False), pre)


def label(node: Node) -> str:
    props = node.props
    v = node.value if isinstance(node.value, dict) else {}
    confidences = v.get("confidences") if isinstance(v.get("confidences"), list) else []
    top = None if v.get("label") is None else text(v.get("label"))
    parts = [field_label(node, "Label", for_input=False)]
    if top is not None and props.get("show_heading") is not False:
        parts.append(el("div", {"class": "pd-label-top"}, txt(top)))
    if confidences:
        items = []
        for c in confidences:
            c = c if isinstance(c, dict) else {}
            conf = c.get("confidence")
            pct = round_half_up(conf * 100) if isinstance(conf, (int, float)) and not isinstance(conf, bool) else 0
            name = text(c.get("label"))
            head = el("div", {"class": "pd-confidence-head"}, el("span", {}, txt(name)), el("span", {}, f"{text(pct)}%"))
            bar = el(
                "div",
                {
                    "class": "pd-bar",
                    "role": "meter",
                    "aria-valuemin": 0,
                    "aria-valuemax": 100,
                    "aria-valuenow": pct,
                    "aria-label": name,
                },
                el("div", {"class": "pd-bar-fill", "style": f"width:{text(pct)}%"}),
            )
            cls = "pd-confidence pd-confidence-top" if name == top else "pd-confidence"
            items.append(el("li", {"class": cls}, head, bar))
        parts.append(el("ul", {"class": "pd-confidences", "aria-labelledby": f"label-{node.id}"}, *items))
    return block(node, *parts)


def code(node: Node) -> str:
    props = node.props
    value = text(node.value)
    lang = props.get("language") if isinstance(props.get("language"), str) and props.get("language") else None
    editable = props.get("interactive") is True
    lines_prop = props.get("lines")
    lines: float = lines_prop if isinstance(lines_prop, (int, float)) and not isinstance(lines_prop, bool) else 5
    if editable:
        body = ("\n" if value.startswith("\n") else "") + txt(value)
        control = el(
            "textarea",
            {
                "id": f"input-{node.id}",
                "class": "pd-input pd-code-input",
                "rows": max(lines, len(value.split("\n"))),
                "spellcheck": "false",
            },
            body,
        )
    else:
        control = el(
            "pre",
            {"class": "pd-code-view", "aria-labelledby": f"label-{node.id}", "tabindex": 0},
            el("code", {"class": f"language-{lang}" if lang else None}, txt(value)),
        )
    return block(node, field_label(node, "Code", for_input=editable), control)


def dataset(node: Node) -> str:
    props = node.props
    samples_prop = props.get("samples")
    samples: list[Any] = samples_prop if isinstance(samples_prop, list) else []
    headers = [text(h) for h in props.get("headers") or []] if isinstance(props.get("headers"), list) else []
    labels_prop = props.get("sample_labels")
    sample_labels = [text(s) for s in labels_prop] if isinstance(labels_prop, list) else None
    per_page = props.get("samples_per_page")
    per_page = per_page if isinstance(per_page, int) and not isinstance(per_page, bool) and per_page > 0 else 10
    pages = max(1, math.ceil(len(samples) / per_page))
    rows = []
    for index, row in enumerate(samples[:per_page]):
        if sample_labels is not None:
            cells = [sample_labels[index] if index < len(sample_labels) else ""]
        else:
            cells = [text(c) for c in (row if isinstance(row, list) else [row])]
        rows.append(
            el(
                "tr",
                {"class": "pd-sample", "tabindex": 0, "data-index": str(index)},
                *(el("td", {}, txt(c)) for c in cells),
            )
        )
    head = ""
    if sample_labels is None and any(h != "" for h in headers):
        head = el("thead", {}, el("tr", {}, *(el("th", {}, txt(h)) for h in headers)))
    table = el(
        "table", {"class": "pd-dataset-table", "aria-labelledby": f"label-{node.id}"}, head, el("tbody", {}, *rows)
    )
    parts = [field_label(node, "Examples", for_input=False), el("div", {"class": "pd-dataset-scroll"}, table)]
    if pages > 1:
        buttons = (
            el(
                "button",
                {"type": "button", "class": "pd-page", "aria-current": "page" if i == 0 else None},
                str(i + 1),
            )
            for i in range(pages)
        )
        parts.append(el("nav", {"class": "pd-pages", "aria-label": "Example pages"}, *buttons))
    return block(node, *parts)


def state(node: Node) -> str:
    return ""
