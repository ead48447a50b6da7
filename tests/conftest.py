"""Shared fixtures.  Real-data tests read the Durham mirror; in CI a missing mirror is a
failure, never a silent skip.  Hypothesis runs derandomized with no deadline.

The suite runs on two pytest-xdist workers unless told otherwise (``-n N``; ``-n 0`` or
``-p no:xdist``: one process); tests sharing an expensive session fixture run on one
worker, so ``durham_run`` (a real ``heart-plan run``), ``durham_context`` and the Durham
inputs and network are each built once (``tests/parallel.py``).  Caches written by both
workers at once are safe: entries are written to a temporary file and renamed into place
(``heart_plan.atomic``), and temporary files of live processes are kept.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from parallel import (  # noqa: F401  (pytest hooks, found here by name)
    pytest_cmdline_main,
    pytest_collection_modifyitems,
    pytest_runtest_setup,
    pytest_xdist_make_scheduler,
)

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


#: The quick scenario: the Durham default with fire stations as the only candidate posts
#: (placement models over ~20 sites instead of every road node), the pilot and citywide as
#: the only candidate areas of the recommendation, and few replications.
QUICK_SCENARIO_LINES = {
    'sources = ["fire_stations", "road_nodes"]': 'sources = ["fire_stations"]',
    "recommend_every_steps = 6": "recommend_every_steps = 100",
    "replications = 20": "replications = 2",
    "first_replications = 10": "first_replications = 2",
    "max_replications = 200": "max_replications = 4",
}


@pytest.fixture(scope="session")
def quick_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario file (``QUICK_SCENARIO_LINES`` applied to the default): a real Durham
    scenario whose ``run`` and ``expand`` take seconds, for tests of commands' outputs that
    do not depend on the default's numbers."""
    from heart_plan.config import default_scenario_path

    lines = default_scenario_path().read_text().splitlines()
    for old, new in QUICK_SCENARIO_LINES.items():
        hits = [i for i, line in enumerate(lines) if line == old]
        assert len(hits) == 1, f"default scenario line {old!r} found {len(hits)} times"
        lines[hits[0]] = new
    path = tmp_path_factory.mktemp("quick_scenario") / "quick.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


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
