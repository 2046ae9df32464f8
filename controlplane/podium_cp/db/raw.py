"""Hot read paths in plain psycopg, on the SQLAlchemy session's own connection (same transaction, same pool).

SQLAlchemy's async layer costs about 0.3 ms of CPU per statement here (greenlet hop, result objects), four
times what psycopg itself needs. The statements every authenticated request runs (who is asking, which org)
use this instead; everything else stays on SQLAlchemy. See docs/performance.md ("The control-plane API").
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import LiteralString


async def driver_connection(db: AsyncSession) -> AsyncConnection[Any]:
    """The psycopg connection under `db` (checked out from the pool on first use, like any statement)."""
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    driver: AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    return driver


async def fetch_one(db: AsyncSession, sql: LiteralString, params: dict[str, Any]) -> Any | None:
    """The first row of `sql` (psycopg `%(name)s` placeholders) as a named tuple, or None."""
    conn = await driver_connection(db)
    async with conn.cursor(row_factory=namedtuple_row) as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchone()


async def fetch_all(db: AsyncSession, sql: LiteralString, params: dict[str, Any]) -> list[Any]:
    """Every row of `sql` as named tuples."""
    conn = await driver_connection(db)
    async with conn.cursor(row_factory=namedtuple_row) as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchall()


async def execute(db: AsyncSession, sql: LiteralString, params: dict[str, Any]) -> None:
    conn = await driver_connection(db)
    await conn.execute(sql, params)
