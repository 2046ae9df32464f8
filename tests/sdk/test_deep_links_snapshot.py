"""The deep-link snapshot model (podium.deeplinks.snapshot): component keys, the app fingerprint, building a
snapshot from the browser's payload (State, buttons, unknown ids and unservable files left out) and applying
it to a config (what no longer fits is skipped), plus `Component.deep_link_fits` of the constrained components.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import podium as gr
from podium.blocks import Blocks
from podium.deeplinks.snapshot import (
    SnapshotError,
    app_fingerprint,
    apply_snapshot,
    build_snapshot,
    component_keys,
    is_link_id,
    link_state,
)
from podium.files.cache import FileCache
from podium.files.policy import FilePolicy


def file_payload(path: str, url: str | None = None) -> dict[str, Any]:
    return {"path": path, "url": url, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}


def build_app() -> tuple[Blocks, dict[str, Any]]:
    with gr.Blocks() as demo:
        name = gr.Textbox(label="Name", elem_id="name")
        greeting = gr.Textbox(label="Greeting")
        plain_a = gr.Textbox()
        plain_b = gr.Textbox()
        twin_a = gr.Number(label="Twin")
        twin_b = gr.Number(label="Twin")
        keyed = gr.Slider(0, 10, label="Level", key="level")
        state = gr.State(0)
        button = gr.Button("Go")
        share = gr.DeepLinkButton()
        with gr.Tabs() as tabs:
            with gr.Tab("A", id="tab-a"):
                pick = gr.Dropdown(["x", "y"], label="Pick")
            with gr.Tab("B", id="tab-b"):
                upload = gr.File(label="Secret file")
        with gr.Accordion("Advanced", open=False) as accordion:
            ticks = gr.CheckboxGroup(["p", "q"], label="Ticks")
        with gr.Column(visible=False) as column:
            mode = gr.Radio(["fast", "slow"], label="Mode")
    parts = dict(name=name, greeting=greeting, plain_a=plain_a, plain_b=plain_b, twin_a=twin_a, twin_b=twin_b,
                 keyed=keyed, state=state, button=button, share=share, tabs=tabs, pick=pick, upload=upload,
                 accordion=accordion, ticks=ticks, column=column, mode=mode)
    return demo, parts


@pytest.fixture
def policy(tmp_path: Path) -> FilePolicy:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "ok.txt").write_text("fine")
    return FilePolicy(FileCache(str(tmp_path / "cache")), allowed_paths=[str(allowed)])


def test_component_keys_follow_key_elem_id_label_and_position() -> None:
    demo, p = build_app()
    keys = component_keys(demo)
    assert keys[p["name"].id] == "name"  # elem_id
    assert keys[p["keyed"].id] == "level"  # key= wins
    assert keys[p["greeting"].id] == "textbox:Greeting"  # unique type and label
    assert keys[p["plain_a"].id] == "textbox#1" and keys[p["plain_b"].id] == "textbox#2"  # no label: position
    assert keys[p["twin_a"].id] == "number:Twin#1" and keys[p["twin_b"].id] == "number:Twin#2"  # label not unique
    assert keys[p["tabs"].id] == "tabs#1"
    assert keys[p["accordion"].id] == "accordion:Advanced"
    assert len(set(keys.values())) == len(keys)


def test_keys_and_fingerprint_are_stable_across_rebuilds_and_change_with_the_app() -> None:
    first, _ = build_app()
    second, _ = build_app()  # other ids (ids count every block in the process), same keys
    assert sorted(component_keys(first).values()) == sorted(component_keys(second).values())
    assert app_fingerprint(first) == app_fingerprint(second)
    assert len(app_fingerprint(first)) == 16
    with gr.Blocks() as other:
        gr.Textbox(label="Name", elem_id="name")
    assert app_fingerprint(other) != app_fingerprint(first)


def test_duplicate_elem_ids_still_give_unique_keys() -> None:
    with gr.Blocks() as demo:
        a = gr.Textbox(elem_id="same")
        b = gr.Textbox(elem_id="same")
        c = gr.Textbox(key="textbox#1")
        d = gr.Textbox()
    keys = component_keys(demo)
    assert keys[a.id] == "same" and keys[b.id] == "textbox#2" and keys[c.id] == "textbox#1"
    assert keys[d.id] == "textbox#4"
    assert len(set(keys.values())) == 4


def test_build_keeps_values_layout_and_visibility_and_never_state_or_buttons(policy: FilePolicy) -> None:
    demo, p = build_app()
    payload = {
        "session_hash": "abc",
        "values": {str(p["name"].id): "Ada", str(p["state"].id): {"secret": 1}, str(p["button"].id): "Go",
                   str(p["share"].id): "Share via Link", str(p["pick"].id): "y", "99999": "ghost"},
        "visible": {str(p["column"].id): True, str(p["greeting"].id): False},
        "tabs": {str(p["tabs"].id): "tab-b"},
        "accordions": {str(p["accordion"].id): True},
    }
    built = build_snapshot(demo, payload, policy=policy, space_revision="3")
    snap = built.snapshot
    assert snap["v"] == 1 and snap["app"] == app_fingerprint(demo) and snap["space_revision"] == "3"
    assert snap["components"]["name"] == {"type": "textbox", "label": "Name", "value": "Ada"}
    assert snap["components"]["dropdown:Pick"]["value"] == "y"
    assert snap["components"]["textbox:Greeting"] == {"type": "textbox", "label": "Greeting", "visible": False}
    assert snap["layout"]["tabs#1"] == {"type": "tabs", "label": None, "selected": "tab-b"}
    assert snap["layout"]["accordion:Advanced"]["open"] is True
    assert snap["layout"]["column#1"]["visible"] is True
    assert "secret" not in str(snap) and "state#1" not in snap["components"]
    assert not any(entry["type"] in ("button", "deeplinkbutton") for entry in snap["components"].values())
    assert built.skipped == ["99999"]


def test_build_drops_files_the_app_would_not_serve_and_reports_their_label(policy: FilePolicy, tmp_path: Path) -> None:
    demo, p = build_app()
    served = file_payload(str(tmp_path / "allowed" / "ok.txt"), url="http://evil.example/x")
    built = build_snapshot(demo, {"values": {str(p["upload"].id): served}}, policy=policy)
    assert built.skipped == []
    stored = built.snapshot["components"]["file:Secret file"]["value"]
    assert stored["path"] == served["path"] and stored["url"] is None  # a sent url is never kept

    for forged in ("/etc/passwd", str(tmp_path / "allowed" / ".." / "cache"), "../../etc/passwd",
                   str(tmp_path / "allowed" / "missing.txt"), "https://example.com/a.pdf"):
        nested = {"values": {str(p["upload"].id): [file_payload(forged)], str(p["name"].id): "kept"}}
        built = build_snapshot(demo, nested, policy=policy)
        assert built.skipped == ["Secret file"], forged
        assert "file:Secret file" not in built.snapshot["components"]
        assert built.snapshot["components"]["name"]["value"] == "kept"
    # a file hidden inside another component's value counts too
    built = build_snapshot(demo, {"values": {str(p["greeting"].id): {"x": [file_payload("/etc/passwd")]}}},
                           policy=policy)
    assert built.skipped == ["Greeting"]


@pytest.mark.parametrize("payload, message", [
    ({"values": []}, "`values` must be an object"),
    ({"values": "x"}, "`values` must be an object"),
    ({"visible": [1]}, "`visible` must be an object"),
    ({"visible": {"1": "yes"}}, "must be a boolean"),
    ({"accordions": {"1": 1}}, "must be a boolean"),
    ({"tabs": {"1": 1.5}}, "tab id"),
    ({"tabs": {"1": True}}, "tab id"),
])
def test_build_refuses_malformed_payloads(payload: dict[str, Any], message: str) -> None:
    demo, _ = build_app()
    with pytest.raises(SnapshotError, match=message):
        build_snapshot(demo, payload, policy=None)


def test_non_json_values_are_skipped() -> None:
    demo, p = build_app()
    built = build_snapshot(demo, {"values": {str(p["twin_a"].id): float("nan")}}, policy=None)
    assert built.skipped == ["Twin"]


def _config_props(config: dict[str, Any], block_id: int) -> dict[str, Any]:
    return next(c["props"] for c in config["components"] if c["id"] == block_id)


def test_apply_sets_values_visibility_tabs_and_accordions_on_a_copy(policy: FilePolicy, tmp_path: Path) -> None:
    demo, p = build_app()
    payload = {
        "values": {str(p["name"].id): "Ada", str(p["pick"].id): "y", str(p["keyed"].id): 7,
                   str(p["ticks"].id): ["q"], str(p["mode"].id): "slow",
                   str(p["upload"].id): file_payload(str(tmp_path / "allowed" / "ok.txt"))},
        "visible": {str(p["column"].id): True},
        "tabs": {str(p["tabs"].id): "tab-b"},
        "accordions": {str(p["accordion"].id): True},
    }
    snapshot = build_snapshot(demo, payload, policy=policy).snapshot
    reopened, q = build_app()  # the app after a restart: other ids, same keys
    config = {**reopened.get_config_file(), "root": "http://host:1/app"}
    before = repr(config)
    applied = apply_snapshot(config, reopened, snapshot, policy=policy)
    assert repr(config) == before  # the base config is untouched
    out = applied.config
    assert applied.skipped == []
    assert _config_props(out, q["name"].id)["value"] == "Ada"
    assert _config_props(out, q["keyed"].id)["value"] == 7
    assert _config_props(out, q["ticks"].id)["value"] == ["q"]
    assert _config_props(out, q["column"].id)["visible"] is True
    assert _config_props(out, q["tabs"].id)["selected"] == "tab-b"
    assert _config_props(out, q["accordion"].id)["open"] is True
    restored_file = _config_props(out, q["upload"].id)["value"]
    assert restored_file["url"] == f"http://host:1/app/gradio_api/file={tmp_path}/allowed/ok.txt"
    assert set(applied.restored_ids) == {q[n].id for n in ("name", "pick", "keyed", "ticks", "mode", "upload")}


def test_apply_skips_what_no_longer_fits(policy: FilePolicy, tmp_path: Path) -> None:
    demo, p = build_app()
    (tmp_path / "allowed" / "gone.txt").write_text("soon gone")
    payload = {"values": {str(p["name"].id): "Ada", str(p["pick"].id): "y", str(p["keyed"].id): 9,
                          str(p["greeting"].id): "Hi", str(p["upload"].id): file_payload(
                              str(tmp_path / "allowed" / "gone.txt"))},
               "tabs": {str(p["tabs"].id): "tab-b"}}
    snapshot = build_snapshot(demo, payload, policy=policy).snapshot
    (tmp_path / "allowed" / "gone.txt").unlink()
    with gr.Blocks() as changed:  # Greeting removed, a choice gone, a narrower range, the tab renamed
        name = gr.Textbox(label="Name", elem_id="name")
        gr.Textbox()
        gr.Textbox()
        with gr.Tabs():
            with gr.Tab("A", id="tab-a"):
                pick = gr.Dropdown(["x", "z"], label="Pick")
            with gr.Tab("C", id="tab-c"):
                gr.File(label="Secret file")
        level = gr.Slider(0, 5, label="Level", key="level")
    config = changed.get_config_file()
    applied = apply_snapshot(config, changed, snapshot, policy=policy)
    assert sorted(applied.skipped) == sorted(["Pick", "Level", "Greeting", "Secret file", "tabs#1"])
    assert _config_props(applied.config, name.id)["value"] == "Ada"
    assert _config_props(applied.config, pick.id)["value"] == "x"
    assert _config_props(applied.config, level.id)["value"] == 0
    assert applied.restored_ids == [name.id]


def test_apply_ignores_type_changes_and_garbage_entries() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox(label="Thing")
    snapshot = {"v": 1, "components": {"textbox:Thing": {"type": "number", "label": "Thing", "value": 3},
                                        "junk": "not an entry"}, "layout": ["nope"]}
    applied = apply_snapshot(demo.get_config_file(), demo, snapshot, policy=None)
    assert applied.skipped == ["Thing"] and applied.restored_ids == []
    assert _config_props(applied.config, box.id)["value"] == ""


def test_deep_link_fits_of_constrained_components() -> None:
    with gr.Blocks():
        dropdown = gr.Dropdown(["a", "b"])
        multi = gr.Dropdown(["a", "b"], multiselect=True, max_choices=1)
        custom = gr.Dropdown(["a"], allow_custom_value=True)
        radio = gr.Radio(["a", ("B", "b")])
        group = gr.CheckboxGroup(["a", "b"])
        slider = gr.Slider(1, 5)
        number = gr.Number(minimum=0)
        single = gr.File()
        several = gr.File(file_count="multiple")
        box = gr.Textbox()
    assert dropdown.deep_link_fits("a") and not dropdown.deep_link_fits("c") and dropdown.deep_link_fits(None)
    assert multi.deep_link_fits(["a"]) and not multi.deep_link_fits(["a", "b"]) and not multi.deep_link_fits("a")
    assert custom.deep_link_fits("anything") and not custom.deep_link_fits({"x": 1})
    assert radio.deep_link_fits("b") and not radio.deep_link_fits("B")
    assert group.deep_link_fits(["a", "b"]) and not group.deep_link_fits(["c"]) and not group.deep_link_fits("a")
    assert slider.deep_link_fits(5) and not slider.deep_link_fits(6) and not slider.deep_link_fits("3")
    assert not slider.deep_link_fits(True) and not slider.deep_link_fits(float("inf"))
    assert number.deep_link_fits(None) and number.deep_link_fits(2.5) and not number.deep_link_fits(-1)
    assert single.deep_link_fits(file_payload("/x")) and not single.deep_link_fits([file_payload("/x")])
    assert several.deep_link_fits([file_payload("/x")]) and not several.deep_link_fits(file_payload("/x"))
    assert box.deep_link_fits({"any": ["json", 1, None]}) and not box.deep_link_fits({1: "x"})
    assert not box.deep_link_fits(object())


def test_link_ids_and_states() -> None:
    assert is_link_id("Xq3abcDEF_-12345")
    for bad in ("short", "a" * 65, "../../etc", "abc def ghi", "", None, 12345678):
        assert not is_link_id(bad)
    state = link_state("Xq3abcDEF_-12345", "partial", skipped=["Old slider"], created_at="2026-01-01T00:00:00Z")
    assert state["status"] == "partial" and "Old slider" in state["message"]
    assert state["skipped"] == ["Old slider"] and state["restored_ids"] == []
    assert link_state("x" * 16, "expired")["message"]


def test_deep_link_button_props() -> None:
    with gr.Blocks() as demo:
        plain = gr.DeepLinkButton()
        custom = gr.DeepLinkButton("Copy link", copied_message="Done!", variant="primary", size="sm", icon="link.svg",
                                   elem_id="share", scale=2, min_width=80, interactive=False)
        gradio_style = gr.DeepLinkButton(copied_value="Copied!")
        with pytest.warns(UserWarning, match="does not support the argument"):
            gr.DeepLinkButton(show_progress="full")
    config = {c["id"]: c for c in demo.get_config_file()["components"]}
    assert config[plain.id]["type"] == "deeplinkbutton" and config[plain.id]["skip_api"] is True
    props = config[plain.id]["props"]
    assert props["value"] == "Share via Link" and props["copied_message"] == "Link copied to clipboard"
    assert props["variant"] == "secondary" and props["size"] == "lg"
    props = config[custom.id]["props"]
    assert (props["value"], props["copied_message"], props["variant"], props["size"]) == (
        "Copy link", "Done!", "primary", "sm")
    assert (props["icon"], props["elem_id"], props["scale"], props["min_width"], props["interactive"]) == (
        "link.svg", "share", 2, 80, False)
    assert config[gradio_style.id]["props"]["copied_message"] == "Copied!"
    assert "copied_value" not in config[gradio_style.id]["props"]
