"""`GET /api/auth/space-login?space=OWNER/NAME&next=/path`: signs a browser in to an org/private Space.

The console's session cookie stays on the API's host; the router sends visitors of a non-public Space here. A
visitor without a session goes to the console's sign-in (`{public_url}/login?next=...`, which comes back here);
one who may read the Space goes back to `{space_url}/.podium/auth?ticket=...&next=/path` with a 60-second ticket
for that Space and session (`podium_cp.router.space_auth`); anyone else gets the same 404 page as a Space that
does not exist.
"""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from podium_cp.api.deps import DB, SettingsDep
from podium_cp.auth.actors import actor_for_session
from podium_cp.auth.sessions import SESSION_COOKIE
from podium_cp.db.raw import fetch_one
from podium_cp.policy import Action, SpaceRef, can
from podium_cp.roles import Visibility
from podium_cp.router.space_auth import AUTH_PATH, SpaceSigner, safe_next

router = APIRouter(tags=["auth"])

_SPACE = """
    SELECT name, owner_name, owner_org_id, owner_user_id, visibility FROM spaces
     WHERE owner_name = %(owner)s AND name = %(name)s AND desired_state <> 'deleted'
"""
_NO_STORE = {"Cache-Control": "no-store"}


def _page(status: int, title: str, body_html: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title><h1>{escape(title)}</h1>{body_html}",
        status_code=status, headers=_NO_STORE,
    )


@router.get("/api/auth/space-login", summary="Sign a browser in to an org or private Space (redirects)",
            response_class=Response, responses={302: {"description": "to the Space, or to the console's sign-in"},
                                                404: {"description": "no such Space, or not readable"}})
async def space_login(
    request: Request,
    db: DB,
    settings: SettingsDep,
    space: Annotated[str, Query(description="OWNER/NAME", max_length=80)],
    next_path: Annotated[str, Query(alias="next", description="path on the Space to open afterwards",
                                    max_length=4096)] = "/",
) -> Response:
    """Send the visitor back to the Space with a short-lived ticket, or to the console's sign-in first."""
    owner, _, name = space.strip().lower().partition("/")
    target = safe_next(next_path)
    row = await fetch_one(db, _SPACE, {"owner": owner, "name": name}) if owner and name else None
    not_found = _page(404, "Space not found",
                      f"<p>There is no Space <code>{escape(space)}</code>, or you do not have access to it.</p>")
    if row is None:
        return not_found
    cookie = request.cookies.get(SESSION_COOKIE)
    actor = await actor_for_session(db, cookie, settings) if cookie else None
    if actor is None or actor.session_id is None or actor.user_id is None:
        here = request.url.path + "?" + urlencode({"space": f"{owner}/{name}", "next": target})
        return RedirectResponse(f"{settings.public_url}/login?next={quote(here, safe='')}", status_code=302,
                                headers=_NO_STORE)
    ref = SpaceRef(name=row.name, visibility=Visibility(row.visibility), org_id=row.owner_org_id,
                   owner_user_id=row.owner_user_id)
    if not can(actor, Action.SPACE_READ, ref):
        return not_found
    ticket = SpaceSigner.from_settings(settings).mint_ticket(actor.user_id, actor.session_id, f"{owner}/{name}")
    back = f"{settings.space_url(owner, name)}{AUTH_PATH}?" + urlencode({"ticket": ticket, "next": target})
    return RedirectResponse(back, status_code=302, headers=_NO_STORE)
