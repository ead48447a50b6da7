"""Shared fixtures.  Real-data tests read the Durham mirror; in CI a missing mirror is a
failure, never a silent skip.  Hypothesis runs derandomized with no deadline.

The suite runs on two pytest-xdist workers unless told otherwise (``-n N``; ``-n 0`` or
``-p no:xdist``: one process), with ``--dist loadgroup``: tests in one ``xdist_group`` run
on one worker.  Tests using an expensive session fixture are put in its group
automatically (``FIXTURE_GROUPS``), so ``durham_run`` (a real ``heart-plan run``),
``durham_context`` and the Durham inputs and network are each built once per suite; tests
marked ``slow`` are handed out first so that no long test starts last.  Caches written by
both workers at once are safe: entries are written to a temporary file and renamed into
place (``heart_plan.atomic``), and temporary files of live processes are kept.
"""

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
#: pytest-xdist workers when ``-n`` is not given.
DEFAULT_WORKERS = 2
#: xdist group of the tests using each expensive session fixture (first match wins).
FIXTURE_GROUPS = (
    ("durham_run", ("durham_run",)),
    ("durham_context", ("durham_context",)),
    ("durham_inputs", ("durham_demand", "durham_inputs")),
    ("durham_network", ("durham_network", "durham_engine")),
)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Default to ``-n 2 --dist loadgroup`` when pytest-xdist is active and ``-n`` not given
    (not with ``--collect-only`` or ``--pdb``); here rather than in ``addopts`` so that
    ``-p no:xdist`` remains a valid option."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    interactive = config.option.collectonly or config.getoption("usepdb", False)
    if getattr(config.option, "numprocesses", 0) is None and not interactive:
        config.option.numprocesses = DEFAULT_WORKERS
        if config.option.dist == "no":
            config.option.dist = "loadgroup"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group tests by the expensive session fixture they use; ``slow`` tests first."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for group, fixtures in FIXTURE_GROUPS:
            if names.intersection(fixtures):
                item.add_marker(pytest.mark.xdist_group(group))
                break
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable


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
