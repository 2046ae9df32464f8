"""`UploadButton`: a button that opens a file picker."""

from __future__ import annotations

from typing import Any

from podium.components.base import Component
from podium.components.file import (
    SAMPLE_FILE_URL,
    check_file_options,
    file_api_info,
    file_payload_to_value,
    sample_file_payload,
    value_to_file_payload,
)


class UploadButton(Component):
    """A button labelled `label` that uploads files; `.upload(fn, button, outputs)` runs after an upload.

    The function receives what `File` passes: a path, `bytes` (`type="binary"`) or a list of them.
    """

    EVENTS = ("change", "click", "upload")

    def __init__(
        self,
        label: str = "Upload a File",
        value: str | list[str] | Any | None = None,
        *,
        every: float | None = None,
        inputs: Any = None,
        variant: str = "secondary",
        visible: bool | str = True,
        size: str = "lg",
        icon: str | None = None,
        scale: int | None = None,
        min_width: int | None = None,
        interactive: bool = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        type: str = "filepath",  # noqa: A002 - Gradio's name
        file_count: str = "single",
        file_types: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        check_file_options(file_count, type, file_types, "UploadButton")
        self.variant = variant
        self.size = size
        self.icon = None if icon is None else str(icon)
        self.type = type
        self.file_count = file_count
        self.file_types = file_types
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, visible=visible, scale=scale,
            min_width=min_width, interactive=interactive, elem_id=elem_id, elem_classes=elem_classes,  # type: ignore[arg-type]
            render=render, key=key, preserved_by_key=preserved_by_key, **kwargs,
        )

    def preprocess(self, payload: Any) -> Any:
        return file_payload_to_value(
            payload, file_count=self.file_count, type_=self.type, file_types=self.file_types, component="UploadButton"
        )

    def postprocess(self, value: Any) -> Any:
        return value_to_file_payload(value)

    def api_info(self) -> dict[str, Any]:
        return file_api_info(self.file_count != "single")

    def example_payload(self) -> Any:
        return sample_file_payload() if self.file_count == "single" else [sample_file_payload()]

    def example_value(self) -> Any:
        return SAMPLE_FILE_URL if self.file_count == "single" else [SAMPLE_FILE_URL]
