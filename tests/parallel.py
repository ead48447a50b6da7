"""Running the suite on pytest-xdist workers (hooks re-exported by ``tests/conftest.py``).

* Two workers by default: ``-n 2`` unless ``-n`` is given (``-n 0`` or ``-p no:xdist``: one
  process; not with ``--collect-only`` or ``--pdb``), grouped as below unless ``--dist`` is
  given.  Set here rather than in ``addopts`` so that ``-p no:xdist`` stays a valid option.
* Tests sharing an expensive session fixture run on one worker, so the fixture is built
  once per suite: ``GROUPS`` maps a group name to node-id prefixes, and the scheduler
  (xdist ``loadscope`` with these groups as scopes; every other test is its own scope)
  hands each group to one worker, the largest groups first.  pytest-xdist's own
  ``--dist loadgroup`` is not used: with pytest 9.2 it silently stops grouping
  (pytest-dev/pytest-xdist#1386).  When the users of one of ``SHARED_FIXTURES`` are not all
  in one group, they fail, naming the fix (``misgrouped``).
* Tests marked ``slow`` are handed out first, so that no long test starts last.
"""

from __future__ import annotations

from typing import Any

import pytest

#: pytest-xdist workers when ``-n`` is not given.
DEFAULT_WORKERS = 2
#: Our scheduler is used for this ``--dist`` mode (the default set below).
DIST_MODE = "loadgroup"
#: Group name -> node-id prefixes of its tests.
GROUPS: dict[str, tuple[str, ...]] = {
    # durham_run: a real `heart-plan run` (about a minute and a half); durham_context.
    "durham_run": (
        "tests/planning/test_planning_durham.py::",
        "tests/report/test_browser_durham.py::",
        "tests/report/test_summary_fields.py::",
        "tests/test_staged_outputs.py::test_killed_run_leaves_the_previous_complete_output",
        "tests/planning/test_hour_values.py::test_durham_",
        "tests/staffing/test_staffing_cli.py::test_durham_citywide_hours_answer",
        "tests/planning/test_roster_durham.py::",
        "tests/planning/test_field_units_durham.py::",
    ),
    # durham_inputs and durham_demand: validated inputs and calibrated demand.
    "durham_inputs": (
        "tests/test_demand.py::test_durham_",
        "tests/test_bad_input.py::test_durham_calls_quality_is_clean_and_counted",
        "tests/test_trust_caches.py::test_road_graph_is_verified_and_recorded_with_the_inputs",
        "tests/staffing/test_units_durham.py::",
    ),
    # durham_network and durham_engine: the TRM road network and its drive-time engine.
    "durham_network": ("tests/network/test_network_durham.py::",),
    # the module's serial sweep (the reference of the Dask sweeps).
    "sweep": ("tests/sweep/test_sweep_dask.py::",),
}
#: Session fixtures worth building once: all their users must be in one group.
SHARED_FIXTURES = (
    "durham_run",
    "durham_context",
    "durham_inputs",
    "durham_demand",
    "durham_network",
    "durham_engine",
)


def group_of(nodeid: str) -> str | None:
    """The ``GROUPS`` name of a test node id, or None."""
    for name, prefixes in GROUPS.items():
        if nodeid.startswith(prefixes):
            return name
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Default to ``DEFAULT_WORKERS`` workers, and to our grouping scheduler whenever ``-n``
    is given without ``--dist``."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    interactive = config.option.collectonly or config.getoption("usepdb", False)
    if config.option.numprocesses is None and not interactive:
        config.option.numprocesses = DEFAULT_WORKERS
    if config.option.numprocesses and config.option.dist == "no":  # -n N without --dist
        config.option.dist = DIST_MODE


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``loadscope`` scheduling with ``GROUPS`` as the scopes (see the module docstring)."""
    if config.getvalue("dist") != DIST_MODE:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid) or nodeid

    return GroupScheduling(config, log)


def misgrouped(items: list[pytest.Item]) -> dict[str, str]:
    """Tests using a ``SHARED_FIXTURES`` fixture whose users span several groups (or none):
    node id -> why."""
    out: dict[str, str] = {}
    for fixture in SHARED_FIXTURES:
        users = [i for i in items if fixture in getattr(i, "fixturenames", ())]
        groups = {group_of(i.nodeid) for i in users}
        if len(groups) > 1 or None in groups:
            for item in users:
                out.setdefault(
                    item.nodeid,
                    f"the tests using the session fixture {fixture!r} span the xdist groups "
                    f"{sorted(map(str, groups))} (this one: {group_of(item.nodeid)}); put "
                    f"them in one group of GROUPS in tests/parallel.py",
                )
    return out


MISGROUPED = pytest.StashKey[dict[str, str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check the groups; hand out ``slow`` tests first (a stable sort)."""
    config.stash[MISGROUPED] = misgrouped(items)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test outside the group of its shared fixture's other users fails, saying why."""
    why = item.config.stash.get(MISGROUPED, {}).get(item.nodeid)
    if why:
        pytest.fail(why, pytrace=False)
