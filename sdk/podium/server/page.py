"""The HTML page at `/`: the browser UI, already rendered on the server (`docs/design/frontend.md`).

The page carries the build's stylesheets and entry script (from Vite's manifest, `assets.py`), every
component rendered with its current value by `podium.ssr.render_app` inside `#podium-app`, and the config
inlined as `window.gradio_config = {...}` (the runtime needs no second request; API clients scrape it).
The app author's `css`, `head` and `js` go into the page here, so the runtime does not apply them again.
Without a build, or for a visitor who must log in first, the plain pages of `page_plain.py` are served.
"""

from __future__ import annotations

import asyncio
import gzip
import html
import importlib
import logging
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from podium.server.assets import FrontendBuild, accepts_gzip
from podium.server.context import ServerContext
from podium.server.page_plain import render_login_page, render_plain_page
from podium.server.sse import dumps

logger = logging.getLogger("podium.server")

# Applies the theme chosen in the footer (frontend_dist/src/app/footer/theme.ts) before the first paint.
_THEME_SCRIPT = (
    '<script>try{var t=localStorage.getItem("podium-theme");'
    'if(t==="dark"||t==="light")document.documentElement.setAttribute("data-theme",t)}catch(e){}</script>'
)
_PAGE_CACHE_SIZE = 32
_CLOSING_TAG = re.compile(r"</(script|style)", re.IGNORECASE)


def script_json(value: Any) -> str:
    """JSON that is safe inside a `<script>` element (no `</script>` or `<!--` can end or confuse it)."""
    text = dumps(value).decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace(
        "\u2028", "\\u2028"
    ).replace("\u2029", "\\u2029")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _inline(code: str) -> str:
    """Author code inside `<script>`/`<style>`: a `</script` or `</style` in it cannot end the element early.
    (`<\\/` means the same in a JS string and in CSS.)"""
    return _CLOSING_TAG.sub(lambda m: "<\\/" + m.group(1), code)


def _read_paths(paths: Any) -> list[str]:
    """The text of each file in `css_paths`/`head_paths` (a path or a list of them)."""
    if not paths:
        return []
    items = paths if isinstance(paths, (list, tuple)) else [paths]
    texts = []
    for item in items:
        try:
            texts.append(Path(item).read_text(encoding="utf-8"))
        except OSError as exc:
            logger.warning("Cannot read %s for the page: %s", item, exc)
    return texts


def _js_source(js: Any) -> str | None:
    """`js=` is code (a function, called once the page has loaded) or, as in Gradio, a path to a file of it."""
    if not isinstance(js, str) or not js.strip():
        return None
    if "\n" not in js and len(js) < 1024:
        try:
            path = Path(js)
            if path.is_file():
                return path.read_text(encoding="utf-8")
        except OSError:
            pass
    return js


class AuthorCode:
    """The app author's `css`, `head` and `js` (Blocks or `launch()`), read once when the server starts."""

    def __init__(self, blocks: Any) -> None:
        css = getattr(blocks, "css", None)
        styles = ([css] if isinstance(css, str) and css.strip() else []) + _read_paths(
            getattr(blocks, "css_paths", None))
        head = getattr(blocks, "head", None)
        heads = ([head] if isinstance(head, str) and head.strip() else []) + _read_paths(
            getattr(blocks, "head_paths", None))
        self.css = "\n".join(styles)
        self.head = "\n".join(heads)
        self.js = _js_source(getattr(blocks, "js", None))

    def head_html(self) -> str:
        parts = []
        if self.css:
            parts.append(f"<style>{_inline(self.css)}</style>\n")
        if self.head:
            parts.append(self.head + "\n")  # raw: the author's own markup
        return "".join(parts)

    def body_html(self) -> str:
        if not self.js:
            return ""
        return (f'<script>addEventListener("load",async()=>{{try{{await ({_inline(self.js)})()}}'
                "catch(e){console.error(e)}});</script>\n")


