"""The async engine (psycopg 3) and the session factory; one `Database` per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


class Database:
    """Owns the connection pool. `session()` gives a session whose transaction commits on success."""

    def __init__(self, url: str, *, pool_size: int = 20, max_overflow: int = 20, echo: bool = False) -> None:
        # No pre-ping: it would cost a round trip per request; broken connections are dropped on error and
        # connections are recycled hourly instead.
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, pool_recycle=3600, echo=echo
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Same pool, autocommit: for requests that only read (no BEGIN/COMMIT round trips).
        self.read_sessions = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back when it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session in autocommit mode: each statement stands alone (reads, and writes that need no others)."""
        async with self.read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
