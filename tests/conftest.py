"""Shared fixtures.  Real-data tests read the Durham mirror; in CI a missing mirror is a
failure, never a silent skip.  Hypothesis runs derandomized with no deadline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from heart_plan.config import Scenario, load_scenario
from heart_plan.errors import DataError
from heart_plan.paths import resolve_mirror

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=40)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

TESTS_DIR = Path(__file__).parent
FIXTURES = TESTS_DIR / "fixtures"


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The Durham data mirror; fails (in CI and locally) when it cannot be found."""
    try:
        return resolve_mirror()
    except DataError as exc:
        pytest.fail(f"Durham data mirror required for this test: {exc}")


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    """The embedded default Durham scenario."""
    return load_scenario()
