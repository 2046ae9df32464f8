"""`Request`: what a handler can know about the HTTP request that started its event.

Annotate a parameter with `podium.Request` (`gr.Request`) to receive it; it is not counted as an input.

```python
def greet(name: str, request: gr.Request) -> str:
    return f"Hello {name} from {request.client.host}"
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass
class RequestInfo:
    """What the HTTP layer knows about the request that started an event (filled in by the server)."""

    headers: Mapping[str, str] = field(default_factory=dict)
    client_host: str | None = None
    client_port: int | None = None
    query_params: Mapping[str, str] = field(default_factory=dict)
    path_params: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    root_url: str = ""  # public base URL incl. root_path, no trailing slash (for file URLs)
    username: str | None = None
    session_hash: str | None = None


class Client(NamedTuple):
    """The remote address of a request: `request.client.host`, `request.client.port`."""

    host: str | None
    port: int | None


class Headers(Mapping[str, str]):
    """Request headers; look-ups ignore case (`request.headers["User-Agent"]`)."""

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        self._items = {k.lower(): v for k, v in (headers or {}).items()}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class Request:
    """The HTTP request behind an event, as Gradio's `gr.Request` exposes it.

    Attributes: `headers` (case-insensitive), `client` (`.host`, `.port`), `session_hash`,
    `query_params`, `path_params`, `cookies`, `username`, `url`.
    """

    def __init__(self, info: RequestInfo | None = None, **overrides: Any) -> None:
        info = info or RequestInfo()
        self.headers = Headers(info.headers)
        self.client = Client(info.client_host, info.client_port)
        self.query_params: Mapping[str, str] = dict(info.query_params)
        self.path_params: Mapping[str, str] = dict(info.path_params)
        self.cookies: Mapping[str, str] = dict(info.cookies)
        self.url = info.url
        self.username = info.username
        self.session_hash = info.session_hash
        for name, value in overrides.items():
            setattr(self, name, value)

    @property
    def request(self) -> Request:  # Gradio code sometimes reads `request.request`
        return self

    def __repr__(self) -> str:
        return f"Request(url={self.url!r}, session_hash={self.session_hash!r})"


__all__ = ["Client", "Headers", "Request", "RequestInfo"]
