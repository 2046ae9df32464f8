"""HTTP responses for `GET|HEAD /gradio_api/file=...`: ranges, caching headers, and no XSS through files.

Only the server imports this module (it needs Starlette). Which files may be served at all is decided
before, by `FilePolicy.resolve_served`; this module decides *how*: inline with its own type, or as a
download. Types a browser would run (HTML, SVG, JavaScript, XML) are always downloads, as
`application/octet-stream` with `Content-Disposition: attachment`, whatever the caller says.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path

from starlette.responses import FileResponse, Response

# Served inline for any file: a browser renders these without running code from them.
_SAFE_PREFIXES = ("image/", "audio/", "video/")
_SAFE_TYPES = frozenset({"text/plain", "application/json"})
# Never inline, not even from allowed_paths: each can carry script that runs on the app's origin.
_SCRIPT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
        "text/xml",
        "application/xml",
        "text/xsl",
        "application/xslt+xml",
        "multipart/x-mixed-replace",
        "text/x-component",
        "application/x-shockwave-flash",
    }
)
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}


def guess_media_type(path: Path) -> str | None:
    """The mime type of `path` from its extension (None when unknown)."""
    media_type, encoding = mimetypes.guess_type(path.name, strict=False)
    # `x.html.gz` is gzip bytes, not HTML: a compressed file is a download whatever is inside.
    return media_type if encoding is None else None


def is_script_type(media_type: str | None) -> bool:
    """Whether a browser could run script from a document of `media_type` (HTML, SVG, JS, any XML)."""
    if media_type is None:
        return False
    base = media_type.split(";", 1)[0].strip().lower()
    return base in _SCRIPT_TYPES or base.endswith("+xml") or "javascript" in base or "ecmascript" in base


def is_inline_safe(media_type: str | None) -> bool:
    """Whether `media_type` is safe to render inline for any file (images but SVG, audio, video, plain text, JSON)."""
    if media_type is None or is_script_type(media_type):
        return False
    base = media_type.split(";", 1)[0].strip().lower()
    return base.startswith(_SAFE_PREFIXES) or base in _SAFE_TYPES


def serving_disposition(path: Path, inline_allowed: bool) -> tuple[str, str]:
    """`(media type, "inline" | "attachment")` for serving `path`.

    Inline with its own type when the type is safe, or when `inline_allowed` (files from allowed paths)
    and the type cannot run script; otherwise `application/octet-stream` as an attachment.
    """
    media_type = guess_media_type(path)
    if media_type is not None and (is_inline_safe(media_type) or (inline_allowed and not is_script_type(media_type))):
        return media_type, "inline"
    return "application/octet-stream", "attachment"


def _not_modified(request_headers: Mapping[str, str], etag: str, mtime: float) -> bool:
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since:
        try:
            return int(mtime) <= parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


def file_response(path: Path, inline_allowed: bool, request_headers: Mapping[str, str]) -> Response:
    """A response that sends the file at `path` (already checked by `FilePolicy.resolve_served`).

    Supports `Range` (206 with `content-range`), HEAD, and `ETag`/`Last-Modified` with 304 on a
    matching `If-None-Match`/`If-Modified-Since`. Always sets `X-Content-Type-Options: nosniff`.
    `request_headers` must look headers up case-insensitively (Starlette's `request.headers` does);
    a plain dict should use lower-case keys.
    """
    stat_result = os.stat(path)
    media_type, disposition = serving_disposition(path, inline_allowed)
    response = FileResponse(
        path,
        media_type=media_type,
        filename=path.name,
        stat_result=stat_result,
        content_disposition_type=disposition,
        headers=_SECURITY_HEADERS,
    )
    etag = response.headers["etag"]
    if _not_modified(request_headers, etag, stat_result.st_mtime):
        kept = {k: v for k, v in response.headers.items() if k in ("etag", "last-modified", "accept-ranges")}
        return Response(status_code=304, headers={**kept, **_SECURITY_HEADERS})
    return response
