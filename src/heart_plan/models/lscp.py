"""Location Set Covering Problem (Toregas, Swain, ReVelle & Bergman 1971)."""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from heart_plan.config import SolverConfig
from heart_plan.errors import InfeasibleError

from ._base import CoverageResult, Instance, check_radius, evaluate, validate_instance
from ._mip import MipSpec, solve_mip
from ._reduce import dominated, reduce_columns, unique_rows


class LSCP:
    r"""Fewest sites such that every demand point is within ``radius_s`` of one of them.

    Formulation (Toregas et al. 1971), with :math:`N_i = \{j : t_{ij} \le r\}`:

    .. math::

        \min \sum_j x_j \quad\text{s.t.}\quad \sum_{j \in N_i} x_j \ge 1 \;\forall i
        \text{ with } w_i > 0, \qquad x_f = 1 \;(f \in \text{fixed}), \qquad x_j \in \{0,1\}.

    Demand points with zero weight need not be covered (all points when ``weights`` is None).
    Before solving, rows covered by fixed sites are dropped and the 0/1 matrix is reduced
    exactly (identical rows/columns merged, dominated columns and implied rows removed,
    repeated until stable).  The objective counts fixed sites.

    Parameters
    ----------
    drive_time_s
        Demand x sites drive times in integer seconds.
    weights
        Demand weights (e.g. annual calls), same labels as ``drive_time_s.index``; optional.
    radius_s
        Response standard in seconds (covered iff drive time <= radius_s).
    fixed_sites
        Site ids that must be open (existing posts).
    ignore_uncoverable
        If False (default), demand no site can reach within ``radius_s`` raises
        ``InfeasibleError``.  If True, those points are left out and listed in
        ``result.uncoverable_demand``.

    References
    ----------
    Toregas, C., Swain, R., ReVelle, C., Bergman, L. (1971). The location of emergency
    service facilities. *Operations Research* 19(6), 1363-1373.
    """

    name = "LSCP"

    def __init__(self, inst: Instance, *, radius_s: int, ignore_uncoverable: bool = False) -> None:
        self.instance = inst
        self.radius_s = radius_s
        self.ignore_uncoverable = ignore_uncoverable

    @classmethod
    def from_cost_matrix(
        cls,
        drive_time_s: pd.DataFrame,
        weights: pd.Series | None = None,
        *,
        radius_s: float,
        fixed_sites: Iterable[Hashable] = (),
        ignore_uncoverable: bool = False,
    ) -> LSCP:
        """Build the model from a drive-time matrix (int s, demand x sites) and demand weights."""
        inst = validate_instance(
            drive_time_s, weights, fixed_sites=fixed_sites, weights_required=False
        )
        return cls(inst, radius_s=check_radius(radius_s), ignore_uncoverable=ignore_uncoverable)

    def solve(
        self, options: SolverConfig | None = None, *, backend: str = "auto"
    ) -> CoverageResult:
        """Solve to proven optimality (or the gap in ``options``; ``backend``: auto, scip, highs)."""
        options = options or SolverConfig()
        t0 = time.perf_counter()
        inst = self.instance
        cov = inst.drive_time_s <= self.radius_s
        must = inst.weights > 0
        uncoverable = must & ~cov.any(axis=1)
        if uncoverable.any() and not self.ignore_uncoverable:
            ids = list(inst.demand_ids[uncoverable][:5])
            raise InfeasibleError(
                f"LSCP: {int(uncoverable.sum())} demand points (weight "
                f"{inst.weights[uncoverable].sum():,.6g}) have no site within radius_s="
                f"{self.radius_s} s, e.g. {ids}; raise radius_s, add candidate sites, drop "
                "those points, or pass ignore_uncoverable=True"
            )
        count, chosen, bound, status, params = min_cover(
            cov[must & ~uncoverable], inst.fixed, options, model=self.name, backend=backend
        )
        teams = np.zeros(inst.n_sites, dtype=np.int64)
        teams[chosen] = 1
        return evaluate(
            inst,
            model=self.name,
            teams=teams,
            radius_s=self.radius_s,
            objective=count,
            best_bound=bound,
            status=status,
            wall_time_s=time.perf_counter() - t0,
            solver_params=params,
            uncoverable=np.flatnonzero(uncoverable),
        )


def min_cover(
    cov: np.ndarray,
    fixed: np.ndarray,
    options: SolverConfig,
    *,
    model: str = "LSCP",
    backend: str = "auto",
) -> tuple[int, np.ndarray, float, str, dict]:
    """Minimum set cover of all rows of ``cov`` with ``fixed`` columns forced open.

    Every row must have at least one True.  Returns (number of sites, chosen column
    positions sorted, best bound, status, solver params).
    """
    n_fixed = len(fixed)
    rows = ~cov[:, fixed].any(axis=1) if n_fixed else np.ones(cov.shape[0], dtype=bool)
    red = cov[rows]
    free = np.setdiff1d(np.arange(cov.shape[1]), fixed)
    red = red[:, free]
    cols = np.arange(red.shape[1])
    reduction = {"rows_in": int(red.shape[0]), "cols_in": int(red.shape[1])}
    # Exact reduction until stable: identical rows, implied rows, identical/dominated columns.
    for _ in range(10):
        n0 = red.shape
        first, _ = unique_rows(red)
        red = red[first]
        keep_r = ~dominated(~red) if red.shape[0] > 1 else np.ones(red.shape[0], dtype=bool)
        red = red[keep_r]
        keep_c = reduce_columns(red) if red.shape[0] else np.zeros(0, dtype=np.int64)
        red, cols = red[:, keep_c], cols[keep_c]
        if red.shape == n0:
            break
    reduction.update(rows_solved=int(red.shape[0]), cols_solved=int(red.shape[1]))
    params: dict = {"reduction": reduction}
    if red.shape[0] == 0:
        chosen = fixed
        return n_fixed, np.sort(chosen), float(n_fixed), "OPTIMAL", params
    m = red.shape[1]
    spec = MipSpec(
        lb=np.zeros(m),
        ub=np.ones(m),
        obj=np.ones(m),
        integer=np.ones(m, dtype=bool),
        A=sp.csr_matrix(red, dtype=np.float64),
        row_lb=np.ones(red.shape[0]),
        row_ub=np.full(red.shape[0], np.inf),
        maximize=False,
        offset=float(n_fixed),
    )
    sol = solve_mip(spec, options, backend=backend, model=model, default_solver="highs")
    params.update(sol.params)
    pick = free[cols[sol.x > 0.5]]
    chosen = np.sort(np.concatenate([fixed, pick]))
    bound = float(np.ceil(sol.best_bound - 1e-6))
    status = "OPTIMAL" if bound >= len(chosen) else sol.status
    return len(chosen), chosen, bound, status, params
