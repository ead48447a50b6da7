"""Calls reached and served per hour of week and team count, from the hypercube: toy
weeks checked against the week evaluator, and Durham citywide (time and error)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from heart_plan.config import ShiftsConfig, SolverConfig, UnitConfig
from heart_plan.errors import ModelError, PlanError
from heart_plan.planning.hour_values import hour_value_tables
from heart_plan.queueing.week import evaluate_week
from heart_plan.staffing.shifts import ShiftProblem, plan_shifts
from heart_plan.staffing.workload import WEEKS_PER_YEAR

# Three nodes, two posts (tests/queueing/test_evaluator.py); band "b" drives 20% slower.
DRIVE = {"a": np.array([[120, 900], [600, 800], [1000, 300]])}
DRIVE["b"] = np.rint(DRIVE["a"] * 1.2).astype(int)
BANDS = tuple("a" if h < 84 else "b" for h in range(168))
PATTERN = {"a": np.array([0.6, 0.3, 0.5]), "b": np.array([0.2, 0.5, 0.4])}
FACTORS = {"a": (0.5, 1.0), "b": (0.5, 1.0, 1.5)}
KW = {"standard_s": 720, "on_scene_mean_h": 0.75, "turnout_s": 60.0}


def toy_arrivals() -> np.ndarray:
    """(168, 3) calls per hour: each band's pattern scaled by a cycling factor, so band a
    has 2 distinct rate vectors and band b 3."""
    rows = []
    for h in range(168):
        band = BANDS[h]
        factors = FACTORS[band]
        rows.append(PATTERN[band] * factors[h % len(factors)])
    return np.array(rows)


def team_posts(band: str, k: int) -> tuple[int, ...]:
    """Teams alternate between the two posts (a third team stacks on post 0)."""
    return tuple(i % 2 for i in range(k))


def test_per_hour_tables_agree_with_the_week_evaluator():
    lam = toy_arrivals()
    hv = hour_value_tables(lam, BANDS, DRIVE, team_posts, 3, method="per_hour", **KW)
    assert hv.reached_per_year.shape == hv.served_per_year.shape == (168, 4)
    assert (hv.reached_per_year[:, 0] == 0).all() and (hv.served_per_year[:, 0] == 0).all()
    assert hv.evaluations == (2 + 3) * 3  # identical (band, k, rates) share one solution
    assert hv.calls_per_year == pytest.approx(lam.sum() * WEEKS_PER_YEAR)
    rng = np.random.default_rng(0)
    for _ in range(3):
        teams = tuple(int(t) for t in rng.integers(0, 4, 168))
        week = evaluate_week(lam, teams, BANDS, DRIVE, team_posts, **KW)
        assert hv.reached_of(teams) == pytest.approx(week.reached_calls_per_year, rel=1e-12)
        assert hv.served_of(teams) == pytest.approx(week.served_calls_per_year, rel=1e-12)
    assert not hv.reached_per_year.flags.writeable


def test_load_levels_are_exact_when_the_levels_hit_every_scaled_pattern():
    # Every hour is its band's pattern times a factor; 3 evenly spaced levels per band
    # include every hour's total (band a: 0.5, 0.75, 1.0; band b: 0.5, 1.0, 1.5).
    lam = toy_arrivals()
    exact = hour_value_tables(lam, BANDS, DRIVE, team_posts, 3, method="per_hour", **KW)
    levels = hour_value_tables(lam, BANDS, DRIVE, team_posts, 3, levels=3, **KW)
    assert levels.method == "load_levels" and levels.levels == 3
    np.testing.assert_allclose(levels.reached_per_year, exact.reached_per_year, rtol=1e-9)
    np.testing.assert_allclose(levels.served_per_year, exact.served_per_year, rtol=1e-9)


def test_hours_mask_leaves_zero_rows():
    mask = np.zeros(168, bool)
    mask[7:19] = True
    hv = hour_value_tables(toy_arrivals(), BANDS, DRIVE, team_posts, 2, hours=mask, **KW)
    assert (hv.reached_per_year[~mask] == 0).all() and (hv.reached_per_year[mask, 1] > 0).all()
    assert hv.evaluated_hours.sum() == 12
    assert hv.summary()["evaluated_hours"] == 12


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_teams": 0}, "max_teams must be an integer >= 1"),
        ({"method": "simulate"}, "method must be 'per_hour' or 'load_levels'"),
        ({"levels": 1}, "levels must be >= 2"),
        ({"team_posts": lambda band, k: (0,)}, r"team_posts\('a', 2\) gave 1 posts"),
        ({"arrivals_per_h": np.ones((24, 3))}, r"must be \(168, nodes\)"),
        ({"drive_time_s": {"a": DRIVE["a"]}}, "no drive matrix for band 'b'"),
    ],
)
def test_bad_inputs_are_model_errors(kwargs, match):
    args = {"arrivals_per_h": toy_arrivals(), "band_of_hour": BANDS, "drive_time_s": DRIVE,
            "team_posts": team_posts, "max_teams": 2} | kwargs  # fmt: skip
    with pytest.raises(ModelError, match=match):
        hour_value_tables(**args, **KW)


def test_shift_plan_from_the_tables_is_evaluated_as_planned():
    # The schedule the planner picks from the reached table reaches, by the week
    # evaluator, exactly what the planner reported.
    lam = toy_arrivals()
    hv = hour_value_tables(lam, BANDS, DRIVE, team_posts, 3, method="per_hour", **KW)
    unit = UnitConfig(crew_size=1, productive_hours_per_fte=WEEKS_PER_YEAR)
    config = ShiftsConfig(
        lengths_h=(4,), start_hours=(0, 6, 12, 18), max_teams_per_hour=3, min_rest_h=0,
        unsocial_start_penalty_calls=0.0, stability_penalty_calls=0.0,
    )  # fmt: skip
    problem = ShiftProblem(
        tuple(lam.sum(axis=1) * WEEKS_PER_YEAR), 1.0, budget_fte=200.0, objective="max_reached",
        reached_per_year_by_how_teams=hv.reached_per_year,
        served_per_year_by_how_teams=hv.served_per_year,
    )  # fmt: skip
    solver = SolverConfig(seed=0, workers=1, max_deterministic_time=10.0, relative_gap_limit=0.0)
    res = plan_shifts(problem, config=config, unit=unit, solver=solver)
    week = evaluate_week(lam, res.teams_on_duty, BANDS, DRIVE, team_posts, **KW)
    assert res.expected_reached_per_year == pytest.approx(week.reached_calls_per_year, rel=1e-9)
    assert res.expected_served_per_year == pytest.approx(week.served_calls_per_year, rel=1e-9)
    assert res.served_source == "table"


# ----------------------------------------------------------------------------- Durham


def fire_station_plan(ctx, posts: int = 4):
    """Citywide plan, 2 teams 07:00-19:00, at the first ``posts`` fire stations (band '')."""
    from heart_plan.plan import Plan, Post, daily_window_on_duty

    sites = ctx.sites[ctx.sites["kind"].astype(str) == "fire_station"].head(posts)
    return Plan(
        scenario_name=ctx.scenario.name,
        scenario_sha256=ctx.scenario.sha256,
        command="test",
        service_area_beats=ctx.city_beats,
        teams_on_duty=daily_window_on_duty(7, 19, 2),
        posts=tuple(
            Post(
                str(r.site_id), int(r.node_id), float(r.lon), float(r.lat), "", 1, float(r.access_s)
            )
            for r in sites.itertuples()
        ),  # fmt: skip
        hours={"daily_start": 7, "daily_end": 19},
    )


@pytest.mark.durham
def test_durham_citywide_tables_time_and_load_level_error(durham_context, capsys):
    from heart_plan.planning.evaluate import evaluate_plan
    from heart_plan.planning.hour_values import plan_hour_values

    ctx = durham_context
    plan = fire_station_plan(ctx)
    ctx.matrix("midday")  # matrices loaded once, outside the timings
    t0 = time.perf_counter()
    fast = plan_hour_values(ctx, plan, 8)
    t1 = time.perf_counter()
    exact = plan_hour_values(ctx, plan, 8, method="per_hour")
    t2 = time.perf_counter()
    with capsys.disabled():
        print(f"\nDurham citywide K=8 hour values: load_levels {t1 - t0:.2f} s "
              f"({fast.evaluations} evaluations), per_hour {t2 - t1:.2f} s "
              f"({exact.evaluations} evaluations)")  # fmt: skip
    assert fast.calls_per_year == pytest.approx(ctx.calls_per_year, rel=1e-9)
    # The exact table reproduces the plan's evaluation at its own schedule, up to the
    # breaks: the table takes the nominal off-line share as fractional teams, the plan's
    # evaluation the scheduled breaks of its shifts (staffing/off_line.py).
    _week, predicted = evaluate_plan(ctx, plan)
    table, scheduled = exact.reached_of(plan.teams_on_duty), predicted["reached_calls_per_year"]
    with capsys.disabled():
        print(f"table {table:,.1f} vs scheduled breaks {scheduled:,.1f} calls reached/year")
    assert table == pytest.approx(scheduled, rel=0.03)
    # Load levels: within 1 call/year per cell and 0.5% of the week total at every k.
    err = np.abs(fast.reached_per_year - exact.reached_per_year)
    assert err.max() < 1.0
    assert np.abs(fast.served_per_year - exact.served_per_year).max() < 1.0
    totals = exact.reached_per_year.sum(axis=0)[1:]
    assert np.all(np.abs(fast.reached_per_year.sum(axis=0)[1:] - totals) <= 0.005 * totals)


@pytest.mark.durham
def test_durham_plan_without_a_post_for_a_band_is_a_plan_error(durham_context):
    from heart_plan.planning.hour_values import plan_hour_values

    plan = fire_station_plan(durham_context, posts=1)
    plan = plan.with_changes(posts=tuple(p.__class__(**{**p.__dict__, "band": "midday"})
                                         for p in plan.posts))  # fmt: skip
    with pytest.raises(PlanError, match="no post for time band 'night'"):
        plan_hour_values(durham_context, plan, 2)
    with pytest.raises(PlanError, match="no posts"):
        plan_hour_values(durham_context, plan.with_changes(posts=()), 2)
