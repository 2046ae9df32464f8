"""Migrations against the real Postgres: upgrade from empty, the models match the schema, downgrade cleanly."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text


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
