"""`DeepLinkService`: which store a request's deep link goes to, and saving and restoring through it.

- In a Space, `PODIUM_DEEP_LINK_API` + `PODIUM_DEEP_LINK_TOKEN` name the platform's API: every link is stored there.
- With `launch(share=True)`, when the share link came with a deep-link token, requests that arrive through the
  share URL's host store their links with the platform that made the share link (they expire with it).
- Otherwise (and for requests to the local URL) links go to the local SQLite store.

Restoring tries the platform store(s) first, then the local one. The routes (`server/routes_deep_links.py`,
`server/page.py`, `server/routes_config.py`) turn the errors raised here into answers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from podium.deeplinks.snapshot import apply_snapshot, build_snapshot, is_link_id, link_state
from podium.deeplinks.store import DeepLinkStore, LinkExpired, LinkNotFound, LinkUnavailable

if TYPE_CHECKING:
    from podium.blocks import Blocks
    from podium.deeplinks.local_store import LocalDeepLinkStore
    from podium.deeplinks.platform_store import PlatformDeepLinkStore
    from podium.files.policy import FilePolicy
    from podium.server.settings import ServerSettings

logger = logging.getLogger("podium.server")


class DeepLinksDisabled(Exception):
    """The app was made with `Blocks(deep_links=False)`."""


@dataclass(frozen=True)
class ShareStore:
    """The store used for requests that arrive through a share link's host."""

    host: str
    store: PlatformDeepLinkStore


def app_identity(blocks: Blocks) -> str:
    """The local store's name for this app: its main script's absolute path, else its title."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if isinstance(path, str) and path:
        return os.path.abspath(path)
    return str(getattr(blocks, "title", None) or "Podium")


def host_of(url_or_host: str) -> str:
    """The lower-case host name of a URL or of a `Host` header value, without its port."""
    value = url_or_host.split("://", 1)[-1].split("/", 1)[0].strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class DeepLinkService:
    """Saving and restoring deep links of one app (`Blocks`), with the stores `settings` name."""

    def __init__(self, blocks: Blocks, settings: ServerSettings, policy: FilePolicy | None,
                 environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.blocks = blocks
        self.settings = settings
        self.policy = policy
        self.space_revision = (env.get("SPACE_REVISION") or "").strip() or None
        self.platform: PlatformDeepLinkStore | None = None
        if settings.deep_link_api and settings.deep_link_token:
            from podium.deeplinks.platform_store import PlatformDeepLinkStore

            self.platform = PlatformDeepLinkStore(settings.deep_link_api, settings.deep_link_token,
                                                  max_bytes=settings.deep_link_max_bytes)
        self.share: ShareStore | None = None
        self._local: LocalDeepLinkStore | None = None

    @property
    def enabled(self) -> bool:
        return bool(getattr(self.blocks, "deep_links", True))

    @property
    def local(self) -> LocalDeepLinkStore:
        """The local SQLite store (made on first use)."""
        if self._local is None:
            from podium.deeplinks.local_store import LocalDeepLinkStore, default_directory

            settings = self.settings
            directory = settings.deep_link_dir or default_directory()
            self._local = LocalDeepLinkStore(
                directory, app_identity(self.blocks), ttl_days=settings.deep_link_ttl_days,
                max_bytes=settings.deep_link_max_bytes, max_total_bytes=int(settings.deep_link_store_mb * 1024 * 1024),
            )
        return self._local

    def use_share_link(self, share_url: str, api_url: str, token: str) -> None:
        """Store the links of requests through `share_url` with the platform at `api_url` (the share's token)."""
        from podium.deeplinks.platform_store import PlatformDeepLinkStore

        store = PlatformDeepLinkStore(api_url, token, max_bytes=self.settings.deep_link_max_bytes)
        self.share = ShareStore(host_of(share_url), store)

    def store_for(self, host: str | None) -> DeepLinkStore:
        """Where a link made by a request to `host` is saved."""
        if self.platform is not None:
            return self.platform
        if self.share is not None and host is not None and host_of(host) == self.share.host:
            return self.share.store
        return self.local

    def _stores_to_read(self, host: str | None) -> list[DeepLinkStore]:
        stores: list[DeepLinkStore] = []
        if self.platform is not None:
            stores.append(self.platform)
        if self.share is not None and host is not None and host_of(host) == self.share.host:
            stores.append(self.share.store)
        stores.append(self.local)
        return stores

    async def save(self, payload: Mapping[str, Any], *, root: str, host: str | None) -> dict[str, Any]:
        """Store a snapshot of the browser's `payload`; the answer of `POST /deep_link`.

        Raises DeepLinksDisabled, SnapshotError (malformed payload), SnapshotTooLarge and LinkUnavailable.
        """
        if not self.enabled:
            raise DeepLinksDisabled()
        # inline: building is a fraction of a millisecond for a usual app, less than a hop to a worker thread
        built = build_snapshot(self.blocks, payload, policy=self.policy, space_revision=self.space_revision)
        saved = await self.store_for(host).save(built.snapshot, app_revision=built.snapshot["app"],
                                                space_revision=self.space_revision)
        return {"id": saved.id, "url": f"{root}/?deep_link={saved.id}", "expires_at": saved.expires_at,
                "skipped": built.skipped}

    async def restore(self, config: dict[str, Any], link_id: str, *, host: str | None) -> dict[str, Any]:
        """`config` with the link's snapshot applied and its `deep_link_state`; never raises for a bad link."""
        shown = link_id[:64]
        if not self.enabled:
            return {**config, "deep_link_state": link_state(shown, "disabled")}
        if not is_link_id(link_id):
            return {**config, "deep_link_state": link_state(shown, "not_found")}
        # A platform that cannot be reached makes the link "unavailable"; a broken local store does so only when no
        # other store could say "not found" (a Space's read-only home must not hide the platform's answer).
        platform_down = local_down = some_not_found = False
        for store in self._stores_to_read(host):
            try:
                loaded = await store.load(link_id)
            except LinkNotFound:
                some_not_found = True
                continue
            except LinkExpired as exc:
                return {**config, "deep_link_state": link_state(link_id, "expired", message=_expired(exc))}
            except LinkUnavailable as exc:
                logger.warning("Could not read deep link %s: %s", link_id, exc)
                if store is self._local:
                    local_down = True
                else:
                    platform_down = True
                continue
            applied = await asyncio.to_thread(apply_snapshot, config, self.blocks, loaded.snapshot,
                                              policy=self.policy)
            status = "partial" if applied.skipped else "restored"
            state = link_state(link_id, status, skipped=applied.skipped, created_at=loaded.created_at,
                               restored_ids=applied.restored_ids)
            return {**applied.config, "deep_link_state": state}
        unavailable = platform_down or (local_down and not some_not_found)
        return {**config, "deep_link_state": link_state(link_id, "unavailable" if unavailable else "not_found")}


def _expired(exc: LinkExpired) -> str:
    when = str(exc).strip()
    return f"{when} Here is the app as it starts." if when else link_state("", "expired")["message"]


__all__ = ["DeepLinkService", "DeepLinksDisabled", "ShareStore", "app_identity", "host_of"]
