"""The messages of the `queue/data` stream (wire spec section 3.3), as plain dicts.

The server frames them (`data: <json>\\n\\n`); nothing here knows about HTTP. Only the message types the
Python client knows ever carry a non-null `event_id`.
"""

from __future__ import annotations

from typing import Any

Message = dict[str, Any]

def heartbeat() -> Message:
    return {"msg": "heartbeat", "event_id": None}


def close_stream() -> Message:
    return {"msg": "close_stream", "event_id": None}


def estimation(event_id: str | None, rank: int | None, queue_size: int, rank_eta: float | None) -> Message:
    return {"msg": "estimation", "event_id": event_id, "rank": rank, "queue_size": queue_size, "rank_eta": rank_eta}


def process_starts(event_id: str, eta: float | None) -> Message:
    return {"msg": "process_starts", "event_id": event_id, "eta": eta}


def progress(event_id: str, progress_data: list[dict[str, Any]]) -> Message:
    return {"msg": "progress", "event_id": event_id, "progress_data": progress_data}


def log(event_id: str, payload: dict[str, Any]) -> Message:
    return {"msg": "log", "event_id": event_id, **payload}


def output_dict(data: list[Any], *, is_generating: bool, duration: float, average_duration: float | None) -> dict[str, Any]:
    """The result dict of one call (the `output` of generating/completed messages and of `/run`)."""
    return {
        "data": data,
        "is_generating": is_generating,
        "duration": duration,
        "average_duration": average_duration,
        "render_config": None,
        "changed_state_ids": [],
        "used_cache": None,
    }


def process_generating(event_id: str, output: dict[str, Any]) -> Message:
    return {"msg": "process_generating", "event_id": event_id, "output": output, "success": True, "time_limit": None}


def process_completed(event_id: str, output: dict[str, Any], *, success: bool, title: str | None = None) -> Message:
    return {"msg": "process_completed", "event_id": event_id, "output": output, "success": success, "title": title}


def unexpected_error(message: str, *, session_not_found: bool = False) -> Message:
    return {
        "msg": "unexpected_error",
        "event_id": None,  # never an event id: the Python client raises KeyError for unknown msgs with one
        "message": message,
        "session_not_found": session_not_found,
        "success": False,
    }
