"""Spaces from the user's side: `podium push` to the first successful request (a first build and a code-only
rebuild), waking a sleeping Space, and the router's overhead on a real Space (p50 latency and throughput through
the router vs the container directly).

    .venv/bin/python load/bench_spaces.py [--runs 3] [--keep]

It starts its own platform (`python -m podium_services.platform`, as `make up` does, on spare ports and a
temporary data dir, without the example Spaces), so the real API, builder, reconciler, router, Postgres and Podman
are measured. The Space base image must be buildable (the platform builds it on first start: about 80 s, not
counted). Needs root for Podman, like `make up`. Prints a table; the figures go to docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
PODIUM = Path(sys.executable).with_name("podium")
README = "---\ntitle: Bench\nsdk: podium\napp_file: app.py\nsleep_time: -1\n---\n"
APP = """import podium as gr

def echo(text):
    return "v{version}: " + text

demo = gr.Interface(echo, "textbox", "textbox", title="bench v{version}")
demo.launch()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bench:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pg_port, self.api_port, self.router_port, self.app_port = (free_port() for _ in range(4))
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.home = folder / "cli"
        self.proc: subprocess.Popen[bytes] | None = None
        self.database_url = ""

    def start(self) -> None:
        log = (self.folder / "platform.log").open("wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODIUM_")}
        env["PODIUM_RUNTIME_NAMESPACE"] = f"bench{os.getpid()}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "podium_services.platform", "--data-dir", str(self.folder / "data"),
             "--pg-port", str(self.pg_port), "--api-port", str(self.api_port), "--router-port",
             str(self.router_port), "--app-port", str(self.app_port), "--no-examples"],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )
        token_file = self.folder / "data" / "admin-token"
        deadline = time.monotonic() + 600
        while not (token_file.exists() and self._answers(f"{self.api}/api/health")):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the platform did not start:\n" + (self.folder / "platform.log").read_text()[-3000:])
            time.sleep(0.5)
        time.sleep(1.0)  # the token file is written before the CLI is signed in
        url = subprocess.run(["bash", "infra/postgres/cluster.sh", "url", str(self.folder / "data" / "postgres"),
                              str(self.pg_port)], capture_output=True, text=True, cwd=ROOT, check=True)
        self.database_url = url.stdout.strip().splitlines()[-1]
        self.cli("login", "--server", self.api, "--token", token_file.read_text().strip())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def cli(self, *args: str) -> str:
        env = {**os.environ, "PODIUM_HOME": str(self.home)}
        env.pop("PODIUM_SERVER", None)
        done = subprocess.run([str(PODIUM), *args], capture_output=True, text=True, env=env, timeout=900)
        if done.returncode != 0:
            raise SystemExit(f"podium {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stderr

    def sql(self, statement: str) -> list[tuple[object, ...]]:
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement))
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            return httpx.get(url, timeout=2).status_code < 500
        except httpx.HTTPError:
            return False

    def host(self, name: str) -> str:
        return f"{name}--admin.spaces.localhost:{self.router_port}"

    def wait_for_page(self, name: str, needle: str, timeout: float = 600) -> None:
        """Poll through the router until the Space's page contains `needle`."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=f"http://127.0.0.1:{self.router_port}", headers={"Host": self.host(name)},
                          timeout=30) as client:
            while time.monotonic() < deadline:
                try:
                    response = client.get("/")
                    if response.status_code == 200 and needle in response.text:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise SystemExit(f"{name} never served {needle!r}")

    def push(self, folder: Path, name: str, version: int) -> float:
        """Seconds from `podium push` to the first page of this version through the router."""
        (folder / "app.py").write_text(APP.format(version=version))
        start = time.perf_counter()
        self.cli("push", str(folder), "--space", f"admin/{name}", "--no-follow")
        self.wait_for_page(name, f"bench v{version}")
        return time.perf_counter() - start

    def wake(self, name: str) -> float:
        """Put the Space to sleep (sleep_time 1 s in the database), then time one request that wakes it."""
        self.sql(f"UPDATE spaces SET sleep_time = 1 WHERE name = '{name}'")
        deadline = time.monotonic() + 120
        while self.sql(f"SELECT stage FROM spaces WHERE name = '{name}'")[0][0] != "SLEEPING":
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not fall asleep")
            time.sleep(0.2)
        self.sql(f"UPDATE spaces SET sleep_time = -1 WHERE name = '{name}'")
        start = time.perf_counter()
        response = httpx.get(f"http://127.0.0.1:{self.router_port}/", headers={"Host": self.host(name)}, timeout=120)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"waking {name} answered {response.status_code}")
        return elapsed

    def direct_url(self, name: str) -> str:
        rows = self.sql(f"SELECT r.url FROM space_runtimes r JOIN spaces s ON s.id = r.space_id WHERE s.name = '{name}'")
        return str(rows[0][0])


async def _latency(base: str, host: str | None, count: int) -> float:
    headers = {"Host": host} if host else {}
    async with httpx.AsyncClient(base_url=base, headers=headers) as client:
        for _ in range(50):
            await client.get("/config")
        times = []
        for _ in range(count):
            start = time.perf_counter()
            response = await client.get("/config")
            times.append(time.perf_counter() - start)
            response.raise_for_status()
    return statistics.median(times) * 1000


async def _throughput(base: str, host: str | None, clients: int, seconds: float) -> float:
    headers = {"Host": host} if host else {}
    done = 0
    stop = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            (await client.get("/config")).raise_for_status()
            done += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return done / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="code-only rebuilds and wakes to time (median)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients for throughput")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per throughput measurement")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="podium-bench-spaces-"))
    folder.chmod(0o755)
    bench = Bench(folder)
    print(f"starting the platform in {folder} (first start builds the base image)", flush=True)
    bench.start()
    try:
        space = folder / "space"
        space.mkdir()
        (space / "README.md").write_text(README)
        first = bench.push(space, "bench", 1)
        print(f"first push -> first request: {first:.1f} s", flush=True)
        rebuilds = [bench.push(space, "bench", v) for v in range(2, 2 + args.runs)]
        print(f"code-only rebuilds: {', '.join(f'{r:.1f}' for r in rebuilds)} s", flush=True)
        wakes = [bench.wake("bench") for _ in range(args.runs)]
        print(f"wakes: {', '.join(f'{w:.2f}' for w in wakes)} s", flush=True)

        router = f"http://127.0.0.1:{bench.router_port}"
        direct = bench.direct_url("bench")
        host = bench.host("bench")
        p50_direct = asyncio.run(_latency(direct, None, 500))
        p50_router = asyncio.run(_latency(router, host, 500))
        rps_direct = asyncio.run(_throughput(direct, None, args.clients, args.seconds))
        rps_router = asyncio.run(_throughput(router, host, args.clients, args.seconds))

        print()
        print("| measure | value |")
        print("|---|---|")
        print(f"| `podium push` -> first request, first build | {first:.1f} s |")
        print(f"| `podium push` -> first request, code-only rebuild (median of {len(rebuilds)}) | "
              f"{statistics.median(rebuilds):.1f} s |")
        print(f"| wake from sleep -> first response (median of {len(wakes)}) | {statistics.median(wakes):.2f} s |")
        print(f"| GET /config p50, direct / through the router | {p50_direct:.2f} / {p50_router:.2f} ms "
              f"(+{p50_router - p50_direct:.2f} ms) |")
        print(f"| GET /config throughput, {args.clients} clients, direct / router | {rps_direct:.0f} / "
              f"{rps_router:.0f} req/s ({rps_router / rps_direct:.0%}) |")
    finally:
        bench.stop()
        if not args.keep:
            subprocess.run(["rm", "-rf", str(folder)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
