"""Scheduling simulation: 1,000 Spaces on simulated GPU node pools, driven by the real reconciler and Postgres.

    .venv/bin/python load/sim_scheduler.py [--spaces 1000] [--pool NAME,NODES,CPU,MEM_GIB[,GPU_TYPE,GPUS] ...]
                                           [--strategy least-allocated|first-fit] [--json]

Starts a private Postgres cluster (infra/postgres/cluster.sh) in a temporary folder and migrates it (or uses
--database-url, an empty migrated database). Creates `--orgs` orgs with GPU quotas (every third org's quota is half
its GPU demand, so the quota refuses some Spaces) and `--spaces` Spaces with a mix of flavors, each with a
succeeded build, as the builder leaves them (APP_STARTING). Then runs `podium_cp.spaces.reconciler.Reconciler`
passes (the real one: quota checks, configuration hashes, stages) against a
`SimulatedCluster` (load/sim_cluster.py: a Kubernetes-like scheduler over node pools) until a pass changes
nothing, and prints:

- Spaces placed (RUNNING) per pool and flavor; Spaces waiting for hardware because the cluster is full, with a
  sample of the scheduler's message; Spaces the quota refused, and that nothing was created in the cluster for them;
- passes and wall time to converge, per-pass times (p50/max);
- a control-plane restart: a new Reconciler on the same cluster and database, the passes and time until a pass
  changes nothing, and every replica it restarted or removed (each one is a bug, printed as such).

Exit status 0 when every Space converged to RUNNING or WAITING_FOR_HARDWARE and the restart restarted nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim_cluster import Pool, SimulatedCluster  # noqa: E402

DEFAULT_POOLS = ("cpu,40,64,256", "t4,10,48,192,T4,4", "a10g,8,48,192,A10G,4", "a100,4,96,1152,A100,8")
# Flavors the migrations do not seed: multi-GPU Spaces, so the scheduler has to pack.
SIM_FLAVORS = (("sim-t4-x2", "Simulation: 2 x T4", 8.0, 30720, "T4", 2),
               ("sim-a100-x4", "Simulation: 4 x A100", 48.0, 262144, "A100", 4))
# Share of the Spaces per flavor (h100: no pool has H100s, so those wait whatever the load).
MIX = {"cpu-basic": 0.55, "cpu-upgrade": 0.15, "t4-small": 0.08, "t4-medium": 0.04, "sim-t4-x2": 0.02,
       "a10g-small": 0.06, "a10g-large": 0.03, "a100-large": 0.04, "sim-a100-x4": 0.02, "h100": 0.01}
SECRET_KEYS = "sim:" + "c2ltdWxhdGlvbi1rZXktMDEyMzQ1Njc4OWFiY2RlZg=="  # a 32-byte key, for deep-link tokens


# --- the database's side --------------------------------------------------------------------------------------


def flavor_plan(spaces: int) -> list[str]:
    """`spaces` flavor names in MIX's proportions (largest remainder), in a fixed shuffled order."""
    exact = {name: share * spaces for name, share in MIX.items()}
    counts = {name: int(value) for name, value in exact.items()}
    for name in sorted(exact, key=lambda n: counts[n] - exact[n])[: spaces - sum(counts.values())]:
        counts[name] += 1
    plan = [name for name, count in counts.items() for _ in range(count)]
    random.Random(9).shuffle(plan)
    return plan


async def populate(database: Any, spaces: int, orgs: int) -> dict[str, int]:
    """Orgs, quotas, flavors and Spaces with one succeeded build each; returns org name -> max_gpus."""
    from sqlalchemy import select, text

    from podium_cp.models import Flavor, Org
    from podium_cp.models.spaces import Build, OrgQuota, Space, SpaceRevision

    plan = flavor_plan(spaces)
    async with database.session() as db:
        for name, display, cpu, memory, gpu_type, gpus in SIM_FLAVORS:
            await db.execute(text(
                "INSERT INTO flavors (name, display_name, cpu, memory_mb, gpu_type, gpu_count, available) "
                "VALUES (:n, :d, :c, :m, :g, :k, true) ON CONFLICT (name) DO NOTHING"),
                {"n": name, "d": display, "c": cpu, "m": memory, "g": gpu_type, "k": gpus})
        gpus_of = {f.name: f.gpu_count for f in (await db.execute(select(Flavor))).scalars()}
        org_rows = [Org(name=f"org{i:03d}") for i in range(orgs)]
        db.add_all(org_rows)
        await db.flush()
        demand: Counter[str] = Counter()
        space_rows = []
        for i, flavor in enumerate(plan):
            org = org_rows[i % orgs]
            demand[org.name] += gpus_of[flavor]
            space_rows.append(Space(name=f"space-{i:05d}", owner_name=org.name, owner_org_id=org.id, hardware=flavor,
                                    sleep_time=-1, stage="APP_STARTING"))
        db.add_all(space_rows)
        quotas = {}
        for i, org in enumerate(org_rows):  # every third org may use half the GPUs its Spaces ask for
            quotas[org.name] = demand[org.name] // 2 if i % 3 == 0 else demand[org.name]
            db.add(OrgQuota(org_id=org.id, max_spaces=spaces, max_gpus=quotas[org.name]))
        await db.flush()
        revisions = [SpaceRevision(space_id=s.id, number=1, manifest={"files": []}, manifest_digest="d1",
                                   space_metadata={"sdk": "podium", "app_file": "app.py"}) for s in space_rows]
        db.add_all(revisions)
        await db.flush()
        builds = [Build(space_id=s.id, revision_id=r.id, status="succeeded") for s, r in zip(space_rows, revisions, strict=True)]
        db.add_all(builds)
        await db.flush()
        for space, revision, build in zip(space_rows, revisions, builds, strict=True):
            build.image = f"registry.local/sim/podium-space-{space.id}:{build.id}"
            space.latest_revision_id = revision.id
    return quotas


