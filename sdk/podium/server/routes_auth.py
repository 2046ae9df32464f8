"""Login and logout (`POST /login`, `GET /logout`) and who-am-I routes (wire-protocol spec, section 6)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from podium.server.context import ServerContext
from podium.server.responses import HTTPError, JSONResponse


def auth_routes(ctx: ServerContext, api_prefix: str) -> list[BaseRoute]:
    auth = ctx.auth

    async def login(request: Request) -> Response:
        if not auth.enabled:
            return RedirectResponse(ctx.root_url(request) + "/", status_code=302)
        try:
            form = await request.form(max_files=0, max_fields=10)
        except Exception:  # noqa: BLE001 - any malformed form body is the client's mistake
            raise HTTPError(400, "Send the login as a form with the fields 'username' and 'password'.") from None
        username, password = form.get("username"), form.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise HTTPError(400, "Send the login as a form with the fields 'username' and 'password'.")
        username = username.strip()
        if not await auth.check(username, password):
            raise HTTPError(400, "Incorrect credentials.")
        response = JSONResponse({"success": True})
        auth.set_cookies(response, auth.issue_token(username))
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse(ctx.root_url(request) + "/", status_code=302)
        auth.clear_cookies(request, response)
        return response

    async def user(request: Request) -> Response:
        return JSONResponse(auth.current_user(request))

    async def login_check(request: Request) -> Response:
        auth.require(request)
        return JSONResponse(None)

    async def token(request: Request) -> Response:
        # Only the Secure cookie, as Gradio: over plain http the token never reaches page scripts.
        secure_name, _ = auth.cookie_names
        value = request.cookies.get(secure_name)
        user_name = auth.tokens.get(value) if value else None
        return JSONResponse({"token": value if user_name else None, "user": user_name})

    return [
        Route("/login", login, methods=["POST"]),
        Route("/login/", login, methods=["POST"]),
        Route("/logout", logout, methods=["GET"]),
        Route(f"{api_prefix}/user", user, methods=["GET"]),
        Route(f"{api_prefix}/user/", user, methods=["GET"]),
        Route(f"{api_prefix}/login_check", login_check, methods=["GET"]),
        Route(f"{api_prefix}/login_check/", login_check, methods=["GET"]),
        Route(f"{api_prefix}/token", token, methods=["GET"]),
        Route(f"{api_prefix}/token/", token, methods=["GET"]),
    ]


__all__ = ["auth_routes"]
