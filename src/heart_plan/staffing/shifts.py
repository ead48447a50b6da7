"""CP-SAT shift planner: how many teams start each shift template on each day of the week.

Formulation
-----------
Index sets: days ``d = 0..6`` (0 = Monday), templates ``t = (start_hour s, length L)`` from
``lengths_h x start_hours``, hour-of-week bins ``h = 0..167`` (bin 0 = Monday 00:00), and
team ranks ``k = 1..K`` with ``K = max_teams_per_hour``.

Decision: ``x[d,t]`` integer in ``[0, K]`` = teams starting template ``t`` on day ``d``.
A shift started on day ``d`` covers bins ``(24 d + s + i) mod 168`` for ``i < L``, so
Sunday-night shifts wrap into Monday morning.

* Teams on duty: ``n[h] = sum of x[d,t] covering h <= K``.
* Served calls (concave, linearized exactly): booleans ``z[h,k]`` with
  ``sum_k z[h,k] = n[h]`` and ``z[h,k] >= z[h,k+1]``; served per year in bin ``h`` is
  ``sum_k inc[h,k] z[h,k]`` where ``inc[h,k] = arrivals_h (B(k-1,a_h) - B(k,a_h))`` are
  the Erlang-B increments (non-increasing in ``k``, so the ordering costs nothing and the
  linearization is exact).  Increments are scaled by ``SCALE`` and rounded for CP-SAT;
  reported served values are recomputed in floating point from the chosen ``n``.
* Budget (hard): ``team-hours/week x 52.143 x crew / productive hours per FTE <= FTE``,
  i.e. ``sum_h n[h] <= floor(FTE x productive hours / (52.143 x crew))``.
* Operating window (hard, optional): only templates whose every hour of day lies in the
  allowed hours are created.
* Minimum coverage (hard, optional): ``n[h] >= min_teams[h]``.
* Rest (hard): a template with ``L + min_rest_h > 24`` is dropped (a crew could not work
  it on consecutive days with the minimum rest).  Teams are anonymous, so rest between two
  *different* shifts of one crew is a rostering question this model does not see; the
  stability rule below keeps day-to-day patterns equal, and a crew that keeps its template
  every day rests ``24 - L >= min_rest_h`` hours.
* Soft rules, each a small function returning named penalty terms (OR-Tools
  ``shift_scheduling_sat`` idiom), with penalties in *calls served per year*:
  ``unsocial_start`` charges each team starting at an unsocial hour;
  ``stability`` charges each unit change ``|x[d,t] - x[d+1,t]|`` between consecutive days.

Objectives: ``max_served`` maximizes served - penalties within the budget; ``min_fte``
first minimizes team-hours subject to ``sum served >= target x sum arrivals``, then with
team-hours fixed maximizes served - penalties.

Determinism: fixed ``random_seed``, ``num_workers <= 2`` with ``interleave_search`` when
more than one worker, a ``max_deterministic_time`` limit (never wall time).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
from ortools.sat.python import cp_model

from heart_plan.config import HOURS_PER_WEEK, Scenario, ShiftsConfig, SolverConfig, UnitConfig
from heart_plan.errors import ConfigError, InfeasibleError, ModelError, SolverLimitError
from heart_plan.plan import Shift
from heart_plan.staffing.erlang import erlang_b_array, served_increments
from heart_plan.staffing.workload import WEEKS_PER_YEAR, offered_load_by_hour

#: Integer scale of served-call increments and penalties for CP-SAT (1/1000 call per year).
SCALE = 1000
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Objective = Literal["max_served", "min_fte"]


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ShiftProblem:
    """What to staff: one area's arrivals, the busy time per call and the limits.

    Parameters
    ----------
    arrivals_per_year_by_how
        Annual eligible calls in each of the 168 hour-of-week bins (planned area).
    busy_time_h
        Mean busy hours per call (:func:`heart_plan.staffing.workload.busy_time_h`).
    budget_fte
        Weekly FTE budget (None: no budget; required for ``max_served``).
    objective
        ``max_served`` or ``min_fte`` (subject to ``served_share_target`` of all calls).
    allowed_hours_of_day
        The operating window (hours of day a team may be on duty); None = any hour.
    min_teams_by_how
        Minimum teams on duty per hour of week; None = no minimum.
    """

    arrivals_per_year_by_how: tuple[float, ...]
    busy_time_h: float
    budget_fte: float | None
    objective: Objective = "max_served"
    served_share_target: float = 0.9
    allowed_hours_of_day: tuple[int, ...] | None = None
    min_teams_by_how: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        arrivals = tuple(float(v) for v in np.asarray(self.arrivals_per_year_by_how).ravel())
        object.__setattr__(self, "arrivals_per_year_by_how", arrivals)
        if len(arrivals) != HOURS_PER_WEEK:
            raise ConfigError(f"arrivals: need {HOURS_PER_WEEK} hour-of-week values")
        if self.objective not in ("max_served", "min_fte"):
            raise ConfigError(
                f"objective must be 'max_served' or 'min_fte', got {self.objective!r}"
            )
        if self.objective == "max_served" and self.budget_fte is None:
            raise ConfigError(
                "objective 'max_served' needs an FTE budget (budget.crt_fte / --fte-budget)"
            )
        if self.min_teams_by_how is not None and len(self.min_teams_by_how) != HOURS_PER_WEEK:
            raise ConfigError(f"min_teams_by_how must have {HOURS_PER_WEEK} values")

    @property
    def arrivals(self) -> np.ndarray:
        """Annual arrivals per hour-of-week bin as an array."""
        return np.asarray(self.arrivals_per_year_by_how, dtype=float)


@dataclass(frozen=True)
class BindingRule:
    """A rule of the shift model and whether it binds in the solution.

    ``kind`` is ``hard`` or ``soft``; ``penalty_calls_per_year`` is the objective charge
    of a soft rule (0 for hard rules).
    """

    name: str
    kind: str
    binds: bool
    detail: str
    penalty_calls_per_year: float = 0.0


@dataclass(frozen=True)
class ShiftPlanResult:
    """A solved shift plan.  Calls are eligible calls per year in the planned area."""

    status: str
    gap: float
    objective_mode: str
    objective: float
    shifts: tuple[Shift, ...]
    teams_on_duty: tuple[int, ...]
    expected_served_per_hour: tuple[float, ...]
    arrivals_per_year: float
    expected_served_per_year: float
    fte: float
    team_hours_per_week: int
    cost_per_year_usd: float
    binding_rules: tuple[BindingRule, ...]
    solver_params: dict[str, Any] = field(default_factory=dict)

    @property
    def served_share(self) -> float:
        """Expected share of the area's eligible calls served (0 when there are none)."""
        return (
            self.expected_served_per_year / self.arrivals_per_year
            if self.arrivals_per_year
            else 0.0
        )

    def is_feasible(self) -> bool:
        """True when the solver returned a feasible schedule (always, for a result)."""
        return self.status in ("OPTIMAL", "FEASIBLE")

    def summary(self) -> str:
        """A short human-readable report."""
        lines = [
            f"status {self.status} (gap {self.gap:.2%}), objective {self.objective_mode}",
            f"expected served {self.expected_served_per_year:,.0f} of "
            f"{self.arrivals_per_year:,.0f} eligible calls/year ({self.served_share:.1%})",
            f"{self.team_hours_per_week} team-hours/week = {self.fte:.1f} FTE, "
            f"${self.cost_per_year_usd:,.0f}/year, {len(self.shifts)} shift rows",
        ]
        for rule in self.binding_rules:
            if rule.binds:
                pen = (
                    f" (penalty {rule.penalty_calls_per_year:.1f} calls/yr)"
                    if rule.kind == "soft"
                    else ""
                )
                lines.append(f"binds: {rule.name} [{rule.kind}] {rule.detail}{pen}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the run record and ``schedule`` files use it)."""
        out = asdict(self)
        out["served_share"] = self.served_share
        return out


# ----------------------------------------------------------------------------- helpers


def max_team_hours_per_week(budget_fte: float, unit: UnitConfig) -> int:
    """Largest whole team-hours per week within ``budget_fte`` (the inverse of FTE)."""
    if budget_fte < 0:
        raise ConfigError(f"FTE budget must be >= 0, got {budget_fte}")
    exact = budget_fte * unit.productive_hours_per_fte / (WEEKS_PER_YEAR * unit.crew_size)
    return int(math.floor(exact + 1e-9))


def fte_of_team_hours(team_hours_per_week: float, unit: UnitConfig) -> float:
    """FTE = team-hours/week x 52.143 x crew / productive hours per FTE per year."""
    return team_hours_per_week * WEEKS_PER_YEAR * unit.crew_size / unit.productive_hours_per_fte


def cost_of_team_hours(team_hours_per_week: float, unit: UnitConfig) -> float:
    """Cost per year (USD) = team-hours/week x 52.143 x crew x cost per staff-hour."""
    return team_hours_per_week * WEEKS_PER_YEAR * unit.crew_size * unit.cost_per_staff_hour_usd


def _bins_of(day: int, start_hour: int, length_h: int) -> list[int]:
    return [(24 * day + start_hour + i) % HOURS_PER_WEEK for i in range(length_h)]


def _templates(
    config: ShiftsConfig, allowed_hours_of_day: tuple[int, ...] | None
) -> tuple[list[tuple[int, int]], list[int]]:
    """Allowed (start, length) templates and the lengths the rest rule removed."""
    allowed = set(range(24)) if allowed_hours_of_day is None else set(allowed_hours_of_day)
    out: list[tuple[int, int]] = []
    rest_dropped: list[int] = []
    for length in sorted(set(config.lengths_h)):
        if length + config.min_rest_h > 24:
            rest_dropped.append(length)
            continue
        for s in sorted(set(config.start_hours)):
            if all((s + i) % 24 in allowed for i in range(length)):
                out.append((s, length))
    return out, rest_dropped


def solver_config_for_shifts(scenario: Scenario) -> SolverConfig:
    """``[solver]`` with the shift planner's overrides from ``[shifts]``.

    Workers: the smaller of both (never more than 2); gap: the larger of both.
    """
    return replace(
        scenario.solver,
        workers=max(1, min(scenario.solver.workers, scenario.shifts.workers, 2)),
        relative_gap_limit=max(
            scenario.solver.relative_gap_limit, scenario.shifts.relative_gap_limit
        ),
    )


def _solver(solver_cfg: SolverConfig) -> tuple[cp_model.CpSolver, dict[str, Any]]:
    workers = max(1, min(int(solver_cfg.workers), 2))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = int(solver_cfg.seed)
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1
    solver.parameters.max_deterministic_time = float(solver_cfg.max_deterministic_time)
    solver.parameters.relative_gap_limit = float(solver_cfg.relative_gap_limit)
    params = {
        "solver": "ortools CP-SAT",
        "random_seed": int(solver_cfg.seed),
        "num_workers": workers,
        "interleave_search": workers > 1,
        "max_deterministic_time": float(solver_cfg.max_deterministic_time),
        "relative_gap_limit": float(solver_cfg.relative_gap_limit),
        "scale": SCALE,
    }
    return solver, params


# ----------------------------------------------------------------------------- model


@dataclass
class _Model:
    """The CP-SAT model and its named variables (internal)."""

    model: cp_model.CpModel
    x: dict[tuple[int, int, int], cp_model.IntVar]
    n: list[cp_model.IntVar]
    team_hours: cp_model.LinearExpr
    served_int: cp_model.LinearExpr
    penalty_terms: list[tuple[str, cp_model.IntVar, int]]


def _unsocial_start_terms(
    x: dict[tuple[int, int, int], cp_model.IntVar], config: ShiftsConfig
) -> list[tuple[str, cp_model.IntVar, int]]:
    """Soft rule: each team starting at an unsocial hour costs the penalty."""
    coeff = round(config.unsocial_start_penalty_calls * SCALE)
    if coeff == 0:
        return []
    hours = set(config.unsocial_start_hours)
    return [("unsocial_start", var, coeff) for (_, s, _), var in x.items() if s in hours]


def _stability_terms(
    model: cp_model.CpModel, x: dict[tuple[int, int, int], cp_model.IntVar], config: ShiftsConfig
) -> list[tuple[str, cp_model.IntVar, int]]:
    """Soft rule: each unit change of a template's starts from one day to the next."""
    coeff = round(config.stability_penalty_calls * SCALE)
    if coeff == 0:
        return []
    K = config.max_teams_per_hour
    terms = []
    for (d, s, length), var in x.items():
        nxt = x[((d + 1) % 7, s, length)]
        change = model.new_int_var(0, K, f"change_{DAY_NAMES[d]}_{s:02d}h_len{length}")
        model.add_abs_equality(change, var - nxt)
        terms.append(("stability", change, coeff))
    return terms


def _build(
    inc_int: np.ndarray,
    config: ShiftsConfig,
    templates: list[tuple[int, int]],
    *,
    min_teams_by_how: tuple[int, ...] | None,
    team_hours_cap: int | None,
    with_penalties: bool = True,
    linearization: str = "increments",
) -> _Model:
    K = config.max_teams_per_hour
    model = cp_model.CpModel()
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    covering: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(HOURS_PER_WEEK)]
    for d in range(7):
        for s, length in templates:
            var = model.new_int_var(0, K, f"start_{DAY_NAMES[d]}_{s:02d}h_len{length}")
            x[(d, s, length)] = var
            for b in _bins_of(d, s, length):
                covering[b].append((var, 1))
    n: list[cp_model.IntVar] = []
    served_terms: list[Any] = []
    min_teams = min_teams_by_how or (0,) * HOURS_PER_WEEK
    for h in range(HOURS_PER_WEEK):
        day, hour = divmod(h, 24)
        nh = model.new_int_var(0, K, f"on_duty_{DAY_NAMES[day]}_{hour:02d}h")
        model.add(nh == sum(v for v, _ in covering[h]))  # type: ignore[misc]
        if min_teams[h] > 0:
            model.add(nh >= int(min_teams[h]))
        if inc_int[h].any() and linearization == "increments":
            z = [model.new_bool_var(f"team{k + 1}_{DAY_NAMES[day]}_{hour:02d}h") for k in range(K)]
            model.add(sum(z) == nh)
            for k in range(K - 1):
                model.add_implication(z[k + 1], z[k])
            served_terms.extend(int(inc_int[h, k]) * z[k] for k in range(K) if inc_int[h, k])
        elif inc_int[h].any():
            cum = np.concatenate([[0], np.cumsum(inc_int[h])])
            served_h = model.new_int_var(0, int(cum[-1]), f"served_{DAY_NAMES[day]}_{hour:02d}h")
            for k in range(K):
                # Tangent k of the concave served(n): exact at every integer n.
                model.add(served_h <= int(cum[k]) + int(inc_int[h, k]) * (nh - k))
            served_terms.append(served_h)
        n.append(nh)
    team_hours = sum(n)
    if team_hours_cap is not None:
        model.add(team_hours <= team_hours_cap)
    penalties = (
        (_unsocial_start_terms(x, config) + _stability_terms(model, x, config))
        if with_penalties
        else []
    )
    return _Model(model, x, n, team_hours, sum(served_terms), penalties)  # type: ignore[arg-type]


