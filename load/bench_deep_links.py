"""Deep links, Podium vs Gradio: saving a link and opening one, on the same app, side by side.

Runs `apps/deep_links.py` (three textboxes, a dropdown, a slider, an answer box, a DeepLinkButton) as its own
process three times, one after the other, and drives each from this process with load/_http.py's keep-alive
client over loopback:

- **Podium, local store**: the app alone; links go to its SQLite store (PODIUM_DEEP_LINK_DIR, a temp folder).
- **Podium, platform store**: the same app with PODIUM_DEEP_LINK_API / PODIUM_DEEP_LINK_TOKEN pointing at a real
  control-plane API (`python -m podium_services.api`, one process) on a private Postgres cluster
  (infra/postgres/cluster.sh, migrated to head), with a user and a Space row and the Space's minted token, as
  a Space container gets them.
- **Gradio** (`$PODIUM_GRADIO_PYTHON` or `.venv-gradio/bin/python`): its deep links are files in the app's
  upload folder (GRADIO_TEMP_DIR, a temp folder).

Operations, each with 1 client (back to back; p50 and requests/s) and with `--clients` clients (20; requests/s,
p50, p99, server CPU per request) for `--duration` seconds:

| operation | Podium | Gradio |
|---|---|---|
| save a link | `POST /gradio_api/deep_link` with the browser's payload (the values of the 6 components) | `GET /gradio_api/deep_link?session_hash=S`: the button's own request; it writes the session's server-side values to a file |
| open a link: page | `GET /?deep_link=ID` (rendered for the link, never from the page cache) | `GET /?deep_link=ID` |
| open a link: config | `GET /config?deep_link=ID` | `GET /config?deep_link=ID` |
| plain page, plain config | `GET /`, `GET /config`: what opening a link costs on top | the same |

Every simulated client first makes its own link (Podium: one save; Gradio: a `compose` call in its own session,
which is how Gradio's session learns the values, then one save) and then opens that link, so reads do not all
hit one row. A request counts only when it answers 200 and, for saves, carries an id, for opens, says the link
was restored (Podium: status `restored`; Gradio: `deep_link_state` `valid`).

What is not like for like, and is printed with the table: Gradio's button also runs a backend event,
`time.sleep(1)`, that only puts its label back (left out here); Gradio's link id is a hash of the session's
values, so saving the same values again rewrites the same file, where Podium makes a new link each time;
Gradio's page carries the values in its embedded config for the browser to render, Podium's page is rendered
on the server with the values in the HTML; Gradio has no platform store.

Nothing is pinned: the app, the load generator and (platform store) the API and Postgres share the machine's
cores, so the CPU milliseconds per request (from /proc) are the figures least moved by other work.

    .venv/bin/python load/bench_deep_links.py                 # about 2 minutes
    .venv/bin/python load/bench_deep_links.py --quick         # smoke run, about 30 s
    .venv/bin/python load/bench_deep_links.py --only podium --json /tmp/deep_links.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _http import Connection, HTTPError  # noqa: E402
from _server import ServerProcess, cpu_seconds, free_port, start_postgres, stop_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = Path(__file__).resolve().parent / "apps" / "deep_links.py"
LABELS = ("Name", "City", "Note", "Tone", "Stars", "Answer")
TIMEOUT_S = 30.0


def visitor_values(i: int) -> list[Any]:
    """What visitor `i` typed and got back, in LABELS order (distinct per visitor, so links differ)."""
    name, city, note, tone, stars = f"Ada {i}", "Paris", "Looked at the demo twice; liked it. " * 3, "formal", i % 11
    return [name, city, note, tone, stars, f"{tone}: {name} from {city} rates it {stars}/10. {note}"]


@dataclass
class Operation:
    """One kind of request a simulated client repeats; `ok` checks the answer's body."""

    method: str
    path: Callable[[int], str]  # client index -> path
    body: Callable[[int], object] | None = None
    ok: Callable[[bytes], bool] = lambda body: True


@dataclass
class Target:
    """One running app server and what each simulated client needs to save and open its own link."""

    label: str
    port: int
    operations: dict[str, Operation]
    cpu_pids: dict[str, Callable[[], float]]  # part -> CPU seconds so far (the app; the API and Postgres)


# ------------------------------------------------------------------ measuring


