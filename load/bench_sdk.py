"""Podium vs Gradio on the same app, side by side: start-up, latency, throughput, memory.

Runs `load/apps/echo.py` (a `gr.Interface` greet demo) once with Gradio (in `.venv-gradio`) and once with
Podium (this interpreter), one after the other, on this machine, and prints each figure and the ratio,
stated so that a bigger ratio means Podium is better. See `load/README.md` and `docs/performance.md`.

    .venv/bin/python load/bench_sdk.py                      # both, ~2 minutes
    .venv/bin/python load/bench_sdk.py --only podium --duration 5 --json out.json

The server is pinned to CPU 0 and this load generator to CPU 1 (when the machine has 2+ cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scenarios import RunStats, concurrent, find_endpoint, queue_call_factory, rest_call_factory, sequential  # noqa: E402
from _server import BENCH_ENV, ServerProcess, cpu_busy_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "load" / "apps" / "echo.py"
SERVER_CPUS = {0}
CLIENT_CPUS = {1}
GRADIO_CLIENT_FLOOR_NOTE = (
    "gradio_client's reader sleeps 50 ms whenever an event's message queue is empty, so its latency moves in"
    " ~50 ms steps: that row measures the client's polling more than the server"
)


# --- environment ---------------------------------------------------------------------------------


def gradio_python() -> str | None:
    """The interpreter that has Gradio: $PODIUM_GRADIO_PYTHON, else .venv-gradio/bin/python, if it imports gradio."""
    candidate = os.environ.get("PODIUM_GRADIO_PYTHON") or str(ROOT / ".venv-gradio" / "bin" / "python")
    if not Path(candidate).exists():
        return None
    probe = subprocess.run([candidate, "-c", "import gradio"], capture_output=True, timeout=120)
    return candidate if probe.returncode == 0 else None


def library_version(python: str, module: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [python, "-c", f"import {module}; print({module}.__version__)"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    return out.stdout.strip() or "?"


def machine_summary() -> dict[str, Any]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


# --- measurements --------------------------------------------------------------------------------


def import_cost(python: str, env: dict[str, str], code: str, runs: int, cpus: set[int] | None) -> dict[str, float]:
    """Median wall seconds of `python -c code` (interpreter start included), its max RSS (MiB), modules loaded."""
    walls, rss = [], []
    # VmHWM, not ru_maxrss: the latter keeps the forked parent's high-water mark across exec.
    script = (
        f"{code}\nimport sys\n"
        "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print(len(sys.modules), hwm)"
    )
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [python, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=str(ROOT / "load"),
            env={**os.environ, **BENCH_ENV, **env, "BENCH_NO_LAUNCH": "1"},
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        walls.append(time.perf_counter() - start)
        if out.returncode != 0:
            raise RuntimeError(f"`{code}` failed:\n{out.stderr[-2000:]}")
        modules, maxrss_kib = out.stdout.strip().splitlines()[-1].split()
        rss.append(int(maxrss_kib) / 1024)
    return {"wall_s": statistics.median(walls), "max_rss_mib": statistics.median(rss), "modules": int(modules)}


def time_to_serving(python: str, env: dict[str, str], runs: int, cpus: set[int] | None) -> list[float]:
    """Seconds from spawning `python app.py` until `GET /config` answers 200; one untimed warm-up spawn first."""
    times = []
    for i in range(runs + 1):
        server = ServerProcess.spawn(python, APP, env, cpus)
        try:
            seconds = server.wait_serving()
        finally:
            server.stop()
        if i > 0:  # the first spawn warms the page cache and writes .pyc files
            times.append(seconds)
    return times


def gradio_client_latency(port: int, api_name: str, calls: int) -> dict[str, Any]:
    """Sequential `gradio_client.Client.predict` latency (the real client, from this venv)."""
    try:
        from gradio_client import Client
    except ImportError:
        return {"error": "gradio_client is not installed in this venv"}
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for _ in range(3):
            client.predict("World", api_name=f"/{api_name}")
        latencies = []
        for _ in range(calls):
            start = time.perf_counter()
            result = client.predict("World", api_name=f"/{api_name}")
            latencies.append(time.perf_counter() - start)
            if result != "Hello, World!":
                return {"error": f"unexpected result {result!r}"}
        client.close() if hasattr(client, "close") else None
    except Exception as exc:  # report, don't crash the whole benchmark
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"p50_ms": statistics.median(latencies) * 1000, "calls": calls}


def stats_dict(stats: RunStats, server_cpu_s: float | None = None, cpu0_busy_s: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ok": stats.ok,
        "errors": stats.errors,
        "error_kinds": stats.error_kinds,
        "elapsed_s": round(stats.elapsed_s, 3),
        "p50_ms": stats.p50_ms(),
        "p99_ms": stats.percentile_ms(99),
        "throughput_rps": stats.throughput(),
        "client_cpu_pct": 100 * stats.client_cpu_s / stats.elapsed_s if stats.elapsed_s else None,
    }
    if server_cpu_s is not None:
        out["server_cpu_pct"] = 100 * server_cpu_s / stats.elapsed_s if stats.elapsed_s else None
        out["server_cpu_ms_per_call"] = 1000 * server_cpu_s / stats.ok if stats.ok else None
    if server_cpu_s is not None and cpu0_busy_s is not None and stats.elapsed_s:
        # CPU 0 time not used by the server: other processes on this machine competing with it.
        out["other_cpu0_pct"] = max(0.0, 100 * (cpu0_busy_s - server_cpu_s) / stats.elapsed_s)
    return out


def measure_library(label: str, python: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Every figure for one library; prints progress to stderr."""
    cpus = SERVER_CPUS if args.pin else None
    module = env["BENCH_UI"]
    result: dict[str, Any] = {"version": library_version(python, module, env)}
    say = lambda msg: print(f"[{label}] {msg}", file=sys.stderr, flush=True)  # noqa: E731

    say(f"import {module} x{args.import_runs}")
    result["import"] = import_cost(python, env, f"import {module}", args.import_runs, cpus)
    result["import_and_build_app"] = import_cost(
        python, env, f"import runpy; runpy.run_path({str(APP)!r})", args.build_runs, cpus
    )
    say(f"time to serving x{args.serving_runs} (+1 warm-up)")
    serving = time_to_serving(python, env, args.serving_runs, cpus)
    result["time_to_serving_s"] = {"median": statistics.median(serving), "runs": serving}

    say("load phases")
    server = ServerProcess.spawn(python, APP, env, cpus)
    try:
        server.wait_serving()
        result["rss_idle_mib"] = server.rss_mib()
        config = json.loads(_get(server.port, "/config"))
        api_name, fn_index, trigger_id = find_endpoint(config)
        result["api_name"] = api_name
        rest_call = rest_call_factory(api_name)
        queue_call = queue_call_factory(fn_index, trigger_id)
        port = server.port

        # Warm-up: both paths sequentially, then a short burst at full concurrency (not measured).
        run_async(sequential(port, rest_call, 20, 10))
        run_async(sequential(port, queue_call, 20, 10))
        run_async(concurrent(port, rest_call, args.clients, 1.0))

        say("REST, 1 client")
        result["rest_1"] = stats_dict(run_async(sequential(port, rest_call, args.seq_calls, 8)))
        say(f"REST, {args.clients} clients, {args.duration:.0f} s")
        cpu0, busy0 = server.cpu_seconds(), cpu_busy_seconds(0)
        stats = run_async(concurrent(port, rest_call, args.clients, args.duration))
        result["rest_n"] = stats_dict(stats, server.cpu_seconds() - cpu0, cpu_busy_seconds(0) - busy0)
        result["rss_after_rest_load_mib"] = server.rss_mib()

        if not args.skip_queue:
            say("queue, 1 client")
            result["queue_1"] = stats_dict(run_async(sequential(port, queue_call, args.seq_calls, 8)))
            say(f"queue, {args.clients} clients, {args.queue_duration:.0f} s")
            cpu0, busy0 = server.cpu_seconds(), cpu_busy_seconds(0)
            stats = run_async(concurrent(port, queue_call, args.clients, args.queue_duration))
            result["queue_n"] = stats_dict(stats, server.cpu_seconds() - cpu0, cpu_busy_seconds(0) - busy0)

        say(f"gradio_client.predict x{args.gc_calls}")
        result["gradio_client"] = gradio_client_latency(port, api_name, args.gc_calls)
        result["rss_after_load_mib"] = server.rss_mib()
        if server.proc.poll() is not None:
            result["server_died"] = server.log_tail()
    finally:
        server.stop()
    return result


