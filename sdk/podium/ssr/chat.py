"""Server-side rendering of `Chatbot` (frontend_dist/src/app/components/Chatbot.tsx draws the same markup)."""

from __future__ import annotations

from podium.ssr.block import Node, root_attrs
from podium.ssr.html import el


def chatbot(node: Node) -> str:
    """The conversation as a list of messages (placeholder until the Chatbot renderer lands)."""
    return el("div", root_attrs(node, "pd-block pd-chatbot"), "")
