"""Display components: Markdown, HTML, JSON, Label, Code."""

from __future__ import annotations

import pytest

import podium as gr


def test_markdown_dedents_and_has_gradio_defaults() -> None:
    markdown = gr.Markdown("""
        # Title
        text
    """, render=False)
    assert markdown.value == "# Title\ntext"
    config = markdown.get_config()
    assert config["show_label"] is False and config["container"] is False
    assert config["latex_delimiters"] == [{"left": "$$", "right": "$$", "display": True}]
    assert markdown.api_info() == {"type": "string"} and markdown.example_payload() == "# Hello!"


def test_html_keeps_extra_keywords_as_template_props() -> None:
    html = gr.HTML("<b>hi</b>", html_template="<p>${value} ${who}</p>", who="you", render=False)
    config = html.get_config()
    assert config["value"] == "<b>hi</b>" and config["props"] == {"who": "you"}
    assert config["html_template"] == "<p>${value} ${who}</p>"
    assert "click" in gr.HTML.EVENTS and html.postprocess(3) == "3"


def test_json_accepts_json_strings_dicts_and_array_likes() -> None:
    component = gr.JSON(render=False)
    assert component.postprocess('{"a": [1, 2]}') == {"a": [1, 2]}
    assert component.postprocess({"a": (1, 2)}) == {"a": [1, 2]}

    class ArrayLike:
        def tolist(self) -> list[int]:
            return [1, 2, 3]

    assert component.postprocess({"arr": ArrayLike()}) == {"arr": [1, 2, 3]}
    assert component.preprocess({"x": 1}) == {"x": 1}
    with pytest.raises(gr.Error, match="Invalid JSON"):
        component.postprocess("{not json")
    assert component.api_info() == {"type": {}, "description": "any valid json"}
    assert component.get_config()["buttons"] == ["copy"]


def test_label_from_confidences_sorted_and_cut_to_top_classes() -> None:
    label = gr.Label(num_top_classes=2, render=False)
    payload = label.postprocess({"cat": 0.2, "dog": 0.7, "fox": 0.1})
    assert payload == {"label": "dog", "confidences": [{"label": "dog", "confidence": 0.7},
                                                       {"label": "cat", "confidence": 0.2}]}
    assert label.preprocess(payload) == {"dog": 0.7, "cat": 0.2}


def test_label_from_plain_label_and_empty() -> None:
    label = gr.Label(render=False)
    assert label.postprocess("cat") == {"label": "cat", "confidences": None}
    assert label.postprocess(3) == {"label": "3", "confidences": None}
    assert label.preprocess({"label": "cat", "confidences": None}) == "cat"
    assert label.postprocess(None) == {} and label.get_config()["value"] == {}
    assert label.postprocess(label.postprocess({"a": 1.0})) == label.postprocess({"a": 1.0})
    with pytest.raises(gr.Error, match="Label expects"):
        label.postprocess([1, 2])


def test_code_language_strip_and_unknown_language_warning() -> None:
    code = gr.Code("  x = 1\n", language="python", render=False)
    assert code.value == "x = 1"
    config = code.get_config()
    assert config["language"] == "python" and config["lines"] == 5 and config["buttons"] == ["copy", "download"]
    with pytest.warns(UserWarning, match="plain text"):
        gr.Code(language="klingon", render=False)
    with pytest.raises(ValueError, match="read the file"):
        code.postprocess(("file.py",))
