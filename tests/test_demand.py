"""Demand: a toy calibration solvable on paper, and the Durham mirror (session fixtures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heart_plan.config import Scenario
from heart_plan.demand import Demand, build_demand, calibrate_rates, replay_calls
from heart_plan.loaders import DurhamInputs

# ----------------------------------------------------------------------------- toy


def test_toy_calibration_on_paper() -> None:
    # Beats A, B observed for D = 182.5 days (annual factor 2); C unobserved.
    # Nature X: counts A=3, B=1 -> annual 6, 2 -> raked to T_obs=16: A=12, B=4;
    #           remainder T_city - T_obs = 20 - 16 = 4 to C.
    # Nature Y (no points) borrows X's shares (3/4, 1/4) of T_obs=8: A=6, B=2;
    #           remainder 10 - 8 = 2 to C.
    counts = pd.DataFrame({"beat_id": ["A", "B"], "nature": ["X", "X"], "count": [3, 1]})
    out = calibrate_rates(
        counts,
        observed_days=182.5,
        observed_beats=["A", "B"],
        city_beats=["A", "B", "C"],
        city_totals={"X": 20, "Y": 10},
        observed_beat_totals={"X": 16, "Y": 8},
        weights=pd.Series({"A": 1.0, "B": 1.0, "C": 1.0}),
        shape_from_nature={"Y": "X"},
    )
    got = {(r.beat_id, r.nature): (round(r.calls_per_year, 9), r.basis) for r in out.itertuples()}
    assert got == {
        ("A", "X"): (12.0, "observed"),
        ("B", "X"): (4.0, "observed"),
        ("C", "X"): (4.0, "modeled"),
        ("A", "Y"): (6.0, "modeled"),
        ("B", "Y"): (2.0, "modeled"),
        ("C", "Y"): (2.0, "modeled"),
    }


def test_toy_completion_follows_weights() -> None:
    # Two unobserved beats with covariate weights 1 and 3 share the remainder 8 as 2 and 6.
    counts = pd.DataFrame({"beat_id": ["A"], "nature": ["X"], "count": [10]})
    out = calibrate_rates(
        counts,
        observed_days=365,
        observed_beats=["A"],
        city_beats=["A", "C", "D"],
        city_totals={"X": 20},
        observed_beat_totals={"X": 12},
        weights=pd.Series({"A": 5.0, "C": 1.0, "D": 3.0}),
    )
    rates = out.set_index("beat_id")["calls_per_year"]
    assert rates.to_dict() == pytest.approx({"A": 12.0, "C": 2.0, "D": 6.0})


# ----------------------------------------------------------------------------- Durham


@pytest.mark.durham
def test_durham_calibration_within_one_percent(durham_demand: Demand, scenario: Scenario) -> None:
    bn = durham_demand.beat_nature
    assert bn["beat_id"].nunique() == 35
    observed = bn["beat_id"].isin(scenario.demand.observed_beats)
    for nature, total in scenario.demand.city_totals.items():
        model = bn.loc[bn["nature"].eq(nature), "calls_per_year"].sum()
        assert model == pytest.approx(total, rel=0.01), nature
        model_obs = bn.loc[bn["nature"].eq(nature) & observed, "calls_per_year"].sum()
        assert model_obs == pytest.approx(scenario.demand.observed_beat_totals[nature], rel=0.01)
    assert durham_demand.calls_per_year == pytest.approx(14_745, rel=1e-9)  # sum of the table


@pytest.mark.durham
def test_durham_basis_labels(durham_demand: Demand, scenario: Scenario) -> None:
    bn = durham_demand.beat_nature
    obs = bn[bn["basis"].eq("observed")]
    assert set(obs["beat_id"]) == set(scenario.demand.observed_beats)
    assert set(obs["nature"]) == {
        "CRISIS", "INTOXICATED PERSON", "PANHANDLING OR NUISANCE", "SUICIDE THREAT",
        "TRESPASS OR UNWANTED", "WELFARE CHECK",
    }  # fmt: skip
    beats = durham_demand.beats
    assert len(beats) == 35
    unobserved = ~beats["beat_id"].isin(scenario.demand.observed_beats)
    assert np.allclose(beats.loc[unobserved, "modeled_share"], 1.0)
    assert beats.loc[~unobserved, "modeled_share"].between(0.05, 0.6).all()
    assert list(beats.columns[:4]) == [
        "beat_id",
        "district",
        "eligible_calls_per_year",
        "modeled_share",
    ]
    assert "calls_per_year__MENTAL DISORDER" in beats.columns


@pytest.mark.durham
def test_durham_hour_of_week(durham_demand: Demand) -> None:
    how = durham_demand.hour_of_week
    assert len(how) == 168
    assert how["hour_of_week"].tolist() == list(range(168))
    assert how["calls_per_year"].sum() == pytest.approx(durham_demand.calls_per_year)
    assert np.allclose(
        how["observed_calls_per_year"] + how["modeled_calls_per_year"], how["calls_per_year"]
    )
    share = durham_demand.beat_hour_share
    assert share.shape == (35, 168)
    assert np.allclose(share.sum(axis=1), 1.0)
    # crisis-type calls are busier at 15:00 than at 04:00 on weekdays
    day = how["hour_of_week"] % 24
    assert (
        how.loc[day == 15, "calls_per_year"].sum() > 2 * how.loc[day == 4, "calls_per_year"].sum()
    )


@pytest.mark.durham
def test_durham_points_and_mismatches(durham_demand: Demand) -> None:
    pts = durham_demand.points
    assert pts["point_id"].is_unique
    assert pts["calls_per_year"].sum() == pytest.approx(durham_demand.calls_per_year)
    assert (pts.groupby("beat_id")["calls_per_year"].sum().reindex(durham_demand.beats["beat_id"]).to_numpy()
            == pytest.approx(durham_demand.beats["eligible_calls_per_year"].to_numpy()))  # fmt: skip
    assert (pts["basis"] == "observed").sum() == 3027
    assert pts.crs.to_epsg() == 4326
    s = durham_demand.summary
    assert s["share_inside_beat_polygon"] >= 0.999
    assert len(durham_demand.mismatches) == s["beat_mismatches"] > 0
    mm = durham_demand.mismatches
    assert (mm["recorded_beat_id"] != mm["polygon_beat_id"]).all()


@pytest.mark.durham
def test_durham_modeled_points_inside_their_beat(
    durham_demand: Demand, durham_inputs: DurhamInputs
) -> None:
    import geopandas as gpd

    mod = durham_demand.points[durham_demand.points["point_id"].str.match(r"mod-\d+-\w+-\d{3}$")]
    assert len(mod) > 0
    joined = gpd.sjoin(mod, durham_inputs.beats[["beat_id", "geometry"]], predicate="within")
    assert (joined["beat_id_left"] == joined["beat_id_right"]).mean() == 1.0


@pytest.mark.durham
def test_durham_validation_table(durham_demand: Demand) -> None:
    v = durham_demand.validation
    chosen = v[v["selected"]]
    assert set(chosen["beat_id"]) == {*durham_demand.observed_beats, "ALL"}
    overall = chosen[chosen["beat_id"] == "ALL"].iloc[0]
    per_beat = chosen[chosen["beat_id"] != "ALL"]
    assert overall["abs_pct_error"] == pytest.approx(
        per_beat["error_calls_per_year"].abs().sum() / per_beat["observed_calls_per_year"].sum()
    )
    # the selected model is the best candidate without the crime covariates; with them the
    # best (median income + drug crimes, negative slopes) gains under 2 points (durham.toml)
    alls = v[v["beat_id"] == "ALL"].set_index("covariate")["abs_pct_error"]
    no_crime = alls[~alls.index.str.contains("crimes_2012_2016")]
    assert no_crime.idxmin() == overall["covariate"]
    assert alls.min() > overall["abs_pct_error"] - 0.02
    assert alls.index.str.contains("crimes_2012_2016").sum() == 3 + 3 * 6
    assert overall["abs_pct_error"] < 0.5


@pytest.mark.durham
def test_durham_replay(
    durham_demand: Demand, durham_inputs: DurhamInputs, scenario: Scenario
) -> None:
    calls = replay_calls(durham_demand, durham_inputs, scenario, seed=0)
    assert len(calls) == round(durham_demand.calls_per_year)
    assert (calls["basis"] == "observed").sum() == 3027
    assert calls["called_at"].dt.year.eq(2021).all()
    assert calls["call_id"].is_unique
    assert calls["hour_of_week"].between(0, 167).all()
    # each month carries roughly 1/12 of the year (no hole in Oct-Dec)
    months = calls["called_at"].dt.month.value_counts()
    assert months.min() > 0.7 * len(calls) / 12
    again = replay_calls(durham_demand, durham_inputs, scenario, seed=0)
    assert again.equals(calls)
    only = replay_calls(durham_demand, durham_inputs, scenario, observed_only=True)
    assert len(only) == 3027 and set(only["basis"]) == {"observed"}


@pytest.mark.parametrize("growth", [0.7, 1.5])
def test_durham_replay_spreads_demand_growth_over_the_year(
    durham_inputs: DurhamInputs, scenario: Scenario, growth: float
) -> None:
    from dataclasses import replace

    grown = replace(scenario, demand=replace(scenario.demand, growth_factor=growth))
    demand = build_demand(durham_inputs, grown)
    calls = replay_calls(demand, durham_inputs, grown, seed=0)
    assert len(calls) == pytest.approx(growth * 14745, rel=0.01)
    # Oct-Dec holds its share of the year (92 of 365 days), not the whole growth
    q4 = calls["called_at"].dt.month.ge(10).mean()
    assert q4 == pytest.approx(92 / 365, abs=0.03)


@pytest.mark.durham
def test_durham_glm_intervals_and_pilot_ranking(durham_demand: Demand, scenario: Scenario) -> None:
    from heart_plan.report.demand_section import pilot_ranking

    s = durham_demand.summary
    # the chosen completion model beats the one-covariate share model of before (30% WAPE)
    v = durham_demand.validation
    alls = v[v["beat_id"] == "ALL"].set_index("covariate")
    assert s["model"] == "glm:none"
    assert s["validation_wape"] < alls.loc["incidents_2013", "abs_pct_error"] - 0.1
    assert alls.loc["incidents_2013", "abs_pct_error"] == pytest.approx(0.302, abs=0.002)
    iv = durham_demand.intervals.set_index("beat_id")
    assert len(iv) == 35
    assert (iv["lower_calls_per_year"] < iv["eligible_calls_per_year"]).all()
    assert (iv["upper_calls_per_year"] > iv["eligible_calls_per_year"]).all()
    modeled = iv["basis"].eq("modeled")
    width = iv["upper_calls_per_year"] - iv["lower_calls_per_year"]
    assert width[modeled].min() > width[~modeled].max()  # modeled beats are less certain
    t = pilot_ranking(durham_demand, scenario.baseline.service_area_beats)
    assert t["rank"].tolist() == list(range(1, 36))
    assert t["pilot"].sum() == 12
    assert t["eligible_calls_per_year"].is_monotonic_decreasing
    # shapes: pooling weights chosen on the grid, every shape sums to 1
    assert s["shape_pooling_k_beat"] >= 100
    assert np.allclose(durham_demand.shapes.sum(axis=1), 1.0)
