"""Shared pieces of the facility-location models: options, the result and input validation.

The contract with geography is a labelled cost matrix: a DataFrame of integer drive times in
seconds, one row per demand point (index = demand ids) and one column per candidate site
(columns = site ids), plus a Series of demand weights (annual eligible calls) on the same
demand ids.  Models never see geometries, files or networks.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.config import SolverConfig
from heart_plan.errors import ModelError

__all__ = ["CoverageResult", "SolverConfig"]

SOLVERS = ("auto", "scip", "highs")


#: Wall-clock safety net of a MIP solve (s).  A solve stopped by it is *not* reproducible;
#: the result says so (``status == "FEASIBLE"`` and ``solver_params["stopped_by"]``).
MIP_TIME_LIMIT_S = 600.0


def check_backend(backend: str) -> str:
    """The MIP backend name, validated: ``"auto"`` (the backend measured fastest for each
    model: HiGHS for set covering and p-median, SCIP for MCLP and MEXCLP), ``"scip"`` or
    ``"highs"``.
    """
    if backend not in SOLVERS:
        raise ModelError(f"solver backend: got {backend!r}; expected one of {SOLVERS}")
    return backend


def solver_record(solver: SolverConfig, backend: str) -> dict[str, Any]:
    """The solver settings a result records (seed, workers, gap, backend, wall limit)."""
    return {
        "seed": int(solver.seed),
        "workers": int(solver.workers),
        "solver": backend,
        "relative_gap_limit": float(solver.relative_gap_limit),
        "time_limit_s": MIP_TIME_LIMIT_S,
    }


@dataclass(frozen=True, kw_only=True, eq=False)
class CoverageResult:
    """The solution of one facility-location model (frozen; compare with ``to_dict()``).

    Drive-time measures use the *nearest selected site* of every demand point; ``covered``
    means within ``radius_s`` of a selected site (the spatial measure of CONVENTIONS.md).
    Shares are of the total weight of all demand points passed to the model.
    """

    model: str
    status: str  # "OPTIMAL" (proven) or "FEASIBLE" (stopped by a limit / gap)
    objective: float
    best_bound: float
    gap: float  # relative: |objective - best_bound| / max(|objective|, 1e-9)
    selected_sites: tuple[Hashable, ...]  # in the column order of the cost matrix
    teams_per_site: Mapping[Hashable, int]
    assignment: pd.Series  # demand_id -> nearest selected site_id
    assigned_drive_time_s: pd.Series  # demand_id -> drive time to that site (s)
    radius_s: int | None
    total_weight: float
    covered_weight: float | None
    covered_share: float | None
    expected_covered_weight: float | None = None
    expected_covered_share: float | None = None
    max_drive_time_s: int = 0  # over demand points with positive weight
    mean_drive_time_s: float = 0.0  # weighted by demand weight
    uncoverable_demand: tuple[Hashable, ...] = ()  # no site within radius_s
    wall_time_s: float = 0.0
    solver_params: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def is_optimal(self) -> bool:
        """True when the solver proved optimality (gap 0 within tolerance)."""
        return self.status == "OPTIMAL"

    def summary(self) -> str:
        """A few human-readable lines."""
        lines = [
            f"{self.model}: {self.status}, objective {self.objective:,.6g} "
            f"(bound {self.best_bound:,.6g}, gap {self.gap:.2%}), {self.wall_time_s:.2f} s",
            f"  sites ({len(self.selected_sites)}): "
            + ", ".join(
                f"{s}" + (f" x{self.teams_per_site[s]}" if self.teams_per_site[s] > 1 else "")
                for s in self.selected_sites[:20]
            )
            + (" ..." if len(self.selected_sites) > 20 else ""),
        ]
        if self.covered_share is not None:
            lines.append(
                f"  covered within {self.radius_s} s: {self.covered_share:.1%} of weight "
                f"({self.covered_weight:,.6g} of {self.total_weight:,.6g})"
            )
        if self.expected_covered_share is not None:
            lines.append(f"  expected covered (queue-aware): {self.expected_covered_share:.1%}")
        lines.append(
            f"  drive time to nearest site: weighted mean {self.mean_drive_time_s:,.0f} s, "
            f"max {self.max_drive_time_s:,} s"
        )
        if self.uncoverable_demand:
            lines.append(f"  {len(self.uncoverable_demand)} demand points no site can cover")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self, *, include_assignment: bool = True) -> dict[str, Any]:
        """JSON-serializable dict (ids converted with ``str`` only if not JSON scalars)."""
        out: dict[str, Any] = {
            "model": self.model,
            "status": self.status,
            "objective": float(self.objective),
            "best_bound": float(self.best_bound),
            "gap": float(self.gap),
            "selected_sites": [_json_id(s) for s in self.selected_sites],
            "teams_per_site": {str(_json_id(k)): int(v) for k, v in self.teams_per_site.items()},
            "radius_s": self.radius_s,
            "total_weight": float(self.total_weight),
            "covered_weight": _opt_float(self.covered_weight),
            "covered_share": _opt_float(self.covered_share),
            "expected_covered_weight": _opt_float(self.expected_covered_weight),
            "expected_covered_share": _opt_float(self.expected_covered_share),
            "max_drive_time_s": int(self.max_drive_time_s),
            "mean_drive_time_s": float(self.mean_drive_time_s),
            "uncoverable_demand": [_json_id(d) for d in self.uncoverable_demand],
            "wall_time_s": float(self.wall_time_s),
            "solver_params": _jsonable(dict(self.solver_params)),
            "notes": list(self.notes),
        }
        if include_assignment:
            out["assignment"] = {str(_json_id(d)): _json_id(s) for d, s in self.assignment.items()}
        return out


def _opt_float(x: float | None) -> float | None:
    return None if x is None else float(x)


def _json_id(x: Any) -> Any:
    if isinstance(x, np.generic):
        x = x.item()
    return x if isinstance(x, str | int | float | bool) else str(x)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True, eq=False)
class Instance:
    """A validated cost matrix: integer seconds, aligned weights, site/demand labels."""

    drive_time_s: np.ndarray  # (n_demand, n_sites) int64
    weights: np.ndarray  # (n_demand,) float64, >= 0
    demand_ids: pd.Index
    site_ids: pd.Index
    fixed: np.ndarray  # sorted int positions of fixed sites

    @property
    def n_demand(self) -> int:
        return self.drive_time_s.shape[0]

    @property
    def n_sites(self) -> int:
        return self.drive_time_s.shape[1]

    @property
    def total_weight(self) -> float:
        return float(self.weights.sum())


def validate_instance(
    drive_time_s: pd.DataFrame,
    weights: pd.Series | None,
    *,
    fixed_sites: Iterable[Hashable] = (),
    weights_required: bool = True,
) -> Instance:
    """Check the cost matrix and weights; raise one-line ``ModelError`` naming the argument."""
    if not isinstance(drive_time_s, pd.DataFrame):
        raise ModelError(
            f"drive_time_s: got {type(drive_time_s).__name__}; expected a pandas DataFrame "
            "(index = demand ids, columns = site ids, integer seconds)"
        )
    if drive_time_s.shape[0] == 0 or drive_time_s.shape[1] == 0:
        raise ModelError(
            f"drive_time_s: got shape {drive_time_s.shape}; expected at least one demand row "
            "and one site column"
        )
    if not drive_time_s.index.is_unique:
        dup = drive_time_s.index[drive_time_s.index.duplicated()][0]
        raise ModelError(
            f"drive_time_s: duplicate demand id {dup!r} in the index; ids must be unique"
        )
    if not drive_time_s.columns.is_unique:
        dup = drive_time_s.columns[drive_time_s.columns.duplicated()][0]
        raise ModelError(
            f"drive_time_s: duplicate site id {dup!r} in the columns; ids must be unique"
        )
    try:
        values = drive_time_s.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"drive_time_s: non-numeric entries ({exc}); expected integer seconds"
        ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ModelError(
            f"drive_time_s: {int(bad.sum())} NaN/infinite entries (first at demand "
            f"{drive_time_s.index[i]!r}, site {drive_time_s.columns[j]!r}); expected integer "
            "seconds for every pair — give unreachable pairs a large time (e.g. 86400)"
        )
    if (values < 0).any():
        i, j = np.argwhere(values < 0)[0]
        raise ModelError(
            f"drive_time_s: {int((values < 0).sum())} negative entries (first {values[i, j]:g} "
            f"at demand {drive_time_s.index[i]!r}, site {drive_time_s.columns[j]!r}); "
            "expected drive times >= 0 s"
        )
    rounded = np.rint(values)
    if not np.array_equal(rounded, values):
        raise ModelError(
            "drive_time_s: fractional seconds found; expected integer seconds — round the "
            "matrix first (e.g. np.rint(m).astype(int))"
        )
    times = rounded.astype(np.int64)

    if weights is None:
        if weights_required:
            raise ModelError("weights: missing; expected a Series of demand weights per demand id")
        w = np.ones(times.shape[0])
    else:
        if not isinstance(weights, pd.Series):
            raise ModelError(
                f"weights: got {type(weights).__name__}; expected a pandas Series indexed by "
                "the demand ids of drive_time_s"
            )
        if not weights.index.is_unique:
            raise ModelError("weights: duplicate demand ids in the index; ids must be unique")
        missing = drive_time_s.index.difference(weights.index)
        extra = weights.index.difference(drive_time_s.index)
        if len(missing) or len(extra):
            raise ModelError(
                f"weights: labels do not match drive_time_s.index ({len(missing)} demand ids "
                f"without a weight, e.g. {list(missing[:3])}; {len(extra)} weights for unknown "
                f"demand ids, e.g. {list(extra[:3])}); pass weights.reindex(drive_time_s.index)"
            )
        try:
            w = weights.reindex(drive_time_s.index).to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelError("weights: non-numeric values; expected weights >= 0") from None
        if not np.isfinite(w).all():
            raise ModelError(
                f"weights: {int((~np.isfinite(w)).sum())} NaN/infinite values; expected finite "
                "weights >= 0 (use 0 for no demand)"
            )
        if (w < 0).any():
            raise ModelError(
                f"weights: {int((w < 0).sum())} negative values; expected weights >= 0"
            )
        if not w.sum() > 0:
            raise ModelError("weights: all zero; expected at least one positive weight")

    fixed_list = list(fixed_sites)
    if len(set(fixed_list)) != len(fixed_list):
        raise ModelError(f"fixed_sites: duplicates in {fixed_list!r}; list each site once")
    not_found = [s for s in fixed_list if s not in drive_time_s.columns]
    if not_found:
        raise ModelError(
            f"fixed_sites: {not_found[:5]!r} not among the site columns of drive_time_s; "
            "add those sites to the matrix or drop them from fixed_sites"
        )
    fixed = np.sort(
        np.asarray([drive_time_s.columns.get_loc(s) for s in fixed_list], dtype=np.int64)
    )
    return Instance(
        drive_time_s=times,
        weights=w,
        demand_ids=drive_time_s.index.copy(),
        site_ids=drive_time_s.columns.copy(),
        fixed=fixed,
    )


def check_radius(radius_s: float) -> int:
    """``radius_s`` must be a non-negative number of seconds; returns it as int (floor)."""
    try:
        r = float(radius_s)
    except (TypeError, ValueError):
        raise ModelError(f"radius_s: got {radius_s!r}; expected seconds >= 0") from None
    if not math.isfinite(r) or r < 0:
        raise ModelError(f"radius_s: got {radius_s!r}; expected a finite number of seconds >= 0")
    return int(math.floor(r))


def check_p_sites(p_sites: int, inst: Instance, *, name: str = "p_sites") -> int:
    """``p_sites`` must be an integer in ``[max(1, len(fixed_sites)), n_sites]``."""
    if isinstance(p_sites, bool) or not isinstance(p_sites, int | np.integer):
        raise ModelError(f"{name}: got {p_sites!r}; expected an integer >= 1")
    p = int(p_sites)
    if p < 1:
        raise ModelError(f"{name}: got {p}; expected at least 1")
    if p > inst.n_sites:
        raise ModelError(
            f"{name}: got {p} but drive_time_s has only {inst.n_sites} site columns; "
            f"lower {name} or add candidate sites"
        )
    if p < len(inst.fixed):
        raise ModelError(
            f"{name}: got {p} but {len(inst.fixed)} fixed_sites are given; raise {name} to at "
            f"least {len(inst.fixed)} or fix fewer sites"
        )
    return p


# --------------------------------------------------------------------------- evaluation


def evaluate(
    inst: Instance,
    *,
    model: str,
    teams: np.ndarray,
    radius_s: int | None,
    objective: float,
    best_bound: float,
    status: str,
    wall_time_s: float,
    solver_params: Mapping[str, Any],
    uncoverable: np.ndarray | None = None,
    busy_fraction: float | None = None,
    notes: tuple[str, ...] = (),
) -> CoverageResult:
    """Build the result from the team count per site (positions in the matrix columns)."""
    sel = np.flatnonzero(teams > 0)
    sub = inst.drive_time_s[:, sel]
    nearest = np.argmin(sub, axis=1)  # ties -> first in column order
    t_near = sub[np.arange(inst.n_demand), nearest]
    site_of = inst.site_ids[sel][nearest]
    w = inst.weights
    total = inst.total_weight
    pos = w > 0
    covered_weight = covered_share = None
    exp_w = exp_share = None
    if radius_s is not None:
        cov = sub <= radius_s
        covered_weight = float(w[cov.any(axis=1)].sum())
        covered_share = covered_weight / total
        if busy_fraction is not None:
            n_cover = cov.astype(np.int64) @ teams[sel].astype(np.int64)
            exp_w = float((w * (1.0 - busy_fraction**n_cover)).sum())
            exp_share = exp_w / total
    gap = abs(objective - best_bound) / max(abs(objective), 1e-9)
    if gap < 1e-9:
        gap = 0.0
    unc = () if uncoverable is None else tuple(inst.demand_ids[uncoverable])
    return CoverageResult(
        model=model,
        status=status,
        objective=float(objective),
        best_bound=float(best_bound),
        gap=float(gap),
        selected_sites=tuple(inst.site_ids[sel]),
        teams_per_site={inst.site_ids[j]: int(teams[j]) for j in sel},
        assignment=pd.Series(site_of, index=inst.demand_ids, name="site_id").rename_axis(
            "demand_id"
        ),
        assigned_drive_time_s=pd.Series(
            t_near, index=inst.demand_ids, name="drive_time_s"
        ).rename_axis("demand_id"),
        radius_s=radius_s,
        total_weight=total,
        covered_weight=covered_weight,
        covered_share=covered_share,
        expected_covered_weight=exp_w,
        expected_covered_share=exp_share,
        max_drive_time_s=int(t_near[pos].max()) if pos.any() else 0,
        mean_drive_time_s=float((w * t_near).sum() / total),
        uncoverable_demand=unc,
        wall_time_s=float(wall_time_s),
        solver_params=dict(solver_params),
        notes=notes,
    )
