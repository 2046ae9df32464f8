"""`python -m podium_services.reconciler`: keep every Space's container as its settings say (PODIUM_* variables).

    PODIUM_DATABASE_URL=postgresql+psycopg://... DOCKER_HOST=unix:///run/podium/podman.sock \\
        python -m podium_services.reconciler [--interval 0.5]

Starts, restarts (with back-off), sleeps, pauses and removes Space containers through the container engine's
Docker-compatible socket, or on a Kubernetes cluster with PODIUM_RUNTIME=kubernetes (docs/design/kubernetes.md);
see podium_cp/spaces/reconciler.py. On one machine, GPUs come from `nvidia-smi` on this node. Only one
reconciler works at a time (a second one stands by); killing it at any moment loses nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from podium_services.serving import load_settings, run_until_stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="podium_services.reconciler", description="Run Podium Spaces.")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between passes (default 0.5)")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    args = parser.parse_args(argv)
    settings = load_settings("podium reconciler")
    if settings is None:
        return 2

    from podium_cp.runtime.factory import runtime_from_settings
    from podium_cp.runtime.inventory import probe_gpus
    from podium_cp.settings import SettingsError

    gpus = probe_gpus() if settings.runtime == "docker" else []  # a cluster places GPUs and reports its own
    try:
        runtime = runtime_from_settings(settings, gpus=gpus)
    except SettingsError as error:
        print(f"podium reconciler: {error}", file=sys.stderr)
        return 2

    async def body(stop: asyncio.Event) -> None:
        from podium_cp.db import Database
        from podium_cp.spaces.reconciler import Reconciler

        database = Database(settings.database_url, pool_size=5, max_overflow=5)
        reconciler = Reconciler(database, runtime, settings, interval_s=args.interval, gpus=gpus)
        try:
            if args.once:
                await reconciler.pass_once()
            else:
                await reconciler.run(stop)
        finally:
            await database.dispose()

    return run_until_stopped("podium reconciler", body)


if __name__ == "__main__":
    sys.exit(main())
