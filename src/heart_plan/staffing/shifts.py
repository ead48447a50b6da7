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
* Value of the teams on duty: a table ``V[h, n]``, ``n = 0..K`` (calls per year in bin ``h``
  with ``n`` teams on duty, ``V[h, 0] = 0``), with increments
  ``inc[h,k] = V[h,k+1] - V[h,k]`` (the (k+1)-th team's gain).  The tables:

  - **reached** (``max_reached``): calls reached (served within the response standard)
    per year from the queue-aware evaluator, given as ``reached_per_year_by_how_teams``
    (:func:`heart_plan.planning.hour_values.plan_hour_values`);
  - **served** (``max_served``): ``served_per_year_by_how_teams`` when given, else Erlang B,
    ``V[h, n] = arrivals_h (1 - B(n, a_h))`` with ``a_h`` the offered load (for callers with
    no spatial data, e.g. ``heart-plan shifts --arrivals FILE``).

* Linearization ``increments`` (default, exact for **any** table): booleans ``z[h,k]``
  with ``sum_k z[h,k] = n[h]`` and ``z[h,k+1] => z[h,k]``; the value of bin ``h`` is
  ``sum_k inc[h,k] z[h,k]``.  The implications force ``z[h,.]`` to be a prefix (the first
  ``n[h]`` ranks), so the sum is exactly ``V[h, n[h]]`` whatever the signs and order of
  the increments: non-concave tables (a second team that reaches more than the first
  because it covers a far side of the area) and negative increments (a team that *lowers*
  calls reached, e.g. by taking calls a nearer team would reach) are modelled exactly.
  For concave tables (Erlang B: increments non-increasing, Messerli 1972) the ordering
  costs nothing.
* Linearization ``tangents``: one integer per bin bounded above by the ``K`` tangents
  ``V[h,k] + inc[h,k] (n[h] - k)``; the minimum of the tangents equals ``V[h, n]`` at every
  integer ``n`` **only when the table is concave** (non-increasing increments), so a
  non-concave table with ``tangents`` is refused (``ConfigError``).
* Increments are scaled by ``SCALE`` and rounded for CP-SAT; reported values are read in
  floating point from the tables at the chosen ``n``.
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
  ``shift_scheduling_sat`` idiom), with penalties in the objective's calls per year
  (calls reached with a reached table, calls served otherwise):
  ``unsocial_start`` charges each team starting at an unsocial hour;
  ``stability`` charges each unit change ``|x[d,t] - x[d+1,t]|`` between consecutive days.

