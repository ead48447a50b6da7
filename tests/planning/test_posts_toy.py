"""Post sets on a toy instance solvable on paper (:mod:`heart_plan.planning.posts`).

Two demand nodes far apart, A (heavy) and B (light), and three candidate sites: ``sA`` at
A, ``sB`` at B and ``sM`` half way (700 s from both, inside the 720 s standard).

* One team: ``sM`` reaches every call it is free for; ``sA`` only A's.  Best: ``sM``.
* Two teams: with ``{sA, sB}`` a call at B that finds the ``sB`` team busy goes to the
  ``sA`` team 2,000 s away (not reached); with ``{sM, sM}`` any free team reaches every
  call.  Best: both teams at ``sM`` (reached is the measure, not the mean drive).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heart_plan.config import SolverConfig, UnitConfig
from heart_plan.planning.area import AreaDemand
from heart_plan.planning.posts import PostSearch, band_rates_per_h, candidate_pool
from heart_plan.queueing.hypercube import evaluate

DRIVE = pd.DataFrame(
    {"sA": [0, 2000], "sB": [2000, 0], "sM": [700, 700]}, index=pd.Index([1, 2], name="demand_id")
)


def toy_area(calls_a: float = 6000.0, calls_b: float = 3000.0) -> AreaDemand:
    sites = pd.DataFrame(
        {
            "site_id": ["sA", "sB", "sM"],
            "node_id": [1, 2, 3],
            "lon": [-78.9, -78.8, -78.85],
            "lat": [36.0, 36.0, 36.0],
            "kind": ["road_node"] * 3,
            "snap_distance_m": [0.0] * 3,
            "access_s": [0.0] * 3,
        }
    )
    weights = pd.Series([calls_a, calls_b], index=DRIVE.index, name="calls_per_year")
    total = calls_a + calls_b
    return AreaDemand(
        beats=("X",),
        weights=weights,
        arrivals_by_hour=np.full(168, total / 168),
        band_of_hour=("all",) * 168,
        sites=sites,
        city_calls_per_year=total,
        standard_s=720,
        full_matrix=lambda band: DRIVE,
    )


UNIT = UnitConfig(on_scene_mean_min=45.0, turnout_s=0)
SOLVER = SolverConfig(seed=0, workers=1)


def test_one_team_goes_half_way_and_two_stack_there() -> None:
    search = PostSearch(toy_area(), unit=UNIT, solver=SOLVER, pool_teams=2, pool_size=3)
    sets = search.up_to(2)
    assert sets[1].sites == ("sM",)
    assert sets[2].sites == ("sM", "sM")
    assert [(p.site_id, p.teams) for p in sets[2].posts] == [("sM", 2)]
    # the set's score is the hypercube at the band's mean load
    rates = band_rates_per_h(toy_area(), "all")
    assert rates.sum() == pytest.approx(9000.0 / (168 * 52.143))
    by_hand = evaluate(
        rates, DRIVE[["sM"]].to_numpy(), [0, 0], standard_s=720, on_scene_mean_h=0.75
    )
    assert sets[2].reached_per_h == pytest.approx(by_hand.reached_per_h, rel=1e-9)
    split = evaluate(
        rates, DRIVE[["sA", "sB"]].to_numpy(), [0, 1], standard_s=720, on_scene_mean_h=0.75
    )
    assert split.reached_per_h < by_hand.reached_per_h  # the split loses B's calls to a busy sB


def test_search_is_deterministic_and_independent_of_how_far_it_goes() -> None:
    one = PostSearch(toy_area(), unit=UNIT, solver=SOLVER, pool_teams=3, pool_size=3).up_to(3)
    again = PostSearch(toy_area(), unit=UNIT, solver=SOLVER, pool_teams=3, pool_size=3)
    assert again.up_to(1)[1] == one[1]  # searching further does not change smaller sets
    assert again.up_to(3) == one
    assert [ps.teams for ps in one.values()] == [1, 2, 3]
    assert all(sum(p.teams for p in ps.posts) == ps.teams for ps in one.values())
    reached = [ps.reached_share for ps in one.values()]
    assert reached == sorted(reached)


def test_pool_adds_a_backup_layer_once_everything_is_covered() -> None:
    # sM alone covers both nodes; the pool then restarts with every call counting again
    pool = candidate_pool(toy_area(), "all", ["sM"], 3)
    assert pool[0] == "sM" and sorted(pool) == ["sA", "sB", "sM"]
    assert pool[1] == "sA"  # the heavier node's site first


def test_post_sets_cache_round_trips_exactly_and_keys_on_the_inputs(tmp_path, monkeypatch):
    from heart_plan.planning.posts import _load_sets, _store_sets, search_key

    monkeypatch.setenv("HEART_PLAN_CACHE", str(tmp_path))
    area = toy_area()
    settings = {"unit": UNIT, "solver": SOLVER, "pool_teams": 2, "pool_size": 3, "max_rounds": 3}
    key = search_key(area, max_teams=2, **settings)
    assert _load_sets(area, key) is None
    sets = PostSearch(area, **settings).up_to(2)
    _store_sets(key, sets)
    assert _load_sets(area, key) == sets  # every float, site and post exactly
    assert search_key(toy_area(), max_teams=2, **settings) == key  # same inputs, same key
    changed = [
        search_key(area, max_teams=3, **settings),
        search_key(area, max_teams=2, **(settings | {"pool_size": 2})),
        search_key(toy_area(calls_b=3001.0), max_teams=2, **settings),
        search_key(area, max_teams=2, **(settings | {"unit": UnitConfig(on_scene_mean_min=30)})),
    ]
    assert len({key, *changed}) == 5
    # a damaged entry is refused, never served
    entry = next((tmp_path / "post_sets").glob("*.entry"))
    entry.write_bytes(entry.read_bytes()[:-5])
    assert _load_sets(area, key) is None
