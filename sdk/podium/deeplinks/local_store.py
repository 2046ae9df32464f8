"""`LocalDeepLinkStore`: deep links of an app that runs alone, in SQLite (docs/design/deep-links.md).

One file, `deep_links.sqlite3`, in `PODIUM_DEEP_LINK_DIR` (default `$XDG_CACHE_HOME/podium/deep-links`, else
`~/.cache/podium/deep-links`), one table `(id, app, created_at, expires_at, size, snapshot)` in WAL mode, so
links survive restarts and several app processes can share the file. `app` is the app's identity, so two apps on
one machine never read each other's links. Each snapshot is bounded (`max_bytes`), the whole store too
(`max_total_bytes`: the oldest rows go first), and links expire after `ttl_days`. SQLite calls block, so they run
in a worker thread.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from podium.deeplinks.snapshot import is_link_id, utc_iso
from podium.deeplinks.store import (
    DEFAULT_MAX_BYTES,
    LinkExpired,
    LinkNotFound,
    LinkUnavailable,
    LoadedLink,
    SavedLink,
    SnapshotTooLarge,
)

FILE_NAME = "deep_links.sqlite3"
DEFAULT_TTL_DAYS = 30
DEFAULT_STORE_MB = 64
EXPIRED_KEPT = timedelta(days=7)  # expired rows are kept a while, so their links say "expired", not "not found"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deep_links (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    size INTEGER NOT NULL,
    snapshot BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS deep_links_created ON deep_links (created_at);
CREATE INDEX IF NOT EXISTS deep_links_expires ON deep_links (expires_at);
CREATE TABLE IF NOT EXISTS store_size (id INTEGER PRIMARY KEY CHECK (id = 1), total INTEGER NOT NULL);
INSERT OR IGNORE INTO store_size (id, total) SELECT 1, COALESCE(SUM(size), 0) FROM deep_links;
CREATE TRIGGER IF NOT EXISTS deep_links_added AFTER INSERT ON deep_links
    BEGIN UPDATE store_size SET total = total + NEW.size WHERE id = 1; END;
CREATE TRIGGER IF NOT EXISTS deep_links_removed AFTER DELETE ON deep_links
    BEGIN UPDATE store_size SET total = total - OLD.size WHERE id = 1; END;
"""
PURGE_EVERY_S = 60.0  # expired rows are deleted at most this often (by a save), not on every save


