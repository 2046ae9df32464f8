"""Which `Blocks` and which container new blocks are being added to.

Kept in one small module so that components, layouts and `Blocks` can share it without importing each
other. Apps are built on one thread at a time, like Gradio's, so a plain stack is enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from podium.blocks import BlockContext, Blocks


class RenderContext:
    """The stack of open `with` blocks while an app is being built."""

    root: Blocks | None = None
    stack: list[BlockContext] = []

    @classmethod
    def current(cls) -> BlockContext | None:
        return cls.stack[-1] if cls.stack else None


def current_root() -> Blocks | None:
    """The `Blocks` whose `with` statement is open, if any."""
    return RenderContext.root
