"""Migrations against the real Postgres: upgrade from empty, the models match the schema, downgrade cleanly; 0007's
replicas and capacity table on a database with a Space."""

from __future__ import annotations

import pytest
from helpers import migrated_database, sql
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError


def test_upgrade_from_empty_matches_the_models_and_downgrades_back(pg_cluster: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import podium_cp.models  # noqa: F401
    from podium_cp.db.base import Base
    from podium_cp.migrate import downgrade, upgrade

    # A database of its own, so the shared test database stays at head.
    admin = create_engine(pg_cluster, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS migrations_check"))
        conn.execute(text("CREATE DATABASE migrations_check"))
    admin.dispose()
    url = pg_cluster.rsplit("/", 1)[0] + "/migrations_check"
    try:
        upgrade(url)
        check = create_engine(url)
        with check.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            assert diff == [], f"the models and the migrations differ: {diff}"
            tables = set(inspect(conn).get_table_names())
        assert {"users", "orgs", "memberships", "api_tokens", "audit_events", "secrets", "deep_links"} <= tables
        downgrade(url)
        with check.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade(url)  # and up again: the downgrade left nothing behind that blocks it
        check.dispose()
    finally:
        admin = create_engine(pg_cluster, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS migrations_check WITH (FORCE)"))
        admin.dispose()


def test_0007_gives_existing_spaces_one_replica_and_goes_back(pg_cluster: str) -> None:
    from podium_cp.migrate import downgrade, upgrade

    with migrated_database(pg_cluster, "migrations_0007") as url:
        downgrade(url, "0006")
        user = sql(url, "INSERT INTO users (username, display_name, is_site_admin, created_at) "
                        "VALUES ('alice', '', false, now()) RETURNING id")[0][0]
        sql(url, "INSERT INTO spaces (name, owner_name, owner_user_id, title, sdk, visibility, hardware, sleep_time, "
                 "desired_state, stage, stage_message, restart_generation, created_at, updated_at) VALUES ('demo', "
                 "'alice', :user, '', 'podium', 'public', 'cpu-basic', 3600, 'running', 'RUNNING', '', 0, now(), now())",
            user=user)
        upgrade(url, "0007")
        assert sql(url, "SELECT replicas FROM spaces")[0][0] == 1
        for bad in (0, 11):
            with pytest.raises(IntegrityError, match="ck_spaces_replicas_range"):
                sql(url, "UPDATE spaces SET replicas = :n", n=bad)
        sql(url, "INSERT INTO runtime_capacity (name, pool, gpu_type, gpus, gpus_free, cpu, cpu_free, memory_mb, "
                 "memory_mb_free, schedulable, observed_at) VALUES ('n1', 'local', '', 0, 0, 4, 4, 8192, 8192, true, now())")
        downgrade(url, "0006")
        columns = {row[0] for row in sql(url, "SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = 'spaces'")}
        assert "replicas" not in columns and "deep_link_retention_days" in columns
        assert not sql(url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'runtime_capacity'")
        assert sql(url, "SELECT name FROM spaces")[0][0] == "demo"