async def _fingerprint(database: Any) -> tuple[int, list[tuple[Any, ...]]]:
    """(stage events so far, every Space's id/stage/message/runtime status): equal before and after a quiet pass."""
    from podium_cp.db.raw import fetch_all

    async with database.read_session() as db:
        rows = await fetch_all(db, "SELECT s.id, s.hardware, s.owner_name, s.stage, s.stage_message, r.status, "
                                   "r.container_id FROM spaces s LEFT JOIN space_runtimes r ON r.space_id = s.id "
                                   "ORDER BY s.id", {})
        events = await fetch_all(db, "SELECT count(*) AS n FROM space_stage_events", {})
    return int(events[0].n), [tuple(r) for r in rows]


# --- running the reconciler -------------------------------------------------------------------------------------


async def run_until_quiet(reconciler: Any, cluster: SimulatedCluster, database: Any, *, interval_s: float,
                          max_seconds: float) -> dict[str, Any]:
    """Passes (with `interval_s` between them, as `Reconciler.run` waits) until one changes nothing in the database
    or the cluster and every Space is RUNNING or WAITING_FOR_HARDWARE; its timings."""
    times: list[float] = []
    started = time.perf_counter()
    before = await _fingerprint(database)
    while True:
        mutations = cluster.calls["start"] + cluster.calls["remove"]
        t0 = time.perf_counter()
        await reconciler.pass_once()
        times.append(time.perf_counter() - t0)
        after = await _fingerprint(database)
        quiet = after == before and cluster.calls["start"] + cluster.calls["remove"] == mutations
        final = all(row[3] in ("RUNNING", "WAITING_FOR_HARDWARE") for row in after[1])
        before = after
        if quiet and final:
            return {"converged": True, "passes": len(times), "wall_s": time.perf_counter() - started,
                    "pass_p50_s": statistics.median(times), "pass_max_s": max(times)}
        if time.perf_counter() - started > max_seconds:
            return {"converged": False, "passes": len(times), "wall_s": time.perf_counter() - started,
                    "pass_p50_s": statistics.median(times), "pass_max_s": max(times)}
        await asyncio.sleep(interval_s)


def classify(rows: list[tuple[Any, ...]], cluster: SimulatedCluster, quotas: dict[str, int]) -> dict[str, Any]:
    """Each Space's outcome from its stage and the cluster's Deployments."""
    placed: dict[str, Counter[str]] = defaultdict(Counter)
    waiting: Counter[str] = Counter()
    waiting_sample: dict[str, str] = {}
    refused: Counter[str] = Counter()
    refused_sample = ""
    refused_created = []  # quota-refused Spaces that have (or had) a Deployment: a bug
    other: list[str] = []
    for space_id, hardware, owner, stage, message, _status, _cid in rows:
        if stage == "RUNNING" and (pool := cluster.placed(space_id)) is not None:
            placed[pool][hardware] += 1
        elif stage == "WAITING_FOR_HARDWARE" and space_id in cluster.deployments:
            waiting[hardware] += 1
            waiting_sample.setdefault(hardware, message)
        elif stage == "WAITING_FOR_HARDWARE" and "max_gpus" in message:
            refused[hardware] += 1
            refused_sample = refused_sample or message
            if space_id in cluster.created:
                refused_created.append(f"{owner}/space {space_id}")
        else:
            other.append(f"space {space_id} ({hardware}): {stage} {message[:160]!r}")
    requested: Counter[str] = Counter()
    owner_of = {row[0]: row[2] for row in rows}
    for space_id, gpus in cluster.gpus_requested().items():
        requested[owner_of.get(space_id, "?")] += gpus
    over_quota = {org: (requested[org], quota) for org, quota in quotas.items() if requested[org] > quota}
    return {
        "total": len(rows),
        "placed": {pool: dict(flavors) for pool, flavors in sorted(placed.items())},
        "placed_total": sum(sum(c.values()) for c in placed.values()),
        "waiting_for_capacity": dict(waiting),
        "waiting_total": sum(waiting.values()),
        "waiting_messages": waiting_sample,
        "quota_refused": dict(refused),
        "quota_refused_total": sum(refused.values()),
        "quota_refused_sample": refused_sample,
        "quota_refused_with_objects": refused_created,
        "other": other,
        "orgs_over_quota_in_cluster": over_quota,
    }


