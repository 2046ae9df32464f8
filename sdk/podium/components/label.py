"""`Label`: a classification result, a top label with optional confidences."""

from __future__ import annotations

from typing import Any

from podium.components.base import Component
from podium.exceptions import Error

_LABEL_VALUE_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "null"}],
    "default": None,
    "title": "Label",
}

LABEL_DATA_SCHEMA: dict[str, Any] = {
    "$defs": {
        "LabelConfidence": {
            "properties": {
                "label": _LABEL_VALUE_SCHEMA,
                "confidence": {"anyOf": [{"type": "number"}, {"type": "null"}], "default": None,
                               "title": "Confidence"},
            },
            "title": "LabelConfidence",
            "type": "object",
        }
    },
    "properties": {
        "label": _LABEL_VALUE_SCHEMA,
        "confidences": {
            "anyOf": [{"items": {"$ref": "#/$defs/LabelConfidence"}, "type": "array"}, {"type": "null"}],
            "default": None,
            "title": "Confidences",
        },
    },
    "title": "LabelData",
    "type": "object",
}


class Label(Component):
    """Shows a label, or classes with confidences. Return a `str`/number (one label) or a dict mapping each
    class to its confidence; `num_top_classes` keeps only the most confident ones.

    The payload is `{"label": top, "confidences": [{"label": ..., "confidence": ...}, ...]}`; as an input
    the function gets the `{class: confidence}` dict back (or the label when there are no confidences).
    """

    EVENTS = ("change", "select")

    def __init__(
        self,
        value: dict[str, float] | str | float | Any | None = None,
        *,
        num_top_classes: int | None = None,
        label: str | None = None,
        every: float | None = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        color: str | None = None,
        show_heading: bool = True,
        buttons: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.num_top_classes = num_top_classes
        self.color = color
        self.show_heading = show_heading
        self.buttons = list(buttons) if buttons else []
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, show_label=show_label, container=container,
            scale=scale, min_width=min_width, visible=visible, elem_id=elem_id, elem_classes=elem_classes,
            render=render, key=key, preserved_by_key=preserved_by_key, **kwargs,
        )

    def preprocess(self, payload: Any) -> Any:
        if payload is None:
            return None
        if not isinstance(payload, dict):
            raise Error(f"Label expects {{'label': ..., 'confidences': [...]}}, not {payload!r}.")
        confidences = payload.get("confidences")
        if confidences is None:
            return payload.get("label")
        return {c.get("label"): c.get("confidence") for c in confidences}

    def postprocess(self, value: Any) -> dict[str, Any]:
        if value is None or value == {}:
            return {}
        if isinstance(value, bool) or not isinstance(value, (str, int, float, dict)):
            raise Error(
                "Label expects a label (str, int or float) or a dict mapping labels to confidences, "
                f"not {type(value).__name__}."
            )
        if not isinstance(value, dict):
            return {"label": str(value), "confidences": None}
        if "confidences" in value and set(value) <= {"label", "confidences"}:  # already a payload
            if not value["confidences"]:
                return {"label": value.get("label"), "confidences": None}
            value = {c["label"]: c["confidence"] for c in value["confidences"]}
        ranked = sorted(value.items(), key=lambda item: item[1], reverse=True)
        if self.num_top_classes is not None:
            ranked = ranked[: self.num_top_classes]
        return {
            "label": ranked[0][0],
            "confidences": [{"label": name, "confidence": float(conf)} for name, conf in ranked],
        }

    def empty_value(self) -> dict[str, Any]:
        return {}

    def api_info(self) -> dict[str, Any]:
        return LABEL_DATA_SCHEMA

    def example_payload(self) -> Any:
        return {
            "label": "Cat",
            "confidences": [{"label": "cat", "confidence": 0.9}, {"label": "dog", "confidence": 0.1}],
        }

    def example_value(self) -> Any:
        return {"cat": 0.9, "dog": 0.1}
