"""`Event`: one queued or running call of a handler, and its life-cycle states."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.execution.run import HandlerPlan
    from podium.queue.groups import ConcurrencyGroup
    from podium.queue.sessions import MessageBuffer, Session
    from podium.request import RequestInfo

QUEUED, RUNNING, DONE = 0, 1, 2


class Event:
    """One queued or running call of a handler."""

    __slots__ = ("id", "plan", "group", "session", "channel", "data", "request", "event_data", "trigger_id",
                 "simple_format", "state", "task", "last_rank", "last_estimation_at", "last_payloads")

    def __init__(self, event_id: str, plan: HandlerPlan, group: ConcurrencyGroup, session: Session | None,
                 channel: MessageBuffer | Session, data: list[Any], request: RequestInfo, event_data: Any,
                 trigger_id: int | None, simple_format: bool) -> None:
        self.id = event_id
        self.plan = plan
        self.group = group
        self.session = session  # None for simple_format events (their messages go to `channel` only)
        self.channel = channel  # a `/call` channel's buffer, or the session (which routes its messages)
        self.data = data
        self.request = request
        self.event_data = event_data
        self.trigger_id = trigger_id
        self.simple_format = simple_format
        self.state = QUEUED
        self.task: asyncio.Task[None] | None = None
        self.last_rank = -1
        self.last_estimation_at = 0.0
        self.last_payloads: list[Any] | None = None

    @property
    def session_hash(self) -> str:
        return self.request.session_hash or self.id