def _penalty_expr(m: _Model) -> cp_model.LinearExpr:
    return sum(coeff * var for _, var, coeff in m.penalty_terms)  # type: ignore[return-value]


def _solve(m: _Model, solver_cfg: SolverConfig) -> tuple[cp_model.CpSolver, Any, dict[str, Any]]:
    solver, params = _solver(solver_cfg)
    status = solver.solve(m.model)
    return solver, status, params


def _gap(solver: cp_model.CpSolver) -> float:
    """Relative gap between the incumbent and the proven bound (0 = proven optimal).

    CP-SAT reports OPTIMAL once the gap is within ``relative_gap_limit``; the gap is
    recomputed here so a result never claims more than was proven.
    """
    obj, bound = solver.objective_value, solver.best_objective_bound
    return abs(bound - obj) / max(1.0, abs(obj))


# ----------------------------------------------------------------------------- diagnose


def _diagnose(
    m: _Inputs, solver_cfg: SolverConfig, unit: UnitConfig, served_floor_int: int | None
) -> InfeasibleError:
    """Name the rule that makes the model infeasible and the fix."""
    inc_int, config, templates, cap = m.inc_int, m.config, m.templates, m.cap
    budget_fte, target = m.problem.budget_fte, m.problem.served_share_target
    K = config.max_teams_per_hour
    min_teams = m.problem.min_teams_by_how or (0,) * HOURS_PER_WEEK
    covered_bins = {b for d in range(7) for s, length in templates for b in _bins_of(d, s, length)}
    for h in range(HOURS_PER_WEEK):
        day, hour = divmod(h, 24)
        if min_teams[h] > K:
            return InfeasibleError(
                f"shifts.max_teams_per_hour = {K} is below the minimum coverage of "
                f"{min_teams[h]} teams on {DAY_NAMES[day]} {hour:02d}:00; raise "
                f"shifts.max_teams_per_hour or lower the minimum coverage"
            )
        if min_teams[h] > 0 and h not in covered_bins:
            return InfeasibleError(
                f"operating window / shift templates: no allowed shift covers "
                f"{DAY_NAMES[day]} {hour:02d}:00 where the minimum coverage asks for "
                f"{min_teams[h]} teams; widen the window, add start_hours, or drop that minimum"
            )
    if served_floor_int is not None:
        best = int(inc_int[sorted(covered_bins)].sum()) if covered_bins else 0
        if best < served_floor_int:
            return InfeasibleError(
                f"budget.served_share_target = {target:.0%} is unreachable: with "
                f"shifts.max_teams_per_hour = {K} and the allowed hours at most "
                f"{best / SCALE:,.0f} calls/year can be served; raise max_teams_per_hour, "
                f"widen the operating window or lower the target"
            )
    # Minimum team-hours the other rules need, without the budget.
    lp = _build(
        inc_int, config, templates, min_teams_by_how=m.problem.min_teams_by_how,
        team_hours_cap=None, with_penalties=False,
    )  # fmt: skip
    if served_floor_int is not None:
        lp.model.add(lp.served_int >= served_floor_int)
    lp.model.minimize(lp.team_hours)
    solver, status, _ = _solve(lp, solver_cfg)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and cap is not None:
        need = int(round(solver.objective_value))
        what = (
            f"the served-share target {target:.0%}"
            if served_floor_int is not None
            else "the minimum coverage (min_teams_by_how)"
        )
        return InfeasibleError(
            f"budget.crt_fte = {budget_fte:g} FTE allows {cap} team-hours/week but {what} "
            f"needs at least {need} team-hours/week = {fte_of_team_hours(need, unit):.1f} FTE "
            f"with these shift templates; raise the budget (--fte-budget) to at least "
            f"{fte_of_team_hours(need, unit):.1f} or relax {what}"
        )
    return InfeasibleError(
        "shift model infeasible: the minimum coverage cannot be built from the allowed shift "
        "templates (lengths_h x start_hours within the window); add start hours or lengths"
    )


