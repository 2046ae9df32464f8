"""Fixtures of the browser tests: real Podium apps launched in-process, driven by Playwright in Debian's Chromium.

Each module in `apps/` builds `demo` with `import podium as gr`. An app is launched once per test session (on
first use) on a free port and closed when the session ends. One Chromium runs for the whole session; every test
gets its own browser context (own cookies, storage and SharedWorker scope), so tests never see each other's
sessions.

The tests are skipped, with the reason, when `/usr/bin/chromium` or the `playwright` package is missing
(`make setup` installs both; we never run `playwright install`: the browser is Debian's).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

APPS_DIR = Path(__file__).parent / "apps"
REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PODIUM_CHROMIUM", "/usr/bin/chromium")
# The flags of DEVELOPERS.md: no sandbox (root in containers), no GPU, nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1000, "height": 760}  # screenshots under docs/images are this wide
# Where screenshots go: docs/images when PODIUM_SCREENSHOTS=1 (to refresh the committed ones), else a temp dir,
# so that `make test` never dirties the checkout.
SCREENSHOTS_TO_DOCS = os.environ.get("PODIUM_SCREENSHOTS") == "1"

for _path in (REPO / "sdk", Path(__file__).parent):  # `import podium`; test modules import `browser_helpers`
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

    expect.set_options(timeout=10_000)  # a loaded CI machine: assertions wait up to 10 s
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]


def _missing() -> str | None:
    if sync_playwright is None:
        return "the `playwright` Python package is not installed (make setup installs it)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (make setup installs Debian's `chromium`; set PODIUM_CHROMIUM elsewhere)"
    if not (REPO / "frontend_dist" / "build" / "app").is_dir() and not os.environ.get("PODIUM_FRONTEND_DIR"):
        return "the frontend is not built (frontend_dist/build/app missing; run `make setup`)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)
            if reason:
                item.add_marker(pytest.mark.skip(reason=f"browser tests: {reason}"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_app(name: str) -> ModuleType:
    """Import `apps/<name>.py` under a private module name (the module builds `demo` on import)."""
    module_name = f"e2e_apps.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, APPS_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"no app named {name!r} in {APPS_DIR}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


class RunningApps:
    """Apps launched so far in this session, by name; each is launched on first use."""

    def __init__(self) -> None:
        self._apps: dict[str, ModuleType] = {}

    def get(self, name: str) -> ModuleType:
        if name not in self._apps:
            module = load_app(name)
            extra = dict(getattr(module, "LAUNCH_KWARGS", {}))
            module.demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True, **extra)
            assert module.demo.local_url, f"{name}: launch() did not set demo.local_url"
            self._apps[name] = module
        return self._apps[name]

    def close_all(self) -> None:
        for module in self._apps.values():
            module.demo.close()
        self._apps.clear()


@pytest.fixture(scope="session")
def apps() -> Iterator[RunningApps]:
    running = RunningApps()
    yield running
    running.close_all()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (light colour scheme, 1000px wide) for one test."""
    ctx = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """docs/images when PODIUM_SCREENSHOTS=1, else a temp dir (the screenshot code still runs)."""
    if SCREENSHOTS_TO_DOCS:
        target = REPO / "docs" / "images"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path
