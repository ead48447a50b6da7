"""Sparse MCLP start and bound against the exact dense MCLP and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from heart_plan.config import SolverConfig
from heart_plan.models import MCLP
from heart_plan.models._mclp_sparse import solve_sparse_mclp
from heart_plan.models.lagrangian import (
    coverage_sets,
    covered_weight,
    mclp_bounded,
    swap_search,
)


def instance(seed: int, n_d: int = 14, n_s: int = 9) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    times = rng.integers(60, 1500, (n_d, n_s))
    weights = np.round(rng.gamma(0.8, 5.0, n_d) + 0.1, 2)
    return times, weights


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_bound_brackets_the_brute_force_optimum(seed, p):
    times, w = instance(seed)
    cover = coverage_sets(times, 720, chunk_rows=4)
    assert np.array_equal(cover.toarray().astype(bool), times <= 720)
    best = max(covered_weight(cover, w, np.array(s)) for s in itertools.combinations(range(9), p))
    res = mclp_bounded(cover, w, p)
    assert len(res.sites) == p
    assert res.covered == pytest.approx(covered_weight(cover, w, np.array(res.sites)))
    assert res.covered <= best + 1e-9 <= res.bound + 1e-6
    assert 0 <= res.gap == pytest.approx((res.bound - res.covered) / res.bound)
    # the dense exact model finds the same optimum as brute force
    frame = pd.DataFrame(times, columns=[f"s{j}" for j in range(9)])
    exact = MCLP.from_cost_matrix(frame, pd.Series(w), radius_s=720, p_sites=p).solve(
        SolverConfig(seed=0, workers=1)
    )
    assert exact.objective == pytest.approx(best)


def test_a_zero_gap_bound_proves_the_greedy_optimum():
    # two disjoint groups, one site each: greedy is optimal and the bound meets it
    times = np.array([[100, 900], [100, 900], [900, 100]])
    res = mclp_bounded(coverage_sets(times, 720), np.array([1.0, 2.0, 4.0]), 2)
    assert res.sites == (0, 1) and res.covered == 7.0
    assert res.gap == pytest.approx(0.0, abs=1e-6)


def _bench_generator():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "bench" / "coverage_models.py"
    spec = importlib.util.spec_from_file_location("bench_coverage_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_chunked_synthetic_cover_equals_the_dense_generator():
    bench = _bench_generator()
    times, weights = bench.synthetic(300, 500, seed=0)
    cover, w = bench.synthetic_cover(300, 500, 720, seed=0, chunk_rows=7)
    dense = coverage_sets(times.to_numpy(), 720)
    assert cover.shape == dense.shape and (cover != dense).nnz == 0
    assert np.array_equal(w, weights.to_numpy())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_swap_search_reaches_a_local_optimum_no_worse_than_its_start(seed, p):
    times, w = instance(seed, n_d=16, n_s=10)
    cover = coverage_sets(times, 720)
    start = np.arange(p)
    sites, covered = swap_search(cover, w, start)
    assert len(set(sites.tolist())) == p
    assert covered == pytest.approx(covered_weight(cover, w, sites))
    assert covered >= covered_weight(cover, w, start) - 1e-9
    for out in range(p):  # no single swap improves it
        for into in set(range(10)) - set(sites.tolist()):
            swapped = np.array([*np.delete(sites, out), into])
            assert covered_weight(cover, w, swapped) <= covered + 1e-9


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("iterations", [1, 3000])
def test_the_sparse_exact_path_matches_brute_force(seed, p, iterations):
    # iterations=1 leaves the bound loose, so the MIP on the candidate sites decides
    times, w = instance(100 + seed, n_d=18, n_s=10)
    cover = coverage_sets(times, 720)
    best = max(covered_weight(cover, w, np.array(s)) for s in itertools.combinations(range(10), p))
    res = solve_sparse_mclp(
        cover, w, p, SolverConfig(seed=0, workers=1), lagrangian_iterations=iterations
    )
    assert res.status == "OPTIMAL" and res.covered == pytest.approx(best)
    assert res.bound == res.covered and len(res.sites) <= p
    assert covered_weight(cover, w, np.array(res.sites)) == pytest.approx(best)
    # site fixing is sound: every solution beating the Lagrangian incumbent uses candidates
    lag = mclp_bounded(cover, w, p, max_iterations=iterations)
    for s in itertools.combinations(range(10), p):
        if covered_weight(cover, w, np.array(s)) > lag.covered + 1e-6:
            assert set(s) <= set(lag.candidates)
