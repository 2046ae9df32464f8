"""Reading a multipart/form-data upload part by part, without holding a file in memory or spooling it twice.

`MultipartReader` pulls the request body only as fast as its consumer reads part data, so a file part can
be handed straight to `FileCache.save_upload`, which stops (and the upload fails) as soon as the file goes
over `max_file_size`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_PARTS = 1000


class MalformedUpload(ValueError):
    """The multipart body is broken; the message says how."""


@dataclass
class PartInfo:
    name: str | None
    filename: str | None
    content_type: str | None


def multipart_boundary(content_type: str | None) -> bytes | None:
    """The boundary of a `multipart/form-data` content type, or None for any other body."""
    ctype, options = parse_options_header(content_type or "")
    if ctype != b"multipart/form-data":
        return None
    boundary = options.get(b"boundary")
    return boundary or None


class MultipartReader:
    """Iterate over the parts of a multipart body: `async for part in reader.parts(): ...`.

    For each part, read its data with `reader.part_data()` (or skip it: unread data is discarded).
    """

    def __init__(self, body: AsyncIterator[bytes], boundary: bytes) -> None:
        self._body = body.__aiter__()
        self._body_done = False
        self._events: deque[tuple[str, Any]] = deque()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._in_part = False
        callbacks: Any = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": lambda data, start, end: self._header_field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": lambda data, start, end: self._events.append(("data", bytes(data[start:end]))),
            "on_part_end": lambda: self._events.append(("end", None)),
            "on_end": lambda: self._events.append(("eof", None)),
        }
        try:
            self._parser = MultipartParser(boundary, callbacks)
        except (FormParserError, ValueError) as exc:
            raise MalformedUpload(f"Invalid multipart boundary: {exc}") from None

    def _on_part_begin(self) -> None:
        self._headers = {}

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        self._events.append(("part", _part_info(self._headers)))

    async def _next_event(self) -> tuple[str, Any]:
        while not self._events:
            if self._body_done:
                raise MalformedUpload("The multipart body ended before its closing boundary.")
            try:
                chunk = await self._body.__anext__()
            except StopAsyncIteration:
                self._body_done = True
                self._finalize()
                continue
            if chunk:
                try:
                    self._parser.write(chunk)
                except FormParserError as exc:
                    raise MalformedUpload(f"The multipart body is malformed: {exc}") from None
        return self._events.popleft()

    def _finalize(self) -> None:
        try:
            self._parser.finalize()
        except FormParserError as exc:
            raise MalformedUpload(f"The multipart body is malformed: {exc}") from None

    async def parts(self) -> AsyncIterator[PartInfo]:
        count = 0
        while True:
            if self._in_part:  # the consumer skipped (part of) the previous part's data
                await self._skip_part()
            kind, value = await self._next_event()
            if kind == "eof":
                return
            if kind != "part":
                continue
            count += 1
            if count > MAX_PARTS:
                raise MalformedUpload(f"Too many parts in one upload (at most {MAX_PARTS}).")
            self._in_part = True
            yield value

    async def part_data(self) -> AsyncIterator[bytes]:
        """The data of the current part, chunk by chunk."""
        while self._in_part:
            kind, value = await self._next_event()
            if kind == "data":
                yield value
            elif kind == "end":
                self._in_part = False
            else:
                raise MalformedUpload("The multipart body is malformed: a part has no end.")

    async def _skip_part(self) -> None:
        async for _ in self.part_data():
            pass


def _part_info(headers: dict[bytes, bytes]) -> PartInfo:
    disposition = headers.get(b"content-disposition", b"").decode("latin-1")
    _, options = parse_options_header(disposition)
    name = options.get(b"name")
    filename = options.get(b"filename")
    content_type = headers.get(b"content-type")
    return PartInfo(
        name=name.decode("utf-8", "replace") if name is not None else None,
        filename=filename.decode("utf-8", "replace") if filename is not None else None,
        content_type=content_type.decode("latin-1") if content_type else None,
    )


__all__ = ["MalformedUpload", "MultipartReader", "PartInfo", "multipart_boundary"]
