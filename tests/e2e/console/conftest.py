"""The team console in Chromium against the whole platform, every part real: Postgres, the API serving the console
build, the builder and reconciler on Podman with the Space base image, and the router at NAME--OWNER.spaces.localhost.

One platform serves the whole folder (`console` fixture, started on first use); each test module signs up users and
makes orgs under names of its own, so modules never see each other's data. Helpers are in `console_helpers.py`.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import migrated_database  # tests/controlplane: the parent conftest imported platform_fixtures
from platform_fixtures import TEST_SECRET_KEYS
from spaces_platform import Platform, remove_namespace

REPO = Path(__file__).resolve().parents[3]
# A build of one's own (`npx vite build -c vite.config.console.ts --outDir DIR`) may be tested with PODIUM_CONSOLE_DIR.
CONSOLE_DIR = Path(os.environ.get("PODIUM_CONSOLE_DIR") or REPO / "frontend_dist" / "build" / "console")
NAMESPACE = f"console{random.randrange(10**6, 10**7)}"
if str(Path(__file__).parent) not in sys.path:  # the test modules import console_helpers (--import-mode=importlib)
    sys.path.insert(0, str(Path(__file__).parent))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if (CONSOLE_DIR / "index.html").is_file():
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason="the console is not built (run `make setup` or `make build-frontend`)"))


@pytest.fixture(scope="session")
def console_database(pg_cluster: str) -> Iterator[str]:
    with migrated_database(pg_cluster, f"console_{NAMESPACE}") as url:
        yield url


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory, console_database: str, podman_socket: str,
            base_image: str) -> Iterator[Platform]:
    """The platform; the console is at `console.api_url`."""
    platform = Platform(tmp_path_factory.mktemp("console"), console_database, podman_socket, base_image,
                        TEST_SECRET_KEYS)
    platform.env["PODIUM_RUNTIME_NAMESPACE"] = NAMESPACE
    platform.env["PODIUM_CONSOLE_DIR"] = str(CONSOLE_DIR)
    try:
        platform.start_all()
        yield platform
    finally:
        platform.stop_all()
        remove_namespace(podman_socket, NAMESPACE)
