"""Browser fixture for the report tests: one headless chromium per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_harness import BrowserHarness

from heart_plan.report.maps import TILE_HOSTS


@pytest.fixture(scope="session")
def browser() -> Iterator[BrowserHarness]:
    """A launched ``BrowserHarness`` (Debian chromium, network blocked except tile hosts)."""
    with BrowserHarness(tile_hosts=TILE_HOSTS, timeout_s=30) as harness:
        yield harness
