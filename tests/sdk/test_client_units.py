"""`podium.client` pieces that need no server: diffs, event-stream framing, endpoint tables, imports."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from podium.client import ArgumentError, EndpointNotFoundError
from podium.client.diffs import apply_edits
from podium.client.endpoints import EndpointTable
from podium.client.sse import _frames


def test_apply_edits_each_action() -> None:
    assert apply_edits("01", [["append", [], "2"]]) == "012"
    assert apply_edits([1], [["append", [], [2, 3]]]) == [1, 2, 3]
    assert apply_edits("x", [["replace", [], {"a": 1}]]) == {"a": 1}
    assert apply_edits([{"c": "he"}], [["append", [0, "c"], "llo"]]) == [{"c": "hello"}]
    assert apply_edits([1, 3], [["add", [1], 2]]) == [1, 2, 3]
    assert apply_edits({"a": 1}, [["add", ["b"], 2]]) == {"a": 1, "b": 2}
    assert apply_edits([1, 2, 3], [["delete", [2], None], ["delete", [1], None]]) == [1]
    assert apply_edits({"a": 1, "b": 2}, [["delete", ["a"], None]]) == {"b": 2}
    with pytest.raises(ValueError, match="Unknown edit action"):
        apply_edits([1], [["explode", [0], None]])


def test_apply_edits_leaves_the_old_value_alone() -> None:
    old = [{"content": "a"}, {"content": "b"}]
    new = apply_edits(old, [["append", [1, "content"], "c"]])
    assert old == [{"content": "a"}, {"content": "b"}]
    assert new == [{"content": "a"}, {"content": "bc"}]
    assert new[0] is old[0]  # untouched parts are shared, not copied


def test_frames_tolerate_split_chunks_crlf_comments_and_event_lines() -> None:
    chunks = [b'data: {"msg":"a"', b'}\n', b'\ndata: {"msg":"b"}\r\n\r\n: ping\n\nevent: x\ndata: ',
              b'{"msg":"c"}\n\ndata: ALIVE\n\ndata: {"msg":"d"}']
    assert list(_frames(iter(chunks))) == [{"msg": "a"}, {"msg": "b"}, {"msg": "c"}, "ALIVE", {"msg": "d"}]


def _table(deps: list[dict[str, Any]], named: dict[str, Any] | None = None) -> EndpointTable:
    components = [{"id": 1, "type": "textbox"}, {"id": 2, "type": "state"},
                  {"id": 3, "type": "file", "api_info": {
                      "properties": {"path": {"type": "string"},
                                     "meta": {"default": {"_type": "gradio.FileData"}, "type": "object"}}}}]
    return EndpointTable({"components": components, "dependencies": deps},
                         {"named_endpoints": named or {}, "unnamed_endpoints": {}})


def test_the_only_public_endpoint_is_the_default() -> None:
    table = _table([
        {"id": 0, "inputs": [1], "outputs": [1], "api_name": "predict", "api_visibility": "public", "backend_fn": True},
        {"id": 1, "inputs": [], "outputs": [], "api_name": "js", "api_visibility": "public", "backend_fn": None},
        {"id": 2, "inputs": [], "outputs": [], "api_name": "secret", "api_visibility": "private", "backend_fn": True},
    ])
    assert table.find().fn_index == 0
    with pytest.raises(EndpointNotFoundError, match="Available endpoints: /predict, /js"):
        table.find("/secret")


def test_old_configs_without_ids_or_visibility() -> None:
    table = _table([{"inputs": [1, 2], "outputs": [1], "api_name": "a", "backend_fn": True},
                    {"inputs": [], "outputs": [], "api_name": False, "backend_fn": True},
                    {"inputs": [], "outputs": [], "api_name": "b", "show_api": False, "backend_fn": True}])
    assert table.find().api_name == "/a"  # /b is undocumented, the second one private
    assert table.find(fn_index=2).visibility == "undocumented"
    with pytest.raises(EndpointNotFoundError):
        table.find(fn_index=1)
    assert table.find("/a").build_data(("x",), {}) == ["x", None]


def test_labels_stand_in_for_missing_parameter_names() -> None:
    named = {"/a": {"parameters": [{"label": "Your Name", "parameter_has_default": True, "parameter_default": "z"}],
                    "returns": []}}
    endpoint = _table([{"id": 0, "inputs": [1], "outputs": [], "api_name": "a", "backend_fn": True}], named).find()
    assert endpoint.build_data((), {"your_name": "q"}) == ["q"]
    assert endpoint.build_data((), {}) == ["z"]
    with pytest.raises(ArgumentError):
        endpoint.build_data((), {"name": "q"})


def test_file_inputs_detected_from_the_schema_default(tmp_path: Any) -> None:
    path = tmp_path / "f.txt"
    path.write_text("x")
    endpoint = _table([{"id": 0, "inputs": [3], "outputs": [], "api_name": "f", "backend_fn": True}]).find()
    assert endpoint.build_data((str(path),), {}) == [
        {"path": str(path), "meta": {"_type": "gradio.FileData"}, "orig_name": "f.txt"}]


def test_importing_podium_does_not_import_the_client() -> None:
    code = "import sys, podium; print('podium.client' in sys.modules, 'httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]
    code = "import sys, podium.client; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False"]  # httpx loads when a Client is created


def test_a_malformed_update_fails_only_its_job() -> None:
    from types import SimpleNamespace

    from podium.client import ClientError, Job

    endpoint = _table([{"id": 0, "inputs": [1], "outputs": [1], "api_name": "a", "backend_fn": True}]).find()
    client: Any = SimpleNamespace(_generator_diffs=True)
    stream: Any = SimpleNamespace(session_hash="s")
    job = Job(client, endpoint, ["x"], stream)
    assert job._on_message({"msg": "process_generating", "output": {"data": ["ab"]}}) is False
    assert job._on_message({"msg": "process_generating", "output": {"data": [[["delete", [5], None]]]}}) is True
    with pytest.raises(ClientError, match="streamed update"):
        job.result(0)


def test_status_messages_update_the_job() -> None:
    from types import SimpleNamespace

    from podium.client import Job, ProgressUnit, Status

    endpoint = _table([{"id": 0, "inputs": [1], "outputs": [1], "api_name": "a", "backend_fn": True}]).find()
    files = SimpleNamespace(download_outputs=lambda value: value)
    client: Any = SimpleNamespace(_generator_diffs=True, _files=files)
    job = Job(client, endpoint, ["x"], SimpleNamespace(session_hash="s"))  # type: ignore[arg-type]
    job._on_message({"msg": "estimation", "rank": 2, "queue_size": 5, "rank_eta": 1.5})
    assert (job.status().code, job.status().rank, job.status().queue_size, job.status().eta) == (
        Status.IN_QUEUE, 2, 5, 1.5)
    job._on_message({"msg": "process_starts", "eta": 0.2})
    assert job.status().code == Status.PROCESSING and job.status().eta == 0.2
    job._on_message({"msg": "progress", "progress_data": [
        {"index": 1, "length": 3, "unit": "steps", "progress": None, "desc": "counting"}]})
    assert job.status().progress_data == [ProgressUnit(1, 3, "steps", None, "counting")]
    job._on_message({"msg": "log", "log": "hi", "level": "warning"})
    assert job.status().log == ("hi", "warning") and job.logs() == [("hi", "warning")]
    job._on_message({"msg": "some_future_message", "x": 1})  # unknown types are ignored
    assert job._on_message({"msg": "process_completed", "output": {"data": ["done"]}, "success": True})
    assert job.result() == "done" and job.status().code == Status.FINISHED
