"""Header rewriting between the visitor and a Space's replica.

Removed both ways: hop-by-hop headers (RFC 9110 7.6.1, plus any the Connection header names). Removed towards
the Space: Podium's own credentials (the `podium_session`/`podium_csrf`/`podium_space_auth`/`podium_space_share`
cookies and `Authorization: Bearer pdm_...`), which the router consumed and which a Space's code must never see
(it could act as the visitor). Added towards the Space: X-Forwarded-For (appended), X-Forwarded-Proto and
X-Forwarded-Host. The Host header is kept, so an app builds its absolute URLs with the public name.
"""

from __future__ import annotations

from collections.abc import Iterable

from podium_cp.auth.sessions import CSRF_COOKIE, SESSION_COOKIE
from podium_cp.auth.tokens import TOKEN_PREFIX
from podium_cp.router.space_auth import SPACE_COOKIE
from podium_cp.router.space_share import SHARE_COOKIE

HOP_BY_HOP = frozenset(
    {
        b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection",
        b"te", b"trailer", b"trailers", b"transfer-encoding", b"upgrade",
    }
)
# Set by the WebSocket client library for its own handshake with the replica.
WEBSOCKET_HANDSHAKE = frozenset(
    {b"host", b"sec-websocket-key", b"sec-websocket-version", b"sec-websocket-extensions", b"sec-websocket-protocol"}
)
_PODIUM_COOKIES = frozenset({SESSION_COOKIE, CSRF_COOKIE, SPACE_COOKIE, SHARE_COOKIE})
_X_FORWARDED = frozenset({b"x-forwarded-proto", b"x-forwarded-host"})

_TOKEN_PREFIX = TOKEN_PREFIX.encode()
_skip_sets: dict[frozenset[bytes], frozenset[bytes]] = {}  # per `drop` set: what to_upstream never forwards

Headers = list[tuple[bytes, bytes]]


def _connection_named(headers: Iterable[tuple[bytes, bytes]]) -> frozenset[bytes]:
    named: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named.update(token.strip().lower() for token in value.split(b","))
    return frozenset(named)


def strip_podium_cookies(value: bytes) -> bytes:
    """The Cookie header without Podium's session and CSRF cookies (b"" when nothing else remains)."""
    kept = [
        pair.strip()
        for pair in value.split(b";")
        if pair.strip() and pair.split(b"=", 1)[0].strip().decode("latin-1") not in _PODIUM_COOKIES
    ]
    return b"; ".join(kept)


def to_upstream(
    headers: Iterable[tuple[bytes, bytes]],
    *,
    client_ip: str | None,
    scheme: str,
    host: bytes,
    drop: frozenset[bytes] = frozenset(),
) -> Headers:
    """Request headers for the replica (lower-case names), rewritten as the module docstring says."""
    headers = headers if isinstance(headers, list) else list(headers)
    skip = _skip_sets.get(drop)
    if skip is None:
        skip = _skip_sets[drop] = HOP_BY_HOP | _X_FORWARDED | drop
    out: Headers = []
    forwarded_for = b""
    for raw_name, value in headers:
        name = raw_name.lower()
        if name in skip:
            if name == b"connection":
                skip = skip | _connection_named(headers)
            continue
        if name == b"x-forwarded-for":
            forwarded_for = value if not forwarded_for else forwarded_for + b", " + value
            continue
        if name == b"cookie":
            value = strip_podium_cookies(value)
            if not value:
                continue
        elif name == b"authorization" and value[7:].strip().startswith(_TOKEN_PREFIX):
            continue  # "Bearer pdm_...": the router's credential, not the app's
        out.append((name, value))
    if len(skip) > len(HOP_BY_HOP) + len(_X_FORWARDED) + len(drop):
        out = [(name, value) for name, value in out if name not in skip]  # named by a Connection header
    if client_ip:
        forwarded_for = forwarded_for + b", " + client_ip.encode() if forwarded_for else client_ip.encode()
    if forwarded_for:
        out.append((b"x-forwarded-for", forwarded_for))
    out.append((b"x-forwarded-proto", b"https" if scheme in ("https", "wss") else b"http"))
    out.append((b"x-forwarded-host", host))
    return out


def to_client(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """Response headers for the visitor: the replica's, less hop-by-hop ones (names lower-cased for ASGI)."""
    headers = list(headers)
    skip = HOP_BY_HOP | _connection_named(headers)
    return [(name.lower(), value) for name, value in headers if name.lower() not in skip]
