"""Per-session values of `gr.State` components: bounded in sessions, dropped when a session ends."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.components.state import State

_STAMPS = -1  # key of the per-session {component id: last set time} dict, for States with a time_to_live


class SessionStateStore:
    """`session_hash -> {State component id -> value}`, least recently used sessions evicted past `capacity`.

    A session's value starts as a deep copy of the State's initial value; the handler receives the stored
    object itself, so in-place changes persist like in Gradio. A State with `time_to_live` forgets its
    value that many seconds after it was last set (checked when it is next read); `on_expired(component,
    value)` is then called, for the State's `delete_callback`.
    """

    def __init__(self, capacity: int = 10_000, on_expired: Callable[[State, Any], None] | None = None) -> None:
        self.capacity = capacity
        self.on_expired = on_expired
        self._sessions: OrderedDict[str, dict[int, Any]] = OrderedDict()

    def session(self, session_hash: str) -> dict[int, Any]:
        """The state dict of one session (created empty on first use; marks it recently used)."""
        values = self._sessions.get(session_hash)
        if values is None:
            values = self._sessions[session_hash] = {}
            if len(self._sessions) > self.capacity:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(session_hash)
        return values

    def get(self, session_hash: str, component: State) -> Any:
        """The session's value of `component` (its initial value the first time, or after it expired)."""
        values = self.session(session_hash)
        key = component.id
        if key in values:
            ttl = getattr(component, "time_to_live", None)
            if ttl is None:
                return values[key]
            stamps = values.get(_STAMPS) or {}
            if time.monotonic() - stamps.get(key, 0.0) < ttl:
                return values[key]
            expired = values.pop(key)
            if self.on_expired is not None:
                self.on_expired(component, expired)
        value = values[key] = component.initial_session_value()
        self._stamp(values, component)
        return value

    def set(self, session_hash: str, component_id: int, value: Any, component: State | None = None) -> None:
        values = self.session(session_hash)
        values[component_id] = value
        if component is not None:
            self._stamp(values, component)

    @staticmethod
    def _stamp(values: dict[int, Any], component: State) -> None:
        if getattr(component, "time_to_live", None) is not None:
            values.setdefault(_STAMPS, {})[component.id] = time.monotonic()

    def drop(self, session_hash: str) -> dict[int, Any]:
        """Forget every value of a session (after it disconnected); returns what it held, by component id."""
        values = self._sessions.pop(session_hash, None) or {}
        values.pop(_STAMPS, None)
        return values

    def __contains__(self, session_hash: object) -> bool:
        return session_hash in self._sessions

    def __len__(self) -> int:
        return len(self._sessions)
