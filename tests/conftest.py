"""Shared pytest setup for the whole repository.

Fixtures used by several test folders live here; keep this module light (no server or heavy import at
collection time) so that `pytest tests/sdk/test_cli.py` starts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Shared test support (`app_launcher`) lives in tests/; pytest's importlib mode puts no test folder on sys.path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds (servers, browsers, containers)")


# --- reports: lines a test wants shown at the end of the run (import times, sizes), never asserted ---

_REPORT_LINES: list[str] = []


@pytest.fixture
def report() -> Callable[[str], None]:
    """A function that adds one line to the "podium reports" section printed after the test summary."""
    return _REPORT_LINES.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _REPORT_LINES:
        terminalreporter.write_sep("-", "podium reports")
        for line in _REPORT_LINES:
            terminalreporter.write_line(line)
