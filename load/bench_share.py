"""Share links: time to a public URL, and latency, throughput and bulk transfer through the tunnel vs direct.

Starts a private Postgres cluster (infra/postgres/cluster.sh) in a temporary folder, migrates it, and runs the
platform's API (`python -m podium_services.api`), share server (`python -m podium_services.share`) and router
(`python -m podium_services.router`) as processes, as `make up` does. Then:

1. **Time to a public URL.** Spawns a Podium app (Gradio's greet demo) that calls `launch(share=True)` with
   PODIUM_SHARE_SERVER set, and times, from the spawn: the "Running on local URL" line, the "Running on public URL"
   line, and the first 200 at that URL (through the share server's vhost). "launch -> URL" is the gap between the
   two lines: what `share=True` adds. Median of `--runs`.
2. **Small requests.** Two apps behind two tunnels: the same Podium app (`POST /gradio_api/run/greet`, the call a
   shared demo serves) and a minimal Starlette app (`GET /hello`, a small JSON: the strict case, where the tunnel's
   own cost is most visible). Each is measured direct (its port), through the tunnel (the share server's vhost
   with the link's Host header), and through the public path (router -> vhost -> tunnel). p50 latency with one
   client, throughput with `--clients` keep-alive connections for `--duration` s, with load/_http.py's client.
   The Podium app's tunnel is the SDK's (`podium.share_tunnel`, a child process of the app, counted in the app's
   CPU); the Starlette app's is `python -m podium_tunnel http` (the same TunnelClient).
3. **Bulk.** `GET /bulk` streams `--bulk-mb` MiB and `POST /sink` reads as many, direct and through the tunnel;
   MB/s = MiB moved / seconds.

Targets (issue 6): at least 50% of direct throughput for small requests, at least 50 MB/s bulk on loopback.

CPU: nothing is pinned. Direct runs the app and this load generator; through the tunnel the same cores also run
the share server and the tunnel client, so on a 2-core machine the throughput ratio is roughly
(load + app) / (load + app + server + client) CPU per request. The CPU milliseconds per request of each process
(read from /proc) are printed so the cost of each hop is visible whatever the machine.

    .venv/bin/python load/bench_share.py [--clients 16] [--duration 5] [--requests 1000] [--bulk-mb 256] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _http import Connection  # noqa: E402
from _server import cpu_seconds, free_port, start_postgres, stop_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

PODIUM_APP = """
import podium as gr

def greet(name):
    return "Hello, " + name + "!"

demo = gr.Interface(fn=greet, inputs="text", outputs="text")
demo.launch(server_name="127.0.0.1", server_port={port}, share=True)
"""

STARLETTE_APP = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

CHUNK = bytes(1024 * 1024)

async def hello(request):
    return JSONResponse({"hello": "world", "items": list(range(20))})

async def bulk(request):
    mib = int(request.query_params.get("mib", "64"))
    async def body():
        for _ in range(mib):
            yield CHUNK
    return StreamingResponse(body(), media_type="application/octet-stream",
                             headers={"Content-Length": str(mib * len(CHUNK))})

async def sink(request):
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
    return Response(str(total))

app = Starlette(routes=[Route("/hello", hello), Route("/bulk", bulk), Route("/sink", sink, methods=["POST"])])
"""


class Target(Connection):
    """A keep-alive connection to 127.0.0.1:`port` whose Host header is `host`."""

    def __init__(self, port: int, host: str) -> None:
        super().__init__(host.rsplit(":", 1)[0] if ":" in host else host, port)  # _http adds ":port" itself

    async def _ensure_open(self) -> None:
        if self._writer is None or not self._reusable or self._writer.is_closing():
            await self.close()
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
            self._reusable = True






def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise SystemExit(f"bench_share: timed out after {timeout:.0f} s waiting for {what}")


def answers(port: int, host: str, path: str = "/") -> bool:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


class Call:
    """One request kind: method, path and body, checked by status."""

    def __init__(self, method: str, path: str, body: object = None) -> None:
        self.method, self.path, self.body = method, path, body

    async def once(self, connection: Target) -> int:
        return (await connection.request(self.method, self.path, self.body)).status


