"""Maximal Covering Location Problem (Church & ReVelle 1974)."""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from heart_plan.config import SolverConfig
from heart_plan.errors import InfeasibleError, ModelError

from ._base import (
    CoverageResult,
    Instance,
    check_p_sites,
    check_radius,
    evaluate,
    validate_instance,
)
from ._mclp_sparse import mclp_mip_spec, solve_sparse_mclp
from ._mip import solve_mip
from ._reduce import reduce_columns, unique_rows

FORMULATIONS = ("auto", "dense", "sparse")
#: ``formulation="auto"`` solves on sparse coverage sets from this many (demand rows x free
#: sites) pairs after the fixed-site reduction: below it (Durham: 869 x 4,250) the dense
#: reductions and MIP are fast and kept as they were.
SPARSE_MIN_PAIRS = 10_000_000


def check_formulation(formulation: str) -> str:
    """The MCLP formulation name, validated (one of ``FORMULATIONS``)."""
    if formulation not in FORMULATIONS:
        raise ModelError(f"MCLP formulation: got {formulation!r}; expected one of {FORMULATIONS}")
    return formulation


class MCLP:
    r"""Open ``p_sites`` sites to maximize the demand weight within ``radius_s`` of one.

    Formulation (Church & ReVelle 1974), with :math:`N_i = \{j : t_{ij} \le r\}`:

    .. math::

        \max \sum_i w_i y_i \quad\text{s.t.}\quad y_i \le \sum_{j \in N_i} x_j,\quad
        \sum_j x_j = p,\quad x_f = 1\;(f \in \text{fixed}),\quad x_j \in \{0,1\},\;
        0 \le y_i \le 1.

    :math:`y_i` may be continuous: for integral :math:`x` the optimum sets it to 0 or 1.
    Solved exactly after reductions: demand already covered by fixed sites becomes a
    constant, identical demand rows are merged (weights added), identical and dominated
    site columns are dropped, and the cardinality constraint becomes ``<=`` (opening a site
    never lowers coverage).  Large instances (``formulation="sparse"``, or ``"auto"`` from
    ``SPARSE_MIN_PAIRS`` pairs) are solved on sparse coverage sets instead: greedy and swap
    search, a Lagrangian bound with site fixing, then the same MIP on the sites the bound
    could not rule out (``heart_plan.models._mclp_sparse``); same optimum.  If fewer than ``p_sites`` sites are needed to cover all
    coverable demand, the remaining sites are filled with the unselected sites that cover
    the most weight (ties: column order), so the result always has ``p_sites`` sites.

    Demand that no site can reach within ``radius_s`` is reported in
    ``result.uncoverable_demand`` (it counts as not covered).  If *no* demand can be covered
    at all the model raises ``InfeasibleError`` (the radius is meaningless for the data).

    References
    ----------
    Church, R., ReVelle, C. (1974). The maximal covering location problem. *Papers of the
    Regional Science Association* 32, 101-118.
    """

    name = "MCLP"

    def __init__(self, inst: Instance, *, radius_s: int, p_sites: int) -> None:
        self.instance = inst
        self.radius_s = radius_s
        self.p_sites = p_sites

    @classmethod
    def from_cost_matrix(
        cls,
        drive_time_s: pd.DataFrame,
        weights: pd.Series,
        *,
        radius_s: float,
        p_sites: int,
        fixed_sites: Iterable[Hashable] = (),
    ) -> MCLP:
        """Build the model from a drive-time matrix (int s, demand x sites) and demand weights."""
        inst = validate_instance(drive_time_s, weights, fixed_sites=fixed_sites)
        return cls(inst, radius_s=check_radius(radius_s), p_sites=check_p_sites(p_sites, inst))

    def solve(
        self,
        options: SolverConfig | None = None,
        *,
        backend: str = "auto",
        formulation: str = "auto",
    ) -> CoverageResult:
        """Solve to proven optimality (or the gap in ``options``; ``backend``: auto, scip,
        highs; ``formulation``: auto, dense, sparse -- see the class docstring).
        """
        options = options or SolverConfig()
        t0 = time.perf_counter()
        inst, p = self.instance, self.p_sites
        cov = inst.drive_time_s <= self.radius_s
        w = inst.weights
        coverable = cov.any(axis=1)
        uncoverable = (w > 0) & ~coverable
        if not (coverable & (w > 0)).any():
            raise InfeasibleError(
                f"MCLP: no demand point has a site within radius_s={self.radius_s} s "
                f"(nearest pair {int(inst.drive_time_s.min())} s); raise radius_s or add "
                "candidate sites"
            )
        fixed = inst.fixed
        by_fixed = cov[:, fixed].any(axis=1) if len(fixed) else np.zeros(inst.n_demand, bool)
        constant = float(w[by_fixed].sum())
        rows = coverable & ~by_fixed & (w > 0)
        free = np.setdiff1d(np.arange(inst.n_sites), fixed)
        budget = p - len(fixed)
        n_pairs = int(rows.sum()) * len(free)
        sparse = check_formulation(formulation) == "sparse" or (
            formulation == "auto" and n_pairs >= SPARSE_MIN_PAIRS
        )
        params: dict = {"formulation": "sparse" if sparse else "dense"}
        if budget == 0 or not rows.any():
            pick = np.zeros(0, dtype=np.int64)
            objective = bound = constant
            status = "OPTIMAL"
            params["reduction"] = {"rows_in": int(rows.sum()), "cols_in": int(len(free))}
        elif sparse:
            cover = sp.csr_matrix(cov[np.ix_(rows, free)])
            res = solve_sparse_mclp(cover, w[rows], budget, options, backend=backend)
            params.update(res.params)
            params["reduction"] = {
                "rows_in": int(rows.sum()),
                "cols_in": int(len(free)),
                **res.params.get("reduction", {}),
            }
            pick = free[np.array(res.sites, dtype=np.int64)]
            objective, bound, status = res.covered + constant, res.bound + constant, res.status
        else:
            red = cov[np.ix_(rows, free)]
            first, inverse = unique_rows(red)
            wr = np.bincount(inverse, weights=w[rows], minlength=len(first))
            red = red[first]
            cols = reduce_columns(red)
            red = red[:, cols]
            params["reduction"] = {
                "rows_in": int(rows.sum()),
                "cols_in": int(len(free)),
                "rows_solved": int(red.shape[0]),
                "cols_solved": int(red.shape[1]),
            }
            spec = mclp_mip_spec(red, wr, budget, constant)
            sol = solve_mip(spec, options, backend=backend, model=self.name, presolve=False)
            params.update(sol.params)
            pick = free[cols[sol.x[: red.shape[1]] > 0.5]]
            objective, bound, status = sol.objective, sol.best_bound, sol.status
        teams = np.zeros(inst.n_sites, dtype=np.int64)
        teams[fixed] = 1
        teams[pick] = 1
        notes: tuple[str, ...] = ()
        short = p - int(teams.sum())
        if short > 0:
            site_weight = w @ cov  # weight each site covers on its own
            order = np.lexsort((np.arange(inst.n_sites), -site_weight))
            fill = [j for j in order if teams[j] == 0][:short]
            teams[fill] = 1
            notes = (f"{short} of {p} sites add no coverage; filled by covered weight",)
        # exact objective recomputed from the chosen sites (guards against solver tolerances)
        covered = float(w[cov[:, teams > 0].any(axis=1)].sum())
        if status == "OPTIMAL":
            objective = bound = covered
        return evaluate(
            inst,
            model=self.name,
            teams=teams,
            radius_s=self.radius_s,
            objective=covered if status == "OPTIMAL" else objective,
            best_bound=bound,
            status=status,
            wall_time_s=time.perf_counter() - t0,
            solver_params=params,
            uncoverable=np.flatnonzero(uncoverable),
            notes=notes,
        )
