"""`GET /gradio_api/file=https://...`: fetch a public URL for the client and stream it back, SSRF-safe.

A handler may return a URL as a file output; `gradio_client` then downloads it through the app's `file=`
route. The server fetches it only when every address the host resolves to is public (no loopback, private,
link-local or reserved ranges), connects to the address it checked (no DNS rebinding between check and
connect), re-checks every redirect, and never serves content a browser would run as a page.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit, urlunsplit

from starlette.responses import Response, StreamingResponse

from podium.server.responses import HTTPError

MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 30.0
_PASSED_HEADERS = ("content-length", "last-modified", "etag")


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def is_public_address(address: str) -> bool:
    """Whether `address` (an IP) is on the public internet; the server never fetches anything else."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def _denied(url: str) -> HTTPError:
    return HTTPError(403, f"File not allowed: {url[:300]}.")


async def _public_address(url: str) -> tuple[str, str, int]:
    """`(scheme, host, checked IP)` for `url`, or a 403 when it is not a public http(s) URL."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise _denied(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise _denied(url) from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(is_public_address(a) for a in addresses):
        raise _denied(url)
    return host, addresses[0], port


async def proxy_url(url: str) -> Response:
    """Stream the public file at `url` back to the client (403 for anything that is not public)."""
    import httpx

    from podium.files.serving import is_inline_safe

    client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            host, address, port = await _public_address(current)
            parts = urlsplit(current)
            ip_host = f"[{address}]" if ":" in address else address
            pinned = urlunsplit((parts.scheme, f"{ip_host}:{port}", parts.path or "/", parts.query, ""))
            upstream_request = client.build_request(
                "GET", pinned, headers={"host": parts.netloc, "accept": "*/*", "accept-encoding": "identity"},
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
