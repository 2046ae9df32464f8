"""Keyset pagination for every list: `?limit=&cursor=`, answered as `{"items": [...], "next_cursor": ...}`.

The cursor is opaque to clients (base64 of the last row's id); lists are ordered by id, newest first unless a
route says otherwise, so a page never repeats or skips rows that were added meanwhile.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from typing_extensions import Unpack

from podium_cp.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int
    after_id: int | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-200)")] = 50,
    cursor: Annotated[str | None, Query(max_length=64, description="`next_cursor` of the previous page")] = None,
) -> PageParams:
    return PageParams(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("This cursor is not valid; pass the next_cursor of a previous page", code="bad_cursor") from None
    if value < 0:
        raise InvalidInput("This cursor is not valid; pass the next_cursor of a previous page", code="bad_cursor")
    return value


async def fetch_page(
    db: AsyncSession,
    stmt: Select[Unpack[tuple[Any, ...]]],
    id_column: InstrumentedAttribute[int],
    params: PageParams,
    *,
    newest_first: bool = True,
) -> tuple[Sequence[Any], str | None]:
    """Run `stmt` for one page keyed on `id_column`; returns the rows and the cursor of the next page (or None)."""
    if params.after_id is not None:
        stmt = stmt.where(id_column < params.after_id if newest_first else id_column > params.after_id)
    stmt = stmt.order_by(id_column.desc() if newest_first else id_column.asc()).limit(params.limit + 1)
    rows = (await db.execute(stmt)).all()
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = encode_cursor(_row_id(rows[-1], id_column)) if more and rows else None
    return rows, next_cursor


def _row_id(row: Any, id_column: InstrumentedAttribute[int]) -> int:
    mapping = row._mapping
    if id_column in mapping:
        return int(mapping[id_column])
    first = row[0]
    return int(getattr(first, id_column.key))
