"""The deep-link notice at the top of the app: twin of `DeepLinkNotice` in frontend_dist/src/app/runtime/notice.tsx.

`config["deep_link_state"]` (docs/design/deep-links.md) says what became of the `?deep_link=ID` the page was
opened with; the page shows it above the layout, with a dismiss button the runtime wires.
"""

from __future__ import annotations

from typing import Any

from podium.ssr.html import el, txt

# What the notice says when the server sent no message (NOTICE_FALLBACK in notice.tsx).
NOTICE_FALLBACK = {
    "restored": "This page was restored from a shared link.",
    "partial": "This page was restored from a shared link made with another version of the app; "
    "some values were left out.",
    "not_found": "This shared link does not exist; here is the app as it starts.",
    "expired": "This shared link has expired; here is the app as it starts.",
    "unavailable": "The shared link could not be loaded right now; here is the app as it starts.",
    "disabled": "Shared links are turned off for this app.",
}


def notice(state: Any) -> str:
    """The notice's markup for a `deep_link_state`; "" when there is none (or it has no status)."""
    if not isinstance(state, dict):
        return ""
    status = state.get("status")
    if not isinstance(status, str) or not status:
        return ""
    message = state.get("message")
    text = message if isinstance(message, str) and message else NOTICE_FALLBACK.get(status, "")
    return el(
        "div",
        {"class": "pd-deeplink-notice", "role": "status", "data-status": status},
        el("span", {"class": "pd-deeplink-notice-message"}, txt(text)),
        el("button", {"type": "button", "class": "pd-deeplink-notice-dismiss", "aria-label": "Dismiss"}, "×"),
    )
