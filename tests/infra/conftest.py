"""Fixtures of the deployment-file tests (tests/infra): the rendered Kustomize trees, and the test Postgres cluster
(tests/platform_fixtures.py) migrated to head for the platform image and the operators' guide."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from infra_support import KUSTOMIZATIONS, render  # noqa: E402
from platform_fixtures import pg_cluster  # noqa: E402, F401 (fixture)


@pytest.fixture(scope="session")
def pg_url(pg_cluster: str) -> str:  # noqa: F811 (the fixture imported above)
    """The test cluster's database, migrated to head."""
    from podium_cp.migrate import upgrade

    upgrade(pg_cluster)
    return pg_cluster


@pytest.fixture(scope="module")
def rendered() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Each kustomization's rendered documents."""
    yield {name: render(name) for name in KUSTOMIZATIONS}
