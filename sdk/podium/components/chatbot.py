"""`Chatbot`: a conversation shown as messages (`{"role": ..., "content": ...}`)."""

from __future__ import annotations

from typing import Any

from podium.components.base import Component


class Chatbot(Component):
    """A list of chat messages (placeholder until the Chatbot component lands)."""

    def __init__(self, value: Any = None, *, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(value=value, label=label, **kwargs)

    def preprocess(self, payload: Any) -> Any:
        return payload

    def postprocess(self, value: Any) -> Any:
        return value
