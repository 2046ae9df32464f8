"""The Spaces router's overhead: p50 latency and throughput of a small app directly and through the router.

Starts a private Postgres cluster (infra/postgres/cluster.sh) in a temporary folder, migrates it, inserts one
public Space `demo` of user `alice` whose runtime points at a small Starlette app (uvicorn, one process), serves
the router with `python -m podium_services.router` (`--router-workers`, default one process), and drives both
over loopback with load/_http.py's keep-alive client (one process, this one): latency with one client (requests
one after another), throughput with `--clients` connections at once. Prints both, the ratios against the issue's
targets (router adds under 2 ms at p50, keeps at least 70% of direct throughput), and the CPU time per request of
the app, the router (all its workers) and the load generator, read from /proc.

    .venv/bin/python load/bench_router.py [--clients 16] [--duration 5] [--router-workers 1]
    PODIUM_ROUTER_SERVER=uvicorn .venv/bin/python load/bench_router.py   # the same app served by uvicorn

The router runs with its own server (podium_cp/router/server.py) unless PODIUM_ROUTER_SERVER says otherwise (the
variable is passed on to it); compare both on the same machine in the same minutes.

CPU: nothing is pinned. "direct" runs the app (one process, so at most one core) and the load generator;
"router" runs the same app, the router and the load generator on the same cores. On a 2-core machine the router
path is CPU-bound (app + router + load generator saturate both cores) while the direct path is bound by the app's
one core, so the throughput ratio is roughly (load + app) / (load + app + router) per request, and it moves with
whatever else the machine runs. The CPU-per-request figures do not depend on that: "one router process on its own
core keeps X%" compares the router's CPU per request with the app's, i.e. what an edge with its own cores gets.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _http import Connection  # noqa: E402
from _server import cpu_seconds, free_port, start_postgres, stop_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SPACE_HOST = "demo--alice.spaces.localhost"
APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def hello(request):
    return JSONResponse({"hello": "world", "items": list(range(20))})

app = Starlette(routes=[Route("/hello", hello)])
"""


@dataclass
class AddressedConnection(Connection):
    """A keep-alive connection whose Host header names `host` while the socket goes to `address`."""

    address: str = "127.0.0.1"

    async def _ensure_open(self) -> None:
        if self._writer is None or not self._reusable or self._writer.is_closing():
            await self.close()
            self._reader, self._writer = await asyncio.open_connection(self.address, self.port)
            self._reusable = True






def wait_answers(port: int, host: str, timeout: float = 30.0) -> None:
    async def once() -> int:
        connection = AddressedConnection(host, port)
        try:
            return (await connection.request("GET", "/hello")).status
        finally:
            await connection.close()

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if asyncio.run(once()) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"bench_router: nothing answered on port {port} as {host} within {timeout:.0f} s")


async def latency(port: int, host: str, requests: int) -> list[float]:
    """Milliseconds per request, one client, one request after another."""
    connection = AddressedConnection(host, port)
    times: list[float] = []
    try:
        for _ in range(requests):
            start = time.perf_counter()
            response = await connection.request("GET", "/hello")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status == 200, response.status
    finally:
        await connection.close()
    return times


async def throughput(port: int, host: str, clients: int, duration: float) -> tuple[float, int]:
    """Requests per second with `clients` keep-alive connections for `duration` seconds, and the errors."""
    done = errors = 0
    stop = time.perf_counter() + duration

    async def client() -> None:
        nonlocal done, errors
        connection = AddressedConnection(host, port)
        try:
            while time.perf_counter() < stop:
                try:
                    response = await connection.request("GET", "/hello")
                except OSError:
                    errors += 1
                    continue
                if response.status == 200:
                    done += 1
                else:
                    errors += 1
        finally:
            await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done / (time.perf_counter() - start), errors


