"""The browser UI's built files: finding the build, reading Vite's manifest, serving `/assets/*`.

The build (`frontend_dist/`, `npm run build`) is a folder with hashed files under `assets/`, a `.gz` copy of
each JS/CSS file and `.vite/manifest.json`. The SDK looks for it, in order, in `$PODIUM_FRONTEND_DIR`, in
`podium/_frontend/app` (the wheel ships it there) and in `<repo>/frontend_dist/build/app` (a checkout).
The list of servable files is taken once, at startup: a request can only ever get one of those files.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from podium.server.responses import HTTPError

logger = logging.getLogger("podium.server")

ENTRY = "src/app/main.tsx"
MANIFEST = ".vite/manifest.json"
ASSETS_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
# Vite names built files `[name]-[hash].ext`; a file without a hash may change under the same name.
_HASHED = re.compile(r"-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")
_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class FrontendBuild:
    """A found build: its folder, the entry's script and stylesheets (paths relative to the folder, as
    `assets/app-HASH.js`), the chunks the entry imports, and every file `/assets/*` may serve."""

    root: Path
    script: str
    stylesheets: tuple[str, ...]
    preloads: tuple[str, ...] = ()
    files: Mapping[str, Path] = field(default_factory=dict)  # "app-HASH.js" (under assets/) -> its path
    gzipped: frozenset[str] = frozenset()  # names in `files` with a `.gz` copy next to them


def candidate_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where a build may be, in order. `$PODIUM_FRONTEND_DIR`, when set, is the only place looked at."""
    env = os.environ if environ is None else environ
    explicit = env.get("PODIUM_FRONTEND_DIR", "").strip()
    if explicit:
        return [Path(explicit)]
    import podium

    package = Path(podium.__file__).resolve().parent
    return [package / "_frontend" / "app", package.parents[1] / "frontend_dist" / "build" / "app"]


def find_frontend_build(environ: Mapping[str, str] | None = None) -> FrontendBuild | None:
    """The first usable build, or None (the server then serves the plain page)."""
    for directory in candidate_dirs(environ):
        if (directory / MANIFEST).is_file():
            try:
                return load_build(directory)
            except (OSError, ValueError) as exc:
                logger.warning("The browser UI build in %s is unusable (%s); run `make setup` to rebuild it.",
                               directory, exc)
                return None
    return None


def load_build(directory: Path) -> FrontendBuild:
    """Read the build in `directory`: its manifest's entry and the list of files under `assets/`."""
    root = directory.resolve()
    manifest = orjson.loads((root / MANIFEST).read_bytes())
    if not isinstance(manifest, dict) or not isinstance(manifest.get(ENTRY), dict):
        raise ValueError(f"{MANIFEST} has no entry for {ENTRY}")
    entry = manifest[ENTRY]
    script = entry.get("file")
    if not isinstance(script, str):
        raise ValueError(f"the manifest entry {ENTRY} has no 'file'")
    stylesheets: list[str] = []
    preloads: list[str] = []
    _collect(manifest, ENTRY, stylesheets, preloads, seen=set())
    files: dict[str, Path] = {}
    gzipped: set[str] = set()
    assets = root / ASSETS_DIR
    if assets.is_dir():
        for path in sorted(assets.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            name = path.relative_to(assets).as_posix()
            if name.endswith(".gz"):
                continue
            files[name] = path
        gzipped = {name for name in files if (assets / (name + ".gz")).is_file()}
    for listed in (script, *stylesheets):
        if _asset_name(listed) not in files:
            raise ValueError(f"the manifest names {listed}, which is not in the build")
    return FrontendBuild(root, script, tuple(stylesheets), tuple(preloads), files, frozenset(gzipped))


def _collect(manifest: dict[str, Any], key: str, css: list[str], preloads: list[str], seen: set[str]) -> None:
    """The stylesheets of `key` and of every chunk it imports (statically), and those chunks' files."""
    if key in seen:
        return
    seen.add(key)
    chunk = manifest.get(key)
    if not isinstance(chunk, dict):
        return
    for sheet in chunk.get("css") or []:
        if isinstance(sheet, str) and sheet not in css:
            css.append(sheet)
    for imported in chunk.get("imports") or []:
        target = manifest.get(imported)
        if isinstance(target, dict) and isinstance(target.get("file"), str) and target["file"] not in preloads:
            preloads.append(target["file"])
        _collect(manifest, imported, css, preloads, seen)


def _asset_name(manifest_path: str) -> str:
    prefix = ASSETS_DIR + "/"
    return manifest_path[len(prefix):] if manifest_path.startswith(prefix) else manifest_path


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return _CONTENT_TYPES.get(suffix, "application/octet-stream")


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an `Accept-Encoding` header allows gzip (`gzip;q=0` refuses it)."""
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def asset_routes(build: FrontendBuild | None) -> list[BaseRoute]:
    """`GET /assets/{name}`: a file of the build, or 404. Hashed files are cached for a year."""

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        path = build.files.get(name) if build is not None else None
        if path is None:
            raise HTTPError(404, "Not Found")
        headers = {"Cache-Control": IMMUTABLE if _HASHED.search(name) else "no-cache"}
        if name in build.gzipped:  # type: ignore[union-attr]
            headers["Vary"] = "Accept-Encoding"
            if accepts_gzip(request.headers.get("accept-encoding", "")):
                headers["Content-Encoding"] = "gzip"
                path = path.with_name(path.name + ".gz")
        return FileResponse(path, media_type=content_type(name), headers=headers)

    return [Route(f"/{ASSETS_DIR}/{{name:path}}", asset, methods=["GET", "HEAD"])]


__all__ = [
    "FrontendBuild",
    "accepts_gzip",
    "asset_routes",
    "candidate_dirs",
    "content_type",
    "find_frontend_build",
    "load_build",
]
