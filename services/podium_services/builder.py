"""`python -m podium_services.builder`: build Space images from the queue (settings from PODIUM_* variables).

    PODIUM_DATABASE_URL=postgresql+psycopg://... DOCKER_HOST=unix:///run/podium/podman.sock \\
        python -m podium_services.builder

Needs the container engine's Docker-compatible socket (DOCKER_HOST or PODIUM_DOCKER_HOST; default
/run/podium/podman.sock as root, see infra/podman/socket.sh), the Space base image (PODIUM_SPACE_BASE_IMAGE,
built by infra/space-image/build.sh) and the object store the API writes to. PODIUM_CA_BUNDLE (default: the
host's bundle) is given to builds for networks with a TLS-intercepting proxy. Run several for parallel builds;
kill one at any time: its job is claimed again once its heartbeat is older than PODIUM_BUILD_STALE_AFTER
seconds (default 60).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

from podium_services.serving import load_settings, run_until_stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="podium_services.builder", description="Build Podium Space images.")
    parser.add_argument("--once", action="store_true", help="build what is queued now, then exit")
    args = parser.parse_args(argv)
    settings = load_settings("podium builder")
    if settings is None:
        return 2

    async def body(stop: asyncio.Event) -> None:
        from podium_cp.builds.engine import ImageBuilder, docker_client_from_env, registry_from_settings
        from podium_cp.builds.worker import BuildWorker
        from podium_cp.db import Database
        from podium_cp.storage.factory import object_store_from_settings

        database = Database(settings.database_url, pool_size=2, max_overflow=2)
        worker = BuildWorker(
            database,
            object_store_from_settings(settings),
            ImageBuilder(docker_client_from_env(timeout=3600)),
            base_image=settings.space_base_image,
            ca_bundle=settings.ca_bundle,
            namespace=settings.runtime_namespace,
            registry=registry_from_settings(settings),
            stale_after=timedelta(seconds=settings.build_stale_after_s),
        )
        try:
            if args.once:
                while await worker.run_once():
                    pass
            else:
                await worker.run(stop)
        finally:
            await database.dispose()

    return run_until_stopped("podium builder", body)


if __name__ == "__main__":
    sys.exit(main())