def render_ssr(config: dict[str, Any]) -> str:
    """Every component of the app rendered with its value (`podium.ssr.render_app`); "" when that fails."""
    try:
        render_app = importlib.import_module("podium.ssr").render_app  # written apart from the server
        return str(render_app(config))
    except Exception:  # noqa: BLE001 - the page still works without SSR: the runtime renders it
        logger.exception("Server-side rendering failed; the page is sent without it")
        return ""


class RenderedPage(NamedTuple):
    """A page's HTML, as is and gzipped (the config and SSR markup of a big app compress well)."""

    body: bytes
    gzipped: bytes

    def response(self, request: Request) -> Response:
        headers = {"Vary": "Accept-Encoding", "Cache-Control": "no-cache"}
        if accepts_gzip(request.headers.get("accept-encoding", "")):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type="text/html; charset=utf-8", headers=headers)
        return Response(self.body, media_type="text/html; charset=utf-8", headers=headers)


class AppPage:
    """Renders `/` with the browser UI. Pages are cached per public root and user: the config is fixed
    (except with `?deep_link=ID`, whose pages are never cached)."""

    def __init__(self, ctx: ServerContext, build: FrontendBuild) -> None:
        self.ctx = ctx
        self.build = build
        self.author = AuthorCode(ctx.blocks)
        self._cache: OrderedDict[tuple[str, str | None], RenderedPage] = OrderedDict()

    async def render(self, config: dict[str, Any]) -> RenderedPage:
        if "deep_link_state" in config:  # a page opened from a deep link is rendered for that link alone
            return await asyncio.to_thread(self._prepare, config)
        key = (str(config.get("root", "")), config.get("username"))
        page = self._cache.get(key)
        if page is None:
            page = await asyncio.to_thread(self._prepare, config)  # SSR of a big app is CPU work
            self._cache[key] = page
            if len(self._cache) > _PAGE_CACHE_SIZE:
                self._cache.popitem(last=False)
        return page

    def _prepare(self, config: dict[str, Any]) -> RenderedPage:
        body = self._render(config).encode("utf-8")
        return RenderedPage(body, gzip.compress(body, compresslevel=6))

    def _render(self, config: dict[str, Any]) -> str:
        base = urlsplit(str(config.get("root", ""))).path.rstrip("/")  # path only: the host may be proxied
        build = self.build
        title = config.get("title") or "Podium"
        head = [
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f"<title>{_e(title)}</title>\n",
            _THEME_SCRIPT + "\n",
        ]
        if self.ctx.settings.favicon_path:
            head.append(f'<link rel="icon" href="{_e(base)}/favicon.ico">\n')
        head += [f'<link rel="stylesheet" href="{_e(base)}/{_e(sheet)}">\n' for sheet in build.stylesheets]
        head += [f'<link rel="modulepreload" href="{_e(base)}/{_e(chunk)}">\n' for chunk in build.preloads]
        head.append(self.author.head_html())
        markup = render_ssr(config) if self.ctx.settings.ssr_mode else ""
        body = [
            "</head>\n<body>\n",
            f'<div id="podium-app" class="podium">{markup}</div>\n',
            f"<script>window.gradio_config = {script_json(config)};</script>\n",
            f'<script type="module" src="{_e(base)}/{_e(build.script)}"></script>\n',
            self.author.body_html(),
            "</body>\n</html>\n",
        ]
        return "".join(head + body)


def page_routes(ctx: ServerContext, build: FrontendBuild | None = None) -> list[BaseRoute]:
    """`GET /`: the app (with the browser UI when `build` is given, else the plain page) or the login form."""
    app_page = AppPage(ctx, build) if build is not None else None

    async def index(request: Request) -> Response:
        if ctx.auth.enabled and ctx.auth.current_user(request) is None:
            return HTMLResponse(render_login_page(ctx))
        config = await ctx.request_config(request)
        if app_page is None:
            return HTMLResponse(render_plain_page(ctx, config, script_json(config)))
        return (await app_page.render(config)).response(request)

    return [Route("/", index, methods=["GET"])]


__all__ = ["AppPage", "AuthorCode", "page_routes", "render_login_page", "render_plain_page", "render_ssr",
           "script_json"]
