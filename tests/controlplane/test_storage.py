"""Object storage: one behaviour suite run against both backends.

- local: LocalObjectStore in a temporary directory.
- s3: S3ObjectStore (the real `minio` client) against moto's S3 server on 127.0.0.1 — moto stands in for S3/MinIO,
  which cannot run on these machines without network access to fetch it.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from podium_cp.settings import Settings, SettingsError
from podium_cp.storage import (
    BlobDigestMismatch,
    InvalidKey,
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    blob_key,
    object_store_from_settings,
    s3_config_from_env,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = f"podium-test-{uuid.uuid4().hex[:12]}"  # a fresh bucket per test: moto keeps state per server
    return S3ObjectStore(endpoint, "testing", "testing", bucket, secure=False, region="us-east-1")


async def chunks_of(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_round_trip_bytes_stream_and_file(store: ObjectStore, tmp_path: Path) -> None:
    info = await store.put("spaces/acme/demo/readme.txt", b"hello", content_type="text/plain")
    assert (info.key, info.size, info.sha256) == ("spaces/acme/demo/readme.txt", 5, sha(b"hello"))
    assert await store.get("spaces/acme/demo/readme.txt") == b"hello"

    await store.put("spaces/acme/demo/readme.txt", b"replaced")
    assert await store.get("spaces/acme/demo/readme.txt") == b"replaced"

    src = tmp_path / "upload.bin"
    src.write_bytes(b"from a file")
    info = await store.put("from-file", src)
    assert info.size == 11 and info.sha256 == sha(b"from a file")
    assert await store.get("from-file") == b"from a file"

    await store.put("empty", b"")
    assert await store.get("empty") == b""


async def test_streams_a_multi_megabyte_object_both_ways(store: ObjectStore) -> None:
    data = os.urandom(9 * 1024 * 1024 + 123)  # over the 8 MiB part size: S3 takes it as a multipart upload
    info = await store.put("big/bundle.tar", chunks_of(data))
    assert info.size == len(data) and info.sha256 == sha(data)
    received = [chunk async for chunk in store.open("big/bundle.tar")]
    assert len(received) > 1  # streamed, not one read
    assert b"".join(received) == data
    stat = await store.stat("big/bundle.tar")
    assert stat is not None and stat.size == len(data)


async def test_list_by_prefix(store: ObjectStore) -> None:
    for key in ["spaces/acme/a", "spaces/acme/b/c", "spaces/acmeco/x", "spaces/zeta/y", "top"]:
        await store.put(key, key.encode())
    assert [i.key async for i in store.list("spaces/acme/")] == ["spaces/acme/a", "spaces/acme/b/c"]
    assert [i.key async for i in store.list("spaces/acme")] == ["spaces/acme/a", "spaces/acme/b/c", "spaces/acmeco/x"]
    assert [i.key async for i in store.list("nothing/")] == []
    everything = [i async for i in store.list()]
    assert [i.key for i in everything] == sorted(
        ["spaces/acme/a", "spaces/acme/b/c", "spaces/acmeco/x", "spaces/zeta/y", "top"]
    )
    assert {i.key: i.size for i in everything}["top"] == 3
    assert all(i.modified is not None for i in everything)


async def test_exists_stat_delete_and_not_found(store: ObjectStore) -> None:
    assert not await store.exists("a/b")
    assert await store.stat("a/b") is None
    await store.put("a/b", b"12345")
    assert await store.exists("a/b")
    stat = await store.stat("a/b")
    assert stat is not None and stat.size == 5 and stat.modified is not None
    assert not await store.exists("a")  # a folder of objects is not an object
    await store.delete("a/b")
    assert not await store.exists("a/b")
    with pytest.raises(ObjectNotFound, match="'a/b'"):
        await store.get("a/b")
    with pytest.raises(ObjectNotFound):
        async for _ in store.open("a/b"):
            pass
    with pytest.raises(ObjectNotFound):
        await store.delete("a/b")
    assert [i async for i in store.list()] == []


async def test_blobs_are_content_addressed_and_deduplicated(store: ObjectStore, tmp_path: Path) -> None:
    data = b"def demo():\n    return 1\n"
    digest = await store.put_blob(data)
    assert digest == sha(data)
    assert blob_key(digest) == f"blobs/sha256/{digest[:2]}/{digest[2:]}"
    first = await store.stat(blob_key(digest))
    assert first is not None and first.sha256 == digest and first.size == len(data)

    # Storing it again (any form) writes nothing new.
    src = tmp_path / "same.py"
    src.write_bytes(data)
    assert await store.put_blob(src, expected_sha256=digest) == digest
    assert await store.put_blob(chunks_of(data, 4)) == digest
    assert [i.key async for i in store.list("blobs/")] == [blob_key(digest)]

    other = os.urandom(3 * 1024 * 1024)
    other_digest = await store.put_blob(chunks_of(other))
    missing = sha(b"never stored")
    assert await store.has_blobs([digest, other_digest, missing, digest]) == {digest, other_digest}
    assert await store.has_blobs([]) == set()
    assert await store.get_blob(digest) == data
    assert await store.get_blob(other_digest) == other
    with pytest.raises(ObjectNotFound):
        await store.get_blob(missing)


async def test_blob_with_wrong_hash_is_refused(store: ObjectStore) -> None:
    claimed = sha(b"what the client said it sent")
    with pytest.raises(BlobDigestMismatch, match="does not match"):
        await store.put_blob(b"something else", expected_sha256=claimed)
    with pytest.raises(BlobDigestMismatch):
        await store.put_blob(chunks_of(b"something else"), expected_sha256=claimed)
    assert await store.has_blobs([claimed, sha(b"something else")]) == set()
    assert [i async for i in store.list()] == []
    # The blob area is written only through put_blob, which checks content against the name.
    with pytest.raises(InvalidKey, match="put_blob"):
        await store.put(blob_key(claimed), b"something else")
    with pytest.raises(InvalidKey, match="sha256"):
        await store.has_blobs(["../../etc/passwd"])
    with pytest.raises(InvalidKey):
        await store.get_blob("ABC")


BAD_KEYS = ["../x", "/etc/passwd", "a/../../b", "a/./b", "a//b", "a\x00b", "a\\..\\b", "", "x" * 1025, "a/", "\n"]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_invalid_keys_are_refused_everywhere(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        await store.put(key, b"evil")
    with pytest.raises(InvalidKey):
        await store.get(key)
    with pytest.raises(InvalidKey):
        await store.stat(key)
    with pytest.raises(InvalidKey):
        await store.delete(key)
    if key not in ("", "a/"):  # both are fine as list prefixes
        with pytest.raises(InvalidKey):
            [i async for i in store.list(key)]


async def test_local_store_cannot_escape_its_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    store = LocalObjectStore(root)
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"secret")
    for key in ["../secret.txt", "a/../../secret.txt", str(outside), "a/../../../" * 3 + "etc/passwd"]:
        with pytest.raises(InvalidKey):
            await store.put(key, b"overwritten")
        with pytest.raises(InvalidKey):
            await store.get(key)
    assert outside.read_bytes() == b"secret"
    # A symlink planted inside the root does not lead out of it either.
    (root / "link").parent.mkdir(parents=True, exist_ok=True)
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(InvalidKey, match="outside"):
        await store.get("link/secret.txt")
    with pytest.raises(InvalidKey, match="outside"):
        await store.put("link/secret.txt", b"overwritten")
    assert outside.read_bytes() == b"secret"
    with pytest.raises(InvalidKey):  # the staging folder is reserved
        await store.put(".tmp/x", b"")


async def test_local_write_failing_midway_leaves_no_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    await store.put("bundle", b"old version")

    async def broken_upload() -> AsyncIterator[bytes]:
        yield b"x" * 100_000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put("bundle", broken_upload())
    with pytest.raises(ConnectionResetError):
        await store.put("new/bundle", broken_upload())
    assert await store.get("bundle") == b"old version"
    assert not await store.exists("new/bundle")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        await store.put("bundle", b"new version")
    with pytest.raises(OSError, match="No space"):
        await store.put_blob(b"a blob")
    monkeypatch.undo()
    assert await store.get("bundle") == b"old version"
    assert [i.key async for i in store.list()] == ["bundle"]
    assert list((tmp_path / "objects" / ".tmp").iterdir()) == []  # no temporary files left behind


def test_factory_picks_local_by_default_and_s3_from_env(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql+psycopg://unused", data_dir=tmp_path)
    local = object_store_from_settings(settings, {})
    assert isinstance(local, LocalObjectStore) and local.root == (tmp_path / "objects").resolve()

    env = {
        "PODIUM_S3_ENDPOINT": "http://minio.internal:9000/",
        "PODIUM_S3_ACCESS_KEY": "ak",
        "PODIUM_S3_SECRET_KEY": "sk",
    }
    s3 = object_store_from_settings(settings, env)
    assert isinstance(s3, S3ObjectStore) and s3.bucket == "podium" and s3.endpoint == "minio.internal:9000"
    config = s3_config_from_env(
        {**env, "PODIUM_S3_ENDPOINT": "s3.example.com", "PODIUM_S3_BUCKET": "b", "PODIUM_S3_REGION": "eu-west-1"}
    )
    assert config is not None and config.secure and config.bucket == "b" and config.region == "eu-west-1"
    assert "sk" not in repr(config)
    assert s3_config_from_env({**env, "PODIUM_S3_ENDPOINT": "h:1", "PODIUM_S3_SECURE": "false"}).secure is False  # type: ignore[union-attr]
    with pytest.raises(SettingsError, match="PODIUM_S3_SECRET_KEY"):
        s3_config_from_env({"PODIUM_S3_ENDPOINT": "h:1", "PODIUM_S3_ACCESS_KEY": "ak"})
    with pytest.raises(SettingsError, match="contradicts"):
        s3_config_from_env({**env, "PODIUM_S3_SECURE": "true"})
    with pytest.raises(SettingsError, match="boolean"):
        s3_config_from_env({**env, "PODIUM_S3_ENDPOINT": "h:1", "PODIUM_S3_SECURE": "maybe"})