# ----------------------------------------------------------------------------- solve


def _check_status(
    status: int, infeasible: Callable[[], InfeasibleError], solver: SolverConfig
) -> None:
    """Raise the diagnosed ``InfeasibleError``, or ``SolverLimitError`` when the
    deterministic limit ended without a schedule.
    """
    if status == cp_model.INFEASIBLE:
        raise infeasible()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SolverLimitError(
            f"CP-SAT found no schedule within solver.max_deterministic_time = "
            f"{solver.max_deterministic_time:g}; raise it"
        )


@dataclass(frozen=True, eq=False)
class _Inputs:
    """One shift problem prepared for CP-SAT (internal): increments and templates."""

    problem: ShiftProblem
    config: ShiftsConfig
    inc: np.ndarray
    inc_int: np.ndarray
    templates: list[tuple[int, int]]
    rest_dropped: list[int]
    cap: int | None


@dataclass(frozen=True, eq=False)
class _Solution:
    """A solved schedule's values (internal), read by :func:`_binding_rules`."""

    teams: np.ndarray
    served_total: float
    penalty_by_rule: dict[str, float]
    count_by_rule: dict[str, int]


def plan_shifts(
    problem: ShiftProblem,
    *,
    config: ShiftsConfig,
    unit: UnitConfig,
    solver: SolverConfig,
    linearization: str = "increments",
) -> ShiftPlanResult:
    """Choose shifts that maximize expected eligible calls served (or minimize FTE).

    Parameters
    ----------
    problem
        Arrivals per hour of week, busy time, budget, objective and operating window.
    config, unit, solver
        The ``[shifts]`` templates and rules, the unit section (crew, FTE hours, cost) and
        solver determinism (:func:`solver_config_for_shifts`).
    linearization
        ``increments`` (ordered booleans ``z[h,k]``, the default: tighter and faster on
        Durham) or ``tangents`` (one integer per hour bounded by the K tangents of the
        concave served curve); both are exact at integer team counts.

    Raises
    ------
    InfeasibleError
        naming the binding rule and the fix; ``SolverLimitError`` when the deterministic
        time limit ends without a feasible schedule.
    """
    if linearization not in ("increments", "tangents"):
        raise ConfigError(
            f"linearization must be 'increments' or 'tangents', got {linearization!r}"
        )
    m = _prepare(problem, config, unit)
    arrivals, objective = problem.arrivals, problem.objective
    served_floor_int = None
    if objective == "min_fte":
        if not 0 <= problem.served_share_target < 1:
            raise ConfigError("budget.served_share_target must be in [0, 1)")
        # Rounded increments: the reported (float) share may differ from the target by < 1 call.
        served_floor_int = int(math.ceil(problem.served_share_target * arrivals.sum() * SCALE))

    def infeasible() -> InfeasibleError:
        return _diagnose(m, solver, unit, served_floor_int)

    gap_stage1 = 0.0
    statuses = []
    fixed_team_hours: int | None = None
    build: dict[str, Any] = {
        "min_teams_by_how": problem.min_teams_by_how,
        "team_hours_cap": m.cap,
        "linearization": linearization,
    }
    if objective == "min_fte":
        m1 = _build(m.inc_int, config, m.templates, with_penalties=False, **build)
        m1.model.add(m1.served_int >= served_floor_int)
        m1.model.minimize(m1.team_hours)
        s1, st1, _ = _solve(m1, solver)
        _check_status(st1, infeasible, solver)
        statuses.append(st1)
        gap_stage1 = _gap(s1)
        fixed_team_hours = int(round(s1.objective_value))

    cp = _build(m.inc_int, config, m.templates, **build)
    if fixed_team_hours is not None:
        cp.model.add(cp.team_hours <= fixed_team_hours)
        cp.model.add(cp.served_int >= served_floor_int)
    cp.model.maximize(cp.served_int - _penalty_expr(cp))
    cp_solver, status, params = _solve(cp, solver)
    _check_status(status, infeasible, solver)
    statuses.append(status)
    gap = max(gap_stage1, _gap(cp_solver))
    proven = all(st == cp_model.OPTIMAL for st in statuses) and gap <= 1e-9
    status_name = "OPTIMAL" if proven else "FEASIBLE"

    teams = np.array([cp_solver.value(v) for v in cp.n], dtype=np.int64)
    load = offered_load_by_hour(arrivals, problem.busy_time_h)
    served_h = arrivals * (1.0 - erlang_b_array(teams, load))
    shifts = tuple(
        Shift(day=d, start_hour=s, length_h=length, teams=int(cp_solver.value(var)))
        for (d, s, length), var in sorted(cp.x.items())
        if cp_solver.value(var) > 0
    )
    team_hours = int(teams.sum())
    penalty_by_rule: dict[str, float] = {}
    count_by_rule: dict[str, int] = {}
    for rule_name, var, coeff in cp.penalty_terms:
        value = cp_solver.value(var)
        penalty_by_rule[rule_name] = penalty_by_rule.get(rule_name, 0.0) + value * coeff / SCALE
        count_by_rule[rule_name] = count_by_rule.get(rule_name, 0) + value
    total_penalty = sum(penalty_by_rule.values())
    served_total = float(served_h.sum())
    objective_value = (
        fte_of_team_hours(team_hours, unit)
        if objective == "min_fte"
        else served_total - total_penalty
    )
    solution = _Solution(teams, served_total, penalty_by_rule, count_by_rule)
    params = params | {
        "objective": objective,
        "stages": len(statuses),
        "num_templates": len(m.templates),
        "max_team_hours_per_week": m.cap,
        "linearization": linearization,
    }
    return ShiftPlanResult(
        status=status_name,
        gap=float(gap),
        objective_mode=objective,
        objective=float(objective_value),
        shifts=shifts,
        teams_on_duty=tuple(int(t) for t in teams),
        expected_served_per_hour=tuple(float(v) for v in served_h),
        arrivals_per_year=float(arrivals.sum()),
        expected_served_per_year=served_total,
        fte=fte_of_team_hours(team_hours, unit),
        team_hours_per_week=team_hours,
        cost_per_year_usd=cost_of_team_hours(team_hours, unit),
        binding_rules=_binding_rules(m, unit, solution),
        solver_params=params,
    )


