"""`mount_gradio_app(app, blocks, path)`: serve a Podium app inside an existing Starlette/FastAPI app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from podium.server.settings import ServerSettings

if TYPE_CHECKING:
    from podium.blocks import Blocks
    from podium.server.context import ServerContext

# Arguments of Gradio's mount_gradio_app that only make sense for a server Podium starts itself.
_SERVER_ONLY = ("server_name", "server_port", "node_server_name", "node_port")


def mount_gradio_app(app: Any, blocks: Blocks, path: str, **kwargs: Any) -> Any:
    """Mount `blocks` at `path` in `app` (Starlette or FastAPI) and return `app`.

    ```python
    app = FastAPI()
    app = podium.mount_gradio_app(app, demo, path="/demo")
    ```
    Takes the same options as `launch()` (`auth`, `max_file_size`, `allowed_paths`, `show_error`, ...).
    The app's event engine starts and stops with `app`'s lifespan.
    """
    from starlette.routing import Mount

    from podium.server.app import create_app

    for name in _SERVER_ONLY:
        kwargs.pop(name, None)
    for name in ("theme", "css", "js", "head"):
        if kwargs.get(name) is not None:
            setattr(blocks, name, kwargs.pop(name))
    settings = ServerSettings.from_launch_kwargs(kwargs)
    sub_app = create_app(blocks, settings)
    ctx: ServerContext = sub_app.state.podium
    path = "/" + path.strip("/") if path.strip("/") else ""
    app.router.routes.append(Mount(path, app=sub_app))
    _chain_lifespan(app, ctx)
    blocks.app = sub_app  # type: ignore[attr-defined]
    return app


def _chain_lifespan(app: Any, ctx: ServerContext) -> None:
    """Start and stop the mounted app's engine with the outer app (Starlette does not run a mount's lifespan)."""
    original = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(outer: Any) -> AsyncIterator[Any]:
        async with original(outer) as state:
            await ctx.start()
            try:
                yield state
            finally:
                await ctx.stop()

    app.router.lifespan_context = lifespan


__all__ = ["mount_gradio_app"]
