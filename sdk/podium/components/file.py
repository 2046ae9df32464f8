"""`File`: upload or return one file, several files, or a directory of files.

Inputs arrive as FileData dicts whose `path` the server has already resolved to a checked, absolute local
path; outputs leave as FileData with the local path the function returned, which the server then copies
into the file cache (see docs/design/sdk-internals.md). `UploadButton` and `DownloadButton` share the
conversions defined here.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Any

from podium.components.base import Component
from podium.exceptions import Error
from podium.files.filedata import FILE_DATA_SCHEMA, file_data, is_file_data

FILE_COUNTS = ("single", "multiple", "directory")
FILE_TYPES = ("filepath", "binary")
# A public sample, as Gradio's API page shows; clients see it as `example_input` only.
SAMPLE_FILE_URL = "https://github.com/gradio-app/gradio/raw/main/test/test_files/sample_file.pdf"


class NamedString(str):
    """A file path that also has `.name` (the same path), as Gradio passes: `open(file.name)` works."""

    name: str

    def __new__(cls, path: str) -> NamedString:
        obj = super().__new__(cls, path)
        obj.name = path
        return obj


def check_file_options(file_count: str, type_: str, file_types: list[str] | None, component: str) -> None:
    """Validate the constructor arguments shared by `File` and `UploadButton`."""
    if file_count not in FILE_COUNTS:
        raise ValueError(f"{component}(file_count={file_count!r}) is not supported; use one of {list(FILE_COUNTS)}.")
    if type_ not in FILE_TYPES:
        raise ValueError(f"{component}(type={type_!r}) is not supported; use one of {list(FILE_TYPES)}.")
    if file_types is not None and not isinstance(file_types, list):
        raise ValueError(f"{component}(file_types=...) must be a list, not {type(file_types).__name__}.")


def has_allowed_type(path: str, file_types: list[str] | None) -> bool:
    """Whether `path` matches one of `file_types`: extensions (`.pdf`) or kinds (`image`, `text`, `file`)."""
    if not file_types:
        return True
    suffix = Path(path).suffix.lower()
    mime = mimetypes.guess_type(path)[0] or ""
    for allowed in file_types:
        allowed = allowed.lower()
        if allowed == "file" or (allowed.startswith(".") and suffix == allowed):
            return True
        if not allowed.startswith(".") and mime.startswith(allowed.rstrip("/*") + "/"):
            return True
        if allowed.endswith("/*") and mime.startswith(allowed[:-1]):
            return True
    return False


def file_payload_to_value(
    payload: Any, *, file_count: str, type_: str, file_types: list[str] | None, component: str
) -> Any:
    """Turn input FileData (one or a list) into what the function receives: path strings or bytes."""
    if payload is None:
        return None
    items = payload if isinstance(payload, list) else [payload]
    values = [_one_input_file(item, type_, file_types, component) for item in items]
    if file_count == "single":
        return values[0] if values else None
    return values


def _one_input_file(item: Any, type_: str, file_types: list[str] | None, component: str) -> Any:
    if not is_file_data(item):
        raise Error(f"{component} expects a file (a FileData object with a `path`), not {item!r}.")
    path = item["path"]
    if not has_allowed_type(item.get("orig_name") or path, file_types):
        raise Error(f"Invalid file type. Please upload a file that is one of these formats: {file_types}")
    if type_ == "binary":
        with open(path, "rb") as handle:  # noqa: PTH123 - the server already checked this path
            return handle.read()
    return NamedString(path)


def value_to_file_payload(value: Any) -> Any:
    """Turn what a function returned (a path, a list of paths, FileData) into FileData for clients."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [_one_output_file(v) for v in value]
    return _one_output_file(value)


