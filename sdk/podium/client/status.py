"""Job status as the client reports it: `Status` codes and `StatusUpdate` snapshots (spec section 3.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class Status(Enum):
    """Where a job is in its life, mapped from the server's `msg` types."""

    STARTING = "STARTING"
    JOINING_QUEUE = "JOINING_QUEUE"
    QUEUE_FULL = "QUEUE_FULL"
    IN_QUEUE = "IN_QUEUE"
    SENDING_DATA = "SENDING_DATA"
    PROCESSING = "PROCESSING"
    ITERATING = "ITERATING"
    PROGRESS = "PROGRESS"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"
    LOG = "LOG"

    @staticmethod
    def from_message(msg: str) -> Status | None:
        """The status a server message type means, or None for messages that carry no status."""
        return _MESSAGE_STATUS.get(msg)


_MESSAGE_STATUS: dict[str, Status] = {
    "send_hash": Status.JOINING_QUEUE,
    "queue_full": Status.QUEUE_FULL,
    "estimation": Status.IN_QUEUE,
    "send_data": Status.SENDING_DATA,
    "process_starts": Status.PROCESSING,
    "process_generating": Status.ITERATING,
    "process_streaming": Status.ITERATING,
    "progress": Status.PROGRESS,
    "log": Status.LOG,
    "process_completed": Status.FINISHED,
}


@dataclass(frozen=True)
class ProgressUnit:
    """One level of a `gr.Progress` bar, as sent in `progress_data`."""

    index: int | None
    length: int | None
    unit: str | None
    progress: float | None
    desc: str | None

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> ProgressUnit:
        """Build from one entry of a `progress` message's `progress_data` list."""
        return cls(
            index=data.get("index"),
            length=data.get("length"),
            unit=data.get("unit"),
            progress=data.get("progress"),
            desc=data.get("desc"),
        )


@dataclass(frozen=True)
class StatusUpdate:
    """A snapshot of a job's status: what `Job.status()` returns.

    `rank` is the 0-based place in the queue, `eta` the estimated seconds left, `log` the latest
    `(message, level)` sent by `gr.Info`/`gr.Warning`, `progress_data` the latest progress bars.
    """

    code: Status
    rank: int | None = None
    queue_size: int | None = None
    eta: float | None = None
    success: bool | None = None
    time: datetime = field(default_factory=datetime.now)
    progress_data: list[ProgressUnit] | None = None
    log: tuple[str, str] | None = None
