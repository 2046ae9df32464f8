"""The upload cache: content-addressed ids, streaming uploads with a size limit, names, TTL and size eviction.

Everything runs on real files in a temporary folder; the event loop is plain `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.files.cache import FileCache, FileTooLarge, sanitize_filename
from podium.files.policy import FileAccessDenied
from podium.files.sizes import format_size, parse_size

ID_RE = re.compile(r"^[0-9a-f]{64}/[^/]+$")


async def _chunks(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


def _upload(cache: FileCache, name: str | None, parts: Iterable[bytes]) -> str:
    return asyncio.run(cache.save_upload(name, _chunks(parts)))


def _digest_dirs(cache: FileCache) -> list[Path]:
    return [p for p in cache.root.iterdir() if re.fullmatch(r"[0-9a-f]{64}", p.name)]


def _partials(cache: FileCache) -> list[Path]:
    return list((cache.root / ".partial").iterdir())


@pytest.fixture
def cache(tmp_path: Path) -> FileCache:
    return FileCache(tmp_path / "cache", max_file_size=1024)


# -- sizes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (0, 0),
        (100, 100),
        ("100", 100),
        ("10kb", 10 * 1024),
        ("5mb", 5 * 1024**2),
        ("5MB", 5 * 1024**2),
        ("5 MiB", 5 * 1024**2),
        ("1.5 GB", int(1.5 * 1024**3)),
        (" 2 tb ", 2 * 1024**4),
        ("7b", 7),
        ("1_000", 1000),
        ("3k", 3072),
    ],
)
def test_parse_size(value: int | str | None, expected: int | None) -> None:
    assert parse_size(value) == expected


@pytest.mark.parametrize("value", ["", "mb", "5 parsecs", "-1mb", "1e3", "5 m b", -5, True, "1..5mb", "NaN"])
def test_parse_size_rejects_with_a_clear_message(value: object) -> None:
    with pytest.raises(ValueError, match="Invalid size"):
        parse_size(value)  # type: ignore[arg-type]


def test_format_size() -> None:
    assert format_size(512) == "512 B"
    assert format_size(1536) == "1.5 KB"
    assert format_size(120 * 1024**2) == "120.0 MB"


def test_file_too_large_message() -> None:
    error = FileTooLarge("big.bin", 100 * 1024**2, 120 * 1024**2)
    assert error.message.startswith("File big.bin is 120.0 MB, over this app's max_file_size of 100.0 MB.")
    assert str(error) == error.message


# -- root ------------------------------------------------------------------------------------------------


def test_root_is_created_private(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "new" / "cache")
    assert cache.root.is_dir()
    assert stat.S_IMODE(cache.root.stat().st_mode) & 0o077 == 0


def test_root_defaults_to_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODIUM_TEMP_DIR", raising=False)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    assert FileCache().root == (tmp_path / "gradio").resolve()
    monkeypatch.setenv("PODIUM_TEMP_DIR", str(tmp_path / "podium"))
    assert FileCache().root == (tmp_path / "podium").resolve()


def test_root_default_in_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODIUM_TEMP_DIR", raising=False)
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert FileCache().root == (tmp_path / "podium").resolve()


def test_root_default_avoids_a_symlink_planted_by_someone_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODIUM_TEMP_DIR", raising=False)
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "podium").symlink_to(tmp_path / "elsewhere")
    assert FileCache().root == (tmp_path / f"podium-{os.getuid()}").resolve()


def test_root_default_is_made_private_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODIUM_TEMP_DIR", raising=False)
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    (tmp_path / "podium").mkdir(mode=0o777)
    os.chmod(tmp_path / "podium", 0o777)
    assert FileCache().root == (tmp_path / "podium").resolve()
    assert stat.S_IMODE((tmp_path / "podium").stat().st_mode) == 0o700


def test_a_damaged_seed_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / ".seed").write_text("not hex")
    cache = FileCache(tmp_path / "c")
    assert len(bytes.fromhex((tmp_path / "c" / ".seed").read_text())) == 32
    assert cache.save_bytes(b"x", "x.txt") == FileCache(tmp_path / "c").save_bytes(b"x", "x.txt")


# -- ids -------------------------------------------------------------------------------------------------


def test_save_bytes_round_trips(cache: FileCache) -> None:
    cache_id = cache.save_bytes(b"hello", "hello.txt")
    assert ID_RE.match(cache_id) and cache_id.endswith("/hello.txt")
    path = cache.path_of(cache_id)
    assert path.read_bytes() == b"hello"
    assert path.is_absolute() and path.parent.parent == cache.root
    assert cache.cache_id(path) == cache_id
    assert cache.path_of(str(path)) == path  # an absolute path to an entry works too


def test_same_content_and_name_share_one_entry(cache: FileCache) -> None:
    first = cache.save_bytes(b"same", "a.txt")
    inode = cache.path_of(first).stat().st_ino
    assert cache.save_bytes(b"same", "a.txt") == first
    assert _upload(cache, "a.txt", [b"sa", b"me"]) == first
    assert cache.path_of(first).stat().st_ino == inode  # not rewritten
    other_name = cache.save_bytes(b"same", "b.txt")
    assert other_name.split("/")[0] == first.split("/")[0] and other_name != first
    assert cache.save_bytes(b"different", "a.txt").split("/")[0] != first.split("/")[0]
    assert len(_digest_dirs(cache)) == 2
    assert _partials(cache) == []


def test_ids_are_keyed_by_a_secret_seed(tmp_path: Path) -> None:
    one = FileCache(tmp_path / "one").save_bytes(b"content", "x.txt")
    two = FileCache(tmp_path / "two").save_bytes(b"content", "x.txt")
    assert one != two  # nobody can compute an id from content alone
    again = FileCache(tmp_path / "one").save_bytes(b"content", "x.txt")
    assert again == one  # the seed persists with the cache folder
    seed = tmp_path / "one" / ".seed"
    assert stat.S_IMODE(seed.stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "hello.txt",
        "../hello.txt",
        "a" * 64,
        "a" * 64 + "/",
        "a" * 63 + "/x.txt",
        "A" * 64 + "/x.txt",
        "a" * 64 + "/../.seed",
        "a" * 64 + "/sub/x.txt",
        "a" * 64 + "/.hidden",
        "a" * 64 + "/x\x00.txt",
        ".partial/x",
        ".seed",
        "/etc/passwd",
    ],
)
def test_path_of_rejects_malformed_ids(cache: FileCache, bad: str) -> None:
    cache.save_bytes(b"x", "x.txt")
    with pytest.raises(FileAccessDenied):
        cache.path_of(bad)


def test_path_of_rejects_missing_and_symlinked_entries(cache: FileCache, tmp_path: Path) -> None:
    cache_id = cache.save_bytes(b"x", "x.txt")
    digest = cache_id.split("/")[0]
    (tmp_path / "outside.txt").write_text("secret")
    with pytest.raises(FileAccessDenied):
        cache.path_of(digest + "/other.txt")
    (cache.root / ("e" * 64)).mkdir()
    (cache.root / ("e" * 64) / "link.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(FileAccessDenied):
        cache.path_of("e" * 64 + "/link.txt")
    (cache.root / ("f" * 64)).symlink_to(tmp_path)
    with pytest.raises(FileAccessDenied):
        cache.path_of("f" * 64 + "/outside.txt")


def test_cache_id_rejects_paths_outside(cache: FileCache, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        cache.cache_id(tmp_path / "x.txt")
    with pytest.raises(ValueError):
        cache.cache_id(cache.root / ".seed")


# -- names -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hello.txt", "hello.txt"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\evil.exe", "evil.exe"),
        (".bashrc", "bashrc"),
        ("...", "file"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        ("dir/", "file"),
        ("a\x00b\nc\x7f.txt", "abc.txt"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # a bidi override that disguises the extension
        ('we:ird*na?me"<>|.txt', "we_ird_na_me____.txt"),
        ("a%2fb.txt", "a_2fb.txt"),
        ("100%.txt", "100%.txt"),
        ("résumé.pdf", "résumé.pdf"),
        ("Cafe\u0301.txt", "Café.txt"),
        ("  spaced  .txt ", "spaced  .txt"),
        ("trailing.", "trailing"),
        (".  .x", "x"),
        (" . . .x", "x"),
        (".\u3000.x", "x"),
        ("x . \u3000.", "x"),
    ],
)
def test_sanitize_filename(raw: str | None, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_sanitize_long_names_keep_their_extension() -> None:
    name = sanitize_filename("x" * 500 + ".txt")
    assert len(name) == 200 and name.endswith(".txt")
    wide = sanitize_filename("😀" * 150 + ".png")
    assert len(wide.encode()) <= 240 and wide.endswith(".png")


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        st.text(max_size=300), st.lists(st.sampled_from([".", " ", "\u3000", "x", "%", "2f", "/"])).map("".join)
    )
)
def test_property_sanitized_names_are_safe_and_stable(raw: str) -> None:
    name = sanitize_filename(raw)
    assert name and len(name) <= 200 and len(name.encode("utf-8")) <= 240
    assert not name.startswith(".") and name not in (".", "..")
    assert not any(c in name for c in "/\\\x00")
    assert not any(ord(c) < 32 for c in name)
    assert sanitize_filename(name) == name


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=120), content=st.binary(max_size=64))
def test_property_cache_ids_round_trip(cache: FileCache, raw: str, content: bytes) -> None:
    cache_id = cache.save_bytes(content, raw)
    assert ID_RE.match(cache_id)
    path = cache.path_of(cache_id)
    assert path.read_bytes() == content
    assert cache.cache_id(path) == cache_id


# -- uploads ---------------------------------------------------------------------------------------------


def test_upload_streams_in_chunks(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "c", max_file_size=None)
    parts = [os.urandom(300_000) for _ in range(8)]  # crosses the 1 MiB write batch twice
    cache_id = _upload(cache, "big.bin", parts)
    assert cache.path_of(cache_id).read_bytes() == b"".join(parts)
    assert cache.save_bytes(b"".join(parts), "big.bin") == cache_id  # same digest as a one-shot save
    assert _partials(cache) == []


def test_upload_at_the_limit_is_accepted(cache: FileCache) -> None:
    cache_id = _upload(cache, "edge.bin", [b"x" * 1000, b"y" * 24])
    assert cache.path_of(cache_id).stat().st_size == 1024


def test_upload_over_the_limit_is_stopped_and_the_partial_file_removed(cache: FileCache) -> None:
    consumed: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for i in range(1000):
            consumed.append(i)
            yield b"z" * 100

    with pytest.raises(FileTooLarge) as info:
        asyncio.run(cache.save_upload("big.bin", endless()))
    assert "max_file_size of 1.0 KB" in info.value.message and "big.bin" in info.value.message
    assert len(consumed) == 11  # stopped as soon as it went over, not after reading everything
    assert _partials(cache) == [] and _digest_dirs(cache) == []


def test_upload_that_fails_midway_leaves_nothing(cache: FileCache) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"part"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(cache.save_upload("x.txt", broken()))
    assert _partials(cache) == [] and _digest_dirs(cache) == []


def test_cancelled_upload_leaves_nothing(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "c", max_file_size=None)

    async def slow() -> AsyncIterator[bytes]:
        yield b"a" * (2 * 1024 * 1024)
        await asyncio.sleep(10)
        yield b"never"

    async def main() -> None:
        task = asyncio.create_task(cache.save_upload("x.bin", slow()))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert _partials(cache) == [] and _digest_dirs(cache) == []


def test_upload_name_is_sanitized(cache: FileCache) -> None:
    cache_id = _upload(cache, "../../.ssh/authorized_keys", [b"k"])
    assert cache_id.endswith("/authorized_keys")
    assert cache.path_of(cache_id).parent.parent == cache.root


def test_concurrent_uploads_of_the_same_file(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "c", max_file_size=None)

    async def main() -> list[str]:
        return list(await asyncio.gather(*(cache.save_upload("same.txt", _chunks([b"ab"] * 50)) for _ in range(20))))

    ids = asyncio.run(main())
    assert len(set(ids)) == 1
    assert cache.path_of(ids[0]).read_bytes() == b"ab" * 50
    assert _partials(cache) == []


def test_save_bytes_can_enforce_the_limit(cache: FileCache) -> None:
    cache.save_bytes(b"x" * 2000, "handler-output.bin")  # outputs are not limited
    with pytest.raises(FileTooLarge) as info:
        cache.save_bytes(b"x" * 2000, "client.bin", enforce_max_file_size=True)
    assert "is 2.0 KB, over" in info.value.message


# -- save_file -------------------------------------------------------------------------------------------


def test_save_file_copies_once(cache: FileCache, tmp_path: Path) -> None:
    src = tmp_path / "result.png"
    src.write_bytes(b"png" * 1000)
    first = cache.save_file(src)
    assert first.endswith("/result.png")
    path = cache.path_of(first)
    assert path.read_bytes() == src.read_bytes() and path != src
    inode = path.stat().st_ino
    assert cache.save_file(src) == first
    assert cache.save_file(Path(str(src))) == first
    assert cache.path_of(first).stat().st_ino == inode
    assert cache.save_file(src, "renamed.png").endswith("/renamed.png")
    assert _partials(cache) == []


def test_save_file_follows_content_changes(cache: FileCache, tmp_path: Path) -> None:
    src = tmp_path / "out.txt"
    src.write_text("one")
    first = cache.save_file(src)
    src.write_text("two, longer")
    second = cache.save_file(src)
    assert first != second and cache.path_of(second).read_text() == "two, longer"


def test_save_file_of_a_cache_entry_keeps_its_id(cache: FileCache) -> None:
    cache_id = cache.save_bytes(b"up", "up.txt")
    assert cache.save_file(cache.path_of(cache_id)) == cache_id
    assert len(_digest_dirs(cache)) == 1
    renamed = cache.save_file(cache.path_of(cache_id), "renamed.txt")
    assert renamed == cache_id.split("/")[0] + "/renamed.txt"
    assert cache.path_of(renamed).read_bytes() == b"up"


# -- cleanup ---------------------------------------------------------------------------------------------


def _age(cache: FileCache, cache_id: str, mtime: float) -> None:
    os.utime(cache.root / cache_id.split("/")[0], (mtime, mtime))


def test_cleanup_removes_entries_older_than_the_ttl(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "c", ttl_seconds=3600)
    old = cache.save_bytes(b"old", "old.txt")
    fresh = cache.save_bytes(b"fresh", "fresh.txt")
    _age(cache, old, 1_000_000.0)
    _age(cache, fresh, 1_000_000.0 + 3000)
    assert cache.cleanup(now=1_000_000.0 + 3700) == 1
    with pytest.raises(FileAccessDenied):
        cache.path_of(old)
    assert cache.path_of(fresh).read_bytes() == b"fresh"
    assert cache.cleanup(now=1_000_000.0 + 3700) == 0


def test_saving_again_restarts_the_ttl(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "c", ttl_seconds=3600)
    cache_id = cache.save_bytes(b"data", "d.txt")
    _age(cache, cache_id, 0.0)
    assert cache.save_bytes(b"data", "d.txt") == cache_id
    assert cache.cleanup() == 0
    assert cache.path_of(cache_id).exists()


def test_cleanup_evicts_oldest_beyond_max_total_bytes(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "c", ttl_seconds=None, max_total_bytes=250)
    ids = [cache.save_bytes(bytes([i]) * 100, f"{i}.bin") for i in range(4)]
    for i, cache_id in enumerate(ids):
        _age(cache, cache_id, 1000.0 + i)
    assert cache.total_bytes() == 400
    assert cache.cleanup(now=5000.0) == 2
    assert cache.total_bytes() == 200
    for cache_id in ids[:2]:
        with pytest.raises(FileAccessDenied):
            cache.path_of(cache_id)
    for cache_id in ids[2:]:
        assert cache.path_of(cache_id).exists()


def test_cleanup_removes_stale_partial_uploads(cache: FileCache) -> None:
    stale = cache.root / ".partial" / "tmp-crashed"
    stale.write_bytes(b"half")
    os.utime(stale, (1000.0, 1000.0))
    live = cache.root / ".partial" / "tmp-live"
    live.write_bytes(b"now")
    assert cache.cleanup(now=1000.0 + 48 * 3600) == 1
    assert not stale.exists()
    cache.cleanup()
    assert live.exists()


def test_cleanup_ignores_foreign_entries(cache: FileCache, tmp_path: Path) -> None:
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "precious.txt").write_text("do not delete")
    (cache.root / ("d" * 64)).symlink_to(tmp_path / "keep")
    os.utime(cache.root / ("d" * 64), (0, 0), follow_symlinks=False)
    cache.cleanup(now=10**10)
    cache.clear()
    assert (tmp_path / "keep" / "precious.txt").exists()


def test_clear_deletes_everything_but_stays_usable(cache: FileCache) -> None:
    first = cache.save_bytes(b"1", "1.txt")
    cache.save_bytes(b"2", "2.txt")
    (cache.root / ".partial" / "left-over").write_bytes(b"x")
    cache.clear()
    assert _digest_dirs(cache) == [] and _partials(cache) == []
    assert cache.save_bytes(b"1", "1.txt") == first  # same seed, same id
