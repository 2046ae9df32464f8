"""The FileData payload: how files travel in inputs and outputs (wire-protocol spec, section 5.1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

FILE_DATA_TYPE = "gradio.FileData"  # the discriminator clients look for; part of the wire protocol

FILE_DATA_SCHEMA: dict[str, Any] = {
    "additionalProperties": False,
    "properties": {
        "path": {"title": "Path", "type": "string"},
        "url": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Url"},
        "size": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "Size"},
        "orig_name": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Orig Name"},
        "mime_type": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Mime Type"},
        "is_stream": {"default": False, "title": "Is Stream", "type": "boolean"},
        "meta": {"default": {"_type": FILE_DATA_TYPE}, "title": "Meta", "type": "object"},
    },
    "required": ["path"],
    "title": "FileData",
    "type": "object",
}


def file_data(path: str, *, orig_name: str | None = None, size: int | None = None, mime_type: str | None = None,
              url: str | None = None) -> dict[str, Any]:
    """A FileData dict for `path` (a local path in outputs, before the server moves it to the cache)."""
    return {
        "path": path,
        "url": url,
        "size": size,
        "orig_name": orig_name,
        "mime_type": mime_type,
        "is_stream": False,
        "meta": {"_type": FILE_DATA_TYPE},
    }


def is_file_data(value: Any) -> bool:
    """Whether `value` is a FileData dict (it has a string `path` and the FileData `meta._type`)."""
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        return False
    meta = value.get("meta")
    return isinstance(meta, dict) and meta.get("_type") == FILE_DATA_TYPE


def map_file_data(value: Any, fn: Callable[[dict[str, Any]], Any]) -> Any:
    """Return `value` with every FileData dict inside it (at any depth) replaced by `fn(filedata)`."""
    if is_file_data(value):
        return fn(value)
    if isinstance(value, list):
        return [map_file_data(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(map_file_data(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: map_file_data(v, fn) for k, v in value.items()}
    return value


def iter_file_data(value: Any) -> Iterator[dict[str, Any]]:
    """Every FileData dict inside `value` (at any depth), in order."""
    if is_file_data(value):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_file_data(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_file_data(item)


def file_url(root_url: str, path: str) -> str:
    """Where the app at `root_url` serves file `path` (a cache id or an allowed path): its `/file=` route."""
    return f"{root_url}/gradio_api/file={quote(path)}"


class FileData(dict):  # type: ignore[type-arg]
    """A FileData payload as a dict (`podium.FileData(path=...)`), for handlers that build one by hand."""

    def __init__(self, path: str, **fields: Any) -> None:
        super().__init__(file_data(path, **fields))