async def latency(port: int, host: str, call: Call, requests: int) -> list[float]:
    connection = Target(port, host)
    times: list[float] = []
    try:
        for _ in range(requests):
            start = time.perf_counter()
            status = await call.once(connection)
            times.append((time.perf_counter() - start) * 1000)
            assert status == 200, status
    finally:
        await connection.close()
    return times


async def throughput(port: int, host: str, call: Call, clients: int, duration: float) -> tuple[float, int]:
    done = errors = 0
    stop = time.perf_counter() + duration

    async def client() -> None:
        nonlocal done, errors
        connection = Target(port, host)
        try:
            while time.perf_counter() < stop:
                try:
                    status = await call.once(connection)
                except OSError:
                    errors += 1
                    continue
                if status == 200:
                    done += 1
                else:
                    errors += 1
        finally:
            await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done / (time.perf_counter() - start), errors


async def download(port: int, host: str, mib: int) -> float:
    """MiB/s of one GET /bulk of `mib` MiB, counting body bytes as they arrive."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.perf_counter()
    writer.write(f"GET /bulk?mib={mib} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n", 1)[0], head[:100]
    total = 0
    while chunk := await reader.read(1 << 20):
        total += len(chunk)
    elapsed = time.perf_counter() - start
    writer.close()
    assert total == mib << 20, (total, mib << 20)
    return mib / elapsed


async def upload(port: int, host: str, mib: int) -> float:
    """MiB/s of one POST /sink of `mib` MiB (until the app has counted every byte)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.perf_counter()
    writer.write(f"POST /sink HTTP/1.1\r\nHost: {host}\r\nContent-Length: {mib << 20}\r\n"
                 f"Connection: close\r\n\r\n".encode())
    chunk = bytes(1 << 20)
    for _ in range(mib):
        writer.write(chunk)
        await writer.drain()
    answer = await reader.read()
    elapsed = time.perf_counter() - start
    writer.close()
    assert answer.endswith(str(mib << 20).encode()), answer[-200:]
    return mib / elapsed


