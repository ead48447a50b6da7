"""Maximum Expected Covering Location Problem (Daskin 1983)."""

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
    check_radius,
    evaluate,
    validate_instance,
)
from ._mip import MipSpec, solve_mip
from ._reduce import reduce_columns, unique_rows


def daskin_busy_fraction(workload_team_hours_per_hour: float, n_teams: int) -> float:
    """Estimate the busy fraction ``q`` for :class:`MEXCLP`: total workload / teams.

    ``workload_team_hours_per_hour`` is the offered load in erlangs — calls per hour times
    the mean busy time per call in hours (drive + on-scene + wrap-up) — over the hours the
    teams are on duty.  Daskin (1983) assumes every team is busy independently with this
    same probability.  Must be below 1 (a queue that never empties otherwise).
    """
    if n_teams < 1:
        raise ModelError(f"n_teams: got {n_teams}; expected at least 1")
    q = float(workload_team_hours_per_hour) / n_teams
    if not 0.0 <= q < 1.0:
        raise ModelError(
            f"busy fraction: workload {workload_team_hours_per_hour:g} erlangs over {n_teams} "
            f"teams gives q={q:.3g}; expected 0 <= q < 1 — add teams or reduce the workload"
        )
    return q


class MEXCLP:
    r"""Place ``p_sites`` teams to maximize the *expected* covered demand (queue-aware).

    Daskin (1983): each team is busy with probability :math:`q` independently, so a point
    covered by :math:`k` teams is served by a free one within the radius with probability
    :math:`1 - q^k`.  With :math:`N_i = \{j : t_{ij} \le r\}` and :math:`x_j` teams at
    site :math:`j` (several teams may share a site):

    .. math::

        \max \sum_i w_i \sum_{k=1}^{p} (1-q) q^{k-1} y_{ik} \quad\text{s.t.}\quad
        \sum_{k} y_{ik} \le \sum_{j \in N_i} x_j,\quad \sum_j x_j = p,\quad
        x_f \ge 1\;(f \in \text{fixed}),\quad x_j \in \{0,\dots,c\},\; 0 \le y_{ik} \le 1.

    The coefficients decrease in :math:`k`, so the :math:`y` may be continuous.  The
    objective equals :math:`\sum_i w_i (1 - q^{n_i})`, with :math:`n_i` the teams within
    reach of :math:`i`.  ``p_sites`` is the number of *teams*; ``selected_sites`` are the
    distinct sites used and ``teams_per_site`` the count at each.  Estimate ``q`` with
    :func:`daskin_busy_fraction` (total workload in erlangs / number of teams, Daskin's estimate)
    or, for a loss system where calls finding every team busy are lost, with
    :func:`heart_plan.staffing.workload.loss_busy_fraction` (carried load ``a (1 - B(c, a)) / c``).

    When ``max_teams_per_site`` >= ``p_sites`` (default), identical and dominated site
    columns are dropped exactly (moving a team to a site covering a superset never hurts).

    References
    ----------
    Daskin, M. S. (1983). A maximum expected covering location model: formulation,
    properties and heuristic solution. *Transportation Science* 17(1), 48-70.
    """

    name = "MEXCLP"

    def __init__(
        self,
        inst: Instance,
        *,
        radius_s: int,
        p_sites: int,
        busy_fraction: float,
        max_teams_per_site: int,
    ) -> None:
        self.instance = inst
        self.radius_s = radius_s
        self.p_sites = p_sites
        self.busy_fraction = busy_fraction
        self.max_teams_per_site = max_teams_per_site

    @classmethod
    def from_cost_matrix(
        cls,
        drive_time_s: pd.DataFrame,
        weights: pd.Series,
        *,
        radius_s: float,
        p_sites: int,
        busy_fraction: float,
        fixed_sites: Iterable[Hashable] = (),
        max_teams_per_site: int | None = None,
    ) -> MEXCLP:
        """Build the model from a drive-time matrix (int s, demand x sites) and demand weights."""
        inst = validate_instance(drive_time_s, weights, fixed_sites=fixed_sites)
        radius = check_radius(radius_s)
        if not isinstance(p_sites, int | np.integer) or isinstance(p_sites, bool) or p_sites < 1:
            raise ModelError(f"p_sites: got {p_sites!r}; expected the number of teams, >= 1")
        p = int(p_sites)
        if p < len(inst.fixed):
            raise ModelError(
                f"p_sites: got {p} teams but {len(inst.fixed)} fixed_sites; raise p_sites"
            )
        cap = p if max_teams_per_site is None else int(max_teams_per_site)
        if cap < 1 or cap * inst.n_sites < p:
            raise ModelError(
                f"max_teams_per_site: got {max_teams_per_site}; expected >= 1 and enough "
                f"room for {p} teams on {inst.n_sites} sites"
            )
        try:
            q = float(busy_fraction)
        except (TypeError, ValueError):
            q = float("nan")
        if not 0.0 <= q < 1.0:
            raise ModelError(
                f"busy_fraction: got {busy_fraction!r}; expected 0 <= q < 1 (workload in "
                "erlangs / teams; see heart_plan.models.mexclp.daskin_busy_fraction)"
            )
        return cls(inst, radius_s=radius, p_sites=p, busy_fraction=q, max_teams_per_site=cap)

    def solve(
        self, options: SolverConfig | None = None, *, backend: str = "auto"
    ) -> CoverageResult:
        """Solve to proven optimality (or the gap in ``options``; ``backend``: auto, scip, highs)."""
        options = options or SolverConfig()
        t0 = time.perf_counter()
        inst, p, q, cap = self.instance, self.p_sites, self.busy_fraction, self.max_teams_per_site
        cov = inst.drive_time_s <= self.radius_s
        w = inst.weights
        coverable = cov.any(axis=1)
        if not (coverable & (w > 0)).any():
            raise InfeasibleError(
                f"MEXCLP: no demand point has a site within radius_s={self.radius_s} s; "
                "raise radius_s or add candidate sites"
            )
        rows = coverable & (w > 0)
        red = cov[rows]
        first, inverse = unique_rows(red)
        wr = np.bincount(inverse, weights=w[rows], minlength=len(first))
        red = red[first]
        if cap >= p:
            keep = set(reduce_columns(red).tolist()) | set(inst.fixed.tolist())
            cols = np.asarray(sorted(keep), dtype=np.int64)
        else:
            cols = np.arange(inst.n_sites)
        red = red[:, cols]
        n_r, n_c = red.shape
        levels = int(min(p, red.sum(axis=1).max() * cap))
        coef = (1.0 - q) * q ** np.arange(levels)
        n_y = n_r * levels
        # variables: x (n_c) then y (n_r x levels, row-major)
        y_rows = np.repeat(np.arange(n_r), levels)
        link = sp.hstack(
            [
                -sp.csr_matrix(red, dtype=np.float64),
                sp.csr_matrix((np.ones(n_y), (y_rows, np.arange(n_y))), shape=(n_r, n_y)),
            ]
        )
        card = sp.csr_matrix(
            (np.ones(n_c), (np.zeros(n_c, dtype=np.int64), np.arange(n_c))), shape=(1, n_c + n_y)
        )
        lb = np.zeros(n_c + n_y)
        lb[np.searchsorted(cols, inst.fixed)] = 1.0
        spec = MipSpec(
            lb=lb,
            ub=np.concatenate([np.full(n_c, float(cap)), np.ones(n_y)]),
            obj=np.concatenate([np.zeros(n_c), np.repeat(wr, levels) * np.tile(coef, n_r)]),
            integer=np.concatenate([np.ones(n_c, bool), np.zeros(n_y, bool)]),
            A=sp.vstack([link, card]).tocsr(),
            row_lb=np.concatenate([np.full(n_r, -np.inf), [0.0]]),
            row_ub=np.concatenate([np.zeros(n_r), [float(p)]]),
            maximize=True,
        )
        sol = solve_mip(spec, options, backend=backend, model=self.name, presolve=False)
        teams = np.zeros(inst.n_sites, dtype=np.int64)
        teams[cols] = np.rint(sol.x[:n_c]).astype(np.int64)
        notes: tuple[str, ...] = ()
        short = p - int(teams.sum())
        if short > 0:  # extra teams add nothing; stack them on the busiest-covering sites
            site_weight = w @ cov
            # open sites first, each group by covered weight (highest first)
            for k in np.lexsort((-site_weight, teams == 0)):
                teams[k] += max(0, min(p - int(teams.sum()), cap - int(teams[k])))
                if int(teams.sum()) == p:
                    break
            notes = (f"{short} of {p} teams add no expected coverage",)
        n_cover = cov.astype(np.int64) @ teams
        exact = float((w * (1.0 - q**n_cover)).sum())
        bound = exact if sol.status == "OPTIMAL" else sol.best_bound
        params = {
            "busy_fraction": q,
            "max_teams_per_site": cap,
            "reduction": {"rows_solved": int(n_r), "cols_solved": int(n_c)},
            **sol.params,
        }
        return evaluate(
            inst,
            model=self.name,
            teams=teams,
            radius_s=self.radius_s,
            objective=exact,
            best_bound=bound,
            status=sol.status,
            wall_time_s=time.perf_counter() - t0,
            solver_params=params,
            uncoverable=np.flatnonzero((w > 0) & ~coverable),
            busy_fraction=q,
            notes=notes,
        )
