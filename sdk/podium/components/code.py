"""`Code`: a code editor with syntax highlighting."""

from __future__ import annotations

import warnings
from typing import Any

from podium.components.base import Component

LANGUAGES = (
    "python", "c", "cpp", "markdown", "latex", "json", "html", "css", "javascript", "jinja2", "typescript",
    "yaml", "dockerfile", "shell", "r", "sql", "sql-msSQL", "sql-mySQL", "sql-mariaDB", "sql-sqlite",
    "sql-cassandra", "sql-plSQL", "sql-hive", "sql-pgSQL", "sql-gql", "sql-gpSQL", "sql-sparkSQL", "sql-esper",
)


class Code(Component):
    """Code shown (or edited) with highlighting for `language` (one of `Code.languages`). Values are `str`;
    outputs are stripped of leading and trailing whitespace."""

    EVENTS = ("change", "input", "focus", "blur")
    languages: list[str | None] = [*LANGUAGES, None]

    def __init__(
        self,
        value: str | Any | None = None,
        language: str | None = None,
        *,
        every: float | None = None,
        inputs: Any = None,
        lines: int = 5,
        max_lines: int | None = None,
        label: str | None = None,
        interactive: bool | None = None,
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
        wrap_lines: bool = False,
        show_line_numbers: bool = True,
        autocomplete: bool = False,
        buttons: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if language not in self.languages:
            # Newer Gradio versions add languages; highlighting falls back to plain text instead of failing.
            warnings.warn(f"Code(language={language!r}) is not one of {LANGUAGES}; it is shown as plain text.",
                          UserWarning, stacklevel=3)
        self.language = language
        self.lines = lines
        self.max_lines = max_lines
        self.wrap_lines = wrap_lines
        self.show_line_numbers = show_line_numbers
        self.autocomplete = autocomplete
        self.buttons = ["copy", "download"] if buttons is None else list(buttons)
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, show_label=show_label, container=container,
            scale=scale, min_width=min_width, interactive=interactive, visible=visible, elem_id=elem_id,
            elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key, **kwargs,
        )

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None else str(payload)

    def postprocess(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, tuple):
            raise ValueError("Code no longer takes a (path,) tuple; read the file and return its text instead.")
        return str(value).strip()

    def api_info(self) -> dict[str, Any]:
        return {"type": "string"}

    def example_payload(self) -> Any:
        return "print('Hello World')"

    def example_value(self) -> Any:
        return "print('Hello World')"
