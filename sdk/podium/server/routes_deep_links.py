"""`POST {api_prefix}/deep_link`: save a snapshot of what the visitor sees; answer its id and URL.

The body is the browser's payload (docs/design/deep-links.md: `values`, `visible`, `tabs`, `accordions`, keyed
by component id). Answers: 200 `{"id", "url", "expires_at", "skipped"}`; 400 for a malformed body; 404 when the
app turned deep links off; 413 over the store's limit; 503 when the platform's store cannot be reached. Like
`/config`, it needs a signed-in visitor when the app has `launch(auth=...)`. Opening a link
(`?deep_link=ID` on `/` and `/config`) is `ServerContext.request_config`'s job.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from podium.server.context import ServerContext, read_json_object, request_host
from podium.server.responses import HTTPError, JSONResponse

DISABLED = "Deep links are turned off for this app (Blocks(deep_links=False))."
# The body carries a little more than the snapshot (ids, file urls): allow some room before the store's own limit.
_BODY_ROOM = 64 * 1024


def deep_link_routes(ctx: ServerContext, api_prefix: str) -> list[BaseRoute]:
    """The deep-link route of the app behind `ctx`."""

    async def save(request: Request) -> Response:
        from podium.deeplinks.service import DeepLinksDisabled
        from podium.deeplinks.snapshot import SnapshotError
        from podium.deeplinks.store import LinkUnavailable, SnapshotTooLarge

        ctx.auth.require(request)
        service = ctx.deep_links
        if service is None or not service.enabled:
            raise HTTPError(404, DISABLED)
        limit = ctx.settings.deep_link_max_bytes * 2 + _BODY_ROOM
        try:
            payload = await read_json_object(request, limit=limit)
        except HTTPError as exc:
            if exc.status_code == 413:  # the body alone is far over the limit: say so in the store's words
                raise HTTPError(413, str(SnapshotTooLarge(limit, ctx.settings.deep_link_max_bytes))) from None
            raise
        try:
            answer = await service.save(payload, root=ctx.root_url(request), host=request_host(request))
        except DeepLinksDisabled:
            raise HTTPError(404, DISABLED) from None
        except SnapshotError as exc:
            raise HTTPError(400, str(exc)) from None
        except SnapshotTooLarge as exc:
            raise HTTPError(413, str(exc)) from None
        except LinkUnavailable as exc:
            raise HTTPError(503, f"Could not save the link: {exc}") from None
        return JSONResponse(answer)

    return [
        Route(f"{api_prefix}/deep_link", save, methods=["POST"]),
        Route(f"{api_prefix}/deep_link/", save, methods=["POST"]),
    ]


__all__ = ["DISABLED", "deep_link_routes"]
