"""`DeepLinkButton`: copies a link that reopens the app as the visitor sees it (docs/design/deep-links.md)."""

from __future__ import annotations

from typing import Any

from podium.components.button import Button


class DeepLinkButton(Button):
    """A button that saves a snapshot of the app's values and copies `APP_URL?deep_link=ID` to the clipboard."""

    def __init__(self, value: str = "Share via Link", *, copied_message: str = "Link copied to clipboard",
                 variant: str = "secondary", **kwargs: Any) -> None:
        self.copied_message = copied_message
        super().__init__(value=value, variant=variant, **kwargs)
