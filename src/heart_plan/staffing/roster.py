"""CP-SAT roster: named crews, each on one fixed shift and a repeating pattern of work days.

Formulation
-----------
Index sets: crews ``c = 0..C-1`` (``[roster] max_crews``), templates ``t = (pattern p,
start hour s)`` with the pattern's length ``L_t`` (``[roster.patterns.*]`` x
``[roster] start_hours``), days of the cycle ``j = 0..7N-1`` (``N = [roster] weeks``;
day 0 = Monday of week 1; the cycle repeats, so day ``7N-1`` is followed by day 0), and
hour-of-week bins ``h = 0..167``.

Decisions (booleans): ``u[c]`` crew ``c`` is rostered; ``y[c,t]`` crew ``c`` works
template ``t`` (``sum_t y[c,t] = u[c]``: one fixed shift per crew); ``w[c,j]`` crew ``c``
works on day ``j``; ``a[c,t,j] = y[c,t] AND w[c,j]``.

Hard rules:

* **cover**: a shift on day ``j`` covers the bins ``24 j + s + i`` (``i < L``) of the
  cycle, wrapping from the last day into the first; with ``max_reached`` the teams on duty
  ``n[h]`` are the same in every week of the cycle (the published weekly cover; crews
  rotate under it); with ``min_cost`` every week's cover is at least ``required[h]`` and
  ``n[h]`` is the least of the weeks (``>= required[h]``); at most ``K`` teams in any
  hour of any week (``[shifts] max_teams_per_hour``);
* **pattern** (enforced when crew ``c`` works pattern ``p``): work days per calendar week
  in ``[min_days_per_week, max_days_per_week]``; runs of work days between
  ``min_consecutive_work_days`` and ``max_consecutive_work_days``; runs of days off between
  ``[roster] min_consecutive_days_off`` and ``max_consecutive_days_off`` (cyclic sequence
  constraints, as OR-Tools' ``shift_scheduling_sat`` writes them, here hard);
* **hours**: ``L x`` work days ``<= max_weekly_hours`` in every week and
  ``<= N x max_average_weekly_hours`` over the cycle;
* **rest**: two shifts of one crew ``g`` days apart leave ``24 g - L`` hours of rest; for
  every ``g`` with ``24 g - L < min_rest_h``, ``w[c,j] + w[c,j+g] <= 1``;
* **minimum crews per start**: a (template, day) that is worked has at least
  ``min_crews_per_start`` crews on it;
* **budget** (``max_reached``): FTE = ``sum_c u[c]`` x crew size x relief factor
  ``<= budget``;
* **required cover** (``min_cost``): ``n[h] >= required[h]``.

Soft rules (named, penalties in calls per year, reported when binding;
``shift_scheduling_sat`` idiom): ``weekend_work`` per crew-shift per week on Saturday or
Sunday, ``unsocial_start`` per crew-shift per week starting at ``[shifts]
unsocial_start_hours``, ``overtime`` per crew-hour per week above
``overtime_after_weekly_h``.

Objectives: ``max_reached`` maximizes ``sum_h V[h, n[h]]`` (the reached table of
:class:`heart_plan.staffing.hour_values.HourValues`, ordered booleans as in
:mod:`heart_plan.staffing.shifts`: exact for any table) minus the penalties, within the
budget; ``min_cost`` minimizes the yearly pay (:mod:`heart_plan.staffing.pay`: base,
night, weekend and overtime; relief scales it) for the required cover, then, with that
cost fixed, minimizes the penalties.  Symmetry: rostered crews come first, ordered by
template.

Determinism: ``[solver]`` seed, ``min([solver] workers, [roster] workers)`` threads (<= 2;
``interleave_search`` with 2), the search
starts from the empty roster (a hint; ``max_reached``), the
``[roster] max_deterministic_time`` limit (never wall time), CP-SAT's probing level of the
shift models (:data:`heart_plan.staffing.shifts.CP_SAT_PROBING_LEVEL`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from ortools.sat.python import cp_model

from heart_plan.config import HOURS_PER_WEEK, RosterConfig, Scenario, SolverConfig, UnitConfig
from heart_plan.errors import ConfigError, InfeasibleError, SolverLimitError
from heart_plan.plan import Shift
from heart_plan.staffing.pay import (
    PayBreakdown,
    fte_of_crews,
    max_crews_within,
    pay_factor_by_how,
    pay_of_cover,
)
from heart_plan.staffing.shifts import DAY_NAMES, SCALE, cp_sat_solver
from heart_plan.staffing.workload import WEEKS_PER_YEAR

RosterObjective = Literal["max_reached", "min_cost"]
#: Columns of the roster CSV (CONVENTIONS / issue 15).
ROSTER_COLUMNS = ("unit_type", "crew", "week", "day", "start_local", "end_local", "duration_h")


@dataclass(frozen=True)
class Template:
    """A crew's fixed shift: pattern name, start hour (local) and length (hours)."""

    pattern: str
    start_hour: int
    length_h: int


