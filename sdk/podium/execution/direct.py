"""Running one event to its end without the queue: `/run/{api_name}` and `unload` handlers.

No messages are sent: generators run to the end (their State is stored at every yield) and the final
output dict is returned; `gr.Info`/`gr.Warning` go to the server log.
"""

from __future__ import annotations

import time
from typing import Any

from podium.exceptions import log_sink
from podium.execution.invoke import Invoker
from podium.execution.run import CallContext, HandlerPlan, error_output, log_failure, normalize_data, state_inputs
from podium.execution.state import SessionStateStore
from podium.queue import messages
from podium.queue.errors import EventFailed
from podium.queue.reporting import log_to_server


async def run_to_end(invoker: Invoker, plan: HandlerPlan, data: list[Any], ctx: CallContext,
                     state: SessionStateStore, session_hash: str, show_error: bool) -> dict[str, Any]:
    """Run `plan` once and return its output dict; a failure raises `EventFailed` with the error output.

    Sets contextvars: run it in its own task.
    """
    log_sink.set(log_to_server)
    started = time.perf_counter()

    def store(new_state: dict[int, Any]) -> None:
        for component_id, value in new_state.items():
            state.set(session_hash, component_id, value, ctx.blocks.blocks.get(component_id))  # type: ignore[arg-type]

    try:
        values = normalize_data(plan, data)
        states = state_inputs(plan, lambda c: state.get(session_hash, c))
        if plan.block_fn.batch:
            payloads, new_state = (await invoker.run_batch(plan, [values], [states], ctx, ctx.request.root_url))[0]
        else:
            on_yield = (lambda p, s: store(s)) if plan.is_generator else None
            payloads, new_state = await invoker.run(plan, values, states, ctx, ctx.request.root_url, on_yield,
                                                    plan.block_fn.time_limit)
    except Exception as exc:  # noqa: BLE001 - any handler error becomes the error output
        log_failure(plan.name, exc)
        raise EventFailed(error_output(exc, show_error)) from None
    duration = time.perf_counter() - started
    plan.record_duration(duration)
    store(new_state)
    return messages.output_dict(payloads, is_generating=False, duration=duration,
                                average_duration=plan.average_duration)
