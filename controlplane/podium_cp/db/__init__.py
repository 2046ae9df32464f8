"""Database access: the declarative base, the async engine and sessions."""

from podium_cp.db.base import Base
from podium_cp.db.engine import Database

__all__ = ["Base", "Database"]