def run_async(coro: Any) -> Any:
    """Run a load loop on uvloop when it is installed (less client CPU per request), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _get(port: int, path: str) -> bytes:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


# --- report --------------------------------------------------------------------------------------

# (label, path into the result, how Podium's figure compares, unit): "faster"/"less"/"lower" = smaller is
# better (ratio Gradio/Podium), "more" = bigger is better (ratio Podium/Gradio), "count" = error count.
ROWS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("import <lib> (wall, median)", ("import", "wall_s"), "faster", "s"),
    ("import <lib> max RSS", ("import", "max_rss_mib"), "less", "MiB"),
    ("import <lib> modules loaded", ("import", "modules"), "less", "#"),
    ("import + build the app (no launch)", ("import_and_build_app", "wall_s"), "faster", "s"),
    ("import + build the app max RSS", ("import_and_build_app", "max_rss_mib"), "less", "MiB"),
    ("time to serving: spawn -> GET /config 200", ("time_to_serving_s", "median"), "faster", "s"),
    ("RSS idle after start", ("rss_idle_mib",), "less", "MiB"),
    ("REST call p50, 1 client", ("rest_1", "p50_ms"), "faster", "ms"),
    ("REST calls/s, 1 client", ("rest_1", "throughput_rps"), "more", "/s"),
    ("REST throughput, N clients", ("rest_n", "throughput_rps"), "more", "/s"),
    ("REST p50, N clients", ("rest_n", "p50_ms"), "lower", "ms"),
    ("REST p99, N clients", ("rest_n", "p99_ms"), "lower", "ms"),
    ("REST errors, N clients", ("rest_n", "errors"), "count", ""),
    ("server CPU per REST call, N clients", ("rest_n", "server_cpu_ms_per_call"), "less", "ms"),
    ("queue join+data p50, 1 client", ("queue_1", "p50_ms"), "faster", "ms"),
    ("queue throughput, N clients", ("queue_n", "throughput_rps"), "more", "/s"),
    ("queue p99, N clients", ("queue_n", "p99_ms"), "lower", "ms"),
    ("queue errors, N clients", ("queue_n", "errors"), "count", ""),
    ("gradio_client.predict p50 (sequential)", ("gradio_client", "p50_ms"), "faster", "ms"),
    ("RSS after load", ("rss_after_load_mib",), "less", "MiB"),
]


def _dig(result: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    if not unit:
        return str(value)
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "#":
        return str(value)
    return f"{value:.0f}{unit}"


def _ratio(gradio: Any, podium: Any, word: str) -> str:
    if word == "count":
        return "-" if podium is None else ("no errors" if podium == 0 else f"Podium {podium} errors")
    if gradio is None or podium is None or not gradio or not podium:
        return "-"
    if word == "more":
        return f"{podium / gradio:.1f}x more"
    return f"{gradio / podium:.1f}x {word}"


def render_table(results: dict[str, dict[str, Any] | None], clients: int) -> str:
    gradio, podium = results.get("gradio"), results.get("podium")
    headers = [
        "metric",
        f"Gradio {gradio['version']}" if gradio else "Gradio",
        f"Podium {podium['version']}" if podium else "Podium",
        "Podium vs Gradio",
    ]
    rows = []
    for label, path, word, unit in ROWS:
        g, p = _dig(gradio, path), _dig(podium, path)
        if g is None and p is None:
            continue
        rows.append(
            [label.replace("N clients", f"{clients} clients"), _fmt(g, unit), _fmt(p, unit), _ratio(g, p, word)]
        )
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(4)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def check_targets(results: dict[str, dict[str, Any] | None]) -> list[tuple[str, bool | None, str]]:
    """The issue's targets: (target, met or None when not measurable, the figures behind it)."""
    g, p = results.get("gradio"), results.get("podium")
    out: list[tuple[str, bool | None, str]] = []

    def ratio(path: tuple[str, ...], higher: bool) -> float | None:
        gv, pv = _dig(g, path), _dig(p, path)
        if not gv or not pv:
            return None
        return pv / gv if higher else gv / pv

    r = ratio(("time_to_serving_s", "median"), higher=False)
    out.append(("time to serving >= 5x faster", None if r is None else r >= 5, f"{r:.1f}x" if r else "-"))
    r = ratio(("rest_n", "throughput_rps"), higher=True)
    out.append(("throughput at 50 clients >= 10x (REST)", None if r is None else r >= 10, f"{r:.1f}x" if r else "-"))
    r = ratio(("rss_after_load_mib",), higher=False)
    out.append(("memory <= 1/3 of Gradio (RSS after load)", None if r is None else r >= 3, f"1/{r:.1f}" if r else "-"))
    if p is not None:
        errors = sum(_dig(p, (phase, "errors")) or 0 for phase in ("rest_1", "rest_n", "queue_1", "queue_n"))
        gc_error = _dig(p, ("gradio_client", "error"))
        detail = f"{errors} errors" + (f"; gradio_client: {gc_error}" if gc_error else "")
        out.append(("no errors (Podium, all phases)", errors == 0 and not gc_error, detail))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=["podium", "gradio"], help="measure one library only")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of the REST load at --clients (10)")
    parser.add_argument("--queue-duration", type=float, default=None, help="seconds of the queue load (--duration/2)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--fn", choices=["sync", "async"], default="sync", help="the app's handler (sync)")
    parser.add_argument("--serving-runs", type=int, default=3, help="time-to-serving spawns, median (3)")
    parser.add_argument("--import-runs", type=int, default=5, help="import timing runs, median (5)")
    parser.add_argument("--build-runs", type=int, default=3, help="import + build the app runs, median (3)")
    parser.add_argument("--seq-calls", type=int, default=200, help="calls for the 1-client p50 (200, max 8 s)")
    parser.add_argument("--gc-calls", type=int, default=30, help="gradio_client.predict calls (30)")
    parser.add_argument("--skip-queue", action="store_true", help="skip the queue/join + queue/data phases")
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="don't pin server/client to CPUs 0/1")
    parser.add_argument(
        "--nice",
        type=int,
        default=-10 if os.geteuid() == 0 else 0,
        help="niceness for the benchmark and both servers (-10 as root, so other work on the box disturbs it less)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args()
    args.queue_duration = args.queue_duration or args.duration / 2
    if args.pin and (os.cpu_count() or 1) < 2:
        args.pin = False
    if args.pin:
        os.sched_setaffinity(0, CLIENT_CPUS)
    if args.nice:
        try:
            os.nice(args.nice)  # inherited by the servers: other work on a shared box disturbs both less
        except PermissionError:
            args.nice = 0

    libraries: dict[str, tuple[str, dict[str, str]] | None] = {}
    if args.only != "podium":
        python = gradio_python()
        if python is None:
            print(
                "Gradio is not available: create its venv with `make gradio-venv` (or\n"
                "  python3 -m venv .venv-gradio && .venv-gradio/bin/pip install -c constraints-gradio.txt gradio gradio_client)\n"
                "or point PODIUM_GRADIO_PYTHON at an interpreter that has gradio 6.x.",
                file=sys.stderr,
            )
            if args.only == "gradio":
                return 2
        libraries["gradio"] = (python, {"BENCH_UI": "gradio", "BENCH_FN": args.fn}) if python else None
    if args.only != "gradio":
        pythonpath = os.pathsep.join(filter(None, [str(ROOT / "sdk"), os.environ.get("PYTHONPATH")]))
        libraries["podium"] = (sys.executable, {"BENCH_UI": "podium", "BENCH_FN": args.fn, "PYTHONPATH": pythonpath})

    started = time.perf_counter()
    load_before = os.getloadavg()
    results: dict[str, dict[str, Any] | None] = {}
    for name, spec in libraries.items():  # Gradio first, then Podium, one after the other
        results[name] = measure_library(name, *spec, args) if spec else None

    machine = machine_summary()
    pin_note = "server pinned to CPU 0, load generator to CPU 1" if args.pin else "no CPU pinning"
    pin_note += f", nice {args.nice}" if args.nice else ""
    print(f"\nPodium vs Gradio, app load/apps/echo.py ({args.fn} fn), {machine['date_utc']}")
    print(
        f"{machine['cpu']}, {machine['cores']} cores, Linux {machine['kernel']}, Python {machine['python']}; {pin_note}"
    )
    print(f"load average (1 min) before/after the run: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f}")
    print(
        f"loopback HTTP/1.1 keep-alive, {args.clients} clients for {args.duration:.0f} s (REST) "
        f"and {args.queue_duration:.0f} s (queue); default launch() settings\n"
    )
    print(render_table(results, args.clients))
    print(f"\nNote: {GRADIO_CLIENT_FLOOR_NOTE}.")
    for name, result in results.items():
        for phase in ("rest_1", "rest_n", "queue_1", "queue_n"):
            kinds = _dig(result, (phase, "error_kinds"))
            if kinds:
                print(f"{name} {phase} errors: {kinds}")
        for key in ("server_died",):
            if result and key in result:
                print(f"{name}: server died during the run:\n{result[key]}")
        if result and "error" in (result.get("gradio_client") or {}):
            print(f"{name} gradio_client: {result['gradio_client']['error']}")
    for name, result in results.items():
        for phase in ("rest_n", "queue_n"):
            other = _dig(result, (phase, "other_cpu0_pct"))
            if args.pin and other is not None and other > 10:
                print(f"{name} {phase}: other processes used {other:.0f}% of the server's CPU 0; figures are noisy")
            cpu = _dig(result, (phase, "client_cpu_pct"))
            if cpu is not None and cpu > 90:
                print(
                    f"{name} {phase}: the load generator used {cpu:.0f}% of its core; that throughput is a lower bound"
                )
    targets = check_targets(results)
    if targets:
        print("\nTargets:")
        for target, met, detail in targets:
            verdict = "not measured" if met is None else ("MET" if met else "NOT MET")
            print(f"  {verdict:12} {target}: {detail}")
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")
    if args.json:
        payload = {
            "machine": machine,
            "loadavg_1min_before": load_before[0],
            "pinned": args.pin,
            "args": {k: str(v) for k, v in vars(args).items()},
            "results": results,
            "targets": [{"target": t, "met": m, "detail": d} for t, m, d in targets],
        }
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
