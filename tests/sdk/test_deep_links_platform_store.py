"""The platform deep-link store (podium.deeplinks.platform_store) and the service's choice of store, against a
stand-in of the control plane's app-facing API (tests/deep_link_standin.py) on a TCP port and on a Unix socket.
The real control plane's API is tested in tests/controlplane; here the API must refuse on demand.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from deep_link_standin import APP_TOKEN, DeepLinkStandIn
from starlette.testclient import TestClient

import podium as gr
from podium.deeplinks.platform_store import PlatformDeepLinkStore
from podium.deeplinks.service import host_of
from podium.deeplinks.store import LinkExpired, LinkNotFound, LinkUnavailable, SnapshotTooLarge
from podium.server.app import create_app
from podium.server.settings import ServerSettings
from podium.share import ShareLink, TunnelAddress, _parse_link

SNAPSHOT = {"v": 1, "app": "9f2c41d07a3b5e68", "space_revision": "3",
            "components": {"name": {"type": "textbox", "label": "Name", "value": "Ada"}}, "layout": {}}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def api() -> Iterator[DeepLinkStandIn]:
    served = DeepLinkStandIn(max_bytes=4096)
    yield served
    served.close()


@pytest.fixture
def unix_api() -> Iterator[DeepLinkStandIn]:
    folder = tempfile.mkdtemp(prefix="pdl", dir="/tmp")  # short: a socket path is at most 107 bytes
    served = DeepLinkStandIn(socket_path=f"{folder}/api.sock")
    yield served
    served.close()
    shutil.rmtree(folder, ignore_errors=True)


def test_save_and_load_over_http(api: DeepLinkStandIn) -> None:
    store = PlatformDeepLinkStore(api.url + "/", APP_TOKEN)
    saved = run(store.save(SNAPSHOT, app_revision="9f2c41d07a3b5e68", space_revision="3"))
    assert saved.created_at == "2026-11-21T10:00:00Z" and saved.expires_at == "2026-12-21T10:00:00Z"
    sent = api.requests[-1]
    assert sent.method == "POST" and sent.path == "/api/deep-links" and sent.authorization == f"Bearer {APP_TOKEN}"
    assert sent.body == {"snapshot": SNAPSHOT, "app_revision": "9f2c41d07a3b5e68", "space_revision": 3}
    loaded = run(store.load(saved.id))
    assert loaded.snapshot == SNAPSHOT and loaded.id == saved.id and loaded.created_at == saved.created_at
    assert api.requests[-1].path == f"/api/deep-links/{saved.id}"


def test_save_and_load_over_a_unix_socket(unix_api: DeepLinkStandIn) -> None:
    assert unix_api.url.startswith("unix:///tmp/")
    store = PlatformDeepLinkStore(unix_api.url, APP_TOKEN)
    saved = run(store.save(SNAPSHOT, app_revision="a", space_revision=None))
    assert unix_api.requests[-1].body["space_revision"] is None
    assert run(store.load(saved.id)).snapshot == SNAPSHOT


def test_answers_map_to_clear_errors(api: DeepLinkStandIn) -> None:
    store = PlatformDeepLinkStore(api.url, APP_TOKEN)
    saved = run(store.save(SNAPSHOT, app_revision="a", space_revision=None))
    with pytest.raises(LinkNotFound):
        run(store.load("A" * 16))
    with pytest.raises(LinkNotFound):
        run(store.load("../../admin"))  # refused before any request
    assert not any("admin" in r.path for r in api.requests)
    api.links[saved.id]["expired"] = True
    with pytest.raises(LinkExpired, match="This link expired on 2026-01-01"):
        run(store.load(saved.id))
    with pytest.raises(LinkUnavailable, match="refused this app's deep-link token"):
        run(PlatformDeepLinkStore(api.url, "pdl1.forged").save(SNAPSHOT, app_revision="a", space_revision=None))
    api.refuse = (403, {"detail": "This share link expired."})
    with pytest.raises(LinkUnavailable, match="This share link expired.*may have expired or been revoked"):
        run(store.save(SNAPSHOT, app_revision="a", space_revision=None))
    api.refuse = (404, {"detail": "Space not found"})
    with pytest.raises(LinkUnavailable, match="no longer knows this app"):
        run(store.save(SNAPSHOT, app_revision="a", space_revision=None))
    api.refuse = (500, {"detail": "database is down"})
    with pytest.raises(LinkUnavailable, match="answered 500: database is down"):
        run(store.load(saved.id))
    api.refuse = (200, {"unexpected": True})
    with pytest.raises(LinkUnavailable, match="unexpected body"):
        run(store.load(saved.id))


def test_over_the_limit_is_too_large_before_and_after_sending(api: DeepLinkStandIn) -> None:
    big = {**SNAPSHOT, "components": {"name": {"type": "textbox", "value": "x" * 5000}}}
    with pytest.raises(SnapshotTooLarge, match="the limit is 4 KB"):
        run(PlatformDeepLinkStore(api.url, APP_TOKEN, max_bytes=100_000).save(big, app_revision="a",
                                                                              space_revision=None))
    assert api.requests[-1].path == "/api/deep-links"
    before = len(api.requests)
    with pytest.raises(SnapshotTooLarge):
        run(PlatformDeepLinkStore(api.url, APP_TOKEN, max_bytes=1000).save(big, app_revision="a",
                                                                           space_revision=None))
    assert len(api.requests) == before  # known too large here: not sent


def test_an_unreachable_api_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(LinkUnavailable, match="cannot be reached"):
        run(PlatformDeepLinkStore("http://127.0.0.1:9", APP_TOKEN).load("A" * 16))
    with pytest.raises(LinkUnavailable, match="cannot be reached"):
        run(PlatformDeepLinkStore(f"unix://{tmp_path}/none.sock", APP_TOKEN).save(SNAPSHOT, app_revision="a",
                                                                                   space_revision=None))


@pytest.mark.parametrize("url", ["ftp://host", "unix://relative.sock", "host:8700", ""])
def test_bad_api_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="PODIUM_DEEP_LINK_API"):
        PlatformDeepLinkStore(url, APP_TOKEN)
    with pytest.raises(ValueError, match="token"):
        PlatformDeepLinkStore("http://host", "")


# --- the service: which store a request uses -------------------------------------------------------------


def build_app() -> tuple[gr.Blocks, gr.Textbox]:
    with gr.Blocks() as demo:
        name = gr.Textbox(label="Name")
    return demo, name


def client(demo: gr.Blocks, tmp_path: Path, **environ: str) -> TestClient:
    settings = ServerSettings.from_launch_kwargs({}, {"PODIUM_DEEP_LINK_DIR": str(tmp_path), **environ})
    return TestClient(create_app(demo, settings))


def test_spaces_store_every_link_on_the_platform(api: DeepLinkStandIn, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPACE_REVISION", "7")
    demo, name = build_app()
    with client(demo, tmp_path, PODIUM_DEEP_LINK_API=api.url, PODIUM_DEEP_LINK_TOKEN=APP_TOKEN) as http:
        saved = http.post("/gradio_api/deep_link", json={"values": {str(name.id): "Ada"}}).json()
        assert saved["id"] in api.links
        assert api.requests[-1].body["space_revision"] == 7
        assert api.requests[-1].body["snapshot"]["space_revision"] == "7"
        config = http.get("/config", params={"deep_link": saved["id"]}).json()
        assert config["deep_link_state"]["status"] == "restored"
        assert next(c for c in config["components"] if c["id"] == name.id)["props"]["value"] == "Ada"
        api.links[saved["id"]]["expired"] = True
        assert http.get("/config", params={"deep_link": saved["id"]}).json()["deep_link_state"]["status"] == "expired"
        api.refuse = (503, {"detail": "maintenance"})
        refused = http.post("/gradio_api/deep_link", json={"values": {str(name.id): "Ada"}})
        assert refused.status_code == 503
        assert refused.json()["detail"].startswith("Could not save the link: the platform's API answered 503")
        state = http.get("/config", params={"deep_link": saved["id"]}).json()["deep_link_state"]
        assert state["status"] == "unavailable"
    local = tmp_path / "deep_links.sqlite3"  # the local store is only read (after the platform), never written
    assert not local.exists() or sqlite3.connect(local).execute("SELECT COUNT(*) FROM deep_links").fetchone() == (0,)


def test_a_broken_local_store_does_not_hide_the_platforms_not_found(api: DeepLinkStandIn, tmp_path: Path) -> None:
    demo, _ = build_app()
    blocker = tmp_path / "file"
    blocker.write_text("a file where the store's folder should be")  # like a read-only home in a container
    environ = {"PODIUM_DEEP_LINK_DIR": str(blocker / "links"), "PODIUM_DEEP_LINK_API": api.url,
               "PODIUM_DEEP_LINK_TOKEN": APP_TOKEN}
    with TestClient(create_app(demo, ServerSettings.from_launch_kwargs({}, environ))) as http:
        state = http.get("/config", params={"deep_link": "A" * 16}).json()["deep_link_state"]
        assert state["status"] == "not_found"
    with TestClient(create_app(demo, ServerSettings.from_launch_kwargs({}, {"PODIUM_DEEP_LINK_DIR": str(
            blocker / "links")}))) as http:
        state = http.get("/config", params={"deep_link": "A" * 16}).json()["deep_link_state"]
        assert state["status"] == "unavailable"  # the local store alone: it cannot say


def test_an_unreachable_platform_gives_503_and_unavailable(tmp_path: Path) -> None:
    demo, name = build_app()
    with client(demo, tmp_path, PODIUM_DEEP_LINK_API="http://127.0.0.1:9", PODIUM_DEEP_LINK_TOKEN="t") as http:
        answer = http.post("/gradio_api/deep_link", json={"values": {str(name.id): "Ada"}})
        assert answer.status_code == 503 and "cannot be reached" in answer.json()["detail"]
        state = http.get("/config", params={"deep_link": "A" * 16}).json()["deep_link_state"]
        assert state["status"] == "unavailable"


def test_share_link_requests_use_the_share_platform_and_local_ones_the_local_store(
        api: DeepLinkStandIn, tmp_path: Path) -> None:
    demo, name = build_app()
    app = create_app(demo, ServerSettings.from_launch_kwargs({}, {"PODIUM_DEEP_LINK_DIR": str(tmp_path)}))
    app.state.podium.deep_links.use_share_link("https://abc123.share.example.com", api.url, APP_TOKEN)
    body = {"values": {str(name.id): "Ada"}}
    with TestClient(app, base_url="https://abc123.share.example.com") as shared:
        through_share = shared.post("/gradio_api/deep_link", json=body).json()
        assert through_share["id"] in api.links
        assert through_share["url"] == f"https://abc123.share.example.com/?deep_link={through_share['id']}"
        restored = shared.get("/config", params={"deep_link": through_share["id"]}).json()
        assert restored["deep_link_state"]["status"] == "restored"
    with TestClient(app) as local:
        here = local.post("/gradio_api/deep_link", json=body).json()
        assert here["id"] not in api.links and (tmp_path / "deep_links.sqlite3").exists()
        assert local.get("/config", params={"deep_link": here["id"]}).json()["deep_link_state"]["status"] == \
            "restored"


def test_host_of() -> None:
    assert host_of("https://ABC.share.example.com:8443/x") == "abc.share.example.com"
    assert host_of("abc.share.example.com:80") == "abc.share.example.com"
    assert host_of("[::1]:7860") == "[::1]"


def test_the_share_answer_carries_the_deep_link_token() -> None:
    body = {"id": "l1", "token": "tok", "subdomain": "abc", "url": "http://abc.share.test", "label": None,
            "created_at": "2026-11-21T10:00:00+00:00", "expires_at": "2026-11-28T10:00:00+00:00",
            "tunnel": {"host": "127.0.0.1", "port": 7000}}
    assert _parse_link("http://api", body).deep_link_token is None
    assert _parse_link("http://api", {**body, "deep_link_token": "pdl1.x"}).deep_link_token == "pdl1.x"


def test_launch_hands_the_share_links_token_to_the_deep_link_service(monkeypatch: pytest.MonkeyPatch,
                                                                      api: DeepLinkStandIn, tmp_path: Path) -> None:
    import podium.share as share_module

    monkeypatch.setenv("PODIUM_DEEP_LINK_DIR", str(tmp_path))
    now = datetime.now(timezone.utc)
    link = ShareLink("l1", "tok", "abc", "http://abc.share.test:8080", None, now, now, TunnelAddress(
        "127.0.0.1", 1, False, "", None), api.url, deep_link_token=APP_TOKEN)

    class OpenedShare:
        def __init__(self) -> None:
            self.link, self.url, self.expires_at = link, link.url, link.expires_at

        def close(self) -> None:
            pass

    monkeypatch.setattr(share_module, "open_share", lambda *args, **kwargs: OpenedShare())
    demo, _ = build_app()
    demo.launch(prevent_thread_lock=True, server_port=0, quiet=True, share=True)
    try:
        service = demo.server.ctx.deep_links  # type: ignore[union-attr]
        assert service.share is not None and service.share.host == "abc.share.test"
        assert service.share.store.api_url == api.url and service.share.store.token == APP_TOKEN
    finally:
        demo.close(verbose=False)
