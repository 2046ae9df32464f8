"""Helpers shared by the engine tests (test_engine_events.py, test_engine_streaming.py): start an engine,
join events, read streams. Not a test module: those files load it by path (pytest's importlib mode)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import podium as gr
from podium.queue.engine import EventEngine
from podium.request import RequestInfo


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))


async def started(blocks: gr.Blocks, **options: Any) -> EventEngine:
    options.setdefault("close_stream_delay", 0.0)  # tests read many streams to their end
    engine = EventEngine(blocks, files=options.pop("files", None), **options)
    await engine.start()
    return engine


async def drain(engine: EventEngine, session_hash: str) -> list[dict[str, Any]]:
    return [m async for m in engine.stream(session_hash)]


async def call(engine: EventEngine, fn_index: int, data: list[Any], session_hash: str = "s", **kw: Any) -> list[dict[str, Any]]:
    """Join one event and read the session's stream to its close_stream."""
    engine.join(fn_index=fn_index, data=data, session_hash=session_hash, request=kw.pop("request", RequestInfo()), **kw)
    return await drain(engine, session_hash)


def completed(msgs: list[dict[str, Any]]) -> dict[str, Any]:
    done = [m for m in msgs if m["msg"] == "process_completed"]
    assert len(done) == 1, msgs
    return done[0]


def app(fn: Callable[..., Any], n_in: int = 1, n_out: int = 1, **options: Any) -> gr.Blocks:
    with gr.Blocks() as demo:
        ins = [gr.Textbox() for _ in range(n_in)]
        outs = [gr.Textbox() for _ in range(n_out)]
        btn = gr.Textbox()
        btn.submit(fn, ins, outs, **options)
    return demo