async def run_clients(port: int, op: Operation, clients: int, duration: float) -> dict[str, Any]:
    """`clients` keep-alive clients repeat `op` back to back for `duration` s."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + duration

    async def client(i: int) -> None:
        conn = Connection("127.0.0.1", port)
        path, body = op.path(i), (op.body(i) if op.body else None)
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await asyncio.wait_for(conn.request(op.method, path, body), TIMEOUT_S)
                except (HTTPError, OSError, asyncio.TimeoutError) as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    continue
                if response.status != 200 or not op.ok(response.body):
                    key = str(response.status) if response.status != 200 else "wrong answer"
                    errors[key] = errors.get(key, 0) + 1
                    continue
                latencies.append(time.perf_counter() - start)
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else None,
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000 if ordered else None,
        "errors": errors,
    }


def run_async(coro: Awaitable[Any]) -> Any:
    """Run a load loop on uvloop when it is installed (less client CPU per request), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    return uvloop.run(coro)  # type: ignore[arg-type]


def measure(target: Target, clients: int, duration: float) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, op in target.operations.items():
        run_async(run_clients(target.port, op, 1, min(0.3, duration)))  # warm-up: connections, first calls
        one = run_async(run_clients(target.port, op, 1, duration))
        before = {part: read() for part, read in target.cpu_pids.items()}
        many = run_async(run_clients(target.port, op, clients, duration))
        done = max(1, many["requests"])
        many["cpu_ms"] = {part: (read() - before[part]) / done * 1000 for part, read in target.cpu_pids.items()}
        results[name] = {"one": one, "many": many}
        print(f"  {target.label:<24} {name:<31} 1 client: {one['rps']:>6.0f}/s p50 {_ms(one['p50_ms'])} ms   "
              f"{clients} clients: {many['rps']:>6.0f}/s p50 {_ms(many['p50_ms'])} p99 {_ms(many['p99_ms'])} ms"
              f"{'   errors ' + str(one['errors'] or '') + str(many['errors'] or '') if one['errors'] or many['errors'] else ''}",
              flush=True)
    return results


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}" if value < 10 else f"{value:.1f}"


# ------------------------------------------------------------------ the apps


