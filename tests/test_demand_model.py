"""Demand model toys: the count GLM recovers known coefficients; partial pooling of
hour-of-week shapes matches a hand computation; held-out choice of the pooling weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heart_plan import cachefile
from heart_plan.demand.glm import candidate_sets, fit_count_model, model_name
from heart_plan.demand.profile import (
    PoolingWeights,
    choose_pooling,
    pooled_shape_set,
    shape_for,
)
from heart_plan.demand.validation import leave_beats_out


def _synthetic_cells(seed: int = 0, beats: int = 400) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cov = pd.DataFrame(
        {
            "incidents_2013": rng.uniform(50, 500, beats),
            "population": rng.uniform(1000, 15000, beats),
        },
        index=pd.Index([f"B{i}" for i in range(beats)], name="beat_id"),
    )
    alpha = {"X": 0.5, "Y": -1.0}
    beta = np.array([0.8, -0.3])
    x = np.log(cov.to_numpy() + 1.0)
    rows = []
    for n, a in alpha.items():
        mu = np.exp(a + x @ beta)
        y = rng.poisson(mu)
        rows.append(pd.DataFrame({"beat_id": cov.index, "nature": n, "calls_per_year": y}))
    return pd.concat(rows, ignore_index=True), cov


def test_glm_recovers_known_coefficients() -> None:
    cells, cov = _synthetic_cells()
    fit = fit_count_model(cells, cov, ("incidents_2013", "population"))
    assert fit.natures == ("X", "Y")
    se = np.sqrt(np.diag(fit.cov))
    truth = np.array([0.5, -1.0, 0.8, -0.3])
    got = np.concatenate([fit.alpha, fit.beta])
    assert np.all(np.abs(got - truth) < 4 * se), (got, se)
    assert fit.beta == pytest.approx([0.8, -0.3], abs=0.1)
    # Poisson data: dispersion about 1
    assert 0.8 < fit.dispersion < 1.25
    # the weight is exp(beta . log(x + 1)); the total adds the nature effects
    one = cov.iloc[:1]
    w = float(np.exp(np.log(one.to_numpy() + 1.0) @ fit.beta)[0])
    assert fit.weight(one).iloc[0] == pytest.approx(w)
    assert fit.predict_total(one).iloc[0] == pytest.approx(w * np.exp(fit.alpha).sum())


def test_glm_interval_covers_poisson_draws() -> None:
    cells, cov = _synthetic_cells(seed=1)
    fit = fit_count_model(cells, cov, ("incidents_2013", "population"))
    band = fit.interval(cov, level=0.9, seed=0)
    totals = cells.groupby("beat_id")["calls_per_year"].sum().reindex(cov.index)
    inside = ((totals >= band["lower"]) & (totals <= band["upper"])).mean()
    assert 0.85 <= inside <= 0.97


def test_validation_table_has_every_candidate_and_intervals() -> None:
    cells, cov = _synthetic_cells(seed=2, beats=12)
    sets = candidate_sets(("incidents_2013", "population"))
    assert sets == [(), ("incidents_2013",), ("population",), ("incidents_2013", "population")]
    v = leave_beats_out(cells, cov, selected=model_name(()), glm_candidates=sets, cache=False)
    names = set(v["covariate"])
    assert {"glm:none", "glm:incidents_2013+population", "incidents_2013"} <= names
    alls = v[v["beat_id"] == "ALL"].set_index("covariate")
    per = v[(v["covariate"] == "glm:none") & (v["beat_id"] != "ALL")]
    assert alls.loc["glm:none", "abs_pct_error"] == pytest.approx(
        per["error_calls_per_year"].abs().sum() / per["observed_calls_per_year"].sum()
    )
    # nature effects only: the held-out beat gets the mean of the other beats
    obs = per["observed_calls_per_year"].to_numpy()
    expect = (obs.sum() - obs) / (len(obs) - 1)
    assert per["predicted_calls_per_year"].to_numpy() == pytest.approx(expect, rel=1e-6)
    assert (per["lower_calls_per_year"] <= per["predicted_calls_per_year"]).all()
    assert (per["upper_calls_per_year"] >= per["predicted_calls_per_year"]).all()
    assert v.loc[v["selected"], "covariate"].unique().tolist() == ["glm:none"]


def test_cached_validation_table_is_the_computed_one(tmp_path, monkeypatch) -> None:
    """The cached table is bit-identical to the computed one; changed inputs miss."""
    monkeypatch.setenv("HEART_PLAN_CACHE", str(tmp_path / "cache"))
    cachefile.REFUSED.clear()
    cells, cov = _synthetic_cells(seed=2, beats=12)
    sets = candidate_sets(("incidents_2013", "population"))
    kw = {"selected": model_name(()), "glm_candidates": sets}
    fresh = leave_beats_out(cells, cov, **kw, cache=False)
    first = leave_beats_out(cells, cov, **kw)
    entries = list((tmp_path / "cache" / "demand_validation").glob("*.entry"))
    assert len(entries) == 1
    second = leave_beats_out(cells, cov, **kw)  # served from the entry
    pd.testing.assert_frame_equal(first, fresh)
    pd.testing.assert_frame_equal(second, fresh)
    moved = cells.assign(calls_per_year=cells["calls_per_year"] + 1)
    leave_beats_out(moved, cov, **kw)
    assert len(list((tmp_path / "cache" / "demand_validation").glob("*.entry"))) == 2


def _toy_calls() -> pd.DataFrame:
    # Nature X: beat A (district D1) 3 calls at hour 0, 1 at hour 1; beat B (D1) 2 at hour 1;
    # beat C (D2) 2 at hour 2.
    hours = {"A": [0, 0, 0, 1], "B": [1, 1], "C": [2, 2]}
    rows = [(b, "X", h) for b, hs in hours.items() for h in hs]
    calls = pd.DataFrame(rows, columns=["beat_id", "nature", "hour_of_week"])
    start = pd.Timestamp("2021-01-04", tz="America/New_York")  # a Monday, ISO week 1
    calls["called_at"] = [start + pd.Timedelta(weeks=i) for i in range(len(calls))]
    return calls


def test_partial_pooling_matches_hand_computation() -> None:
    calls = _toy_calls()
    district_of = {"A": "D1", "B": "D1", "C": "D2", "E": "D1", "F": "D3"}
    w = PoolingWeights(k_beat=2.0, k_district=4.0, k_city=168.0)
    shapes = pooled_shape_set(calls, district_of, w)
    # base = (h_all + 1) / (8 + 168): hour 0 -> 4/176, 1 -> 4/176, 2 -> 3/176, else 1/176
    base = np.full(168, 1 / 176)
    base[0], base[1], base[2] = 4 / 176, 4 / 176, 3 / 176
    assert shapes.base == pytest.approx(base)
    # city X = (h + 168 base) / (8 + 168) = (h + 168 base) / 176
    h = np.zeros(168)
    h[0], h[1], h[2] = 3, 3, 2
    city = (h + 168 * base) / 176
    assert shapes.city["X"] == pytest.approx(city)
    # district D1 (A + B: 3 at 0, 3 at 1; 6 calls) = (h_D1 + 4 city) / 10
    h_d1 = np.zeros(168)
    h_d1[0], h_d1[1] = 3, 3
    d1 = (h_d1 + 4 * city) / 10
    # beat B = (h_B + 2 d1) / 4: at hour 1, (2 + 2 d1[1]) / 4
    beat_b = shapes.of("B", "X")
    assert beat_b[1] == pytest.approx((2 + 2 * d1[1]) / 4)
    assert beat_b[0] == pytest.approx(2 * d1[0] / 4)
    assert beat_b.sum() == pytest.approx(1.0)
    # unobserved beat E in D1 takes D1's shape; F in a district without calls the city's
    assert shapes.of("E", "X") == pytest.approx(d1)
    assert shapes.of("F", "X") == pytest.approx(city)
    # a nature without points borrows its donor's shape at the same beat; else base
    assert shape_for("B", "Z", shapes=shapes, shape_from_nature={"Z": "X"}) == pytest.approx(beat_b)
    assert shape_for("B", "Z", shapes=shapes, shape_from_nature={}) == pytest.approx(base)


def test_pooling_choice_prefers_pooling_for_identical_beats() -> None:
    # Every beat draws from the same shape: the held-out likelihood favours heavy pooling.
    rng = np.random.default_rng(0)
    true = np.ones(168)
    true[8:20] = 6.0
    true /= true.sum()
    n = 600
    calls = pd.DataFrame(
        {
            "beat_id": rng.choice(["A", "B", "C", "E"], n),
            "nature": "X",
            "hour_of_week": rng.choice(168, n, p=true),
        }
    )
    start = pd.Timestamp("2021-01-04", tz="America/New_York")
    calls["called_at"] = start + pd.to_timedelta(rng.integers(0, 270, n), unit="D")
    w = choose_pooling(calls, {"A": "D1", "B": "D1", "C": "D2", "E": "D2"})
    assert w.table is not None and len(w.table) == 10**3
    assert w.k_beat >= 100
    assert w.heldout_loglik == pytest.approx(w.table["heldout_loglik"].max())
