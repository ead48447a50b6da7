"""p-median problem (Hakimi 1964; ReVelle & Swain 1970)."""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from heart_plan.config import SolverConfig

from ._base import (
    CoverageResult,
    Instance,
    check_p_sites,
    check_radius,
    evaluate,
    validate_instance,
)
from ._mip import MipSpec, solve_mip


class PMedian:
    r"""Open ``p_sites`` sites to minimize the total weighted drive time to the nearest one.

    Formulation (ReVelle & Swain 1970), assignment variable per demand x site pair:

    .. math::

        \min \sum_i \sum_j w_i t_{ij} a_{ij} \quad\text{s.t.}\quad \sum_j a_{ij} = 1,\quad
        a_{ij} \le x_j,\quad \sum_j x_j = p,\quad x_f = 1\;(f \in \text{fixed}),\quad
        x_j \in \{0,1\},\; a_{ij} \ge 0.

    :math:`a_{ij}` may be continuous (each point goes to its nearest open site).  The model
    has one variable per pair, so use it on aggregated demand points.  Exact pruning: points
    with zero weight are dropped, identical rows are merged, and with fixed sites every pair
    farther than the point's nearest fixed site is removed.  ``objective`` is the total
    weighted drive time (weight x seconds); ``mean_drive_time_s`` divides it by the weight.

    Parameters
    ----------
    radius_s
        Optional: only used to report the covered share of the solution.

    References
    ----------
    Hakimi, S. L. (1964). Optimum locations of switching centers and the absolute centers
    and medians of a graph. *Operations Research* 12(3), 450-459.
    ReVelle, C., Swain, R. (1970). Central facilities location. *Geographical Analysis* 2(1),
    30-42.
    """

    name = "PMedian"

    def __init__(self, inst: Instance, *, p_sites: int, radius_s: int | None = None) -> None:
        self.instance = inst
        self.p_sites = p_sites
        self.radius_s = radius_s

    @classmethod
    def from_cost_matrix(
        cls,
        drive_time_s: pd.DataFrame,
        weights: pd.Series,
        *,
        p_sites: int,
        fixed_sites: Iterable[Hashable] = (),
        radius_s: float | None = None,
    ) -> PMedian:
        """Build the model from a drive-time matrix (int s, demand x sites) and demand weights."""
        inst = validate_instance(drive_time_s, weights, fixed_sites=fixed_sites)
        r = None if radius_s is None else check_radius(radius_s)
        return cls(inst, p_sites=check_p_sites(p_sites, inst), radius_s=r)

    def solve(
        self, options: SolverConfig | None = None, *, backend: str = "auto"
    ) -> CoverageResult:
        """Solve to proven optimality (or the gap in ``options``; ``backend``: auto, scip, highs)."""
        options = options or SolverConfig()
        t0 = time.perf_counter()
        inst, p = self.instance, self.p_sites
        rows = np.flatnonzero(inst.weights > 0)
        t = inst.drive_time_s[rows]
        # merge identical rows (same drive times to every site)
        _, first, inverse = np.unique(t, axis=0, return_index=True, return_inverse=True)
        t = t[first]
        w = np.bincount(inverse.ravel(), weights=inst.weights[rows], minlength=len(first))
        n, m = t.shape
        allowed = np.ones((n, m), dtype=bool)
        if len(inst.fixed):
            allowed = t <= t[:, inst.fixed].min(axis=1, keepdims=True)
        ii, jj = np.nonzero(allowed)
        k = len(ii)
        # variables: x_j (m) then a_k (k pairs)
        assign = sp.csr_matrix((np.ones(k), (ii, m + np.arange(k))), shape=(n, m + k))
        link = sp.csr_matrix(
            (
                np.concatenate([np.ones(k), -np.ones(k)]),
                (np.tile(np.arange(k), 2), np.concatenate([m + np.arange(k), jj])),
            ),
            shape=(k, m + k),
        )
        card = sp.csr_matrix(
            (np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, m + k)
        )
        lb = np.zeros(m + k)
        lb[inst.fixed] = 1.0
        spec = MipSpec(
            lb=lb,
            ub=np.ones(m + k),
            obj=np.concatenate([np.zeros(m), w[ii] * t[ii, jj]]),
            integer=np.concatenate([np.ones(m, bool), np.zeros(k, bool)]),
            A=sp.vstack([assign, link, card]).tocsr(),
            row_lb=np.concatenate([np.ones(n), np.full(k, -np.inf), [float(p)]]),
            row_ub=np.concatenate([np.ones(n), np.zeros(k), [float(p)]]),
            maximize=False,
        )
        sol = solve_mip(spec, options, backend=backend, model=self.name, default_solver="highs")
        teams = (sol.x[:m] > 0.5).astype(np.int64)
        exact = float((inst.weights * inst.drive_time_s[:, teams > 0].min(axis=1)).sum())
        objective = exact
        bound = exact if sol.status == "OPTIMAL" else sol.best_bound
        params = {"pairs": int(k), "pairs_pruned": int(n * m - k), **sol.params}
        return evaluate(
            inst,
            model=self.name,
            teams=teams,
            radius_s=self.radius_s,
            objective=objective,
            best_bound=bound,
            status=sol.status,
            wall_time_s=time.perf_counter() - t0,
            solver_params=params,
        )
