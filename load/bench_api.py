"""The control plane's API under load: authenticated reads per second with 10,000 users and 1,000 orgs.

Starts a private Postgres cluster (infra/postgres/cluster.sh) in a temporary folder, migrates it, seeds it
(10,000 users, 1,000 orgs of 10 members with mixed roles, a team with a grant per org, an API token per
client), serves the API with `python -m podium_services.api --workers N`, and drives it from this process
with a small keep-alive HTTP client (load/_http.py) over loopback, one connection and one API token per
simulated client. Prints requests/s, latency percentiles and errors per endpoint, and for the mix.

    .venv/bin/python load/bench_api.py                      # 2 workers, 32 clients, 8 s per scenario
    .venv/bin/python load/bench_api.py --workers 1 --clients 16 --duration 5 --json out.json

Gradio has no counterpart to these endpoints, so there is no side-by-side ratio here; the target (issue:
at least 1,000 requests/s on this 2-core machine) is checked and printed. The load generator shares the two
cores with the API and Postgres, so the figure is a floor for a machine where they do not compete.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _http import Connection, HTTPError  # noqa: E402
from _server import start_postgres, stop_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
USERS, ORGS, MEMBERS_PER_ORG = 10_000, 1_000, 10
ROLES = ["owner", "admin", "admin", "write", "write", "write", "read", "read", "read", "read"]
TARGET_RPS = 1000.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, clients: int) -> list[tuple[str, str]]:
    """Fill the database; returns (token, org name) for each simulated client."""
    import psycopg

    from podium_cp.auth.randomness import digest

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    tokens: list[tuple[str, str]] = []
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy("COPY users (id, username, email, display_name, is_site_admin, created_at) FROM STDIN") as copy:
            for i in range(1, USERS + 1):
                copy.write_row((i, f"user{i}", f"user{i}@example.org", f"User {i}", False, "2026-01-01T00:00:00Z"))
        with cur.copy("COPY orgs (id, name, display_name, description, created_at) FROM STDIN") as copy:
            for o in range(1, ORGS + 1):
                copy.write_row((o, f"org{o}", f"Org {o}", "", "2026-01-01T00:00:00Z"))
        with cur.copy("COPY memberships (org_id, user_id, role, created_at) FROM STDIN") as copy:
            for o in range(1, ORGS + 1):
                for m in range(MEMBERS_PER_ORG):
                    copy.write_row((o, (o - 1) * MEMBERS_PER_ORG + m + 1, ROLES[m], "2026-01-01T00:00:00Z"))
        with cur.copy("COPY teams (id, org_id, name, description, created_at) FROM STDIN") as copy:
            for o in range(1, ORGS + 1):
                copy.write_row((o, o, "ml", "", "2026-01-01T00:00:00Z"))
        with cur.copy("COPY team_members (team_id, user_id, created_at) FROM STDIN") as copy:
            for o in range(1, ORGS + 1):
                for m in range(6, MEMBERS_PER_ORG):
                    copy.write_row((o, (o - 1) * MEMBERS_PER_ORG + m + 1, "2026-01-01T00:00:00Z"))
        with cur.copy("COPY team_grants (team_id, space_name, role, created_at) FROM STDIN") as copy:
            for o in range(1, ORGS + 1):
                copy.write_row((o, "*", "write", "2026-01-01T00:00:00Z"))
        with cur.copy(
            "COPY api_tokens (public_id, user_id, name, token_hash, prefix, scopes, created_at) FROM STDIN"
        ) as copy:
            for c in range(clients):
                org = random.Random(c).randrange(1, ORGS + 1)
                user = (org - 1) * MEMBERS_PER_ORG + 1 + c % MEMBERS_PER_ORG
                secret = f"pdm_bench{c:05d}{os.urandom(16).hex()}"
                copy.write_row((f"tok_bench{c}", user, "bench", digest(secret), secret[:12], ["read"], "2026-01-01T00:00:00Z"))
                tokens.append((secret, f"org{org}"))
        for table in ("users", "orgs", "teams"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")
        conn.commit()
    # Flush the bulk load to disk now, so that the checkpoint does not land inside a measured scenario.
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    return tokens


SCENARIOS: dict[str, list[str]] = {
    "GET /api/user": ["/api/user"],
    "GET /api/orgs/{org}": ["/api/orgs/{org}"],
    "GET /api/orgs/{org}/members": ["/api/orgs/{org}/members?limit=20"],
    "GET /api/orgs (mine)": ["/api/orgs"],
    "mix of the four": ["/api/user", "/api/orgs/{org}", "/api/orgs/{org}/members?limit=20", "/api/orgs"],
}


async def run_scenario(port: int, tokens: list[tuple[str, str]], paths: list[str], duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + duration

    async def client(token: str, org: str, offset: int) -> None:
        conn = Connection("127.0.0.1", port)
        headers = {"Authorization": f"Bearer {token}"}
        i = offset
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)].format(org=org)
            i += 1
            start = time.perf_counter()
            try:
                response = await conn.request("GET", path, headers=headers)
            except (HTTPError, OSError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                await conn.close()
                continue
            if response.status != 200:
                errors[str(response.status)] = errors.get(str(response.status), 0) + 1
                continue
            latencies.append(time.perf_counter() - start)
        await conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(client(token, org, i) for i, (token, org) in enumerate(tokens)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else None

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else None,
        "p99_ms": pct(99),
        "errors": errors,
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> list[str] | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc (finished children included)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _proc_stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        fields = _proc_stat(pid)
        if fields is not None:  # utime, stime, and the reaped children's cutime, cstime
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / CLOCK_TICKS


def wait_health(port: int, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("bench_api: the API did not answer /api/health within 60 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--clients", type=int, default=32, help="simulated clients (connections, tokens)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per scenario")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    parent = Path(tempfile.mkdtemp(prefix="podium-bench-pg-"))
    parent.chmod(0o755)
    api_port = free_port()
    api: subprocess.Popen[bytes] | None = None
    try:
        url = start_postgres(parent / "pg", "bench_api")
        print(f"seeding {USERS:,} users, {ORGS:,} orgs, {ORGS * MEMBERS_PER_ORG:,} memberships ...", flush=True)
        t0 = time.perf_counter()
        tokens = seed(url, args.clients)
        print(f"  seeded in {time.perf_counter() - t0:.1f} s", flush=True)
        env = {**os.environ, "PODIUM_DATABASE_URL": url, "PODIUM_DATA_DIR": str(parent), "PODIUM_API_PORT": str(api_port)}
        api = subprocess.Popen(
            [sys.executable, "-m", "podium_services.api", "--workers", str(args.workers)], env=env, cwd=ROOT
        )
        wait_health(api_port)
        asyncio.run(run_scenario(api_port, tokens[:4], ["/api/user"], 1.0))  # warm-up: pools, first requests
        results: dict[str, Any] = {}
        postmaster = int((parent / "pg" / "postmaster.pid").read_text().split()[0])
        for name, paths in SCENARIOS.items():
            print(f"{name}: {args.clients} clients for {args.duration:.0f} s ...", flush=True)
            before = (cpu_seconds(api.pid), cpu_seconds(postmaster), time.process_time())
            results[name] = asyncio.run(run_scenario(api_port, tokens, paths, args.duration))
            after = (cpu_seconds(api.pid), cpu_seconds(postmaster), time.process_time())
            requests = max(1, results[name]["requests"])
            results[name]["cpu_ms_per_request"] = {
                part: (after[i] - before[i]) / requests * 1000
                for i, part in enumerate(("api", "postgres", "load generator"))
            }
    finally:
        if api is not None:
            api.terminate()
            try:
                api.wait(timeout=15)
            except subprocess.TimeoutExpired:
                api.kill()
        stop_postgres(parent / "pg")
        shutil.rmtree(parent, ignore_errors=True)

    print(f"\n{'endpoint':<32}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}   CPU ms per request: api / postgres / load   errors")
    for name, r in results.items():
        p50 = f"{r['p50_ms']:.1f}" if r["p50_ms"] is not None else "-"
        p99 = f"{r['p99_ms']:.1f}" if r["p99_ms"] is not None else "-"
        cpu = " / ".join(f"{v:.2f}" for v in r["cpu_ms_per_request"].values())
        print(f"{name:<32}{r['rps']:>8.0f}{p50:>8}{p99:>8}   {cpu:<41}{r['errors'] or 0}")
    mix = results["mix of the four"]["rps"]
    verdict = "met" if mix >= TARGET_RPS else "NOT met"
    print(f"\ntarget: authenticated reads >= {TARGET_RPS:.0f} req/s on this machine -> mix {mix:.0f} req/s: {verdict}")
    print(f"({args.workers} API workers, {args.clients} clients, {os.cpu_count()} cores shared with Postgres and this load generator)")
    if args.json:
        args.json.write_text(json.dumps({"date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                         "workers": args.workers, "clients": args.clients, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
