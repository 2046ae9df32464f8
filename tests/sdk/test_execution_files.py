"""Files through the engine: input paths resolved against the upload cache, output files cached with URLs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import podium as gr
from podium.components.base import Component
from podium.execution.files import FileContext
from podium.files.filedata import file_data
from podium.queue.engine import EventEngine
from podium.request import RequestInfo

ROOT_URL = "http://testserver/app"


class RawFile(Component):
    """Passes FileData payloads through unchanged (like gr.File with type="filepath" before conversion)."""

    EVENTS = ("change",)


def run_event(fn: Callable[..., Any], data: list[Any], files: FileContext, **engine_options: Any) -> dict[str, Any]:
    with gr.Blocks() as demo:
        inp, out = RawFile(), RawFile()
        inp.change(fn, inp, out)

    async def main() -> dict[str, Any]:
        engine = EventEngine(demo, files=files, **{"close_stream_delay": 0.0, **engine_options})
        await engine.start()
        engine.join(fn_index=0, data=data, session_hash="s", request=RequestInfo(root_url=ROOT_URL))
        msgs = [m async for m in engine.stream("s")]
        await engine.stop()
        return next(m for m in msgs if m["msg"] == "process_completed")

    return asyncio.run(asyncio.wait_for(main(), 20))


def make_files(tmp_path: Path) -> FileContext:
    work = tmp_path / "work"
    work.mkdir()
    return FileContext.create(tmp_path / "cache", working_dir=work, temp_dir=tmp_path / "no-temp")


def test_uploaded_input_is_resolved_and_output_file_is_cached(tmp_path: Path) -> None:
    files = make_files(tmp_path)
    cache_id = files.cache.save_bytes(b"hello", "hello.txt")
    seen: list[str] = []

    def shout(f: dict[str, Any]) -> dict[str, Any]:
        seen.append(f["path"])
        out = tmp_path / "work" / "loud.txt"
        out.write_text(Path(f["path"]).read_text().upper())
        return file_data(str(out))

    done = run_event(shout, [{"path": cache_id, "meta": {"_type": "gradio.FileData"}, "orig_name": "hello.txt"}], files)
    assert done["success"] is True, done
    assert seen == [str(files.cache.path_of(cache_id))]
    result = done["output"]["data"][0]
    assert result["path"] != str(tmp_path / "work" / "loud.txt")
    assert files.cache.path_of(result["path"]).read_text() == "HELLO"
    assert result["url"].startswith(f"{ROOT_URL}/gradio_api/file=")
    assert result["size"] == 5
    assert result["orig_name"] == "loud.txt"
    assert result["meta"] == {"_type": "gradio.FileData"}


def test_input_path_that_was_not_uploaded_is_an_error_completion(tmp_path: Path) -> None:
    files = make_files(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    called: list[Any] = []
    done = run_event(called.append, [{"path": str(secret), "meta": {"_type": "gradio.FileData"}}], files)
    assert done["success"] is False
    assert "not uploaded" in done["output"]["error"]
    assert called == []


def test_returned_path_outside_the_allowed_places_is_an_error(tmp_path: Path) -> None:
    files = make_files(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    done = run_event(lambda f: file_data(str(outside)), [None], files)
    assert done["success"] is False
    assert "Cannot return file" in done["output"]["error"]


def test_async_handler_files_use_the_same_rules(tmp_path: Path) -> None:
    files = make_files(tmp_path)
    cache_id = files.cache.save_bytes(b"abc", "a.txt")

    async def echo(f: dict[str, Any]) -> dict[str, Any]:
        return f

    done = run_event(echo, [{"path": cache_id, "meta": {"_type": "gradio.FileData"}}], files)
    assert done["success"] is True
    assert done["output"]["data"][0]["path"] == cache_id  # an upload echoed back keeps its id
