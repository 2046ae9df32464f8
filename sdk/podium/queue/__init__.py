"""The asyncio-native event queue: sessions, concurrency groups and the `EventEngine` the server drives."""

from podium.queue.errors import (
    EngineError,
    EventFailed,
    InvalidRequest,
    QueueFull,
    QueueStopped,
    UnknownFunction,
    ValidationFailed,
)

__all__ = [
    "EngineError",
    "EventFailed",
    "InvalidRequest",
    "QueueFull",
    "QueueStopped",
    "UnknownFunction",
    "ValidationFailed",
]
