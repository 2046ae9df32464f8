"""Files over HTTP (wire-protocol spec, section 5): uploads into the cache, upload progress, and serving
files through the app's file policy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from podium.server.context import ServerContext
from podium.server.multipart import MalformedUpload, MultipartReader, multipart_boundary
from podium.server.responses import HTTPError, JSONResponse, error_response
from podium.server.sse import EventStreamResponse, data_frame
from podium.server.url_proxy import is_url, proxy_url

UPLOAD_WAIT_SECONDS = 3.0  # how long upload_progress waits for an upload_id to appear (as Gradio)
_MAX_TRACKED_UPLOADS = 1000


@dataclass
class UploadProgress:
    """What `GET upload_progress` reports for one `POST upload?upload_id=...`."""

    orig_name: str = ""
    received: int = 0
    done: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def update(self, orig_name: str | None = None, received: int = 0, done: bool = False) -> None:
        if orig_name is not None:
            self.orig_name = orig_name
        self.received += received
        self.done = self.done or done
        self.changed.set()


class UploadTracker:
    """The uploads started with an `upload_id` (bounded: the oldest are forgotten first)."""

    def __init__(self) -> None:
        self.uploads: dict[str, UploadProgress] = {}
        self.appeared = asyncio.Event()

    def start(self, upload_id: str) -> UploadProgress:
        while len(self.uploads) >= _MAX_TRACKED_UPLOADS:
            self.uploads.pop(next(iter(self.uploads)))
        progress = self.uploads[upload_id] = UploadProgress()
        self.appeared.set()
        self.appeared = asyncio.Event()
        return progress

    async def wait_for(self, upload_id: str, timeout: float) -> UploadProgress | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while upload_id not in self.uploads:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.appeared.wait(), remaining)
        return self.uploads[upload_id]


def file_routes(ctx: ServerContext, api_prefix: str) -> list[BaseRoute]:
    tracker = UploadTracker()

    async def upload(request: Request) -> Response:
        from podium.files.cache import FileTooLarge

        ctx.auth.require(request)
        boundary = multipart_boundary(request.headers.get("content-type"))
        if boundary is None:
            raise HTTPError(400, "Invalid content type.")
        upload_id = request.query_params.get("upload_id")
        progress = tracker.start(upload_id) if upload_id else None
        reader = MultipartReader(request.stream(), boundary)
        cache = ctx.files.cache
        ids: list[str] = []
        try:
            async for part in reader.parts():
                if part.name != "files" or part.filename is None:
                    continue  # other form fields are ignored, as in Gradio
                if progress is not None:
                    progress.update(orig_name=part.filename)
                ids.append(await cache.save_upload(part.filename, _counted(reader.part_data(), progress)))
        except FileTooLarge as exc:
            return error_response(413, exc.message, headers={"connection": "close"})
        except MalformedUpload as exc:
            raise HTTPError(400, str(exc)) from None
        finally:
            if progress is not None:
                progress.update(done=True)
        return JSONResponse(ids)

    async def upload_progress(request: Request) -> Response:
        ctx.auth.require(request)
        upload_id = request.query_params.get("upload_id")
        if not upload_id:
            raise HTTPError(400, "Give the upload_id of the upload to follow: upload_progress?upload_id=...")
        progress = await tracker.wait_for(upload_id, UPLOAD_WAIT_SECONDS)
        if progress is None:
            raise HTTPError(404, "Upload not found.")
        interval = ctx.settings.heartbeat_interval

        async def frames() -> AsyncIterator[bytes]:
            sent = -1
            while True:
                if progress.done:
                    yield data_frame({"msg": "done"})
                    return
                if progress.received != sent:
                    sent = progress.received
                    yield data_frame({"msg": "update", "orig_name": progress.orig_name, "chunk_size": sent})
                progress.changed.clear()
                try:
                    await asyncio.wait_for(progress.changed.wait(), interval)
                except asyncio.TimeoutError:
                    yield data_frame({"msg": "heartbeat"})

        return EventStreamResponse(frames(), stop=ctx.stopping)  # type: ignore[return-value]

    async def serve_file(request: Request) -> Response:
        from podium.files.policy import FileAccessDenied
        from podium.files.serving import file_response

        ctx.auth.require(request)
        requested = request.path_params["path"]
        if is_url(requested):
            return await proxy_url(requested)
        try:
            path, inline_allowed = await asyncio.to_thread(ctx.files.policy.resolve_served, requested)
            return await asyncio.to_thread(file_response, path, inline_allowed, request.headers)
        except FileAccessDenied as exc:
            return error_response(403, exc.message)
        except FileNotFoundError:  # removed between the check and the stat
            return error_response(403, f"File not allowed: {requested[:300]}.")

    p = api_prefix
    return [
        Route(f"{p}/upload", upload, methods=["POST"]),
        Route(f"{p}/upload_progress", upload_progress, methods=["GET"]),
        Route(f"{p}/file={{path:path}}", serve_file, methods=["GET", "HEAD"]),
        Route(f"{p}/file/{{path:path}}", serve_file, methods=["GET", "HEAD"]),
    ]


async def _counted(chunks: AsyncIterator[bytes], progress: UploadProgress | None) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        if progress is not None:
            progress.update(received=len(chunk))
        yield chunk


__all__ = ["UploadTracker", "file_routes"]
