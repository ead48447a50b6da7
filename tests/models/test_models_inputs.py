"""Bad inputs raise one-line ModelErrors that name the argument and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heart_plan.config import SolverConfig
from heart_plan.errors import ConfigError, InfeasibleError, ModelError
from heart_plan.models import LSCP, MCLP, MEXCLP, PCenter, PMedian

TIMES = pd.DataFrame(
    [[100, 500, 900], [300, 200, 800], [700, 300, 400], [900, 800, 100]],
    index=["d1", "d2", "d3", "d4"],
    columns=["A", "B", "C"],
)
WEIGHTS = pd.Series([10.0, 20.0, 30.0, 40.0], index=TIMES.index)


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("bad", [np.nan, -5, 12.5])
def test_bad_times(bad):
    times = TIMES.astype(float)
    times.loc["d2", "B"] = bad
    with pytest.raises(ModelError) as exc:
        MCLP.from_cost_matrix(times, WEIGHTS, radius_s=450, p_sites=1)
    msg = _one_line(exc)
    assert msg.startswith("drive_time_s:")
    if bad == 12.5:
        assert "round the matrix" in msg
    else:
        assert "demand 'd2', site 'B'" in msg


def test_weights_not_matching_labels():
    with pytest.raises(ModelError, match=r"weights: labels do not match .*reindex") as exc:
        PMedian.from_cost_matrix(TIMES, WEIGHTS.rename({"d4": "zz"}), p_sites=1)
    assert "'d4'" in _one_line(exc) and "'zz'" in str(exc.value)


def test_weights_reordered_are_aligned_by_label():
    res = MCLP.from_cost_matrix(TIMES, WEIGHTS[::-1], radius_s=450, p_sites=1).solve()
    assert res.objective == 70.0


@pytest.mark.parametrize("weights", [WEIGHTS * -1, WEIGHTS * 0, WEIGHTS.replace(10.0, np.nan)])
def test_bad_weights(weights):
    with pytest.raises(ModelError, match="^weights:"):
        MCLP.from_cost_matrix(TIMES, weights, radius_s=450, p_sites=1)


@pytest.mark.parametrize("p", [0, 4, 1.5])
def test_bad_p_sites(p):
    with pytest.raises(ModelError, match="^p_sites:") as exc:
        MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=p)
    if p == 4:
        assert "only 3 site columns" in _one_line(exc)


def test_p_sites_below_fixed_sites():
    with pytest.raises(ModelError, match="2 fixed_sites"):
        PCenter.from_cost_matrix(TIMES, WEIGHTS, p_sites=1, fixed_sites=["A", "B"])


def test_unknown_fixed_site():
    with pytest.raises(ModelError, match=r"^fixed_sites: \['Z'\] not among"):
        LSCP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, fixed_sites=["Z"])


def test_lscp_radius_no_site_meets_names_count_and_hint():
    # radius 150: only d1 (A, 100 s) and d4 (C, 100 s) are reachable.
    with pytest.raises(InfeasibleError) as exc:
        LSCP.from_cost_matrix(TIMES, WEIGHTS, radius_s=150).solve()
    msg = _one_line(exc)
    assert msg.startswith("LSCP: 2 demand points") and "raise radius_s" in msg
    assert "ignore_uncoverable=True" in msg


def test_lscp_can_ignore_uncoverable_demand_and_report_it():
    res = LSCP.from_cost_matrix(TIMES, WEIGHTS, radius_s=150, ignore_uncoverable=True).solve()
    assert res.selected_sites == ("A", "C")
    assert res.uncoverable_demand == ("d2", "d3")
    assert res.covered_share == 0.5


def test_mclp_radius_no_site_meets():
    with pytest.raises(InfeasibleError, match="no demand point has a site within radius_s=50"):
        MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=50, p_sites=2).solve()
    # partly uncoverable demand is reported, not an error
    res = MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=150, p_sites=1).solve()
    assert res.uncoverable_demand == ("d2", "d3") and res.objective == 40.0


@pytest.mark.parametrize("q", [-0.1, 1.0, "x"])
def test_mexclp_bad_busy_fraction(q):
    with pytest.raises(ModelError, match="^busy_fraction:"):
        MEXCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=2, busy_fraction=q)


def test_bad_matrix_shapes_and_types():
    with pytest.raises(ModelError, match="^drive_time_s: got ndarray"):
        LSCP.from_cost_matrix(TIMES.to_numpy(), None, radius_s=1)
    with pytest.raises(ModelError, match="duplicate site id"):
        LSCP.from_cost_matrix(TIMES.set_axis(["A", "A", "C"], axis=1), None, radius_s=1)
    with pytest.raises(ModelError, match="^radius_s:"):
        LSCP.from_cost_matrix(TIMES, None, radius_s=-1)


def test_bad_solve_options():
    with pytest.raises(ModelError, match="solver backend"):
        MCLP.from_cost_matrix(TIMES, WEIGHTS, radius_s=450, p_sites=1).solve(backend="cbc")
    with pytest.raises(ConfigError, match="solver.relative_gap_limit"):
        SolverConfig(relative_gap_limit=2.0)
