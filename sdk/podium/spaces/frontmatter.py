"""A strict parser for the front-matter block of a Space's README.md (the `---` block at its top).

It reads the flat YAML subset Hugging Face Spaces use and nothing more, so no YAML library is needed and
no value means something surprising: `key: value` lines with plain or quoted strings, integers, `true` /
`false`, `null`, lists (`- item` lines under `key:`, or `[a, "b"]`) and `#` comments. A number with a dot
stays the text written (`python_version: 3.10` is "3.10", not 3.1). Anything else (nested mappings,
anchors, multi-line strings, tabs) is refused with a `FrontMatterError` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

__all__ = ["FrontMatter", "FrontMatterError", "Scalar", "Value", "parse_front_matter"]

Scalar: TypeAlias = str | int | bool | None
Value: TypeAlias = Scalar | list[Scalar]

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)[ ]*:(?:[ ]+(.*))?$")
_INT = re.compile(r"[-+]?[0-9]+")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
# A plain (unquoted) value may not start with these: YAML gives them meanings this parser does not support.
_RESERVED_START = "{&*!|>%@`"


class FrontMatterError(ValueError):
    """The front matter is not in the supported subset; `line` is the README's line number (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class FrontMatter:
    """The parsed block: values by key, each key's line number, and where the block ends."""

    values: dict[str, Value]
    lines: dict[str, int]
    end_line: int  # the line of the closing `---`; 0 when there is no front matter


def _quoted(text: str, line: int) -> tuple[str, str]:
    """A quoted string at the start of `text`, and what follows its closing quote."""
    quote = text[0]
    out: list[str] = []
    i = 1
    while i < len(text):
        char = text[i]
        if quote == "'" and char == "'":
            if text[i + 1 : i + 2] == "'":  # '' is one quote inside single quotes
                out.append("'")
                i += 2
                continue
            return "".join(out), text[i + 1 :]
        if quote == '"' and char == "\\":
            escaped = text[i + 1 : i + 2]
            if escaped not in _ESCAPES:
                raise FrontMatterError(line, f"unsupported escape \\{escaped} in a double-quoted string; "
                                             "use single quotes for text with backslashes")
            out.append(_ESCAPES[escaped])
            i += 2
            continue
        if quote == '"' and char == '"':
            return "".join(out), text[i + 1 :]
        out.append(char)
        i += 1
    raise FrontMatterError(line, f"the string opened with {quote} is not closed on this line; "
                                 "multi-line strings are not supported")


def _strip_comment(text: str) -> str:
    """`text` without a ` # comment` (a `#` at the start or after whitespace starts one)."""
    match = re.search(r"(?:^|\s)#", text)
    return (text[: match.start()] if match else text).strip()


def _plain(text: str, line: int) -> Scalar:
    if text[0] in _RESERVED_START:
        raise FrontMatterError(line, f"a value starting with {text[0]!r} is not supported; put it in quotes")
    if ": " in text or text.endswith(":"):
        raise FrontMatterError(line, "nested mappings are not supported; if this is text, put it in quotes")
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text in ("null", "Null", "NULL", "~"):
        return None
    if _INT.fullmatch(text):
        return int(text)
    return text


def _scalar(text: str, line: int) -> Scalar:
    """One scalar value (the text after `key:` or `- `), comments removed."""
    text = text.strip()
    if text[:1] in ("'", '"'):
        value, rest = _quoted(text, line)
        if _strip_comment(rest):
            raise FrontMatterError(line, f"unexpected text after the closing quote: {rest.strip()!r}")
        return value
    text = _strip_comment(text)
    if not text:
        return None
    return _plain(text, line)


def _flow_list(text: str, line: int) -> list[Scalar]:
    """`[a, "b, c", 3]`: a one-line list of scalars."""
    items: list[Scalar] = []
    rest = text.strip()[1:].lstrip()
    while True:
        if rest.startswith("]"):
            if _strip_comment(rest[1:]):
                raise FrontMatterError(line, f"unexpected text after the list: {rest[1:].strip()!r}")
            return items
        if not rest:
            raise FrontMatterError(line, "the list opened with [ is not closed on this line")
        if rest[0] in ("'", '"'):
            value, rest = _quoted(rest, line)
            items.append(value)
            rest = rest.lstrip()
        else:
            match = re.match(r"[^,\]]*", rest)
            item = match.group(0).strip() if match else ""
            if not item or item[0] in "[{":
                raise FrontMatterError(line, "list items must be plain values; nested lists are not supported")
            items.append(_plain(item, line))
            rest = rest[len(match.group(0)) if match else 0 :]
        if rest.startswith(","):
            rest = rest[1:].lstrip()
        elif rest and not rest.startswith("]"):
            raise FrontMatterError(line, "expected , or ] in the list")


def parse_front_matter(text: str) -> FrontMatter:
    """The front matter of a README's `text`; a README not starting with `---` has none (empty values)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].rstrip() != "---":
        return FrontMatter(values={}, lines={}, end_line=0)
    values: dict[str, Value] = {}
    where: dict[str, int] = {}
    list_key: str | None = None  # the key whose `- item` lines may follow
    for number, raw in enumerate(lines[1:], start=2):
        stripped = raw.strip()
        if raw.rstrip() in ("---", "..."):
            return FrontMatter(values=values, lines=where, end_line=number)
        if not stripped or stripped.startswith("#"):
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise FrontMatterError(number, "tabs are not allowed for indentation; use spaces")
        if stripped == "-" or stripped.startswith("- "):
            if list_key is None:
                raise FrontMatterError(number, "a list item must follow a line `key:` with nothing after the colon")
            item_text = stripped[1:].strip()
            if item_text.startswith(("- ", "[")) or (item_text[:1] not in ("'", '"') and ": " in item_text):
                raise FrontMatterError(number, "list items must be plain values; nested lists and mappings "
                                               "are not supported")
            current = values[list_key]
            assert isinstance(current, list)
            current.append(_scalar(item_text, number) if item_text else None)
            continue
        if raw[:1] == " ":
            raise FrontMatterError(number, "indented lines are not supported (only `- item` lines under `key:`); "
                                           "write `key: value` at the start of the line")
        match = _KEY.match(raw.rstrip())
        if match is None:
            raise FrontMatterError(number, f"expected `key: value`, got {stripped!r}")
        key, value_text = match.group(1), (match.group(2) or "")
        if key in values:
            raise FrontMatterError(number, f"{key!r} is set twice (first on line {where[key]}); keep one")
        where[key] = number
        value_text = value_text.strip()
        list_key = None
        if value_text.startswith("["):
            values[key] = _flow_list(value_text, number)
        elif not _strip_comment(value_text) and not value_text.startswith(("'", '"')):
            values[key] = []  # `key:` alone: a list follows, or it stays empty
            list_key = key
        else:
            values[key] = _scalar(value_text, number)
    raise FrontMatterError(len(lines), "the front matter opened with --- on line 1 is never closed; "
                                       "add a line `---` after the last key")
