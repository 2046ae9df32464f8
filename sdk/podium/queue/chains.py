"""Chains: several queued events of one fast sync handler run back to back in a single thread hop.

A thread hop costs more than a trivial handler: the worker must get the GIL from a busy event loop (up
to `sys.getswitchinterval()`, 5 ms) and the result must come back through the loop. When a group has
events waiting for a plain sync handler whose runs are short, the slot that frees takes a chain of them
(FIFO order kept) and runs them one after another in the pool; each result is posted back to the loop as
soon as it is ready. The group's slot stays taken until the whole chain is done, so concurrency limits
hold exactly. Handlers with State or Progress never chain (State must be read after the previous run of
the same session stored it; both are simplest on the loop).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from podium.exceptions import log_sink
from podium.execution.invoke import call_sync
from podium.execution.run import CallContext, log_failure, normalize_data

if TYPE_CHECKING:
    from podium.queue.engine import EventEngine
    from podium.queue.events import Event
    from podium.queue.groups import ConcurrencyGroup

CHAIN_MAX_EVENTS = 32
CHAIN_MAX_SECONDS = 0.005  # a chain is only as long as this many seconds of average run time
FAST_HANDLER_SECONDS = 0.002  # only handlers that usually finish faster than this chain at all


def chain_length(group: ConcurrencyGroup, average: float | None) -> int:
    """How many more waiting events the slot being filled may take along (0: run just this one)."""
    if average is None or average > FAST_HANDLER_SECONDS or group.limit is None or not group.size:
        return 0
    by_time = int(CHAIN_MAX_SECONDS / max(average, 1e-6))
    free_after = max(group.limit - group.active, 0)  # slots still free once this one is taken
    fair_share = group.size // (free_after + 1)  # leave work for the other free slots
    return max(0, min(CHAIN_MAX_EVENTS - 1, by_time, fair_share))


def take_chain(group: ConcurrencyGroup, first: Event, more: int) -> list[Event]:
    """`first` plus up to `more` events of the same handler from the head of the queue (FIFO kept)."""
    from podium.queue.events import QUEUED

    chain = [first]
    waiting = group.waiting
    while waiting and len(chain) <= more:
        event = waiting[0]
        if event.state != QUEUED:
            waiting.popleft()
            continue
        if event.plan is not first.plan:
            break  # another handler is next in line: it must not be overtaken
        waiting.popleft()
        group.size -= 1
        chain.append(event)
    return chain


def run_chain(engine: EventEngine, chain: list[Event], post: Callable[..., None]) -> None:
    """Thread pool: run each event of the chain and post its outcome to the loop; then free the slot."""
    from podium.queue.events import DONE

    try:
        for event in chain:
            if event.state == DONE:  # cancelled before its turn
                continue
            outcome = contextvars.copy_context().run(_run_one, engine, event, post)
            post(engine._chain_event_done, event, *outcome)
    finally:
        post(engine._chain_done, chain)


def _run_one(engine: EventEngine, event: Event, post: Callable[..., None]) -> tuple[bool, Any, float]:
    log_sink.set(engine._log_sink_for(event))
    plan = event.plan
    started = time.perf_counter()
    try:
        data = normalize_data(plan, event.data)
        ctx = CallContext(engine.blocks, event.request, event.event_data, event.trigger_id)
        payloads, _ = call_sync(plan, data, {}, ctx, engine.files, event.request.root_url)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - any handler error becomes an error message
        log_failure(plan.name, exc)
        return False, exc, time.perf_counter() - started
    return True, payloads, time.perf_counter() - started
