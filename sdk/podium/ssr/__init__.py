"""Server-side rendering: the first HTML response already shows every component with its value.

`render_app(config)` returns the markup of the layout in `config` (`Blocks.get_config_file()`), exactly as the
browser's components render it (frontend_dist/src/app/components), so Preact's hydrate changes nothing visible.
Standard library only; every user string is escaped (the HTML component's value is the app author's markup and
is inserted as is, as Gradio does).
"""

from podium.ssr.app import render_app, render_block
from podium.ssr.markdown import render_markdown

__all__ = ["render_app", "render_block", "render_markdown"]
