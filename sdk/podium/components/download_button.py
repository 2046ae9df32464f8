"""`DownloadButton`: a button that downloads a file."""

from __future__ import annotations

from typing import Any

from podium.components.base import Component
from podium.components.file import (
    SAMPLE_FILE_URL,
    file_api_info,
    file_payload_to_value,
    sample_file_payload,
    value_to_file_payload,
)


class DownloadButton(Component):
    """A button labelled `label` that downloads the file in `value` (a path the function returns)."""

    EVENTS = ("change", "click")

    def __init__(
        self,
        label: str = "Download",
        value: str | Any | None = None,
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
        **kwargs: Any,
    ) -> None:
        self.variant = variant
        self.size = size
        self.icon = None if icon is None else str(icon)
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, visible=visible, scale=scale,
            min_width=min_width, interactive=interactive, elem_id=elem_id, elem_classes=elem_classes,  # type: ignore[arg-type]
            render=render, key=key, preserved_by_key=preserved_by_key, **kwargs,
        )

    def preprocess(self, payload: Any) -> Any:
        return file_payload_to_value(
            payload, file_count="single", type_="filepath", file_types=None, component="DownloadButton"
        )

    def postprocess(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None  # one button downloads one file
        return value_to_file_payload(value)

    def api_info(self) -> dict[str, Any]:
        return file_api_info(False)

    def example_payload(self) -> Any:
        return sample_file_payload()

    def example_value(self) -> Any:
        return SAMPLE_FILE_URL