def seed(url: str, app_port: int) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        user_id = conn.execute(text(
            "INSERT INTO users (username, email, display_name, is_site_admin, created_at) "
            "VALUES ('alice', 'alice@example.com', '', false, now()) RETURNING id")).scalar_one()
        space_id = conn.execute(text(
            "INSERT INTO spaces (name, owner_name, owner_user_id, title, sdk, visibility, hardware, sleep_time, "
            "desired_state, stage, stage_message, restart_generation, created_at, updated_at) VALUES ('demo', "
            "'alice', :u, '', 'podium', 'public', 'cpu-basic', 3600, 'running', 'RUNNING', '', 0, now(), now()) "
            "RETURNING id"), {"u": user_id}).scalar_one()
        conn.execute(text(
            "INSERT INTO space_runtimes (space_id, backend, url, status, restart_generation, restarts, last_error, "
            "updated_at) VALUES (:s, 'docker', :url, 'running', 0, 0, '', now())"),
            {"s": space_id, "url": f"http://127.0.0.1:{app_port}"})
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16, help="connections at once for the throughput run")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per throughput run")
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests for the latency run")
    parser.add_argument("--router-workers", type=int, default=1, help="router worker processes (the app runs one)")
    args = parser.parse_args()

    parent = Path(tempfile.mkdtemp(prefix="podium-bench-router-"))
    parent.chmod(0o755)
    (parent / "upstream_app.py").write_text(APP)
    app_port, router_port = free_port(), free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        url = start_postgres(parent / "pg", "bench_router")
        seed(url, app_port)
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(parent), "upstream_app:app", "--port", str(app_port),
             "--log-level", "warning", "--no-access-log"], cwd=ROOT))
        env = {**os.environ, "PODIUM_DATABASE_URL": url, "PODIUM_DATA_DIR": str(parent)}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "podium_services.router", "--port", str(router_port),
             "--workers", str(args.router_workers)], env=env, cwd=ROOT))
        wait_answers(app_port, "127.0.0.1")
        wait_answers(router_port, SPACE_HOST)
        targets = {"direct": (app_port, "127.0.0.1"), "router": (router_port, SPACE_HOST)}
        results: dict[str, dict[str, float]] = {}
        app_pid, router_pid = processes[0].pid, processes[1].pid
        for name, (port, host) in targets.items():
            asyncio.run(latency(port, host, 200))  # warm-up
            times = asyncio.run(latency(port, host, args.requests))
            before = (cpu_seconds(app_pid), cpu_seconds(router_pid))
            load_before = time.process_time()
            start = time.perf_counter()
            rps, errors = asyncio.run(throughput(port, host, args.clients, args.duration))
            requests = max(1.0, rps * (time.perf_counter() - start))
            load_ms = (time.process_time() - load_before) / requests * 1000
            app_ms, router_ms = ((cpu_seconds(pid) - was) / requests * 1000
                                 for pid, was in zip((app_pid, router_pid), before, strict=True))
            results[name] = {"p50": statistics.median(times), "p99": statistics.quantiles(times, n=100)[98],
                             "rps": rps, "errors": errors, "app_cpu_ms": app_ms, "router_cpu_ms": router_ms}
            print(f"{name:<8} p50 {results[name]['p50']:.2f} ms  p99 {results[name]['p99']:.2f} ms  "
                  f"{rps:,.0f} req/s ({args.clients} clients)  errors {errors}  "
                  f"CPU ms per request: app {app_ms:.3f}, router {router_ms:.3f}, load {load_ms:.3f}", flush=True)
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        stop_postgres(parent / "pg")
        shutil.rmtree(parent, ignore_errors=True)

    added = results["router"]["p50"] - results["direct"]["p50"]
    ratio = results["router"]["rps"] / results["direct"]["rps"]
    print(f"\nrouter adds {added:.2f} ms at p50 (target < 2 ms: {'met' if added < 2 else 'NOT met'})")
    print(f"router keeps {ratio:.0%} of direct throughput (target >= 70%: {'met' if ratio >= 0.7 else 'NOT met'})")
    print(f"({os.cpu_count()} cores shared by the app, the router, Postgres and this load generator)")
    # With a core of its own, one router process serves 1000/router_cpu_ms requests/s: compare with the app's.
    app_ms, router_ms = results["direct"]["app_cpu_ms"], results["router"]["router_cpu_ms"]
    if router_ms > 0 and app_ms > 0:
        print(f"CPU per request: router {router_ms:.3f} ms vs app {app_ms:.3f} ms -> one router process on its own "
              f"core keeps {min(1.0, app_ms / router_ms):.0%} of one app process's throughput")
    return 0


if __name__ == "__main__":
    sys.exit(main())
