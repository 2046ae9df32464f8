"""Keyset pages of rows with string ids, newest first: ordered by (created_at, id), both descending.

Deep links and Space share links have random string ids, so the shared pagination of the API (by integer id,
`api/pagination.py`) does not apply to them. Their cursor is opaque to clients: base64 of the last row's time and
id, checked against the list's id pattern when it comes back.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from typing_extensions import Unpack

from podium_cp.errors import InvalidInput


def encode_cursor(created_at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, id_pattern: re.Pattern[str]) -> tuple[datetime, str]:
    """The (created_at, id) a cursor names; 422 `bad_cursor` unless it is one this module made for such ids."""
    bad = InvalidInput("This cursor is not valid; pass the next_cursor of a previous page", code="bad_cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, row_id = raw.partition("|")
        created_at = datetime.fromisoformat(when)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    if created_at.tzinfo is None or not id_pattern.fullmatch(row_id):
        raise bad
    return created_at, row_id


async def fetch_newest_first(
    db: AsyncSession,
    stmt: Select[Unpack[tuple[Any, ...]]],
    created_at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[str],
    *,
    limit: int,
    cursor: str | None,
    id_pattern: re.Pattern[str],
) -> tuple[Sequence[Row[Any]], str | None]:
    """One page of `stmt` (whose rows carry the `created_at` and `row_id` columns under their own names), newest
    first, after `cursor`; and the cursor of the next page (None on the last)."""
    if cursor:
        after_time, after_id = decode_cursor(cursor, id_pattern)
        stmt = stmt.where(or_(created_at < after_time, and_(created_at == after_time, row_id < after_id)))
    stmt = stmt.order_by(created_at.desc(), row_id.desc()).limit(limit + 1)
    rows = (await db.execute(stmt)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(getattr(last, created_at.key), getattr(last, row_id.key))
