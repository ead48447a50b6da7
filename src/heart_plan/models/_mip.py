"""Run a sparse mixed-integer program through OR-Tools' model builder (SCIP or HiGHS).

Models are assembled as arrays (bounds, objective, a CSR constraint matrix) and loaded in
one call (``fill_model_from_sparse_data``), so building a model with a million coverage
coefficients costs milliseconds, not a Python loop per pair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

from heart_plan.config import SolverConfig
from heart_plan.errors import InfeasibleError, SolverLimitError

from ._base import MIP_TIME_LIMIT_S, check_backend, solver_record


@dataclass(frozen=True, eq=False)
class MipSpec:
    """``opt obj @ x + offset`` s.t. ``row_lb <= A x <= row_ub``, ``lb <= x <= ub``."""

    lb: np.ndarray
    ub: np.ndarray
    obj: np.ndarray
    integer: np.ndarray  # bool per variable
    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    maximize: bool
    offset: float = 0.0


@dataclass(frozen=True, eq=False)
class MipSolution:
    status: str  # "OPTIMAL" | "FEASIBLE"
    x: np.ndarray
    objective: float
    best_bound: float
    wall_time_s: float
    params: dict[str, Any]


def solver_params(
    options: SolverConfig, backend: str, *, presolve: bool = True
) -> tuple[str, dict[str, Any]]:
    """The solver-specific parameter string and the dict recorded in results.

    ``presolve=False`` switches SCIP's presolver off (exact either way).  Measured on the
    Durham matrix (866 x 668 after our reductions), SCIP presolving finds nothing to remove
    in the already-reduced MCLP / MEXCLP models and costs ~30-40 % of the solve time.

    HiGHS runs on one thread (``threads=1``, whatever ``options.workers``): its task
    scheduler is global and, once started with worker threads, a solve in a forked process
    (:mod:`heart_plan.processes`) waits forever for threads the fork did not copy.  The
    HiGHS models here (LSCP, p-median) are small; their answers on Durham are the same.
    """
    if backend == "scip":
        p: dict[str, Any] = {
            "display/verblevel": 0,
            "randomization/randomseedshift": int(options.seed),
            "limits/gap": float(options.relative_gap_limit),
        }
        if not presolve:
            p["presolving/maxrounds"] = 0
        text = "\n".join(f"{k} = {v}" for k, v in p.items())
    else:
        p = {
            "output_flag": "false",
            "random_seed": int(options.seed),
            "threads": 1,
            "mip_rel_gap": float(options.relative_gap_limit),
        }
        text = "\n".join(f"{k}={v}" for k, v in p.items())
    return text, p


def solve_mip(
    spec: MipSpec,
    options: SolverConfig,
    *,
    model: str,
    backend: str = "auto",
    default_solver: str = "scip",
    presolve: bool = True,
) -> MipSolution:
    """Solve; raise ``InfeasibleError`` / ``SolverLimitError`` with a hint when no solution.

    ``backend`` is ``"auto"`` (``default_solver``), ``"scip"`` or ``"highs"``;
    ``presolve`` applies to SCIP only (see :func:`solver_params`).
    """
    t0 = time.perf_counter()
    helper = mbh.ModelBuilderHelper()
    helper.fill_model_from_sparse_data(  # type: ignore[arg-type]  # float64 arrays
        np.asarray(spec.lb, dtype=np.float64),
        np.asarray(spec.ub, dtype=np.float64),
        np.asarray(spec.obj, dtype=np.float64),
        np.asarray(spec.row_lb, dtype=np.float64),
        np.asarray(spec.row_ub, dtype=np.float64),
        sp.csr_matrix(spec.A, dtype=np.float64),
    )
    for j in np.flatnonzero(spec.integer):
        helper.set_var_integrality(int(j), True)
    helper.set_maximize(bool(spec.maximize))
    helper.set_objective_offset(float(spec.offset))
    backend = default_solver if check_backend(backend) == "auto" else backend
    text, params = solver_params(options, backend, presolve=presolve)
    solver = mbh.ModelSolverHelper(backend)
    solver.set_solver_specific_parameters(text)
    solver.set_time_limit_in_seconds(MIP_TIME_LIMIT_S)
    solver.solve(helper)
    wall = time.perf_counter() - t0
    status = solver.status()
    record = {
        **solver_record(options, backend),
        "solver_specific": params,
        "n_variables": int(len(spec.lb)),
        "n_integer": int(np.count_nonzero(spec.integer)),
        "n_constraints": int(spec.A.shape[0]),
        "n_nonzeros": int(spec.A.nnz),
    }
    if status == mbh.SolveStatus.INFEASIBLE:
        raise InfeasibleError(f"{model}: the model is infeasible ({solver.status_string()})")
    if not solver.has_solution():
        raise SolverLimitError(
            f"{model}: no feasible solution within the solver limits (status {status.name}, "
            f"{wall:.1f} s); set [solver] relative_gap_limit > 0, or shrink the instance (fewer candidate sites)"
        )
    obj = float(solver.objective_value())
    bound = float(solver.best_objective_bound())
    if not np.isfinite(bound):
        bound = obj
    proven = status == mbh.SolveStatus.OPTIMAL and abs(obj - bound) <= 1e-6 * max(1.0, abs(obj))
    if status != mbh.SolveStatus.OPTIMAL:
        record["stopped_by"] = (
            "time_limit_s (non-deterministic)" if wall >= 0.99 * MIP_TIME_LIMIT_S else "limit"
        )
    return MipSolution(
        status="OPTIMAL" if proven else "FEASIBLE",
        x=np.asarray(solver.variable_values(), dtype=np.float64),
        objective=obj,
        best_bound=bound,
        wall_time_s=wall,
        params=record,
    )
