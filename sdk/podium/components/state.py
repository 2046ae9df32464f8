"""`State`: a value kept on the server for each browser session."""

from __future__ import annotations

import copy
from typing import Any

from podium.components.base import Component


class State(Component):
    """A hidden value stored per session (per `session_hash`).

    Clients send `null` for State inputs; the server passes the session's stored value instead (a deep
    copy of the initial `value` the first time) and stores whatever the function returns for it.
    """

    EVENTS = ("change",)
    skip_api = True

    def __init__(
        self,
        value: Any = None,
        render: bool = True,
        *,
        time_to_live: float | None = None,
        delete_callback: Any = None,
        **kwargs: Any,
    ) -> None:
        self.time_to_live = time_to_live
        self.delete_callback = delete_callback
        self.default_value = None if callable(value) else copy.deepcopy(value)
        super().__init__(value=value, render=render, **kwargs)

    def initial_session_value(self) -> Any:
        """A fresh copy of the initial value for a new session."""
        return copy.deepcopy(self.default_value)

    def get_config(self) -> dict[str, Any]:
        return {"name": "state", "value": None, "time_to_live": self.time_to_live}