@dataclass(frozen=True)
class Crew:
    """One rostered crew: its name, fixed shift and the cycle days it works (0 = Monday
    of week 1, ``7N - 1`` = Sunday of week ``N``).
    """

    name: str
    template: Template
    work_days: tuple[int, ...]

    def weekly_hours(self, weeks: int) -> tuple[int, ...]:
        """Hours worked in each calendar week of the cycle."""
        out = [0] * weeks
        for j in self.work_days:
            out[j // 7] += self.template.length_h
        return tuple(out)

    def rest_between_shifts_h(self, weeks: int) -> tuple[int, ...]:
        """Rest (hours) from the end of each shift to the start of the crew's next shift,
        around the cycle (one value per shift; empty for no shifts).
        """
        days = sorted(self.work_days)
        cycle = 7 * weeks
        out = []
        for i, j in enumerate(days):
            nxt = days[(i + 1) % len(days)] + (cycle if i + 1 == len(days) else 0)
            out.append(24 * (nxt - j) - self.template.length_h)
        return tuple(out)


@dataclass(frozen=True)
class RosterRule:
    """A rule of the roster model and whether it binds (``kind`` hard or soft)."""

    name: str
    kind: str
    binds: bool
    detail: str
    penalty_calls_per_year: float = 0.0


@dataclass(frozen=True, eq=False)
class RosterProblem:
    """What to roster.

    Parameters
    ----------
    objective
        ``max_reached`` (needs ``reached_per_year_by_how_teams`` and ``budget_fte``) or
        ``min_cost`` (needs ``required_teams_by_how``).
    reached_per_year_by_how_teams
        ``(168, K+1)`` expected calls reached per year with ``k`` teams on duty (column 0 =
        0), e.g. ``HourValues.reached_per_year``.
    required_teams_by_how
        168 minimum teams on duty (``min_cost``).
    budget_fte
        FTE budget (``max_reached``).
    max_teams_per_hour
        ``K``; defaults to the table's width - 1 or the required cover's maximum.
    """

    objective: RosterObjective
    reached_per_year_by_how_teams: ArrayLike | None = None
    required_teams_by_how: tuple[int, ...] | None = None
    budget_fte: float | None = None
    max_teams_per_hour: int | None = None

    def __post_init__(self) -> None:
        if self.objective not in ("max_reached", "min_cost"):
            raise ConfigError(
                f"roster objective must be max_reached or min_cost, got {self.objective!r}"
            )
        if self.objective == "max_reached":
            if self.reached_per_year_by_how_teams is None or self.budget_fte is None:
                raise ConfigError("roster max_reached needs a reached table and an FTE budget")
            table = np.asarray(self.reached_per_year_by_how_teams, dtype=float)
            if table.ndim != 2 or table.shape[0] != HOURS_PER_WEEK or table.shape[1] < 2:
                raise ConfigError(f"reached table: need shape (168, K+1), got {table.shape}")
            object.__setattr__(self, "reached_per_year_by_how_teams", table)
        if self.objective == "min_cost":
            req = self.required_teams_by_how
            if req is None or len(req) != HOURS_PER_WEEK or min(req) < 0:
                raise ConfigError("roster min_cost needs 168 required teams on duty (>= 0)")
            object.__setattr__(self, "required_teams_by_how", tuple(int(v) for v in req))

    @property
    def K(self) -> int:
        """Most teams on duty in any hour."""
        if self.max_teams_per_hour is not None:
            return int(self.max_teams_per_hour)
        if self.reached_per_year_by_how_teams is not None:
            return int(np.asarray(self.reached_per_year_by_how_teams).shape[1] - 1)
        assert self.required_teams_by_how is not None
        return max(1, max(self.required_teams_by_how))


@dataclass(frozen=True, eq=False)
class RosterResult:
    """A solved roster.  ``teams_on_duty`` is the weekly cover (the same every week of the
    cycle); ``pay`` the yearly cost (:mod:`heart_plan.staffing.pay`); ``fte`` = crews x
    crew size x relief factor; ``expected_reached_per_year`` from the reached table (NaN
    for ``min_cost`` without one).
    """

    status: str
    gap: float
    objective_mode: str
    weeks: int
    crews: tuple[Crew, ...]
    teams_on_duty: tuple[int, ...]
    fte: float
    pay: PayBreakdown
    overtime_hours_per_week: float
    rules: tuple[RosterRule, ...]
    expected_reached_per_year: float = math.nan
    solver_params: dict[str, Any] = field(default_factory=dict)

    @property
    def cost_per_year_usd(self) -> float:
        """Yearly pay, every differential and the relief factor included."""
        return self.pay.total_usd

    @property
    def team_hours_per_week(self) -> float:
        """Staffed team-hours per week (mean over the cycle's weeks; the crews' hours)."""
        return self.pay.team_hours_per_week

    def rows(self, unit_type: str = "crt") -> pd.DataFrame:
        """The roster CSV: one row per crew shift of the cycle (:data:`ROSTER_COLUMNS`)."""
        rows = []
        for crew in self.crews:
            t = crew.template
            for j in sorted(crew.work_days):
                end = (t.start_hour + t.length_h) % 24
                rows.append(
                    {
                        "unit_type": unit_type,
                        "crew": crew.name,
                        "week": j // 7 + 1,
                        "day": DAY_NAMES[j % 7],
                        "start_local": f"{t.start_hour:02d}:00",
                        "end_local": f"{end:02d}:00",
                        "duration_h": t.length_h,
                    }
                )
        return pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))

    def summary(self) -> str:
        """A short human-readable report (crews, FTE, cost, binding rules)."""
        lines = [
            f"roster status {self.status} (gap {self.gap:.2%}), objective {self.objective_mode}",
            f"{len(self.crews)} crews on a {self.weeks}-week cycle = {self.fte:.1f} FTE, "
            f"{self.team_hours_per_week:g} team-hours/week, ${self.cost_per_year_usd:,.0f}/year "
            f"(night ${self.pay.night_usd:,.0f}, weekend ${self.pay.weekend_usd:,.0f}, "
            f"overtime ${self.pay.overtime_usd:,.0f}, relief ${self.pay.relief_usd:,.0f})",
        ]
        if not math.isnan(self.expected_reached_per_year):
            lines.append(f"expected reached {self.expected_reached_per_year:,.0f} calls/year")
        for rule in self.rules:
            if rule.binds:
                pen = f" (penalty {rule.penalty_calls_per_year:.1f})" if rule.kind == "soft" else ""
                lines.append(f"binds: {rule.name} [{rule.kind}] {rule.detail}{pen}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (run records)."""
        return {
            "status": self.status,
            "gap": self.gap,
            "objective": self.objective_mode,
            "weeks": self.weeks,
            "crews": [
                {
                    "name": c.name,
                    "pattern": c.template.pattern,
                    "start_hour": c.template.start_hour,
                    "length_h": c.template.length_h,
                    "work_days": list(c.work_days),
                    "weekly_hours": list(c.weekly_hours(self.weeks)),
                }
                for c in self.crews
            ],
            "fte": self.fte,
            "pay": self.pay.to_dict(),
            "overtime_hours_per_week": self.overtime_hours_per_week,
            "team_hours_per_week": self.team_hours_per_week,
            "expected_reached_per_year": None
            if math.isnan(self.expected_reached_per_year)
            else self.expected_reached_per_year,
            "rules": [vars(r) for r in self.rules],
            "solver": self.solver_params,
        }


def roster_templates(roster: RosterConfig) -> list[Template]:
    """Every (pattern, start hour) template, in a fixed order."""
    return [
        Template(name, int(s), roster.patterns[name].length_h)
        for name in sorted(roster.patterns)
        for s in sorted(set(roster.start_hours))
    ]


def crew_name(i: int) -> str:
    """``A``, ``B``, ..., ``Z``, ``AA``, ... (the printed roster's crew names)."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(ord("A") + r) + name
    return name


# ----------------------------------------------------------------------------- model


def day_sequences(roster: RosterConfig, pattern: str, limit: int = 20_000) -> list[tuple[int, ...]]:
    """Every cyclic work-day sequence (1 = work) of ``7N`` days a crew on ``pattern`` may
    work: days per week, run lengths of work and days off, weekly and average hours, rest.

    Depth-first with pruning; a :class:`ConfigError` when more than ``limit`` exist (use
    fewer ``[roster] weeks`` or a tighter pattern).
    """
    p, N = roster.patterns[pattern], roster.weeks
    D = 7 * N
    L = p.length_h
    max_days_week = min(p.max_days_per_week, int(roster.max_weekly_hours // L))
    max_days_total = int(N * roster.max_average_weekly_hours // L)
    out: list[tuple[int, ...]] = []
    seq: list[int] = []

    def ok_partial() -> bool:
        j = len(seq) - 1
        wk = j // 7
        count = sum(seq[7 * wk :])
        if count > max_days_week or count + (7 * wk + 7 - len(seq)) < p.min_days_per_week:
            return False
        if sum(seq) > max_days_total:
            return False
        run = 0
        for v in reversed(seq):  # the current run
            if v != seq[-1]:
                break
            run += 1
        limit_run = p.max_consecutive_work_days if seq[-1] else p.max_consecutive_days_off
        return run <= limit_run

    def dfs() -> None:
        if len(seq) == D:
            if cyclic_ok(tuple(seq), roster, pattern):
                out.append(tuple(seq))
                if len(out) > limit:
                    raise ConfigError(
                        f"roster.patterns.{pattern}: more than {limit} day sequences on a "
                        f"{N}-week cycle; use fewer roster.weeks or a tighter pattern"
                    )
            return
        for v in (1, 0):
            seq.append(v)
            if ok_partial():
                dfs()
            seq.pop()

    dfs()
    return out


def cyclic_ok(seq: tuple[int, ...], roster: RosterConfig, pattern: str) -> bool:
    """True when the cyclic work-day sequence ``seq`` meets every day rule of ``pattern``
    (the check of :func:`day_sequences`, and of any roster in the tests).
    """
    p, D = roster.patterns[pattern], len(seq)
    L = p.length_h
    if sum(seq) == 0:
        return False
    for wk in range(D // 7):
        days = sum(seq[7 * wk : 7 * wk + 7])
        if not p.min_days_per_week <= days <= p.max_days_per_week:
            return False
        if days * L > roster.max_weekly_hours:
            return False
    if sum(seq) * L > (D // 7) * roster.max_average_weekly_hours + 1e-9:
        return False
    for kind, lo, hi in (
        (1, p.min_consecutive_work_days, p.max_consecutive_work_days),
        (0, roster.min_consecutive_days_off, p.max_consecutive_days_off),
    ):
        for run in _runs(seq, kind):
            if run < lo or run > hi:
                return False
    days_on = [j for j in range(D) if seq[j]]
    for i, j in enumerate(days_on):
        nxt = days_on[(i + 1) % len(days_on)] + (D if i + 1 == len(days_on) else 0)
        if 24 * (nxt - j) - L < roster.min_rest_h:
            return False
    return True


def _runs(seq: tuple[int, ...], kind: int) -> list[int]:
    """Lengths of the cyclic runs of ``kind`` in ``seq`` (all ``kind``: one run of D)."""
    D = len(seq)
    if all(v == kind for v in seq):
        return [D]
    if all(v != kind for v in seq):
        return []
    start = next(j for j in range(D) if seq[j] != kind)  # rotate to begin off the kind
    rot = seq[start:] + seq[:start]
    runs, cur = [], 0
    for v in rot:
        if v == kind:
            cur += 1
        elif cur:
            runs.append(cur)
            cur = 0
    if cur:
        runs.append(cur)
    return runs


@dataclass(frozen=True)
class _Line:
    """One roster line: a template and a day sequence (internal), with its constants."""

    template: Template
    days: tuple[int, ...]
    bins: tuple[int, ...]  # cycle bins covered (0 .. 168N-1)
    cost_usd_per_year: int
    overtime_h_per_week: float
    weekend_shifts_per_week: float
    unsocial_shifts_per_week: float


def _lines(roster: RosterConfig, unit: UnitConfig, unsocial: set[int]) -> list[_Line]:
    N = roster.weeks
    D = 7 * N
    factor = pay_factor_by_how(roster)
    rate = unit.crew_size * unit.cost_per_staff_hour_usd * roster.relief_factor
    ot_rate = rate * roster.overtime_premium
    out = []
    for name in sorted(roster.patterns):
        seqs = day_sequences(roster, name)
        for s in sorted(set(roster.start_hours)):
            t = Template(name, int(s), roster.patterns[name].length_h)
            for seq in seqs:
                days = tuple(j for j in range(D) if seq[j])
                bins = tuple(
                    (24 * j + s + i) % (HOURS_PER_WEEK * N) for j in days for i in range(t.length_h)
                )
                staffed = sum(float(factor[b % HOURS_PER_WEEK]) for b in bins)
                ot = sum(
                    max(
                        0.0,
                        sum(seq[7 * wk : 7 * wk + 7]) * t.length_h - roster.overtime_after_weekly_h,
                    )
                    for wk in range(N)
                )
                usd = (rate * staffed + ot_rate * ot) * WEEKS_PER_YEAR / N
                out.append(
                    _Line(
                        t, days, bins, int(round(usd)), ot / N,
                        sum(1 for j in days if j % 7 in (5, 6)) / N,
                        len(days) / N if s in unsocial else 0.0,
                    )
                )  # fmt: skip
    return out


@dataclass
class _Model:
    model: cp_model.CpModel
    lines: list[_Line]
    x: list[cp_model.IntVar]
    n: list[cp_model.IntVar]
    value: Any
    cost: Any
    crews: Any
    penalties: list[tuple[str, Any, int, float]]


def _build(
    problem: RosterProblem,
    roster: RosterConfig,
    unit: UnitConfig,
    unsocial_hours: tuple[int, ...],
    *,
    inc_int: np.ndarray | None,
    max_crews: int,
) -> _Model:
    K, N = problem.K, roster.weeks
    lines = _lines(roster, unit, set(unsocial_hours))
    model = cp_model.CpModel()
    covering: list[list[Any]] = [[] for _ in range(HOURS_PER_WEEK * N)]
    x = []
    for i, line in enumerate(lines):
        t = line.template
        var = model.new_int_var(0, min(K, max_crews), f"line{i}_{t.pattern}_{t.start_hour:02d}h")
        x.append(var)
        for b in line.bins:
            covering[b].append(var)
    crews = sum(x)
    model.add(crews <= max_crews)
    penalties: list[tuple[str, Any, int, float]] = []
    for name, key, coeff_calls in (
        ("weekend_work", "weekend_shifts_per_week", roster.weekend_work_penalty_calls),
        ("unsocial_start", "unsocial_shifts_per_week", roster.unsocial_start_penalty_calls),
        ("overtime", "overtime_h_per_week", roster.overtime_penalty_calls),
    ):
        for var, line in zip(x, lines, strict=True):
            amount = float(getattr(line, key))
            coeff = round(coeff_calls * amount * SCALE)
            if coeff:
                penalties.append((name, var, coeff, amount))
    if roster.min_crews_per_start > 1:
        by_start: dict[tuple[Template, int], list[Any]] = {}
        for var, line in zip(x, lines, strict=True):
            for j in line.days:
                by_start.setdefault((line.template, j), []).append(var)
        for (t, j), vars_ in by_start.items():
            used = model.new_bool_var(f"start_{t.pattern}_{t.start_hour:02d}h_day{j}")
            model.add(sum(vars_) >= roster.min_crews_per_start * used)
            model.add(sum(vars_) <= max_crews * used)
    n: list[cp_model.IntVar] = []
    value_terms: list[Any] = []
    required = problem.required_teams_by_how
    for h in range(HOURS_PER_WEEK):
        day, hour = divmod(h, 24)
        nh = model.new_int_var(0, K, f"on_duty_{DAY_NAMES[day]}_{hour:02d}h")
        weeks_h = [sum(covering[wk * HOURS_PER_WEEK + h]) for wk in range(N)]
        for week_h in weeks_h:
            if required is None:
                model.add(week_h == nh)  # the chosen cover: the same every week
            else:
                model.add(week_h <= K)
        if required is not None:
            model.add_min_equality(nh, weeks_h)  # the least cover of the cycle's weeks
        if required is not None and required[h] > 0:
            model.add(nh >= required[h])
        if inc_int is not None and inc_int[h].any():
            z = [model.new_bool_var(f"team{k + 1}_{DAY_NAMES[day]}_{hour:02d}h") for k in range(K)]
            model.add(sum(z) == nh)
            for k in range(K - 1):
                model.add_implication(z[k + 1], z[k])
            value_terms.extend(int(inc_int[h, k]) * z[k] for k in range(K) if inc_int[h, k])
            if required is None:
                for zk in z:
                    model.add_hint(zk, 0)
        n.append(nh)
    if required is None:  # no crews is a feasible roster: the search starts from it
        for var in [*x, *n]:
            model.add_hint(var, 0)
    cost = sum(line.cost_usd_per_year * var for var, line in zip(x, lines, strict=True))
    return _Model(model, lines, x, n, sum(value_terms), cost, crews, penalties)


def _solver(
    solver_cfg: SolverConfig, roster: RosterConfig
) -> tuple[cp_model.CpSolver, dict[str, Any]]:
    """:func:`~heart_plan.staffing.shifts.cp_sat_solver` with ``[roster]``'s threads (at
    most ``[solver]``'s), deterministic limit and gap.
    """
    return cp_sat_solver(
        replace(
            solver_cfg,
            workers=max(1, min(int(solver_cfg.workers), int(roster.workers), 2)),
            max_deterministic_time=float(roster.max_deterministic_time),
            relative_gap_limit=float(roster.relative_gap_limit),
        )
    )


def _check(status: Any, roster: RosterConfig, what: str) -> None:
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(
            f"roster infeasible: {what} cannot be staffed by the [roster] patterns within "
            f"max_crews = {roster.max_crews}, rest {roster.min_rest_h} h and the hours caps; add "
            f"crews, start hours or patterns, or relax the cover"
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise SolverLimitError(
            f"CP-SAT found no roster within roster.max_deterministic_time = "
            f"{roster.max_deterministic_time:g}; raise it"
        )


def _gap(solver: cp_model.CpSolver) -> float:
    obj, bound = solver.objective_value, solver.best_objective_bound
    return abs(bound - obj) / max(1.0, abs(obj))


def plan_roster(
    problem: RosterProblem,
    *,
    roster: RosterConfig,
    unit: UnitConfig,
    solver: SolverConfig,
    unsocial_start_hours: tuple[int, ...] = (),
) -> RosterResult:
    """Roster crews for the problem (module docstring: formulation).

    Raises
    ------
    InfeasibleError
        When no roster meets the hard rules (naming the knobs to relax);
        ``SolverLimitError`` when the deterministic limit ends without one.
    """
    inc_int = None
    reached = None
    C = roster.max_crews
    if problem.objective == "max_reached":
        reached = np.asarray(problem.reached_per_year_by_how_teams, dtype=float)
        if reached.shape[1] != problem.K + 1:
            raise ConfigError(
                f"reached table has {reached.shape[1] - 1} team columns; max_teams_per_hour "
                f"is {problem.K}"
            )
        inc_int = np.rint(np.diff(reached, axis=1) * SCALE).astype(np.int64)
        assert problem.budget_fte is not None
        C = min(C, max_crews_within(problem.budget_fte, roster, unit))
        if C < 1:
            raise InfeasibleError(
                f"budget.crt_fte = {problem.budget_fte:g} FTE is less than one crew "
                f"({fte_of_crews(1, roster, unit):.1f} FTE = crew size x relief factor); "
                f"raise the budget"
            )
    m = _build(problem, roster, unit, unsocial_start_hours, inc_int=inc_int, max_crews=C)
    pen = sum(coeff * var for _, var, coeff, _ in m.penalties)
    statuses = []
    solver_cfg = solver
    cp_solver, params = _solver(solver_cfg, roster)
    if problem.objective == "max_reached":
        m.model.maximize(m.value - pen)
        status = cp_solver.solve(m.model)
        _check(status, roster, "the budget")
        gap = _gap(cp_solver)
        statuses.append(status)
        if status != cp_model.OPTIMAL and sum(cp_solver.value(v) for v in m.x) == 0:
            raise SolverLimitError(
                f"CP-SAT found no roster better than none within roster.max_deterministic_time "
                f"= {roster.max_deterministic_time:g}; raise it"
            )
    else:
        m.model.minimize(m.cost)
        status = cp_solver.solve(m.model)
        _check(status, roster, "the required cover")
        statuses.append(status)
        gap = _gap(cp_solver)
        best_cost = int(round(cp_solver.objective_value))
        # Stage 2: with the cost fixed, fewest penalties (the stage-1 roster as a hint).
        for var in m.x:
            m.model.add_hint(var, cp_solver.value(var))
        m.model.add(m.cost <= best_cost)
        m.model.minimize(pen)
        cp_solver, _ = _solver(solver_cfg, roster)
        status = cp_solver.solve(m.model)
        _check(status, roster, "the required cover")
        statuses.append(status)
    proven = all(s == cp_model.OPTIMAL for s in statuses) and gap <= 1e-9
    return _result(
        m, cp_solver, problem, roster, unit, reached, C,
        "OPTIMAL" if proven else "FEASIBLE", gap, params | {"objective": problem.objective,
        "max_crews": C, "roster_lines": len(m.lines), "stages": len(statuses)},
    )  # fmt: skip


def _result(
    m: _Model,
    solver: cp_model.CpSolver,
    problem: RosterProblem,
    roster: RosterConfig,
    unit: UnitConfig,
    reached: np.ndarray | None,
    max_crews: int,
    status: str,
    gap: float,
    params: dict[str, Any],
) -> RosterResult:
    """Expand the chosen roster lines into named crews and read the measures."""
    N = roster.weeks
    crews: list[Crew] = []
    ot_total = 0.0
    for var, line in zip(m.x, m.lines, strict=True):
        for _ in range(solver.value(var)):
            crews.append(Crew(crew_name(len(crews)), line.template, line.days))
            ot_total += line.overtime_h_per_week
    teams = np.array([solver.value(v) for v in m.n], dtype=np.int64)
    staffed = np.zeros(HOURS_PER_WEEK)  # team-hours staffed per bin, mean over the weeks
    for var, line in zip(m.x, m.lines, strict=True):
        for b in line.bins:
            staffed[b % HOURS_PER_WEEK] += solver.value(var) / N
    pay = pay_of_cover(staffed, roster, unit, overtime_hours_per_week=ot_total)
    expected = math.nan
    if reached is not None:
        expected = float(reached[np.arange(HOURS_PER_WEEK), teams].sum())
    penalty: dict[str, float] = {}
    count: dict[str, float] = {}
    for name, var, coeff, amount in m.penalties:
        v = solver.value(var)
        penalty[name] = penalty.get(name, 0.0) + v * coeff / SCALE
        count[name] = count.get(name, 0.0) + v * amount
    rules = _rules(crews, teams, problem, roster, unit, penalty, count, max_crews)
    return RosterResult(
        status=status, gap=float(gap), objective_mode=problem.objective, weeks=N,
        crews=tuple(crews), teams_on_duty=tuple(int(v) for v in teams),
        fte=fte_of_crews(len(crews), roster, unit), pay=pay,
        overtime_hours_per_week=float(ot_total), rules=tuple(rules),
        expected_reached_per_year=expected, solver_params=params,
    )  # fmt: skip


def _rules(
    crews: list[Crew],
    teams: np.ndarray,
    problem: RosterProblem,
    roster: RosterConfig,
    unit: UnitConfig,
    penalty: dict[str, float],
    count: dict[str, float],
    max_crews: int,
) -> list[RosterRule]:
    N = roster.weeks
    out = []
    if problem.objective == "max_reached":
        out.append(
            RosterRule(
                "budget.crt_fte", "hard", len(crews) == max_crews,
                f"{len(crews)} of {max_crews} crews within {problem.budget_fte:g} FTE "
                f"({fte_of_crews(len(crews), roster, unit):.1f} FTE used)",
            )
        )  # fmt: skip
    else:
        req = np.asarray(problem.required_teams_by_how)
        tight = int(np.sum((teams == req) & (req > 0)))
        out.append(
            RosterRule("required_cover", "hard", tight > 0,
                       f"{tight} hours of week staffed exactly at the required teams")
        )  # fmt: skip
    min_rest = min((min(c.rest_between_shifts_h(N), default=99) for c in crews), default=99)
    out.append(
        RosterRule("roster.min_rest_h", "hard", min_rest <= roster.min_rest_h,
                   f"shortest rest between two shifts of a crew {min_rest} h "
                   f"(minimum {roster.min_rest_h} h)")
    )  # fmt: skip
    top = max((max(c.weekly_hours(N)) for c in crews), default=0)
    out.append(
        RosterRule("roster.max_weekly_hours", "hard", top + 8 > roster.max_weekly_hours,
                   f"longest crew week {top} h (cap {roster.max_weekly_hours:g} h)")
    )  # fmt: skip
    avg = max((sum(c.weekly_hours(N)) / N for c in crews), default=0.0)
    out.append(
        RosterRule("roster.max_average_weekly_hours", "hard",
                   avg >= roster.max_average_weekly_hours - 1e-9,
                   f"highest crew average {avg:.1f} h/week (cap "
                   f"{roster.max_average_weekly_hours:g} h)")
    )  # fmt: skip
    K = problem.K
    at_cap = int(np.sum(teams >= K))
    out.append(RosterRule("shifts.max_teams_per_hour", "hard", at_cap > 0,
                          f"{at_cap} hours of week at the {K}-team cap"))  # fmt: skip
    for name, label in (
        ("weekend_work", "crew-shifts per week on Saturday or Sunday"),
        ("unsocial_start", "crew-shifts per week starting at unsocial hours"),
        ("overtime", "crew-hours of overtime per week"),
    ):
        out.append(
            RosterRule(f"roster.{name}", "soft", penalty.get(name, 0.0) > 0,
                       f"{count.get(name, 0.0):.1f} {label}", penalty.get(name, 0.0))
        )  # fmt: skip
    return out


def roster_for_scenario(
    problem: RosterProblem, scenario: Scenario, unit_type: str = "crt"
) -> RosterResult:
    """:func:`plan_roster` with the scenario's ``[roster]``, unit, ``[solver]`` and
    ``[shifts] unsocial_start_hours``.
    """
    return plan_roster(
        problem, roster=scenario.roster, unit=scenario.units[unit_type], solver=scenario.solver,
        unsocial_start_hours=scenario.shifts.unsocial_start_hours,
    )  # fmt: skip


def week_shifts(result: RosterResult, week: int = 1) -> tuple[Shift, ...]:
    """The crews' shifts of one week of the cycle as plan shifts (teams per day, start and
    length); every week of a ``max_reached`` roster has the same cover.
    """
    counts: dict[tuple[int, int, int], int] = {}
    for crew in result.crews:
        t = crew.template
        for j in crew.work_days:
            if j // 7 == week - 1:
                key = (j % 7, t.start_hour, t.length_h)
                counts[key] = counts.get(key, 0) + 1
    return tuple(
        Shift(day=d, start_hour=s, length_h=length, teams=k)
        for (d, s, length), k in sorted(counts.items())
    )