def _one_output_file(value: Any) -> dict[str, Any]:
    if is_file_data(value):
        return {**file_data(value["path"]), **value}
    if isinstance(value, dict) and isinstance(value.get("path"), str):  # FileData without its meta
        return {**file_data(value["path"]), **{k: v for k, v in value.items() if k != "meta"}}
    if isinstance(value, NamedString) or isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if path.startswith(("http://", "https://")):
            return file_data(path, url=path, orig_name=Path(path.split("?")[0]).name or None)
        try:
            size: int | None = os.stat(path).st_size
        except OSError:
            size = None  # the server reports a missing file when it copies it into the cache
        return file_data(path, orig_name=Path(path).name, size=size)
    raise Error(f"A file output expects a file path (str or Path) or a list of them, not {type(value).__name__}.")


def file_api_info(multiple: bool) -> dict[str, Any]:
    """The FileData JSON Schema, or an array of it."""
    if multiple:
        return {"items": FILE_DATA_SCHEMA, "title": "ListFiles", "type": "array"}
    return FILE_DATA_SCHEMA


def sample_file_payload() -> dict[str, Any]:
    """The FileData a client would send for the public sample file (what `handle_file(url)` makes)."""
    return {"path": SAMPLE_FILE_URL, "meta": {"_type": "gradio.FileData"}, "orig_name": "sample_file.pdf",
            "url": SAMPLE_FILE_URL}


class File(Component):
    """Upload or show files. The function receives a file path (a `str` that also has `.name`), `bytes` with
    `type="binary"`, or a list of those with `file_count="multiple"`/`"directory"`; it returns paths.

    `file_types` (extensions like `".pdf"` or kinds like `"image"`) limits what inputs accept.
    """

    EVENTS = ("change", "select", "clear", "upload", "delete", "download")

    def __init__(
        self,
        value: str | list[str] | Any | None = None,
        *,
        file_count: str = "single",
        file_types: list[str] | None = None,
        type: str = "filepath",  # noqa: A002 - Gradio's name
        label: str | None = None,
        every: float | None = None,
        inputs: Any = None,
        show_label: bool | None = None,
        container: bool = True,
        scale: int | None = None,
        min_width: int = 160,
        height: int | str | float | None = None,
        interactive: bool | None = None,
        visible: bool | str = True,
        elem_id: str | None = None,
        elem_classes: list[str] | str | None = None,
        render: bool = True,
        key: Any = None,
        preserved_by_key: list[str] | str | None = "value",
        allow_reordering: bool = False,
        buttons: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        check_file_options(file_count, type, file_types, "File")
        self.file_count = file_count
        self.file_types = file_types
        self.type = type
        self.height = height
        self.allow_reordering = allow_reordering
        self.buttons = list(buttons) if buttons else []
        super().__init__(
            value=value, label=label, every=every, inputs=inputs, show_label=show_label, container=container,
            scale=scale, min_width=min_width, interactive=interactive, visible=visible, elem_id=elem_id,
            elem_classes=elem_classes, render=render, key=key, preserved_by_key=preserved_by_key, **kwargs,
        )

    def preprocess(self, payload: Any) -> Any:
        return file_payload_to_value(
            payload, file_count=self.file_count, type_=self.type, file_types=self.file_types, component="File"
        )

    def postprocess(self, value: Any) -> Any:
        return value_to_file_payload(value)

    def deep_link_fits(self, payload: Any) -> bool:
        """A saved value fits while it has the shape `file_count` asks for (one FileData or a list of them).

        Whether each file still exists and may be served is checked for every component by
        `podium.deeplinks.snapshot` with the app's file policy.
        """
        if payload is None:
            return True
        items = payload if isinstance(payload, list) else None
        if self.file_count == "single":
            return is_file_data(payload)
        return items is not None and all(is_file_data(item) for item in items)

    def api_info(self) -> dict[str, Any]:
        return file_api_info(self.file_count != "single")

    def api_description(self) -> str:
        return "filepath" if self.file_count == "single" else "list of filepaths"

    def example_payload(self) -> Any:
        return sample_file_payload() if self.file_count == "single" else [sample_file_payload()]

    def example_value(self) -> Any:
        return SAMPLE_FILE_URL if self.file_count == "single" else [SAMPLE_FILE_URL]
