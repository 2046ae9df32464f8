"""`GET /gradio_api/file=https://...`: fetch a public URL for the client and stream it back, SSRF-safe.

A handler may return a URL as a file output; `gradio_client` then downloads it through the app's `file=`
route. The server fetches it only when every address the host resolves to is public (no loopback, private,
link-local or reserved ranges), connects to the address it checked (no DNS rebinding between check and
connect), re-checks every redirect, and never serves content a browser would run as a page.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit

from starlette.responses import Response, StreamingResponse

from podium.files.fetch import MAX_REDIRECTS, TIMEOUT_SECONDS, is_public_address, is_url, pinned_url, resolve_public_url
from podium.files.policy import FileAccessDenied
from podium.server.responses import HTTPError

_PASSED_HEADERS = ("content-length", "last-modified", "etag")


def _denied(url: str) -> HTTPError:
    return HTTPError(403, f"File not allowed: {url[:300]}.")


async def _public_address(url: str) -> tuple[str, str, int]:
    """`(host, checked IP, port)` for `url`, or a 403 when it is not a public http(s) URL."""
    try:
        return await asyncio.to_thread(resolve_public_url, url)
    except FileAccessDenied:
        raise _denied(url) from None


async def proxy_url(url: str) -> Response:
    """Stream the public file at `url` back to the client (403 for anything that is not public)."""
    import httpx

    from podium.files.serving import is_inline_safe

    client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            host, address, port = await _public_address(current)
            upstream_request = client.build_request(
                "GET",
                pinned_url(current, address, port),
                headers={"host": urlsplit(current).netloc, "accept": "*/*", "accept-encoding": "identity"},
                extensions={"sni_hostname": host},
            )
            upstream = await client.send(upstream_request, stream=True)
            if upstream.is_redirect and "location" in upstream.headers:
                await upstream.aclose()
                current = urljoin(current, upstream.headers["location"])
                continue
            break
        else:
            raise _denied(url)
    except HTTPError:
        await client.aclose()
        raise
    except httpx.HTTPError:
        await client.aclose()
        raise HTTPError(502, f"Could not fetch {url[:300]}.") from None
    if upstream.status_code != 200:
        await upstream.aclose()
        await client.aclose()
        raise HTTPError(404 if upstream.status_code == 404 else 502, f"Could not fetch {url[:300]}.")

    media_type = upstream.headers.get("content-type", "").split(";", 1)[0].strip() or None
    name = urlsplit(current).path.rsplit("/", 1)[-1] or "file"
    headers = {k: upstream.headers[k] for k in _PASSED_HEADERS if k in upstream.headers}
    headers["x-content-type-options"] = "nosniff"
    if is_inline_safe(media_type):
        headers["content-disposition"] = "inline"
    else:
        media_type = "application/octet-stream"
        headers["content-disposition"] = f'attachment; filename="{name.replace(chr(34), "")}"'

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            await upstream.aclose()
            await client.aclose()

    return StreamingResponse(body(), media_type=media_type, headers=headers)


__all__ = ["is_public_address", "is_url", "proxy_url"]