Objectives: ``max_reached`` maximizes ``sum_h V_reached[h, n[h]]`` - penalties within the
budget; ``max_served`` the same with the served table (or Erlang B); ``min_fte`` first
minimizes team-hours subject to ``sum_h V[h, n[h]] >= target x sum arrivals`` (the reached
table and ``reached_share_target`` when a reached table is given, else served and
``served_share_target``; shares of the area's calls), then with team-hours fixed
maximizes the same value - penalties.

Determinism: fixed ``random_seed``, ``num_workers <= 2`` with ``interleave_search`` when
more than one worker, a ``max_deterministic_time`` limit (never wall time).  Probing:
:data:`CP_SAT_PROBING_LEVEL` (measured faster on these models).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from ortools.sat.python import cp_model

from heart_plan.config import HOURS_PER_WEEK, Scenario, ShiftsConfig, SolverConfig, UnitConfig
from heart_plan.errors import ConfigError, InfeasibleError, ModelError, SolverLimitError
from heart_plan.plan import Shift
from heart_plan.staffing.erlang import erlang_b_table, served_increments
from heart_plan.staffing.pay import cost_per_year_usd
from heart_plan.staffing.workload import WEEKS_PER_YEAR, offered_load_by_hour

#: Integer scale of value increments and penalties for CP-SAT (1/1000 call per year).
SCALE = 1000
#: CP-SAT's probing effort in presolve and at the root (``cp_model_probing_level``; CP-SAT's
#: default is 2) for the shift and roster models.  Measured on the Durham run's 18 models
#: (one worker, seeds 0-3): level 0 solved every one to the same gap limit, in 0.3-0.6x
#: the wall time (the recommended roster 5.4 -> 1.2 s at seed 0), with objectives within
#: the gap of level 2's, higher as often as lower; level 1 sat in between.  These models
#: are small pure 0-1/integer programs whose bound comes from the LP, so probing's extra
#: implications did not pay for themselves.
CP_SAT_PROBING_LEVEL = 0
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Objective = Literal["max_reached", "max_served", "min_fte"]
OBJECTIVES: tuple[str, ...] = ("max_reached", "max_served", "min_fte")
#: A value table as stored on :class:`ShiftProblem`: 168 rows of ``K + 1`` floats.
ValueTable = tuple[tuple[float, ...], ...]


# ----------------------------------------------------------------------------- inputs


def _value_table(name: str, table: ArrayLike | None) -> ValueTable | None:
    """Validate a ``(168, K+1)`` calls-per-year table and store it as nested tuples."""
    if table is None:
        return None
    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != HOURS_PER_WEEK or arr.shape[1] < 2:
        raise ConfigError(
            f"{name}: need shape ({HOURS_PER_WEEK}, K+1) (hour of week x teams 0..K), "
            f"got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{name}: every value must be a finite number of calls per year")
    if np.any(arr[:, 0] != 0.0):
        raise ConfigError(f"{name}: column 0 (no team on duty) must be 0 in every hour")
    return tuple(tuple(float(v) for v in row) for row in arr)


@dataclass(frozen=True)
class ShiftProblem:
    """What to staff: one area's arrivals, the busy time per call, the limits, and
    optionally the queue-aware value of each team count in each hour.

    Parameters
    ----------
    arrivals_per_year_by_how
        Annual eligible calls in each of the 168 hour-of-week bins (planned area).
    busy_time_h
        Mean busy hours per call (:func:`heart_plan.staffing.workload.busy_time_h`; used
        by Erlang B when no served table is given).
    budget_fte
        Weekly FTE budget (None: no budget; required for ``max_reached`` / ``max_served``).
    objective
        ``max_reached`` (needs ``reached_per_year_by_how_teams``), ``max_served`` or
        ``min_fte`` (subject to ``reached_share_target`` of the area's calls when a reached
        table is given, else ``served_share_target``).
    served_share_target, reached_share_target
        ``min_fte`` targets, shares of the area's eligible calls per year in [0, 1)
        (scenario ``[budget] served_share_target`` / ``target_reached_share``).
    allowed_hours_of_day
        The operating window (hours of day a team may be on duty); None = any hour.
    min_teams_by_how
        Minimum teams on duty per hour of week; None = no minimum.
    reached_per_year_by_how_teams, served_per_year_by_how_teams
        Optional ``(168, K+1)`` tables, ``K = ShiftsConfig.max_teams_per_hour``: expected
        eligible calls per year reached / served in hour-of-week bin ``h`` with ``k`` teams
        on duty (column 0 = 0; finite; any sign and order of increments), e.g.
        :class:`heart_plan.staffing.hour_values.HourValues`.  Stored as nested tuples.
    """

    arrivals_per_year_by_how: tuple[float, ...]
    busy_time_h: float
    budget_fte: float | None
    objective: Objective = "max_served"
    served_share_target: float = 0.9
    allowed_hours_of_day: tuple[int, ...] | None = None
    min_teams_by_how: tuple[int, ...] | None = None
    reached_per_year_by_how_teams: ArrayLike | None = None
    served_per_year_by_how_teams: ArrayLike | None = None
    reached_share_target: float = 0.9

    def __post_init__(self) -> None:
        arrivals = tuple(float(v) for v in np.asarray(self.arrivals_per_year_by_how).ravel())
        object.__setattr__(self, "arrivals_per_year_by_how", arrivals)
        if len(arrivals) != HOURS_PER_WEEK:
            raise ConfigError(f"arrivals: need {HOURS_PER_WEEK} hour-of-week values")
        for name in ("reached_per_year_by_how_teams", "served_per_year_by_how_teams"):
            object.__setattr__(self, name, _value_table(name, getattr(self, name)))
        if self.objective not in OBJECTIVES:
            raise ConfigError(
                f"objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}"
            )
        if self.objective == "max_reached" and self.reached_per_year_by_how_teams is None:
            raise ConfigError(
                "objective 'max_reached' needs reached_per_year_by_how_teams (the queue-aware "
                "table of a plan's posts); use 'max_served' without spatial data"
            )
        if self.objective in ("max_reached", "max_served") and self.budget_fte is None:
            raise ConfigError(
                f"objective {self.objective!r} needs an FTE budget (budget.crt_fte / --fte-budget)"
            )
        if self.min_teams_by_how is not None and len(self.min_teams_by_how) != HOURS_PER_WEEK:
            raise ConfigError(f"min_teams_by_how must have {HOURS_PER_WEEK} values")

    @property
    def arrivals(self) -> np.ndarray:
        """Annual arrivals per hour-of-week bin as an array."""
        return np.asarray(self.arrivals_per_year_by_how, dtype=float)

    @property
    def reached_table(self) -> np.ndarray | None:
        """The reached table as a ``(168, K+1)`` array (None when not given)."""
        t = self.reached_per_year_by_how_teams
        return None if t is None else np.asarray(t, dtype=float)

    @property
    def served_table(self) -> np.ndarray | None:
        """The served table as a ``(168, K+1)`` array (None when not given: Erlang B)."""
        t = self.served_per_year_by_how_teams
        return None if t is None else np.asarray(t, dtype=float)

    @property
    def value_measure(self) -> str:
        """``reached`` or ``served``: the measure the objective (or target) counts."""
        if self.objective == "max_reached":
            return "reached"
        if self.objective == "min_fte" and self.reached_per_year_by_how_teams is not None:
            return "reached"
        return "served"

    @property
    def share_target(self) -> float:
        """The ``min_fte`` target share of the measure :attr:`value_measure` names."""
        return (
            self.reached_share_target
            if self.value_measure == "reached"
            else self.served_share_target
        )


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
    """A solved shift plan.  Calls are eligible calls per year in the planned area.

    ``expected_served_per_hour`` / ``expected_served_per_year`` come from the problem's
    served table when it has one (``served_source = "table"``), else from Erlang B at the
    problem's busy time (``"erlang_b"``).  ``expected_reached_per_hour`` /
    ``expected_reached_per_year`` come from the reached table: ``None`` / NaN when the
    problem has none (calls reached cannot be predicted without posts and drive times);
    :meth:`to_dict` writes NaN as ``None``.  ``objective`` is in the objective's unit:
    calls per year (reached or served) minus soft penalties, or FTE for ``min_fte``.
    ``cost_per_year_usd`` is the base rate only (``staffing.pay.cost_per_year_usd`` without a
    roster); the run and the report price every cover with ``[roster]`` differentials.
    """

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
    expected_reached_per_year: float = math.nan
    expected_reached_per_hour: tuple[float, ...] | None = None
    served_source: str = "erlang_b"

    @property
    def served_share(self) -> float:
        """Expected share of the area's eligible calls served (0 when there are none)."""
        return (
            self.expected_served_per_year / self.arrivals_per_year
            if self.arrivals_per_year
            else 0.0
        )

    @property
    def reached_share(self) -> float:
        """Expected share of the area's eligible calls reached (NaN without a reached
        table; 0 when there are no calls).
        """
        if math.isnan(self.expected_reached_per_year):
            return math.nan
        return (
            self.expected_reached_per_year / self.arrivals_per_year
            if self.arrivals_per_year
            else 0.0
        )

    def is_feasible(self) -> bool:
        """True when the solver returned a feasible schedule (always, for a result)."""
        return self.status in ("OPTIMAL", "FEASIBLE")

    def summary(self) -> str:
        """A short human-readable report."""
        served_how = "queue-aware table" if self.served_source == "table" else "Erlang B"
        lines = [f"status {self.status} (gap {self.gap:.2%}), objective {self.objective_mode}"]
        if not math.isnan(self.expected_reached_per_year):
            lines.append(
                f"expected reached {self.expected_reached_per_year:,.0f} of "
                f"{self.arrivals_per_year:,.0f} eligible calls/year ({self.reached_share:.1%}; "
                f"queue-aware evaluator)"
            )
        lines += [
            f"expected served {self.expected_served_per_year:,.0f} of "
            f"{self.arrivals_per_year:,.0f} eligible calls/year ({self.served_share:.1%}; "
            f"{served_how})",
            f"{self.team_hours_per_week} team-hours/week = {self.fte:.1f} FTE, "
            f"${self.cost_per_year_usd:,.0f}/year at the base rate (no differentials or "
            f"relief: priced with [roster] in run and shifts --cover-from-plan), "
            f"{len(self.shifts)} shift rows",
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
        """JSON-ready dict (the run record and ``schedule`` files use it); NaN -> None."""
        out = asdict(self)
        out["served_share"] = self.served_share
        out["reached_share"] = self.reached_share
        for key in ("expected_reached_per_year", "reached_share"):
            if math.isnan(out[key]):
                out[key] = None
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


def cp_sat_solver(solver_cfg: SolverConfig) -> tuple[cp_model.CpSolver, dict[str, Any]]:
    """A CP-SAT solver with ``solver_cfg``'s seed, threads (<= 2), deterministic limit and
    gap, and :data:`CP_SAT_PROBING_LEVEL`; with the parameters as recorded in results.
    """
    workers = max(1, min(int(solver_cfg.workers), 2))
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = int(solver_cfg.seed)
    solver.parameters.num_workers = workers
    solver.parameters.interleave_search = workers > 1
    solver.parameters.max_deterministic_time = float(solver_cfg.max_deterministic_time)
    solver.parameters.relative_gap_limit = float(solver_cfg.relative_gap_limit)
    solver.parameters.cp_model_probing_level = CP_SAT_PROBING_LEVEL
    params = {
        "solver": "ortools CP-SAT",
        "random_seed": int(solver_cfg.seed),
        "num_workers": workers,
        "interleave_search": workers > 1,
        "max_deterministic_time": float(solver_cfg.max_deterministic_time),
        "relative_gap_limit": float(solver_cfg.relative_gap_limit),
        "cp_model_probing_level": CP_SAT_PROBING_LEVEL,
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
    value_int: cp_model.LinearExpr
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
    value_terms: list[Any] = []
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
            value_terms.extend(int(inc_int[h, k]) * z[k] for k in range(K) if inc_int[h, k])
        elif inc_int[h].any():
            cum = np.concatenate([[0], np.cumsum(inc_int[h])])
            value_h = model.new_int_var(
                int(cum.min()), int(cum.max()), f"value_{DAY_NAMES[day]}_{hour:02d}h"
            )
            for k in range(K):
                # Tangent k of the concave value(n): exact at every integer n (checked).
                model.add(value_h <= int(cum[k]) + int(inc_int[h, k]) * (nh - k))
            value_terms.append(value_h)
        n.append(nh)
    team_hours = sum(n)
    if team_hours_cap is not None:
        model.add(team_hours <= team_hours_cap)
    penalties = (
        (_unsocial_start_terms(x, config) + _stability_terms(model, x, config))
        if with_penalties
        else []
    )
    return _Model(model, x, n, team_hours, sum(value_terms), penalties)  # type: ignore[arg-type]


def _penalty_expr(m: _Model) -> cp_model.LinearExpr:
    return sum(coeff * var for _, var, coeff in m.penalty_terms)  # type: ignore[return-value]


def _solve(m: _Model, solver_cfg: SolverConfig) -> tuple[cp_model.CpSolver, Any, dict[str, Any]]:
    solver, params = cp_sat_solver(solver_cfg)
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
    m: _Inputs, solver_cfg: SolverConfig, unit: UnitConfig, floor_int: int | None
) -> InfeasibleError:
    """Name the rule that makes the model infeasible and the fix."""
    inc_int, config, templates, cap = m.inc_int, m.config, m.templates, m.cap
    budget_fte, target = m.problem.budget_fte, m.problem.share_target
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
    measure = m.problem.value_measure
    if floor_int is not None:
        bins = sorted(covered_bins)
        # Best value of each covered bin over n = 0..K (tables need not be monotone).
        best = int(np.cumsum(inc_int[bins], axis=1).clip(min=0).max(axis=1).sum()) if bins else 0
        if best < floor_int:
            return InfeasibleError(
                f"{m.target_name} = {target:.0%} is unreachable: with "
                f"shifts.max_teams_per_hour = {K} and the allowed hours at most "
                f"{best / SCALE:,.0f} calls/year can be {measure}; raise max_teams_per_hour, "
                f"widen the operating window or lower the target"
            )
    # Minimum team-hours the other rules need, without the budget.
    lp = _build(
        inc_int, config, templates, min_teams_by_how=m.problem.min_teams_by_how,
        team_hours_cap=None, with_penalties=False,
    )  # fmt: skip
    if floor_int is not None:
        lp.model.add(lp.value_int >= floor_int)
    lp.model.minimize(lp.team_hours)
    solver, status, _ = _solve(lp, solver_cfg)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and cap is not None:
        need = int(round(solver.objective_value))
        what = (
            f"the {measure}-share target {target:.0%}"
            if floor_int is not None
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
    """One shift problem prepared for CP-SAT (internal).

    ``served`` / ``reached``: ``(168, K+1)`` value tables in calls per year (``reached``
    None without a reached table); ``inc`` / ``inc_int``: the objective's increments
    (float, and scaled by ``SCALE`` and rounded); templates and the team-hours cap.
    """

    problem: ShiftProblem
    config: ShiftsConfig
    served: np.ndarray
    reached: np.ndarray | None
    inc: np.ndarray
    inc_int: np.ndarray
    templates: list[tuple[int, int]]
    rest_dropped: list[int]
    cap: int | None

    @property
    def target_name(self) -> str:
        """The scenario key of the ``min_fte`` target."""
        return (
            "budget.target_reached_share"
            if self.problem.value_measure == "reached"
            else "budget.served_share_target"
        )


@dataclass(frozen=True, eq=False)
class _Solution:
    """A solved schedule's values (internal), read by :func:`_binding_rules`."""

    teams: np.ndarray
    value_total: float
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
    """Choose shifts that maximize expected eligible calls reached or served (or minimize FTE).

    Parameters
    ----------
    problem
        Arrivals per hour of week, busy time, budget, objective, operating window and the
        optional reached / served tables (module docstring: formulation).
    config, unit, solver
        The ``[shifts]`` templates and rules, the unit section (crew, FTE hours, cost) and
        solver determinism (:func:`solver_config_for_shifts`).
    linearization
        ``increments`` (ordered booleans ``z[h,k]``, the default: exact for any table,
        tighter and faster on Durham) or ``tangents`` (one integer per hour bounded by the
        K tangents; exact only for concave tables, refused otherwise).

    Raises
    ------
    ConfigError
        For a table whose shape does not match ``max_teams_per_hour``, ``tangents`` with a
        non-concave table, or a target outside [0, 1).
    InfeasibleError
        naming the binding rule and the fix; ``SolverLimitError`` when the deterministic
        time limit ends without a feasible schedule.
    """
    if linearization not in ("increments", "tangents"):
        raise ConfigError(
            f"linearization must be 'increments' or 'tangents', got {linearization!r}"
        )
    m = _prepare(problem, config, unit)
    if linearization == "tangents":
        _check_concave(m)
    arrivals, objective = problem.arrivals, problem.objective
    floor_int = None
    if objective == "min_fte":
        target = problem.share_target
        if not 0 <= target < 1:
            raise ConfigError(f"{m.target_name} must be in [0, 1), got {target:g}")
        # Rounded increments: the reported (float) share may differ from the target by < 1 call.
        floor_int = int(math.ceil(target * arrivals.sum() * SCALE))

    def infeasible() -> InfeasibleError:
        return _diagnose(m, solver, unit, floor_int)

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
        m1.model.add(m1.value_int >= floor_int)
        m1.model.minimize(m1.team_hours)
        s1, st1, _ = _solve(m1, solver)
        _check_status(st1, infeasible, solver)
        statuses.append(st1)
        gap_stage1 = _gap(s1)
        fixed_team_hours = int(round(s1.objective_value))

    cp = _build(m.inc_int, config, m.templates, **build)
    if fixed_team_hours is not None:
        cp.model.add(cp.team_hours <= fixed_team_hours)
        cp.model.add(cp.value_int >= floor_int)
    cp.model.maximize(cp.value_int - _penalty_expr(cp))
    cp_solver, status, params = _solve(cp, solver)
    _check_status(status, infeasible, solver)
    statuses.append(status)
    gap = max(gap_stage1, _gap(cp_solver))
    proven = all(st == cp_model.OPTIMAL for st in statuses) and gap <= 1e-9
    params = params | {
        "objective": objective,
        "value_measure": problem.value_measure,
        "stages": len(statuses),
        "num_templates": len(m.templates),
        "max_team_hours_per_week": m.cap,
        "linearization": linearization,
    }
    return _result(m, cp, cp_solver, unit, "OPTIMAL" if proven else "FEASIBLE", gap, params)


def _result(
    m: _Inputs,
    cp: _Model,
    cp_solver: cp_model.CpSolver,
    unit: UnitConfig,
    status_name: str,
    gap: float,
    params: dict[str, Any],
) -> ShiftPlanResult:
    """Read the solved model into a :class:`ShiftPlanResult` (values from the tables)."""
    problem = m.problem
    teams = np.array([cp_solver.value(v) for v in cp.n], dtype=np.int64)
    bins = np.arange(HOURS_PER_WEEK)
    served_h = m.served[bins, teams]
    reached_h = None if m.reached is None else m.reached[bins, teams]
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
    value_h = reached_h if problem.value_measure == "reached" else served_h
    assert value_h is not None  # a reached measure always has its table
    value_total = float(value_h.sum())
    objective_value = (
        fte_of_team_hours(team_hours, unit)
        if problem.objective == "min_fte"
        else value_total - sum(penalty_by_rule.values())
    )
    solution = _Solution(teams, value_total, penalty_by_rule, count_by_rule)
    return ShiftPlanResult(
        status=status_name,
        gap=float(gap),
        objective_mode=problem.objective,
        objective=float(objective_value),
        shifts=shifts,
        teams_on_duty=tuple(int(t) for t in teams),
        expected_served_per_hour=tuple(float(v) for v in served_h),
        arrivals_per_year=float(problem.arrivals.sum()),
        expected_served_per_year=float(served_h.sum()),
        fte=fte_of_team_hours(team_hours, unit),
        team_hours_per_week=team_hours,
        cost_per_year_usd=cost_per_year_usd(teams, unit, None),
        binding_rules=_binding_rules(m, unit, solution),
        solver_params=params,
        expected_reached_per_year=math.nan if reached_h is None else float(reached_h.sum()),
        expected_reached_per_hour=None if reached_h is None else tuple(float(v) for v in reached_h),
        served_source="erlang_b" if problem.served_table is None else "table",
    )


def _erlang_b_served(problem: ShiftProblem, max_teams: int) -> np.ndarray:
    """``(168, K+1)`` Erlang-B calls served per year: ``arrivals_h (1 - B(n, a_h))``."""
    arrivals = problem.arrivals
    load = offered_load_by_hour(arrivals, problem.busy_time_h)
    return arrivals[:, None] * (1.0 - erlang_b_table(max_teams, load))


def _check_table_width(name: str, table: np.ndarray | None, max_teams: int) -> None:
    if table is not None and table.shape[1] != max_teams + 1:
        raise ConfigError(
            f"{name}: has {table.shape[1]} team columns (k = 0..{table.shape[1] - 1}) but "
            f"shifts.max_teams_per_hour = {max_teams} needs {max_teams + 1} (k = 0..{max_teams})"
        )


def _prepare(problem: ShiftProblem, config: ShiftsConfig, unit: UnitConfig) -> _Inputs:
    """Value tables, the objective's increments (float and scaled), templates and the cap.

    Erlang-B increments are :func:`served_increments` (clipped to be exactly
    non-increasing); table increments are ``V[h, k+1] - V[h, k]`` as given.
    """
    K = config.max_teams_per_hour
    reached, served_table = problem.reached_table, problem.served_table
    _check_table_width("reached_per_year_by_how_teams", reached, K)
    _check_table_width("served_per_year_by_how_teams", served_table, K)
    served = _erlang_b_served(problem, K) if served_table is None else served_table
    if problem.value_measure == "reached":
        assert reached is not None
        inc = np.diff(reached, axis=1)
    elif served_table is not None:
        inc = np.diff(served_table, axis=1)
    else:
        arrivals = problem.arrivals
        load = offered_load_by_hour(arrivals, problem.busy_time_h)
        inc = served_increments(arrivals, load, K)
    templates, rest_dropped = _templates(config, problem.allowed_hours_of_day)
    if not templates:
        raise InfeasibleError(
            "shift templates: no (start_hour, length_h) template fits the operating window and "
            f"the rest rule (min_rest_h = {config.min_rest_h}); add start hours or shorter lengths"
        )
    budget = problem.budget_fte
    cap = max_team_hours_per_week(budget, unit) if budget is not None else None
    inc_int = np.rint(inc * SCALE).astype(np.int64)
    return _Inputs(problem, config, served, reached, inc, inc_int, templates, rest_dropped, cap)


def _check_concave(m: _Inputs) -> None:
    """``tangents`` is exact only for concave tables: refuse rising increments."""
    rising = np.argwhere(np.diff(m.inc_int, axis=1) > 0)
    if rising.size:
        h, k = (int(v) for v in rising[0])
        day, hour = divmod(h, 24)
        raise ConfigError(
            f"linearization 'tangents' needs a concave {m.problem.value_measure} table, but on "
            f"{DAY_NAMES[day]} {hour:02d}:00 team {k + 2} adds more than team {k + 1}; "
            f"use linearization 'increments' (exact for any table)"
        )


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
        share = sol.value_total / arrivals.sum() if arrivals.sum() else 0.0
        out.append(
            BindingRule(
                m.target_name,
                "hard",
                binds=True,
                detail=(
                    f"{problem.value_measure} share {share:.1%} vs target "
                    f"{problem.share_target:.0%}"
                ),
            )
        )
    measure = problem.value_measure
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
                detail=f"{sol.count_by_rule.get(name, 0)} {label}, charged in calls {measure}",
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
