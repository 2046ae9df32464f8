"""Concurrency groups: one FIFO of waiting events and a count of free slots per `concurrency_id`."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


class ConcurrencyGroup:
    """Events that share a `concurrency_id`: at most `limit` of them run at once (None: no limit).

    `waiting` may hold events that were cancelled while queued; they are skipped when popped (removing
    from the middle of a deque is O(n)), so `size` counts only the live ones.
    """

    __slots__ = ("name", "limit", "active", "waiting", "size", "refresh_handle")

    def __init__(self, name: str, limit: int | None) -> None:
        self.name = name
        self.limit = limit
        self.active = 0
        self.waiting: deque[Any] = deque()
        self.size = 0
        self.refresh_handle: asyncio.TimerHandle | None = None

    def has_free_slot(self) -> bool:
        return self.limit is None or self.active < self.limit

    def __repr__(self) -> str:
        return f"ConcurrencyGroup({self.name!r}, limit={self.limit}, active={self.active}, waiting={self.size})"

    def take_matching(self, plan: Any, room: int) -> list[Any]:
        """Remove and return up to `room` waiting events of handler `plan` (a batch), keeping the others' order."""
        from podium.queue.events import QUEUED

        taken: list[Any] = []
        kept: list[Any] = []
        for event in self.waiting:
            if event.state != QUEUED:
                continue
            if len(taken) < room and event.plan is plan:
                taken.append(event)
            else:
                kept.append(event)
        if taken:
            self.waiting.clear()
            self.waiting.extend(kept)
            self.size -= len(taken)
        return taken