def _prepare(problem: ShiftProblem, config: ShiftsConfig, unit: UnitConfig) -> _Inputs:
    """Erlang-B increments, scaled increments, templates and the team-hours cap."""
    arrivals = problem.arrivals
    load = offered_load_by_hour(arrivals, problem.busy_time_h)
    inc = served_increments(arrivals, load, config.max_teams_per_hour)
    templates, rest_dropped = _templates(config, problem.allowed_hours_of_day)
    if not templates:
        raise InfeasibleError(
            "shift templates: no (start_hour, length_h) template fits the operating window and "
            f"the rest rule (min_rest_h = {config.min_rest_h}); add start hours or shorter lengths"
        )
    budget = problem.budget_fte
    cap = max_team_hours_per_week(budget, unit) if budget is not None else None
    inc_int = np.rint(inc * SCALE).astype(np.int64)
    return _Inputs(problem, config, inc, inc_int, templates, rest_dropped, cap)


def _binding_rules(m: _Inputs, unit: UnitConfig, sol: _Solution) -> tuple[BindingRule, ...]:
    """Every hard and soft rule of the model, and whether it binds in ``sol``."""
    config, problem, teams = m.config, m.problem, sol.teams
    arrivals, cap, templates = problem.arrivals, m.cap, m.templates
    out: list[BindingRule] = []
    used = int(teams.sum())
    if cap is not None:
        slack = cap - used
        out.append(
            BindingRule(
                "budget.crt_fte",
                "hard",
                binds=slack < min(length for _, length in templates),
                detail=f"{used} of {cap} team-hours/week used ({problem.budget_fte:g} FTE budget)",
            )
        )
    K = config.max_teams_per_hour
    at_cap = [h for h in range(HOURS_PER_WEEK) if teams[h] >= K and arrivals[h] > 0]
    out.append(
        BindingRule(
            "shifts.max_teams_per_hour",
            "hard",
            binds=bool(at_cap),
            detail=f"{len(at_cap)} hours of week at the {K}-team cap",
        )
    )
    if problem.allowed_hours_of_day is not None:
        allowed = set(problem.allowed_hours_of_day)
        outside = sum(arrivals[h] for h in range(HOURS_PER_WEEK) if h % 24 not in allowed)
        out.append(
            BindingRule(
                "operating_window",
                "hard",
                binds=outside > 0,
                detail=f"{outside:,.0f} eligible calls/year fall outside the allowed hours",
            )
        )
    if problem.min_teams_by_how is not None:
        mins = np.asarray(problem.min_teams_by_how)
        at_min = int(np.sum((teams == mins) & (mins > 0)))
        out.append(
            BindingRule(
                "min_teams_by_how",
                "hard",
                binds=at_min > 0,
                detail=f"{at_min} hours of week staffed exactly at the minimum coverage",
            )
        )
    out.append(
        BindingRule(
            "shifts.min_rest_h",
            "hard",
            binds=bool(m.rest_dropped),
            detail=(
                f"templates of {m.rest_dropped} h dropped (length + {config.min_rest_h} h rest > 24)"
                if m.rest_dropped
                else f"every template leaves >= {config.min_rest_h} h rest when repeated daily"
            ),
        )
    )
    if problem.objective == "min_fte":
        share = sol.served_total / arrivals.sum() if arrivals.sum() else 0.0
        out.append(
            BindingRule(
                "budget.served_share_target",
                "hard",
                binds=True,
                detail=f"served share {share:.1%} vs target {problem.served_share_target:.0%}",
            )
        )
    for name, label in (
        ("unsocial_start", "team starts at unsocial hours"),
        ("stability", "day-to-day template changes"),
    ):
        pen = sol.penalty_by_rule.get(name, 0.0)
        out.append(
            BindingRule(
                f"shifts.{name}",
                "soft",
                binds=pen > 0,
                detail=f"{sol.count_by_rule.get(name, 0)} {label}",
                penalty_calls_per_year=pen,
            )
        )
    return tuple(out)


def teams_on_duty_of(shifts: tuple[Shift, ...]) -> tuple[int, ...]:
    """Teams on duty per hour of week implied by a set of shifts (wrapping past Sunday)."""
    on = [0] * HOURS_PER_WEEK
    for sh in shifts:
        if not 0 <= sh.day < 7:
            raise ModelError(f"shift day must be 0-6, got {sh.day}")
        for b in _bins_of(sh.day, sh.start_hour, sh.length_h):
            on[b] += sh.teams
    return tuple(on)
