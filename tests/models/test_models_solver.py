"""Solver settings per model: MCLP / MEXCLP run SCIP without presolve, same optimum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heart_plan.models import MCLP, MEXCLP


def _instance(seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    times = rng.integers(0, 1_000, (40, 25))
    index = pd.Index([f"d{i}" for i in range(40)], name="demand_id")
    columns = pd.Index([f"s{j}" for j in range(25)], name="site_id")
    weights = pd.Series(np.round(rng.uniform(0.5, 9.5, 40), 3), index=index)
    return pd.DataFrame(times, index=index, columns=columns), weights


@pytest.mark.parametrize("model", ["MCLP", "MEXCLP"])
def test_scip_without_presolve_matches_highs(model):
    times, weights = _instance()
    kw = {"radius_s": 300, "p_sites": 3}
    cls = MCLP if model == "MCLP" else MEXCLP
    if model == "MEXCLP":
        kw["busy_fraction"] = 0.3
    scip = cls.from_cost_matrix(times, weights, **kw).solve(backend="scip")
    highs = cls.from_cost_matrix(times, weights, **kw).solve(backend="highs")
    assert scip.solver_params["solver_specific"]["presolving/maxrounds"] == 0
    assert "presolving/maxrounds" not in highs.solver_params["solver_specific"]
    assert scip.is_optimal() and highs.is_optimal()
    assert scip.objective == pytest.approx(highs.objective, rel=1e-9)
