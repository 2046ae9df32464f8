"""The web console's files, served by the API app next to the API (docs/design/console.md, "Serving").

- `/_console/assets/NAME`: a file of the build's `assets/` folder (Vite names each `NAME-HASH.ext`, so it is
  cached for a year), its `.gz` copy when the browser accepts gzip; a name that leaves the folder is 404.
- every other GET or HEAD path outside `/api/`, `/oauth/`, `/.well-known/` and `/_console/`: the build's
  `index.html` (the console routes on the client), revalidated on each load, with the security headers below;
  without a build, a 503 page that says how to make one.

The build is looked up on each request (in a worker thread), so rebuilding it while the API runs takes effect at
the next page load. The page route matches nothing else: other methods and the API's paths keep the API's own
404 and 405 answers.
"""

from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from podium.server.assets import IMMUTABLE, accepts_gzip, content_type
from podium_cp.settings import Settings

PREFIX = "/_console"
ASSETS = f"{PREFIX}/assets"
# Paths the console never answers: the API's, the OIDC provider's and its own files.
RESERVED = ("/api", "/oauth", "/.well-known", PREFIX)
# Vite writes index.html at the top of the build (root src/console); a build rooted higher nests it.
INDEX_CANDIDATES = ("index.html", "src/console/index.html")
NO_BUILD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Podium: the console is not built</title></head>
<body><h1>The web console is not built</h1>
<p>Run <code>make build-frontend</code> in the Podium checkout (or set <code>PODIUM_CONSOLE_DIR</code> to a
build of it), then reload this page. The API works without it: <a href="/api/docs">/api/docs</a>.</p>
</body></html>
"""


def is_console_path(path: str) -> bool:
    """Whether `path` is one the console's `index.html` answers (it is under none of RESERVED)."""
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED)


def content_security_policy(settings: Settings) -> str:
    """The console page's CSP: everything from the API's own origin, except the Space apps it embeds
    (`scheme://*.spaces.DOMAIN[:PORT]`); no page may frame the console."""
    scheme, _, netloc = settings.spaces_public_url.partition("://")
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        f"frame-src 'self' {scheme}://*.{netloc}",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ])


def page_headers(settings: Settings) -> dict[str, str]:
    """The headers of every console page (and of the page saying there is no build)."""
    return {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def find_index(console_dir: Path) -> Path | None:
    """The build's `index.html`, or None when there is no build."""
    for candidate in INDEX_CANDIDATES:
        if (console_dir / candidate).is_file():
            return console_dir / candidate
    return None


def _read_index(console_dir: Path) -> bytes | None:
    index = find_index(console_dir)
    try:
        return index.read_bytes() if index is not None else None
    except OSError:  # removed while a rebuild runs: answered as "no build"
        return None


def _inside(root: Path, path: Path) -> Path | None:
    resolved = path.resolve()
    return resolved if resolved.is_relative_to(root) and resolved.is_file() else None


def find_asset(assets: Path, name: str) -> tuple[Path, Path | None] | None:
    """The file `name` (a path relative to `assets`) and its `.gz` copy (None without one), when it is a file
    inside `assets`; else None.

    `.gz` copies are only served as the encoding of their original; a name with an empty, `.` or `..` segment,
    a backslash or a NUL, and a link that leads out of the folder, are refused.
    """
    if not name or "\\" in name or "\x00" in name or name.endswith(".gz"):
        return None
    if any(segment in ("", ".", "..") for segment in name.split("/")):
        return None
    root = assets.resolve()
    path = _inside(root, root / name)
    return None if path is None else (path, _inside(root, root / (name + ".gz")))


class _PageRoute(Route):
    """`/{path}` for GET and HEAD of console paths only: for anything else it does not match at all (a plain
    Route would answer 405 to a POST to an unknown API path instead of the API's 404)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not is_console_path(scope["path"]):
            return Match.NONE, {}
        return super().matches(scope)


def mount_console(app: FastAPI, settings: Settings) -> None:
    """Serve the console from `settings.console_dir`; call it after every API router is included (the page
    route answers any remaining GET path, so it must come last)."""
    console_dir = settings.console_dir
    headers = page_headers(settings)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        found = await anyio.to_thread.run_sync(find_asset, console_dir / "assets", name)
        if found is None:
            raise HTTPException(404, f"The console has no file {name!r}; reload the page (it may have been rebuilt)")
        path, gzipped = found
        file_headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        if gzipped is not None:
            file_headers["Vary"] = "Accept-Encoding"
            if accepts_gzip(request.headers.get("accept-encoding", "")):
                file_headers["Content-Encoding"] = "gzip"
                path = gzipped
        return FileResponse(path, media_type=content_type(name), headers=file_headers)

    async def page(request: Request) -> Response:
        index = await anyio.to_thread.run_sync(_read_index, console_dir)
        if index is None:
            return HTMLResponse(NO_BUILD_PAGE, status_code=503, headers=headers)
        return HTMLResponse(index, headers=headers)

    app.router.routes.append(Route(ASSETS + "/{name:path}", asset, methods=["GET", "HEAD"], include_in_schema=False))
    app.router.routes.append(_PageRoute("/{path:path}", page, methods=["GET", "HEAD"], include_in_schema=False))
