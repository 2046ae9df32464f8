"""`PlatformDeepLinkStore`: deep links kept by a Podium platform, through its app-facing API.

A Space's container (and an app shared with `launch(share=True)`) stores its snapshots in the control plane:
`POST /api/deep-links` and `GET /api/deep-links/{id}` with `Authorization: Bearer TOKEN`, where TOKEN is the
Space's (or share link's) scoped deep-link token. The API is named by `http(s)://HOST[:PORT]` or by
`unix:///path/api.sock` (a Space container reaches the API on a socket mounted into it). Every answer the app
cannot use becomes one of the store errors of `podium.deeplinks.store`, with a message that says what happened.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from podium.deeplinks.snapshot import is_link_id
from podium.deeplinks.store import (
    DEFAULT_MAX_BYTES,
    LinkExpired,
    LinkNotFound,
    LinkUnavailable,
    LoadedLink,
    SavedLink,
    SnapshotTooLarge,
)
from podium.platform_auth import error_message

if TYPE_CHECKING:
    import httpx

TIMEOUT_S = 10.0
_UNIX_BASE = "http://podium-api"  # the host part of requests sent over a Unix socket (never resolved)


class PlatformDeepLinkStore:
    """The app-facing deep-link API at `api_url`, called with `token`.

    `transport` replaces the HTTP transport (tests); by default a `unix://` URL gets httpx's Unix-socket
    transport. A new client is made per call: links are saved and opened rarely, and a client is bound to the
    event loop it was made on.
    """

    def __init__(self, api_url: str, token: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        api_url = api_url.strip()
        if api_url.startswith("unix://"):
            self.socket_path: str | None = api_url[len("unix://"):]
            if not self.socket_path.startswith("/"):
                raise ValueError(f"PODIUM_DEEP_LINK_API {api_url!r}: a Unix socket is named unix:///absolute/path")
            self.base_url = _UNIX_BASE
        elif api_url.startswith(("http://", "https://")):
            self.socket_path = None
            self.base_url = api_url.rstrip("/")
        else:
            raise ValueError(f"PODIUM_DEEP_LINK_API {api_url!r} must be http(s)://HOST[:PORT] or unix:///PATH")
        if not token:
            raise ValueError("The platform's deep-link store needs a token (PODIUM_DEEP_LINK_TOKEN).")
        self.api_url = api_url
        self.token = token
        self.max_bytes = max_bytes
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    def _client(self) -> httpx.AsyncClient:
        """One client per event loop, kept: a new one costs ~45 ms of CPU (its TLS context) and a new connection."""
        import httpx

        loop = asyncio.get_running_loop()
        if self._http is None or self._http_loop is not loop:
            transport = self._transport
            if transport is None and self.socket_path is not None:
                transport = httpx.AsyncHTTPTransport(uds=self.socket_path)
            self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=TIMEOUT_S,
                                           headers={"Authorization": f"Bearer {self.token}"})
            self._http_loop = loop
        return self._http

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            return await self._client().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise LinkUnavailable(
                f"the platform's API at {self.api_url} cannot be reached ({exc or type(exc).__name__})"
            ) from None

    def _refused(self, response: httpx.Response) -> LinkUnavailable:
        status = response.status_code
        if status == 401:
            return LinkUnavailable(f"the platform refused this app's deep-link token ({error_message(response)})")
        if status == 403:
            return LinkUnavailable(f"the platform refused: {error_message(response)} (the share link may have expired "
                                   "or been revoked)")
        if status == 404:
            return LinkUnavailable(f"the platform no longer knows this app ({error_message(response)})")
        return LinkUnavailable(f"the platform's API answered {status}: {error_message(response)}")

    async def save(self, snapshot: dict[str, Any], *, app_revision: str, space_revision: str | None) -> SavedLink:
        """`POST /api/deep-links`; SnapshotTooLarge on 413 (or before sending), LinkUnavailable otherwise."""
        import orjson

        size = len(orjson.dumps(snapshot))
        if size > self.max_bytes:
            raise SnapshotTooLarge(size, self.max_bytes)
        revision = int(space_revision) if space_revision is not None and space_revision.isdigit() else None
        body = {"snapshot": snapshot, "app_revision": app_revision, "space_revision": revision}
        response = await self._request("POST", "/api/deep-links", json=body)
        if response.status_code == 413:
            limit = _limit_of(response)
            raise SnapshotTooLarge(size, limit if limit is not None else self.max_bytes)
        if response.status_code not in (200, 201):
            raise self._refused(response)
        try:
            answer = response.json()
            return SavedLink(str(answer["id"]), str(answer["created_at"]), answer.get("expires_at"))
        except (ValueError, KeyError, TypeError):
            raise LinkUnavailable(f"the platform's API at {self.api_url} answered with an unexpected body") from None

    async def load(self, link_id: str) -> LoadedLink:
        """`GET /api/deep-links/{id}`; LinkNotFound (404), LinkExpired (410), LinkUnavailable otherwise."""
        if not is_link_id(link_id):
            raise LinkNotFound(f"No deep link {link_id[:80]!r}.")
        response = await self._request("GET", f"/api/deep-links/{quote(link_id)}")
        if response.status_code == 404:
            raise LinkNotFound(f"No deep link {link_id!r}.")
        if response.status_code == 410:
            raise LinkExpired(error_message(response))
        if response.status_code != 200:
            raise self._refused(response)
        try:
            answer = response.json()
            snapshot = answer["snapshot"]
            if not isinstance(snapshot, dict):
                raise TypeError("snapshot")
            return LoadedLink(str(answer.get("id") or link_id), snapshot, answer.get("created_at"),
                              answer.get("expires_at"))
        except (ValueError, KeyError, TypeError):
            raise LinkUnavailable(f"the platform's API at {self.api_url} answered with an unexpected body") from None


def _limit_of(response: httpx.Response) -> int | None:
    """The limit a 413 names: the control plane's `{"error": {"details": {"max_bytes": N}}}`, when it names one."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    limit = details.get("max_bytes") if isinstance(details, dict) else None
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else None


__all__ = ["PlatformDeepLinkStore"]
