"""Queueing behaviour of the event engine: concurrency groups, queue size, cancel, ordering, memory."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

import podium as gr
from podium.queue.engine import EventEngine
from podium.queue.errors import QueueFull
from podium.request import RequestInfo


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


async def started(blocks: gr.Blocks, **options: Any) -> EventEngine:
    options.setdefault("close_stream_delay", 0.0)  # tests read many streams to their end
    engine = EventEngine(blocks, files=None, **options)
    await engine.start()
    return engine


async def drain(engine: EventEngine, session_hash: str) -> list[dict[str, Any]]:
    return [m async for m in engine.stream(session_hash)]


def join(engine: EventEngine, fn_index: int, data: list[Any], session_hash: str = "s") -> str:
    return engine.join(fn_index=fn_index, data=data, session_hash=session_hash, request=RequestInfo())


def app(fn: Callable[..., Any], **options: Any) -> gr.Blocks:
    with gr.Blocks() as demo:
        inp, out = gr.Textbox(), gr.Textbox()
        inp.submit(fn, inp, out, **options)
    return demo


async def settle() -> None:
    """Let every ready callback and task run (no wall clock involved)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Gate:
    """An async handler that records how many runs overlap and waits until released."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.started: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, x: str) -> str:
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.started.append(x)
        try:
            await self.release.wait()
        finally:
            self.running -= 1
        return x


@pytest.mark.parametrize("limit", [1, 2])
def test_concurrency_limit_caps_parallel_runs(limit: int) -> None:
    async def main() -> Gate:
        gate = Gate()
        engine = await started(app(gate, concurrency_limit=limit))
        for i in range(4):
            join(engine, 0, [str(i)], session_hash=f"s{i}")
        await settle()
        assert gate.running == limit
        assert gate.started == [str(i) for i in range(limit)]
        gate.release.set()
        for i in range(4):
            await drain(engine, f"s{i}")
        await engine.stop()
        return gate

    gate = run(main())
    assert gate.peak == limit
    assert gate.started == ["0", "1", "2", "3"]  # FIFO


def test_default_concurrency_limit_applies_and_none_means_unlimited() -> None:
    async def main() -> tuple[int, int]:
        peaks = []
        for default in (1, None):
            gate = Gate()
            engine = await started(app(gate), default_concurrency_limit=default)
            for i in range(5):
                join(engine, 0, [str(i)], session_hash=f"s{i}")
            await settle()
            peaks.append(gate.running)
            gate.release.set()
            for i in range(5):
                await drain(engine, f"s{i}")
            await engine.stop()
        return peaks[0], peaks[1]

    assert run(main()) == (1, 5)


def test_functions_sharing_a_concurrency_id_share_the_slots() -> None:
    async def main() -> int:
        gate = Gate()
        with gr.Blocks() as demo:
            a, b = gr.Textbox(), gr.Textbox()
            a.submit(gate, a, b, concurrency_id="gpu", concurrency_limit=1)
            b.submit(gate, b, a, concurrency_id="gpu", concurrency_limit=1)
        engine = await started(demo)
        join(engine, 0, ["a"], "s1")
        join(engine, 1, ["b"], "s2")
        await settle()
        running = gate.running
        gate.release.set()
        await drain(engine, "s1")
        await drain(engine, "s2")
        await engine.stop()
        return running

    assert run(main()) == 1


def test_sync_handlers_respect_the_limit_in_the_thread_pool() -> None:
    lock = threading.Lock()
    state = {"running": 0, "peak": 0}
    release = threading.Event()
    two_running = threading.Event()

    def work(x: str) -> str:
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
            if state["running"] == 2:
                two_running.set()
        release.wait(10)
        with lock:
            state["running"] -= 1
        return x

    async def main() -> None:
        engine = await started(app(work, concurrency_limit=2))
        for i in range(6):
            join(engine, 0, [str(i)], session_hash=f"s{i}")
        await asyncio.to_thread(two_running.wait, 10)
        await settle()
        release.set()
        for i in range(6):
            await drain(engine, f"s{i}")
        await engine.stop()

    run(main())
    assert state["peak"] == 2


def test_queue_max_size_raises_queue_full() -> None:
    async def main() -> None:
        gate = Gate()
        engine = await started(app(gate), max_queue_size=2)
        join(engine, 0, ["running"], "s0")  # starts at once: not waiting
        join(engine, 0, ["w1"], "s1")
        join(engine, 0, ["w2"], "s2")
        with pytest.raises(QueueFull, match="Queue is full. Max size is 2 and size is 2."):
            join(engine, 0, ["w3"], "s3")
        assert engine.queue_status()["queue_size"] == 2
        gate.release.set()
        for i in range(3):
            await drain(engine, f"s{i}")
        await engine.stop()

    run(main())


def test_estimation_ranks_follow_the_queue() -> None:
    async def main() -> list[dict[str, Any]]:
        gate = Gate()
        engine = await started(app(gate), status_update_interval=0.0)
        first = join(engine, 0, ["a"], "s0")
        join(engine, 0, ["b"], "s1")
        join(engine, 0, ["c"], "s2")
        await settle()
        await engine.cancel(first)  # "b" starts, so "c" moves up
        await settle()
        gate.release.set()
        msgs = await drain(engine, "s2")
        await engine.stop()
        return msgs

    ranks = [m["rank"] for m in run(main()) if m["msg"] == "estimation"]
    assert ranks[0] == 1  # one event ahead (the first one runs)
    assert ranks[-1] == 0


def test_cancel_a_queued_event() -> None:
    async def main() -> tuple[list[dict[str, Any]], Gate]:
        gate = Gate()
        engine = await started(app(gate))
        join(engine, 0, ["first"], "other")
        event_id = join(engine, 0, ["second"], "s")
        await engine.cancel(event_id, "s")
        msgs = await drain(engine, "s")
        gate.release.set()
        await drain(engine, "other")
        await engine.stop()
        return msgs, gate

    msgs, gate = run(main())
    assert [m["msg"] for m in msgs] == ["estimation", "process_completed", "close_stream"]
    assert msgs[1]["output"] == {} and msgs[1]["success"] is True
    assert gate.started == ["first"]


def test_cancel_a_running_async_event_frees_its_slot() -> None:
    async def main() -> tuple[list[dict[str, Any]], list[str]]:
        cancelled: list[str] = []

        async def forever(x: str) -> str:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(x)
                raise
            return x

        engine = await started(app(forever))
        event_id = join(engine, 0, ["a"], "s")
        join(engine, 0, ["b"], "t")
        await settle()
        await engine.cancel(event_id)
        msgs = await drain(engine, "s")
        await settle()
        assert engine.stats()["running"] == 1  # "b" got the freed slot
        await engine.stop()
        return msgs, cancelled

    msgs, cancelled = run(main())
    assert [m["msg"] for m in msgs][-2:] == ["process_completed", "close_stream"]
    assert msgs[-2]["output"] == {}
    assert cancelled[0] == "a"


def test_cancel_a_running_sync_generator_stops_at_the_next_yield() -> None:
    steps: list[int] = []
    closed = threading.Event()
    first_step = threading.Event()
    proceed = threading.Event()

    def gen(x: str):  # noqa: ANN202
        try:
            for i in range(1000):
                steps.append(i)
                if i == 0:
                    first_step.set()
                    proceed.wait(10)
                yield str(i)
        finally:
            closed.set()

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(gen))
        event_id = join(engine, 0, ["x"], "s")
        await asyncio.to_thread(first_step.wait, 10)
        await engine.cancel(event_id, "s")
        proceed.set()
        msgs = await drain(engine, "s")
        await asyncio.to_thread(closed.wait, 10)
        await engine.stop()
        return msgs

    msgs = run(main())
    assert msgs[-2]["msg"] == "process_completed" and msgs[-2]["output"] == {}
    assert closed.is_set()
    assert len(steps) <= 2


def test_cancelled_sync_function_result_is_discarded() -> None:
    entered = threading.Event()
    proceed = threading.Event()

    def slow(x: str) -> str:
        entered.set()
        proceed.wait(10)
        return "late result"

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(slow))
        event_id = join(engine, 0, ["x"], "s")
        await asyncio.to_thread(entered.wait, 10)
        await engine.cancel(event_id)
        msgs = await drain(engine, "s")
        proceed.set()
        for _ in range(200):
            await asyncio.sleep(0.005)
            if engine.stats()["running"] == 0:
                break
        assert engine.stats() == {"events": 0, "sessions": 1, "channels": 0, "state_sessions": 0, "waiting": 0,
                                  "running": 0}
        await engine.stop()
        return msgs

    msgs = run(main())
    assert all("late result" not in str(m) for m in msgs)
    assert msgs[-2]["output"] == {}


def test_always_last_is_the_browsers_job_the_server_runs_every_call() -> None:
    """Gradio enforces trigger modes in the browser only; API clients that submit three calls get three results."""
    async def main() -> tuple[list[dict[str, Any]], Gate]:
        gate = Gate()
        with gr.Blocks() as demo:
            box, out = gr.Textbox(), gr.Textbox()
            box.change(gate, box, out)  # "change" defaults to trigger_mode="always_last"
        engine = await started(demo)
        join(engine, 0, ["1"], "s")  # runs
        join(engine, 0, ["2"], "s")  # queued behind it, and kept
        join(engine, 0, ["3"], "s")
        await settle()
        gate.release.set()
        msgs = await drain(engine, "s")
        await engine.stop()
        return msgs, gate

    msgs, gate = run(main())
    assert gate.started == ["1", "2", "3"]
    done = [m for m in msgs if m["msg"] == "process_completed"]
    assert [m["output"]["data"] for m in done] == [["1"], ["2"], ["3"]]
    assert [m["msg"] for m in msgs].count("close_stream") == 1 and msgs[-1]["msg"] == "close_stream"


def test_events_of_one_session_start_in_join_order_and_close_stream_comes_last() -> None:
    order: list[str] = []

    def record(x: str) -> str:
        order.append(x)
        return x

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(record, concurrency_limit=3))
        for i in range(10):
            join(engine, 0, [str(i)], "s")
        msgs = await drain(engine, "s")
        await engine.stop()
        return msgs

    msgs = run(main())
    assert [m["msg"] for m in msgs].count("process_completed") == 10
    assert [m["msg"] for m in msgs].count("close_stream") == 1 and msgs[-1]["msg"] == "close_stream"
    assert sorted(order, key=int) == [str(i) for i in range(10)]


def test_ten_thousand_events_leave_no_per_event_residue() -> None:
    async def main() -> dict[str, int]:
        engine = await started(app(lambda x: x), default_concurrency_limit=8)
        for _round in range(100):
            for i in range(100):
                join(engine, 0, [str(i)], f"s{i}")
            for i in range(100):
                await drain(engine, f"s{i}")
        for _ in range(200):  # the last chain's slot is released by a callback from its worker thread
            if engine.stats()["running"] == 0:
                break
            await asyncio.sleep(0.005)
        stats = engine.stats()
        groups = list(engine._groups.values())
        assert all(len(g.waiting) == 0 for g in groups)
        assert all(not s.pending and not s.buffer.messages for s in engine._sessions.values())
        await engine.stop()
        return stats

    assert run(main()) == {"events": 0, "sessions": 100, "channels": 0, "state_sessions": 0, "waiting": 0,
                           "running": 0}


def test_sessions_are_capped() -> None:
    async def main() -> int:
        engine = await started(app(lambda x: x), max_sessions=50)
        for i in range(200):
            join(engine, 0, ["x"], f"s{i}")
            await drain(engine, f"s{i}")
        count = engine.stats()["sessions"]
        await engine.stop()
        return count

    assert run(main()) == 50


def test_fast_sync_handler_events_waiting_in_a_group_run_as_one_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    import podium.queue.engine as engine_module

    hops: list[int] = []
    original = engine_module.run_chain

    def counting_run_chain(engine: EventEngine, chain: list[Any], post: Any) -> None:
        hops.append(len(chain))
        original(engine, chain, post)

    monkeypatch.setattr(engine_module, "run_chain", counting_run_chain)
    release = threading.Event()
    order: list[str] = []

    def block(x: str) -> str:
        release.wait(10)
        return x

    def record(x: str) -> str:
        order.append(x)
        return x

    with gr.Blocks() as demo:
        a, b = gr.Textbox(), gr.Textbox()
        a.submit(block, a, b, concurrency_id="shared")
        b.submit(record, b, a, concurrency_id="shared")

    async def main() -> None:
        engine = await started(demo)
        join(engine, 1, ["warm-up"], "w")
        await drain(engine, "w")  # now its average run time is known (and tiny)
        join(engine, 0, ["x"], "blocker")
        for i in range(10):
            join(engine, 1, [str(i)], f"s{i}")
        release.set()
        for i in range(10):
            msgs = await drain(engine, f"s{i}")
            assert [m["msg"] for m in msgs][-2:] == ["process_completed", "close_stream"]
        await drain(engine, "blocker")
        assert engine.stats()["events"] == 0
        await engine.stop()

    run(main())
    assert order == ["warm-up", *[str(i) for i in range(10)]]
    assert hops == [1, 1, 10]  # warm-up, blocker, then the ten waiting events in one thread hop


def test_cancelling_an_event_of_a_chain_before_its_turn_skips_it() -> None:
    release = threading.Event()
    order: list[str] = []

    def record(x: str) -> str:
        if x == "first":
            release.wait(10)
        order.append(x)
        return x

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(record))
        join(engine, 0, ["warm"], "w")
        await drain(engine, "w")
        engine._plans[0].total_duration = 0.0  # type: ignore[union-attr]  # keep it "fast" whatever the machine
        join(engine, 0, ["zero"], "z")  # runs alone
        join(engine, 0, ["first"], "a")
        second = join(engine, 0, ["second"], "b")
        await drain(engine, "z")
        await settle()  # "first" and "second" now run as one chain; "first" is blocked
        await engine.cancel(second)
        release.set()
        msgs = await drain(engine, "b")
        await drain(engine, "a")
        await engine.stop()
        return msgs

    msgs = run(main())
    assert msgs[-2]["output"] == {} and msgs[-2]["msg"] == "process_completed"
    assert order == ["warm", "zero", "first"]


def test_an_event_joining_before_the_reader_saw_close_stream_keeps_the_stream_open() -> None:
    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: x))
        join(engine, 0, ["a"], "s")
        for _ in range(200):  # wait until "a" finished and its close_stream is buffered
            await asyncio.sleep(0.005)
            if engine.stats()["events"] == 0:
                break
        join(engine, 0, ["b"], "s")  # joins before the client read that close_stream
        msgs = await drain(engine, "s")
        await engine.stop()
        return msgs

    msgs = run(main())
    assert [m["output"]["data"] for m in msgs if m["msg"] == "process_completed"] == [["a"], ["b"]]
    assert [m["msg"] for m in msgs].count("close_stream") == 1 and msgs[-1]["msg"] == "close_stream"


def test_close_stream_waits_briefly_for_another_event_of_the_session() -> None:
    """gradio_client may join from another thread just as an event completes, while its reader is open."""

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: x), close_stream_delay=30.0)
        join(engine, 0, ["a"], "s")
        msgs = []
        async for message in engine.stream("s"):
            msgs.append(message)
            if message["msg"] == "process_completed" and message["output"]["data"] == ["a"]:
                join(engine, 0, ["b"], "s")  # arrives after "a" completed: the stream must stay open
            if message["msg"] == "process_completed" and message["output"]["data"] == ["b"]:
                break
        assert engine._sessions["s"].close_handle is not None
        await engine.stop()
        return msgs

    msgs = run(main())
    assert "close_stream" not in [m["msg"] for m in msgs]
    assert [m["output"]["data"] for m in msgs if m["msg"] == "process_completed"] == [["a"], ["b"]]


def test_close_stream_is_sent_after_the_delay() -> None:
    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: x), close_stream_delay=0.01)
        join(engine, 0, ["a"], "s")
        msgs = await drain(engine, "s")
        await engine.stop()
        return msgs

    assert [m["msg"] for m in run(main())][-2:] == ["process_completed", "close_stream"]


def test_a_close_stream_buffered_before_later_events_is_skipped_even_when_they_finished() -> None:
    """The client opened its reader late: every message is buffered, the first close_stream is stale."""

    async def main() -> list[dict[str, Any]]:
        engine = await started(app(lambda x: x))
        for word in ("a", "b"):
            join(engine, 0, [word], "s")
            for _ in range(200):
                await asyncio.sleep(0.005)
                if engine.stats()["events"] == 0:
                    break
        msgs = await drain(engine, "s")
        await engine.stop()
        return msgs

    msgs = run(main())
    assert [m["output"]["data"] for m in msgs if m["msg"] == "process_completed"] == [["a"], ["b"]]
    assert [m["msg"] for m in msgs].count("close_stream") == 1 and msgs[-1]["msg"] == "close_stream"


def test_a_second_reader_of_a_session_takes_over_from_the_first() -> None:
    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        gate = Gate()
        engine = await started(app(gate))
        join(engine, 0, ["a"], "s")
        first = asyncio.ensure_future(drain(engine, "s"))
        await settle()
        second = asyncio.ensure_future(drain(engine, "s"))
        await settle()
        assert first.done()  # the older reader stopped
        gate.release.set()
        result = (await first, await second)
        await engine.stop()
        return result

    first, second = run(main())
    assert [m["msg"] for m in first] == ["estimation", "process_starts"]
    assert [m["msg"] for m in second] == ["process_completed", "close_stream"]
