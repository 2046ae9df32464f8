"""Alembic environment: podium_cp's metadata, the URL from PODIUM_DATABASE_URL (or the caller's config)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

import podium_cp.models  # noqa: F401  (registers every table)
from podium_cp.db.base import Base
from podium_cp.settings import _async_url

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("PODIUM_DATABASE_URL", "")
    if not url:
        raise SystemExit("migrations: set PODIUM_DATABASE_URL (postgresql+psycopg://USER@HOST:PORT/DB)")
    return _async_url(url)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
