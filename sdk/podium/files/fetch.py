"""Fetching files from URLs without letting a client reach the server's own network (SSRF).

Clients may send a FileData whose `path` is an http(s) URL (`gradio_client.handle_file("https://...")`), and a
handler may return one. The server fetches such a URL only when every address its host resolves to is public
(no loopback, private, link-local or reserved ranges), connects to the address it checked (so DNS cannot
change between check and connect), checks every redirect again, and stops at the app's `max_file_size`.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from podium.files.cache import FileTooLarge
from podium.files.policy import FileAccessDenied

if TYPE_CHECKING:
    from podium.files.cache import FileCache

MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 30.0
_CHUNK = 1024 * 1024


def is_url(value: str) -> bool:
    """Whether `value` is an http(s) URL (the only kind the server fetches)."""
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


def url_not_allowed(url: str) -> FileAccessDenied:
    return FileAccessDenied(
        f"File not allowed: {url[:300]}. Only public http(s) URLs can be fetched.", reason="not_public"
    )


def resolve_public_url(url: str) -> tuple[str, str, int]:
    """`(host, checked IP, port)` for `url` (blocking: DNS), or FileAccessDenied when it is not public."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise url_not_allowed(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise url_not_allowed(url) from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(is_public_address(a) for a in addresses):
        raise url_not_allowed(url)
    return host, addresses[0], port


def pinned_url(url: str, address: str, port: int) -> str:
    """`url` with its host replaced by the checked IP (the Host header and SNI keep the name)."""
    parts = urlsplit(url)
    ip_host = f"[{address}]" if ":" in address else address
    return urlunsplit((parts.scheme, f"{ip_host}:{port}", parts.path or "/", parts.query, ""))


def download_to_cache(url: str, cache: FileCache) -> str:
    """Fetch the public file at `url` into `cache` and return its cache id (blocking: network and disk).

    Raises FileAccessDenied for a URL that is not public or cannot be fetched, FileTooLarge past the cache's
    `max_file_size`.
    """
    import httpx

    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "file"
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            host, address, port = resolve_public_url(current)
            request = client.build_request(
                "GET", pinned_url(current, address, port),
                headers={"host": urlsplit(current).netloc, "accept": "*/*", "accept-encoding": "identity"},
                extensions={"sni_hostname": host},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError:
                raise FileAccessDenied(f"Could not fetch {url[:300]}.", reason="fetch_failed") from None
            try:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise FileAccessDenied(
                        f"Could not fetch {url[:300]}: the server answered {response.status_code}.", reason="fetch_failed"
                    )
                return _save_body(response, name, cache)
            finally:
                response.close()
        raise FileAccessDenied(f"Could not fetch {url[:300]}: too many redirects.", reason="fetch_failed")


def _save_body(response: object, name: str, cache: FileCache) -> str:
    import httpx

    assert isinstance(response, httpx.Response)
    max_bytes = cache.max_file_size
    with tempfile.NamedTemporaryFile(dir=cache.partial_dir, delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            received = 0
            for chunk in response.iter_raw(_CHUNK):
                received += len(chunk)
                if max_bytes is not None and received > max_bytes:
                    raise FileTooLarge(name, max_bytes)
                tmp.write(chunk)
        except httpx.HTTPError:
            tmp_path.unlink(missing_ok=True)
            raise FileAccessDenied(f"Could not fetch {name}: the download broke off.", reason="fetch_failed") from None
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
    try:
        return cache.save_file(tmp_path, name)
    finally:
        tmp_path.unlink(missing_ok=True)
