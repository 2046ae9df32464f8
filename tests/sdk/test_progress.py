"""`gr.Progress`: progress messages from handlers, `progress.tqdm`, and tracking of plain tqdm bars."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import podium as gr
from podium.progress import Progress
from podium.queue.engine import EventEngine
from podium.request import RequestInfo


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


def messages_of(fn: Callable[..., Any], data: list[Any], **engine_options: Any) -> list[dict[str, Any]]:
    with gr.Blocks() as demo:
        inp, out = gr.Textbox(), gr.Textbox()
        inp.submit(fn, inp, out)

    async def main() -> list[dict[str, Any]]:
        engine = EventEngine(demo, files=None, **{"close_stream_delay": 0.0, **engine_options})
        await engine.start()
        engine.join(fn_index=0, data=data, session_hash="s", request=RequestInfo())
        msgs = [m async for m in engine.stream("s")]
        await engine.stop()
        return msgs

    return run(main())


def progress_messages(msgs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [m["progress_data"] for m in msgs if m["msg"] == "progress"]


def test_progress_call_with_a_fraction() -> None:
    def work(x: str, progress: Progress = gr.Progress()) -> str:
        progress(0.5, desc="half")
        return x

    updates = progress_messages(messages_of(work, ["x"]))
    assert updates == [[{"index": None, "length": None, "unit": "steps", "progress": 0.5, "desc": "half"}]]


def test_progress_call_with_steps_and_updates_are_coalesced_to_the_latest() -> None:
    def work(x: str, progress: Progress = gr.Progress()) -> str:
        progress(0.5, desc="half")
        progress((3, 4), desc="steps", unit="files")
        return x

    msgs = messages_of(work, ["x"], status_update_interval=0.0)
    updates = progress_messages(msgs)
    assert updates[-1] == [{"index": 3, "length": 4, "unit": "files", "progress": None, "desc": "steps"}]
    kinds = [m["msg"] for m in msgs]
    assert kinds.index("process_starts") < kinds.index("progress") < kinds.index("process_completed")


def test_progress_param_is_not_an_input() -> None:
    def work(x: str, progress: Progress = gr.Progress()) -> str:
        return x + "!"

    done = [m for m in messages_of(work, ["x"]) if m["msg"] == "process_completed"][0]
    assert done["output"]["data"] == ["x!"]


def test_progress_tqdm_reports_each_step_and_the_last_one_always_arrives() -> None:
    def work(x: str, progress: Progress = gr.Progress()) -> str:
        total = 0
        for i in progress.tqdm(range(500), desc="counting"):
            total += i
        return str(total)

    msgs = messages_of(work, ["x"], status_update_interval=0.05)
    updates = progress_messages(msgs)
    assert 1 <= len(updates) < 500  # throttled
    last = updates[-1][0]
    assert (last["index"], last["length"], last["desc"]) == (500, 500, "counting")


def test_track_tqdm_reports_plain_tqdm_bars_and_restores_tqdm() -> None:
    from tqdm import tqdm
    from tqdm.std import tqdm as std_tqdm

    original_update = std_tqdm.update

    def work(x: str, progress: Progress = gr.Progress(track_tqdm=True)) -> str:
        for _ in tqdm(range(50), desc="tqdm loop", disable=False, file=open("/dev/null", "w")):  # noqa: SIM115
            pass
        return x

    msgs = messages_of(work, ["x"], status_update_interval=0.0)
    updates = progress_messages(msgs)
    assert updates, msgs
    last = updates[-1][0]
    assert (last["index"], last["length"], last["desc"]) == (50, 50, "tqdm loop")
    assert std_tqdm.update is original_update


def test_tqdm_bars_are_not_tracked_without_track_tqdm() -> None:
    from tqdm import tqdm

    def work(x: str, progress: Progress = gr.Progress()) -> str:
        for _ in tqdm(range(10), file=open("/dev/null", "w")):  # noqa: SIM115
            pass
        return x

    assert progress_messages(messages_of(work, ["x"])) == []


def test_progress_outside_an_event_does_nothing() -> None:
    progress = Progress()
    assert progress(0.3) == 0.3
    assert list(progress.tqdm([1, 2, 3])) == [1, 2, 3]


def test_async_handler_progress() -> None:
    async def work(x: str, progress: Progress = gr.Progress()) -> str:
        progress(0.25, desc="quarter")
        await asyncio.sleep(0)
        return x

    updates = progress_messages(messages_of(work, ["x"]))
    assert updates[-1][0]["progress"] == 0.25
