"""Fixtures of the browser tests: real Podium apps launched in-process, driven by Playwright in Debian's Chromium.

Each module in `apps/` builds `demo` with `import podium as gr`. An app is launched once per test session (on
first use) on a free port and closed when the session ends. One Chromium runs for the whole session; every test
gets its own browser context (own cookies, storage and SharedWorker scope), so tests never see each other's
sessions.

The tests are skipped, with the reason, when `/usr/bin/chromium` or the `playwright` package is missing
(`make setup` installs both; we never run `playwright install`: the browser is Debian's).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
# Where screenshots go: docs/images when PODIUM_SCREENSHOTS=1 (to refresh the committed ones), else a temp dir,
# so that `make test` never dirties the checkout.
SCREENSHOTS_TO_DOCS = os.environ.get("PODIUM_SCREENSHOTS") == "1"

for _path in (REPO / "sdk", Path(__file__).parent):  # `import podium`; test modules import `browser_helpers`
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from browser_helpers import APPS_DIR, VIEWPORT, RunningApps  # noqa: E402  (after the sys.path setup above)

# The Spaces platform's session fixtures (test_deep_links_platform.py); the import puts tests/controlplane on sys.path.
from platform_fixtures import base_image, pg_cluster, podman_socket  # noqa: E402, F401 (fixtures)

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


@pytest.fixture(scope="session")
def apps() -> Iterator[RunningApps]:
    running = RunningApps(APPS_DIR, "e2e_apps")
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
    """A fresh browser context (light colour scheme, 1000px wide) for one test; an uncaught JavaScript error in
    any of its pages fails the test."""
    ctx = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    ctx.set_default_timeout(10_000)
    errors: list[str] = []
    ctx.on("weberror", lambda error: errors.append(str(error.error)))
    yield ctx
    ctx.close()
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


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
