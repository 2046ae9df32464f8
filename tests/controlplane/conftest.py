"""Control-plane test fixtures: ONE private Postgres cluster per test run (infra/postgres/cluster.sh, the same
script `make up` uses), migrated to head once; every test starts from empty tables.

- `pg_url`: the migrated database's SQLAlchemy URL (session scope).
- `settings`: Settings for an app on that database (function scope; tweak with dataclasses.replace).
- `api`: a FastAPI TestClient of `create_app(settings)` (lifespan run), base URL http://testserver.
- `database`: a `podium_cp.db.Database` on `pg_url` for async tests (with `anyio_backend` = asyncio).
- `podman_socket`, `base_image`: REAL Podman serving the Docker API on a socket in a temporary directory, and the
  Space base image (infra/space-image/build.sh: cached by its inputs' digest; a cold build takes about 80 s).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
# Test modules import this folder's `helpers` (pytest's importlib mode puts no test folder on sys.path).
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
CLUSTER = ROOT / "infra" / "postgres" / "cluster.sh"
# A fixed test key for secrets at rest (32 bytes, base64): tests only.
TEST_SECRET_KEYS = "k1:" + base64.b64encode(b"podium-test-key-0123456789abcdef").decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    """A running private cluster; yields the URL of its (empty) `podium` database."""
    if shutil.which("bash") is None or not CLUSTER.exists():
        pytest.fail("infra/postgres/cluster.sh is missing")
    parent = Path(tempfile.mkdtemp(prefix="podium-pg-"))
    parent.chmod(0o755)  # as root, the cluster runs as the `postgres` user, who must reach the data dir
    data = parent / "data"
    port = _free_port()
    started = subprocess.run(["bash", str(CLUSTER), "start", str(data), str(port)], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"could not start Postgres: {started.stderr.strip()}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(data)], capture_output=True)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_url(pg_cluster: str) -> str:
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


def run_script(*args: str, timeout: float = 600) -> str:
    done = subprocess.run(["bash", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture(scope="session")
def podman_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Podman configured and serving the Docker API on a socket in a temporary directory."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed; `make setup` installs Debian's podman, buildah, runc and debootstrap")
    run_script("infra/podman/setup.sh")
    sock = str(tmp_path_factory.mktemp("podman") / "podman.sock")
    yield run_script("infra/podman/socket.sh", "start", sock, timeout=60)
    subprocess.run(["bash", "infra/podman/socket.sh", "stop", sock], cwd=ROOT, capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def base_image(podman_socket: str) -> str:
    """The Space base image (built once, then reused while sdk/ and the script are unchanged)."""
    return run_script("infra/space-image/build.sh", timeout=900)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PODIUM_TEST", "1")