def default_directory(environ: dict[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/podium/deep-links`, else `~/.cache/podium/deep-links`."""
    env = os.environ if environ is None else environ
    cache = env.get("XDG_CACHE_HOME") or ""
    base = Path(cache) if cache.strip() else Path.home() / ".cache"
    return base / "podium" / "deep-links"


def _iso(timestamp: float) -> str:
    return utc_iso(datetime.fromtimestamp(timestamp, timezone.utc))


class LocalDeepLinkStore:
    """Snapshots of the app named `app` in `directory`/deep_links.sqlite3."""

    def __init__(self, directory: str | os.PathLike[str], app: str, *, ttl_days: float = DEFAULT_TTL_DAYS,
                 max_bytes: int = DEFAULT_MAX_BYTES, max_total_bytes: int = DEFAULT_STORE_MB * 1024 * 1024) -> None:
        if ttl_days <= 0 or max_bytes <= 0 or max_total_bytes <= 0:
            raise ValueError("The deep-link store needs a positive TTL, snapshot limit and total size.")
        self.path = Path(directory) / FILE_NAME
        self.app = app
        self.ttl = timedelta(days=ttl_days)
        self.max_bytes = max_bytes
        self.max_total_bytes = max_total_bytes
        self._lock = threading.Lock()  # one caller of the connection at a time; SQLite locks across processes
        self._connection: sqlite3.Connection | None = None  # kept open: opening costs more than a save
        self._next_purge = 0.0

    # --- the public, async side ------------------------------------------------------------------

    async def save(self, snapshot: dict[str, Any], *, app_revision: str = "", space_revision: str | None = None
                   ) -> SavedLink:
        """Store `snapshot` under a new id (SnapshotTooLarge over `max_bytes`, LinkUnavailable on a disk error)."""
        body = orjson.dumps(snapshot)
        if len(body) > self.max_bytes:
            raise SnapshotTooLarge(len(body), self.max_bytes)
        return await asyncio.to_thread(self._guarded, self._insert, body)

    async def load(self, link_id: str) -> LoadedLink:
        """The snapshot stored as `link_id` for this app (LinkNotFound, LinkExpired, LinkUnavailable)."""
        if not is_link_id(link_id):
            raise LinkNotFound(f"No deep link {link_id[:80]!r}.")
        row = await asyncio.to_thread(self._guarded, self._select, link_id)
        if row is None:
            raise LinkNotFound(f"No deep link {link_id!r}.")
        created_at, expires_at, body = row
        if expires_at <= datetime.now(timezone.utc).timestamp():
            raise LinkExpired(f"This link expired on {_iso(expires_at)}.")
        try:
            snapshot = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise LinkNotFound(f"The deep link {link_id!r} is damaged.") from None
        return LoadedLink(link_id, snapshot, _iso(created_at), _iso(expires_at))

    # --- SQLite, in a worker thread ----------------------------------------------------------------

    def _guarded(self, operation: Any, *args: Any) -> Any:
        try:
            with self._lock:
                if self._connection is None:
                    self._connection = self._connect()
                try:
                    return operation(self._connection, *args)
                except (sqlite3.Error, OSError):
                    self._connection.close()  # the next call opens the file again (it may have been replaced)
                    self._connection = None
                    raise
        except (sqlite3.Error, OSError) as exc:
            raise LinkUnavailable(f"The deep-link store {self.path} cannot be used: {exc}.") from None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
        except BaseException:
            connection.close()
            raise
        return connection

    def _insert(self, connection: sqlite3.Connection, body: bytes) -> SavedLink:
        now = datetime.now(timezone.utc).timestamp()
        expires = now + self.ttl.total_seconds()
        connection.execute("BEGIN IMMEDIATE")
        try:
            if now >= self._next_purge:
                connection.execute("DELETE FROM deep_links WHERE expires_at < ?", (now - EXPIRED_KEPT.total_seconds(),))
                self._next_purge = now + PURGE_EVERY_S
            link_id = secrets.token_urlsafe(12)
            connection.execute(
                "INSERT INTO deep_links (id, app, created_at, expires_at, size, snapshot) VALUES (?, ?, ?, ?, ?, ?)",
                (link_id, self.app, now, expires, len(body), body),
            )
            self._trim(connection)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return SavedLink(link_id, _iso(now), _iso(expires))

    def _trim(self, connection: sqlite3.Connection) -> None:
        """Delete the oldest rows (of every app) until the store is within `max_total_bytes`."""
        (total,) = connection.execute("SELECT total FROM store_size WHERE id = 1").fetchone()
        if total <= self.max_total_bytes:
            return
        over = total - self.max_total_bytes
        doomed: list[str] = []
        for link_id, size in connection.execute("SELECT id, size FROM deep_links ORDER BY created_at, id"):
            doomed.append(link_id)
            over -= size
            if over <= 0:
                break
        connection.executemany("DELETE FROM deep_links WHERE id = ?", [(d,) for d in doomed])

    def _select(self, connection: sqlite3.Connection, link_id: str) -> tuple[float, float, bytes] | None:
        row = connection.execute(
            "SELECT created_at, expires_at, snapshot FROM deep_links WHERE id = ? AND app = ?", (link_id, self.app)
        ).fetchone()
        return None if row is None else (float(row[0]), float(row[1]), bytes(row[2]))


__all__ = ["DEFAULT_STORE_MB", "DEFAULT_TTL_DAYS", "FILE_NAME", "LocalDeepLinkStore", "default_directory"]