def cluster_summary(cluster: SimulatedCluster) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for node in cluster.capacity():
        pool = out.setdefault(node.pool, {"nodes": 0, "gpus": 0, "gpus_free": 0, "memory_gib_free": 0.0,
                                          "cpu_free": 0.0})
        pool["nodes"] += 1
        pool["gpus"] += node.gpus
        pool["gpus_free"] += node.gpus_free
        pool["memory_gib_free"] += node.memory_mb_free / 1024
        pool["cpu_free"] += node.cpu_free
    return out


async def simulate(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The whole simulation on a migrated database; every figure it prints."""
    from podium_cp.db import Database
    from podium_cp.settings import Settings
    from podium_cp.spaces.reconciler import Reconciler

    pools = [Pool.parse(p) for p in (args.pool or DEFAULT_POOLS)]
    cluster = SimulatedCluster(pools, start_delay_s=args.start_delay, strategy=args.strategy)
    folder = Path(tempfile.mkdtemp(prefix="podium-sim-"))
    settings = Settings(database_url=database_url, data_dir=folder, public_url="http://podium.example",
                        secret_keys=SECRET_KEYS, runtime="kubernetes",
                        spaces_api_url="http://podium-api.podium.svc:8000")
    database = Database(database_url, pool_size=args.concurrency + 4, max_overflow=4)
    try:
        t0 = time.perf_counter()
        quotas = await populate(database, args.spaces, args.orgs)
        setup_s = time.perf_counter() - t0

        def reconciler() -> Reconciler:
            return Reconciler(database, cluster, settings, interval_s=args.interval, concurrency=args.concurrency)

        first = await run_until_quiet(reconciler(), cluster, database, interval_s=args.interval,
                                      max_seconds=args.max_seconds)
        _, rows = await _fingerprint(database)
        outcome = classify(rows, cluster, quotas)
        running_before = {row[0] for row in rows if row[3] == "RUNNING"}
        starts_before, removes_before = dict(cluster.starts), dict(cluster.removes)

        restart = await run_until_quiet(reconciler(), cluster, database, interval_s=args.interval,
                                        max_seconds=args.max_seconds)
        restarted = sorted(sid for sid in cluster.starts if cluster.starts[sid] != starts_before.get(sid, 0))
        removed = sorted(sid for sid in cluster.removes if cluster.removes[sid] != removes_before.get(sid, 0))
        _, rows_after = await _fingerprint(database)
        restart["bugs"] = (
            [f"space {sid} was started again after the restart" for sid in restarted]
            + [f"space {sid}'s replica was removed after the restart" for sid in removed]
            + [f"space {row[0]} left RUNNING after the restart: {row[3]}" for row in rows_after
               if row[0] in running_before and row[3] != "RUNNING"])
        restart["adopted_running"] = len(running_before)
        return {
            "spaces": args.spaces, "orgs": args.orgs, "strategy": args.strategy,
            "pools": [vars(p) for p in pools], "setup_s": setup_s,
            "converge": first, "outcome": outcome, "cluster": cluster_summary(cluster),
            "restart": restart, "runtime_calls": dict(cluster.calls),
        }
    finally:
        await database.dispose()
        shutil.rmtree(folder, ignore_errors=True)


# --- output -------------------------------------------------------------------------------------------------


def report(result: dict[str, Any]) -> str:
    o, c, r = result["outcome"], result["converge"], result["restart"]
    lines = [f"{result['spaces']} Spaces, {result['orgs']} orgs, scheduler {result['strategy']}"]
    for name, pool in result["cluster"].items():
        lines.append(f"  pool {name}: {pool['nodes']} nodes, {pool['gpus']} GPUs ({pool['gpus_free']} free), "
                     f"{pool['cpu_free']:.0f} cores and {pool['memory_gib_free']:.0f} GiB free")
    lines.append(f"placed (RUNNING): {o['placed_total']}")
    for pool, flavors in o["placed"].items():
        lines.append(f"  {pool}: " + ", ".join(f"{n} {f}" for f, n in sorted(flavors.items())))
    lines.append(f"waiting for hardware, cluster full: {o['waiting_total']} "
                 + ", ".join(f"{n} {f}" for f, n in sorted(o["waiting_for_capacity"].items())))
    for flavor, message in sorted(o["waiting_messages"].items()):
        lines.append(f"  {flavor}: {message}")
    lines.append(f"quota refusals: {o['quota_refused_total']} "
                 + ", ".join(f"{n} {f}" for f, n in sorted(o["quota_refused"].items())))
    if o["quota_refused_sample"]:
        lines.append(f"  e.g. {o['quota_refused_sample']}")
    lines.append(f"  objects created in the cluster for them: {len(o['quota_refused_with_objects'])}")
    lines.append(f"accounting: {o['placed_total']} + {o['waiting_total']} + {o['quota_refused_total']} = "
                 f"{o['placed_total'] + o['waiting_total'] + o['quota_refused_total']} of {o['total']}"
                 + (f"; {len(o['other'])} elsewhere:" if o["other"] else ""))
    lines.extend(f"  {line}" for line in o["other"][:10])
    for org, (asked, quota) in sorted(o["orgs_over_quota_in_cluster"].items()):
        lines.append(f"  note: {org}'s Deployments ask for {asked} GPUs (bound or Pending); its quota is {quota}")
    lines.append(f"converge: {'yes' if c['converged'] else 'NO'} after {c['passes']} passes, {c['wall_s']:.1f} s "
                 f"(pass p50 {c['pass_p50_s']:.2f} s, max {c['pass_max_s']:.2f} s); setup {result['setup_s']:.1f} s")
    lines.append(f"restart: a new reconciler is quiet after {r['passes']} pass(es), {r['wall_s']:.1f} s "
                 f"(pass p50 {r['pass_p50_s']:.2f} s, max {r['pass_max_s']:.2f} s); "
                 f"{r['adopted_running']} running Spaces adopted, {len(r['bugs'])} restarted or disturbed")
    lines.extend(f"  BUG: {bug}" for bug in r["bugs"][:20])
    lines.append(f"reconciler errors logged: {len(result.get('reconciler_errors', []))}")
    return "\n".join(lines)


def ok(result: dict[str, Any]) -> bool:
    o = result["outcome"]
    return (result["converge"]["converged"] and result["restart"]["converged"] and not o["other"]
            and not o["quota_refused_with_objects"] and not result["restart"]["bugs"]
            and not result.get("reconciler_errors"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spaces", type=int, default=1000)
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--pool", action="append", metavar="NAME,NODES,CPU,MEM_GIB[,GPU_TYPE,GPUS]",
                        help=f"a node pool (repeat); default: {' '.join(DEFAULT_POOLS)}")
    parser.add_argument("--strategy", choices=("least-allocated", "first-fit"), default="least-allocated")
    parser.add_argument("--start-delay", type=float, default=0.5, help="seconds from bound to ready (default 0.5)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between passes (the reconciler's)")
    parser.add_argument("--concurrency", type=int, default=4, help="the reconciler's concurrent Spaces (default 4)")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="give up converging after this long")
    parser.add_argument("--database-url", help="an empty, migrated database instead of a private cluster")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of text")
    args = parser.parse_args(argv)
    if args.spaces < 1 or args.orgs < 1:
        parser.error("--spaces and --orgs must be at least 1")
    try:
        for pool in args.pool or DEFAULT_POOLS:
            Pool.parse(pool)
    except ValueError as exc:
        parser.error(str(exc))
    return args


class _Errors(logging.Handler):
    """Counts the reconciler's ERROR records (`pass_once` logs and swallows a Space's unexpected exception)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    reconciler_log = logging.getLogger("podium.reconciler")
    reconciler_log.setLevel(logging.ERROR)  # 1,000 "started" lines say nothing here
    errors = _Errors()
    reconciler_log.addHandler(errors)
    if args.database_url:
        result = asyncio.run(simulate(args.database_url, args))
    else:
        from _server import start_postgres, stop_postgres

        folder = Path(tempfile.mkdtemp(prefix="podium-sim-pg-"))
        folder.chmod(0o755)
        try:
            url = start_postgres(folder / "data", "sim_scheduler")
            result = asyncio.run(simulate(url, args))
        finally:
            stop_postgres(folder / "data")
            shutil.rmtree(folder, ignore_errors=True)
    reconciler_log.removeHandler(errors)
    result["reconciler_errors"] = errors.messages
    print(json.dumps(result, indent=2) if args.json else report(result), flush=True)
    return 0 if ok(result) else 1


if __name__ == "__main__":
    sys.exit(main())
