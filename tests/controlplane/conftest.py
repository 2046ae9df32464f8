"""Control-plane test fixtures: ONE private Postgres cluster per test run (`pg_cluster`, from
tests/platform_fixtures.py, shared with the browser tests), migrated to head once; every test starts from empty tables.

- `pg_url`: the migrated database's SQLAlchemy URL (session scope).
- `settings`: Settings for an app on that database (function scope; tweak with dataclasses.replace).
- `api`: a FastAPI TestClient of `create_app(settings)` (lifespan run), base URL http://testserver.
- `database`: a `podium_cp.db.Database` on `pg_url` for async tests (with `anyio_backend` = asyncio).
- `podman_socket`, `base_image` (tests/platform_fixtures.py): REAL Podman serving the Docker API on a socket in a
  temporary directory, and the Space base image (infra/space-image/build.sh: cached by its inputs' digest).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test modules import this folder's `helpers` (importing platform_fixtures puts this folder on sys.path).
from platform_fixtures import TEST_SECRET_KEYS, base_image, pg_cluster, podman_socket  # noqa: F401 (fixtures)
from sqlalchemy import create_engine, text


@pytest.fixture(scope="session")
def pg_url(pg_cluster: str) -> str:  # noqa: F811 (the fixture imported above)
    """The cluster's database, migrated to head."""
    from podium_cp.migrate import upgrade

    upgrade(pg_cluster)
    return pg_cluster


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that use the database start from empty tables (identities restart too); the reference data the
    migrations seed (hardware flavors) stays."""
    yield
    if "pg_url" not in request.fixturenames:
        return
    url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename NOT IN ('alembic_version', 'flavors')")
                )
            ]
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def database(pg_url: str):  # type: ignore[no-untyped-def]
    from podium_cp.db import Database

    db = Database(pg_url, pool_size=5, max_overflow=5)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def settings(pg_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from podium_cp.settings import Settings

    return Settings(
        database_url=pg_url,
        data_dir=tmp_path,
        public_url="http://testserver",
        secret_keys=TEST_SECRET_KEYS,
        cookie_secure=False,
    )


@pytest.fixture
def api(settings):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from podium_cp.api import create_app

    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PODIUM_TEST", "1")