def http_json(port: int, method: str, path: str, body: object = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def component_ids(port: int) -> list[int]:
    """The ids of the app's LABELS components, from its `/config`."""
    by_label = {c["props"].get("label"): c["id"] for c in http_json(port, "GET", "/config")["components"]}
    return [by_label[label] for label in LABELS]


def common_operations(links: list[str], page_ok: Callable[[bytes], bool],
                      config_ok: Callable[[bytes], bool]) -> dict[str, Operation]:
    return {
        "open: GET /?deep_link=ID": Operation("GET", lambda i: f"/?deep_link={links[i]}", ok=page_ok),
        "open: GET /config?deep_link=ID": Operation("GET", lambda i: f"/config?deep_link={links[i]}", ok=config_ok),
        "no link: GET /": Operation("GET", lambda i: "/"),
        "no link: GET /config": Operation("GET", lambda i: "/config"),
    }


def podium_target(label: str, server: ServerProcess, clients: int, extra_cpu: dict[str, Callable[[], float]],
                  platform: bool) -> Target:
    ids = component_ids(server.port)

    def payload(i: int) -> dict[str, Any]:
        values = dict(zip((str(c) for c in ids), visitor_values(i), strict=True))
        return {"session_hash": f"bench{i}", "values": values, "visible": {}, "tabs": {}, "accordions": {}}

    links = [http_json(server.port, "POST", "/gradio_api/deep_link", payload(i))["id"] for i in range(clients)]
    ops = {"save a link": Operation("POST", lambda i: "/gradio_api/deep_link", payload,
                                             ok=lambda body: b'"id":' in body)}
    ops.update(common_operations(links, page_ok=lambda body: b'data-status="restored"' in body,
                                 config_ok=lambda body: b'"status":"restored"' in body))
    if platform:  # the plain page and config do not touch the store: measured once, with the local store
        del ops["no link: GET /"], ops["no link: GET /config"]
    target = Target(label, server.port, ops, {"app": server.cpu_seconds, **extra_cpu})
    check(target)
    return target


def gradio_target(server: ServerProcess, clients: int) -> Target:
    links = []
    for i in range(clients):  # Gradio saves the session's server-side values: an event tells it what they are
        http_json(server.port, "POST", "/gradio_api/run/compose",
                  {"data": visitor_values(i)[:5], "session_hash": f"bench{i}"})
        links.append(http_json(server.port, "GET", f"/gradio_api/deep_link?session_hash=bench{i}"))
    if not all(links):
        raise SystemExit("bench_deep_links: Gradio answered an empty link id (the session had no state)")
    ops = {"save a link": Operation("GET", lambda i: f"/gradio_api/deep_link?session_hash=bench{i}",
                                             ok=lambda body: len(body) > 2)}
    ok = lambda body: b'"deep_link_state":"valid"' in body  # noqa: E731
    ops.update(common_operations(links, page_ok=ok, config_ok=ok))
    target = Target("gradio", server.port, ops, {"app": server.cpu_seconds})
    check(target)
    return target


def check(target: Target) -> None:
    """One request of each operation answers what the benchmark counts as success (else the setup is wrong)."""
    for name, op in target.operations.items():
        result = run_async(run_clients(target.port, op, 1, 0.01))
        if result["errors"] or not result["requests"]:
            raise SystemExit(f"bench_deep_links: {target.label} {name}: {result['errors'] or 'no answer'}")


def spawn(python: str, env: dict[str, str]) -> ServerProcess:
    server = ServerProcess.spawn(python, APP, env, None)
    server.wait_serving()
    return server


def stop(server: ServerProcess) -> None:
    server.stop()
    shutil.rmtree(server.log_path.parent, ignore_errors=True)


# ------------------------------------------------------------------ the platform


def start_platform(folder: Path) -> tuple[subprocess.Popen[bytes], dict[str, str], int]:
    """Postgres, the API, a user and a Space; the API process, the app's PODIUM_DEEP_LINK_* and the postmaster."""
    import psycopg

    from podium_cp.crypto import generate_key
    from podium_cp.deeplinks.tokens import mint_space_token
    from podium_cp.settings import Settings

    url = start_postgres(folder / "pg", "bench_deep_links")
    api_port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PODIUM_")},
           "PODIUM_DATABASE_URL": url, "PODIUM_DATA_DIR": str(folder / "data"), "PODIUM_API_PORT": str(api_port),
           "PODIUM_PUBLIC_URL": f"http://127.0.0.1:{api_port}", "PODIUM_SECRET_KEYS": generate_key("bench")}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        user = conn.execute("INSERT INTO users (username, display_name, is_site_admin, created_at) "
                            "VALUES ('alice', '', false, now()) RETURNING id").fetchone()
        assert user is not None
        space = conn.execute(
            "INSERT INTO spaces (name, owner_name, owner_user_id, title, sdk, visibility, hardware, sleep_time, "
            "desired_state, stage, stage_message, restart_generation, created_at, updated_at, "
            "deep_link_retention_days) VALUES ('demo', 'alice', %s, '', 'podium', 'public', 'cpu-basic', 3600, "
            "'running', 'RUNNING', '', 0, now(), now(), 30) RETURNING id", (user[0],)).fetchone()
        assert space is not None
    token = mint_space_token(Settings.from_env(env), int(space[0]))
    api = subprocess.Popen([sys.executable, "-m", "podium_services.api"], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            http_json(api_port, "GET", "/api/health")
            break
        except OSError:
            if api.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench_deep_links: the control-plane API did not start") from None
            time.sleep(0.1)
    postmaster = int((folder / "pg" / "postmaster.pid").read_text().split()[0])
    app_env = {"PODIUM_DEEP_LINK_API": f"http://127.0.0.1:{api_port}", "PODIUM_DEEP_LINK_TOKEN": token}
    return api, app_env, postmaster


# ------------------------------------------------------------------ the table


def render(results: dict[str, Any], clients: int, gradio_version: str) -> str:
    rows: list[tuple[str, ...]] = [("metric", f"Gradio {gradio_version}", "Podium (local)", "Podium vs Gradio",
                                    "Podium (platform)")]
    gradio, local, platform = (results.get(k) or {} for k in ("gradio", "podium", "podium_platform"))
    figures = [("1 client, p50 ms", "one", "p50_ms", False), ("1 client, req/s", "one", "rps", True),
               (f"{clients} clients, req/s", "many", "rps", True), (f"{clients} clients, p50 ms", "many", "p50_ms", False),
               (f"{clients} clients, p99 ms", "many", "p99_ms", False)]
    for op in dict.fromkeys([*local, *gradio]):
        for label, phase, key, more_is_better in figures:
            g, p = _dig(gradio, op, phase, key), _dig(local, op, phase, key)
            rows.append((f"{op}: {label}", _fig(g), _fig(p), _ratio(p, g, more_is_better), _fig(_dig(platform, op, phase, key))))
        g_cpu, p_cpu = _dig(gradio, op, "many", "cpu_ms", "app"), _dig(local, op, "many", "cpu_ms", "app")
        cpu_platform = _dig(platform, op, "many", "cpu_ms")
        shown = " + ".join(_fig(v) for v in cpu_platform.values()) if cpu_platform else "-"
        rows.append((f"{op}: server CPU ms/req", _fig(g_cpu), _fig(p_cpu), _ratio(p_cpu, g_cpu, False), shown))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _fig(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 99.95 else f"{value:.2f}" if value < 9.995 else f"{value:.1f}"


def _ratio(podium: float | None, gradio: float | None, more_is_better: bool) -> str:
    if not podium or not gradio:
        return "-"
    ratio = podium / gradio if more_is_better else gradio / podium
    word = ("more" if more_is_better else "less") if ratio >= 1 else ("less" if more_is_better else "more")
    return f"{ratio:.1f}x {word}" if ratio >= 1 else f"{1 / ratio:.1f}x {word}"


NOTES = """\
Notes:
- "save" on Gradio is the request its DeepLinkButton's script sends, GET /gradio_api/deep_link?session_hash=S; it
  writes the values the server holds for that session (set by the session's last events) to a file named by their
  hash, so saving again rewrites the same file. The button's other event, time.sleep(1) then its label again, does
  not save anything and is left out. Podium's POST carries the browser's values and makes a new link each time.
- Gradio's page holds the restored values in its embedded config, rendered by the browser; Podium's is rendered
  on the server with the values in the HTML, and is never served from the page cache (plain GET / is).
- Podium (platform): the link is stored in and read from Postgres through the control-plane API (one process); its
  CPU column is app + API + Postgres. Gradio has no platform store: no equivalent.
- Nothing is pinned; other work on the machine moves req/s more than the CPU per request."""


def gradio_python() -> str | None:
    candidate = os.environ.get("PODIUM_GRADIO_PYTHON") or str(ROOT / ".venv-gradio" / "bin" / "python")
    return candidate if Path(candidate).exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients of the loaded phases")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per phase")
    parser.add_argument("--only", choices=["podium", "gradio"], help="one library only")
    parser.add_argument("--no-platform", action="store_true", help="skip the platform store (no Postgres)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 0.3 s per phase, 4 clients")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.clients = 0.3, 4

    started, load_before = time.perf_counter(), os.getloadavg()
    python = gradio_python() if args.only != "podium" else None
    if args.only != "podium" and python is None:
        print("Gradio is not available: `make gradio-venv`, or set PODIUM_GRADIO_PYTHON.", file=sys.stderr)
        if args.only == "gradio":
            return 2
    version = "-"
    if python:
        version = subprocess.run([python, "-c", "from importlib.metadata import version; print(version('gradio'))"],
                                 capture_output=True, text=True).stdout.strip() or "?"
    folder = Path(tempfile.mkdtemp(prefix="podium-bench-deeplinks-"))
    folder.chmod(0o755)
    pythonpath = os.pathsep.join(filter(None, [str(ROOT / "sdk"), os.environ.get("PYTHONPATH")]))
    podium_env = {"BENCH_UI": "podium", "PYTHONPATH": pythonpath}
    results: dict[str, Any] = {}
    api: subprocess.Popen[bytes] | None = None
    print(f"{args.clients} clients, {args.duration:g} s per phase", flush=True)
    try:
        if args.only != "gradio":
            server = spawn(sys.executable, {**podium_env, "PODIUM_DEEP_LINK_DIR": str(folder / "local")})
            try:
                results["podium"] = measure(podium_target("podium (local store)", server, args.clients, {}, False),
                                            args.clients, args.duration)
            finally:
                stop(server)
            if not args.no_platform:
                api, platform_env, postmaster = start_platform(folder)
                server = spawn(sys.executable, {**podium_env, **platform_env,
                                                "PODIUM_DEEP_LINK_DIR": str(folder / "platform-local")})
                extra = {"api": lambda: cpu_seconds(api.pid), "postgres": lambda: cpu_seconds(postmaster)}
                try:
                    target = podium_target("podium (platform store)", server, args.clients, extra, True)
                    results["podium_platform"] = measure(target, args.clients, args.duration)
                finally:
                    stop(server)
        if python:
            server = spawn(python, {"BENCH_UI": "gradio", "GRADIO_TEMP_DIR": str(folder / "gradio")})
            try:
                results["gradio"] = measure(gradio_target(server, args.clients), args.clients, args.duration)
            finally:
                stop(server)
    finally:
        if api is not None:
            api.terminate()
            try:
                api.wait(timeout=15)
            except subprocess.TimeoutExpired:
                api.kill()
        if (folder / "pg").exists():
            stop_postgres(folder / "pg")
        shutil.rmtree(folder, ignore_errors=True)

    print(f"\nDeep links, Podium vs Gradio, app load/apps/deep_links.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; load average (1 min) before/after: "
          f"{load_before[0]:.2f} / {os.getloadavg()[0]:.2f}; loopback HTTP/1.1 keep-alive, {args.duration:g} s per phase\n")
    print(render(results, args.clients, version))
    print("\n" + NOTES)
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({"date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                         "clients": args.clients, "duration": args.duration,
                                         "gradio": version, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
