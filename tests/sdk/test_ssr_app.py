"""Server-side rendering of whole apps (`podium.ssr.render_app`): every component type shows its value in the
first HTML, user strings are escaped, hidden blocks carry `hidden`, and the markup equals what the browser's
Preact components build for the same config.

The last check is shared with Vitest: `frontend_dist/tests/components/ssr_cases.json` holds these apps' configs
and their server markup; `frontend_dist/tests/components/ssr_parity.test.tsx` renders the same configs with the
real components and compares. Regenerate the file after changing a renderer:
`.venv/bin/python tests/sdk/test_ssr_app.py`.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import podium as gr
from podium.ssr import render_app
from podium.ssr.html import sorted_attributes

CASES_FILE = Path(__file__).resolve().parents[2] / "frontend_dist" / "tests" / "components" / "ssr_cases.json"
XSS = "<script>alert('x')</script>"


def every_component_app() -> gr.Blocks:
    with gr.Blocks(title="Every component") as demo:
        gr.Markdown("# Title with **bold**\n\n- one\n- two")
        with gr.Row(equal_height=True):
            with gr.Column(scale=2):
                gr.Textbox(label="Name", value="Ada", placeholder="Your name", info="First name only")
                gr.Textbox(label="Story", value="line 1\nline 2", lines=3, max_lines=6)
                gr.Textbox(label="Secret", type="password", value="pw", elem_id="secret", elem_classes=["a", "b"])
                gr.Number(label="Amount", value=1.5, minimum=0, maximum=10)
                gr.Slider(0, 1, value=0.3, step=0.05, label="Ratio")
                gr.Checkbox(label="Agree", value=True)
                gr.CheckboxGroup(["red", "green", "blue"], value=["red", "blue"], label="Colors")
                gr.Radio([("Small", "s"), ("Large", "l")], value="l", label="Size")
                gr.Dropdown(["x", "y", "z"], value="y", label="Single")
                gr.Dropdown(["x", "y", "z"], value=["x", "z"], multiselect=True, label="Multi")
                gr.Dropdown(["x", "y"], value="custom", allow_custom_value=True, label="Custom")
                gr.ColorPicker("#3366ff", label="Color")
            with gr.Column(variant="panel"):
                gr.HTML('<p class="raw">Raw <b>HTML</b></p>')
                gr.JSON({"fruit": "äpple", "n": 3.0, "xs": [1, 2.5, None, True], "empty": {}}, label="Data")
                gr.Label({"cat": 0.7, "dog": 0.3}, label="Class")
                gr.Code("def f():\n    return '<b>'", language="python", label="Source")
                gr.Code("x = 1", language="python", label="Editor", interactive=True)
                gr.File(label="Upload here")
                gr.File(label="Result", interactive=False)
                gr.UploadButton("Pick files", file_count="multiple", file_types=["image", ".pdf"])
                gr.DownloadButton("Get it")
                gr.State({"hidden": "state"})
        with gr.Tabs(selected="second"):
            with gr.Tab("First", id="first"):
                gr.Button("Go", variant="primary")
            with gr.Tab("Second", id="second"):
                gr.Button("Stop", variant="stop", size="sm")
            with gr.Tab("Gone", visible=False):
                gr.Markdown("never shown")
        with gr.Accordion("More", open=False):
            with gr.Group():
                gr.Textbox(label="Hidden box", visible=False, value="secret value")
                gr.Textbox(label="Grouped", value="in a group")
    return demo


def interface_app() -> gr.Interface:
    def greet(name: str, intensity: int) -> str:
        return "Hello " + name + "!" * intensity

    return gr.Interface(
        greet,
        [gr.Textbox(label="Name"), gr.Slider(1, 10, value=2, step=1, label="Intensity")],
        gr.Textbox(label="Greeting"),
        title="Greeter",
        description="Says hello as *loudly* as you like.",
        article="Built with [Podium](https://example.com).",
        examples=[["Ann", 3], ["Bob <b>", 1]],
    )


def escaping_app() -> gr.Blocks:
    with gr.Blocks() as demo:
        gr.Textbox(label=XSS, value=XSS, placeholder='"quoted" & <tags>', info=XSS)
        gr.Markdown(XSS + "\n\n<img src=x onerror=alert(1)>")
        gr.Dropdown([XSS, "b"], value=XSS, label=XSS)
        gr.Dropdown([XSS], value=[XSS], multiselect=True, label="m")
        gr.CheckboxGroup([XSS], value=[XSS], label=XSS)
        gr.JSON({XSS: XSS}, label=XSS)
        gr.Label({XSS: 1.0}, label=XSS)
        gr.Code(XSS, label=XSS)
        gr.Button(XSS)
        with gr.Accordion(XSS):
            gr.Checkbox(label=XSS)
    return demo


def numbers_app() -> gr.Blocks:
    with gr.Blocks() as demo:
        gr.Number(label="Tiny", value=1e-7)
        gr.Number(label="Whole float", value=3.0)
        gr.Number(label="Big", value=1e21)
        gr.Slider(0, 3, value=1, step=0.1, label="Thirds")
        gr.Label({"a": 0.333333, "b": 0.666667}, label="Odd confidences")
        gr.JSON([0.1, 1e-7, 1e16, -0.0, 12345678.9], label="Floats")
    return demo


APPS = {
    "every component": every_component_app,
    "interface": interface_app,
    "escaping": escaping_app,
    "numbers": numbers_app,
}


def _renumber(config: dict[str, Any]) -> dict[str, Any]:
    """Block ids count up across the process; number them 1, 2, ... so the stored cases do not depend on
    which tests ran first."""
    new = {c["id"]: i + 1 for i, c in enumerate(config["components"])}

    def layout(node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": new.get(node["id"], node["id"])}
        if "children" in node:
            out["children"] = [layout(c) for c in node["children"]]
        return out

    for c in config["components"]:
        c["id"] = new[c["id"]]
        props = c["props"]
        if "component_ids" in props:
            props["component_ids"] = [new[i] for i in props["component_ids"]]
            props["components"] = [{**x, "id": new[x["id"]]} for x in props["components"]]
    config["layout"] = layout(config["layout"])
    return config


def config_of(make: Any) -> dict[str, Any]:
    config = _renumber(make().get_config_file())
    # a File and a DownloadButton holding a file, as after an event
    for c in config["components"]:
        label = c["props"].get("label")
        if label in ("Result", "Get it"):
            c["props"]["value"] = {"path": "/tmp/gradio/abc/report final.pdf", "url": None, "size": 2048,
                                   "orig_name": "report final.pdf", "mime_type": None, "is_stream": False,
                                   "meta": {"_type": "gradio.FileData"}}
    return config


def parity_cases() -> list[dict[str, Any]]:
    cases = []
    for name, make in APPS.items():
        config = config_of(make)
        with sorted_attributes():
            html = render_app(config)
        components = [{"id": c["id"], "type": c["type"], "props": c["props"]} for c in config["components"]]
        cases.append({"name": name, "config": {"components": components, "layout": config["layout"]}, "html": html})
    return cases


def write_cases() -> None:
    CASES_FILE.write_text(json.dumps(parity_cases(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --- a small DOM view of the markup, for assertions ---------------------------------------------------


class _Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: _Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[_Element | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> Any:
        yield self
        for c in self.children:
            if isinstance(c, _Element):
                yield from c.iter()

    def find(self, **attrs: str) -> _Element:
        found = [e for e in self.iter() if all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]
        assert found, f"no element with {attrs}"
        return found[0]

    def find_all(self, tag: str) -> list[_Element]:
        return [e for e in self.iter() if e.tag == tag]

    def has_ancestor_hidden(self) -> bool:
        e: _Element | None = self
        while e is not None:
            if "hidden" in e.attrs:
                return True
            e = e.parent
        return False


class _Tree(HTMLParser):
    VOID = {"input", "br", "hr", "img"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = _Element(tag, dict(attrs), self.current)
        self.current.children.append(el)
        if tag not in self.VOID:
            self.current = el

    def handle_endtag(self, tag: str) -> None:
        e: _Element | None = self.current
        while e is not None and e.tag != tag:
            e = e.parent
        if e is not None and e.parent is not None:
            self.current = e.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def tree(html: str) -> _Element:
    parser = _Tree()
    parser.feed(html)
    parser.close()
    return parser.root


def block_of(root: _Element, component: Any) -> _Element:
    return root.find(id=f"component-{component.id}") if not component.elem_id else root.find(id=component.elem_id)


# --- tests ---------------------------------------------------------------------------------------------


def test_every_visible_component_is_rendered_with_its_type_and_label() -> None:
    demo = every_component_app()
    root = tree(render_app(demo.get_config_file()))
    for block in demo.blocks.values():
        if isinstance(block, gr.State):
            assert f'id="component-{block.id}"' not in render_app(demo.get_config_file())
            continue
        el = block_of(root, block)
        assert el.attrs["data-testid"] == block.get_block_name()
        assert f"pd-{block.get_block_name()}" in (el.attrs["class"] or "").split()
        label = getattr(block, "label", None)
        if isinstance(label, str) and label and block.get_block_name() not in ("tabitem",):
            assert label in el.text(), f"{block.get_block_name()}: label {label!r} missing"


def test_current_values_are_in_the_markup() -> None:
    root = tree(render_app(config_of(every_component_app)))

    def field(label: str) -> _Element:
        block_el: _Element | None = next(e for e in root.iter() if e.tag in ("label", "span") and e.text() == label)
        while block_el is not None and "pd-block" not in (block_el.attrs.get("class") or "").split():
            block_el = block_el.parent
        assert block_el is not None
        return block_el

    assert field("Name").find(type="text").attrs["value"] == "Ada"
    assert field("Name").find(placeholder="Your name") is not None
    story = field("Story").find_all("textarea")[0]
    assert story.text() == "line 1\nline 2" and story.attrs["rows"] == "3"
    assert field("Amount").find(type="number").attrs["value"] == "1.5"
    ratio = field("Ratio").find(type="range")
    assert ratio.attrs["value"] == "0.3" and ratio.attrs["step"] == "0.05" and "--pd-fill:30%" in (ratio.attrs["style"] or "")
    agree = next(e for e in root.iter() if e.tag == "input" and e.attrs.get("type") == "checkbox" and e.parent and e.parent.text() == "Agree")
    assert "checked" in agree.attrs
    colors = {e.parent.text(): "checked" in e.attrs for e in field("Colors").find_all("input") if e.parent}
    assert colors == {"red": True, "green": False, "blue": True}
    sizes = {e.parent.text(): "checked" in e.attrs for e in field("Size").find_all("input") if e.parent}
    assert sizes == {"Small": False, "Large": True}
    assert field("Single").find(role="combobox").attrs["value"] == "y"
    assert [t.text() for t in field("Multi").iter() if "pd-token" in (t.attrs.get("class") or "").split()] == ["x", "z"]
    assert field("Custom").find(role="combobox").attrs["value"] == "custom"
    assert field("Color").find(type="color").attrs["value"] == "#3366ff"
    assert '"fruit": "äpple"' in field("Data").text() and '"n": 3,' in field("Data").text()
    assert field("Class").find(**{"class": "pd-label-top"}).text() == "cat"
    assert field("Class").find(role="meter").attrs["aria-valuenow"] == "70"
    assert "return '<b>'" in field("Source").text()
    assert field("Source").find_all("code")[0].attrs["class"] == "language-python"
    assert field("Editor").find_all("textarea")[0].text() == "x = 1"
    result = field("Result").find_all("a")[0]
    assert result.attrs["download"] == "report final.pdf" and result.text() == "report final.pdf"
    assert result.attrs["href"] == "gradio_api/file=/tmp/gradio/abc/report%20final.pdf"
    assert "2 KB" in field("Result").text()
    html = render_app(every_component_app().get_config_file())
    assert '<h1>Title with <strong>bold</strong></h1>' in html and "<li>one</li>" in html
    assert '<p class="raw">Raw <b>HTML</b></p>' in html


def test_layouts_tabs_and_accordion() -> None:
    demo = every_component_app()
    root = tree(render_app(demo.get_config_file()))
    tabs = [e for e in root.iter() if e.attrs.get("role") == "tab"]
    assert [t.text() for t in tabs] == ["First", "Second"]  # the invisible tab has no button
    assert [t.attrs["aria-selected"] for t in tabs] == ["false", "true"]
    panels = [e for e in root.iter() if e.attrs.get("class") == "pd-tabpanel"]
    assert ["hidden" in p.attrs for p in panels] == [True, False, True]
    details = root.find_all("details")[0]
    assert "open" not in details.attrs and details.find_all("summary")[0].text() == "More"
    secret = root.find(id="secret")
    assert secret.attrs["data-block-id"] and secret.attrs["class"] == "pd-block pd-textbox a b"


def test_hidden_blocks_keep_their_markup_with_the_hidden_attribute() -> None:
    demo = every_component_app()
    root = tree(render_app(demo.get_config_file()))
    box = next(b for b in demo.blocks.values() if getattr(b, "label", None) == "Hidden box")
    el = block_of(root, box)
    assert "hidden" in el.attrs
    assert el.find(type="text").attrs["value"] == "secret value"


def test_user_strings_are_escaped() -> None:
    html = render_app(escaping_app().get_config_file())
    assert "<script>" not in html
    assert "onerror" not in html.replace("onerror=alert(1)&gt;", "")  # only as escaped text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    root = tree(html)
    assert not [e for e in root.iter() if e.tag == "script" or any(a.startswith("on") for a in e.attrs)]
    texts = root.text()
    assert texts.count(XSS) >= 8  # the labels, values, choices, code, button, accordion: all shown as text


def test_interface_layout_has_inputs_outputs_buttons_examples_and_texts() -> None:
    demo = interface_app()
    root = tree(render_app(demo.get_config_file()))
    h1 = root.find_all("h1")[0]
    assert h1.text() == "Greeter"
    assert root.find_all("em")[0].text() == "loudly"
    assert [b.text() for b in root.find_all("button") if b.attrs.get("data-testid") == "button"] == ["Clear", "Submit"]
    examples = block_of(root, demo.examples_dataset)
    assert [th.text() for th in examples.find_all("th")] == ["Name", "Intensity"]
    assert [[td.text() for td in tr.find_all("td")] for tr in examples.find_all("tr")[1:]] == [["Ann", "3"], ["Bob <b>", "1"]]
    assert block_of(root, demo.input_components[1]).find(type="range").attrs["value"] == "2"
    assert root.find_all("a")[-1].attrs["href"] == "https://example.com"
    row = next(e for e in root.iter() if "pd-row" in (e.attrs.get("class") or "").split())
    columns = [c for c in row.children if isinstance(c, _Element)]
    assert len(columns) == 2  # inputs left, outputs right


def test_numbers_print_as_javascript_prints_them() -> None:
    root = tree(render_app(numbers_app().get_config_file()))
    values = [e.attrs["value"] for e in root.find_all("input") if e.attrs.get("type") == "number" and e.attrs.get("id")]
    assert values == ["1e-7", "3", "1e+21"]
    assert "[\n  0.1,\n  1e-7,\n  10000000000000000,\n  0,\n  12345678.9\n]" in root.text()
    assert [m.attrs["aria-valuenow"] for m in root.iter() if m.attrs.get("role") == "meter"] == ["67", "33"]  # sorted by confidence


def test_state_only_and_empty_layouts() -> None:
    with gr.Blocks() as demo:
        gr.State(1)
    assert re.fullmatch(r'<div id="component-\d+" class="pd-block pd-blocks" data-testid="blocks"></div>',
                        render_app(demo.get_config_file()))
    assert render_app({"components": [], "layout": {"id": 0, "children": []}}) == ""


def test_unknown_types_render_an_empty_block_with_their_children() -> None:
    config = {
        "components": [
            {"id": 1, "type": "gallery", "props": {"visible": True, "elem_classes": ["x"]}},
            {"id": 2, "type": "textbox", "props": {"value": "in", "label": "T"}},
        ],
        "layout": {"id": 1, "children": [{"id": 2}]},
    }
    html = render_app(config)
    assert html.startswith('<div id="component-1" class="pd-block pd-gallery x" data-testid="gallery">')
    assert 'value="in"' in html


def test_parity_cases_file_is_current() -> None:
    """The configs and markup Vitest compares with the Preact components must be today's."""
    assert CASES_FILE.exists(), "run .venv/bin/python tests/sdk/test_ssr_app.py"
    stored = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(parity_cases(), ensure_ascii=False)), (
        "frontend_dist/tests/components/ssr_cases.json is stale: run .venv/bin/python tests/sdk/test_ssr_app.py"
    )


if __name__ == "__main__":
    write_cases()
    print(f"wrote {CASES_FILE}")