def request_link(api_port: int) -> dict[str, object]:
    request = urllib.request.Request(f"http://127.0.0.1:{api_port}/api/share/links", data=b"{}",
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        link: dict[str, object] = json.loads(response.read())
    return link


def time_to_url(parent: Path, env: dict[str, str], vhost_port: int, runs: int) -> dict[str, float]:
    """Median seconds from spawning a share=True app to its local URL, its public URL and a 200 there."""
    marks: dict[str, list[float]] = {"local": [], "public": [], "ready": []}
    for run in range(runs):
        port = free_port()
        script = parent / f"shared_{run}.py"
        script.write_text(PODIUM_APP.replace("{port}", str(port)))
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-u", str(script)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=parent)
        seen: dict[str, float] = {}
        url = ""
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Running on local URL" in line:
                seen["local"] = time.perf_counter() - start
            match = re.search(r"Running on public URL:\s+(\S+)", line)
            if match:
                seen["public"] = time.perf_counter() - start
                url = match[1]
                break
            if "Could not create a share link" in line:
                raise SystemExit(f"bench_share: {line.strip()}")
        host = url.split("://", 1)[1].rstrip("/")
        wait_for(lambda host=host: answers(vhost_port, host), 30, "the public URL to answer")
        seen["ready"] = time.perf_counter() - start
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for key in marks:
            marks[key].append(seen[key])
        print(f"  run {run + 1}: local URL {seen['local']:.2f} s, public URL {seen['public']:.2f} s, "
              f"first 200 {seen['ready']:.2f} s after spawn", flush=True)
    result = {key: statistics.median(values) for key, values in marks.items()}
    result["launch"] = statistics.median(p - lo for p, lo in zip(marks["public"], marks["local"], strict=True))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16, help="connections at once for the throughput runs")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per throughput run")
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests for the latency runs")
    parser.add_argument("--bulk-mb", type=int, default=256, help="MiB per bulk transfer")
    parser.add_argument("--runs", type=int, default=3, help="spawns for the time-to-URL median")
    args = parser.parse_args()

    parent = Path(tempfile.mkdtemp(prefix="podium-bench-share-"))
    parent.chmod(0o755)
    (parent / "bench_app.py").write_text(STARLETTE_APP)
    api_port, router_port, share_port, vhost_port = (free_port() for _ in range(4))
    starlette_port, podium_port = free_port(), free_port()
    processes: dict[str, subprocess.Popen[bytes]] = {}
    results: dict[str, dict[str, dict[str, float]]] = {}
    try:
        url = start_postgres(parent / "pg", "bench_share")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PODIUM_")},
            "PODIUM_DATABASE_URL": url, "PODIUM_DATA_DIR": str(parent / "data"),
            "PODIUM_API_PORT": str(api_port), "PODIUM_PUBLIC_URL": f"http://127.0.0.1:{api_port}",
            "PODIUM_ROUTER_PORT": str(router_port), "PODIUM_SHARE_BIND": f"127.0.0.1:{share_port}",
            "PODIUM_SHARE_TUNNEL_ADDRESS": f"127.0.0.1:{share_port}",
            "PODIUM_SHARE_VHOST": f"127.0.0.1:{vhost_port}", "PODIUM_SHARE_ANONYMOUS_PER_HOUR": "1000",
            "PODIUM_HOME": str(parent / "cli-home"),
        }
        for name in ("api", "share", "router"):
            processes[name] = subprocess.Popen([sys.executable, "-m", f"podium_services.{name}"], env=env, cwd=ROOT)
        wait_for(lambda: answers(api_port, "127.0.0.1", "/api/health"), 60, "the API")
        wait_for(lambda: answers(vhost_port, "nothing.share.localhost") is False and _listens(vhost_port), 60,
                 "the share server")
        wait_for(lambda: _listens(router_port), 60, "the router")

        print("time from spawning `python app.py` (launch(share=True)) to a working public URL:", flush=True)
        app_env = {**env, "PODIUM_SHARE_SERVER": f"http://127.0.0.1:{api_port}"}
        ttu = time_to_url(parent, app_env, vhost_port, args.runs)

        # The apps measured below, each behind its own tunnel.
        processes["starlette"] = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(parent), "bench_app:app", "--port",
             str(starlette_port), "--log-level", "warning", "--no-access-log"], cwd=ROOT)
        wait_for(lambda: answers(starlette_port, "127.0.0.1", "/hello"), 60, "the Starlette app")
        link = request_link(api_port)
        client_log = (parent / "client.log").open("w")
        processes["client"] = subprocess.Popen(
            [sys.executable, "-m", "podium_tunnel", "http", "--server", f"127.0.0.1:{share_port}",
             "--local-port", str(starlette_port), "--name", str(link["token"])],
            stdout=client_log, stderr=subprocess.STDOUT, cwd=ROOT)
        starlette_host = str(link["url"]).split("://", 1)[1]
        wait_for(lambda: answers(vhost_port, starlette_host, "/hello"), 60, "the Starlette app's tunnel")

        script = parent / "podium_app.py"
        script.write_text(PODIUM_APP.replace("{port}", str(podium_port)))
        podium_log = parent / "podium_app.log"
        processes["podium"] = subprocess.Popen([sys.executable, "-u", str(script)], env=app_env,
                                               stdout=podium_log.open("w"), stderr=subprocess.STDOUT, cwd=parent)
        match = wait_for(lambda: re.search(r"Running on public URL:\s+(\S+)", podium_log.read_text()), 60,
                         "the Podium app's public URL")
        assert isinstance(match, re.Match)
        podium_host = match[1].split("://", 1)[1].rstrip("/")
        wait_for(lambda: answers(vhost_port, podium_host), 60, "the Podium app's tunnel")

        cases = {
            "podium app, POST /gradio_api/run/greet": (
                podium_port, podium_host, Call("POST", "/gradio_api/run/greet", {"data": ["World"]}),
                processes["podium"].pid, processes["podium"].pid),
            "starlette, GET /hello": (
                starlette_port, starlette_host, Call("GET", "/hello"), processes["starlette"].pid,
                processes["client"].pid),
        }
        share_pid, router_pid = processes["share"].pid, processes["router"].pid
        for case, (app_port, host, call, app_pid, client_pid) in cases.items():
            print(f"\n{case}:", flush=True)
            results[case] = {}
            paths = {"direct": (app_port, "127.0.0.1"), "tunnel": (vhost_port, host), "public": (router_port, host)}
            for path, (port, h) in paths.items():
                asyncio.run(latency(port, h, call, 200))  # warm-up
                times = asyncio.run(latency(port, h, call, args.requests))
                pids = {"app": app_pid, "share": share_pid, "router": router_pid}
                if client_pid != app_pid:
                    pids["client"] = client_pid
                before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                load_before = time.process_time()
                start = time.perf_counter()
                rps, errors = asyncio.run(throughput(port, h, call, args.clients, args.duration))
                requests = max(1.0, rps * (time.perf_counter() - start))
                cpu = {name: (cpu_seconds(pid) - before[name]) / requests * 1000 for name, pid in pids.items()}
                cpu["load"] = (time.process_time() - load_before) / requests * 1000
                results[case][path] = {"p50": statistics.median(times), "rps": rps, "errors": errors}
                shown = ", ".join(f"{name} {ms:.3f}" for name, ms in cpu.items() if ms >= 0.0005)
                print(f"  {path:<7} p50 {results[case][path]['p50']:.2f} ms  {rps:,.0f} req/s "
                      f"({args.clients} clients)  errors {errors}  CPU ms/request: {shown}"
                      f"{'  (app: with its tunnel process, a child of it)' if path != 'direct' and client_pid == app_pid else ''}",
                      flush=True)

        print(f"\nbulk transfer, {args.bulk_mb} MiB (Starlette app):", flush=True)
        bulk: dict[str, dict[str, float]] = {}
        for path, (port, host) in {"direct": (starlette_port, "127.0.0.1"), "tunnel": (vhost_port, starlette_host)}.items():
            down = asyncio.run(download(port, host, args.bulk_mb))
            up = asyncio.run(upload(port, host, args.bulk_mb))
            bulk[path] = {"down": down, "up": up}
            print(f"  {path:<7} download {down:,.0f} MB/s  upload {up:,.0f} MB/s", flush=True)
    finally:
        for process in reversed(list(processes.values())):
            process.send_signal(signal.SIGINT if process.args[1:2] == ["-u"] else signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        stop_postgres(parent / "pg")
        shutil.rmtree(parent, ignore_errors=True)

    print("\nsummary")
    print(f"  launch(share=True) -> public URL printed: {ttu['launch']:.2f} s (spawn -> local URL {ttu['local']:.2f} s, "
          f"-> public URL {ttu['public']:.2f} s, -> first 200 at it {ttu['ready']:.2f} s)")
    for case, paths in results.items():
        ratio = paths["tunnel"]["rps"] / paths["direct"]["rps"]
        public = paths["public"]["rps"] / paths["direct"]["rps"]
        added = paths["tunnel"]["p50"] - paths["direct"]["p50"]
        print(f"  {case}: tunnel adds {added:.2f} ms at p50; keeps {ratio:.0%} of direct throughput "
              f"(target >= 50%: {'met' if ratio >= 0.5 else 'NOT met'}); via the router {public:.0%}")
    worst = min(bulk["tunnel"]["down"], bulk["tunnel"]["up"])
    print(f"  bulk through the tunnel: {bulk['tunnel']['down']:,.0f} MB/s down, {bulk['tunnel']['up']:,.0f} MB/s up "
          f"(target >= 50 MB/s: {'met' if worst >= 50 else 'NOT met'})")
    print(f"  ({os.cpu_count()} cores shared by the apps, the share server, the tunnel clients, the router, Postgres "
          f"and this load generator)")
    return 0


def _listens(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


if __name__ == "__main__":
    sys.exit(main())
