"""Property tests: model objectives equal brute-force enumeration on small random instances."""

from __future__ import annotations

from itertools import combinations, combinations_with_replacement

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heart_plan.errors import InfeasibleError
from heart_plan.models import LSCP, MCLP, MEXCLP, PCenter, PMedian


@st.composite
def instances(draw, max_sites: int = 6, max_demand: int = 8):
    n_sites = draw(st.integers(1, max_sites))
    n_demand = draw(st.integers(1, max_demand))
    times = draw(
        st.lists(st.integers(0, 20), min_size=n_sites * n_demand, max_size=n_sites * n_demand)
    )
    weights = draw(st.lists(st.integers(0, 5), min_size=n_demand, max_size=n_demand))
    if sum(weights) == 0:
        weights[0] = 1
    df = pd.DataFrame(
        np.asarray(times).reshape(n_demand, n_sites),
        index=[f"d{i}" for i in range(n_demand)],
        columns=[f"s{j}" for j in range(n_sites)],
    )
    p = draw(st.integers(1, n_sites))
    fixed = draw(st.lists(st.sampled_from(list(df.columns)), max_size=p, unique=True))
    radius = draw(st.integers(0, 20))
    return df, pd.Series(weights, index=df.index, dtype=float), p, sorted(fixed), radius


def _subsets(df, p, fixed):
    for s in combinations(range(df.shape[1]), p):
        if set(fixed) <= {df.columns[j] for j in s}:
            yield list(s)


@settings(max_examples=40)
@given(instances())
def test_lscp_matches_brute_force(inst):
    df, w, _, fixed, radius = inst
    t = df.to_numpy()[w.to_numpy() > 0]
    best = None
    for k in range(len(fixed), df.shape[1] + 1):
        if any(((t[:, s] <= radius).any(axis=1)).all() for s in _subsets(df, k, fixed)):
            best = k
            break
    model = LSCP.from_cost_matrix(df, w, radius_s=radius, fixed_sites=fixed)
    if best is None:
        with pytest.raises(InfeasibleError, match="no site within radius_s"):
            model.solve()
        return
    res = model.solve()
    assert res.objective == best and len(res.selected_sites) == best
    assert res.covered_weight == w.sum() and res.is_optimal()


@pytest.mark.parametrize("formulation", ["dense", "sparse"])
@settings(max_examples=40)
@given(inst=instances())
def test_mclp_matches_brute_force(inst, formulation):
    df, w, p, fixed, radius = inst
    cov, wv = df.to_numpy() <= radius, w.to_numpy()
    if not (cov.any(axis=1) & (wv > 0)).any():
        return  # covered by test_models_inputs (InfeasibleError)
    best = max(wv[cov[:, s].any(axis=1)].sum() for s in _subsets(df, p, fixed))
    res = MCLP.from_cost_matrix(df, w, radius_s=radius, p_sites=p, fixed_sites=fixed).solve(
        formulation=formulation
    )
    assert res.objective == pytest.approx(best) and res.is_optimal()
    assert res.solver_params["formulation"] == formulation
    assert len(res.selected_sites) == p and set(fixed) <= set(res.selected_sites)
    assert res.covered_weight == pytest.approx(best)


@settings(max_examples=40)
@given(instances())
def test_pmedian_matches_brute_force(inst):
    df, w, p, fixed, _ = inst
    t, wv = df.to_numpy(), w.to_numpy()
    best = min((wv * t[:, s].min(axis=1)).sum() for s in _subsets(df, p, fixed))
    res = PMedian.from_cost_matrix(df, w, p_sites=p, fixed_sites=fixed).solve()
    assert res.objective == pytest.approx(best)
    assert len(res.selected_sites) == p and set(fixed) <= set(res.selected_sites)


@settings(max_examples=40)
@given(instances())
def test_pcenter_matches_brute_force(inst):
    df, w, p, fixed, _ = inst
    t = df.to_numpy()[w.to_numpy() > 0]
    best = min(t[:, s].min(axis=1).max() for s in _subsets(df, p, fixed))
    res = PCenter.from_cost_matrix(df, w, p_sites=p, fixed_sites=fixed).solve()
    assert res.objective == best and res.max_drive_time_s == best
    assert len(res.selected_sites) == p and res.is_optimal()


@settings(max_examples=30)
@given(instances(max_sites=5, max_demand=7), st.sampled_from([0.0, 0.25, 0.5, 0.8]))
def test_mexclp_matches_brute_force(inst, q):
    df, w, p, fixed, radius = inst
    p = min(p, 3)
    fixed = fixed[:p]
    cov, wv = (df.to_numpy() <= radius).astype(int), w.to_numpy()
    if not (cov.any(axis=1) & (wv > 0)).any():
        return
    best = 0.0
    for teams in combinations_with_replacement(range(df.shape[1]), p):
        if not {df.columns.get_loc(f) for f in fixed} <= set(teams):
            continue
        n = cov @ np.bincount(teams, minlength=df.shape[1])
        best = max(best, float((wv * (1 - q**n)).sum()))
    res = MEXCLP.from_cost_matrix(
        df, w, radius_s=radius, p_sites=p, busy_fraction=q, fixed_sites=fixed
    ).solve()
    assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert sum(res.teams_per_site.values()) == p
