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


# ----------------------------------------------------------------------------- Durham
# The Durham pipeline runs once per test session through these fixtures.


@pytest.fixture(scope="session")
def durham_inputs(mirror: Path, scenario: Scenario):
    """Validated Durham inputs from the mirror."""
    from heart_plan.loaders import load_inputs

    return load_inputs(scenario, mirror)


@pytest.fixture(scope="session")
def durham_demand(durham_inputs, scenario: Scenario):
    """Calibrated Durham demand."""
    from heart_plan.demand import build_demand

    return build_demand(durham_inputs, scenario)


@pytest.fixture(scope="session")
def durham_context(mirror: Path, scenario: Scenario):
    """The Durham planning context (inputs, demand, road network, sites)."""
    from heart_plan.planning.context import build_context

    return build_context(scenario, mirror)


@pytest.fixture(scope="session")
def durham_run(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """``heart-plan run`` on the embedded default, as a user runs it (a real process)."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("durham_run") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "heart_plan.cli", "run", "--out", str(out), "--mirror", str(mirror)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"heart-plan run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    (out / "_stdout.txt").write_text(proc.stdout)
    (out / "_stderr.txt").write_text(proc.stderr)
    return out
