"""The calls the benchmark makes and the loops that drive them (sequential and concurrent).

Two wire paths, both from `shared/specs/gradio-wire-protocol.md`:
- REST (section 4): `POST /gradio_api/call/<api>`, then `GET /gradio_api/call/<api>/{event_id}` until `complete`;
- queue (section 3, what gradio_client and the JS client use): `POST /gradio_api/queue/join`, then
  `GET /gradio_api/queue/data?session_hash=...` until this event's `process_completed`.
Latency runs from the first byte sent to the final event's arrival. A stream that has not ended 20 ms after
its final event is dropped and the next call opens a new connection (Podium holds a session's stream open
briefly for the session's next event), so each queue call uses a fresh session.
A call counts as an error on a non-2xx status, a missing final event, a wrong answer, or a timeout.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from _http import Connection, HTTPError, SSEEvent

NAME = "World"
EXPECTED = "Hello, World!"
CALL_TIMEOUT_S = 30.0

# A call returns time.perf_counter() when the right final answer arrived, or None for a wrong or missing one.
Call = Callable[[Connection], Awaitable[float | None]]


def rest_call_factory(api_name: str) -> Call:
    """A REST call of endpoint `api_name`: True when the `complete` event carries the expected answer."""

    async def rest_call(conn: Connection) -> float | None:
        resp = await conn.request("POST", f"/gradio_api/call/{api_name}", {"data": [NAME]})
        if resp.status != 200:
            return None
        event_id = json.loads(resp.body)["event_id"]
        status, events, done_at = await conn.sse(
            f"/gradio_api/call/{api_name}/{event_id}", lambda e: e.event in ("complete", "error")
        )
        if status != 200 or done_at is None or events[-1].event != "complete":
            return None
        return done_at if json.loads(events[-1].data) == [EXPECTED] else None

    return rest_call


def queue_call_factory(fn_index: int, trigger_id: int | None) -> Call:
    """A queue/join + queue/data call for dependency `fn_index`, in a fresh session."""

    async def queue_call(conn: Connection) -> float | None:
        # A fresh session per call: dropping a lingering stream then cannot cancel the session's next event.
        session = uuid.uuid4().hex
        body = {
            "data": [NAME],
            "fn_index": fn_index,
            "session_hash": session,
            "event_data": None,
            "trigger_id": trigger_id,
        }
        resp = await conn.request("POST", "/gradio_api/queue/join", body)
        if resp.status != 200:
            return None
        event_id = json.loads(resp.body)["event_id"]

        def is_done(event: SSEEvent) -> bool:
            msg = json.loads(event.data) if event.data else {}
            return isinstance(msg, dict) and msg.get("event_id") == event_id and msg.get("msg") == "process_completed"

        status, events, done_at = await conn.sse(f"/gradio_api/queue/data?session_hash={session}", is_done)
        if status != 200 or done_at is None:
            return None
        final = json.loads(events[-1].data)
        ok = bool(final.get("success")) and final.get("output", {}).get("data") == [EXPECTED]
        return done_at if ok else None

    return queue_call


@dataclass
class RunStats:
    """Latencies of the successful calls and the error count of one loop."""

    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0

    def add_error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    @property
    def ok(self) -> int:
        return len(self.latencies_s)

    def percentile_ms(self, pct: float) -> float | None:
        if not self.latencies_s:
            return None
        ordered = sorted(self.latencies_s)
        index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
        return ordered[index] * 1000

    def p50_ms(self) -> float | None:
        return statistics.median(self.latencies_s) * 1000 if self.latencies_s else None

    def throughput(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0


async def _one(call: Call, conn: Connection, stats: RunStats) -> None:
    start = time.perf_counter()
    try:
        done_at = await asyncio.wait_for(call(conn), CALL_TIMEOUT_S)
    except asyncio.TimeoutError:
        stats.add_error("timeout")
        await conn.close()
        return
    except (HTTPError, OSError, ValueError, KeyError) as exc:
        stats.add_error(type(exc).__name__)
        await conn.close()
        return
    if done_at is not None:
        stats.latencies_s.append(done_at - start)  # to the final answer, not to the stream's end
    else:
        stats.add_error("bad response")


async def sequential(port: int, call: Call, count: int, max_seconds: float) -> RunStats:
    """One client, one keep-alive connection, `count` calls back to back (stops early at `max_seconds`)."""
    conn = Connection("127.0.0.1", port)
    stats = RunStats()
    cpu0, start = time.process_time(), time.perf_counter()
    deadline = start + max_seconds
    for _ in range(count):
        if time.perf_counter() > deadline:
            break
        await _one(call, conn, stats)
    stats.elapsed_s = time.perf_counter() - start
    stats.client_cpu_s = time.process_time() - cpu0
    await conn.close()
    return stats


async def concurrent(port: int, call: Call, clients: int, duration_s: float) -> RunStats:
    """`clients` clients, each on its own connection, calling back to back for `duration_s` seconds.

    Calls in flight at the deadline are allowed to finish (bounded by the call timeout); throughput is
    successful calls divided by the time until the last client stopped.
    """
    stats = RunStats()
    start = time.perf_counter()
    deadline = start + duration_s

    async def client() -> None:
        conn = Connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            await _one(call, conn, stats)
        await conn.close()

    cpu0 = time.process_time()
    await asyncio.gather(*(client() for _ in range(clients)))
    stats.elapsed_s = time.perf_counter() - start
    stats.client_cpu_s = time.process_time() - cpu0
    return stats


def find_endpoint(config: dict[str, Any]) -> tuple[str, int, int | None]:
    """(api_name, fn_index, trigger component id) of the app's first public Python endpoint in `/config`.

    Gradio 6 names an Interface's endpoint after its function (`greet`), older versions `predict`.
    """
    for dep in config.get("dependencies", []):
        if dep.get("backend_fn") and dep.get("api_name") and dep.get("api_visibility", "public") == "public":
            targets = dep.get("targets") or []
            trigger = targets[0][0] if targets and isinstance(targets[0], list) else None
            return str(dep["api_name"]), int(dep.get("id", 0)), trigger
    raise ValueError("no public Python endpoint in /config")
