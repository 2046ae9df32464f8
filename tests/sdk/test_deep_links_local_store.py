"""The local deep-link store (podium.deeplinks.local_store): SQLite in WAL mode, links per app, the per-snapshot
and total size bounds (oldest rows go first), expiry, surviving a restart (a new store object on the same file),
and refusing bad ids before any lookup.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from podium.deeplinks.local_store import FILE_NAME, LocalDeepLinkStore, default_directory
from podium.deeplinks.store import LinkExpired, LinkNotFound, LinkUnavailable, SnapshotTooLarge


def snapshot(text: str = "Ada", size: int = 0) -> dict[str, Any]:
    return {"v": 1, "app": "0" * 16, "components": {"name": {"type": "textbox", "value": text + "x" * size}},
            "layout": {}}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_save_then_load_and_survive_a_restart(tmp_path: Path) -> None:
    store = LocalDeepLinkStore(tmp_path, "/apps/a.py")
    saved = run(store.save(snapshot()))
    assert len(saved.id) == 16 and saved.created_at.endswith("Z") and saved.expires_at
    created = datetime.fromisoformat(saved.created_at.replace("Z", "+00:00"))
    expires = datetime.fromisoformat(saved.expires_at.replace("Z", "+00:00"))
    assert round((expires - created).total_seconds() / 86400) == 30
    again = LocalDeepLinkStore(tmp_path, "/apps/a.py")  # the app restarted
    loaded = run(again.load(saved.id))
    assert loaded.snapshot == snapshot() and loaded.id == saved.id and loaded.created_at == saved.created_at
    mode = sqlite3.connect(tmp_path / FILE_NAME).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_links_of_another_app_are_not_found(tmp_path: Path) -> None:
    saved = run(LocalDeepLinkStore(tmp_path, "/apps/a.py").save(snapshot()))
    with pytest.raises(LinkNotFound):
        run(LocalDeepLinkStore(tmp_path, "/apps/b.py").load(saved.id))


@pytest.mark.parametrize("bad", ["short", "../../../etc/passwd", "a" * 65, "abc' OR '1'='1", "é" * 10])
def test_bad_and_unknown_ids_are_not_found(tmp_path: Path, bad: str) -> None:
    store = LocalDeepLinkStore(tmp_path, "app")
    with pytest.raises(LinkNotFound):
        run(store.load(bad))
    with pytest.raises(LinkNotFound):
        run(store.load("A" * 16))


def test_snapshot_over_the_limit_is_refused_with_sizes(tmp_path: Path) -> None:
    store = LocalDeepLinkStore(tmp_path, "app", max_bytes=2048)
    with pytest.raises(SnapshotTooLarge, match=r"This snapshot is 4 KB; the limit is 2 KB") as info:
        run(store.save(snapshot(size=3000)))
    assert info.value.limit == 2048 and info.value.size > 2048


def test_the_oldest_rows_go_first_when_the_store_is_full(tmp_path: Path) -> None:
    store = LocalDeepLinkStore(tmp_path, "app", max_bytes=10_000, max_total_bytes=25_000)
    ids = [run(store.save(snapshot(str(i), size=8000))).id for i in range(5)]
    kept = []
    for link_id in ids:
        try:
            run(store.load(link_id))
            kept.append(link_id)
        except LinkNotFound:
            pass
    assert kept == ids[-3:]
    (total,) = sqlite3.connect(tmp_path / FILE_NAME).execute("SELECT SUM(size) FROM deep_links").fetchone()
    assert total <= 25_000


def test_expired_links_say_so_and_are_purged_later(tmp_path: Path) -> None:
    store = LocalDeepLinkStore(tmp_path, "app")
    saved = run(store.save(snapshot()))
    now = datetime.now(timezone.utc).timestamp()
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("UPDATE deep_links SET expires_at = ? WHERE id = ?", (now - 60, saved.id))
    with pytest.raises(LinkExpired, match="This link expired on"):
        run(store.load(saved.id))
    with sqlite3.connect(tmp_path / FILE_NAME) as db:  # long expired: the next save deletes it
        db.execute("UPDATE deep_links SET expires_at = ? WHERE id = ?", (now - 30 * 86400, saved.id))
    run(store.save(snapshot()))  # this process purged at its first save: the next purge is a minute away
    later = LocalDeepLinkStore(tmp_path, "app")  # a restarted app purges at its first save
    run(later.save(snapshot()))
    with pytest.raises(LinkNotFound):
        run(later.load(saved.id))


def test_the_store_size_is_kept_by_triggers(tmp_path: Path) -> None:
    store = LocalDeepLinkStore(tmp_path, "app")
    for _ in range(3):
        run(store.save(snapshot()))
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        (total,) = db.execute("SELECT total FROM store_size").fetchone()
        (summed,) = db.execute("SELECT SUM(size) FROM deep_links").fetchone()
        assert total == summed > 0
        db.execute("DELETE FROM deep_links")
        assert db.execute("SELECT total FROM store_size").fetchone() == (0,)


def test_an_unusable_directory_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = LocalDeepLinkStore(blocker / "sub", "app")
    with pytest.raises(LinkUnavailable, match="cannot be used"):
        run(store.save(snapshot()))


def test_default_directory_follows_xdg_cache_home(tmp_path: Path) -> None:
    assert default_directory({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "podium" / "deep-links"
    assert default_directory({}) == Path.home() / ".cache" / "podium" / "deep-links"


def test_concurrent_saves_all_land(tmp_path: Path) -> None:
    store = LocalDeepLinkStore(tmp_path, "app")

    async def many() -> list[str]:
        saved = await asyncio.gather(*(store.save(snapshot(str(i))) for i in range(20)))
        return [s.id for s in saved]

    ids = run(many())
    assert len(set(ids)) == 20
    assert run(store.load(ids[7])).snapshot == snapshot("7")


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        LocalDeepLinkStore(tmp_path, "app", ttl_days=0)
