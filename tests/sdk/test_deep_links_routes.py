"""`POST /gradio_api/deep_link` and restoring with `?deep_link=ID` on `/config` and `/`, in process with Starlette's
TestClient against `create_app` (local store in tmp_path; the platform store has its own tests).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

import podium as gr
from podium.blocks import Blocks
from podium.deeplinks.local_store import FILE_NAME
from podium.server.app import create_app
from podium.server.settings import ServerSettings

URL = "/gradio_api/deep_link"


def build_app(*, deep_links: bool = True, choices: tuple[str, ...] = ("x", "y"), with_greeting: bool = True
              ) -> tuple[Blocks, dict[str, Any]]:
    with gr.Blocks(title="Deep", deep_links=deep_links) as demo:
        name = gr.Textbox(label="Name")
        greeting = gr.Textbox(label="Greeting") if with_greeting else None
        pick = gr.Dropdown(list(choices), label="Pick")
        secret = gr.File(label="Secret file")
        state = gr.State("server only")
        gr.DeepLinkButton()
    return demo, {"name": name, "greeting": greeting, "pick": pick, "secret": secret, "state": state}


def client_for(demo: Blocks, tmp_path: Path, **launch: Any) -> TestClient:
    environ = {"PODIUM_DEEP_LINK_DIR": str(tmp_path / "links"), "PODIUM_DEEP_LINK_MAX_BYTES": "8192"}
    settings = ServerSettings.from_launch_kwargs({"allowed_paths": [str(tmp_path / "shared")], **launch}, environ)
    return TestClient(create_app(demo, settings))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "report.txt").write_text("public")
    demo, parts = build_app()
    with client_for(demo, tmp_path) as client:
        yield client, parts


def props_of(config: dict[str, Any], block_id: int) -> dict[str, Any]:
    return next(c["props"] for c in config["components"] if c["id"] == block_id)


def save(client: TestClient, values: dict[int, Any], **extra: Any) -> Any:
    body = {"session_hash": "s1", "values": {str(k): v for k, v in values.items()}, **extra}
    return client.post(URL, json=body)


def file_payload(path: str) -> dict[str, Any]:
    return {"path": path, "url": None, "meta": {"_type": "gradio.FileData"}}


def test_save_and_restore_through_config(app: tuple[TestClient, dict[str, Any]], tmp_path: Path) -> None:
    client, p = app
    answer = save(client, {p["name"].id: "Ada", p["greeting"].id: "Hello Ada!", p["pick"].id: "y",
                           p["state"].id: "stolen", p["secret"].id: file_payload(str(tmp_path / "shared" /
                                                                                      "report.txt"))})
    assert answer.status_code == 200, answer.text
    saved = answer.json()
    assert saved["url"] == f"http://testserver/?deep_link={saved['id']}" and saved["skipped"] == []
    assert saved["expires_at"].endswith("Z")

    config = client.get("/config", params={"deep_link": saved["id"]}).json()
    assert props_of(config, p["name"].id)["value"] == "Ada"
    assert props_of(config, p["greeting"].id)["value"] == "Hello Ada!"
    assert props_of(config, p["pick"].id)["value"] == "y"
    restored_file = props_of(config, p["secret"].id)["value"]
    assert restored_file["url"].startswith("http://testserver/gradio_api/file=")
    state = config["deep_link_state"]
    assert state["status"] == "restored" and state["id"] == saved["id"] and state["skipped"] == []
    assert state["created_at"].endswith("Z")
    assert set(state["restored_ids"]) == {p[n].id for n in ("name", "greeting", "pick", "secret")}

    plain = client.get("/config").json()  # without the link: the app as it starts, no state
    assert "deep_link_state" not in plain and props_of(plain, p["name"].id)["value"] == ""


def test_state_is_never_stored(app: tuple[TestClient, dict[str, Any]], tmp_path: Path) -> None:
    client, p = app
    saved = save(client, {p["state"].id: "TOP-SECRET-STATE", p["name"].id: "Ada"}).json()
    with sqlite3.connect(tmp_path / "links" / FILE_NAME) as db:
        (body,) = db.execute("SELECT snapshot FROM deep_links WHERE id = ?", (saved["id"],)).fetchone()
    assert b"TOP-SECRET-STATE" not in body and b"Ada" in body


def test_forged_file_paths_are_dropped_and_reported(app: tuple[TestClient, dict[str, Any]], tmp_path: Path) -> None:
    client, p = app
    for forged in ("/etc/passwd", str(tmp_path / "shared" / ".." / "links" / FILE_NAME), "../etc/passwd"):
        answer = save(client, {p["secret"].id: file_payload(forged), p["name"].id: "Ada"})
        assert answer.status_code == 200
        saved = answer.json()
        assert saved["skipped"] == ["Secret file"], forged
        config = client.get("/config", params={"deep_link": saved["id"]}).json()
        assert props_of(config, p["secret"].id)["value"] is None
        assert config["deep_link_state"]["status"] == "restored"


def test_unknown_ids_are_skipped_not_refused(app: tuple[TestClient, dict[str, Any]]) -> None:
    client, p = app
    answer = save(client, {p["name"].id: "Ada", 987654: "ghost"}, visible={"987655": False})
    assert answer.status_code == 200 and answer.json()["skipped"] == ["987654", "987655"]


def test_over_the_limit_is_413(app: tuple[TestClient, dict[str, Any]]) -> None:
    client, p = app
    answer = save(client, {p["name"].id: "x" * 9000})
    assert answer.status_code == 413
    assert "the limit is 8 KB" in answer.json()["detail"]
    huge = save(client, {p["name"].id: "x" * 200_000})  # the body alone is far over: refused while reading
    assert huge.status_code == 413 and "the limit is 8 KB" in huge.json()["detail"]


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"values": [1]}', "`values` must be an object"),
    (b'{"values": {}, "tabs": {"1": {"a": 1}}}', "tab id"),
    (b'{"visible": {"1": "no"}}', "must be a boolean"),
])
def test_malformed_bodies_are_400(app: tuple[TestClient, dict[str, Any]], body: bytes, message: str) -> None:
    client, _ = app
    answer = client.post(URL, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400 and message in answer.json()["detail"]


def test_turned_off_is_404_and_disabled_state(tmp_path: Path) -> None:
    demo, p = build_app(deep_links=False)
    with client_for(demo, tmp_path) as client:
        answer = save(client, {p["name"].id: "Ada"})
        assert answer.status_code == 404
        assert answer.json()["detail"] == "Deep links are turned off for this app (Blocks(deep_links=False))."
        config = client.get("/config", params={"deep_link": "A" * 16}).json()
        assert config["deep_link_state"]["status"] == "disabled"


def test_auth_is_required_when_the_app_has_auth(tmp_path: Path) -> None:
    demo, p = build_app()
    with client_for(demo, tmp_path, auth=("ada", "pw")) as client:
        assert save(client, {p["name"].id: "Ada"}).status_code == 401
        assert client.get("/config", params={"deep_link": "A" * 16}).status_code == 401
        assert client.post("/login", data={"username": "ada", "password": "pw"}).status_code == 200
        saved = save(client, {p["name"].id: "Ada"})
        assert saved.status_code == 200
        config = client.get("/config", params={"deep_link": saved.json()["id"]}).json()
        assert props_of(config, p["name"].id)["value"] == "Ada"


def test_restore_on_the_page_renders_the_values_and_is_not_cached(app: tuple[TestClient, dict[str, Any]]) -> None:
    client, p = app
    first = save(client, {p["name"].id: "Ada Lovelace"}).json()
    second = save(client, {p["name"].id: "Grace Hopper"}).json()
    plain = client.get("/").text
    assert "Ada Lovelace" not in plain
    for saved, text, other in ((first, "Ada Lovelace", "Grace Hopper"), (second, "Grace Hopper", "Ada Lovelace")):
        page = client.get("/", params={"deep_link": saved["id"]}).text
        markup, _, script = page.partition("window.gradio_config")
        assert text in markup and other not in page  # the SSR markup shows the restored value
        config = orjson.loads(script.split("=", 1)[1].split(";</script>", 1)[0])
        assert config["deep_link_state"]["status"] == "restored"
    assert "Ada Lovelace" not in client.get("/").text  # the cached page stays the plain app


@pytest.mark.parametrize("link_id", ["A" * 16, "nope", "../../etc/passwd", "x" * 200])
def test_unknown_ids_show_the_app_with_not_found(app: tuple[TestClient, dict[str, Any]], link_id: str) -> None:
    client, p = app
    config = client.get("/config", params={"deep_link": link_id}).json()
    assert config["deep_link_state"]["status"] == "not_found"
    assert props_of(config, p["name"].id)["value"] == ""
    page = client.get("/", params={"deep_link": link_id})
    assert page.status_code == 200 and "podium-app" in page.text


def test_expired_links_show_the_app_with_expired(app: tuple[TestClient, dict[str, Any]], tmp_path: Path) -> None:
    client, p = app
    saved = save(client, {p["name"].id: "Ada"}).json()
    with sqlite3.connect(tmp_path / "links" / FILE_NAME) as db:
        db.execute("UPDATE deep_links SET expires_at = ?", (datetime.now(timezone.utc).timestamp() - 5,))
    config = client.get("/config", params={"deep_link": saved["id"]}).json()
    state = config["deep_link_state"]
    assert state["status"] == "expired" and "expired on" in state["message"]
    assert props_of(config, p["name"].id)["value"] == ""


def test_a_changed_app_restores_what_fits_and_names_the_rest(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    demo, p = build_app()
    with client_for(demo, tmp_path) as client:
        saved = save(client, {p["name"].id: "Ada", p["greeting"].id: "Hello", p["pick"].id: "y"}).json()
    changed, q = build_app(choices=("x", "z"), with_greeting=False)  # the next version: Greeting gone, y gone
    with client_for(changed, tmp_path) as client:
        config = client.get("/config", params={"deep_link": saved["id"]}).json()
    state = config["deep_link_state"]
    assert state["status"] == "partial"
    assert sorted(state["skipped"]) == ["Greeting", "Pick"]
    assert "Greeting" in state["message"] and "Pick" in state["message"]
    assert props_of(config, q["name"].id)["value"] == "Ada"
    assert props_of(config, q["pick"].id)["value"] == "x"
    assert state["restored_ids"] == [q["name"].id]


def test_settings_come_from_the_environment() -> None:
    settings = ServerSettings.from_launch_kwargs({}, {
        "PODIUM_DEEP_LINK_API": "unix:///run/podium/api.sock", "PODIUM_DEEP_LINK_TOKEN": "pdl1.k.p.m",
        "PODIUM_DEEP_LINK_DIR": "/data/links", "PODIUM_DEEP_LINK_TTL_DAYS": "7", "PODIUM_DEEP_LINK_MAX_BYTES": "1000",
        "PODIUM_DEEP_LINK_STORE_MB": "0.5"})
    assert (settings.deep_link_api, settings.deep_link_token, settings.deep_link_dir) == (
        "unix:///run/podium/api.sock", "pdl1.k.p.m", "/data/links")
    assert (settings.deep_link_ttl_days, settings.deep_link_max_bytes, settings.deep_link_store_mb) == (7, 1000, 0.5)
    defaults = ServerSettings.from_launch_kwargs({}, {})
    assert (defaults.deep_link_api, defaults.deep_link_ttl_days, defaults.deep_link_max_bytes,
            defaults.deep_link_store_mb) == (None, 30, 524288, 64)
    with pytest.raises(ValueError, match="PODIUM_DEEP_LINK_MAX_BYTES must be a positive number"):
        ServerSettings.from_launch_kwargs({}, {"PODIUM_DEEP_LINK_MAX_BYTES": "0"})
    with pytest.raises(ValueError, match="not a valid"):
        ServerSettings.from_launch_kwargs({}, {"PODIUM_DEEP_LINK_TTL_DAYS": "soon"})
