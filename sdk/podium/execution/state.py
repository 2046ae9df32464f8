"""Per-session values of `gr.State` components: bounded in sessions, dropped when a session ends."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podium.components.state import State


class SessionStateStore:
    """`session_hash -> {State component id -> value}`, least recently used sessions evicted past `capacity`.

    A session's value starts as a deep copy of the State's initial value; the handler receives the stored
    object itself, so in-place changes persist like in Gradio.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
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
        """The session's value of `component` (its initial value the first time)."""
        values = self.session(session_hash)
        if component.id in values:
            return values[component.id]
        value = values[component.id] = component.initial_session_value()
        return value

    def set(self, session_hash: str, component_id: int, value: Any) -> None:
        self.session(session_hash)[component_id] = value

    def drop(self, session_hash: str) -> dict[int, Any]:
        """Forget every value of a session (after it disconnected); returns what it held."""
        return self._sessions.pop(session_hash, None) or {}

    def __contains__(self, session_hash: object) -> bool:
        return session_hash in self._sessions

    def __len__(self) -> int:
        return len(self._sessions)
