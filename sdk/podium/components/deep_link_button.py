"""`DeepLinkButton`: copies a link that reopens the app as the visitor sees it (docs/design/deep-links.md)."""

from __future__ import annotations

from typing import Any

from podium.components.button import Button


class DeepLinkButton(Button):
    """A button that saves a snapshot of the app and copies `APP_URL?deep_link=ID` to the clipboard.

    A click makes the browser send every component's current value (not `State`, not buttons), which tab is
    selected, which accordions are open and which blocks are visible; the app server stores it (locally, or
    on the Podium platform for Spaces and share links) and the visitor gets a URL that opens the app with those
    values. Files are kept only when the app would serve them. Needs no event handler:

    ```python
    with podium.Blocks() as demo:
        prompt = podium.Textbox(label="Prompt")
        answer = podium.Textbox(label="Answer")
        podium.DeepLinkButton()
    ```

    `copied_message` is the toast shown once the link is on the clipboard (Gradio's `copied_value` is accepted
    as a synonym). The app's `Blocks(deep_links=False)` turns saving and opening links off.
    """

    def __init__(
        self,
        value: str = "Share via Link",
        *,
        copied_message: str = "Link copied to clipboard",
        variant: str = "secondary",
        size: str = "lg",
        icon: str | None = None,
        visible: bool | str = True,
        interactive: bool = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        scale: int | None = None,
        min_width: int | None = None,
        copied_value: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.copied_message = copied_value if copied_value is not None else copied_message
        super().__init__(
            value=value, variant=variant, size=size, icon=icon, visible=visible, interactive=interactive,
            elem_id=elem_id, elem_classes=elem_classes, render=render, key=key, scale=scale, min_width=min_width,
            **kwargs,
        )

    def get_config(self) -> dict[str, Any]:
        props = super().get_config()
        props.pop("copied_value", None)  # sent once, as `copied_message`
        return props
