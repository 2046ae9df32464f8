"""Which Space a request is for: `NAME--OWNER.spaces.DOMAIN[:PORT]` in the Host header; or which share link:
`SUB.share.DOMAIN[:PORT]` (a laptop's app behind a share-link tunnel, served by the share server's vhost).

`DOMAIN` comes from `PODIUM_SPACES_DOMAIN` (default `localhost`, so `http://demo--alice.spaces.localhost:8080`
works in a browser on one machine). Host names are case-insensitive; Space and owner names are lower case
(`NAME_PATTERN`), so the header is lowered before matching. Anything that does not parse is a 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podium_cp.models.identity import NAME_PATTERN

_NAME = NAME_PATTERN.removeprefix("^").removesuffix("$")
_SHARE_LABEL = re.compile(r"^[a-z0-9-]{1,63}$")  # one DNS label; the share server decides which ones exist


@dataclass(frozen=True)
class SpaceHost:
    """The Space a Host header names: `name` owned by `owner` (a user's or an org's name)."""

    name: str
    owner: str

    @property
    def full_name(self) -> str:
        """`OWNER/NAME`, as the API and the CLI write it."""
        return f"{self.owner}/{self.name}"


class HostParser:
    """Parses Host headers for one spaces domain (e.g. `spaces.localhost`)."""

    def __init__(self, domain: str) -> None:
        self.domain = domain.strip().strip(".").lower()
        self.suffix = f".spaces.{self.domain}"
        self.share_suffix = f".share.{self.domain}"
        # The name part cannot contain "--" at its edges: both halves must match NAME_PATTERN on their own.
        self._pattern = re.compile(rf"^(?P<name>{_NAME})--(?P<owner>{_NAME})$")

    def parse(self, host: str | None) -> SpaceHost | None:
        """The Space named by `host` (port ignored), or None when it is not `NAME--OWNER.spaces.DOMAIN`."""
        if not host:
            return None
        host = host.strip().lower()
        if host.startswith("["):
            return None  # an IPv6 literal never names a Space
        hostname = _hostname(host)
        if not hostname.endswith(self.suffix):
            return None
        label = hostname[: -len(self.suffix)]
        match = self._pattern.match(label)
        if match is None:
            return None
        return SpaceHost(name=match["name"], owner=match["owner"])

    def share_subdomain(self, host: str | None) -> str | None:
        """The share link's subdomain when `host` is `SUB.share.DOMAIN[:PORT]`, else None."""
        if not host:
            return None
        host = host.strip().lower()
        if host.startswith("["):
            return None
        hostname = _hostname(host)
        if not hostname.endswith(self.share_suffix):
            return None
        label = hostname[: -len(self.share_suffix)]
        return label if _SHARE_LABEL.match(label) else None


def _hostname(host: str) -> str:
    """A lower-cased Host header's name: without the port and a fully qualified name's final dot."""
    hostname = host.rsplit(":", 1)[0] if ":" in host else host
    return hostname.rstrip(".")
